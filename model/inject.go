package model

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// Injection rule ids, as InjectionDecision.Rule reports them.
const (
	RuleNamespaceInjectionEnabled      = "namespace-injection-enabled"
	RuleNamespaceInjectionDisabled     = "namespace-injection-disabled"
	RuleNamespaceInjectionUnrecognized = "namespace-injection-unrecognized"
	RuleNamespaceRevision              = "namespace-revision"
	RulePodOptInLabel                  = "pod-opt-in-label"
	RulePodOptOutLabel                 = "pod-opt-out-label"
	RulePodAnnotation                  = "pod-annotation"
	RulePodRevision                    = "pod-revision"
	RuleNoSelectorMatched              = "no-selector-matched"
	RuleHostNetwork                    = "host-network"
	RuleIgnoredNamespace               = "ignored-namespace"
	RuleECIVersionTooOld               = "eci-version-too-old"
	RuleManualInjection                = "manual-injection"
)

// InjectionRequest is what the sidecar injector sees when a pod is created.
type InjectionRequest struct {
	// Namespace is the pod's namespace; if empty, Pod.Namespace, then
	// "default".
	Namespace       string
	NamespaceLabels map[string]string
	// Pod as created (after the ECI webhook ran).
	Pod  *corev1.Pod
	Mesh MeshConfig
}

// InjectionDecision says whether the pod gets a sidecar, and why.
type InjectionDecision struct {
	Inject bool
	// Revision is the istiod revision that injects; "" is the default one.
	Revision string
	// Rule is a stable id of the rule that decided (Rule* constants).
	Rule string
	// Reason is one sentence for humans.
	Reason string
	// Warnings flags configuration that was ignored or conflicts.
	Warnings []string
}

// IgnoredNamespaces are the namespaces whose pods are never injected.
func IgnoredNamespaces() []string {
	return []string{"kube-node-lease", "kube-public", "kube-system", "local-path-storage"}
}

// IsIgnoredNamespace reports whether ns is one of IgnoredNamespaces.
func IsIgnoredNamespace(ns string) bool {
	for _, n := range IgnoredNamespaces() {
		if n == ns {
			return true
		}
	}
	return false
}

// podInjectSetting is the pod's own sidecar.istio.io/inject setting after
// the label has overridden the annotation.
type podInjectSetting struct {
	value  string // "true", "false" or "" (unset or ignored)
	source string // "label" or "annotation"
}

func readPodInjectSetting(pod *corev1.Pod, warn func(string)) podInjectSetting {
	lbl, hasLabel := pod.Labels[LabelSidecarInject]
	ann, hasAnn := pod.Annotations[LabelSidecarInject]
	valid := func(v string) bool { return v == "true" || v == "false" }
	if hasLabel && !valid(lbl) {
		warn(fmt.Sprintf("pod label %s=%q is ignored: only \"true\" or \"false\" count", LabelSidecarInject, lbl))
	}
	if hasAnn && !valid(ann) {
		warn(fmt.Sprintf("pod annotation %s=%q is ignored: only \"true\" or \"false\" count", LabelSidecarInject, ann))
	}
	switch {
	case hasLabel && valid(lbl):
		if hasAnn && valid(ann) && ann != lbl {
			warn(fmt.Sprintf("pod label %s=%s overrides its annotation %s=%s", LabelSidecarInject, lbl, LabelSidecarInject, ann))
		}
		return podInjectSetting{value: lbl, source: "label"}
	case hasAnn && valid(ann):
		return podInjectSetting{value: ann, source: "annotation"}
	}
	return podInjectSetting{}
}

// DecideInjection applies Istio's webhook selectors and injectRequired to
// a pod being created (B07–B09, B15, B17, B21). Every revision named by an
// istio.io/rev label is taken to exist. A zero Mesh.Version skips the ECI
// version check (B21).
func DecideInjection(req InjectionRequest) InjectionDecision {
	pod := req.Pod
	if pod == nil {
		pod = &corev1.Pod{}
	}
	ns := req.Namespace
	if ns == "" {
		ns = pod.Namespace
	}
	if ns == "" {
		ns = "default"
	}
	var warnings []string
	warn := func(s string) { warnings = append(warnings, s) }
	d := decideInjection(ns, req.NamespaceLabels, pod, warn)
	if d.Inject && pod.Spec.HostNetwork {
		d = InjectionDecision{Rule: RuleHostNetwork,
			Reason: fmt.Sprintf("the pod uses hostNetwork, so it is never injected even though %s", lowerFirst(d.Reason))}
	}
	if d.Inject && !req.Mesh.Version.IsZero() && !req.Mesh.Version.AtLeast(MinECIVersion()) {
		if eci, why := WantsECI(pod.Labels, req.NamespaceLabels); eci || pod.Spec.NodeSelector[NodeLabelType] == NodeTypeVirtualKubelet {
			if !eci {
				why = fmt.Sprintf("its nodeSelector has %s=%s", NodeLabelType, NodeTypeVirtualKubelet)
			}
			d = InjectionDecision{
				Rule: RuleECIVersionTooOld,
				Reason: fmt.Sprintf("the pod runs on an ECI virtual node (%s) and ASM %s is older than %s, the first version that meshes ECI pods, so it is not injected",
					why, req.Mesh.Version, MinECIVersion()),
			}
		}
	}
	if len(warnings) > 0 {
		sort.Strings(warnings)
		d.Warnings = warnings
	}
	return d
}

