package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/meshtwin/meshtwin/model"
)

const istioModule = "istio.io/istio"

// istioRelease is the Istio release of the istio.io/istio this program is
// built with, as `mesh create --profile istio --version` takes it: the
// module's VERSION file names the release line a commit belongs to (on
// master, the next release: 1.31 means 1.31.0 in development). It returns
// the version and the module version it was read from.
func istioRelease() (string, string, error) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", "", fmt.Errorf("no build information: cannot tell which %s this program is built with", istioModule)
	}
	var modVersion string
	for _, d := range info.Deps {
		if d.Path == istioModule {
			modVersion = d.Version
			if d.Replace != nil {
				modVersion = d.Replace.Version
			}
		}
	}
	if modVersion == "" {
		return "", "", fmt.Errorf("%s is not among this program's modules", istioModule)
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return "", "", fmt.Errorf("find the module cache (go env GOMODCACHE): %w", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), istioModule+"@"+modVersion, "VERSION")
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("read %s's release line: %w", istioModule, err)
	}
	line := strings.TrimSpace(string(raw))
	if strings.Count(line, ".") == 1 {
		line += ".0"
	}
	if _, err := model.ParseIstioVersion(line); err != nil {
		return "", "", fmt.Errorf("%s: %w", path, err)
	}
	return line, modVersion, nil
}

// runTwin sends the case through the model's injector webhooks, the links
// of the admission chain that the simulator's API server runs for a mesh
// created with --profile istio --version version, each for the pods its
// configuration's selectors take.
func runTwin(c Case, version model.ASMVersion) outcome {
	mesh := model.MeshConfig{Version: version, Profile: model.ProfileIstio}
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
