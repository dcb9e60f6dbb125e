package controlplane_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
	"github.com/meshtwin/meshtwin/realk8s/controlplane"
)

const helperEnv = "MESHTWIN_TEST_PLANE_HELPER"

// TestSIGINTStopsThePlane runs this test binary again as a helper that
// starts a plane whose etcd never becomes healthy, sends the helper SIGINT
// while it waits, and checks that etcd is gone and so is the work directory.
func TestSIGINTStopsThePlane(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "etcd.pid")
	bins := filepath.Join(dir, "bin")
	require.NoError(t, os.Mkdir(bins, 0o755))
	for _, n := range binaries.Names() {
		body := "sleep 300"
		if n == binaries.Etcd {
			body = "echo $$ > " + pidFile + "; exec sleep 300"
		}
		require.NoError(t, os.WriteFile(filepath.Join(bins, string(n)), []byte("#!/usr/bin/env bash\n"+body+"\n"), 0o755))
	}
	tmp := filepath.Join(dir, "tmp")
	require.NoError(t, os.Mkdir(tmp, 0o755))

	helper := exec.Command(os.Args[0], "-test.run=^TestPlaneHelper$")
	helper.Env = append(os.Environ(), helperEnv+"="+bins+":"+tmp)
	var out strings.Builder
	helper.Stdout, helper.Stderr = &out, &out
	require.NoError(t, helper.Start())
	exited := make(chan error, 1)
	go func() { exited <- helper.Wait() }()

	var etcdPid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(pidFile)
		if err != nil {
			return false
		}
		etcdPid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "the helper never started etcd: %s", &out)
	require.NoError(t, helper.Process.Signal(os.Interrupt))

	select {
	case err := <-exited:
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "the helper ends: %s", out.String())
		ws, _ := exit.Sys().(syscall.WaitStatus)
		assert.Equal(t, syscall.SIGINT, ws.Signal(), "the signal takes its course once the plane is stopped: %s", out.String())
	case <-time.After(30 * time.Second):
		_ = helper.Process.Kill()
		t.Fatalf("the helper did not end on SIGINT: %s", out.String())
	}
	assert.Error(t, syscall.Kill(etcdPid, 0), "etcd (pid %d) is stopped", etcdPid)
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the work directory is removed")
}

// TestPlaneHelper is the helper process of TestSIGINTStopsThePlane.
func TestPlaneHelper(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("helper process of TestSIGINTStopsThePlane, not a test on its own")
	}
	bins, tmp, _ := strings.Cut(spec, ":")
	_, err := controlplane.Start(t.Context(), controlplane.Config{Name: "helper", Binaries: binaries.InDir(bins), TempDir: tmp, StartTimeout: 5 * time.Minute})
	if errors.Is(err, controlplane.ErrStopped) {
		time.Sleep(10 * time.Second) // the signal, raised again, ends this process meanwhile
	}
	t.Fatalf("Start returned and the signal did not end this process: %v", err)
}
