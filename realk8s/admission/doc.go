// Package admission serves the twin's mutating webhooks (model's
// admission chain links: the mesh's injectors, the ECI scheduling hook,
// third-party webhooks) to real API servers, over HTTPS with a CA of its
// own, so that a real kube-apiserver decides which pods reach which webhook
// (its selectors), in which order (configuration names), and whether the
// patched pod is valid.
//
// One Server serves every cluster: Install registers a
// MutatingWebhookConfiguration in a cluster with its webhooks pointed at
// https://127.0.0.1:PORT/admit/CLUSTER/CONFIGURATION/WEBHOOK, and remembers
// the model.MutatingWebhook that answers for it. A call runs that webhook's
// Admit on the pod, with the namespace's labels and the mesh and cluster
// facts a Facts function returns, and answers an RFC 6902 JSON patch from
// the pod it received to the pod Admit returned; an error of Admit is
// answered as Istio's injector answers one (allowed: false with the error
// as the status message), so the API server refuses the pod in its own
// words ("admission webhook ... denied the request: ...").
//
// Install and Uninstall return once the API server acts on the change: they
// then register a short-lived probe configuration (selecting only a
// dry-run ConfigMap that carries the probe's label) and wait until the API
// server calls it. The API server loads configurations from one watch, in
// order, so once it calls the probe it has the change made before it.
package admission
