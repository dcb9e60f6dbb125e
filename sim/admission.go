package sim

import (
	"errors"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/meshtwin/meshtwin/model"
)

// admissionChain is the cluster's mutating webhooks in the order the API
// server calls them (model.NewAdmissionChain: by configuration name): the
// ECI webhook where ack-virtual-node runs (B21), then every
// MutatingWebhookConfiguration the cluster holds, each once: a mesh
// injector's (model.InjectorRevisionOf) as that revision's injector, in
// clusters of the mesh; any other as a third-party webhook (legacy when
// AnnotationWebhookLegacy says so). Deleting a configuration takes its
// webhook out of the chain.
func (c *cluster) admissionChain(req *request) model.AdmissionChain {
	var hooks []model.MutatingWebhook
	if c.info.VirtualNodeComponent {
		hooks = append(hooks, model.ECIWebhook())
	}
	for _, obj := range c.tracker.items(gvrMWCs, "") {
		mwc, ok := obj.(*admissionregistrationv1.MutatingWebhookConfiguration)
		if !ok {
			continue
		}
		if rev, ok := model.InjectorRevisionOf(mwc); ok {
			if c.joined && req != nil && req.meshOK {
				hooks = append(hooks, model.InjectorWebhook(rev))
			}
			continue
		}
		w := model.Webhook{Name: mwc.Name, Legacy: mwc.Annotations[AnnotationWebhookLegacy] == "true"}
		hooks = append(hooks, w.AsMutatingWebhook())
	}
	return model.NewAdmissionChain(hooks...)
}

// admitPod runs a pod CREATE through the API server's admission:
// defaulting, the mutating webhooks (admissionChain), defaulting again
// (webhook output is decoded with defaulting), then validation.
func (c *cluster) admitPod(req *request, pod *corev1.Pod) (*corev1.Pod, error) {
	var nsLabels map[string]string
	if ns, ok := c.tracker.peek(gvrNamespaces, "", pod.Namespace).(*corev1.Namespace); ok {
		nsLabels = ns.Labels
	}
	defaultPod(pod)
	// Decisions recorded by an earlier admission (a replaced pod) are
	// not carried over.
	for _, k := range model.DecisionAnnotations() {
		delete(pod.Annotations, k)
	}
	ar := model.AdmissionRequest{Pod: pod, NamespaceLabels: nsLabels, Cluster: c.infoCopy()}
	if req != nil {
		ar.Mesh = req.mesh
	}
	pod, err := c.admissionChain(req).Admit(ar)
	if we := (*model.WebhookError)(nil); errors.As(err, &we) {
		return nil, apierrors.NewInternalError(we)
	} else if err != nil {
		return nil, err
	}
	defaultPod(pod)
	if err := model.ValidatePod(pod); err != nil {
		return nil, invalidError(schema.GroupKind{Kind: "Pod"}, pod.Name, err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: model.QOSClass(pod)}
	return pod, nil
}
