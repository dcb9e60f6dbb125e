package steps

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	gherkin "github.com/cucumber/gherkin/go/v26"
	"github.com/cucumber/godog"
)

// Outcome is how a scenario fared on a backend.
type Outcome string

// The outcomes of a parity table.
const (
	Passed        Outcome = "passed"
	Failed        Outcome = "failed"
	NotApplicable Outcome = "not applicable"
)

// ScenarioInfo is a scenario of a feature file as godog runs it: its name
// and tags ("@B07"). Each example of an outline is one.
type ScenarioInfo struct {
	Name string
	Tags []string
}

// ListScenarios reads every .feature file under dir, in name order.
func ListScenarios(dir string) ([]ScenarioInfo, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.feature"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var out []ScenarioInfo
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		seq := 0
		newID := func() string { seq++; return strconv.Itoa(seq) }
		doc, err := gherkin.ParseGherkinDocument(r, newID)
		_ = r.Close()
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		for _, p := range gherkin.Pickles(*doc, f, newID) {
			info := ScenarioInfo{Name: p.Name}
			for _, t := range p.Tags {
				info.Tags = append(info.Tags, t.Name)
			}
			out = append(out, info)
		}
	}
	return out, nil
}

// BackendTag is a tag that takes a scenario off some backends, and why.
type BackendTag struct {
	Tag      string   // "@virtual-clock"
	Reason   string   // shown in the parity table
	Backends []string // the backends the tagged scenarios do not run on
}

// Exclusion returns the tag expression that leaves out, on backend, the
// scenarios tags take off it ("~@a && ~@b"), "" when none does.
func Exclusion(backend string, tags []BackendTag) string {
	var parts []string
	for _, t := range tags {
		if slices.Contains(t.Backends, backend) {
			parts = append(parts, "~"+t.Tag)
		}
	}
	return strings.Join(parts, " && ")
}

// NotApplicableReason is why a scenario with these tags does not run on
// backend, "" when it does.
func NotApplicableReason(backend string, scenarioTags []string, tags []BackendTag) string {
	for _, t := range tags {
		if slices.Contains(t.Backends, backend) && slices.Contains(scenarioTags, t.Tag) {
			return t.Tag + ": " + t.Reason
		}
	}
	return ""
}

// Parity is the outcome of each scenario on each backend of a run. A
// scenario name that several scenarios share (an outline's examples)
// passed only if each of them did. It is safe for concurrent use.
type Parity struct {
	mu       sync.Mutex
	backends []string
	names    []string
	cells    map[string]map[string]parityCell
	failures []Failure
}

// Failure is one failed run of a scenario: where it is and what its
// failing step said.
type Failure struct {
	Backend  string
	Scenario string
	Where    string // "namespaces.feature:40", or the file alone when the line is not found
	Err      string
}

type parityCell struct {
	outcome Outcome
	reason  string
}

// NewParity returns an empty table.
func NewParity() *Parity { return &Parity{cells: map[string]map[string]parityCell{}} }

// Register records the outcome of every scenario sc runs on backend.
func (p *Parity) Register(sc *godog.ScenarioContext, backend string) {
	sc.After(func(ctx context.Context, scn *godog.Scenario, err error) (context.Context, error) {
		if err != nil {
			p.RecordFailure(Failure{Backend: backend, Scenario: scn.Name, Where: scenarioPlace(scn.Uri, scn.Name), Err: err.Error()})
			return ctx, nil
		}
		p.Record(backend, scn.Name, Passed, "")
		return ctx, nil
	})
}

// Record sets a scenario's outcome on a backend; a failure is kept over a
// pass of the same name.
func (p *Parity) Record(backend, scenario string, o Outcome, reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.Contains(p.backends, backend) {
		p.backends = append(p.backends, backend)
	}
	row, ok := p.cells[scenario]
	if !ok {
		row = map[string]parityCell{}
		p.cells[scenario] = row
		p.names = append(p.names, scenario)
	}
	if prev, ok := row[backend]; ok && prev.outcome == Failed {
		return
	}
	row[backend] = parityCell{outcome: o, reason: reason}
}

// RecordFailure records a failed scenario, kept with its error for
// WriteFailures.
func (p *Parity) RecordFailure(f Failure) {
	p.Record(f.Backend, f.Scenario, Failed, "")
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures = append(p.failures, f)
}

// WriteFailures prints each recorded failure, sorted by backend, place
// and scenario: a line "backend  place  scenario", then the error, each
// line indented and at most maxLines of it. Nothing when none failed. It
// is meant to be printed last, so that a log's tail shows it.
func (p *Parity) WriteFailures(w io.Writer, maxLines int) error {
	p.mu.Lock()
	fs := slices.Clone(p.failures)
	p.mu.Unlock()
	if len(fs) == 0 {
		return nil
	}
	slices.SortFunc(fs, func(a, b Failure) int {
		return cmp.Or(cmp.Compare(a.Backend, b.Backend), cmp.Compare(a.Where, b.Where), cmp.Compare(a.Scenario, b.Scenario))
	})
	if _, err := fmt.Fprintf(w, "\nFailed scenarios (%d; rerun one with MESHTWIN_BACKEND=<backend> MESHTWIN_PATHS=<place>):\n", len(fs)); err != nil {
		return err
	}
	for _, f := range fs {
		if _, err := fmt.Fprintf(w, "%s  %s  %s\n", f.Backend, f.Where, f.Scenario); err != nil {
			return err
		}
		lines := strings.Split(strings.TrimRight(f.Err, "\n"), "\n")
		if len(lines) > maxLines {
			lines = append(lines[:maxLines], fmt.Sprintf("... (%d more lines)", len(lines)-maxLines))
		}
		for _, l := range lines {
			if _, err := fmt.Fprintf(w, "    %s\n", l); err != nil {
				return err
			}
		}
	}
	return nil
}

