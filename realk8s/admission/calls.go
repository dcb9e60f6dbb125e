package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// CallsAnnotation marks a dry-run pod that Calls creates: every webhook
// of this server that the API server calls for it appends
// "CONFIGURATION/WEBHOOK;" to the annotation's value and changes nothing
// else, so the pod the dry run returns lists the webhooks called.
const CallsAnnotation = "admission.meshtwin.io/calls"

// Calls creates, as a dry run, a pod with podLabels in namespace and
// returns the webhooks of this server that the API server called for it,
// as "CONFIGURATION/WEBHOOK", sorted and without repeats. The API server
// chooses them with the namespace's labels as its own cache has them,
// which may lag a write of moments ago; Calls shows what it has.
func (s *Server) Calls(ctx context.Context, c kubernetes.Interface, namespace string, podLabels map[string]string) ([]string, error) {
	no := false
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "meshtwin-calls-probe-", Namespace: namespace,
			Labels: podLabels, Annotations: map[string]string{CallsAnnotation: ""},
		},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: &no,
			Containers:                   []corev1.Container{{Name: "probe", Image: "registry.k8s.io/pause:3.10"}},
		},
	}
	got, err := c.CoreV1().Pods(namespace).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		return nil, fmt.Errorf("dry-run probe pod in namespace %q: %w", namespace, err)
	}
	var calls []string
	for call := range strings.SplitSeq(got.Annotations[CallsAnnotation], ";") {
		if call != "" {
			calls = append(calls, call)
		}
	}
	slices.Sort(calls)
	return slices.Compact(calls), nil
}

// answerCallsProbe answers a call for a Calls probe pod: the call appended
// to its annotation; ok is false when the object is not such a pod.
func answerCallsProbe(raw []byte, configuration, webhook string) (resp *admissionv1.AdmissionResponse, ok bool) {
	var obj struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return nil, false
	}
	calls, ok := obj.Metadata.Annotations[CallsAnnotation]
	if !ok {
		return nil, false
	}
	ops := []jsonpatch.Operation{{
		Operation: "add",
		Path:      "/metadata/annotations/" + strings.ReplaceAll(strings.ReplaceAll(CallsAnnotation, "~", "~0"), "/", "~1"),
		Value:     calls + configuration + "/" + webhook + ";",
	}}
	patch, err := json.Marshal(ops)
	if err != nil {
		return deny(fmt.Errorf("meshtwin admission server: encode the probe's patch: %w", err)), true
	}
	pt := admissionv1.PatchTypeJSONPatch
	return &admissionv1.AdmissionResponse{Allowed: true, Patch: patch, PatchType: &pt}, true
}
