package model

import (
	"fmt"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// DefaultRevision is the name of the mesh's default istiod revision: the
// one istio-injection=enabled selects, and istio.io/rev=default names.
const DefaultRevision = "default"

// InjectorConfigurationPrefix is the name of the default revision's
// MutatingWebhookConfiguration, as Istio's istiod chart names it
// (mutatingwebhook.yaml: istio-sidecar-injector, with "-REVISION" appended
// for any other revision when installed in istio-system).
const InjectorConfigurationPrefix = "istio-sidecar-injector"

// InjectorConfigurationName is the MutatingWebhookConfiguration of a
// revision's sidecar injector: istio-sidecar-injector for the default
// revision, istio-sidecar-injector-REV for another.
func InjectorConfigurationName(revision string) string {
	if IsDefaultRevision(revision) {
		return InjectorConfigurationPrefix
	}
	return InjectorConfigurationPrefix + "-" + revision
}

// InjectorWebhookNames are the webhooks of a revision's injector
// configuration, as the istiod chart lists them: the default revision
// also carries the istio-injection=enabled and sidecar.istio.io/inject=true
// webhooks.
func InjectorWebhookNames(revision string) []string {
	names := []string{"rev.namespace.sidecar-injector.istio.io", "rev.object.sidecar-injector.istio.io"}
	if IsDefaultRevision(revision) {
		names = append(names, "namespace.sidecar-injector.istio.io", "object.sidecar-injector.istio.io")
	}
	return names
}

// IsDefaultRevision reports whether a revision name ("" or "default")
// names the default revision.
func IsDefaultRevision(r string) bool { return r == "" || r == DefaultRevision }

// ServesRevision reports whether the mesh serves revision r: the default
// revision always, any other only once it was added.
func (m MeshConfig) ServesRevision(r string) bool {
	return IsDefaultRevision(r) || slices.Contains(m.Revisions, r)
}

// ServedRevisions lists the revisions the mesh serves, the default first.
func (m MeshConfig) ServedRevisions() []string {
	return append([]string{DefaultRevision}, m.Revisions...)
}

// ValidateNewRevision checks a revision name to add: a DNS-1123 label
// (it becomes part of istiod-REV and a webhook configuration's name), not
// the default revision and not one already served.
func ValidateNewRevision(m MeshConfig, name string) error {
	if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 {
		return fmt.Errorf("invalid revision name %q: %s", name, strings.Join(msgs, "; "))
	}
	if m.ServesRevision(name) {
		return fmt.Errorf("revision %q is already served by the mesh (served: %s)", name, strings.Join(m.ServedRevisions(), ", "))
	}
	return nil
}

// ValidateRemoveRevision checks a revision name to remove: one the mesh
// was given (the default revision cannot be removed).
func ValidateRemoveRevision(m MeshConfig, name string) error {
	if IsDefaultRevision(name) {
		return fmt.Errorf("revision %q is the mesh's default revision and cannot be removed", DefaultRevision)
	}
	if !m.ServesRevision(name) {
		return fmt.Errorf("revision %q is not served by the mesh (served: %s)", name, strings.Join(m.ServedRevisions(), ", "))
	}
	return nil
}

// unknownRevision is the decision for a pod whose istio.io/rev names a
// revision the mesh does not serve: no webhook's selector matches it.
func unknownRevision(d InjectionDecision, mesh MeshConfig) InjectionDecision {
	return InjectionDecision{Rule: RuleUnknownRevision,
		Reason: fmt.Sprintf("%s, but the mesh serves no revision %q (served: %s), so no injector webhook matches and the pod is not injected",
			strings.TrimSuffix(d.Reason, "."), d.Revision, strings.Join(mesh.ServedRevisions(), ", "))}
}

// Labels the istiod chart puts on an injector's webhook configuration.
const (
	labelApp              = "app"
	labelAppSidecarInject = "sidecar-injector"
)

// InjectorWebhookConfiguration is the MutatingWebhookConfiguration of a
// revision's sidecar injector, as the istiod chart writes it
// (manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml,
// default values): named by InjectorConfigurationName, labelled
// app=sidecar-injector and istio.io/rev=REV, its webhooks
// (InjectorWebhookNames) calling istiod[-REV] in istio-system at /inject
// on pod CREATE, failing closed, never reinvoked, with the chart's
// selectors, so that the API server decides which pods reach the injector
// (B15):
//
//   - rev.namespace: the namespace has istio.io/rev=REV and no
//     istio-injection label, the pod not sidecar.istio.io/inject=false;
//   - rev.object: the namespace has neither label, the pod has
//     istio.io/rev=REV and not sidecar.istio.io/inject=false;
//   - namespace (default revision): the namespace has
//     istio-injection=enabled, the pod not sidecar.istio.io/inject=false;
//   - object (default revision): the namespace has neither label, the pod
//     has sidecar.istio.io/inject=true and no istio.io/rev.
func InjectorWebhookConfiguration(revision string) *admissionregistrationv1.MutatingWebhookConfiguration {
	rev, svc := revision, "istiod"
	if IsDefaultRevision(revision) {
		rev = DefaultRevision
	} else {
		svc += "-" + revision
	}
	mwc := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: InjectorConfigurationName(revision),
			Labels: map[string]string{labelApp: labelAppSidecarInject, LabelRevision: rev}},
	}
	notOptedOut := selectorRequirement(LabelSidecarInject, metav1.LabelSelectorOpNotIn, "false")
	selectors := map[string][2][]metav1.LabelSelectorRequirement{ // webhook -> namespace, object
		"rev.namespace.sidecar-injector.istio.io": {
			{selectorRequirement(LabelRevision, metav1.LabelSelectorOpIn, rev), selectorRequirement(LabelInjection, metav1.LabelSelectorOpDoesNotExist)},
			{notOptedOut}},
		"rev.object.sidecar-injector.istio.io": {
			{selectorRequirement(LabelRevision, metav1.LabelSelectorOpDoesNotExist), selectorRequirement(LabelInjection, metav1.LabelSelectorOpDoesNotExist)},
			{notOptedOut, selectorRequirement(LabelRevision, metav1.LabelSelectorOpIn, rev)}},
		"namespace.sidecar-injector.istio.io": {
			{selectorRequirement(LabelInjection, metav1.LabelSelectorOpIn, "enabled")},
			{notOptedOut}},
		"object.sidecar-injector.istio.io": {
			{selectorRequirement(LabelInjection, metav1.LabelSelectorOpDoesNotExist), selectorRequirement(LabelRevision, metav1.LabelSelectorOpDoesNotExist)},
			{selectorRequirement(LabelSidecarInject, metav1.LabelSelectorOpIn, "true"), selectorRequirement(LabelRevision, metav1.LabelSelectorOpDoesNotExist)}},
	}
	never := admissionregistrationv1.NeverReinvocationPolicy
	for _, name := range InjectorWebhookNames(revision) {
		wh := PodCreateWebhook(name, IstioSystemNamespace, svc, "/inject")
		sel := selectors[name]
		wh.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: sel[0]}
		wh.ObjectSelector = &metav1.LabelSelector{MatchExpressions: sel[1]}
		wh.ReinvocationPolicy = &never
		wh.AdmissionReviewVersions = []string{"v1"}
		mwc.Webhooks = append(mwc.Webhooks, wh)
	}
	return mwc
}

