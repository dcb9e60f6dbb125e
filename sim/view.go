package sim

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/testing"
)

// ViewPods calls fn with each stored pod of a cluster, of namespace or of
// every namespace when it is "", in the order a list returns them
// (namespace, then name), without copying them (shell.PodViewer): a
// stored object is never modified in place, so a pod viewed stays as it
// was. It fails as a list of those pods through the cluster's clientset
// would: an injected fault that matches the list, or the cluster cut off.
// fn runs outside the simulator's locks and must not modify a pod.
func (s *Sim) ViewPods(ctx context.Context, clusterName, namespace string, fn func(*corev1.Pod)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	c, err := s.clusterLocked(clusterName)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	action := testing.NewListAction(gvrPods, corev1.SchemeGroupVersion.WithKind("Pod"), namespace, metav1.ListOptions{})
	if handled, _, err := c.api.reactFault(action); handled {
		return err
	}
	if c.unreachable.Load() {
		return c.api.errUnreachable(action)
	}
	for _, obj := range c.tracker.view(gvrPods, namespace) {
		pod, ok := obj.(*corev1.Pod)
		if !ok {
			return fmt.Errorf("view pods: stored %T", obj)
		}
		fn(pod)
	}
	return nil
}

// view returns the stored objects a list of gvr in ns would copy, in its
// order; the caller must not modify them.
func (t *Tracker) view(gvr schema.GroupVersionResource, ns string) []runtime.Object {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.listLocked(gvr, ns, selectors{})
}

// viewList is List without selectors and without the deep copy: the
// list's items are shallow copies of the stored objects, sharing their
// maps and slices, which the caller must not modify.
func (t *Tracker) viewList(gvr schema.GroupVersionResource, gvk schema.GroupVersionKind, ns string) (runtime.Object, error) {
	return t.buildList(gvr, gvk, ns, selectors{}, false)
}

// sharedNamespaces is the stored namespaces themselves, in a list's order;
// the caller must not modify them.
func (t *Tracker) sharedNamespaces() (*sharedNamespaces, error) {
	objs := t.view(gvrNamespaces, "")
	out := &sharedNamespaces{items: make([]*corev1.Namespace, len(objs))}
	for k, obj := range objs {
		ns, ok := obj.(*corev1.Namespace)
		if !ok {
			return nil, fmt.Errorf("list namespaces: stored %T", obj)
		}
		out.items[k] = ns
	}
	return out, nil
}
