package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

var _ shell.PodViewer = (*sim.Sim)(nil)

// ViewPods shows what a list of the same pods returns, in its order, and
// fails where the list fails.
func TestViewPodsShowsWhatAListReturns(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("a", "istio-injection", "enabled")
	e.namespace("b")
	for _, ns := range []string{"b", "a"} {
		for _, name := range []string{"y", "x"} {
			_, err := e.createPod(newPod(ns, name))
			e.must(err)
		}
	}
	e.advance(time.Minute)

	view := func(ns string) []corev1.Pod {
		var out []corev1.Pod
		require.NoError(t, e.s.ViewPods(e.ctx, "c1", ns, func(p *corev1.Pod) { out = append(out, *p) }))
		return out
	}
	for _, ns := range []string{"", "a", "b", "none"} {
		list, err := e.cs.CoreV1().Pods(ns).List(e.ctx, metav1.ListOptions{})
		require.NoError(t, err)
		got := view(ns)
		if len(list.Items) == 0 {
			assert.Empty(t, got, "namespace %q", ns)
			continue
		}
		assert.Equal(t, list.Items, got, "namespace %q", ns)
	}
	assert.Len(t, view(""), 4)

	require.NoError(t, e.s.InjectFault(model.Fault{Context: "c1", Verb: "list", Resource: "pods", Kind: model.FaultServerError, Count: 1}))
	_, listErr := e.cs.CoreV1().Pods("a").List(e.ctx, metav1.ListOptions{})
	require.Error(t, listErr)
	require.NoError(t, e.s.InjectFault(model.Fault{Context: "c1", Verb: "list", Resource: "pods", Kind: model.FaultServerError, Count: 1}))
	viewErr := e.s.ViewPods(e.ctx, "c1", "a", func(*corev1.Pod) { t.Error("a failed view called fn") })
	assert.Equal(t, listErr.Error(), viewErr.Error())

	require.NoError(t, e.s.SetReachable(e.ctx, "c1", false))
	_, listErr = e.cs.CoreV1().Pods("").List(e.ctx, metav1.ListOptions{})
	viewErr = e.s.ViewPods(e.ctx, "c1", "", func(*corev1.Pod) { t.Error("a failed view called fn") })
	require.Error(t, listErr)
	assert.Equal(t, listErr.Error(), viewErr.Error())
}
