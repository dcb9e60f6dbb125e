package main

import (
	"encoding/json"
	"fmt"
	"reflect"

	admissionregv1 "k8s.io/api/admissionregistration/v1"

	"github.com/meshtwin/meshtwin/model"
)

// webhookCall is what decides whether and how the API server calls one
// webhook of a configuration: everything but where it calls.
type webhookCall struct {
	Name                    string
	NamespaceSelector       any
	ObjectSelector          any
	Rules                   any
	FailurePolicy           any
	ReinvocationPolicy      any
	SideEffects             any
	AdmissionReviewVersions []string
}

func callsOf(mwc *admissionregv1.MutatingWebhookConfiguration) []webhookCall {
	var out []webhookCall
	for _, wh := range mwc.Webhooks {
		out = append(out, webhookCall{
			Name: wh.Name, NamespaceSelector: wh.NamespaceSelector, ObjectSelector: wh.ObjectSelector, Rules: wh.Rules,
			FailurePolicy: wh.FailurePolicy, ReinvocationPolicy: wh.ReinvocationPolicy, SideEffects: wh.SideEffects,
			AdmissionReviewVersions: wh.AdmissionReviewVersions,
		})
	}
	return out
}

// compareConfigurations checks that the model registers a revision's
// injector (model.InjectorWebhookConfiguration, what both backends
// install) with the chart's name, webhooks, selectors, rules and policies,
// so that a real API server sends the pods upstream's would to it.
func compareConfigurations(in install) error {
	twin := model.InjectorWebhookConfiguration(in.revision)
	if twin.Name != in.webhooks.Name {
		return fmt.Errorf("revision %q: the model names its injector configuration %q, the chart %q", in.revision, twin.Name, in.webhooks.Name)
	}
	tw, up := callsOf(twin), callsOf(in.webhooks)
	if len(tw) != len(up) {
		return fmt.Errorf("revision %q: the model's configuration has %d webhooks, the chart's %d", in.revision, len(tw), len(up))
	}
	for i := range tw {
		if !reflect.DeepEqual(tw[i], up[i]) {
			a, _ := json.Marshal(tw[i])
			b, _ := json.Marshal(up[i])
			return fmt.Errorf("revision %q, webhook %d: the model's\n  %s\ndiffers from the chart's\n  %s", in.revision, i, a, b)
		}
	}
	return nil
}
