package sim

import "time"

// DefaultStart is where the virtual clock starts when Options.Start is
// zero.
func DefaultStart() time.Time { return time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC) }

// clock is the simulator's virtual clock. It only moves when Advance
// says so; the Sim's mutex guards it.
type clock struct {
	now time.Time
}

func newClock(start time.Time) *clock {
	if start.IsZero() {
		start = DefaultStart()
	}
	return &clock{now: start.UTC()}
}

func (c *clock) Now() time.Time { return c.now }

// set moves the clock to t; it never goes back.
func (c *clock) set(t time.Time) {
	if t.After(c.now) {
		c.now = t
	}
}

// stepFor returns how far the clock moves in one step while pods are
// starting: the greatest common divisor of the lifecycle durations, so
// that every transition is observed at the step it happens, but no finer
// than minStep.
func stepFor(durations ...time.Duration) time.Duration {
	const minStep = 100 * time.Millisecond
	var g time.Duration
	for _, d := range durations {
		if d <= 0 {
			continue
		}
		g = gcd(g, d)
	}
	if g <= 0 {
		return time.Second
	}
	if g < minStep {
		return minStep
	}
	return g
}

func gcd(a, b time.Duration) time.Duration {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
