package sim

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podSharer lets the pods of one controller share what they have in
// common. A ReplicaSet's pods differ in their names, UIDs and service
// account token volume; their labels, annotations, containers (injected
// sidecars included) and most volumes are equal. Stored objects are
// never modified in place (an update stores a new object, and readers get
// deep copies), so equal parts may be one value in memory: a pod about to
// be stored takes, from the last pod stored for the same controller, each
// part that is equal to its own. It holds one pod per controller it has
// seen.
type podSharer struct {
	last map[types.UID]*corev1.Pod
}

// share replaces parts of pod, which is about to be stored, by equal
// parts of the previous pod of its controller, and remembers pod for the
// next one. Nothing that could be seen changes: only parts that are
// reflect.DeepEqual are replaced (compared without reflection where
// sim/equal.go can).
func (s *podSharer) share(pod *corev1.Pod) {
	if prev := s.remember(pod); prev != nil {
		shareIf(&pod.Labels, &prev.Labels, stringMapEqual)
		shareIf(&pod.Annotations, &prev.Annotations, stringMapEqual)
		shareIf(&pod.OwnerReferences, &prev.OwnerReferences, ownerReferencesEqual)
		shareContainers(pod.Spec.InitContainers, prev.Spec.InitContainers)
		shareContainers(pod.Spec.Containers, prev.Spec.Containers)
		if len(pod.Spec.Volumes) == len(prev.Spec.Volumes) && !sameArray(pod.Spec.Volumes, prev.Spec.Volumes) {
			for i := range pod.Spec.Volumes {
				if volumeSourceEqual(&pod.Spec.Volumes[i].VolumeSource, &prev.Spec.Volumes[i].VolumeSource) {
					pod.Spec.Volumes[i].VolumeSource = prev.Spec.Volumes[i].VolumeSource
				}
			}
		}
		shareIf(&pod.Spec.Tolerations, &prev.Spec.Tolerations, tolerationsEqual)
		shareValue(&pod.Spec.Affinity, &prev.Spec.Affinity)
		shareValue(&pod.Spec.SecurityContext, &prev.Spec.SecurityContext)
		shareValue(&pod.Spec.NodeSelector, &prev.Spec.NodeSelector)
	}
}

// remember makes pod, about to be stored, the one its controller's next
// pod is compared with, and returns the one before it (nil for a pod
// without a controller, or its controller's first). Alone, it shares
// nothing: for a pod whose parts are already another stored pod's
// (admissionMemo), which share would write into when they equal the
// previous pod's in another memory.
func (s *podSharer) remember(pod *corev1.Pod) (prev *corev1.Pod) {
	owner := metav1.GetControllerOfNoCopy(pod)
	if owner == nil {
		return nil
	}
	if s.last == nil {
		s.last = map[types.UID]*corev1.Pod{}
	}
	prev = s.last[owner.UID]
	s.last[owner.UID] = pod
	return prev
}

// shareContainers shares each container's parts with the container of
// the same name at the same index in prev; the volume mounts name the
// pod's own token volume, so they are compared on their own.
func shareContainers(ctrs, prev []corev1.Container) {
	if len(ctrs) != len(prev) || sameArray(ctrs, prev) {
		// Already one (an admission handed out again, admissionMemo):
		// prev is stored and must not be written to.
		return
	}
	for i := range ctrs {
		c, p := &ctrs[i], &prev[i]
		if c.Name != p.Name {
			continue
		}
		mounts := c.VolumeMounts
		shareIf(&mounts, &p.VolumeMounts, volumeMountsEqual)
		// Compared with the mounts set aside: c is not stored yet, so
		// it may be changed here.
		c.VolumeMounts = p.VolumeMounts
		equal := containerEqual(c, p)
		if equal {
			*c = *p
		}
		c.VolumeMounts = mounts
		if equal {
			continue
		}
		shareValue(&c.Env, &p.Env)
		shareValue(&c.Resources, &p.Resources)
		shareValue(&c.Args, &p.Args)
		shareValue(&c.Ports, &p.Ports)
		shareValue(&c.ReadinessProbe, &p.ReadinessProbe)
		shareValue(&c.StartupProbe, &p.StartupProbe)
		shareValue(&c.LivenessProbe, &p.LivenessProbe)
		shareValue(&c.SecurityContext, &p.SecurityContext)
		shareValue(&c.Lifecycle, &p.Lifecycle)
		c.VolumeMounts = mounts
	}
}

// sameArray reports whether a and b are one slice in memory.
func sameArray[T any](a, b []T) bool {
	return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0]
}

// shareIf sets *dst to *prev when eq calls them equal.
func shareIf[T any](dst, prev *T, eq func(a, b T) bool) {
	if eq(*dst, *prev) {
		*dst = *prev
	}
}

func volumeMountsEqual(a, b []corev1.VolumeMount) bool {
	return sliceEqualFunc(a, b, volumeMountEqual)
}

// shareValue sets *dst to *prev when they are deeply equal. Both are
// pointers so that comparing them copies nothing.
func shareValue[T any](dst, prev *T) {
	if reflect.DeepEqual(dst, prev) {
		*dst = *prev
	}
}

// statusSharer lets the pods of one controller share the parts of their
// statuses that are equal. A Deployment's replicas scheduled at one
// instant go through the same lifecycle at the same instants: their
// conditions, container statuses and start time are equal; only their
// IPs differ. As for podSharer, stored objects are never modified in
// place, so equal parts may be one value. It holds one status per
// controller it has seen.
type statusSharer struct {
	last map[types.UID]*corev1.PodStatus
}

// share replaces parts of pod's status, which is about to be stored, by
// equal parts of the status last stored for a pod of its controller, and
// remembers pod's status for the next one. Only parts that compare
// equal (podStatusEqual's comparisons, exact for what the lifecycle
// sets) are replaced.
func (s *statusSharer) share(pod *corev1.Pod) {
	owner := metav1.GetControllerOfNoCopy(pod)
	if owner == nil {
		return
	}
	if s.last == nil {
		s.last = map[types.UID]*corev1.PodStatus{}
	}
	st := &pod.Status
	if prev := s.last[owner.UID]; prev != nil {
		if len(st.Conditions) > 0 && podConditionsEqual(st.Conditions, prev.Conditions) {
			st.Conditions = prev.Conditions
		}
		if len(st.InitContainerStatuses) > 0 && containerStatusesEqual(st.InitContainerStatuses, prev.InitContainerStatuses) {
			st.InitContainerStatuses = prev.InitContainerStatuses
		}
		if len(st.ContainerStatuses) > 0 && containerStatusesEqual(st.ContainerStatuses, prev.ContainerStatuses) {
			st.ContainerStatuses = prev.ContainerStatuses
		}
		if st.StartTime != nil && timePtrEqual(st.StartTime, prev.StartTime) {
			st.StartTime = prev.StartTime
		}
	}
	s.last[owner.UID] = st
}
