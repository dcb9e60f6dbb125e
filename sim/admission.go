package sim

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/meshtwin/meshtwin/model"
)

// Annotations the simulator's admission chain writes on every pod it
// admits in a cluster of the mesh, so that the decisions can be read
// back (kubectl get pod -o yaml, explain).
const (
	// AnnotationInjection is the injection rule that decided
	// (model.InjectionDecision.Rule), or "already-injected".
	AnnotationInjection = "meshtwin.io/injection"
	// AnnotationInjectionReason is that decision's sentence.
	AnnotationInjectionReason = "meshtwin.io/injection-reason"
	// AnnotationSidecarMode is the sidecar mode of an injected pod:
	// "native" or "traditional".
	AnnotationSidecarMode = "meshtwin.io/sidecar-mode"
	// AnnotationSidecarModeRule is the rule that chose the mode.
	AnnotationSidecarModeRule = "meshtwin.io/sidecar-mode-rule"
)

// RuleAlreadyInjected is recorded when a pod to be injected arrives with an
// istio-proxy container that no sidecar.istio.io/status annotation lists
// (added by hand): the injector leaves it alone. A pod whose sidecar the
// annotation lists is re-injected instead (model.StripInjection).
const RuleAlreadyInjected = "already-injected"

// InjectorWebhook is the name the mesh's injector answers to in
// admission errors.
const InjectorWebhook = "sidecar-injector.istio.io"

// admitPod runs a pod CREATE through the API server's chain: defaulting,
// the ECI webhook, the mesh's sidecar injector (clusters in the mesh
// only), third-party webhooks in registration order, then validation.
func (c *cluster) admitPod(req *request, pod *corev1.Pod) (*corev1.Pod, error) {
	gk := schema.GroupKind{Kind: "Pod"}
	var nsLabels map[string]string
	if ns, ok := c.tracker.peek(gvrNamespaces, "", pod.Namespace).(*corev1.Namespace); ok {
		nsLabels = ns.Labels
	}
	defaultPod(pod)

	// 1. ECI: alibabacloud.com/eci=true on the pod or its namespace.
	if out, _ := model.ApplyECIScheduling(pod, nsLabels); out != nil {
		pod = out
	}

	// 2. The mesh's sidecar injector.
	for _, k := range []string{AnnotationInjection, AnnotationInjectionReason, AnnotationSidecarMode, AnnotationSidecarModeRule} {
		delete(pod.Annotations, k)
	}
	if c.joined && c.injector && req != nil && req.meshOK {
		// Istio's webhook decides first; a pod that arrives injected
		// (kubectl replace of an injected pod, a kube-inject manifest) and
		// is to be injected is stripped of the sidecar its status
		// annotation lists and injected afresh, in the mode decided now
		// (B12, B31). A pod that is not to be injected is kept as it is.
		dec := model.DecideInjection(model.InjectionRequest{
			Namespace: pod.Namespace, NamespaceLabels: nsLabels, Pod: pod, Mesh: req.mesh,
		})
		rule, reason := dec.Rule, dec.Reason
		if dec.Inject {
			fresh := model.StripInjection(pod)
			if model.IsInjected(fresh) {
				// An istio-proxy the status annotation does not list
				// (added by hand): leave the pod alone.
				rule = RuleAlreadyInjected
				reason = fmt.Sprintf("pod %q already carries an %s container that no %s annotation lists, so it is left as it is",
					pod.Name, model.ProxyContainerName, model.AnnotationSidecarStatus)
			} else {
				out, mode, err := model.InjectPod(fresh, model.InjectParams{Mesh: req.mesh, Cluster: c.infoCopy(), Revision: dec.Revision})
				if err != nil {
					return nil, apierrors.NewInternalError(fmt.Errorf("failed calling webhook %q: %w", InjectorWebhook, err))
				}
				pod = out
				setAnnotation(pod, AnnotationSidecarMode, string(mode.Mode))
				setAnnotation(pod, AnnotationSidecarModeRule, mode.Rule)
			}
		}
		setAnnotation(pod, AnnotationInjection, rule)
		setAnnotation(pod, AnnotationInjectionReason, oneLine(reason))
	}

	// 3. Third-party webhooks.
	for _, w := range c.webhooks {
		if out := w.Mutate(pod); out != nil {
			pod = out
		}
	}

	// 4. Defaults again (webhook output is decoded with defaulting),
	// then validation.
	defaultPod(pod)
	if err := model.ValidatePod(pod); err != nil {
		return nil, invalidError(gk, pod.Name, err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: model.QOSClass(pod)}
	return pod, nil
}

func setAnnotation(pod *corev1.Pod, k, v string) {
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[k] = v
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
