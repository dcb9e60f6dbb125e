package backend

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
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
