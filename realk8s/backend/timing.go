package backend

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// phaseTimes adds up the wall time a fleet's backends spend in each
// phase of their work (starting planes, resetting them, settling on
// advance, installing webhooks...), to show where a run's time goes.
// It is safe for concurrent use.
type phaseTimes struct {
	mu     sync.Mutex
	total  map[string]time.Duration
	count  map[string]int
	maxDur map[string]time.Duration
}

func newPhaseTimes() *phaseTimes {
	return &phaseTimes{total: map[string]time.Duration{}, count: map[string]int{}, maxDur: map[string]time.Duration{}}
}

// since records that phase ran from began until now.
func (t *phaseTimes) since(phase string, began time.Time) {
	d := time.Since(began)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total[phase] += d
	t.count[phase]++
	t.maxDur[phase] = max(t.maxDur[phase], d)
}

// write prints one line per phase, the longest total first.
func (t *phaseTimes) write(w io.Writer) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	phases := slices.SortedFunc(maps.Keys(t.total), func(a, b string) int {
		if t.total[a] != t.total[b] {
			return int(t.total[b] - t.total[a])
		}
		if a < b {
			return -1
		}
		return 1
	})
	for _, p := range phases {
		mean := t.total[p] / time.Duration(t.count[p])
		if _, err := fmt.Fprintf(w, "  %-24s %10s total  %5d times  mean %8s  max %8s\n", p,
			t.total[p].Round(time.Millisecond), t.count[p], mean.Round(time.Millisecond), t.maxDur[p].Round(time.Millisecond)); err != nil {
			return err
		}
	}
	return nil
}

// WriteTimings prints where the fleet's backends spent their wall time,
// phase by phase (total, count, mean, max); phases may overlap (a
// cluster's creation includes its webhook's installation).
func (f *Fleet) WriteTimings(w io.Writer) error {
	return f.times.write(w)
}

type timesKey struct{}

// withTimes returns ctx carrying t, for the phases of work done under
// ctx (a reset's steps) to be recorded by timed.
func withTimes(ctx context.Context, t *phaseTimes) context.Context {
	return context.WithValue(ctx, timesKey{}, t)
}

// timed records that phase ran from began until now, on the phaseTimes
// ctx carries, if any.
func timed(ctx context.Context, phase string, began time.Time) {
	if t, ok := ctx.Value(timesKey{}).(*phaseTimes); ok {
		t.since(phase, began)
	}
}
