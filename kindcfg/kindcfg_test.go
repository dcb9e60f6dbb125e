package kindcfg_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/internal/golden"
	"github.com/meshtwin/meshtwin/kindcfg"
	"github.com/meshtwin/meshtwin/model"
)

var (
	v128 = model.KubeVersion{Major: 1, Minor: 28}
	v130 = model.KubeVersion{Major: 1, Minor: 30}
	v137 = model.KubeVersion{Major: 1, Minor: 37}
)

func images() kindcfg.Images {
	return kindcfg.Images{
		Default: kindcfg.Image{Ref: "meshtwin/kind-node:v1.37.2", Version: v137, KubeadmConfigPatches: []string{
			"kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nfailCgroupV1: false\n",
			"kind: InitConfiguration\napiVersion: kubeadm.k8s.io/v1beta4\nskipPhases:\n- preflight\n- addon/coredns\n- addon/kube-proxy\n",
		}},
		ByVersion:               []kindcfg.Image{{Ref: "meshtwin/kind-node:v1.28.15", Version: v128}},
		ContainerdConfigPatches: []string{"[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"*\"]\n  endpoint = [\"http://172.18.0.1:35000\"]\n"},
	}
}

// TestFixtures: every valid-*.yaml reads strictly and validates; every
// invalid-*.yaml fails with exactly the problems its "# want:" lines
// name, all of them at once.
func TestFixtures(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var valid, invalid int
	for _, f := range files {
		base := filepath.Base(f)
		switch {
		case strings.HasPrefix(base, "valid-"):
			valid++
		case strings.HasPrefix(base, "invalid-"):
			invalid++
		default:
			t.Errorf("%s: a fixture is valid-*.yaml or invalid-*.yaml", f)
			continue
		}
		t.Run(strings.TrimSuffix(base, ".yaml"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			var wants []string
			for line := range strings.SplitSeq(string(data), "\n") {
				if w, ok := strings.CutPrefix(line, "# want: "); ok {
					wants = append(wants, w)
				}
			}
			c, err := kindcfg.Parse(data)
			if err == nil {
				err = kindcfg.Validate(c)
			}
			if strings.HasPrefix(base, "valid-") {
				require.NoError(t, err)
				require.Empty(t, wants, "a valid fixture wants no problem")
				return
			}
			require.Error(t, err)
			require.NotEmpty(t, wants, "an invalid fixture names its problems in # want: lines")
			problems := strings.Split(err.Error(), "\n")
			assert.Len(t, problems, len(wants), "every problem reported once: %v", err)
			for _, w := range wants {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	assert.Positive(t, valid)
	assert.Positive(t, invalid)
}

// TestForCluster: the configuration of each spec is the fixture of its
// name (a valid-*.yaml, so TestFixtures validates it too), with the
// twin's node names, taint and notes.
func TestForCluster(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		spec    model.ClusterSpec
		nodes   []string
		tainted bool
		virtual string
		notes   []string
	}{
		{
			fixture: "valid-default-cluster", spec: model.ClusterSpec{Name: "c1"},
			nodes: []string{"cn-beijing.192.168.0.1", "cn-beijing.192.168.0.2"},
			notes: []string{"the nodes run Kubernetes 1.37 (the node image's); the rules decide by the cluster's 1.30"},
		},
		{
			fixture: "valid-one-node-virtual", spec: model.ClusterSpec{Name: "c1", Nodes: 1, VirtualNode: true, Region: "cn-hangzhou", Zone: "k", KubeVersion: v137},
			nodes: []string{"cn-hangzhou.192.168.0.1"}, virtual: "virtual-kubelet-cn-hangzhou-k",
		},
		{
			fixture: "valid-sidecar-gate-1.28", spec: model.ClusterSpec{Name: "c1", Nodes: 1, KubeVersion: v128, FeatureGates: map[string]bool{model.FeatureGateSidecarContainers: true}},
			nodes: []string{"cn-beijing.192.168.0.1"},
		},
		{
			fixture: "valid-gate-on-other-image", spec: model.ClusterSpec{Name: "c1", Nodes: 1, KubeVersion: model.KubeVersion{Major: 1, Minor: 29}, FeatureGates: map[string]bool{model.FeatureGateSidecarContainers: false}},
			nodes: []string{"cn-beijing.192.168.0.1"},
			notes: []string{
				"feature gates SidecarContainers=false are not passed to kind's components: the node image runs Kubernetes 1.37, not 1.29; the rules decide by them",
				"the nodes run Kubernetes 1.37 (the node image's); the rules decide by the cluster's 1.29",
			},
		},
		{
			fixture: "valid-no-regular-nodes", spec: model.ClusterSpec{Name: "eci", Nodes: -1, VirtualNode: true, KubeVersion: v137},
			tainted: true, virtual: "virtual-kubelet-cn-beijing-i",
		},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			c, err := kindcfg.ForCluster(tc.spec, images())
			require.NoError(t, err)
			require.NoError(t, kindcfg.Validate(c.Config))
			assert.Equal(t, tc.spec.Name, c.Twin)
			assert.Equal(t, tc.nodes, c.Nodes)
			assert.Equal(t, tc.tainted, c.ControlPlaneTainted)
			assert.Equal(t, tc.virtual, c.VirtualNode)
			assert.Equal(t, tc.notes, c.Notes)
			data, err := kindcfg.Marshal(c.Config)
			require.NoError(t, err)
			golden.Compare(t, filepath.Join("testdata", tc.fixture+".yaml"), string(data))
		})
	}
}

func TestForMesh(t *testing.T) {
	t.Parallel()
	c, err := kindcfg.ForMesh(images())
	require.NoError(t, err)
	require.NoError(t, kindcfg.Validate(c.Config))
	assert.Equal(t, model.ContextASM, c.Twin)
	assert.Empty(t, c.Nodes)
	data, err := kindcfg.Marshal(c.Config)
	require.NoError(t, err)
	golden.Compare(t, "testdata/valid-mesh.yaml", string(data))
}

// TestKey: equal configurations share a key, so a kind cluster serves
// any cluster of the same shape; a different shape gets another.
func TestKey(t *testing.T) {
	t.Parallel()
	key := func(spec model.ClusterSpec) string {
		c, err := kindcfg.ForCluster(spec, images())
		require.NoError(t, err)
		k, err := c.Key()
		require.NoError(t, err)
		return k
	}
	assert.Equal(t, key(model.ClusterSpec{Name: "c1"}), key(model.ClusterSpec{Name: "c2"}), "the twin's cluster name is not in the configuration")
	assert.NotEqual(t, key(model.ClusterSpec{Name: "c1"}), key(model.ClusterSpec{Name: "c1", Nodes: 1}))
	assert.NotEqual(t, key(model.ClusterSpec{Name: "c1", Nodes: 1}), key(model.ClusterSpec{Name: "c1", Nodes: 1, Region: "cn-hangzhou"}))
	assert.Len(t, key(model.ClusterSpec{Name: "c1"}), 10)
}

func TestForClusterRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		spec   model.ClusterSpec
		images kindcfg.Images
		want   string
	}{
		{"reserved name", model.ClusterSpec{Name: model.ContextASM}, images(), `invalid cluster name "asm"`},
		{"no image", model.ClusterSpec{Name: "c1"}, kindcfg.Images{}, "no node image for Kubernetes 1.30 and no default image"},
		{"unmodelled version", model.ClusterSpec{Name: "c1", KubeVersion: model.KubeVersion{Major: 1, Minor: 19}}, images(), "Kubernetes 1.19 is not modelled"},
		{"gate before its release", model.ClusterSpec{Name: "c1", KubeVersion: v128, FeatureGates: map[string]bool{"Nope": true}}, images(), "unrecognized feature gate: Nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := kindcfg.ForCluster(tc.spec, tc.images)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := kindcfg.ForMesh(kindcfg.Images{})
	require.ErrorContains(t, err, "no default node image")
}
