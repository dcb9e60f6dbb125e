package steps_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/steps"
)

func TestParityTable(t *testing.T) {
	t.Parallel()
	p := steps.NewParity()
	p.Record("sim", "b scenario", steps.Passed, "")
	p.Record("sim", "a scenario", steps.Passed, "")
	p.Record("local", "a scenario", steps.Failed, "")
	p.Record("local", "a scenario", steps.Passed, "") // another example of the outline: the failure stays
	p.Record("local", "b scenario", steps.NotApplicable, "@kubelet: no kubelet")
	var out strings.Builder
	require.NoError(t, p.Write(&out))
	assert.Equal(t, `SCENARIO    SIM     LOCAL
a scenario  passed  failed
b scenario  passed  not applicable (@kubelet: no kubelet)
sim: 2 passed, 0 failed, 0 not applicable
local: 0 passed, 1 failed, 1 not applicable
`, out.String())
}

func TestKnownFailures(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "known")
	require.NoError(t, os.WriteFile(path, []byte("# comment\n\nstill fails | why\nfixed now | why not\nsometimes | flaky: timing\nsometimes too | flaky: timing\n"), 0o600))
	known, err := steps.ReadKnownFailures(path)
	require.NoError(t, err)
	newFailures, nowPassing := known.Check(map[string]steps.Outcome{
		"still fails": steps.Failed, "fixed now": steps.Passed, "new": steps.Failed, "fine": steps.Passed,
		"sometimes": steps.Passed, "sometimes too": steps.Failed,
	})
	assert.Equal(t, []string{"new"}, newFailures)
	assert.Equal(t, []string{"fixed now"}, nowPassing)

	tests := []struct{ name, text, err string }{
		{"no reason", "a scenario\n", `want "scenario name | reason"`},
		{"twice", "a | x\na | y\n", `"a" is listed twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "known")
			require.NoError(t, os.WriteFile(path, []byte(tc.text), 0o600))
			_, err := steps.ReadKnownFailures(path)
			require.ErrorContains(t, err, tc.err)
		})
	}
}

func TestExclusionAndReason(t *testing.T) {
	t.Parallel()
	tags := []steps.BackendTag{
		{Tag: "@virtual-clock", Reason: "exact times", Backends: []string{"local"}},
		{Tag: "@kubelet", Reason: "kubelet only", Backends: []string{"local", "other"}},
	}
	assert.Equal(t, "~@virtual-clock && ~@kubelet", steps.Exclusion("local", tags))
	assert.Empty(t, steps.Exclusion("sim", tags))
	assert.Equal(t, "@kubelet: kubelet only", steps.NotApplicableReason("local", []string{"@B07", "@kubelet"}, tags))
	assert.Empty(t, steps.NotApplicableReason("sim", []string{"@kubelet"}, tags))
}

func TestListScenariosReadsTheFeatures(t *testing.T) {
	t.Parallel()
	all, err := steps.ListScenarios("../features")
	require.NoError(t, err)
	require.NotEmpty(t, all)
	for _, sc := range all {
		assert.NotEmpty(t, sc.Name)
	}
}

func TestParityFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	feature := filepath.Join(dir, "a.feature")
	require.NoError(t, os.WriteFile(feature, []byte(`Feature: f
  Scenario: plain one
    Given x

  Scenario Outline: outline for <who> at <n>
    Given x
    Examples:
      | who | n |
      | ann | 1 |
`), 0o600))
	p := steps.NewParity()
	p.Record("sim", "plain one", steps.Passed, "")
	var out strings.Builder
	require.NoError(t, p.WriteFailures(&out, 3))
	assert.Empty(t, out.String(), "nothing failed, nothing printed")

	p.RecordFailure(steps.Failure{Backend: "local", Scenario: "plain one", Where: steps.ScenarioPlace(feature, "plain one"), Err: "step 2: want 1\ngot 2\nline 3\nline 4\nline 5"})
	p.RecordFailure(steps.Failure{Backend: "kind", Scenario: "outline for ann at 1", Where: steps.ScenarioPlace(feature, "outline for ann at 1"), Err: "boom"})
	require.NoError(t, p.WriteFailures(&out, 3))
	assert.Equal(t, `
Failed scenarios (2; rerun one with MESHTWIN_BACKEND=<backend> MESHTWIN_PATHS=<place>):
kind  `+feature+`:5  outline for ann at 1
    boom
local  `+feature+`:2  plain one
    step 2: want 1
    got 2
    line 3
    ... (2 more lines)
`, out.String())
	assert.Equal(t, steps.Failed, p.Outcomes("local")["plain one"])
	assert.Equal(t, "missing.feature", steps.ScenarioPlace("missing.feature", "x"), "an unreadable file: the file alone")
	assert.Equal(t, feature, steps.ScenarioPlace(feature, "no such scenario"))
}
