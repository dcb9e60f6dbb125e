package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1 "k8s.io/api/admission/v1"
	admissionregv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	meshconfig "istio.io/api/mesh/v1alpha1"
	"istio.io/istio/operator/pkg/render"
	"istio.io/istio/pilot/pkg/features"
	pilotmodel "istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/config/mesh/meshwatcher"
	"istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/kube/inject"
	"istio.io/istio/pkg/kube/multicluster"

	"github.com/meshtwin/meshtwin/model"
)

// revisions are the istiod revisions installed side by side in every
// cluster: the default one and a canary, each from the same chart.
var revisions = []string{"", "canary"}

// install is one revision of the istio-discovery chart, rendered.
type install struct {
	revision string
	config   *inject.Config // the istio-sidecar-injector ConfigMap's config
	values   string         // ... and its values
	mesh     *meshconfig.MeshConfig
	webhooks *admissionregv1.MutatingWebhookConfiguration
	// What the end-to-end tier applies to a cluster and runs: the two
	// ConfigMaps as rendered and istiod's Deployment (its args and env).
	injectorCM, meshCM *corev1.ConfigMap
	deployment         *appsv1.Deployment
}

// renderInstall renders the chart for one revision with Istio's own
// renderer (istioctl manifest generate, default profile).
func renderInstall(revision string) (install, error) {
	var set []string
	if revision != "" {
		set = []string{"revision=" + revision}
	}
	sets, _, err := render.GenerateManifest(nil, set, false, nil, nil)
	if err != nil {
		return install{}, fmt.Errorf("render chart for revision %q: %w", revision, err)
	}
	suffix := ""
	if revision != "" {
		suffix = "-" + revision
	}
	in := install{revision: revision}
	for _, s := range sets {
		for _, m := range s.Manifests {
			switch {
			case m.GetKind() == "ConfigMap" && m.GetName() == "istio-sidecar-injector"+suffix:
				in.injectorCM = &corev1.ConfigMap{}
				err = runtime.DefaultUnstructuredConverter.FromUnstructured(m.Object, in.injectorCM)
			case m.GetKind() == "ConfigMap" && m.GetName() == "istio"+suffix:
				in.meshCM = &corev1.ConfigMap{}
				err = runtime.DefaultUnstructuredConverter.FromUnstructured(m.Object, in.meshCM)
			case m.GetKind() == "Deployment" && m.GetName() == "istiod"+suffix:
				in.deployment = &appsv1.Deployment{}
				err = runtime.DefaultUnstructuredConverter.FromUnstructured(m.Object, in.deployment)
			case m.GetKind() == "MutatingWebhookConfiguration" && m.GetName() == "istio-sidecar-injector"+suffix:
				in.webhooks = &admissionregv1.MutatingWebhookConfiguration{}
				err = runtime.DefaultUnstructuredConverter.FromUnstructured(m.Object, in.webhooks)
			}
			if err != nil {
				return install{}, fmt.Errorf("decode %s %s: %w", m.GetKind(), m.GetName(), err)
			}
		}
	}
	if in.injectorCM == nil || in.meshCM == nil || in.webhooks == nil || in.deployment == nil {
		return install{}, fmt.Errorf("render chart for revision %q: the injector ConfigMap, the mesh ConfigMap, the webhook configuration or istiod's Deployment is missing", revision)
	}
	cfg, err := inject.UnmarshalConfig([]byte(in.injectorCM.Data["config"]))
	if err != nil {
		return install{}, fmt.Errorf("injector config of revision %q: %w", revision, err)
	}
	in.config = &cfg
	in.values = in.injectorCM.Data["values"]
	if in.mesh, err = mesh.ApplyMeshConfigDefaults(in.meshCM.Data["mesh"]); err != nil {
		return install{}, fmt.Errorf("mesh config of revision %q: %w", revision, err)
	}
	return in, nil
}

// staticWatcher hands the webhook a fixed configuration, as istiod's
// ConfigMap watcher does once it has read the ConfigMap.
type staticWatcher struct {
	config *inject.Config
	values string
}

func (w staticWatcher) SetHandler(func(*inject.Config, string) error) {}
func (w staticWatcher) Run(<-chan struct{})                           {}
func (w staticWatcher) Get() (*inject.Config, string, error)          { return w.config, w.values, nil }

