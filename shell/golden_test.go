package shell_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/internal/golden"
	"github.com/meshtwin/meshtwin/internal/scripttest"
	"github.com/meshtwin/meshtwin/script"
	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

// TestConsoleGolden runs each testdata/console/*.sh as `sim run --echo
// --keep-going` does, on a fresh simulator, standard output and errors
// together as a terminal shows them, and compares with the .golden file
// next to it. `go test ./shell -run TestConsoleGolden -update` rewrites
// them.
func TestConsoleGolden(t *testing.T) {
	t.Parallel()
	golden.Each(t, filepath.Join("testdata", "console", "*.sh"), func(t *testing.T, input string) string {
		return scripttest.Echo(t, input)
	})
}

// TestTranscriptsCheck replays every golden output of a script that
// succeeded as a transcript: an echoed run is a transcript `sim check`
// accepts.
func TestTranscriptsCheck(t *testing.T) {
	t.Parallel()
	goldens, err := filepath.Glob(filepath.Join("testdata", "console", "*.golden"))
	require.NoError(t, err)
	require.NotEmpty(t, goldens)
	for _, golden := range goldens {
		t.Run(filepath.Base(golden), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(golden)
			require.NoError(t, err)
			text := string(data)
			// The status line is the harness's, not a command's output.
			if i := strings.LastIndex(text, "\n# "); i >= 0 {
				text = text[:i+1]
			}
			s := shell.NewSession(sim.New(sim.Options{Seed: 1}), shell.Options{Seed: 1, Dir: filepath.Join("testdata", "console")})
			assert.Empty(t, s.CheckTranscript(t.Context(), golden, text))
		})
	}
}

// TestScriptStopsAtFailureOnSim checks, on the simulator, that a failing
// command stops the script: its line and exit code are returned and no
// later command changes anything.
func TestScriptStopsAtFailureOnSim(t *testing.T) {
	t.Parallel()
	b := sim.New(sim.Options{Seed: 1})
	s := shell.NewSession(b, shell.Options{Seed: 1})
	text := "mesh create\n# a bad name\nasm namespace create Demo\nasm namespace create later\n"
	var out, errOut bytes.Buffer
	err := s.RunScript(t.Context(), text, shell.ScriptOptions{Name: "stop.sh"}, &out, &errOut)
	var ee *script.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 1, ee.Code)
	assert.Equal(t, 3, ee.Line)
	assert.Equal(t, 1, strings.Count(errOut.String(), "invalid namespace name"), "stderr = %q: the error must be written once", errOut.String())
	var list bytes.Buffer
	require.NoError(t, s.Exec(t.Context(), "asm namespace list", nil, &list, &list))
	assert.NotContains(t, list.String(), "later", "a command after the failure ran")
	assert.Empty(t, s.CurrentContext(), "current context before any cluster joined")
}