// scenarioPlace is "file:line" of the scenario called name in the feature
// file at uri: the line of its "Scenario:" (or "Example:") keyword, or of
// the outline whose name, placeholders and all, matches. Where the file
// cannot be read or no line matches, it is the file alone.
func scenarioPlace(uri, name string) string {
	data, err := os.ReadFile(uri)
	if err != nil {
		return uri
	}
	outline := 0
	for i, line := range strings.Split(string(data), "\n") {
		kw, title, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		switch kw {
		case "Scenario", "Example":
			if strings.TrimSpace(title) == name {
				return fmt.Sprintf("%s:%d", uri, i+1)
			}
		case "Scenario Outline", "Scenario Template":
			if outlineMatches(strings.TrimSpace(title), name) && outline == 0 {
				outline = i + 1
			}
		}
	}
	if outline != 0 {
		return fmt.Sprintf("%s:%d", uri, outline)
	}
	return uri
}

// outlineMatches reports whether name can be the outline's title with its
// <placeholders> filled in.
func outlineMatches(title, name string) bool {
	parts := strings.Split(title, "<")
	pattern := "^" + regexp.QuoteMeta(parts[0])
	for _, part := range parts[1:] {
		_, rest, ok := strings.Cut(part, ">")
		if !ok {
			return title == name
		}
		pattern += ".*" + regexp.QuoteMeta(rest)
	}
	re, err := regexp.Compile(pattern + "$")
	return err == nil && re.MatchString(name)
}

// Outcomes returns each scenario's outcome on backend.
func (p *Parity) Outcomes(backend string) map[string]Outcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]Outcome{}
	for name, row := range p.cells {
		if c, ok := row[backend]; ok {
			out[name] = c.outcome
		}
	}
	return out
}

// Write prints the table, one row per scenario (sorted by name), one
// column per backend, then per backend the count of each outcome.
func (p *Parity) Write(w io.Writer) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "SCENARIO\t%s\n", strings.Join(upper(p.backends), "\t"))
	names := slices.Sorted(slices.Values(p.names))
	counts := map[string]map[Outcome]int{}
	for _, name := range names {
		cols := make([]string, 0, len(p.backends))
		for _, b := range p.backends {
			c, ok := p.cells[name][b]
			if !ok {
				cols = append(cols, "-")
				continue
			}
			if counts[b] == nil {
				counts[b] = map[Outcome]int{}
			}
			counts[b][c.outcome]++
			text := string(c.outcome)
			if c.reason != "" {
				text += " (" + c.reason + ")"
			}
			cols = append(cols, text)
		}
		fmt.Fprintf(tw, "%s\t%s\n", name, strings.Join(cols, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, b := range p.backends {
		c := counts[b]
		fmt.Fprintf(w, "%s: %d passed, %d failed, %d not applicable\n", b, c[Passed], c[Failed], c[NotApplicable])
	}
	return nil
}

func upper(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(s)
	}
	return out
}

// KnownFailures are scenarios known to fail on a backend, each with the
// reason, read from a file of "scenario name | reason" lines ('#'
// comments and blank lines skipped). A reason that starts with
// FlakyPrefix marks a scenario seen both to pass and to fail there: its
// passing is not reported, its failing is not new.
type KnownFailures map[string]string

// FlakyPrefix starts the reason of a known failure that does not always
// fail.
const FlakyPrefix = "flaky:"

// ReadKnownFailures reads such a file.
func ReadKnownFailures(path string) (KnownFailures, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	known := KnownFailures{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, " | ")
		if !ok || strings.TrimSpace(name) == "" || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: want \"scenario name | reason\", got %q", path, n, line)
		}
		name = strings.TrimSpace(name)
		if _, dup := known[name]; dup {
			return nil, fmt.Errorf("%s:%d: %q is listed twice", path, n, name)
		}
		known[name] = strings.TrimSpace(reason)
	}
	return known, sc.Err()
}

// Check compares a backend's outcomes with the list: it returns the
// scenarios that failed without being listed, and the listed ones (not
// marked flaky) that passed (or no longer exist, or did not run), each
// sorted.
func (k KnownFailures) Check(outcomes map[string]Outcome) (newFailures, nowPassing []string) {
	for name, o := range outcomes {
		if o == Failed {
			if _, ok := k[name]; !ok {
				newFailures = append(newFailures, name)
			}
		}
	}
	for name, reason := range k {
		if outcomes[name] != Failed && !strings.HasPrefix(reason, FlakyPrefix) {
			nowPassing = append(nowPassing, name)
		}
	}
	slices.Sort(newFailures)
	slices.Sort(nowPassing)
	return newFailures, nowPassing
}
