package features

import (
	"bytes"
	"flag"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
	"github.com/meshtwin/meshtwin/steps"
)

// behaviours is how many entries BEHAVIORS.md catalogues (B01..B36);
// each needs a passing scenario.
const behaviours = 36

// backends is the table MESHTWIN_BACKEND chooses from; each constructor
// returns a fresh backend for one scenario.
func backends() map[string]func() shell.Backend {
	return map[string]func() shell.Backend{
		"sim": func() shell.Backend { return sim.New(sim.Options{Seed: 1}) },
	}
}

func TestMain(m *testing.M) {
	flag.String("tags-filter", "", "run only scenarios matching this godog tag expression, e.g. '@B07 && ~@slow' (or set MESHTWIN_TAGS)")
	flag.Parse()
	os.Exit(m.Run())
}

// tagFilter is the -tags-filter flag, else MESHTWIN_TAGS.
func tagFilter() string {
	if f := flag.Lookup("tags-filter"); f != nil && f.Value.String() != "" {
		return f.Value.String()
	}
	return os.Getenv("MESHTWIN_TAGS")
}

func TestFeatures(t *testing.T) {
	name := os.Getenv("MESHTWIN_BACKEND")
	if name == "" {
		name = "sim"
	}
	table := backends()
	newBackend, ok := table[name]
	if !ok {
		known := make([]string, 0, len(table))
		for n := range table {
			known = append(known, n)
		}
		sort.Strings(known)
		t.Fatalf("unknown backend %q in MESHTWIN_BACKEND (known: %s)", name, strings.Join(known, ", "))
	}

	tags := tagFilter()
	var required []string
	if tags == "" {
		// A filtered run cannot cover every behaviour; only a full run is
		// held to the catalogue.
		required = steps.BehaviourIDs(behaviours)
	}
	summary := steps.NewSummary(required)

	suite := godog.TestSuite{
		Name: "meshtwin-" + name,
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			steps.RegisterWithOptions(sc, steps.Options{NewBackend: newBackend, Summary: summary})
		},
		Options: &godog.Options{
			Format:      "progress",
			Paths:       []string{"."},
			Strict:      true,
			Concurrency: 4,
			Randomize:   0,
			NoColors:    true,
			Tags:        tags,
			TestingT:    t,
		},
	}
	status := suite.Run()

	var report bytes.Buffer
	report.WriteString("\nScenarios per tag (backend " + name + "):\n")
	summaryErr := summary.Report(&report)
	os.Stdout.Write(report.Bytes())

	if status != 0 {
		t.Errorf("godog suite failed with status %d", status)
	}
	if summaryErr != nil {
		t.Error(summaryErr)
	}
}
