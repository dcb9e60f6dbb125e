package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/meshtwin/meshtwin/model"
)

// memoCluster is a mesh of one joined cluster c1 with a namespace demo
// labelled istio-injection=enabled.
func memoCluster(t *testing.T) (*Sim, *cluster) {
	t.Helper()
	s := meshWithDemo(t, map[string]string{"istio-injection": "enabled"}, "c1")
	return s, s.clusters["c1"]
}

// templatedPod is the i-th pod of rs's template, as createObject hands
// it to admission: named, with a UID and a creation time.
func templatedPod(rs *appsv1.ReplicaSet, i int) *corev1.Pod {
	pod := podFromTemplate(rs, "ReplicaSet", "apps/v1", &rs.Spec.Template)
	pod.Name = fmt.Sprintf("%s%05d", pod.GenerateName, i)
	pod.UID = types.UID(fmt.Sprintf("uid-%d", i))
	pod.CreationTimestamp = metav1.NewTime(DefaultStart().Add(time.Duration(i) * time.Second))
	return pod
}

func memoReplicaSet(containers ...corev1.Container) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-5d9f", Namespace: "demo", UID: "rs-1"}}
	rs.Spec.Template.Labels = map[string]string{"app": "web", appsv1.DefaultDeploymentUniqueLabelKey: "5d9f"}
	rs.Spec.Template.Spec.Containers = append([]corev1.Container{{Name: "app", Image: "nginx:1.27"}}, containers...)
	return rs
}

// admitBoth admits the i-th pod of rs through admitPod (the memo) and
// afresh, and checks that both give the same pod.
func admitBoth(t *testing.T, s *Sim, c *cluster, rs *appsv1.ReplicaSet, i int) *corev1.Pod {
	t.Helper()
	req := s.request()
	want, err := c.admitPodAfresh(req, templatedPod(rs, i))
	require.NoError(t, err)
	req.template = &rs.Spec.Template
	got, err := c.admitPod(req, templatedPod(rs, i))
	require.NoError(t, err)
	require.Equal(t, want, got, "pod %d", i)
	return got
}

// TestTemplatedPodsAreAdmittedAsTheFirstWas: the pods of one template,
// in an unchanged namespace, cluster and mesh, are admitted as the first
// was (injected, their own identity), sharing its parts; what admitting
// them afresh gives is what they get.
func TestTemplatedPodsAreAdmittedAsTheFirstWas(t *testing.T) {
	t.Parallel()
	s, c := memoCluster(t)
	rs := memoReplicaSet()
	first := admitBoth(t, s, c, rs, 0)
	require.True(t, model.IsInjected(first), "injected")
	require.Len(t, first.Spec.InitContainers, 2, "native sidecar: istio-init, istio-proxy")
	require.NotNil(t, c.admitted.pod, "the admission does not depend on the pod's identity")
	for i := 1; i < 4; i++ {
		got := admitBoth(t, s, c, rs, i)
		assert.Same(t, &first.Spec.InitContainers[1], &got.Spec.InitContainers[1], "pod %d shares the first's sidecar", i)
		assert.Equal(t, fmt.Sprintf("web-5d9f-%05d", i), got.Name)
	}

	// Another template (a new version of the ReplicaSet): admitted
	// afresh.
	next := memoReplicaSet()
	next.Spec.Template.Labels["app"] = "web2"
	got := admitBoth(t, s, c, next, 4)
	assert.NotSame(t, &first.Spec.InitContainers[1], &got.Spec.InitContainers[1])
	assert.Equal(t, "web2", got.Labels["app"])

	// The namespace relabelled: the next pod is not injected.
	cs, err := s.Client("c1")
	require.NoError(t, err)
	ns, err := cs.CoreV1().Namespaces().Get(t.Context(), "demo", metav1.GetOptions{})
	require.NoError(t, err)
	ns.Labels["istio-injection"] = "disabled"
	_, err = cs.CoreV1().Namespaces().Update(t.Context(), ns, metav1.UpdateOptions{})
	require.NoError(t, err)
	got = admitBoth(t, s, c, next, 5)
	assert.False(t, model.IsInjected(got), "not injected")
}

// TestAnAdmissionThatNamesThePodIsNotHandedOut: a template with an
// istio-proxy container of its own is left alone by the asm profile's
// injector, whose reason names the pod: each pod is admitted afresh and
// carries its own name.
func TestAnAdmissionThatNamesThePodIsNotHandedOut(t *testing.T) {
	t.Parallel()
	s, c := memoCluster(t)
	rs := memoReplicaSet(corev1.Container{Name: model.ProxyContainerName, Image: "proxyv2"})
	admitBoth(t, s, c, rs, 0)
	require.NotNil(t, c.admitted)
	assert.Nil(t, c.admitted.pod, "the admission depends on the pod's name")
	for i := 1; i < 3; i++ {
		got := admitBoth(t, s, c, rs, i)
		assert.Contains(t, got.Annotations[model.AnnotationInjectionReason], got.Name)
	}
}
