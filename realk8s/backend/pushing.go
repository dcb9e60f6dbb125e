package backend

import (
	"context"
	"maps"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	applycorev1 "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

// pushFunc carries an edit of an instance namespace to the clusters.
type pushFunc func(ctx context.Context, before map[string]string, ns *corev1.Namespace)

// pushingClient is the mesh instance's client for kubectl --context asm:
// every namespace update, patch or apply that succeeds is pushed to the
// clusters before the call returns, as the console pushes its own edits
// (B06), so the next command sees the clusters changed.
type pushingClient struct {
	kubernetes.Interface
	push pushFunc
}

func (c pushingClient) CoreV1() typedcorev1.CoreV1Interface {
	return pushingCoreV1{CoreV1Interface: c.Interface.CoreV1(), push: c.push}
}

type pushingCoreV1 struct {
	typedcorev1.CoreV1Interface
	push pushFunc
}

func (c pushingCoreV1) Namespaces() typedcorev1.NamespaceInterface {
	return pushingNamespaces{NamespaceInterface: c.CoreV1Interface.Namespaces(), push: c.push}
}

type pushingNamespaces struct {
	typedcorev1.NamespaceInterface
	push pushFunc
}

// before reads a namespace's labels ahead of an edit; nil when it cannot
// be read (the edit then fails the same way).
func (n pushingNamespaces) before(ctx context.Context, name string) map[string]string {
	ns, err := n.NamespaceInterface.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return maps.Clone(ns.Labels)
}

func (n pushingNamespaces) Update(ctx context.Context, ns *corev1.Namespace, opts metav1.UpdateOptions) (*corev1.Namespace, error) {
	before := n.before(ctx, ns.Name)
	out, err := n.NamespaceInterface.Update(ctx, ns, opts)
	if err == nil && len(opts.DryRun) == 0 {
		n.push(ctx, before, out.DeepCopy())
	}
	return out, err
}

func (n pushingNamespaces) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (*corev1.Namespace, error) {
	before := n.before(ctx, name)
	out, err := n.NamespaceInterface.Patch(ctx, name, pt, data, opts, subresources...)
	if err == nil && len(opts.DryRun) == 0 {
		n.push(ctx, before, out.DeepCopy())
	}
	return out, err
}

func (n pushingNamespaces) Apply(ctx context.Context, ns *applycorev1.NamespaceApplyConfiguration, opts metav1.ApplyOptions) (*corev1.Namespace, error) {
	var before map[string]string
	if ns != nil && ns.Name != nil {
		before = n.before(ctx, *ns.Name)
	}
	out, err := n.NamespaceInterface.Apply(ctx, ns, opts)
	if err == nil && len(opts.DryRun) == 0 {
		n.push(ctx, before, out.DeepCopy())
	}
	return out, err
}
