package sim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
)

var errStoreDown = errors.New("store unavailable")

// failingCluster is a simulator with one cluster "c1" whose store fails
// the puts of gvr while *on is true.
func failingCluster(t *testing.T, gvr schema.GroupVersionResource) (*Sim, kubernetes.Interface, *bool) {
	t.Helper()
	s := New(Options{Seed: 1})
	require.NoError(t, s.CreateCluster(t.Context(), model.ClusterSpec{Name: "c1"}))
	cs, err := s.Client("c1")
	require.NoError(t, err)
	on := new(bool)
	s.clusters["c1"].tracker.failPut = func(g schema.GroupVersionResource, _ runtime.Object) error {
		if *on && g == gvr {
			return errStoreDown
		}
		return nil
	}
	return s, cs, on
}

// TestControllerStatusWriteIsRetried: a Job controller whose status write
// fails syncs the Job again, so the Job still reads Complete.
func TestControllerStatusWriteIsRetried(t *testing.T) {
	t.Parallel()
	s, cs, failing := failingCluster(t, gvrJobs)
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "pi", Image: "perl:5.34"}},
		}}},
	}
	_, err := cs.BatchV1().Jobs("default").Create(t.Context(), job, metav1.CreateOptions{})
	require.NoError(t, err)
	*failing = true
	require.NoError(t, s.Advance(t.Context(), 5*time.Minute))
	*failing = false
	require.NoError(t, s.Advance(t.Context(), time.Second))
	got, err := cs.BatchV1().Jobs("default").Get(t.Context(), "pi", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, int32(1), got.Status.Succeeded)
}

// TestServiceAccountFailureIsReported: a namespace is stored even when its
// default service account cannot be, and a Warning event says so.
func TestServiceAccountFailureIsReported(t *testing.T) {
	t.Parallel()
	_, cs, failing := failingCluster(t, gvrSAs)
	*failing = true
	_, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}, metav1.CreateOptions{})
	require.NoError(t, err, "the namespace was stored")
	// A namespace is cluster-scoped: its events are kept in "default".
	evs, err := cs.CoreV1().Events("default").List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, evs.Items, 1)
	assert.Equal(t, "demo", evs.Items[0].InvolvedObject.Name)
	assert.Equal(t, "FailedCreate", evs.Items[0].Reason)
	assert.Equal(t, corev1.EventTypeWarning, evs.Items[0].Type)
	assert.Contains(t, evs.Items[0].Message, errStoreDown.Error())
}

// TestOrphaningFailureFailsTheDelete: a delete with orphan propagation
// whose dependents cannot be released fails and deletes nothing.
func TestOrphaningFailureFailsTheDelete(t *testing.T) {
	t.Parallel()
	s, cs, failing := failingCluster(t, gvrReplicaSets)
	replicas := int32(1)
	sel := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}},
	}
	_, err := cs.AppsV1().Deployments("default").Create(t.Context(), d, metav1.CreateOptions{})
	require.NoError(t, err)
	require.NoError(t, s.Advance(context.Background(), time.Minute))
	*failing = true
	orphan := metav1.DeletePropagationOrphan
	err = cs.AppsV1().Deployments("default").Delete(t.Context(), "web", metav1.DeleteOptions{PropagationPolicy: &orphan})
	require.ErrorContains(t, err, errStoreDown.Error())
	_, err = cs.AppsV1().Deployments("default").Get(t.Context(), "web", metav1.GetOptions{})
	assert.NoError(t, err, "the deployment is still there")
}
