package kindnode

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
)

func TestLacksCapReadsTheBoundingSet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, status string
		want         bool
	}{
		{"this sandbox: every capability but CAP_SYS_RESOURCE", "Name:\tx\nCapBnd:\t000001fffeffffff\nCapAmb:\t0\n", true},
		{"a full bounding set", "CapBnd:\t000001ffffffffff\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := lacksCap(tc.status, capSysResource)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := lacksCap("Name:\tx\n", capSysResource)
	require.ErrorContains(t, err, "no CapBnd line")
	_, err = lacksCap("CapBnd:\tzz\n", capSysResource)
	require.ErrorContains(t, err, `CapBnd "zz"`)
}

func TestRegisterRuntimeKeepsTheRestOfDaemonJSON(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "docker", "daemon.json")
	require.NoError(t, registerRuntime(path, "/cache/meshtwin-runc"))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.JSONEq(t, `{"default-runtime":"meshtwin-runc","runtimes":{"meshtwin-runc":{"path":"/cache/meshtwin-runc"}}}`, string(raw))

	require.NoError(t, os.WriteFile(path, []byte(`{"log-level":"warn","runtimes":{"crun":{"path":"/usr/bin/crun"}}}`), 0o644))
	require.NoError(t, registerRuntime(path, "/c/meshtwin-runc"))
	raw, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.JSONEq(t, `{"log-level":"warn","default-runtime":"meshtwin-runc","runtimes":{"crun":{"path":"/usr/bin/crun"},"meshtwin-runc":{"path":"/c/meshtwin-runc"}}}`, string(raw))

	require.NoError(t, os.WriteFile(path, []byte(`{"runtimes":`), 0o644))
	require.ErrorContains(t, registerRuntime(path, "/w"), path+": ")
}

func TestPatchContainerdConfig(t *testing.T) {
	t.Parallel()
	kind := "[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"registry.k8s.io/pause:3.10\"\n  restrict_oom_score_adj = false\n"
	got, err := patchContainerdConfig(kind, "registry.k8s.io/pause:3.10.1")
	require.NoError(t, err)
	assert.Contains(t, got, "  sandbox_image = \"registry.k8s.io/pause:3.10.1\"\n")
	assert.Contains(t, got, "restrict_oom_score_adj = true\n")
	assert.NotContains(t, got, "restrict_oom_score_adj = false")
	assert.Contains(t, got, "[plugins.\"io.containerd.grpc.v1.cri\".cni]\n  bin_dir = \"/usr/lib/cni\"\n")

	_, err = patchContainerdConfig("version = 2\n", "p")
	require.ErrorContains(t, err, `no line "restrict_oom_score_adj = false" to change`)
	_, err = patchContainerdConfig("restrict_oom_score_adj = false\n", "p")
	require.ErrorContains(t, err, "no sandbox_image line")
}

func TestNodeFilesFromKindsModule(t *testing.T) {
	t.Parallel()
	kindDir := t.TempDir()
	files := filepath.Join(kindDir, "images", "base", "files")
	for p, body := range map[string]string{
		"usr/local/bin/entrypoint":           "#!/bin/bash\n",
		"kind/bin/undo-mount-hacks.sh":       "#!/bin/bash\n",
		"etc/containerd/config.toml":         "sandbox_image = \"registry.k8s.io/pause:3.10\"\nrestrict_oom_score_adj = false\n",
		"etc/systemd/system/kubelet.service": "[Unit]\n",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(files, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(files, p), []byte(body), 0o644))
	}
	kindFiles, err := kindBaseFiles(kindDir)
	require.NoError(t, err)
	got, err := nodeFiles(kindFiles, "v1.37.2", "registry.k8s.io/pause:3.10.1")
	require.NoError(t, err)
	byPath := map[string]file{}
	for _, f := range got {
		byPath[f.path] = f
	}
	assert.Equal(t, int64(0o755), byPath["/usr/local/bin/entrypoint"].mode)
	assert.Equal(t, int64(0o755), byPath["/kind/bin/undo-mount-hacks.sh"].mode)
	assert.Equal(t, int64(0o644), byPath["/etc/systemd/system/kubelet.service"].mode)
	assert.Contains(t, string(byPath["/etc/containerd/config.toml"].data), "registry.k8s.io/pause:3.10.1")
	assert.Equal(t, "v1.37.2", string(byPath["/kind/version"].data))
	assert.Equal(t, "/usr/bin/containerd", byPath["/usr/local/bin/containerd"].link)

	_, err = kindBaseFiles(t.TempDir())
	require.ErrorContains(t, err, "kind's base image files in ")
	var withoutConfig []file
	for _, f := range kindFiles {
		if f.path != containerdConfigPath {
			withoutConfig = append(withoutConfig, f)
		}
	}
	_, err = nodeFiles(withoutConfig, "v1.37.2", "p")
	require.ErrorContains(t, err, "have no /etc/containerd/config.toml")
}

