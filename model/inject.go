package model

import (
	"fmt"
	"sort"
	"strings"

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
	RuleUnknownRevision                = "unknown-revision"
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

// injectWant is what a sidecar.istio.io/inject value asks for, read as
// Istio's injectRequired reads it.
type injectWant int

const (
	wantDefault injectWant = iota // unset or empty: the namespace decides
	wantInject                    // y, yes, true or on, in any case
	wantSkip                      // any other value
)

// parseInjectValue reads a sidecar.istio.io/inject value like Istio's
// injectRequired before 1.27: lower-cased, "y", "yes", "true" and "on" ask
// for injection, "" leaves it to the default, anything else opts out.
func parseInjectValue(v string) injectWant {
	switch strings.ToLower(v) {
	case "y", "yes", "true", "on":
		return wantInject
	case "":
		return wantDefault
	}
	return wantSkip
}

// parseInjectValueExact reads the value like Istio's injectRequired from
// 1.27 on: only the exact strings "true" and "false" count; any other value
// (empty, "yes", "False", ...) falls back to the namespace's policy.
func parseInjectValueExact(v string) injectWant {
	switch v {
	case "true":
		return wantInject
	case "false":
		return wantSkip
	}
	return wantDefault
}

// ExactInjectValues reports whether the mesh reads sidecar.istio.io/inject
// as upstream Istio does from 1.27 on (only "true" and "false" count): the
// istio profile at 1.27 or later. The asm profile keeps the older reading.
func ExactInjectValues(mesh MeshConfig) bool {
	return mesh.Profile == ProfileIstio && (mesh.Version.IsZero() || mesh.Version.AtLeast(MinIstioExactInjectVersion()))
}

// podInjectSetting is the pod's own sidecar.istio.io/inject setting: the
// label if the pod has one, whatever its value, else the annotation.
type podInjectSetting struct {
	value  string // as written
	source string // "label", "annotation" or "" (neither)
	want   injectWant
	exact  bool // read as Istio 1.27 and later read it
}

// describe names the setting, e.g. label sidecar.istio.io/inject=no.
func (s podInjectSetting) describe() string {
	return s.source + " " + injectKV(s.value)
}

// optOut is the phrase for a setting that opts the pod out.
func (s podInjectSetting) optOut() string {
	if s.value == "false" || s.exact {
		return "the pod opts out with " + s.describe()
	}
	return fmt.Sprintf("the pod opts out with %s (%q is not one of y, yes, true, on, the values that ask for injection)", s.describe(), s.value)
}

// injectKV renders sidecar.istio.io/inject=v, quoting v when it is empty
// or not a plain word.
func injectKV(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\"'=") {
		return fmt.Sprintf("%s=%q", LabelSidecarInject, v)
	}
	return LabelSidecarInject + "=" + v
}

func readPodInjectSetting(pod *corev1.Pod, exact bool, warn func(string)) podInjectSetting {
	parse := parseInjectValue
	if exact {
		parse = parseInjectValueExact
	}
	lbl, hasLabel := pod.Labels[LabelSidecarInject]
	ann, hasAnn := pod.Annotations[LabelSidecarInject]
	switch {
	case hasLabel:
		if hasAnn && parse(ann) != parse(lbl) {
			warn(fmt.Sprintf("pod label %s overrides its annotation %s", injectKV(lbl), injectKV(ann)))
		}
		s := podInjectSetting{value: lbl, source: "label", want: parse(lbl), exact: exact}
		if exact && s.want == wantDefault && lbl != "" {
			warn(fmt.Sprintf("pod label %s is neither \"true\" nor \"false\", so Istio ignores it and the namespace decides", injectKV(lbl)))
		}
		return s
	case hasAnn:
		s := podInjectSetting{value: ann, source: "annotation", want: parse(ann), exact: exact}
		if exact && s.want == wantDefault && ann != "" {
			warn(fmt.Sprintf("pod annotation %s is neither \"true\" nor \"false\", so Istio ignores it and the namespace decides", injectKV(ann)))
		}
		return s
	}
	return podInjectSetting{}
}