func selectorRequirement(key string, op metav1.LabelSelectorOperator, values ...string) metav1.LabelSelectorRequirement {
	return metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: values}
}

// InjectorRevisionOf reports whether a webhook configuration is a mesh
// injector's (InjectorWebhookConfiguration) and of which revision.
func InjectorRevisionOf(mwc *admissionregistrationv1.MutatingWebhookConfiguration) (string, bool) {
	if mwc.Labels[labelApp] != labelAppSidecarInject {
		return "", false
	}
	rev, ok := mwc.Labels[LabelRevision]
	if !ok || mwc.Name != InjectorConfigurationName(rev) {
		return "", false
	}
	return rev, true
}

// PodCreateWebhook is one webhook of a configuration: called on pod
// CREATE through a service, failing closed, without side effects.
func PodCreateWebhook(name, svcNS, svcName, path string) admissionregistrationv1.MutatingWebhook {
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	port := int32(443)
	return admissionregistrationv1.MutatingWebhook{
		Name: name,
		ClientConfig: admissionregistrationv1.WebhookClientConfig{
			Service: &admissionregistrationv1.ServiceReference{Namespace: svcNS, Name: svcName, Path: &path, Port: &port},
		},
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
		}},
		FailurePolicy:           &fail,
		SideEffects:             &none,
		AdmissionReviewVersions: []string{"v1beta1", "v1"},
	}
}
