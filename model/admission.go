package model

import (
	"fmt"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
)

// Annotations the mesh's injector webhook (InjectorWebhook) writes on
// every pod it admits, so that its decisions can be read back (kubectl get
// pod -o yaml, explain).
const (
	// AnnotationInjection is the injection rule that decided
	// (InjectionDecision.Rule), or RuleAlreadyInjected.
	AnnotationInjection = "meshtwin.io/injection"
	// AnnotationInjectionReason is that decision's sentence.
	AnnotationInjectionReason = "meshtwin.io/injection-reason"
	// AnnotationSidecarMode is the sidecar mode of an injected pod:
	// "native" or "traditional".
	AnnotationSidecarMode = "meshtwin.io/sidecar-mode"
	// AnnotationSidecarModeRule is the rule that chose the mode.
	AnnotationSidecarModeRule = "meshtwin.io/sidecar-mode-rule"
)

// DecisionAnnotations are the annotations InjectorWebhook writes; a pod
// that is admitted again (kubectl replace) is stripped of them first.
func DecisionAnnotations() []string {
	return []string{AnnotationInjection, AnnotationInjectionReason, AnnotationSidecarMode, AnnotationSidecarModeRule}
}

// RuleAlreadyInjected is recorded when a pod to be injected arrives with an
// istio-proxy container that no sidecar.istio.io/status annotation lists
// (added by hand): the injector leaves it alone. A pod whose sidecar the
// annotation lists is re-injected instead (StripInjection).
const RuleAlreadyInjected = "already-injected"

// Names the webhooks of the admission chain answer to, as the API server
// names them in "failed calling webhook" errors: the injector's is
// Istio's; the ECI webhook's is this project's own (it never fails).
const (
	ECIWebhookName      = "eci.webhook.meshtwin.io"
	InjectorWebhookName = "sidecar-injector.istio.io"
)

// AdmissionRequest is what a mutating webhook sees of a pod CREATE: the
// pod (after the webhooks before it), its namespace's labels and the
// mesh and cluster facts the webhook needs.
type AdmissionRequest struct {
	Pod             *corev1.Pod
	NamespaceLabels map[string]string
	Mesh            MeshConfig
	Cluster         ClusterInfo
}

// AdmissionResult is a webhook's answer: the pod as the webhook sends it
// back, a copy when it changed anything. Annotations (InjectorWebhook's
// decision notes) are part of the pod.
type AdmissionResult struct {
	Pod *corev1.Pod
}

// MutatingWebhook is one webhook of the admission chain: Admit either
// returns the pod it sends back, or an error the API server answers with
// (failed calling webhook).
type MutatingWebhook struct {
	Name string
	// Configuration is the MutatingWebhookConfiguration the webhook
	// belongs to; the API server calls configurations in name order.
	Configuration string
	// Webhooks, when set, are the configuration's webhooks as the API
	// server holds them: the chain calls Admit once for each one whose
	// rules and selectors take the pod (CalledWebhooks), under that
	// webhook's name. When nil, Admit is called once for every pod.
	Webhooks []admissionregistrationv1.MutatingWebhook
	// Compiled, when set, is CompileWebhooks(Webhooks), made once by a
	// caller that admits many pods with one configuration; the chain
	// then parses no selector per pod.
	Compiled *CompiledWebhooks
	Admit    func(req AdmissionRequest) (AdmissionResult, error)
}

// AdmissionChain is the mutating webhooks of a cluster in the order the
// API server calls them; each sees the pod the previous one returned.
type AdmissionChain []MutatingWebhook

// NewAdmissionChain orders webhooks as the API server calls them: by the
// name of their MutatingWebhookConfiguration (the apiserver sorts the
// configurations it calls by name), each configuration's webhooks in
// their own order, each once (B15, B33).
func NewAdmissionChain(webhooks ...MutatingWebhook) AdmissionChain {
	ch := AdmissionChain(slices.Clone(webhooks))
	slices.SortStableFunc(ch, func(a, b MutatingWebhook) int { return strings.Compare(a.Configuration, b.Configuration) })
	return ch
}

// WebhookError is a webhook's refusal, worded as the API server words it
// when a webhook answers allowed: false with the error as its message (as
// Istio's injector answers an injection error).
type WebhookError struct {
	Webhook string
	Err     error
}

func (e *WebhookError) Error() string {
	return fmt.Sprintf("admission webhook %q denied the request: %v", e.Webhook, e.Err)
}

func (e *WebhookError) Unwrap() error { return e.Err }

// Admit runs req through the chain and returns the pod the last webhook
// sent back, or the first webhook's failure as a *WebhookError.
func (ch AdmissionChain) Admit(req AdmissionRequest) (*corev1.Pod, error) {
	for _, w := range ch {
		names := []string{w.Name}
		switch {
		case w.Compiled != nil:
			names = w.Compiled.Called(req.Pod.Labels, req.NamespaceLabels)
		case w.Webhooks != nil:
			names = CalledWebhooks(w.Webhooks, req.Pod.Labels, req.NamespaceLabels)
		}
		for _, name := range names {
			res, err := w.Admit(req)
			if err != nil {
				return nil, &WebhookError{Webhook: name, Err: err}
			}
			if res.Pod != nil {
				req.Pod = res.Pod
			}
		}
	}
	return req.Pod, nil
}

