package backend_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/realk8s/backend"
	"github.com/meshtwin/meshtwin/realk8s/binaries"
)

// requireRealEnv is set by CI, which builds the binaries first: there a
// missing binary fails the test instead of skipping it.
const requireRealEnv = "MESHTWIN_REQUIRE_REAL"

func realFleet(t testing.TB) *backend.Fleet {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped under -short: starts real control planes")
	}
	cache, err := binaries.CacheDir()
	require.NoError(t, err)
	set, err := binaries.Find(cache, os.Getenv)
	if err != nil {
		if os.Getenv(requireRealEnv) != "" {
			t.Fatalf("%s is set but: %v", requireRealEnv, err)
		}
		t.Skipf("skipped, no real control-plane binaries: %v", err)
	}
	fleet := backend.NewFleet(backend.FleetOptions{Binaries: set, TempDir: t.TempDir()})
	t.Cleanup(func() { assert.NoError(t, fleet.Stop()) })
	return fleet
}

// A scenario's planes go back to the fleet reset, and the next scenario
// reuses them: same names, nothing left over.
func TestIntegrationPlanesAreResetAndReused(t *testing.T) {
	fleet := realFleet(t)
	ctx := t.Context()

	version, err := model.ParseASMVersion("1.22.2.35")
	require.NoError(t, err)
	for round := range 2 {
		b := fleet.New()
		require.NoError(t, b.CreateMesh(ctx, model.MeshConfig{Version: version}))
		require.NoError(t, b.CreateCluster(ctx, model.ClusterSpec{Name: "c1", VirtualNode: true}))
		require.NoError(t, b.JoinCluster(ctx, "c1"))
		c1, err := b.Client("c1")
		require.NoError(t, err)

		nodes, err := c1.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		var names []string
		for _, n := range nodes.Items {
			names = append(names, n.Name)
		}
		assert.Equal(t, []string{"cn-beijing.192.168.0.1", "cn-beijing.192.168.0.2", "virtual-kubelet-cn-beijing-i"}, names, "round %d", round)

		mesh, err := b.Mesh()
		require.NoError(t, err)
		require.NoError(t, mesh.CreateNamespace(ctx, "demo", nil), "round %d: the instance's namespace of the last round is gone", round)
		_, err = c1.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}, metav1.CreateOptions{})
		require.NoError(t, err, "round %d: the cluster's namespace of the last round is gone", round)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "demo"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
		}
		_, err = c1.CoreV1().Pods("demo").Create(ctx, pod, metav1.CreateOptions{})
		require.NoError(t, err)
		began := time.Now()
		require.NoError(t, b.Advance(ctx, time.Minute))
		assert.Less(t, time.Since(began), time.Minute, "advance returns once the cluster settled")
		got, err := c1.CoreV1().Pods("demo").Get(ctx, "web", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, corev1.PodRunning, got.Status.Phase)
		assert.Contains(t, got.Spec.NodeName, "cn-beijing.192.168.0.")

		// A label set with kubectl on the instance reaches the cluster.
		asmClient, err := b.Client(model.ContextASM)
		require.NoError(t, err)
		_, err = asmClient.CoreV1().Namespaces().Patch(ctx, "demo", types.MergePatchType, []byte(`{"metadata":{"labels":{"istio-injection":"enabled"}}}`), metav1.PatchOptions{})
		require.NoError(t, err)
		ns, err := c1.CoreV1().Namespaces().Get(ctx, "demo", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, "enabled", ns.Labels[model.LabelInjection], "the edit was pushed")

		// The asmmeshconfig is a real custom resource: the server drops
		// an unknown field with a warning and refuses a wrong type.
		_, warnings, err := mesh.PatchConfig(types.MergePatchType, []byte(`{"spec":{"enableNativeSidecar":false}}`))
		require.NoError(t, err)
		assert.Empty(t, warnings)
		assert.Equal(t, false, *mesh.Config().EnableNativeSidecar)
		_, warnings, err = mesh.PatchConfig(types.MergePatchType, []byte(`{"spec":{"colour":"blue"}}`))
		require.NoError(t, err)
		assert.Equal(t, []string{`unknown field "spec.colour"`}, warnings, "the server's own warning, as kubectl patch gets it")
		_, _, err = mesh.PatchConfig(types.MergePatchType, []byte(`{"spec":{"enableNativeSidecar":"yes"}}`))
		require.ErrorContains(t, err, "spec.enableNativeSidecar")

		require.NoError(t, b.Close())
	}
	assert.Equal(t, 2, fleet.Started(), "one plane for the instance and one for c1, started once")
}
