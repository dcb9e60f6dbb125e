package sim

import (
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podStatusEqual is apiequality.Semantic.DeepEqual for pod statuses,
// written out for the fields the lifecycle sets: the kubelet compares
// statuses at every step of every starting pod, and reflection there
// costs more than the rest of the step. Fields the lifecycle never sets
// fall back to the reflective comparison when present.
func podStatusEqual(a, b *corev1.PodStatus) bool {
	if a.Phase != b.Phase || a.Message != b.Message || a.Reason != b.Reason ||
		a.HostIP != b.HostIP || a.PodIP != b.PodIP || a.QOSClass != b.QOSClass ||
		a.NominatedNodeName != b.NominatedNodeName || a.ObservedGeneration != b.ObservedGeneration ||
		a.Resize != b.Resize || !timePtrEqual(a.StartTime, b.StartTime) ||
		len(a.HostIPs) != len(b.HostIPs) || len(a.PodIPs) != len(b.PodIPs) {
		return false
	}
	for i := range a.HostIPs {
		if a.HostIPs[i] != b.HostIPs[i] {
			return false
		}
	}
	for i := range a.PodIPs {
		if a.PodIPs[i] != b.PodIPs[i] {
			return false
		}
	}
	if !podConditionsEqual(a.Conditions, b.Conditions) ||
		!containerStatusesEqual(a.InitContainerStatuses, b.InitContainerStatuses) ||
		!containerStatusesEqual(a.ContainerStatuses, b.ContainerStatuses) {
		return false
	}
	if rarePodStatusFields(a) || rarePodStatusFields(b) {
		return apiequality.Semantic.DeepEqual(a, b)
	}
	return true
}

func rarePodStatusFields(s *corev1.PodStatus) bool {
	return len(s.EphemeralContainerStatuses) > 0 || len(s.ResourceClaimStatuses) > 0 ||
		s.ExtendedResourceClaimStatus != nil || len(s.AllocatedResources) > 0 || s.Resources != nil ||
		len(s.NodeAllocatableResourceClaimStatuses) > 0 || len(s.VolumeHealth) > 0
}

func timePtrEqual(a, b *metav1.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b)
}

func podConditionsEqual(a, b []corev1.PodCondition) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.Type != y.Type || x.Status != y.Status || x.Reason != y.Reason || x.Message != y.Message ||
			x.ObservedGeneration != y.ObservedGeneration ||
			!x.LastProbeTime.Equal(&y.LastProbeTime) || !x.LastTransitionTime.Equal(&y.LastTransitionTime) {
			return false
		}
	}
	return true
}

func containerStatusesEqual(a, b []corev1.ContainerStatus) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.Name != y.Name || x.Ready != y.Ready || x.RestartCount != y.RestartCount || x.Image != y.Image ||
			x.ImageID != y.ImageID || x.ContainerID != y.ContainerID || !boolPtrEqual(x.Started, y.Started) ||
			!containerStateEqual(&x.State, &y.State) || !containerStateEqual(&x.LastTerminationState, &y.LastTerminationState) {
			return false
		}
		if rareContainerStatusFields(x) || rareContainerStatusFields(y) {
			if !apiequality.Semantic.DeepEqual(x, y) {
				return false
			}
		}
	}
	return true
}

func rareContainerStatusFields(s *corev1.ContainerStatus) bool {
	return len(s.AllocatedResources) > 0 || s.Resources != nil || len(s.VolumeMounts) > 0 || s.User != nil ||
		len(s.AllocatedResourcesStatus) > 0 || s.StopSignal != nil
}

func boolPtrEqual(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func containerStateEqual(a, b *corev1.ContainerState) bool {
	switch {
	case (a.Waiting == nil) != (b.Waiting == nil), (a.Running == nil) != (b.Running == nil), (a.Terminated == nil) != (b.Terminated == nil):
		return false
	}
	if a.Waiting != nil && *a.Waiting != *b.Waiting {
		return false
	}
	if a.Running != nil && !a.Running.StartedAt.Equal(&b.Running.StartedAt) {
		return false
	}
	if t, u := a.Terminated, b.Terminated; t != nil {
		if t.ExitCode != u.ExitCode || t.Signal != u.Signal || t.Reason != u.Reason || t.Message != u.Message ||
			t.ContainerID != u.ContainerID || !t.StartedAt.Equal(&u.StartedAt) || !t.FinishedAt.Equal(&u.FinishedAt) {
			return false
		}
	}
	return true
}
