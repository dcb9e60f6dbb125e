package model

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// SidecarMode is where istio-proxy lives in the pod (B29).
type SidecarMode string

const (
	// ModeNative puts istio-proxy in initContainers with restartPolicy Always.
	ModeNative SidecarMode = "native"
	// ModeTraditional puts istio-proxy in containers.
	ModeTraditional SidecarMode = "traditional"
)

// Mode rule ids, as ModeDecision.Rule reports them.
const (
	ModeRulePodAnnotation    = "pod-annotation"
	ModeRuleMeshConfig       = "meshconfig-enableNativeSidecar"
	ModeRuleASMDefault       = "asm-default"
	ModeRuleIstioDefault     = "istio-default"
	ModeRuleKubernetesTooOld = "kubernetes-too-old"
	ModeRuleFeatureGateOff   = "feature-gate-off"
)

// FeatureGateSidecarContainers is the Kubernetes feature gate behind native
// sidecars.
const FeatureGateSidecarContainers = "SidecarContainers"

// ModeDecision says which sidecar mode a pod gets, and why.
type ModeDecision struct {
	Mode   SidecarMode
	Rule   string
	Reason string
}

// NativeSidecarSupport reports whether the cluster can run native sidecars:
// never below Kubernetes 1.28; on 1.28 only with the SidecarContainers gate
// set to true; on 1.29–1.32 unless the gate is set to false; always from
// 1.33 (GA). When not supported it returns the rule id and a phrase saying
// why.
func NativeSidecarSupport(c ClusterInfo) (ok bool, rule, why string) {
	v := c.KubeVersion
	gate, set := c.FeatureGates[FeatureGateSidecarContainers]
	switch {
	case !v.AtLeast(1, 28):
		return false, ModeRuleKubernetesTooOld, fmt.Sprintf("Kubernetes %s has no sidecar containers (they need 1.28 or later)", v)
	case v.AtLeast(1, 33):
		return true, "", ""
	case !v.AtLeast(1, 29):
		if set && gate {
			return true, "", ""
		}
		return false, ModeRuleFeatureGateOff, fmt.Sprintf("Kubernetes %s needs the %s feature gate turned on for sidecar containers (it is alpha and off by default there)", v, FeatureGateSidecarContainers)
	default:
		if set && !gate {
			return false, ModeRuleFeatureGateOff, fmt.Sprintf("the %s feature gate is turned off on Kubernetes %s", FeatureGateSidecarContainers, v)
		}
		return true, "", ""
	}
}

// DecideSidecarMode picks native or traditional for a pod about to be
// injected (B30): the pod annotation sidecar.istio.io/nativeSidecar, else
// the mesh config's enableNativeSidecar, else the profile's default; a
// cluster that cannot run native sidecars always gets traditional.
func DecideSidecarMode(pod *corev1.Pod, mesh MeshConfig, cluster ClusterInfo) ModeDecision {
	if mesh.Profile == ProfileIstio {
		return decideIstioSidecarMode(pod, mesh, cluster)
	}
	supported, rule, why := NativeSidecarSupport(cluster)
	fallback := func(asked string) ModeDecision {
		return ModeDecision{Mode: ModeTraditional, Rule: rule,
			Reason: fmt.Sprintf("%s asks for a native sidecar, but %s, so the sidecar is traditional", asked, why)}
	}
	var ann string
	if pod != nil {
		ann = pod.Annotations[AnnotationNativeSidecar]
	}
	switch ann {
	case "true":
		asked := fmt.Sprintf("the pod annotation %s=true", AnnotationNativeSidecar)
		if !supported {
			return fallback(asked)
		}
		return ModeDecision{Mode: ModeNative, Rule: ModeRulePodAnnotation, Reason: asked + " makes the sidecar native"}
	case "false":
		return ModeDecision{Mode: ModeTraditional, Rule: ModeRulePodAnnotation,
			Reason: fmt.Sprintf("the pod annotation %s=false makes the sidecar traditional", AnnotationNativeSidecar)}
	}
	if mesh.EnableNativeSidecar != nil {
		if !*mesh.EnableNativeSidecar {
			return ModeDecision{Mode: ModeTraditional, Rule: ModeRuleMeshConfig,
				Reason: "the mesh config sets enableNativeSidecar=false, so the sidecar is traditional"}
		}
		asked := "the mesh config's enableNativeSidecar=true"
		if !supported {
			return fallback(asked)
		}
		return ModeDecision{Mode: ModeNative, Rule: ModeRuleMeshConfig, Reason: asked + " makes the sidecar native"}
	}
	kube := cluster.KubeVersion
	v := mesh.Version
	if !v.AtLeast(MinNativeSidecarVersion()) || !kube.AtLeast(1, 30) {
		return ModeDecision{Mode: ModeTraditional, Rule: ModeRuleASMDefault,
			Reason: fmt.Sprintf("enableNativeSidecar is unset and ASM %s on Kubernetes %s does not default to native sidecars (that needs ASM 1.22 or later and Kubernetes 1.30 or later), so the sidecar is traditional", v, kube)}
	}
	if !supported {
		return fallback(fmt.Sprintf("ASM %s's default on Kubernetes %s", v, kube))
	}
	return ModeDecision{Mode: ModeNative, Rule: ModeRuleASMDefault,
		Reason: fmt.Sprintf("enableNativeSidecar is unset and ASM %s on Kubernetes %s defaults to native sidecars (ASM 1.22 or later and Kubernetes 1.30 or later)", v, kube)}
}

