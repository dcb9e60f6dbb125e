package steps

import (
	"context"
	"fmt"
	"io"
	"slices"
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
}

type scenarioTime struct {
	name string
	d    time.Duration
}

// NewScenarioTimer returns a timer with nothing recorded.
func NewScenarioTimer() *ScenarioTimer {
	return &ScenarioTimer{began: map[string]time.Time{}}
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
	return nil
}
