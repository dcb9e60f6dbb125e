package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMemoryLimitFlagOverEnvironmentOverDefault(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		flag, env string
		want      int64
		set       bool
	}{
		{"", "", defaultMemoryLimit, true},
		{"", "3GiB", 0, false}, // the runtime read GOMEMLIMIT itself
		{"2GiB", "3GiB", 2 << 30, true},
		{"1280MiB", "", 1280 << 20, true},
		{"512KiB", "", 512 << 10, true},
		{"4096", "", 4096, true},
		{"1TiB", "", 1 << 40, true},
		{"off", "", math.MaxInt64, true},
	} {
		f := memoryLimitFlag{value: c.flag}
		got, set, err := f.limit(c.env)
		require.NoError(t, err, c.flag)
		require.Equal(t, c.set, set, "flag %q env %q", c.flag, c.env)
		require.Equal(t, c.want, got, "flag %q env %q", c.flag, c.env)
	}
}

func TestMemoryLimitFlagRefusesWhatGOMEMLIMITRefuses(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"1G", "1.5GiB", "-1", "GiB", "lots", "9999999999TiB"} {
		f := memoryLimitFlag{value: bad}
		_, _, err := f.limit("")
		require.Error(t, err, bad)
		require.Contains(t, err.Error(), "--memory-limit \""+bad+"\"")
	}
}

func TestGCPercentRisesOnlyUnderALimitOfTheRunsOwn(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		limit int64
		env   string
		want  int
		set   bool
	}{
		{defaultMemoryLimit, "", limitedGCPercent, true},
		{2 << 30, "", limitedGCPercent, true},
		{defaultMemoryLimit, "100", 0, false}, // the runtime read GOGC itself
		{math.MaxInt64, "", 0, false},         // --memory-limit off: nothing bounds the heap
	} {
		got, set := gcPercent(c.limit, c.env)
		require.Equal(t, c.set, set, "limit %d env %q", c.limit, c.env)
		require.Equal(t, c.want, got, "limit %d env %q", c.limit, c.env)
	}
}
