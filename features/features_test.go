package features

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/meshtwin/meshtwin/realk8s/backend"
	"github.com/meshtwin/meshtwin/realk8s/kindcluster"
	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
	"github.com/meshtwin/meshtwin/steps"
)

// behaviours is how many entries BEHAVIORS.md catalogues (B01..B39);
// each needs a passing scenario.
const behaviours = 39

// backendChoice is one backend MESHTWIN_BACKEND can name: start returns
// the constructor of a fresh backend for one scenario, the number of
// scenarios run at once, and what to stop at the end of the run.
type backendChoice struct {
	start func(t *testing.T) (newBackend func() shell.Backend, concurrency int, stop func() error)
}

// backends is the table MESHTWIN_BACKEND chooses from.
func backends() map[string]backendChoice {
	return map[string]backendChoice{
		"sim": {start: func(*testing.T) (func() shell.Backend, int, func() error) {
			return func() shell.Backend { return sim.New(sim.Options{Seed: 1}) }, 4, func() error { return nil }
		}},
		// local runs each cluster and the mesh instance on a real
		// control plane, started once and reset between scenarios; one
		// scenario at a time, since each plane costs about 0.6 GiB.
		"local": {start: func(t *testing.T) (func() shell.Backend, int, func() error) {
			fleet, err := backend.EnsureFleet(t.Context(), os.Stderr)
			if err != nil {
				t.Fatalf("backend local: %v", err)
			}
			return func() shell.Backend { return fleet.New() }, 1, func() error {
				if os.Getenv("MESHTWIN_TIMING") != "" {
					fmt.Println("\nWhere the local backend's time went (MESHTWIN_TIMING):")
					if err := fleet.WriteTimings(os.Stdout); err != nil {
						return err
					}
				}
				return fleet.Stop()
			}
		}},
		// kind runs each cluster and the mesh instance on a kind
		// cluster with real kubelets (one kind node per regular node of
		// the twin, the virtual node kwok's), created once per shape and
		// reset between scenarios; one scenario at a time (2 cores).
		// Without a container runtime the backend is skipped, saying
		// why, unless MESHTWIN_REQUIRE_REAL is set.
		"kind": {start: func(t *testing.T) (func() shell.Backend, int, func() error) {
			fleet, err := backend.EnsureKindFleet(t.Context(), os.Stderr, os.Getenv(kindcluster.KeepEnv) == "1")
			if errors.Is(err, kindcluster.ErrNoRuntime) && os.Getenv("MESHTWIN_REQUIRE_REAL") == "" {
				fmt.Printf("\nbackend kind skipped: %v\n", err)
				t.Logf("backend kind skipped: %v", err)
				return nil, 0, nil
			}
			if err != nil {
				t.Fatalf("backend kind: %v", err)
			}
			return func() shell.Backend { return fleet.New() }, 1, fleet.Stop
		}},
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

// backendTags take scenarios off backends; features/README.md lists them
// with the same reasons.
func backendTags() []steps.BackendTag {
	return []steps.BackendTag{
		{Tag: "@virtual-clock", Backends: []string{"local", "kind"},
			Reason: "exact times of the virtual clock (AGE columns, events at 5s and 8s) or a pod's state at an exact moment of the twin's lifecycle timing (Init:0/2 at 0s, READY 1/2 at 8s): real time passes otherwise, and a real kubelet reports at its own pace"},
		{Tag: "@apiserver-before-1.35", Backends: []string{"local", "kind"},
			Reason: "the outcome is an older API server's validation: from 1.35 (container restart rules, beta) a 1.37 API server (the local plane's, the kind node image's) accepts restartPolicy on a regular container"},
		{Tag: "@kubelet-version", Backends: []string{"kind"},
			Reason: "the nodes' kubelet VERSION the twin's cluster version gives (v1.30.1-aliyun.1 after an upgrade): a kind node's kubelet is the node image's (v1.37.2) whatever version the twin's cluster has, and a kind cluster cannot change its kubelets' version in place"},
		{Tag: "@kubelet", Backends: []string{"local"},
			Reason: "what only a kubelet runs (container start order, a sidecar keeping a Job's pod alive, the lifecycle insights): kwok has no containers; left to kind"},
	}
}

// knownFailuresFile lists, per backend other than sim, the scenarios
// known to fail there, each with its reason: the run fails on a failure
// not listed and on a listed scenario that passes.
func knownFailuresFile(backend string) string { return "known-failures-" + backend }

func TestFeatures(t *testing.T) {
	names := strings.Split(os.Getenv("MESHTWIN_BACKEND"), ",")
	if names[0] == "" {
		names = []string{"sim"}
	}
	table := backends()
	for _, name := range names {
		if _, ok := table[name]; !ok {
			known := make([]string, 0, len(table))
			for n := range table {
				known = append(known, n)
			}
			sort.Strings(known)
			t.Fatalf("unknown backend %q in MESHTWIN_BACKEND (known: %s)", name, strings.Join(known, ", "))
		}
	}
	parity := steps.NewParity()
	for _, name := range names {
		runFeatures(t, name, table[name], parity)
	}
	fmt.Println("\nParity (scenario x backend):")
	if err := parity.Write(os.Stdout); err != nil {
		t.Error(err)
	}
	// Last, so that the tail of a long log (CI keeps 150 lines) names what
	// failed and why.
	if err := parity.WriteFailures(os.Stdout, 15); err != nil {
		t.Error(err)
	}
}

// runFeatures runs every feature on one backend. On sim, the reference,
// every scenario must pass and every behaviour have a passing scenario;
// on another backend, the failures must be those its known-failures file
// lists.
func runFeatures(t *testing.T, name string, choice backendChoice, parity *steps.Parity) {
	newBackend, concurrency, stop := choice.start(t)
	if newBackend == nil {
		return // skipped, with its reason printed
	}
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("stop backend %s: %v", name, err)
		}
	}()

	userTags := tagFilter()
	paths := []string{"."}
	if p := os.Getenv("MESHTWIN_PATHS"); p != "" {
		// Scenarios by place, e.g. "namespaces.feature:40,eci.feature";
		// a run of some scenarios is a filtered run like one by tags.
		paths = strings.Split(p, ",")
	}
	filtered := userTags != "" || len(paths) > 1 || paths[0] != "."
	tags := userTags
	if ex := steps.Exclusion(name, backendTags()); ex != "" {
		if tags == "" {
			tags = ex
		} else {
			// godog's expressions have no parentheses: "&&" joins
			// groups of ","-separated alternatives.
			tags = tags + " && " + ex
		}
	}
	reference := name == "sim"
	var required []string
	if !filtered && reference {
		// A filtered run cannot cover every behaviour; only a full run is
		// held to the catalogue.
		required = steps.BehaviourIDs(behaviours)
	}
	summary := steps.NewSummary(required)
	var timer *steps.ScenarioTimer
	if os.Getenv("MESHTWIN_TIMING") != "" {
		timer = steps.NewScenarioTimer()
		defer func() {
			fmt.Printf("\nScenario wall times on %s (MESHTWIN_TIMING):\n", name)
			if err := timer.Write(os.Stdout, 15); err != nil {
				t.Error(err)
			}
		}()
	}
	if !filtered {
		all, err := steps.ListScenarios(".")
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range all {
			if reason := steps.NotApplicableReason(name, sc.Tags, backendTags()); reason != "" {
				parity.Record(name, sc.Name, steps.NotApplicable, reason)
			}
		}
	}

	opts := &godog.Options{
		Format:      "progress",
		Paths:       paths,
		Strict:      true,
		Concurrency: concurrency,
		Randomize:   0,
		NoColors:    true,
		Tags:        tags,
	}
	if reference {
		// Each scenario is a subtest that must pass.
		opts.TestingT = t
	}
	suite := godog.TestSuite{
		Name: "meshtwin-" + name,
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			steps.RegisterWithOptions(sc, steps.Options{NewBackend: newBackend, Summary: summary})
			parity.Register(sc, name)
			if timer != nil {
				timer.Register(sc)
			}
		},
		Options: opts,
	}
	status := suite.Run()

	var report bytes.Buffer
	report.WriteString("\nScenarios per tag (backend " + name + "):\n")
	summaryErr := summary.Report(&report)
	os.Stdout.Write(report.Bytes())

	if reference {
		if status != 0 {
			t.Errorf("godog suite failed with status %d", status)
		}
		if summaryErr != nil {
			t.Error(summaryErr)
		}
		return
	}
	known, err := steps.ReadKnownFailures(knownFailuresFile(name))
	if err != nil {
		t.Fatalf("backend %s: %v", name, err)
	}
	newFailures, nowPassing := known.Check(parity.Outcomes(name))
	if filtered {
		nowPassing = nil // a filtered run does not run every listed scenario
	}
	for _, n := range newFailures {
		t.Errorf("backend %s: scenario %q failed and is not in %s: fix it in the twin", name, n, knownFailuresFile(name))
	}
	for _, n := range nowPassing {
		t.Errorf("backend %s: scenario %q is in %s but did not fail: remove it from the list", name, n, knownFailuresFile(name))
	}
}
