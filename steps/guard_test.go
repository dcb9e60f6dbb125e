package steps

import (
	"context"
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
