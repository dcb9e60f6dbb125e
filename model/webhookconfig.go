package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

// CalledWebhooks are the webhooks of a configuration that the API server
// calls for a pod CREATE, in their order: those whose rules take pod
// CREATE and whose namespaceSelector matches the namespace's labels and
// objectSelector the pod's (an absent selector matches everything). A
// selector the API server would not have stored matches nothing.
func CalledWebhooks(webhooks []admissionregistrationv1.MutatingWebhook, podLabels, nsLabels map[string]string) []string {
	return CompileWebhooks(webhooks).Called(podLabels, nsLabels)
}

// CompiledWebhooks are a configuration's webhooks with their rules read
// and their selectors parsed once, as the API server holds them, so that
// choosing the webhooks of each pod (Called) parses nothing.
type CompiledWebhooks struct {
	hooks []compiledWebhook
}

type compiledWebhook struct {
	name string
	// takes: the rules take pod CREATE and both selectors parse.
	takes    bool
	ns, pods labels.Selector
}

// CompileWebhooks compiles a configuration's webhooks for Called.
func CompileWebhooks(webhooks []admissionregistrationv1.MutatingWebhook) *CompiledWebhooks {
	c := &CompiledWebhooks{hooks: make([]compiledWebhook, 0, len(webhooks))}
	for _, wh := range webhooks {
		ns, nsOK := compileSelector(wh.NamespaceSelector)
		pods, podsOK := compileSelector(wh.ObjectSelector)
		c.hooks = append(c.hooks, compiledWebhook{name: wh.Name, takes: nsOK && podsOK && takesPodCreate(wh.Rules), ns: ns, pods: pods})
	}
	return c
}

// Called is CalledWebhooks of the compiled configuration.
func (c *CompiledWebhooks) Called(podLabels, nsLabels map[string]string) []string {
	var called []string
	for _, wh := range c.hooks {
		if wh.takes && wh.ns.Matches(labels.Set(nsLabels)) && wh.pods.Matches(labels.Set(podLabels)) {
			called = append(called, wh.name)
		}
	}
	return called
}

// compileSelector parses a webhook's selector: an absent one selects
// everything; false when it does not parse (it then selects nothing).
func compileSelector(sel *metav1.LabelSelector) (labels.Selector, bool) {
	if sel == nil {
		return labels.Everything(), true
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, false
	}
	return s, true
}

func takesPodCreate(rules []admissionregistrationv1.RuleWithOperations) bool {
	for _, r := range rules {
		if (slices.Contains(r.Operations, admissionregistrationv1.Create) || slices.Contains(r.Operations, admissionregistrationv1.OperationAll)) &&
			(slices.Contains(r.APIGroups, "") || slices.Contains(r.APIGroups, "*")) &&
			(slices.Contains(r.APIVersions, "v1") || slices.Contains(r.APIVersions, "*")) &&
			(slices.Contains(r.Resources, "pods") || slices.Contains(r.Resources, "*")) {
			return true
		}
	}
	return false
}

// ECIConfigurationName is the MutatingWebhookConfiguration of the ECI
// webhook, named after the deployment that serves it in a cluster running
// ack-virtual-node (kube-system/ack-virtual-node-affinity-admission-controller,
// as ACK's documentation lists it); the configuration's own name is not
// documented.
const ECIConfigurationName = "ack-virtual-node-affinity-admission-controller"

// ECIWebhookConfiguration is the ECI webhook's configuration (B18, B21):
// its selectors send the API server's pods to it exactly when WantsECI
// holds, so exactly those ApplyECIScheduling may change:
//
//   - pod.ECIWebhookName: the pod has alibabacloud.com/eci=true;
//   - namespace.ECIWebhookName: the namespace has alibabacloud.com/eci=true
//     and the pod's label is neither true nor false.
func ECIWebhookConfiguration() *admissionregistrationv1.MutatingWebhookConfiguration {
	pod := PodCreateWebhook("pod."+ECIWebhookName, metav1.NamespaceSystem, ECIConfigurationName, "/mutate")
	pod.ObjectSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		selectorRequirement(LabelECI, metav1.LabelSelectorOpIn, "true")}}
	ns := PodCreateWebhook("namespace."+ECIWebhookName, metav1.NamespaceSystem, ECIConfigurationName, "/mutate")
	ns.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		selectorRequirement(LabelECI, metav1.LabelSelectorOpIn, "true")}}
	ns.ObjectSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		selectorRequirement(LabelECI, metav1.LabelSelectorOpNotIn, "true", "false")}}
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: ECIConfigurationName},
		Webhooks:   []admissionregistrationv1.MutatingWebhook{pod, ns},
	}
}

// AnnotationWebhookLegacy marks, on the MutatingWebhookConfiguration of
// a third-party webhook (Webhook.WebhookConfiguration), a legacy one
// (B33): "true" or "false".
const AnnotationWebhookLegacy = "meshtwin.io/legacy-webhook"

// Validate checks a third-party webhook's name: a DNS-1123 subdomain (it
// names its configuration) that does not take a name of the mesh's
// injectors or of the ECI webhook.
func (w Webhook) Validate() error {
	if msgs := validation.IsDNS1123Subdomain(w.Name); len(msgs) > 0 {
		return fmt.Errorf("invalid name: %v", msgs)
	}
	if strings.HasPrefix(w.Name, InjectorConfigurationPrefix) {
		return fmt.Errorf("the name %q belongs to the mesh's injectors (%s, %s-REVISION)", w.Name, InjectorConfigurationPrefix, InjectorConfigurationPrefix)
	}
	if w.Name == ECIConfigurationName {
		return fmt.Errorf("the name %q belongs to ack-virtual-node's ECI webhook", w.Name)
	}
	return nil
}

// WebhookConfiguration is the MutatingWebhookConfiguration of a
// third-party webhook: named as the webhook, one webhook NAME.webhook.meshtwin.io
// calling kube-system/NAME at /mutate on every pod CREATE (no selectors),
// marked legacy or not by AnnotationWebhookLegacy.
func (w Webhook) WebhookConfiguration() *admissionregistrationv1.MutatingWebhookConfiguration {
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: w.Name, Annotations: map[string]string{AnnotationWebhookLegacy: strconv.FormatBool(w.Legacy)}},
		Webhooks:   []admissionregistrationv1.MutatingWebhook{PodCreateWebhook(w.Name+".webhook.meshtwin.io", metav1.NamespaceSystem, w.Name, "/mutate")},
	}
}

// ThirdPartyWebhookOf is the third-party webhook a configuration stands
// for: named as it, legacy when AnnotationWebhookLegacy says "true".
func ThirdPartyWebhookOf(mwc *admissionregistrationv1.MutatingWebhookConfiguration) Webhook {
	return Webhook{Name: mwc.Name, Legacy: mwc.Annotations[AnnotationWebhookLegacy] == "true"}
}