func decideInjection(ns string, nsLabels map[string]string, pod *corev1.Pod, warn func(string)) InjectionDecision {
	if IsIgnoredNamespace(ns) {
		return InjectionDecision{Rule: RuleIgnoredNamespace,
			Reason: fmt.Sprintf("namespace %q is a system namespace whose pods are never injected", ns)}
	}
	nsInjection, hasNSInjection := nsLabels[LabelInjection]
	nsRev, hasNSRev := nsLabels[LabelRevision]
	podRev, hasPodRev := pod.Labels[LabelRevision]
	setting := readPodInjectSetting(pod, warn)

	if hasNSInjection && hasNSRev {
		warn(fmt.Sprintf("namespace %q has both %s=%s and %s=%s; %s wins (IST0123)",
			ns, LabelInjection, nsInjection, LabelRevision, nsRev, LabelInjection))
	}

	// Which webhook of the istiod chart matches, if any.
	var (
		revision string
		rule     string
		reason   string
	)
	switch {
	case hasNSInjection && nsInjection == "disabled":
		return InjectionDecision{Rule: RuleNamespaceInjectionDisabled,
			Reason: fmt.Sprintf("namespace %q has %s=disabled, which excludes every pod in it whatever the pod says", ns, LabelInjection)}
	case hasNSInjection && nsInjection != "enabled":
		return InjectionDecision{Rule: RuleNamespaceInjectionUnrecognized,
			Reason: fmt.Sprintf("namespace %q has %s=%s, which no injector selects (only \"enabled\" turns injection on)", ns, LabelInjection, nsInjection)}
	case hasNSInjection:
		rule = RuleNamespaceInjectionEnabled
		reason = fmt.Sprintf("namespace %q has %s=enabled", ns, LabelInjection)
		if hasPodRev {
			warn(fmt.Sprintf("pod label %s=%s is ignored: namespace %q selects injection with %s=enabled", LabelRevision, podRev, ns, LabelInjection))
		}
	case hasNSRev:
		revision = nsRev
		rule = RuleNamespaceRevision
		reason = fmt.Sprintf("namespace %q has %s=%s, so revision %q injects its pods", ns, LabelRevision, nsRev, nsRev)
		if hasPodRev && podRev != nsRev {
			warn(fmt.Sprintf("pod label %s=%s is ignored: namespace %q has %s=%s", LabelRevision, podRev, ns, LabelRevision, nsRev))
		}
	default:
		// Neither namespace label: the pod must opt in.
		switch {
		case setting.value == "false":
			return InjectionDecision{Rule: optOutRule(setting),
				Reason: fmt.Sprintf("namespace %q has no injection label and the pod opts out with %s %s=false", ns, setting.source, LabelSidecarInject)}
		case hasPodRev:
			return InjectionDecision{Inject: true, Revision: podRev, Rule: RulePodRevision,
				Reason: fmt.Sprintf("namespace %q has no injection label and the pod has label %s=%s, so revision %q injects it", ns, LabelRevision, podRev, podRev)}
		case setting.value == "true" && setting.source == "label":
			return InjectionDecision{Inject: true, Rule: RulePodOptInLabel,
				Reason: fmt.Sprintf("namespace %q has no injection label and the pod opts in with label %s=true", ns, LabelSidecarInject)}
		case setting.value == "true":
			// Istio's object selector reads labels only: with no
			// namespace label, an annotation alone never reaches the
			// injector.
			return InjectionDecision{Rule: RuleNoSelectorMatched,
				Reason: fmt.Sprintf("namespace %q has no injection label and the pod opts in only with annotation %s=true, which the injector's selector does not read (use the label)", ns, LabelSidecarInject)}
		}
		return InjectionDecision{Rule: RuleNoSelectorMatched,
			Reason: fmt.Sprintf("namespace %q has no injection label and the pod does not opt in (injection is off by default)", ns)}
	}

	// A namespace selector matched: the pod can still opt out.
	if setting.value == "false" {
		return InjectionDecision{Rule: optOutRule(setting),
			Reason: fmt.Sprintf("the pod opts out with %s %s=false, although %s", setting.source, LabelSidecarInject, reason)}
	}
	return InjectionDecision{Inject: true, Revision: revision, Rule: rule, Reason: reason}
}

func optOutRule(s podInjectSetting) string {
	if s.source == "label" {
		return RulePodOptOutLabel
	}
	return RulePodAnnotation
}

// ManualInjectionDecision is the decision of istioctl kube-inject (B16):
// namespace labels play no part; the pod is injected unless it opts out,
// uses hostNetwork or lives in a system namespace.
func ManualInjectionDecision(pod *corev1.Pod) InjectionDecision {
	if pod == nil {
		pod = &corev1.Pod{}
	}
	var warnings []string
	warn := func(s string) { warnings = append(warnings, s) }
	setting := readPodInjectSetting(pod, warn)
	d := InjectionDecision{Inject: true, Revision: pod.Labels[LabelRevision], Rule: RuleManualInjection,
		Reason: "manual injection (istioctl kube-inject) injects every pod that does not opt out, whatever its namespace's labels"}
	switch {
	case IsIgnoredNamespace(pod.Namespace):
		d = InjectionDecision{Rule: RuleIgnoredNamespace,
			Reason: fmt.Sprintf("namespace %q is a system namespace whose pods are never injected", pod.Namespace)}
	case setting.value == "false":
		d = InjectionDecision{Rule: optOutRule(setting),
			Reason: fmt.Sprintf("the pod opts out with %s %s=false", setting.source, LabelSidecarInject)}
	case pod.Spec.HostNetwork:
		d = InjectionDecision{Rule: RuleHostNetwork, Reason: "the pod uses hostNetwork, so it is never injected"}
	}
	if len(warnings) > 0 {
		sort.Strings(warnings)
		d.Warnings = warnings
	}
	return d
}

// lowerFirst lowers the first letter of a sentence so it can follow a
// comma; names in quotes are left alone.
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}