func TestDockerArchiveIsWhatCtrImports(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "etcd")
	require.NoError(t, os.WriteFile(bin, []byte("ELF etcd"), 0o755))
	var buf bytes.Buffer
	require.NoError(t, writeDockerArchive(&buf, componentImage{ref: "registry.k8s.io/etcd:3.6.5-0", binary: bin, path: "/usr/local/bin/etcd"}))
	entries := readTar(t, buf.Bytes())
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	require.NoError(t, json.Unmarshal(entries["manifest.json"], &manifest))
	require.Len(t, manifest, 1)
	assert.Equal(t, []string{"registry.k8s.io/etcd:3.6.5-0"}, manifest[0].RepoTags)
	require.Len(t, manifest[0].Layers, 1)
	var config struct {
		Architecture, OS string
		Config           struct{ Env []string }
		RootFS           struct {
			Type    string
			DiffIDs []string `json:"diff_ids"`
		}
	}
	require.NoError(t, json.Unmarshal(entries[manifest[0].Config], &config))
	assert.Equal(t, "amd64", config.Architecture)
	assert.Equal(t, "linux", config.OS)
	assert.Contains(t, config.Config.Env[0], "/usr/local/bin")
	assert.Equal(t, []string{"sha256:" + strings.TrimSuffix(manifest[0].Layers[0], "/layer.tar")}, config.RootFS.DiffIDs)
	layer := readTar(t, entries[manifest[0].Layers[0]])
	assert.Equal(t, "ELF etcd", string(layer["usr/local/bin/etcd"]))

	var again bytes.Buffer
	require.NoError(t, writeDockerArchive(&again, componentImage{ref: "registry.k8s.io/etcd:3.6.5-0", binary: bin, path: "/usr/local/bin/etcd"}))
	assert.Equal(t, buf.Bytes(), again.Bytes(), "the same binary gives the same archive")
}

func readTar(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		out[h.Name] = body
	}
}

func TestComponentImagesFollowKubeadmsList(t *testing.T) {
	t.Parallel()
	set := binaries.InDir("/bin-dir")
	list := []string{
		"registry.k8s.io/kube-apiserver:v1.37.2", "registry.k8s.io/kube-controller-manager:v1.37.2",
		"registry.k8s.io/kube-scheduler:v1.37.2", "registry.k8s.io/kube-proxy:v1.37.2",
		"registry.k8s.io/coredns/coredns:v1.12.4", "registry.k8s.io/pause:3.10.1", "registry.k8s.io/etcd:3.6.5-0",
	}
	made, skipped, err := componentImages(list, set, "/work/pause")
	require.NoError(t, err)
	assert.Equal(t, []string{"registry.k8s.io/kube-proxy:v1.37.2", "registry.k8s.io/coredns/coredns:v1.12.4"}, skipped)
	assert.Equal(t, []componentImage{
		{ref: "registry.k8s.io/kube-apiserver:v1.37.2", binary: "/bin-dir/kube-apiserver", path: "/usr/local/bin/kube-apiserver"},
		{ref: "registry.k8s.io/kube-controller-manager:v1.37.2", binary: "/bin-dir/kube-controller-manager", path: "/usr/local/bin/kube-controller-manager"},
		{ref: "registry.k8s.io/kube-scheduler:v1.37.2", binary: "/bin-dir/kube-scheduler", path: "/usr/local/bin/kube-scheduler"},
		{ref: "registry.k8s.io/pause:3.10.1", binary: "/work/pause", path: "/pause", entrypoint: []string{"/pause"}},
		{ref: "registry.k8s.io/etcd:3.6.5-0", binary: "/bin-dir/etcd", path: "/usr/local/bin/etcd"},
	}, made)

	_, _, err = componentImages(list[:2], set, "/p")
	require.ErrorContains(t, err, "expected kube-apiserver, kube-controller-manager, kube-scheduler, etcd and pause")
	_, _, err = componentImages([]string{"registry.k8s.io/etcd"}, set, "/p")
	require.ErrorContains(t, err, `"registry.k8s.io/etcd" has no tag`)
}

func TestCRIBaseSpecAddsKindsHookAndDropsRlimits(t *testing.T) {
	t.Parallel()
	got, err := criBaseSpec([]byte(`{"ociVersion":"1.1.0","process":{"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"cwd":"/"},"linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]}}}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"ociVersion":"1.1.0","process":{"cwd":"/"},"hooks":{"createContainer":[{"path":"/kind/bin/mount-product-files.sh"}]},"linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]}}}`, string(got))
	_, err = criBaseSpec([]byte("not json"))
	require.ErrorContains(t, err, "ctr oci spec: ")
}

func TestRecipeHashFollowsKindsFiles(t *testing.T) {
	t.Parallel()
	a := []file{{path: "/etc/x", mode: 0o644, data: []byte("1")}}
	b := []file{{path: "/etc/x", mode: 0o644, data: []byte("2")}}
	assert.Equal(t, recipeHash("v1.37.2", a), recipeHash("v1.37.2", a))
	assert.NotEqual(t, recipeHash("v1.37.2", a), recipeHash("v1.37.2", b))
	assert.NotEqual(t, recipeHash("v1.37.2", a), recipeHash("v1.36.0", a))
	assert.Len(t, recipeHash("v1.37.2", a), 12)
}

func TestKubeadmConfigPatchesAreKubeadmAndKubeletConfigurations(t *testing.T) {
	t.Parallel()
	patches := KubeadmConfigPatches()
	require.Len(t, patches, 2)
	var kubelet, initCfg map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(patches[0]), &kubelet))
	require.NoError(t, yaml.Unmarshal([]byte(patches[1]), &initCfg))
	assert.Equal(t, "KubeletConfiguration", kubelet["kind"])
	assert.Equal(t, false, kubelet["failCgroupV1"])
	assert.Equal(t, "InitConfiguration", initCfg["kind"])
	assert.Equal(t, "kubeadm.k8s.io/v1beta4", initCfg["apiVersion"])
	assert.Equal(t, []any{"preflight", "addon/coredns", "addon/kube-proxy"}, initCfg["skipPhases"])
}

func TestEnsureImageRefusesAVersionItCannotBuild(t *testing.T) {
	t.Parallel()
	_, err := EnsureImage(t.Context(), ImageOptions{KubernetesVersion: "v1.30.0"})
	require.ErrorContains(t, err, "Kubernetes v1.30.0 cannot be built here: realk8s/binaries builds v1.37.2 only")
}
