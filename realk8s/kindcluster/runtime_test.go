package kindcluster_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/realk8s/kindcluster"
)

// CheckRuntime says why no container runtime answers, in words a user
// can act on, and wraps ErrNoRuntime so the kind tests skip with it.
// (Not parallel: it sets PATH.)
func TestCheckRuntimeSaysWhy(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("PATH", empty)
	err := kindcluster.CheckRuntime(t.Context())
	require.ErrorIs(t, err, kindcluster.ErrNoRuntime)
	assert.EqualError(t, err, "no container runtime answers: no docker command on PATH (make kind-image installs Debian's docker.io and starts dockerd)")

	fake := filepath.Join(empty, "docker")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n"), 0o755))
	err = kindcluster.CheckRuntime(t.Context())
	require.ErrorIs(t, err, kindcluster.ErrNoRuntime)
	assert.EqualError(t, err, "no container runtime answers: docker info: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running? (make kind-image starts dockerd)")
}
