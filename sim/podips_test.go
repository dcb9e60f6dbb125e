package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
)

// TestDeletedPodsReleaseTheirIPs: a pod's address goes back to its pool
// when the pod is deleted, whether by a request or by the pod garbage
// collector after its node is gone, as a CNI's IPAM releases it. (Pools
// hand out addresses next-fit, so reuse shows only after a wrap; the test
// reads the pools' counts.)
func TestDeletedPodsReleaseTheirIPs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := New(Options{Seed: 1})
	require.NoError(t, s.CreateCluster(ctx, model.ClusterSpec{Name: "c1", VirtualNode: true}))
	cs, err := s.Client("c1")
	require.NoError(t, err)
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	inUse := func() [2]uint32 {
		s.mu.Lock()
		defer s.mu.Unlock()
		c := s.clusters["c1"]
		return [2]uint32{c.podIPs.inUse, c.eciIPs.inUse}
	}
	create := func(name string, eci bool) {
		t.Helper()
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "demo"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
		if eci {
			p.Labels = map[string]string{model.LabelECI: "true"}
		}
		_, err := cs.CoreV1().Pods("demo").Create(ctx, p, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	for _, name := range []string{"a", "b", "c"} {
		create(name, false)
	}
	create("e1", true)
	create("e2", true)
	require.Equal(t, [2]uint32{3, 2}, inUse(), "regular and ECI addresses in use")

	require.NoError(t, cs.CoreV1().Pods("demo").Delete(ctx, "a", metav1.DeleteOptions{}))
	require.NoError(t, cs.CoreV1().Pods("demo").Delete(ctx, "e1", metav1.DeleteOptions{}))
	assert.Equal(t, [2]uint32{2, 1}, inUse(), "after deleting one of each")

	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	for _, n := range nodes.Items {
		require.NoError(t, cs.CoreV1().Nodes().Delete(ctx, n.Name, metav1.DeleteOptions{}))
	}
	pods, err := cs.CoreV1().Pods("demo").List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, pods.Items, "the pod garbage collector deletes the pods of deleted nodes")
	assert.Equal(t, [2]uint32{0, 0}, inUse(), "after the nodes are gone")
}