// upstream runs Istio's injector in-process, one webhook server per
// revision and Kubernetes minor version (the nodes' kubelet version is what
// the injector reads for native sidecars).
type upstream struct {
	// release is the Istio release the module is (istioRelease); the
	// model is asked to behave as the same release.
	release       string
	releaseModule string
	version       model.ASMVersion // release, parsed as the model reads it
	installs      []install
	servers       map[serverKey]http.Handler
	stop          chan struct{}
}

type serverKey struct {
	revision  string
	kubeMinor int
}

func newUpstream() (*upstream, error) {
	u := &upstream{servers: map[serverKey]http.Handler{}, stop: make(chan struct{})}
	var err error
	if u.release, u.releaseModule, err = istioRelease(); err != nil {
		return nil, err
	}
	if u.version, err = model.ParseIstioVersion(u.release); err != nil {
		return nil, fmt.Errorf("upstream's release: %w", err)
	}
	for _, r := range revisions {
		in, err := renderInstall(r)
		if err != nil {
			return nil, err
		}
		if err := compareConfigurations(in); err != nil {
			return nil, fmt.Errorf("webhook configuration: %w", err)
		}
		u.installs = append(u.installs, in)
	}
	return u, nil
}

func (u *upstream) close() { close(u.stop) }

// server returns the webhook server for a revision in a cluster whose one
// node runs kubelet 1.minor, starting the servers of that cluster on first
// use.
func (u *upstream) server(revision string, minor int) (http.Handler, error) {
	if h, ok := u.servers[serverKey{revision, minor}]; ok {
		return h, nil
	}
	// The injector only watches nodes when native sidecars are not
	// switched off; the per-case setting is applied at each call.
	features.EnableNativeSidecars = features.NativeSidecarModeAuto
	multi := multicluster.NewFakeController()
	for _, in := range u.installs {
		env := &pilotmodel.Environment{Watcher: meshwatcher.NewTestWatcher(in.mesh), ConfigStore: pilotmodel.NewFakeStore()}
		env.SetPushContext(&pilotmodel.PushContext{ProxyConfigs: pilotmodel.GetProxyConfigs(env.ConfigStore, in.mesh)})
		mux := http.NewServeMux()
		if _, err := inject.NewWebhook(inject.WebhookParameters{
			Watcher:      staticWatcher{config: in.config, values: in.values},
			Env:          env,
			Mux:          mux,
			Revision:     in.revision,
			MultiCluster: multi,
		}); err != nil {
			return nil, fmt.Errorf("start the injector of revision %q: %w", in.revision, err)
		}
		u.servers[serverKey{in.revision, minor}] = mux
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}}
	node.Status.NodeInfo.KubeletVersion = fmt.Sprintf("v1.%d.0", minor)
	client := kube.NewFakeClient(node)
	multi.Add(constants.DefaultClusterName, client, u.stop)
	client.RunAndWait(u.stop)
	return u.servers[serverKey{revision, minor}], nil
}

// outcome is what one side made of a case.
type outcome struct {
	// Selected names the webhooks whose selectors matched (upstream) or
	// the rule that decided (model).
	Selected string
	Injected bool
	// Rejected is the error that refused the pod, if any.
	Rejected string
	// Pod is the pod as admitted (the input when nothing changed it).
	Pod *corev1.Pod
}

// namespaceLabels are the namespace's labels as the API server keeps them.
func namespaceLabels(c Case) labels.Set {
	l := labels.Set{"kubernetes.io/metadata.name": c.Namespace}
	for k, v := range c.NamespaceLabels {
		l[k] = v
	}
	return l
}

func selectorMatches(sel *metav1.LabelSelector, set labels.Set) (bool, error) {
	if sel == nil {
		return true, nil
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false, err
	}
	return s.Matches(set), nil
}

// selected names the chart's webhooks whose selectors take the case's pod,
// in the order the API server calls them ("none" if none does).
func (u *upstream) selected(c Case) (string, error) {
	nsLabels := namespaceLabels(c)
	var names []string
	for _, in := range u.installs {
		for _, wh := range in.webhooks.Webhooks {
			nsOK, err := selectorMatches(wh.NamespaceSelector, nsLabels)
			if err != nil {
				return "", fmt.Errorf("webhook %s namespace selector: %w", wh.Name, err)
			}
			objOK, err := selectorMatches(wh.ObjectSelector, labels.Set(c.Pod.Labels))
			if err != nil {
				return "", fmt.Errorf("webhook %s object selector: %w", wh.Name, err)
			}
			if nsOK && objOK {
				names = append(names, wh.Name)
			}
		}
	}
	if len(names) == 0 {
		return "none", nil
	}
	return strings.Join(names, ","), nil
}

