package binaries_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
)

func env(m map[string]string) binaries.Lookup {
	return func(k string) string { return m[k] }
}

func writeExecutable(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755))
}

func TestStagingModulesReadsTheReplaceBlocks(t *testing.T) {
	t.Parallel()
	gomod, err := os.ReadFile(filepath.Join("testdata", "kubernetes.go.mod"))
	require.NoError(t, err)
	assert.Equal(t, []string{"k8s.io/api", "k8s.io/apiserver", "k8s.io/kms", "k8s.io/streaming"}, binaries.StagingModules(gomod))
}

func TestScratchGoModReplacesStagingWithTheRelease(t *testing.T) {
	t.Parallel()
	got := binaries.ScratchGoMod("meshtwin.local/build-kubernetes", []string{"k8s.io/api", "k8s.io/kms"})
	assert.Equal(t, `module meshtwin.local/build-kubernetes

go 1.26.0

godebug default=go1.26

require k8s.io/kubernetes v1.37.2

replace (
	k8s.io/api v0.0.0 => k8s.io/api v0.37.2
	k8s.io/kms v0.0.0 => k8s.io/kms v0.37.2
)
`, got)
}

func TestKubernetesLDFlagsStampTheVersion(t *testing.T) {
	t.Parallel()
	flags := binaries.KubernetesLDFlags()
	for _, want := range []string{
		"-X 'k8s.io/component-base/version.gitVersion=v1.37.2'",
		"-X 'k8s.io/client-go/pkg/version.gitVersion=v1.37.2'",
		"-X 'k8s.io/component-base/version.gitMajor=1'",
		"-X 'k8s.io/component-base/version.gitMinor=37'",
	} {
		assert.Contains(t, flags, want)
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	for _, p := range []string{"etcd-v3.6.16/etcd", "kubernetes-v1.37.2/kube-apiserver", "kubernetes-v1.37.2/kube-controller-manager", "kubernetes-v1.37.2/kube-scheduler", "kwok-v0.8.0/kwok"} {
		writeExecutable(t, filepath.Join(cache, p))
	}
	own := filepath.Join(t.TempDir(), "my-etcd")
	writeExecutable(t, own)
	shared := t.TempDir()

	t.Run("the cache, by component and version", func(t *testing.T) {
		t.Parallel()
		set, err := binaries.Find(cache, env(nil))
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(cache, "kubernetes-v1.37.2", "kube-scheduler"), set.KubeScheduler)
		assert.Equal(t, filepath.Join(cache, "kwok-v0.8.0", "kwok"), set.Kwok)
	})
	t.Run("a binary's own variable wins", func(t *testing.T) {
		t.Parallel()
		set, err := binaries.Find(cache, env(map[string]string{"MESHTWIN_ETCD": own}))
		require.NoError(t, err)
		assert.Equal(t, own, set.Etcd)
		assert.Equal(t, filepath.Join(cache, "kubernetes-v1.37.2", "kube-apiserver"), set.KubeAPIServer)
	})
	t.Run("every missing binary is named at once", func(t *testing.T) {
		t.Parallel()
		_, err := binaries.Find(cache, env(map[string]string{"MESHTWIN_BIN_DIR": shared, "MESHTWIN_KWOK": own}))
		require.ErrorIs(t, err, binaries.ErrMissing)
		msg := err.Error()
		for _, n := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
			assert.Contains(t, msg, n+" (no file "+filepath.Join(shared, n)+", from $MESHTWIN_BIN_DIR)")
		}
		assert.NotContains(t, msg, "kwok")
		assert.Contains(t, msg, "make real-deps")
	})
	t.Run("a file that is not executable", func(t *testing.T) {
		t.Parallel()
		plain := filepath.Join(t.TempDir(), "etcd")
		require.NoError(t, os.WriteFile(plain, nil, 0o644))
		_, err := binaries.Find(cache, env(map[string]string{"MESHTWIN_ETCD": plain}))
		require.ErrorContains(t, err, "etcd ("+plain+" is not executable, from $MESHTWIN_ETCD)")
	})
}

// fakeGo stands in for the go command: it logs each call, answers
// "mod download -json" with the fixture go.mod, and for build/install
// writes an executable per package named (or fails when told to).
const fakeGo = `#!/usr/bin/env bash
set -e
echo "$* | CGO_ENABLED=$CGO_ENABLED GOFLAGS=$GOFLAGS GOBIN=$GOBIN" >> "$FAKE_GO_LOG"
case "$1" in
mod) echo "{\"GoMod\": \"$FAKE_GO_GOMOD\"}" ;;
get) [ -f go.mod ] ;;
build|install)
	if [ -n "$FAKE_GO_FAIL" ]; then echo "compile: out of memory" >&2; exit 2; fi
	out=""; prev=""; pkgs=()
	for a in "$@"; do
		if [ "$prev" = "-o" ]; then out="$a"
		elif [[ "$a" == *.*/* ]]; then pkgs+=("$a"); fi
		prev="$a"
	done
	for p in "${pkgs[@]}"; do
		p="${p%@*}"; name="${p##*/}"
		[ "$name" = v3 ] && name=etcd
		if [ "$1" = install ]; then dest="$GOBIN/$name"
		elif [[ "$out" == */ ]]; then dest="$out$name"
		else dest="$out"; fi
		printf '#!/bin/sh\n' > "$dest"; chmod +x "$dest"
	done ;;
esac
`

