// Command oracle checks meshtwin's injection model (the istio profile)
// against upstream Istio's own sidecar injector, run in-process as istiod
// runs it: the chart rendered by Istio's operator code, the chart's
// MutatingWebhookConfiguration selectors evaluated with apimachinery's label
// selectors, and the injector's HTTP handler fed AdmissionReview requests.
//
// Random cases come from a seed; each goes through upstream and through the
// model, and the fields that matter to users are compared. Disagreements are
// grouped by class; for each class rapid searches for and shrinks a minimal
// reproducer, printed with both sides next to each other. The last line is
// "oracle: N cases, D disagreements".
//
// The module is separate from meshtwin's so that Istio's dependencies never
// enter the main module. README.md lists what is deliberately not compared.
package main
