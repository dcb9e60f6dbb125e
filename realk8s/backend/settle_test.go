package backend

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodSettledRunningPodWithFinishedContainers(t *testing.T) {
	t.Parallel()
	running := func(policy corev1.RestartPolicy, statuses ...corev1.ContainerStatus) *corev1.Pod {
		return &corev1.Pod{
			Spec: corev1.PodSpec{RestartPolicy: policy},
			Status: corev1.PodStatus{
				Phase:             corev1.PodRunning,
				Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}},
				ContainerStatuses: statuses,
			},
		}
	}
	exited := func(code int32) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: "main", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}}
	}
	proxy := corev1.ContainerStatus{Name: "istio-proxy", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	starting := corev1.ContainerStatus{Name: "istio-proxy", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	cases := []struct {
		name string
		pod  *corev1.Pod
		want bool
	}{
		{"a Job's main container exited, the traditional sidecar runs on", running(corev1.RestartPolicyNever, exited(0), proxy), true},
		{"OnFailure after a clean exit", running(corev1.RestartPolicyOnFailure, exited(0), proxy), true},
		{"OnFailure after a failure: the kubelet restarts it", running(corev1.RestartPolicyOnFailure, exited(1), proxy), false},
		{"Always: the kubelet restarts it", running(corev1.RestartPolicyAlways, exited(0), proxy), false},
		{"a container still starting", running(corev1.RestartPolicyNever, exited(0), starting), false},
		{"no container status yet", running(corev1.RestartPolicyNever), false},
		{"a Job's main container exited under a native sidecar: the kubelet stops the sidecar, the pod completes", running(corev1.RestartPolicyNever, exited(0)), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, podSettled(tc.pod))
		})
	}
}

func TestContainersMayEnd(t *testing.T) {
	t.Parallel()
	pod := func(policy corev1.RestartPolicy, phase corev1.PodPhase, statuses ...corev1.ContainerStatus) *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: policy}, Status: corev1.PodStatus{Phase: phase, ContainerStatuses: statuses}}
	}
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	exited := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}
	main := corev1.ContainerStatus{Name: "pi", State: running}
	proxy := corev1.ContainerStatus{Name: "istio-proxy", State: running}
	assert.True(t, containersMayEnd(pod(corev1.RestartPolicyNever, corev1.PodRunning, main, proxy)), "a Job's main container runs")
	assert.True(t, containersMayEnd(pod(corev1.RestartPolicyOnFailure, corev1.PodRunning, main)))
	assert.False(t, containersMayEnd(pod(corev1.RestartPolicyNever, corev1.PodRunning, corev1.ContainerStatus{Name: "pi", State: exited}, proxy)),
		"only a traditional istio-proxy runs on: it ends when stopped")
	assert.False(t, containersMayEnd(pod(corev1.RestartPolicyAlways, corev1.PodRunning, main)), "restarted: a server")
	assert.False(t, containersMayEnd(pod(corev1.RestartPolicyNever, corev1.PodSucceeded, corev1.ContainerStatus{Name: "pi", State: exited})))
}

func TestReplicaSetSettledWhileItsCreationsAreRefused(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	one := int32(1)
	rs := func(cond ...appsv1.ReplicaSetCondition) *appsv1.ReplicaSet {
		return &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Generation: 1},
			Spec:       appsv1.ReplicaSetSpec{Replicas: &one},
			Status:     appsv1.ReplicaSetStatus{ObservedGeneration: 1, Conditions: cond},
		}
	}
	failed := func(age time.Duration, message string) appsv1.ReplicaSetCondition {
		return appsv1.ReplicaSetCondition{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate",
			Message: message, LastTransitionTime: metav1.NewTime(now.Add(-age))}
	}
	invalid := `Pod "sleep-6d4f" is invalid: spec.initContainers[0].restartPolicy: Unsupported value: "Always"`
	noSA := `pods "sleep-6d4f" is forbidden: error looking up service account default/default: serviceaccount "default" not found`
	pod := &corev1.Pod{}
	cases := []struct {
		name string
		rs   *appsv1.ReplicaSet
		pods []*corev1.Pod
		want bool
	}{
		{"has its pod", func() *appsv1.ReplicaSet { r := rs(); r.Status.Replicas = 1; return r }(), []*corev1.Pod{pod}, true},
		{"short of its pod, nothing refused: the controller is making it", rs(), nil, false},
		{"each creation refused for 6 s", rs(failed(6*time.Second, invalid)), nil, true},
		{"refused just now: may be passing", rs(failed(time.Second, invalid)), nil, false},
		{"refused for want of the default ServiceAccount, which comes", rs(failed(time.Minute, noSA)), nil, false},
		{"a change not yet observed", func() *appsv1.ReplicaSet { r := rs(failed(time.Minute, invalid)); r.Generation = 2; return r }(), nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, replicaSetSettled(tc.rs, tc.pods, now))
		})
	}

	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Generation: 1}, Spec: appsv1.DeploymentSpec{Replicas: &one},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 1}}
	assert.False(t, deploymentSettled(dep), "short of its pod")
	dep.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate"}}
	assert.True(t, deploymentSettled(dep), "short of its pod because its ReplicaSet's creations are refused")
}