// run sends the case's pod through the API server's mutating admission as
// the chart configures it: every webhook whose namespace and object
// selectors match is called, in order, each on the previous one's output.
func (u *upstream) run(c Case) (outcome, error) {
	nsLabels := namespaceLabels(c)
	pod := c.Pod.DeepCopy()
	out := outcome{Pod: pod}
	var selected []string
	for _, in := range u.installs {
		for _, wh := range in.webhooks.Webhooks {
			nsOK, err := selectorMatches(wh.NamespaceSelector, nsLabels)
			if err != nil {
				return outcome{}, fmt.Errorf("webhook %s namespace selector: %w", wh.Name, err)
			}
			objOK, err := selectorMatches(wh.ObjectSelector, labels.Set(pod.Labels))
			if err != nil {
				return outcome{}, fmt.Errorf("webhook %s object selector: %w", wh.Name, err)
			}
			if !nsOK || !objOK {
				continue
			}
			selected = append(selected, wh.Name)
			path := "/inject"
			if wh.ClientConfig.Service != nil && wh.ClientConfig.Service.Path != nil && *wh.ClientConfig.Service.Path != "" {
				path = *wh.ClientConfig.Service.Path
			}
			patched, changed, rejected, err := u.call(in.revision, c, path, pod)
			if err != nil {
				return outcome{}, fmt.Errorf("webhook %s: %w", wh.Name, err)
			}
			if rejected != "" {
				out.Rejected = rejected
				out.Selected = strings.Join(selected, ",")
				return out, nil
			}
			if changed {
				out.Injected = true
				pod = patched
				out.Pod = pod
			}
		}
	}
	out.Selected = strings.Join(selected, ",")
	if out.Selected == "" {
		out.Selected = "none"
	}
	return out, nil
}

func nativeMode(s string) features.NativeSidecarMode {
	switch s {
	case "true":
		return features.NativeSidecarModeEnabled
	case "false":
		return features.NativeSidecarModeDisabled
	}
	return features.NativeSidecarModeAuto
}

// call posts one AdmissionReview to a revision's injector and applies the
// JSON patch it answers with.
func (u *upstream) call(revision string, c Case, path string, pod *corev1.Pod) (*corev1.Pod, bool, string, error) {
	h, err := u.server(revision, c.KubeMinor)
	if err != nil {
		return nil, false, "", err
	}
	features.EnableNativeSidecars = nativeMode(c.Native)
	raw, err := json.Marshal(pod)
	if err != nil {
		return nil, false, "", fmt.Errorf("encode pod: %w", err)
	}
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       "oracle",
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespace: c.Namespace,
			Operation: admissionv1.Create,
			Object:    runtime.RawExtension{Raw: raw},
		},
	}
	body, err := json.Marshal(review)
	if err != nil {
		return nil, false, "", fmt.Errorf("encode review: %w", err)
	}
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, false, "", fmt.Errorf("injector answered %d: %s", rec.Code, rec.Body.String())
	}
	var resp admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		return nil, false, "", fmt.Errorf("decode the injector's answer: %w", err)
	}
	if resp.Response == nil {
		return nil, false, "", fmt.Errorf("the injector's answer has no response")
	}
	if !resp.Response.Allowed {
		msg := "denied"
		if resp.Response.Result != nil {
			msg = resp.Response.Result.Message
		}
		return nil, false, msg, nil
	}
	if len(resp.Response.Patch) == 0 {
		return pod, false, "", nil
	}
	patch, err := jsonpatch.DecodePatch(resp.Response.Patch)
	if err != nil {
		return nil, false, "", fmt.Errorf("decode patch: %w", err)
	}
	patchedRaw, err := patch.Apply(raw)
	if err != nil {
		return nil, false, "", fmt.Errorf("apply patch: %w", err)
	}
	var patched corev1.Pod
	if err := json.Unmarshal(patchedRaw, &patched); err != nil {
		return nil, false, "", fmt.Errorf("decode patched pod: %w", err)
	}
	return &patched, true, "", nil
}