// ECIWebhook is the ECI webhook of ACK's ack-virtual-node component (B18,
// B21): a pod with alibabacloud.com/eci=true, on itself or its namespace,
// is sent to a virtual node (ApplyECIScheduling). Only a cluster that runs
// the component has it, in its configuration ECIWebhookConfiguration.
func ECIWebhook() MutatingWebhook {
	return MutatingWebhook{Name: ECIWebhookName, Configuration: ECIConfigurationName, Admit: func(req AdmissionRequest) (AdmissionResult, error) {
		out, _ := ApplyECIScheduling(req.Pod, req.NamespaceLabels)
		return AdmissionResult{Pod: out}, nil
	}}
}

// InjectorWebhook is the sidecar injector of one revision of the mesh
// ("" or "default" for the default revision), in its configuration
// InjectorConfigurationName(revision): Istio's webhook decides
// (DecideInjection); a pod to be injected by another revision is left to
// that revision's webhook. A pod that arrives injected (kubectl replace of
// an injected pod, a kube-inject manifest) and is to be injected is
// stripped of the sidecar its status annotation lists and injected afresh,
// in the mode decided now (B12, B31); a pod that is not to be injected is
// kept as it is. The decision is written on the pod (DecisionAnnotations),
// replacing any an earlier admission wrote (a replaced pod); a pod the
// selectors keep from the injector keeps what it carries.
func InjectorWebhook(revision string) MutatingWebhook {
	return MutatingWebhook{Name: InjectorWebhookName, Configuration: InjectorConfigurationName(revision),
		Admit: func(req AdmissionRequest) (AdmissionResult, error) { return admitInjection(req, revision) }}
}

func admitInjection(req AdmissionRequest, revision string) (AdmissionResult, error) {
	pod := req.Pod
	dec := DecideInjection(InjectionRequest{Namespace: pod.Namespace, NamespaceLabels: req.NamespaceLabels, Pod: pod, Mesh: req.Mesh})
	if dec.Inject && InjectorConfigurationName(dec.Revision) != InjectorConfigurationName(revision) {
		// Another revision's webhook matches this pod.
		return AdmissionResult{Pod: pod}, nil
	}
	if slices.ContainsFunc(DecisionAnnotations(), func(k string) bool { _, ok := pod.Annotations[k]; return ok }) {
		// Decisions recorded by an earlier admission (a replaced pod)
		// are not carried over.
		pod = pod.DeepCopy()
		for _, k := range DecisionAnnotations() {
			delete(pod.Annotations, k)
		}
		req.Pod = pod
	}
	notes := map[string]string{AnnotationInjection: dec.Rule, AnnotationInjectionReason: oneLine(dec.Reason)}
	if dec.Inject {
		fresh := pod
		if _, injected := pod.Annotations[AnnotationSidecarStatus]; injected {
			// StripInjection of a pod without the annotation is a copy
			// of it, and InjectPod copies what it is given.
			fresh = StripInjection(pod)
		}
		if LeftAloneAsInjected(fresh, req.Mesh) {
			// An istio-proxy the status annotation does not list (added by
			// hand): the asm profile leaves the pod alone; the istio
			// profile merges it with the injected one.
			notes[AnnotationInjection] = RuleAlreadyInjected
			notes[AnnotationInjectionReason] = oneLine(fmt.Sprintf("pod %q already carries an %s container that no %s annotation lists, so it is left as it is",
				pod.Name, ProxyContainerName, AnnotationSidecarStatus))
		} else {
			out, mode, err := InjectPod(fresh, InjectParams{Mesh: req.Mesh, Cluster: req.Cluster, Revision: dec.Revision})
			if err != nil {
				return AdmissionResult{}, err
			}
			pod = out
			notes[AnnotationSidecarMode] = string(mode.Mode)
			notes[AnnotationSidecarModeRule] = mode.Rule
		}
	}
	if pod == req.Pod {
		pod = pod.DeepCopy()
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	for k, v := range notes {
		pod.Annotations[k] = v
	}
	return AdmissionResult{Pod: pod}, nil
}

// Admit is the third-party webhook as a link of the admission chain.
func (w Webhook) Admit(req AdmissionRequest) (AdmissionResult, error) {
	return AdmissionResult{Pod: w.Mutate(req.Pod)}, nil
}

// AsMutatingWebhook is w as a link of the admission chain, in a
// configuration of its own name.
func (w Webhook) AsMutatingWebhook() MutatingWebhook {
	return MutatingWebhook{Name: w.Name, Configuration: w.Name, Admit: w.Admit}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
