package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"pgregory.net/rapid"

	istiolog "istio.io/istio/pkg/log"
)

// quietIstioLogs silences istiod's logging: the injector logs each request,
// and the report is what this command prints.
func quietIstioLogs() {
	for _, s := range istiolog.Scopes() {
		s.SetOutputLevel(istiolog.NoneLevel)
	}
}

func main() {
	// rapid reads testing's flags (-test.short) when it shrinks; they must
	// be registered before flags are parsed.
	testing.Init()
	quietIstioLogs()
	cases := flag.Int("cases", 5000, "number of random cases")
	seed := flag.Int("seed", 1, "seed of the first case; case i uses seed+i")
	known := flag.String("known", "known-divergences", "file naming the open divergence classes; a class not listed fails the run")
	shrink := flag.Duration("shrink", 10*time.Second, "time rapid may spend shrinking each class's reproducer (0: print the first case found)")
	e2eTier := flag.Bool("e2e", false, "the end-to-end tier: upstream istiod serving a local control plane, each case a pod created through the real API server (default -cases 200; no shrinking)")
	flag.Parse()
	var code int
	var err error
	if *e2eTier {
		n := *cases
		if !flagSet("cases") {
			n = 200
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code, err = runE2E(ctx, os.Stdout, os.Stderr, n, *seed, *known)
		stop()
	} else {
		code, err = run(os.Stdout, *cases, *seed, *known, *shrink)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// caseResult is one case through both sides.
type caseResult struct {
	c        Case
	up, twin outcome
	diffs    []difference
	classes  []string
}

// compareCase runs c through upstream and the model.
func compareCase(u *upstream, c Case) (caseResult, error) {
	up, err := u.run(c)
	if err != nil {
		return caseResult{}, fmt.Errorf("upstream on case\n%s: %w", c, err)
	}
	tw := runTwin(c, u.version)
	r := caseResult{c: c, up: up, twin: tw, diffs: diff(view(up), view(tw))}
	r.classes = classify(c, r.diffs)
	return r, nil
}

// classify names the classes of a case's differences.
func classify(c Case, diffs []difference) []string {
	// A template other than the sidecar's builds a different pod whole;
	// what it changes counts as one class.
	if t := c.Pod.Annotations["inject.istio.io/templates"]; len(diffs) > 0 && t != "" && t != "sidecar" {
		return []string{"inject.istio.io/templates=" + t}
	}
	return caseClasses(diffs)
}

// caseClasses names what a case disagrees on. A different injected/not
// injected, rejection or sidecar mode explains every other difference of
// the case, so it is the case's only class.
func caseClasses(diffs []difference) []string {
	for _, lead := range []string{"injected", "rejected", "mode"} {
		for _, d := range diffs {
			if d.Key == lead {
				return []string{lead}
			}
		}
	}
	set := map[string]bool{}
	for _, d := range diffs {
		set[class(d.Key)] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func run(w io.Writer, n, seed int, knownPath string, shrinkTime time.Duration) (int, error) {
	known, u, err := openRun(knownPath)
	if err != nil {
		return 0, err
	}
	defer u.close()

	fmt.Fprintf(w, "upstream: %s %s (Istio %s); model: mesh create --profile istio --version %s\n", istioModule, u.releaseModule, u.release, u.release)
	gen := caseGen()
	start := time.Now()
	var t tally
	for i := range n {
		r, err := compareCase(u, gen.Example(seed+i))
		if err != nil {
			return 0, err
		}
		t.add(r)
	}
	byClass, disagreements, injected, native, rejected := t.byClass, t.disagreements, t.injected, t.native, t.rejected
	elapsed := time.Since(start)

	classes := make([]string, 0, len(byClass))
	for cl := range byClass {
		classes = append(classes, cl)
	}
	sort.Strings(classes)
	var unknown []string
	for _, cl := range classes {
		first := byClass[cl][0]
		if shrinkTime > 0 {
			if m, ok := minimal(u, gen, cl, shrinkTime); ok {
				first = m
			}
		}
		status := "known"
		if !known[cl] {
			status = "NOT in " + knownPath
			unknown = append(unknown, cl)
		}
		fmt.Fprintf(w, "=== %s: %d cases (%s)\n", cl, len(byClass[cl]), status)
		printReproducer(w, first)
	}
	var gone []string
	for cl := range known {
		if _, seen := byClass[cl]; !seen {
			gone = append(gone, cl)
		}
	}
	sort.Strings(gone)
	for _, cl := range gone {
		fmt.Fprintf(w, "known divergence not seen in this run (remove it from %s once fixed): %s\n", knownPath, cl)
	}
	fmt.Fprintf(w, "upstream injected %d of %d cases (%d native), rejected %d\n", injected, n, native, rejected)
	fmt.Fprintf(w, "%d classes of disagreement, %d not listed in %s; %.0f cases/s\n",
		len(classes), len(unknown), knownPath, float64(n)/elapsed.Seconds())
	fmt.Fprintf(w, "oracle: %d cases, %d disagreements\n", n, disagreements)
	if len(unknown) > 0 {
		return 1, nil
	}
	return 0, nil
}

// minimal asks rapid for a case of the given class and shrinks it.
func minimal(u *upstream, gen *rapid.Generator[Case], cl string, shrinkTime time.Duration) (caseResult, bool) {
	for k, v := range map[string]string{"rapid.checks": "2000", "rapid.nofailfile": "true", "rapid.shrinktime": shrinkTime.String(), "rapid.seed": "1"} {
		if err := flag.Set(k, v); err != nil {
			return caseResult{}, false
		}
	}
	var last caseResult
	found := false
	tb := &quietTB{}
	rapid.Check(tb, func(t *rapid.T) {
		r, err := compareCase(u, gen.Draw(t, "case"))
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(r.classes, cl) {
			last, found = r, true
			t.Fatalf("class %s", cl)
		}
	})
	return last, found
}

func printReproducer(w io.Writer, r caseResult) {
	fmt.Fprintf(w, "case:\n%s", indent(r.c.String()))
	fmt.Fprintf(w, "selected: upstream %s | model %s\n", r.up.Selected, r.twin.Selected)
	if r.up.Rejected != "" || r.twin.Rejected != "" {
		fmt.Fprintf(w, "rejected: upstream %q | model %q\n", r.up.Rejected, r.twin.Rejected)
	}
	width := 0
	for _, d := range r.diffs {
		width = max(width, len(d.Key))
	}
	fmt.Fprintf(w, "  %-*s | %s | %s\n", width, "field", "upstream", "model")
	for _, d := range r.diffs {
		fmt.Fprintf(w, "  %-*s | %s | %s\n", width, d.Key, orDash(d.Upstream), orDash(d.Twin))
	}
	fmt.Fprintln(w)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// openRun reads the open divergence classes and loads upstream's
// injector: what both tiers start with. The caller closes the upstream.
func openRun(knownPath string) (map[string]bool, *upstream, error) {
	known, err := readKnown(knownPath)
	if err != nil {
		return nil, nil, err
	}
	u, err := newUpstream()
	if err != nil {
		return nil, nil, err
	}
	return known, u, nil
}

// readKnown reads the open divergence classes: one a line, # comments.
func readKnown(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read known divergences: %w", err)
	}
	defer f.Close()
	known := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line != "" {
			known[line] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read known divergences %s: %w", path, err)
	}
	return known, nil
}

// quietTB is the rapid.TB the shrinker runs under: it records failure and
// prints nothing (the reproducer is printed side by side instead).
type quietTB struct{ failed bool }

func (t *quietTB) Helper()               {}
func (t *quietTB) Name() string          { return "oracle" }
func (t *quietTB) Logf(string, ...any)   {}
func (t *quietTB) Log(...any)            {}
func (t *quietTB) Skipf(string, ...any)  {}
func (t *quietTB) Skip(...any)           {}
func (t *quietTB) SkipNow()              {}
func (t *quietTB) Errorf(string, ...any) { t.failed = true }
func (t *quietTB) Error(...any)          { t.failed = true }
func (t *quietTB) Fatalf(string, ...any) { t.failed = true }
func (t *quietTB) Fatal(...any)          { t.failed = true }
func (t *quietTB) FailNow()              { t.failed = true }
func (t *quietTB) Fail()                 { t.failed = true }
func (t *quietTB) Failed() bool          { return t.failed }

// tally counts the results of a run: cases upstream injected (natively),
// cases refused, and the disagreeing ones by class.
type tally struct {
	byClass                                   map[string][]caseResult
	disagreements, injected, native, rejected int
}

func (t *tally) add(r caseResult) {
	if r.up.Injected {
		t.injected++
		if sidecarMode(r.up.Pod) == "native" {
			t.native++
		}
	}
	if r.up.Rejected != "" {
		t.rejected++
	}
	if len(r.diffs) == 0 {
		return
	}
	t.disagreements++
	if t.byClass == nil {
		t.byClass = map[string][]caseResult{}
	}
	for _, cl := range r.classes {
		t.byClass[cl] = append(t.byClass[cl], r)
	}
}
