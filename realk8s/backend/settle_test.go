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
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, podSettled(tc.pod))
		})
	}
}
