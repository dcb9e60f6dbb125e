package sim

import (
	"errors"
	"net/http"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/meshtwin/meshtwin/model"
)

// admissionChain is the cluster's mutating webhooks as the API server
// calls them (model.NewAdmissionChain: by configuration name), one link per
// MutatingWebhookConfiguration the cluster holds, called for the pods its
// webhooks' rules and selectors take (model.CalledWebhooks): the ECI
// webhook's (model.ECIWebhookConfiguration, where ack-virtual-node runs,
// B21); a mesh injector's (model.InjectorRevisionOf) as that revision's
// injector, in clusters of the mesh; any other as a third-party webhook
// (model.ThirdPartyWebhookOf). Deleting a configuration takes its webhook
// out of the chain.
func (c *cluster) admissionChain(req *request) model.AdmissionChain {
	var hooks []model.MutatingWebhook
	items := c.tracker.items(gvrMWCs, "")
	if len(c.webhooks) > 2*len(items)+8 {
		// Forget the configurations updated or deleted since.
		c.webhooks = nil
	}
	for _, obj := range items {
		mwc, ok := obj.(*admissionregistrationv1.MutatingWebhookConfiguration)
		if !ok {
			continue
		}
		var hook model.MutatingWebhook
		if rev, ok := model.InjectorRevisionOf(mwc); ok {
			if !c.joined || req == nil || !req.meshOK {
				continue
			}
			hook = model.InjectorWebhook(rev)
		} else if mwc.Name == model.ECIConfigurationName {
			hook = model.ECIWebhook()
		} else {
			hook = model.ThirdPartyWebhookOf(mwc).AsMutatingWebhook()
		}
		hook.Webhooks = mwc.Webhooks
		if mwc.Webhooks != nil {
			hook.Compiled = c.compiledWebhooks(mwc)
		}
		hooks = append(hooks, hook)
	}
	return model.NewAdmissionChain(hooks...)
}

// compiledWebhooks returns the stored configuration's webhooks compiled,
// compiling them on first use.
func (c *cluster) compiledWebhooks(mwc *admissionregistrationv1.MutatingWebhookConfiguration) *model.CompiledWebhooks {
	if cw := c.webhooks[mwc]; cw != nil {
		return cw
	}
	if c.webhooks == nil {
		c.webhooks = map[*admissionregistrationv1.MutatingWebhookConfiguration]*model.CompiledWebhooks{}
	}
	cw := model.CompileWebhooks(mwc.Webhooks)
	c.webhooks[mwc] = cw
	return cw
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
	ar := model.AdmissionRequest{Pod: pod, NamespaceLabels: nsLabels, Cluster: c.infoCopy()}
	if req != nil {
		ar.Mesh = req.mesh
	}
	pod, err := c.admissionChain(req).Admit(ar)
	if we := (*model.WebhookError)(nil); errors.As(err, &we) {
		// As the API server answers a webhook's allowed: false
		// (apiserver's webhook errors.ToStatusErr): 400, no reason.
		return nil, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusBadRequest, Message: we.Error()}}
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