// decideIstioSidecarMode follows upstream Istio's injection template to the
// letter (B30): the pod annotation sidecar.istio.io/nativeSidecar, when set
// to anything but the empty string, makes the sidecar native unless it is
// exactly "false"; otherwise istiod's ENABLE_NATIVE_SIDECARS (the mesh's
// enableNativeSidecar here) forces it either way, with no check of the
// Kubernetes version; unset, Istio 1.27 and later go native where every
// node runs Kubernetes 1.33 or later.
func decideIstioSidecarMode(pod *corev1.Pod, mesh MeshConfig, cluster ClusterInfo) ModeDecision {
	var ann string
	if pod != nil {
		ann = pod.Annotations[AnnotationNativeSidecar]
	}
	if ann != "" {
		if ann == "false" {
			return ModeDecision{Mode: ModeTraditional, Rule: ModeRulePodAnnotation,
				Reason: fmt.Sprintf("the pod annotation %s=false makes the sidecar traditional", AnnotationNativeSidecar)}
		}
		return ModeDecision{Mode: ModeNative, Rule: ModeRulePodAnnotation,
			Reason: fmt.Sprintf("the pod annotation %s=%s is not \"false\", which Istio's template reads as native", AnnotationNativeSidecar, ann)}
	}
	return istioMeshSidecarMode(mesh, cluster)
}

// istioMeshSidecarMode is what istiod decides for a pod that does not
// annotate its mode: ENABLE_NATIVE_SIDECARS (enableNativeSidecar) forces it
// either way; unset, Istio 1.27 and later go native where every node runs
// Kubernetes 1.33 or later.
func istioMeshSidecarMode(mesh MeshConfig, cluster ClusterInfo) ModeDecision {
	if mesh.EnableNativeSidecar != nil {
		if !*mesh.EnableNativeSidecar {
			return ModeDecision{Mode: ModeTraditional, Rule: ModeRuleMeshConfig,
				Reason: "the mesh config sets enableNativeSidecar=false, so the sidecar is traditional"}
		}
		return ModeDecision{Mode: ModeNative, Rule: ModeRuleMeshConfig,
			Reason: "the mesh config's enableNativeSidecar=true makes the sidecar native (Istio does not check the Kubernetes version when it is forced)"}
	}
	kube := cluster.KubeVersion
	istio := mesh.Version
	if !istio.IsZero() && !istio.AtLeast(MinIstioNativeDefaultVersion()) {
		return ModeDecision{Mode: ModeTraditional, Rule: ModeRuleIstioDefault,
			Reason: fmt.Sprintf("enableNativeSidecar is unset and Istio %d.%d is older than 1.27, the first upstream release that turns native sidecars on by itself, so the sidecar is traditional", istio.Major, istio.Minor)}
	}
	if kube.AtLeast(1, 33) {
		return ModeDecision{Mode: ModeNative, Rule: ModeRuleIstioDefault,
			Reason: fmt.Sprintf("enableNativeSidecar is unset and Kubernetes %s is 1.33 or later, so upstream Istio makes the sidecar native", kube)}
	}
	return ModeDecision{Mode: ModeTraditional, Rule: ModeRuleIstioDefault,
		Reason: fmt.Sprintf("enableNativeSidecar is unset and Kubernetes %s is older than 1.33, so upstream Istio keeps the sidecar traditional", kube)}
}

// userProxyStaysInContainers reports whether upstream leaves a user's
// istio-proxy among the containers when the injected proxy is native:
// upstream moves it to the init containers only when istiod's own setting
// says native, or the annotation is exactly "true"; the template, though,
// reads any annotation but "false" as native.
func userProxyStaysInContainers(pod *corev1.Pod, mesh MeshConfig, cluster ClusterInfo) bool {
	ann := pod.Annotations[AnnotationNativeSidecar]
	if ann == "" || ann == "true" || ann == "false" {
		return false
	}
	return istioMeshSidecarMode(mesh, cluster).Mode != ModeNative
}

// PodSidecarMode reports the mode of an already-injected pod from what it
// has: istio-proxy in initContainers with restartPolicy Always is native,
// in containers traditional. ok is false when the pod has no istio-proxy.
func PodSidecarMode(pod *corev1.Pod) (mode SidecarMode, ok bool) {
	if pod == nil {
		return "", false
	}
	for _, c := range pod.Spec.InitContainers {
		if c.Name == ProxyContainerName && IsRestartableInit(c) {
			return ModeNative, true
		}
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == ProxyContainerName {
			return ModeTraditional, true
		}
	}
	return "", false
}

// IsRestartableInit reports whether an init container is restartable
// (restartPolicy: Always): a native sidecar, which keeps running beside the
// app containers.
func IsRestartableInit(c corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}
