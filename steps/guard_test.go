package steps

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

// slowBackend is a simulator whose Advance keeps working until its
// context is cancelled, then changes the clock: a backend that answers
// late.
type slowBackend struct {
	*sim.Sim
	running atomic.Int32
	changed atomic.Int32
}

func (b *slowBackend) Advance(ctx context.Context, d time.Duration) error {
	b.running.Add(1)
	defer b.running.Add(-1)
	<-ctx.Done()
	time.Sleep(20 * time.Millisecond) // the write lands after the cancel
	b.changed.Add(1)
	return b.Sim.Advance(context.WithoutCancel(ctx), d)
}

// TestTimedOutStepLeavesNoWorkBehind: a step that times out fails, and
// by the time it has failed the backend's work has stopped, so the next
// step sees a backend that nothing else is changing.
func TestTimedOutStepLeavesNoWorkBehind(t *testing.T) {
	t.Parallel()
	b := &slowBackend{Sim: sim.New(sim.Options{Seed: 1})}
	w := NewWorld(b, shell.Options{Seed: 1}, 10*time.Millisecond)
	before := b.Now()
	err := w.advance(t.Context(), time.Minute)
	require.ErrorContains(t, err, "did not finish within 10ms")
	assert.Zero(t, b.running.Load(), "the timed-out work is still running after the step failed")
	assert.Equal(t, int32(1), b.changed.Load(), "the timed-out work's write lands before the step fails")
	assert.Equal(t, before.Add(time.Minute), b.Now())
}

// setupBackend is a simulator whose Advance first makes a control
// plane for setup, counted by SetupTime, then works for work.
type setupBackend struct {
	*sim.Sim
	setup, work time.Duration

	mu    sync.Mutex
	since time.Time // when the making began; zero before
}

var _ shell.SetupTimer = (*setupBackend)(nil)

func (b *setupBackend) SetupTime() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.since.IsZero() {
		return 0
	}
	return min(time.Since(b.since), b.setup)
}

func (b *setupBackend) Advance(ctx context.Context, d time.Duration) error {
	b.mu.Lock()
	b.since = time.Now()
	b.mu.Unlock()
	for _, wait := range []time.Duration{b.setup, b.work} {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return b.Sim.Advance(ctx, d)
}

// TestSetupTimeIsNotCounted: a step whose backend spends longer than
// the step timeout making a control plane (a kind cluster) passes when
// the rest of its work fits the timeout, and times out when it does
// not, saying how long the making took.
func TestSetupTimeIsNotCounted(t *testing.T) {
	t.Parallel()
	b := &setupBackend{Sim: sim.New(sim.Options{Seed: 1}), setup: 300 * time.Millisecond, work: 20 * time.Millisecond}
	w := NewWorld(b, shell.Options{Seed: 1}, 100*time.Millisecond)
	require.NoError(t, w.advance(t.Context(), time.Minute))
	require.NoError(t, w.err)

	b = &setupBackend{Sim: sim.New(sim.Options{Seed: 1}), setup: 300 * time.Millisecond, work: time.Minute}
	w = NewWorld(b, shell.Options{Seed: 1}, 100*time.Millisecond)
	err := w.advance(t.Context(), time.Minute)
	require.ErrorContains(t, err, "did not finish within 100ms (besides 300ms spent making control planes)")
}
