package sim

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/asm"
	"github.com/meshtwin/meshtwin/model"
)

var _ asm.SharedNamespaceReader = meshClient{}

// TestSharedReadsAnswerWhatListAndGetAnswer: the mesh instance's shared
// reads of a cluster give the namespaces a list and a get give, as the
// stored objects themselves; a missing namespace is nil and no error;
// and they fail as a list and a get fail, to an injected fault or a
// cluster cut off.
func TestSharedReadsAnswerWhatListAndGetAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := New(Options{Seed: 1})
	require.NoError(t, s.CreateCluster(ctx, model.ClusterSpec{Name: "c1"}))
	cs, err := s.Client("c1")
	require.NoError(t, err)
	for _, name := range []string{"web", "shop", "api"} {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"team": name}}}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	s.mu.Lock()
	c := s.clusters["c1"]
	s.mu.Unlock()
	mc := c.meshClient

	list, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	shared, err := mc.SharedNamespaces(ctx)
	require.NoError(t, err)
	require.Len(t, shared, len(list.Items))
	names := make([]string, len(shared))
	for k, ns := range shared {
		names[k] = ns.Name
		assert.Equal(t, list.Items[k], *ns, "item %d", k)
		assert.Same(t, c.tracker.peek(gvrNamespaces, "", ns.Name), ns, "namespace %s is the stored object", ns.Name)
	}
	assert.True(t, slices.IsSorted(names), "in a list's order: %v", names)

	got, err := mc.SharedNamespace(ctx, "shop")
	require.NoError(t, err)
	want, err := cs.CoreV1().Namespaces().Get(ctx, "shop", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Same(t, c.tracker.peek(gvrNamespaces, "", "shop"), got)

	missing, err := mc.SharedNamespace(ctx, "nowhere")
	assert.NoError(t, err)
	assert.Nil(t, missing)

	// An injected fault fails the shared reads as it fails a get and a
	// list, once each.
	require.NoError(t, s.InjectFault(model.Fault{Context: "c1", Verb: "get", Resource: "namespaces", Kind: model.FaultServerError, Count: 1}))
	_, err = mc.SharedNamespace(ctx, "nowhere")
	assert.True(t, apierrors.IsInternalError(err), "get under a fault: %v", err)
	_, err = mc.SharedNamespace(ctx, "shop")
	assert.NoError(t, err, "the fault was used up")
	require.NoError(t, s.InjectFault(model.Fault{Context: "c1", Verb: "list", Resource: "namespaces", Kind: model.FaultTimeout, Count: 1}))
	_, err = mc.SharedNamespaces(ctx)
	assert.True(t, apierrors.IsTimeout(err), "list under a fault: %v", err)

	// A cluster cut off answers neither.
	require.NoError(t, s.SetReachable(ctx, "c1", false))
	_, listErr := mc.SharedNamespaces(ctx)
	_, wantListErr := c.meshClient.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	require.Error(t, listErr)
	assert.Equal(t, wantListErr.Error(), listErr.Error())
	_, getErr := mc.SharedNamespace(ctx, "shop")
	_, wantGetErr := c.meshClient.CoreV1().Namespaces().Get(ctx, "shop", metav1.GetOptions{})
	require.Error(t, getErr)
	assert.Equal(t, wantGetErr.Error(), getErr.Error())
	missing, err = mc.SharedNamespace(ctx, "nowhere")
	assert.Error(t, err, "an unreachable cluster does not say a namespace is missing")
	assert.Nil(t, missing)
}
