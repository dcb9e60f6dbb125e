package sim

import (
	"maps"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Equality of the pod parts podSharer compares, without reflection for
// the fields that templated and injected pods set (strings, ports,
// environment, mounts, probes, the usual volume sources); the others go
// through reflect.DeepEqual. Each function reports a and b equal only
// when reflect.DeepEqual would (nil and empty differ, as there): sharing
// what these call equal changes nothing a reader sees. They may call
// unequal what DeepEqual calls equal (pointer-valued fields of comparable
// structs are compared as pointers), which only leaves a part unshared.

// containerEqual is reflect.DeepEqual(a, b) for containers.
func containerEqual(a, b *corev1.Container) bool {
	if a == b {
		return true
	}
	return a.Name == b.Name && a.Image == b.Image && a.WorkingDir == b.WorkingDir &&
		a.TerminationMessagePath == b.TerminationMessagePath &&
		a.TerminationMessagePolicy == b.TerminationMessagePolicy &&
		a.ImagePullPolicy == b.ImagePullPolicy &&
		a.Stdin == b.Stdin && a.StdinOnce == b.StdinOnce && a.TTY == b.TTY &&
		sliceEqual(a.Command, b.Command) && sliceEqual(a.Args, b.Args) &&
		sliceEqual(a.Ports, b.Ports) &&
		sliceEqualFunc(a.Env, b.Env, envVarEqual) &&
		sliceEqualFunc(a.VolumeMounts, b.VolumeMounts, volumeMountEqual) &&
		valueEqual(a.RestartPolicy, b.RestartPolicy) &&
		probeEqual(a.LivenessProbe, b.LivenessProbe) &&
		probeEqual(a.ReadinessProbe, b.ReadinessProbe) &&
		probeEqual(a.StartupProbe, b.StartupProbe) &&
		resourcesEqual(&a.Resources, &b.Resources) &&
		deepSliceEqual(a.EnvFrom, b.EnvFrom) &&
		deepSliceEqual(a.ResizePolicy, b.ResizePolicy) &&
		deepSliceEqual(a.RestartPolicyRules, b.RestartPolicyRules) &&
		deepSliceEqual(a.VolumeDevices, b.VolumeDevices) &&
		deepPtrEqual(a.Lifecycle, b.Lifecycle) &&
		securityContextEqual(a.SecurityContext, b.SecurityContext)
}

func securityContextEqual(a, b *corev1.SecurityContext) bool {
	if a == nil || b == nil || a == b {
		return a == b
	}
	return capabilitiesEqual(a.Capabilities, b.Capabilities) &&
		valueEqual(a.Privileged, b.Privileged) && valueEqual(a.SELinuxOptions, b.SELinuxOptions) &&
		deepPtrEqual(a.WindowsOptions, b.WindowsOptions) &&
		valueEqual(a.RunAsUser, b.RunAsUser) && valueEqual(a.RunAsGroup, b.RunAsGroup) &&
		valueEqual(a.RunAsNonRoot, b.RunAsNonRoot) &&
		valueEqual(a.ReadOnlyRootFilesystem, b.ReadOnlyRootFilesystem) &&
		valueEqual(a.AllowPrivilegeEscalation, b.AllowPrivilegeEscalation) &&
		valueEqual(a.ProcMount, b.ProcMount) &&
		deepPtrEqual(a.SeccompProfile, b.SeccompProfile) &&
		deepPtrEqual(a.AppArmorProfile, b.AppArmorProfile)
}

func capabilitiesEqual(a, b *corev1.Capabilities) bool {
	if a == nil || b == nil || a == b {
		return a == b
	}
	return sliceEqual(a.Add, b.Add) && sliceEqual(a.Drop, b.Drop)
}

func ownerReferencesEqual(a, b []metav1.OwnerReference) bool {
	return sliceEqualFunc(a, b, func(x, y *metav1.OwnerReference) bool {
		return x.APIVersion == y.APIVersion && x.Kind == y.Kind && x.Name == y.Name && x.UID == y.UID &&
			valueEqual(x.Controller, y.Controller) && valueEqual(x.BlockOwnerDeletion, y.BlockOwnerDeletion)
	})
}

func envVarEqual(a, b *corev1.EnvVar) bool {
	if a.Name != b.Name || a.Value != b.Value {
		return false
	}
	x, y := a.ValueFrom, b.ValueFrom
	if x == nil || y == nil || x == y {
		return x == y
	}
	if x.FieldRef != nil && y.FieldRef != nil && onlyFieldRef(x) && onlyFieldRef(y) {
		return *x.FieldRef == *y.FieldRef
	}
	return reflect.DeepEqual(x, y)
}

func onlyFieldRef(s *corev1.EnvVarSource) bool {
	return s.ResourceFieldRef == nil && s.ConfigMapKeyRef == nil && s.SecretKeyRef == nil && s.FileKeyRef == nil
}

func volumeMountEqual(a, b *corev1.VolumeMount) bool {
	return a.Name == b.Name && a.ReadOnly == b.ReadOnly && a.MountPath == b.MountPath &&
		a.SubPath == b.SubPath && a.SubPathExpr == b.SubPathExpr &&
		valueEqual(a.RecursiveReadOnly, b.RecursiveReadOnly) &&
		valueEqual(a.MountPropagation, b.MountPropagation) &&
		sliceEqual(a.BindMountOptions, b.BindMountOptions)
}

func probeEqual(a, b *corev1.Probe) bool {
	if a == nil || b == nil || a == b {
		return a == b
	}
	if a.InitialDelaySeconds != b.InitialDelaySeconds || a.TimeoutSeconds != b.TimeoutSeconds ||
		a.PeriodSeconds != b.PeriodSeconds || a.SuccessThreshold != b.SuccessThreshold ||
		a.FailureThreshold != b.FailureThreshold ||
		!valueEqual(a.TerminationGracePeriodSeconds, b.TerminationGracePeriodSeconds) {
		return false
	}
	return deepPtrEqual(a.Exec, b.Exec) && httpGetEqual(a.HTTPGet, b.HTTPGet) &&
		deepPtrEqual(a.TCPSocket, b.TCPSocket) && deepPtrEqual(a.GRPC, b.GRPC)
}

func httpGetEqual(a, b *corev1.HTTPGetAction) bool {
	if a == nil || b == nil || a == b {
		return a == b
	}
	return a.Path == b.Path && a.Port == b.Port && a.Host == b.Host && a.Scheme == b.Scheme &&
		sliceEqual(a.HTTPHeaders, b.HTTPHeaders) && valueEqual(a.Protocol, b.Protocol)
}

// resourcesEqual compares the quantities with reflect.DeepEqual: a
// Quantity's cached text is part of what DeepEqual compares, and two
// amounts that Cmp calls equal may print differently.
func resourcesEqual(a, b *corev1.ResourceRequirements) bool {
	return deepMapEqual(a.Limits, b.Limits) && deepMapEqual(a.Requests, b.Requests) &&
		deepSliceEqual(a.Claims, b.Claims)
}

// volumeSourceEqual is reflect.DeepEqual(a, b) for volume sources. A
// VolumeSource is a struct of pointers, one of them set: with the kinds
// compared here set aside, the rest must be the same pointers, else the
// whole is compared by reflection.
func volumeSourceEqual(a, b *corev1.VolumeSource) bool {
	if a == b {
		return true
	}
	x, y := *a, *b
	x.EmptyDir, y.EmptyDir = nil, nil
	x.ConfigMap, y.ConfigMap = nil, nil
	x.Projected, y.Projected = nil, nil
	x.DownwardAPI, y.DownwardAPI = nil, nil
	if x != y {
		return reflect.DeepEqual(a, b)
	}
	return emptyDirEqual(a.EmptyDir, b.EmptyDir) && configMapVolumeEqual(a.ConfigMap, b.ConfigMap) &&
		projectedEqual(a.Projected, b.Projected) && downwardAPIVolumeEqual(a.DownwardAPI, b.DownwardAPI)
}

func projectedEqual(a, b *corev1.ProjectedVolumeSource) bool {
	if a == nil || b == nil || a == b {
		return a == b
	}
	return sliceEqualFunc(a.Sources, b.Sources, volumeProjectionEqual) &&
		valueEqual(a.DefaultMode, b.DefaultMode) && valueEqual(a.DefaultUser, b.DefaultUser)
}

// volumeProjectionEqual sets aside the kinds it compares, as
// volumeSourceEqual does.
func volumeProjectionEqual(a, b *corev1.VolumeProjection) bool {
	x, y := *a, *b
	x.DownwardAPI, y.DownwardAPI = nil, nil
	x.ConfigMap, y.ConfigMap = nil, nil
	x.ServiceAccountToken, y.ServiceAccountToken = nil, nil
	if x != y {
		return reflect.DeepEqual(a, b)
	}
	if (a.DownwardAPI == nil) != (b.DownwardAPI == nil) ||
		(a.DownwardAPI != nil && !sliceEqualFunc(a.DownwardAPI.Items, b.DownwardAPI.Items, downwardAPIFileEqual)) {
		return false
	}
	if (a.ConfigMap == nil) != (b.ConfigMap == nil) ||
		(a.ConfigMap != nil && !(a.ConfigMap.LocalObjectReference == b.ConfigMap.LocalObjectReference &&
			sliceEqualFunc(a.ConfigMap.Items, b.ConfigMap.Items, keyToPathEqual) &&
			valueEqual(a.ConfigMap.Optional, b.ConfigMap.Optional))) {
		return false
	}
	s, t := a.ServiceAccountToken, b.ServiceAccountToken
	if s == nil || t == nil {
		return s == t
	}
	return s.Audience == t.Audience && s.Path == t.Path &&
		valueEqual(s.ExpirationSeconds, t.ExpirationSeconds) && valueEqual(s.User, t.User)
}

func downwardAPIVolumeEqual(a, b *corev1.DownwardAPIVolumeSource) bool {
	if a == nil || b == nil || a == b {
		return a == b
	}
	return sliceEqualFunc(a.Items, b.Items, downwardAPIFileEqual) &&
		valueEqual(a.DefaultMode, b.DefaultMode) && valueEqual(a.DefaultUser, b.DefaultUser)
}

func downwardAPIFileEqual(a, b *corev1.DownwardAPIVolumeFile) bool {
	return a.Path == b.Path && valueEqual(a.FieldRef, b.FieldRef) &&
		deepPtrEqual(a.ResourceFieldRef, b.ResourceFieldRef) &&
		valueEqual(a.Mode, b.Mode) && valueEqual(a.User, b.User)
}

func tolerationsEqual(a, b []corev1.Toleration) bool {
	return sliceEqualFunc(a, b, func(x, y *corev1.Toleration) bool {
		return x.Key == y.Key && x.Operator == y.Operator && x.Value == y.Value && x.Effect == y.Effect &&
			valueEqual(x.TolerationSeconds, y.TolerationSeconds)
	})
}

func emptyDirEqual(a, b *corev1.EmptyDirVolumeSource) bool {
	if a == nil || b == nil || a == b {
		return a == b
	}
	return a.Medium == b.Medium && deepPtrEqual(a.SizeLimit, b.SizeLimit) && valueEqual(a.Mode, b.Mode)
}

func configMapVolumeEqual(a, b *corev1.ConfigMapVolumeSource) bool {
	if a == nil || b == nil || a == b {
		return a == b
	}
	return a.LocalObjectReference == b.LocalObjectReference &&
		sliceEqualFunc(a.Items, b.Items, keyToPathEqual) &&
		valueEqual(a.DefaultMode, b.DefaultMode) && valueEqual(a.Optional, b.Optional) &&
		valueEqual(a.DefaultUser, b.DefaultUser)
}

func keyToPathEqual(a, b *corev1.KeyToPath) bool {
	return a.Key == b.Key && a.Path == b.Path && valueEqual(a.Mode, b.Mode) && valueEqual(a.User, b.User)
}

// stringMapEqual is reflect.DeepEqual for labels and annotations.
func stringMapEqual(a, b map[string]string) bool {
	return (a == nil) == (b == nil) && maps.Equal(a, b)
}

// sliceEqual is reflect.DeepEqual for slices of comparable values that
// hold no pointers.
func sliceEqual[T comparable](a, b []T) bool {
	return (a == nil) == (b == nil) && slices.Equal(a, b)
}

func sliceEqualFunc[T any](a, b []T, eq func(x, y *T) bool) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if !eq(&a[i], &b[i]) {
			return false
		}
	}
	return true
}

