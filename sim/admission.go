package sim

import (
	"errors"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/meshtwin/meshtwin/model"
)

// admissionChain is the cluster's mutating webhooks in call order: the
// ECI webhook, the mesh's sidecar injector (clusters in the mesh whose
// injector configuration is installed), then third-party webhooks in
// registration order.
func (c *cluster) admissionChain(req *request) model.AdmissionChain {
	chain := model.AdmissionChain{model.ECIWebhook()}
	if c.joined && c.injector && req != nil && req.meshOK {
		chain = append(chain, model.InjectorWebhook())
	}
	for _, w := range c.webhooks {
		chain = append(chain, w.AsMutatingWebhook())
	}
	return chain
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
