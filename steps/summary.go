package steps

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/cucumber/godog"
)

// Summary counts, per tag, the scenarios that passed and failed, so a
// suite can prove every behaviour has a passing scenario. It is safe for
// scenarios running concurrently; make one per suite run.
type Summary struct {
	required []string

	mu     sync.Mutex
	counts map[string]*tagCount
}

type tagCount struct{ passed, failed int }

// NewSummary returns a summary that requires a passing scenario for every
// tag in required (written without the "@").
func NewSummary(required []string) *Summary {
	return &Summary{required: append([]string(nil), required...), counts: map[string]*tagCount{}}
}

// BehaviourIDs returns "B01".."Bn" for the catalogue's first n behaviours.
func BehaviourIDs(n int) []string {
	ids := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		ids = append(ids, fmt.Sprintf("B%02d", i))
	}
	return ids
}

// Register records the outcome of every scenario of sc.
func (s *Summary) Register(sc *godog.ScenarioContext) {
	sc.After(func(ctx context.Context, scn *godog.Scenario, err error) (context.Context, error) {
		tags := make([]string, 0, len(scn.Tags))
		for _, t := range scn.Tags {
			tags = append(tags, t.Name)
		}
		s.Record(tags, err == nil)
		return ctx, nil
	})
}

// Record counts one scenario with the given tags ("@B07" or "B07").
func (s *Summary) Record(tags []string, passed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimPrefix(t, "@")
		if seen[t] {
			continue
		}
		seen[t] = true
		c := s.counts[t]
		if c == nil {
			c = &tagCount{}
			s.counts[t] = c
		}
		if passed {
			c.passed++
		} else {
			c.failed++
		}
	}
}

// Report writes one line per tag (required tags first, in order, then the
// others sorted), such as "B01  3 passed", adding the failures when there
// are any, and returns an error naming every required tag without a
// passing scenario.
func (s *Summary) Report(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	order := append([]string(nil), s.required...)
	isRequired := map[string]bool{}
	for _, t := range s.required {
		isRequired[t] = true
	}
	var others []string
	for t := range s.counts {
		if !isRequired[t] {
			others = append(others, t)
		}
	}
	sort.Strings(others)
	order = append(order, others...)
	var missing []string
	for _, t := range order {
		c := s.counts[t]
		if c == nil {
			c = &tagCount{}
		}
		line := fmt.Sprintf("%s\t%d passed", t, c.passed)
		if c.failed > 0 {
			line += fmt.Sprintf(", %d failed", c.failed)
		}
		if isRequired[t] && c.passed == 0 {
			line += "\tNO PASSING SCENARIO"
			missing = append(missing, t)
		}
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	if len(missing) > 0 {
		return fmt.Errorf("no passing scenario for %d of the required tags: %s", len(missing), strings.Join(missing, ", "))
	}
	return nil
}
