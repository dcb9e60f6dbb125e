package controlplane_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
	"github.com/meshtwin/meshtwin/realk8s/controlplane"
	"github.com/meshtwin/meshtwin/realk8s/process"
)

// standIns writes a bash script for every binary; etcd's body is given,
// the others only sleep.
func standIns(t *testing.T, etcdBody string) binaries.Set {
	t.Helper()
	dir := t.TempDir()
	for _, n := range binaries.Names() {
		body := "sleep 300"
		if n == binaries.Etcd {
			body = etcdBody
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, string(n)), []byte("#!/usr/bin/env bash\n"+body+"\n"), 0o755))
	}
	return binaries.InDir(dir)
}

func TestStartFailsCleanly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		bins     func(t *testing.T) binaries.Set
		sentinel error
		want     []string
	}{
		{
			name:     "every missing binary is named before anything runs",
			bins:     func(*testing.T) binaries.Set { return binaries.Set{} },
			sentinel: binaries.ErrMissing,
			want:     []string{`start control plane "c1": real-cluster binaries missing: etcd (no path given); kube-apiserver (no path given); kube-controller-manager (no path given); kube-scheduler (no path given); kwok (no path given)`, "make real-deps"},
		},
		{
			name: "a port taken on every attempt",
			bins: func(t *testing.T) binaries.Set {
				return standIns(t, `echo "{\"level\":\"fatal\",\"msg\":\"listen tcp 127.0.0.1:$RANDOM: bind: address already in use\"}" >&2; exit 1`)
			},
			sentinel: process.ErrPortInUse,
			want:     []string{`start control plane "c1": etcd: a port was in use on each of 3 attempts: start etcd: exited before it was ready: port in use (exit status 1)`, "command: ", "/etcd --name=meshtwin --data-dir=", "bind: address already in use"},
		},
		{
			name: "a crash names the component with its last lines",
			bins: func(t *testing.T) binaries.Set {
				return standIns(t, `echo "etcdmain: --unsafe-no-fsync: unknown flag" >&2; exit 2`)
			},
			sentinel: process.ErrExited,
			want:     []string{"start etcd: exited before it was ready (exit status 2)", "--unsafe-no-fsync: unknown flag"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			var progress strings.Builder
			plane, err := controlplane.Start(t.Context(), controlplane.Config{Name: "c1", Binaries: tt.bins(t), TempDir: tmp, Progress: &progress})
			require.Error(t, err)
			assert.Nil(t, plane)
			assert.ErrorIs(t, err, tt.sentinel)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, left, "a failed start removes its work directory")
		})
	}
}
