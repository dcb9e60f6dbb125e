package steps

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
)

// ScenarioTimer records each scenario's wall time, to show where a run's
// time goes. It is safe for concurrent use.
type ScenarioTimer struct {
	mu    sync.Mutex
	began map[string]time.Time // by scenario id
	took  []scenarioTime

	stepBegan map[string]time.Time // by step id
	steps     map[string]*stepTime // by stepKind
}

// stepTime adds up the steps of one kind.
type stepTime struct {
	n     int
	total time.Duration
	max   time.Duration
}

type scenarioTime struct {
	name string
	d    time.Duration
}

// NewScenarioTimer returns a timer with nothing recorded.
func NewScenarioTimer() *ScenarioTimer {
	return &ScenarioTimer{began: map[string]time.Time{}, stepBegan: map[string]time.Time{}, steps: map[string]*stepTime{}}
}

// Register times every scenario sc runs, from its first hook to its last.
func (t *ScenarioTimer) Register(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, scn *godog.Scenario) (context.Context, error) {
		t.mu.Lock()
		t.began[scn.Id] = time.Now()
		t.mu.Unlock()
		return ctx, nil
	})
	sc.After(func(ctx context.Context, scn *godog.Scenario, _ error) (context.Context, error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if b, ok := t.began[scn.Id]; ok {
			t.took = append(t.took, scenarioTime{name: scn.Name, d: time.Since(b)})
			delete(t.began, scn.Id)
		}
		return ctx, nil
	})
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		t.mu.Lock()
		t.stepBegan[st.Id] = time.Now()
		t.mu.Unlock()
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, _ godog.StepResultStatus, _ error) (context.Context, error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if b, ok := t.stepBegan[st.Id]; ok {
			d := time.Since(b)
			k := stepKind(st.Text)
			s := t.steps[k]
			if s == nil {
				s = &stepTime{}
				t.steps[k] = s
			}
			s.n++
			s.total += d
			s.max = max(s.max, d)
			delete(t.stepBegan, st.Id)
		}
		return ctx, nil
	})
}

// stepKind groups steps for the timer: a command by its first two
// words ("run kubectl apply"), a script, a Given, an advance, a Then.
func stepKind(text string) string {
	switch {
	case strings.HasPrefix(text, `I run "`):
		f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(text, `I run "`), `"`))
		return "run " + strings.Join(f[:min(2, len(f))], " ")
	case strings.HasPrefix(text, "I run:"):
		return "run (a script)"
	case strings.HasPrefix(text, "the commands:"):
		return "given the commands"
	case strings.HasPrefix(text, "a mesh of version"):
		return "given a mesh"
	case strings.HasPrefix(text, "the clock advances"):
		return "advance"
	case text == "nothing changed":
		return "then nothing changed"
	case strings.HasPrefix(text, "cluster "):
		return "cluster (un)reachable"
	}
	return "then (a check)"
}

// Write prints the number of scenarios timed, the sum of their wall
// times, and the slowest top of them, slowest first.
func (t *ScenarioTimer) Write(w io.Writer, top int) error {
	t.mu.Lock()
	took := slices.Clone(t.took)
	t.mu.Unlock()
	slices.SortStableFunc(took, func(a, b scenarioTime) int {
		switch {
		case a.d > b.d:
			return -1
		case a.d < b.d:
			return 1
		}
		return 0
	})
	var sum time.Duration
	for _, s := range took {
		sum += s.d
	}
	if _, err := fmt.Fprintf(w, "  %d scenarios, %s in all\n", len(took), sum.Round(time.Millisecond)); err != nil {
		return err
	}
	for _, s := range took[:min(top, len(took))] {
		if _, err := fmt.Fprintf(w, "  %8s  %s\n", s.d.Round(time.Millisecond), s.name); err != nil {
			return err
		}
	}
	t.mu.Lock()
	kinds := slices.SortedFunc(maps.Keys(t.steps), func(a, b string) int {
		if c := cmp.Compare(t.steps[b].total, t.steps[a].total); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	lines := make([]string, 0, len(kinds))
	for _, k := range kinds {
		s := t.steps[k]
		lines = append(lines, fmt.Sprintf("  %-28s %10s total  %5d steps  mean %8s  max %8s\n", k,
			s.total.Round(time.Millisecond), s.n, (s.total/time.Duration(s.n)).Round(time.Millisecond), s.max.Round(time.Millisecond)))
	}
	t.mu.Unlock()
	if len(lines) > 0 {
		if _, err := fmt.Fprintln(w, "  steps by kind:"); err != nil {
			return err
		}
	}
	for _, l := range lines {
		if _, err := io.WriteString(w, l); err != nil {
			return err
		}
	}
	return nil
}
