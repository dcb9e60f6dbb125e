package main

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultMemoryLimit is the soft memory limit a run gets unless
// GOMEMLIMIT or --memory-limit says otherwise. With Go's default GOGC the
// heap grows to about twice the live heap before each collection, so a
// run whose live state is 1 GiB would peak near 2–2.5 GiB of RSS; under
// the limit the collector runs earlier instead, and the peak stays near
// the limit while the live heap is below it. A run whose live heap
// exceeds it is slower (the collector works harder), never refused.
const defaultMemoryLimit = 1280 << 20 // 1.25 GiB

// limitedGCPercent is the collector's GOGC while a run has a finite
// memory limit of its own and GOGC is not set: the heap may grow to five
// times the live heap between collections instead of twice, as the
// limit keeps it from growing past the limit (the collector runs earlier
// near it). Fewer collections take less CPU: fleet.sim (a live heap of
// about 570 MB at its end) ran in 6.9 s of user CPU against 9.0 s with
// GOGC=100, its peak RSS 1,259,908 kB against 1,119,560 kB (BENCHMARKS.md).
const limitedGCPercent = 400

// memoryLimitFlag is --memory-limit: the soft limit on the Go runtime's
// memory for the run (runtime/debug.SetMemoryLimit).
type memoryLimitFlag struct {
	value string
}

const memoryLimitUsage = "soft limit on the memory of the run, a `SIZE` as GOMEMLIMIT writes it (1280MiB, 2GiB; off for none): the collector works harder rather than let the heap pass it, " +
	"and under a limit set here (not GOMEMLIMIT's) it runs less often (GOGC=400, unless GOGC is set) (default: GOMEMLIMIT when set, else 1280MiB)"

// apply sets the limit and returns a function that restores the one
// before (sim's own tests run many runs in one process).
func (f *memoryLimitFlag) apply() (restore func(), err error) {
	limit, set, err := f.limit(os.Getenv("GOMEMLIMIT"))
	if err != nil {
		return nil, err
	}
	if !set {
		return func() {}, nil
	}
	prev := debug.SetMemoryLimit(limit)
	if pct, ok := gcPercent(limit, os.Getenv("GOGC")); ok {
		prevPct := debug.SetGCPercent(pct)
		return func() { debug.SetGCPercent(prevPct); debug.SetMemoryLimit(prev) }, nil
	}
	return func() { debug.SetMemoryLimit(prev) }, nil
}

// gcPercent is the GOGC to set with the memory limit a run sets, and
// whether to set one: limitedGCPercent under a finite limit, unless GOGC
// is set (the runtime read it already).
func gcPercent(limit int64, env string) (int, bool) {
	if env != "" || limit == math.MaxInt64 {
		return 0, false
	}
	return limitedGCPercent, true
}

// limit is the limit to set, and whether to set one at all: the flag
// when given; else none when GOMEMLIMIT is set (the runtime read it
// already); else defaultMemoryLimit.
func (f *memoryLimitFlag) limit(env string) (int64, bool, error) {
	switch {
	case f.value != "":
		n, err := parseByteSize(f.value)
		if err != nil {
			return 0, false, fmt.Errorf("--memory-limit %q: %w", f.value, err)
		}
		return n, true, nil
	case env != "":
		return 0, false, nil
	}
	return defaultMemoryLimit, true, nil
}

// parseByteSize reads a size as GOMEMLIMIT does: a non-negative integer
// with an optional unit B, KiB, MiB, GiB or TiB; "off" is no limit.
func parseByteSize(s string) (int64, error) {
	if s == "off" {
		return math.MaxInt64, nil
	}
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	shift := uint(0)
	num := s
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			num, shift = strings.TrimSuffix(s, u.suffix), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a number of bytes with an optional unit B, KiB, MiB, GiB or TiB (as GOMEMLIMIT), or off")
	}
	if n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("too large")
	}
	return n << shift, nil
}
