package model

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// AnnotationMutatedBy lists, comma-separated in call order, the user
// webhooks that mutated a pod.
const AnnotationMutatedBy = "meshtwin.io/mutated-by"

// Webhook is a third-party mutating admission webhook (B33).
type Webhook struct {
	Name string
	// Legacy webhooks are built on Kubernetes libraries older than native
	// sidecars: they decode and re-encode the pod without
	// initContainers[].restartPolicy, dropping it.
	Legacy bool
}

// Mutate returns a copy of pod as the webhook sends it back: annotated with
// the webhook's name and, for a legacy webhook, without any init
// container's restartPolicy.
func (w Webhook) Mutate(pod *corev1.Pod) *corev1.Pod {
	if pod == nil {
		return nil
	}
	out := pod.DeepCopy()
	if w.Legacy {
		for i := range out.Spec.InitContainers {
			out.Spec.InitContainers[i].RestartPolicy = nil
		}
	}
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	if prev := out.Annotations[AnnotationMutatedBy]; prev != "" {
		out.Annotations[AnnotationMutatedBy] = strings.Join([]string{prev, w.Name}, ",")
	} else {
		out.Annotations[AnnotationMutatedBy] = w.Name
	}
	return out
}
