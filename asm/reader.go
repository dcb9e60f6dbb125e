package asm

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// SharedNamespaceReader is what a clientset handed to an Instance (its
// control plane's or a member's) may offer beside kubernetes.Interface:
// reads of namespaces that answer with the API server's own objects,
// shared instead of copied, as an informer's lister answers from its
// cache. An Instance never modifies what it reads, so it reads through
// these when its clientset has them, and with List and Get when not.
// Both go wherever a List and a Get would: a reader fails as they fail
// (a fault, an unreachable cluster), with the same errors.
type SharedNamespaceReader interface {
	// SharedNamespaces lists every namespace, as List without options
	// would.
	SharedNamespaces(ctx context.Context) ([]*corev1.Namespace, error)
	// SharedNamespace reads the named namespace, as Get would, except
	// that a namespace that does not exist is nil and no error: a sync
	// asks for many a namespace that is not there yet, and a NotFound
	// error is built to be shown, not to be counted.
	SharedNamespace(ctx context.Context, name string) (*corev1.Namespace, error)
}

// readerOf reads cs's namespaces: through its own SharedNamespaceReader
// when it has one, else through List and Get (listGetReader).
func readerOf(cs kubernetes.Interface) SharedNamespaceReader {
	if r, ok := cs.(SharedNamespaceReader); ok {
		return r
	}
	return listGetReader{cs}
}

// listGetReader is a SharedNamespaceReader made of a clientset's List and
// Get: what it answers is the call's own copy, which nobody else holds.
type listGetReader struct{ cs kubernetes.Interface }

func (r listGetReader) SharedNamespaces(ctx context.Context) ([]*corev1.Namespace, error) {
	list, err := r.cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]*corev1.Namespace, len(list.Items))
	for k := range list.Items {
		out[k] = &list.Items[k]
	}
	return out, nil
}

func (r listGetReader) SharedNamespace(ctx context.Context, name string) (*corev1.Namespace, error) {
	obj, err := r.cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		return obj, nil
	case apierrors.IsNotFound(err):
		return nil, nil
	}
	return nil, err
}
