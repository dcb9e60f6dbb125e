package main

import (
	"github.com/meshtwin/meshtwin/model"
)

// twinVersion is the Istio release the model is asked to behave as: the
// development line of the istio.io/istio commit this module requires.
var twinVersion = model.ASMVersion{Major: 1, Minor: 32}

// runTwin sends the case through the model's injector webhooks, the links
// of the admission chain that the simulator's API server runs for a mesh
// created with --profile istio, each for the pods its configuration's
// selectors take.
func runTwin(c Case) outcome {
	mesh := model.MeshConfig{Version: twinVersion, Profile: model.ProfileIstio}
	// The model serves the revisions upstream's chart is installed for
	// (revisions), and runs each one's injector in the API server's order.
	var injectors []model.MutatingWebhook
	for _, rev := range revisions {
		if rev != "" {
			mesh.Revisions = append(mesh.Revisions, rev)
		}
		// Each called as its configuration's selectors say, as the
		// simulator's API server and a real one call it.
		w := model.InjectorWebhook(rev)
		w.Webhooks = model.InjectorWebhookConfiguration(rev).Webhooks
		injectors = append(injectors, w)
	}
	switch c.Native {
	case "true":
		mesh.EnableNativeSidecar = ptr(true)
	case "false":
		mesh.EnableNativeSidecar = ptr(false)
	}
	req := model.AdmissionRequest{
		Pod:             c.Pod.DeepCopy(),
		NamespaceLabels: map[string]string(namespaceLabels(c)),
		Mesh:            mesh,
		Cluster:         model.ClusterInfo{Name: "Kubernetes", KubeVersion: model.KubeVersion{Major: 1, Minor: c.KubeMinor}},
	}
	pod, err := model.NewAdmissionChain(injectors...).Admit(req)
	if err != nil {
		return outcome{Selected: "error", Rejected: err.Error(), Pod: req.Pod}
	}
	out := outcome{Selected: pod.Annotations[model.AnnotationInjection], Pod: pod}
	if out.Selected == "" {
		out.Selected = "none"
	}
	_, out.Injected = pod.Annotations[model.AnnotationSidecarMode]
	// The twin's own decision notes are not part of what Istio writes.
	for _, k := range model.DecisionAnnotations() {
		delete(pod.Annotations, k)
	}
	if len(pod.Annotations) == 0 {
		pod.Annotations = nil
	}
	return out
}

func ptr[T any](v T) *T { return &v }
