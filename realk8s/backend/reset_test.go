package backend

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// TestDeleteNamespacesFinalizesThroughAConflict: the namespace
// controller writes a terminating namespace meanwhile (as on kind, where
// a make test-kind run failed closing its backend with "finalize
// namespace istio-system: Operation cannot be fulfilled"), so the
// finalize that meets a Conflict reads the namespace again and finishes.
func TestDeleteNamespacesFinalizesThroughAConflict(t *testing.T) {
	t.Parallel()
	c := fake.NewSimpleClientset(&corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: "istio-system"},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
	})
	// Deleting marks the namespace terminating; it goes once finalized
	// (client-go's fake sends a finalize as a create of the subresource).
	c.PrependReactor("delete", "namespaces", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, nil
	})
	finalizes := 0
	c.PrependReactor("create", "namespaces", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "finalize" {
			return false, nil, nil
		}
		finalizes++
		if finalizes == 1 {
			return true, nil, apierrors.NewConflict(corev1.Resource("namespaces"), "istio-system", assert.AnError)
		}
		return true, nil, c.Tracker().Delete(corev1.SchemeGroupVersion.WithResource("namespaces"), "", "istio-system")
	})
	dyn := dynamicfake.NewSimpleDynamicClient(runtime.NewScheme())

	require.NoError(t, deleteNamespaces(t.Context(), c, dyn, []string{"istio-system"}))
	assert.Equal(t, 2, finalizes, "finalized again after the Conflict")
	_, err := c.CoreV1().Namespaces().Get(t.Context(), "istio-system", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "the namespace is gone: %v", err)
}