// DecideInjection applies Istio's webhook selectors and injectRequired to
// a pod being created (B07–B09, B15, B17, B21). A revision named by an
// istio.io/rev label injects only where the mesh serves it
// (MeshConfig.ServesRevision); any other matches no webhook. A zero
// Mesh.Version skips the ECI version check (B21).
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
	d := decideInjection(ns, req.NamespaceLabels, pod, ExactInjectValues(req.Mesh), warn)
	if d.Inject && !req.Mesh.ServesRevision(d.Revision) {
		d = unknownRevision(d, req.Mesh)
	}
	if d.Inject && pod.Spec.HostNetwork {
		d = InjectionDecision{Rule: RuleHostNetwork,
			Reason: fmt.Sprintf("the pod uses hostNetwork, so it is never injected even though %s", lowerFirst(d.Reason))}
	}
	if d.Inject && !req.Mesh.Version.IsZero() && !req.Mesh.Version.AtLeast(MinECIVersion()) {
		// The ECI webhook (run before the injector, and only where
		// ack-virtual-node runs, B21) pins an ECI pod with a nodeSelector;
		// the label alone sends nothing to ECI.
		if eci, why := WantsECI(pod.Labels, req.NamespaceLabels); pod.Spec.NodeSelector[NodeLabelType] == NodeTypeVirtualKubelet {
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

// decideInjection is the injector's decision, in Istio's order: a system
// namespace is never injected; otherwise the webhook of the istiod chart
// that selects the pod (selectWebhook), then injectRequired on the pod's
// own setting.
func decideInjection(ns string, nsLabels map[string]string, pod *corev1.Pod, exact bool, warn func(string)) InjectionDecision {
	if IsIgnoredNamespace(ns) {
		return InjectionDecision{Rule: RuleIgnoredNamespace,
			Reason: fmt.Sprintf("namespace %q is a system namespace whose pods are never injected", ns)}
	}
	in := readInjectionInputs(ns, nsLabels, pod, exact, warn)
	in.warnBothNamespaceLabels(warn)
	sel, notCalled := selectWebhook(in, warn)
	if notCalled != nil {
		return *notCalled
	}
	return injectRequired(in, sel, exact, warn)
}

// injectionInputs is what the injection decision reads of a namespace
// and a pod.
type injectionInputs struct {
	ns                         string
	nsInjection, nsRev, podRev string
	hasNSInjection, hasNSRev   bool
	hasPodRev                  bool
	setting                    podInjectSetting
}

func readInjectionInputs(ns string, nsLabels map[string]string, pod *corev1.Pod, exact bool, warn func(string)) injectionInputs {
	in := injectionInputs{ns: ns}
	in.nsInjection, in.hasNSInjection = nsLabels[LabelInjection]
	in.nsRev, in.hasNSRev = nsLabels[LabelRevision]
	in.podRev, in.hasPodRev = pod.Labels[LabelRevision]
	in.setting = readPodInjectSetting(pod, exact, warn)
	return in
}

// warnBothNamespaceLabels flags a namespace with both injection labels.
func (in injectionInputs) warnBothNamespaceLabels(warn func(string)) {
	if in.hasNSInjection && in.hasNSRev {
		warn(fmt.Sprintf("namespace %q has both %s=%s and %s=%s; %s wins (IST0123)",
			in.ns, LabelInjection, in.nsInjection, LabelRevision, in.nsRev, LabelInjection))
	}
}

// webhookSelection is the webhook of the istiod chart that selected the
// pod: the revision it injects, the rule and its sentence.
type webhookSelection struct {
	revision string
	rule     string
	reason   string
}

// selectWebhook finds which webhook of the istiod chart matches, if any:
// by the namespace's labels, else by the pod's. When none is called it
// returns the decision instead.
func selectWebhook(in injectionInputs, warn func(string)) (webhookSelection, *InjectionDecision) {
	ns := in.ns
	switch {
	case in.hasNSInjection && in.nsInjection == "disabled":
		return webhookSelection{}, &InjectionDecision{Rule: RuleNamespaceInjectionDisabled,
			Reason: fmt.Sprintf("namespace %q has %s=disabled, which excludes every pod in it whatever the pod says", ns, LabelInjection)}
	case in.hasNSInjection && in.nsInjection != "enabled":
		return webhookSelection{}, &InjectionDecision{Rule: RuleNamespaceInjectionUnrecognized,
			Reason: fmt.Sprintf("namespace %q has %s=%s, which no injector selects (only \"enabled\" turns injection on)", ns, LabelInjection, in.nsInjection)}
	case in.hasNSInjection:
		if in.hasPodRev {
			warn(fmt.Sprintf("pod label %s=%s is ignored: namespace %q selects injection with %s=enabled", LabelRevision, in.podRev, ns, LabelInjection))
		}
		return webhookSelection{rule: RuleNamespaceInjectionEnabled,
			reason: fmt.Sprintf("namespace %q has %s=enabled", ns, LabelInjection)}, nil
	case in.hasNSRev:
		if in.hasPodRev && in.podRev != in.nsRev {
			warn(fmt.Sprintf("pod label %s=%s is ignored: namespace %q has %s=%s", LabelRevision, in.podRev, ns, LabelRevision, in.nsRev))
		}
		return webhookSelection{revision: in.nsRev, rule: RuleNamespaceRevision,
			reason: fmt.Sprintf("namespace %q has %s=%s, so revision %q injects its pods", ns, LabelRevision, in.nsRev, in.nsRev)}, nil
	}
	return selectOptInWebhook(in)
}

// selectOptInWebhook is selectWebhook for a namespace with neither
// injection label: only the opt-in webhooks can select the pod, and their
// object selectors read labels, exactly.
func selectOptInWebhook(in injectionInputs) (webhookSelection, *InjectionDecision) {
	ns, setting := in.ns, in.setting
	switch {
	case setting.source == "label" && setting.value == "false":
		return webhookSelection{}, &InjectionDecision{Rule: RulePodOptOutLabel,
			Reason: fmt.Sprintf("namespace %q has no injection label and the pod opts out with label %s", ns, injectKV("false"))}
	case in.hasPodRev:
		return webhookSelection{revision: in.podRev, rule: RulePodRevision,
			reason: fmt.Sprintf("namespace %q has no injection label and the pod has label %s=%s, so revision %q injects it", ns, LabelRevision, in.podRev, in.podRev)}, nil
	case setting.source == "label" && setting.value == "true":
		return webhookSelection{rule: RulePodOptInLabel,
			reason: fmt.Sprintf("namespace %q has no injection label and the pod opts in with label %s", ns, injectKV("true"))}, nil
	case setting.source == "label":
		return webhookSelection{}, &InjectionDecision{Rule: RuleNoSelectorMatched,
			Reason: fmt.Sprintf("namespace %q has no injection label and the pod's label %s does not opt it in: the injector's selector needs exactly %s", ns, injectKV(setting.value), injectKV("true"))}
	case setting.want == wantInject:
		// Istio's object selector reads labels only: with no
		// namespace label, an annotation alone never reaches the
		// injector.
		return webhookSelection{}, &InjectionDecision{Rule: RuleNoSelectorMatched,
			Reason: fmt.Sprintf("namespace %q has no injection label and the pod opts in only with annotation %s, which the injector's selector does not read (use the label)", ns, injectKV(setting.value))}
	default:
		return webhookSelection{}, &InjectionDecision{Rule: RuleNoSelectorMatched,
			Reason: fmt.Sprintf("namespace %q has no injection label and the pod does not opt in (injection is off by default)", ns)}
	}
}

// injectRequired is Istio's injectRequired once a webhook selected the pod
// (a label of exactly "false" would have kept it from being called): it
// reads the pod's own setting.
func injectRequired(in injectionInputs, sel webhookSelection, exact bool, warn func(string)) InjectionDecision {
	setting := in.setting
	switch {
	case setting.want == wantSkip && sel.rule == RulePodRevision:
		return InjectionDecision{Rule: optOutRule(setting),
			Reason: fmt.Sprintf("namespace %q has no injection label and the pod has label %s=%s, so revision %q's injector is called, but %s",
				in.ns, LabelRevision, in.podRev, in.podRev, setting.optOut())}
	case setting.want == wantSkip:
		return InjectionDecision{Rule: optOutRule(setting),
			Reason: fmt.Sprintf("%s, although %s", setting.optOut(), lowerFirst(sel.reason))}
	}
	if !exact && setting.source == "label" && setting.want == wantInject && setting.value != "true" &&
		(sel.rule == RuleNamespaceInjectionEnabled || sel.rule == RuleNamespaceRevision) {
		warn(fmt.Sprintf("pod label %s counts as \"true\" here, but where a namespace has no injection label only the exact value \"true\" opts a pod in", injectKV(setting.value)))
	}
	return InjectionDecision{Inject: true, Revision: sel.revision, Rule: sel.rule, Reason: sel.reason}
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
	setting := readPodInjectSetting(pod, false, warn)
	d := InjectionDecision{Inject: true, Revision: pod.Labels[LabelRevision], Rule: RuleManualInjection,
		Reason: "manual injection (istioctl kube-inject) injects every pod that does not opt out, whatever its namespace's labels"}
	switch {
	case IsIgnoredNamespace(pod.Namespace):
		d = InjectionDecision{Rule: RuleIgnoredNamespace,
			Reason: fmt.Sprintf("namespace %q is a system namespace whose pods are never injected", pod.Namespace)}
	case setting.want == wantSkip:
		d = InjectionDecision{Rule: optOutRule(setting), Reason: setting.optOut()}
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
