package backend

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/meshtwin/meshtwin/model"
)

// traditionalPod is a pod with a traditional istio-proxy, bound to a
// node, whose containers have the given statuses.
func traditionalPod(statuses ...corev1.ContainerStatus) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "u1"},
		Spec: corev1.PodSpec{
			NodeName: "n1",
			// istio-proxy with the readiness probe injection gives it.
			Containers: []corev1.Container{{Name: "web", Image: "nginx"}, {Name: model.ProxyContainerName, Image: "proxyv2",
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz/ready"}}}}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: statuses},
	}
}

func insightReasons(t *testing.T, c *fake.Clientset) []string {
	t.Helper()
	list, err := c.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	var reasons []string
	for _, ev := range list.Items {
		assert.Equal(t, InsightEventSource, ev.Source.Component, "an insight is never the kubelet's (B39)")
		assert.Equal(t, corev1.EventTypeWarning, ev.Type)
		reasons = append(reasons, ev.Reason+" "+ev.InvolvedObject.FieldPath)
	}
	slices.Sort(reasons)
	return reasons
}

func TestInsightsRecordANoteOnceTheKubeletReachedIt(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	stop, err := startInsights(client)
	require.NoError(t, err)
	defer stop()
	ctx := context.Background()
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}

	// Scheduled, nothing started yet: no note is due.
	pod := traditionalPod()
	pod, err = client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond)
	assert.Empty(t, insightReasons(t, client))

	// The app runs, the proxy is not ready: NoNetwork, once however
	// often the pod changes.
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "web", State: running}, {Name: model.ProxyContainerName, State: running}}
	pod, err = client.CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	require.NoError(t, err)
	pod.Status.ContainerStatuses[1].Ready = true
	pod, err = client.CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	require.NoError(t, err)
	want := []string{"NoNetwork spec.containers{web}"}
	assert.Eventually(t, func() bool { return slices.Equal(insightReasons(t, client), want) }, 5*time.Second, 20*time.Millisecond)

	// Deleted while running: the traditional proxy stops with the app.
	require.NoError(t, client.CoreV1().Pods("default").Delete(ctx, pod.Name, metav1.DeleteOptions{}))
	want = []string{"NoNetwork spec.containers{web}", "ProxyStoppedFirst spec.containers{web}"}
	assert.Eventually(t, func() bool { return slices.Equal(insightReasons(t, client), want) }, 5*time.Second, 20*time.Millisecond)
}

func TestNoteDue(t *testing.T) {
	t.Parallel()
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	exited := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}
	jobNote := model.LifecycleNote{Container: model.ProxyContainerName, Reason: model.NoteJobNeverCompletes}
	assert.False(t, noteDue(traditionalPod(corev1.ContainerStatus{Name: "web", State: running}), jobNote), "the main container runs")
	assert.True(t, noteDue(traditionalPod(corev1.ContainerStatus{Name: "web", State: exited}, corev1.ContainerStatus{Name: model.ProxyContainerName, State: running}), jobNote))
	noNet := model.LifecycleNote{Container: "web", Reason: model.NoteNoNetwork}
	assert.False(t, noteDue(traditionalPod(corev1.ContainerStatus{Name: "web"}), noNet), "web is still waiting")
	assert.True(t, noteDue(traditionalPod(corev1.ContainerStatus{Name: "web", State: running}), noNet))
	assert.True(t, noteDue(traditionalPod(), model.LifecycleNote{Container: model.ProxyContainerName, Reason: model.NoteLifecycleSettingIgnored}))
}