// withFakeGo installs fakeGo in a temporary directory and returns it, the
// go command, and the file its calls are logged to.
func withFakeGo(t *testing.T) (dir, goCmd, log string) {
	t.Helper()
	dir = t.TempDir()
	goCmd = filepath.Join(dir, "go")
	require.NoError(t, os.WriteFile(goCmd, []byte(fakeGo), 0o755))
	log = filepath.Join(dir, "calls.log")
	gomod, err := filepath.Abs(filepath.Join("testdata", "kubernetes.go.mod"))
	require.NoError(t, err)
	t.Setenv("FAKE_GO_LOG", log)
	t.Setenv("FAKE_GO_GOMOD", gomod)
	return dir, goCmd, log
}

func TestEnsureBuildsEachComponentOnceIntoTheCache(t *testing.T) {
	dir, goCmd, log := withFakeGo(t)
	cache := filepath.Join(dir, "cache")
	var progress strings.Builder
	opts := binaries.Options{CacheDir: cache, Progress: &progress, Go: goCmd, Getenv: env(nil)}

	set, err := binaries.Ensure(t.Context(), opts)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cache, "kubernetes-v1.37.2", "kube-apiserver"), set.KubeAPIServer)
	assert.Equal(t, filepath.Join(cache, "etcd-v3.6.16", "etcd"), set.Etcd)
	assert.Equal(t, filepath.Join(cache, "kwok-v0.8.0", "kwok"), set.Kwok)
	assert.Contains(t, progress.String(), " • Building kube-apiserver, kube-controller-manager, kube-scheduler v1.37.2 from Go sources into "+filepath.Join(cache, "kubernetes-v1.37.2"))
	assert.Contains(t, progress.String(), " ✓ Built etcd v3.6.16 in ")

	calls, err := os.ReadFile(log)
	require.NoError(t, err)
	text := string(calls)
	assert.Contains(t, text, "get k8s.io/kubernetes/cmd/kube-apiserver@v1.37.2 k8s.io/kubernetes/cmd/kube-controller-manager@v1.37.2 k8s.io/kubernetes/cmd/kube-scheduler@v1.37.2 | CGO_ENABLED=0 GOFLAGS=-mod=mod")
	assert.Contains(t, text, "install -trimpath -ldflags -s -w sigs.k8s.io/kwok/cmd/kwok@v0.8.0 | CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="+cache)
	assert.Contains(t, text, "gitVersion=v1.37.2")
	entries, err := os.ReadDir(cache)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), "building", "no half-built directory is left behind")
	}

	progress.Reset()
	require.NoError(t, os.WriteFile(log, nil, 0o644))
	_, err = binaries.Ensure(t.Context(), opts)
	require.NoError(t, err)
	calls, err = os.ReadFile(log)
	require.NoError(t, err)
	assert.Empty(t, string(calls), "a second Ensure builds nothing")
	assert.Empty(t, progress.String())
}

func TestEnsureFailureSaysHowToRetry(t *testing.T) {
	dir := t.TempDir()
	goCmd := filepath.Join(dir, "go")
	require.NoError(t, os.WriteFile(goCmd, []byte(fakeGo), 0o755))
	t.Setenv("FAKE_GO_LOG", filepath.Join(dir, "calls.log"))
	t.Setenv("FAKE_GO_FAIL", "1")
	cache := filepath.Join(dir, "cache")
	var progress strings.Builder
	_, err := binaries.Ensure(t.Context(), binaries.Options{CacheDir: cache, Progress: &progress, Go: goCmd, Getenv: env(nil)})
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "build etcd v3.6.16: ")
	assert.Contains(t, msg, "build -trimpath -ldflags -s -w -o ")
	assert.Contains(t, msg, "compile: out of memory")
	assert.Contains(t, msg, "retry with: make real-deps")
	assert.Contains(t, progress.String(), " ✗ Building etcd v3.6.16 failed after ")
	entries, err := os.ReadDir(cache)
	require.NoError(t, err)
	for _, e := range entries {
		assert.True(t, strings.HasSuffix(e.Name(), ".lock"), "only the lock file stays, not %s", e.Name())
	}
}

func TestEnsureNodeBuildsKubeletKubeadmKubectlBesideTheControlPlane(t *testing.T) {
	dir, goCmd, log := withFakeGo(t)
	cache := filepath.Join(dir, "cache")
	opts := binaries.Options{CacheDir: cache, Progress: io.Discard, Go: goCmd, Getenv: env(nil)}

	got, err := binaries.EnsureNode(t.Context(), opts)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cache, "kubernetes-node-v1.37.2"), got)
	for _, n := range binaries.NodeNames() {
		assert.FileExists(t, filepath.Join(got, string(n)))
	}
	calls, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Contains(t, string(calls), "get k8s.io/kubernetes/cmd/kubelet@v1.37.2 k8s.io/kubernetes/cmd/kubeadm@v1.37.2 k8s.io/kubernetes/cmd/kubectl@v1.37.2 |")
	assert.NotContains(t, string(calls), "kube-apiserver", "the control plane is not rebuilt")
	_, err = os.Stat(filepath.Join(cache, "kubernetes-v1.37.2"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
