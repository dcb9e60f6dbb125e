package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/script"
)

func TestRunWritesProfiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"run", "--cpuprofile", cpu, "--memprofile", mem, "-"},
		strings.NewReader("mesh create\ncluster create c1\n"), &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	for _, f := range []string{cpu, mem} {
		info, err := os.Stat(f)
		require.NoError(t, err)
		require.NotZero(t, info.Size(), f)
	}
}

func TestRunProfileFileThatCannotBeCreated(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	bad := filepath.Join(t.TempDir(), "missing", "cpu.pprof")
	code := run(t.Context(), []string{"run", "--cpuprofile", bad, "-"}, strings.NewReader("mesh create\n"), &stdout, &stderr)
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), "sim run: CPU profile: open "+bad)
	require.Empty(t, stdout.String(), "nothing runs")
}

func TestProgressNamesSlowCommandsAsTheirTimeDoubles(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := &progress{w: &out, name: "fleet.sim", threshold: time.Second}
	p.report(time.Now()) // before any command: nothing
	p.command(script.Command{Line: 7, Text: "advance 2m"}, 3, 9)
	start := p.started
	for _, after := range []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond, 2 * time.Second, 3 * time.Second, 4 * time.Second} {
		p.report(start.Add(after))
	}
	require.Equal(t, "sim: fleet.sim:7: command 3 of 9 running for 1s: advance 2m\n"+
		"sim: fleet.sim:7: command 3 of 9 running for 2s: advance 2m\n"+
		"sim: fleet.sim:7: command 3 of 9 running for 4s: advance 2m\n", out.String())
}
