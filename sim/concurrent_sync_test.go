package sim_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/meshtwin/meshtwin/model"
)

// TestSyncUnderConcurrentEdits: while others keep labelling a cluster's
// namespaces, the console's syncs and injection switches never fail
// for a Conflict: each write that meets one is redone on a fresh read.
func TestSyncUnderConcurrentEdits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	cp, err := e.s.Client(model.ContextASM)
	require.NoError(t, err)
	inst, err := e.s.Mesh()
	require.NoError(t, err)
	names := []string{"a", "b", "c"}
	for _, n := range names {
		_, err := e.cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = cp.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for _, n := range names {
		wg.Go(func() {
			for i := range 50 {
				patch := fmt.Sprintf(`{"metadata":{"labels":{"round":"r%d"}}}`, i)
				if _, err := e.cs.CoreV1().Namespaces().Patch(t.Context(), n, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 30 {
			n := names[i%len(names)]
			var err error
			if i%2 == 0 {
				err = inst.EnableInjection(t.Context(), n)
			} else {
				err = inst.DisableInjection(t.Context(), n)
			}
			if err != nil {
				errs <- err
			}
			if _, err := inst.SyncTo(t.Context()); err != nil {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	for _, n := range names {
		ns, err := e.cs.CoreV1().Namespaces().Get(t.Context(), n, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, "r49", ns.Labels["round"], "namespace %s", n)
		assert.Equal(t, model.ProviderASM, ns.Labels[model.LabelProvider], "namespace %s", n)
	}
}
