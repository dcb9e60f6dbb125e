package steps

import (
	"io"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

const background = `
  Background:
    Given the commands:
      """
      mesh create --version 1.22.2.35
      cluster create c1
      mesh add-cluster c1
      kubectl create namespace demo
      """
`

// TestVocabulary runs one-scenario features and checks that each step
// passes when it should and, above all, fails when it should.
func TestVocabulary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		background string
		steps      string
		pass       bool
	}{
		{"the mesh shorthand", "", "Given a mesh of version \"1.17.2.36\" with clusters \"c2\" and \"c3\"\nWhen I run \"kubectl --context c3 get namespace default\"\nThen it succeeds\nWhen I run \"asm namespace list\"\nThen the output contains \"default\"", true},
		{"the mesh shorthand joins every cluster", "", "Given a mesh of version \"1.22.2.35\" with cluster \"c2\"\nWhen I run \"asm sync from-cluster c2 --dry-run\"\nThen it succeeds", true},
		{"output is", background, "When I run \"kubectl label namespace demo a=b\"\nThen the output is:\n  \"\"\"\n  namespace/demo labeled\n  \"\"\"", true},
		{"output is, wrong text", background, "When I run \"kubectl label namespace demo a=b\"\nThen the output is:\n  \"\"\"\n  namespace/demo created\n  \"\"\"", false},
		{"it succeeds on a failure", background, "When I run \"kubectl get namespace ghost\"\nThen it succeeds", false},
		{"it fails with the error text", background, "When I run \"kubectl get namespace ghost\"\nThen it fails with \"namespaces \"ghost\" not found\"", true},
		{"it fails with other text", background, "When I run \"kubectl get namespace ghost\"\nThen it fails with \"forbidden\"", false},
		{"it fails on a success", background, "When I run \"kubectl get namespace demo\"\nThen it fails", false},
		{"contains", background, "When I run \"kubectl get namespace demo --show-labels\"\nThen the output contains \"kubernetes.io/metadata.name=demo\"", true},
		{"does not contain, but does", background, "When I run \"kubectl get namespace demo\"\nThen the output does not contain \"demo\"", false},
		{"column", background, "When I run \"kubectl get namespace demo\"\nThen the \"STATUS\" column for \"demo\" is \"Active\"", true},
		{"column, wrong value", background, "When I run \"kubectl get namespace demo\"\nThen the \"STATUS\" column for \"demo\" is \"Terminating\"", false},
		{"column one of", background, "When I run \"kubectl get namespace demo\"\nThen the \"STATUS\" column for \"demo\" is one of \"Terminating, Active\"", true},
		{"column one of, none matches", background, "When I run \"kubectl get namespace demo\"\nThen the \"STATUS\" column for \"demo\" is one of \"Terminating, Act\"", false},
		{"nothing changed after a failure", background, "When I run \"kubectl create namespace Bad\"\nThen nothing changed", true},
		{"nothing changed after a change", background, "When I run \"kubectl label namespace demo a=b\"\nThen nothing changed", false},
		{"nothing changed covers the whole When block", background, "When I run \"kubectl label namespace demo a=b\"\nAnd I run \"kubectl get namespace demo\"\nThen nothing changed", false},
		{"a new When block takes a new snapshot", background, "When I run \"kubectl label namespace demo a=b\"\nThen it succeeds\nWhen I run \"kubectl get namespace demo\"\nThen nothing changed", true},
		{"the clock", background, "When I run \"kubectl run web -n demo --image nginx\"\nAnd the clock advances by 1m\nAnd I run \"kubectl get pods -n demo\"\nThen the \"STATUS\" column for \"web\" is \"Running\"", true},
		{"a failing Given fails the scenario", background, "Given the commands:\n  \"\"\"\n  kubectl get namespace ghost\n  \"\"\"\nWhen I run \"kubectl get namespace demo\"\nThen it succeeds", false},
		{"a Then without a When", background, "Then it succeeds", false},
		{"an undefined step", background, "When I dance", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			feature := "Feature: vocabulary\n" + tt.background + "\n  Scenario: " + tt.name + "\n" + indentBy(tt.steps, "    ")
			suite := godog.TestSuite{
				Name: tt.name,
				ScenarioInitializer: func(sc *godog.ScenarioContext) {
					Register(sc, func() shell.Backend { return sim.New(sim.Options{Seed: 1}) })
				},
				Options: &godog.Options{
					Format:          "progress",
					Output:          io.Discard,
					Strict:          true,
					FeatureContents: []godog.Feature{{Name: "vocabulary.feature", Contents: []byte(feature)}},
				},
			}
			passed := suite.Run() == 0
			if passed != tt.pass {
				t.Errorf("expected the scenario to pass=%t, got pass=%t:\n%s", tt.pass, passed, feature)
			}
		})
	}
}

func indentBy(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString(prefix + l + "\n")
	}
	return b.String()
}

func TestSummaryRecordsScenarios(t *testing.T) {
	t.Parallel()
	feature := "Feature: summary\n" + background + `
  @B01
  Scenario: passes
    When I run "kubectl get namespace demo"
    Then it succeeds

  @B01 @B02
  Scenario: fails
    When I run "kubectl get namespace demo"
    Then it fails
`
	summary := NewSummary([]string{"B01", "B02"})
	suite := godog.TestSuite{
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			RegisterWithOptions(sc, Options{
				NewBackend: func() shell.Backend { return sim.New(sim.Options{Seed: 1}) },
				Summary:    summary,
			})
		},
		Options: &godog.Options{
			Format:          "progress",
			Output:          io.Discard,
			Strict:          true,
			FeatureContents: []godog.Feature{{Name: "summary.feature", Contents: []byte(feature)}},
		},
	}
	if status := suite.Run(); status == 0 {
		t.Fatalf("expected the suite to fail (one scenario fails), got status 0")
	}
	var out strings.Builder
	err := summary.Report(&out)
	if err == nil || err.Error() != "no passing scenario for 1 of the required tags: B02" {
		t.Errorf("expected B02 to lack a passing scenario, got %v", err)
	}
	if !containsLine(out.String(), "B01  1 passed, 1 failed") {
		t.Errorf("expected a line for B01, got:\n%s", out.String())
	}
}
