package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/meshtwin/meshtwin/model"
)

// pushMesh is a mesh with clusters c1 and c2, a namespace demo in both and
// in the instance, and c2's store failing namespace writes while *down.
func pushMesh(t *testing.T) (*Sim, *bool) {
	t.Helper()
	ctx := t.Context()
	s := meshWithDemo(t, nil, "c1", "c2")
	asmCS, err := s.Client(model.ContextASM)
	require.NoError(t, err)
	_, err = asmCS.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	down := new(bool)
	s.clusters["c2"].tracker.failPut = func(g schema.GroupVersionResource, _ runtime.Object) error {
		if *down && g == gvrNamespaces {
			return errStoreDown
		}
		return nil
	}
	return s, down
}

func patchLabel(t *testing.T, s *Sim, key, value string) *corev1.Namespace {
	t.Helper()
	cs, err := s.Client(model.ContextASM)
	require.NoError(t, err)
	patch := []byte(`{"metadata":{"labels":{"` + key + `":"` + value + `"}}}`)
	ns, err := cs.CoreV1().Namespaces().Patch(t.Context(), "demo", types.MergePatchType, patch, metav1.PatchOptions{})
	require.NoError(t, err, "the edit is stored, so it is answered as stored")
	return ns
}

func clusterLabels(t *testing.T, s *Sim, cluster string) map[string]string {
	t.Helper()
	cs, err := s.Client(cluster)
	require.NoError(t, err)
	ns, err := cs.CoreV1().Namespaces().Get(t.Context(), "demo", metav1.GetOptions{})
	require.NoError(t, err)
	return ns.Labels
}

// TestStoredEditIsAnsweredAsStoredWhenAPushFails: a label edit through the
// instance's client that c2 cannot take is answered with the stored
// namespace; c1 takes it; a Warning event on the instance's namespace and
// PushFailures name c2; the next Advance retries it and clears both.
func TestStoredEditIsAnsweredAsStoredWhenAPushFails(t *testing.T) {
	t.Parallel()
	s, down := pushMesh(t)
	*down = true
	ns := patchLabel(t, s, model.LabelInjection, "enabled")
	assert.Equal(t, "enabled", ns.Labels[model.LabelInjection])
	assert.Equal(t, "enabled", clusterLabels(t, s, "c1")[model.LabelInjection], "c1 takes the push")
	assert.NotContains(t, clusterLabels(t, s, "c2"), model.LabelInjection)

	inst, err := s.Instance()
	require.NoError(t, err)
	failures := inst.PushFailures()
	require.Len(t, failures, 1)
	assert.Equal(t, "demo", failures[0].Namespace)
	assert.Equal(t, "c2", failures[0].Cluster)
	assert.Contains(t, failures[0].Error, errStoreDown.Error())

	asmCS, err := s.Client(model.ContextASM)
	require.NoError(t, err)
	evs, err := asmCS.CoreV1().Events("demo").List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, evs.Items, 1)
	ev := evs.Items[0]
	assert.Equal(t, corev1.EventTypeWarning, ev.Type)
	assert.Equal(t, ReasonPushFailed, ev.Reason)
	assert.Equal(t, "Namespace", ev.InvolvedObject.Kind)
	assert.Equal(t, "demo", ev.InvolvedObject.Name)
	assert.Contains(t, ev.Message, `cluster "c2"`)
	assert.Contains(t, ev.Message, errStoreDown.Error())

	require.NoError(t, s.Advance(t.Context(), time.Second))
	assert.Len(t, inst.PushFailures(), 1, "a retry that fails again keeps the edit owed")

	*down = false
	require.NoError(t, s.Advance(t.Context(), time.Second))
	assert.Empty(t, inst.PushFailures())
	assert.Equal(t, "enabled", clusterLabels(t, s, "c2")[model.LabelInjection], "the retry pushed the edit")
	assert.Equal(t, model.ProviderASM, clusterLabels(t, s, "c2")[model.LabelProvider])
}

// TestOwedPushGoesWithTheNextEdit: an edit that c2 owes is pushed with the
// namespace's next edit, even one of no injection label, and a cluster that
// took the first edit is not written again.
func TestOwedPushGoesWithTheNextEdit(t *testing.T) {
	t.Parallel()
	s, down := pushMesh(t)
	*down = true
	patchLabel(t, s, model.LabelInjection, "enabled")
	*down = false
	c1, err := s.Client("c1")
	require.NoError(t, err)
	// c1 drifts after it took the edit: the retry must not set it back.
	drifted, err := c1.CoreV1().Namespaces().Get(t.Context(), "demo", metav1.GetOptions{})
	require.NoError(t, err)
	drifted.Labels[model.LabelInjection] = "disabled"
	_, err = c1.CoreV1().Namespaces().Update(t.Context(), drifted, metav1.UpdateOptions{})
	require.NoError(t, err)

	patchLabel(t, s, "team", "payments")
	inst, err := s.Instance()
	require.NoError(t, err)
	assert.Empty(t, inst.PushFailures())
	assert.Equal(t, "enabled", clusterLabels(t, s, "c2")[model.LabelInjection])
	assert.NotContains(t, clusterLabels(t, s, "c2"), "team", "only injection labels are pushed")
	assert.Equal(t, "disabled", clusterLabels(t, s, "c1")[model.LabelInjection])
}

// TestOwedPushOfADeletedNamespaceIsDropped: when the instance's namespace
// is gone, what a cluster owed of it is forgotten.
func TestOwedPushOfADeletedNamespaceIsDropped(t *testing.T) {
	t.Parallel()
	s, down := pushMesh(t)
	*down = true
	patchLabel(t, s, model.LabelInjection, "enabled")
	asmCS, err := s.Client(model.ContextASM)
	require.NoError(t, err)
	require.NoError(t, asmCS.CoreV1().Namespaces().Delete(t.Context(), "demo", metav1.DeleteOptions{}))
	*down = false
	require.NoError(t, s.Advance(t.Context(), time.Minute))
	inst, err := s.Instance()
	require.NoError(t, err)
	assert.Empty(t, inst.PushFailures())
	assert.NotContains(t, clusterLabels(t, s, "c2"), model.LabelInjection)
}

// meshWithDemo is a mesh of ASM 1.22.2.35 (seed 1) joined by the named
// clusters, each with a namespace demo carrying labels.
func meshWithDemo(t *testing.T, labels map[string]string, clusters ...string) *Sim {
	t.Helper()
	ctx := t.Context()
	s := New(Options{Seed: 1})
	v, err := model.ParseASMVersion("1.22.2.35")
	require.NoError(t, err)
	require.NoError(t, s.CreateMesh(ctx, model.MeshConfig{Version: v}))
	for _, c := range clusters {
		require.NoError(t, s.CreateCluster(ctx, model.ClusterSpec{Name: c}))
		require.NoError(t, s.JoinCluster(ctx, c))
		cs, err := s.Client(c)
		require.NoError(t, err)
		_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo", Labels: labels}}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	return s
}
