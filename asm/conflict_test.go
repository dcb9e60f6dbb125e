package asm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/meshtwin/meshtwin/model"
)

// editBeforeFirstUpdate makes someone else edit a cluster's namespace
// between the sync's read and its first write, which then meets a
// Conflict, as it would on a real API server.
func editBeforeFirstUpdate(t *testing.T, m *mesh, cluster, label, value string) *int {
	t.Helper()
	cs := m.clusters[cluster]
	updates := 0
	cs.PrependReactor("update", "namespaces", func(action k8stesting.Action) (bool, runtime.Object, error) {
		updates++
		if updates > 1 {
			return false, nil, nil
		}
		name := action.(k8stesting.UpdateAction).GetObject().(*corev1.Namespace).Name
		cur, err := cs.Tracker().Get(corev1.SchemeGroupVersion.WithResource("namespaces"), "", name)
		require.NoError(t, err)
		ns := cur.(*corev1.Namespace).DeepCopy()
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[label] = value
		require.NoError(t, cs.Tracker().Update(corev1.SchemeGroupVersion.WithResource("namespaces"), ns, ""))
		return true, nil, apierrors.NewConflict(corev1.Resource("namespaces"), name, assert.AnError)
	})
	return &updates
}

// TestSyncRetriesConflict: a sync whose write meets a Conflict reads the
// namespace again and applies its changes to what is there now; the
// other writer's edit is kept.
func TestSyncRetriesConflict(t *testing.T) {
	t.Parallel()
	m := newMesh(t, "1.22.2.35",
		[]runtime.Object{nsObj("demo", map[string]string{model.LabelInjection: "enabled"})},
		map[string][]runtime.Object{"c1": {nsObj("demo", nil)}})
	updates := editBeforeFirstUpdate(t, m, "c1", "team", "a")

	_, err := m.inst.SyncTo(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, *updates, "one conflict, one retry")
	ns, err := m.clusters["c1"].CoreV1().Namespaces().Get(t.Context(), "demo", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{model.LabelInjection: "enabled", model.LabelProvider: model.ProviderASM, "team": "a"}, ns.Labels)
}

// TestPushRetriesConflict: the console's Enable pushes through the same
// writes, and a concurrent edit of the cluster's namespace does not fail it.
func TestPushRetriesConflict(t *testing.T) {
	t.Parallel()
	m := newMesh(t, "1.22.2.35",
		[]runtime.Object{nsObj("demo", nil)},
		map[string][]runtime.Object{"c1": {nsObj("demo", nil)}})
	editBeforeFirstUpdate(t, m, "c1", "team", "b")

	require.NoError(t, m.inst.EnableInjection(t.Context(), "demo"))
	labels, ok := getLabels(t, m.clusters["c1"], "demo")
	require.True(t, ok)
	assert.Equal(t, "enabled", labels[model.LabelInjection])
	assert.Equal(t, "b", labels["team"])
}