// valueEqual is reflect.DeepEqual for pointers to values that hold no
// pointers.
func valueEqual[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func deepPtrEqual[T any](a, b *T) bool {
	if a == nil || b == nil || a == b {
		return a == b
	}
	return reflect.DeepEqual(a, b)
}

func deepSliceEqual[T any](a, b []T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.DeepEqual(a, b)
}

func deepMapEqual[K comparable, V any](a, b map[K]V) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.DeepEqual(a, b)
}

// podEqual is reflect.DeepEqual(a, b) for pods: the parts a templated,
// injected pod sets through the comparisons above, the rest through
// reflect.DeepEqual.
func podEqual(a, b *corev1.Pod) bool {
	if a == b {
		return true
	}
	if a.TypeMeta != b.TypeMeta || !stringMapEqual(a.Labels, b.Labels) || !stringMapEqual(a.Annotations, b.Annotations) ||
		!ownerReferencesEqual(a.OwnerReferences, b.OwnerReferences) ||
		!sliceEqualFunc(a.Spec.InitContainers, b.Spec.InitContainers, containerEqual) ||
		!sliceEqualFunc(a.Spec.Containers, b.Spec.Containers, containerEqual) ||
		!sliceEqualFunc(a.Spec.Volumes, b.Spec.Volumes, volumeEqual) ||
		!tolerationsEqual(a.Spec.Tolerations, b.Spec.Tolerations) {
		return false
	}
	x, y := *a, *b
	for _, p := range []*corev1.Pod{&x, &y} {
		p.Labels, p.Annotations, p.OwnerReferences = nil, nil, nil
		p.Spec.InitContainers, p.Spec.Containers, p.Spec.Volumes, p.Spec.Tolerations = nil, nil, nil, nil
	}
	return reflect.DeepEqual(&x, &y)
}

func volumeEqual(a, b *corev1.Volume) bool {
	return a.Name == b.Name && volumeSourceEqual(&a.VolumeSource, &b.VolumeSource)
}
