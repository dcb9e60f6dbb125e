package admission

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/meshtwin/meshtwin/model"
)

// namespaceFacts answers Facts from a table of namespace labels, for a
// mesh of ASM 1.22 on Kubernetes 1.37.
func namespaceFacts(labels map[string]map[string]string) Facts {
	return func(_ context.Context, cluster, namespace string) (model.AdmissionRequest, error) {
		l, ok := labels[namespace]
		if !ok {
			return model.AdmissionRequest{}, errors.New("no such namespace")
		}
		return model.AdmissionRequest{
			NamespaceLabels: l,
			Mesh:            model.MeshConfig{Version: model.ASMVersion{Major: 1, Minor: 22, Patch: 6, Build: 3}, Profile: model.ProfileASM},
			Cluster:         model.ClusterInfo{Name: cluster, KubeVersion: model.KubeVersion{Major: 1, Minor: 37}},
		}, nil
	}
}

func startServer(t *testing.T, facts Facts) *Server {
	t.Helper()
	s, err := Start(t.Context(), facts)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Stop()) })
	return s
}

// trustingClient is an HTTPS client that trusts the server's CA.
func trustingClient(t *testing.T, s *Server) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(s.CABundle()))
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

func podReview(t *testing.T, apiVersion string, pod *corev1.Pod) []byte {
	t.Helper()
	raw, err := json.Marshal(pod)
	require.NoError(t, err)
	rv := review{
		TypeMeta: metav1.TypeMeta{APIVersion: apiVersion, Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID("req-1"),
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespace: pod.Namespace,
			Operation: admissionv1.Create,
			Object:    runtime.RawExtension{Raw: raw},
		},
	}
	b, err := json.Marshal(rv)
	require.NoError(t, err)
	return b
}

func webPod(namespace string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: namespace},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
	}
}

func TestHandlerAnswersEachCall(t *testing.T) {
	t.Parallel()
	facts := namespaceFacts(map[string]map[string]string{
		"meshed": {model.LabelInjection: "enabled"},
		"plain":  {},
	})
	injector := model.InjectorWebhookConfiguration(model.DefaultRevision)
	failing := model.MutatingWebhook{Name: "deny.example.com", Configuration: "deny", Admit: func(model.AdmissionRequest) (model.AdmissionResult, error) {
		return model.AdmissionResult{}, errors.New("sidecar template is broken")
	}}
	tests := []struct {
		name         string
		path         string
		body         func(t *testing.T) []byte
		wantHTTP     int
		wantVersion  string
		wantAllowed  bool
		wantMessage  string
		wantProxy    bool // istio-proxy among the patched pod's containers
		wantInjected string
	}{
		{name: "injected", path: "/admit/c1/istio-sidecar-injector/namespace.sidecar-injector.istio.io",
			body:     func(t *testing.T) []byte { return podReview(t, reviewV1, webPod("meshed")) },
			wantHTTP: http.StatusOK, wantVersion: reviewV1, wantAllowed: true, wantProxy: true, wantInjected: model.RuleNamespaceInjectionEnabled},
		{name: "not injected", path: "/admit/c1/istio-sidecar-injector/object.sidecar-injector.istio.io",
			body:     func(t *testing.T) []byte { return podReview(t, reviewV1, webPod("plain")) },
			wantHTTP: http.StatusOK, wantVersion: reviewV1, wantAllowed: true, wantProxy: false, wantInjected: model.RuleNoSelectorMatched},
		{name: "v1beta1 answered in v1beta1", path: "/admit/c1/istio-sidecar-injector/namespace.sidecar-injector.istio.io",
			body:     func(t *testing.T) []byte { return podReview(t, reviewV1beta1, webPod("meshed")) },
			wantHTTP: http.StatusOK, wantVersion: reviewV1beta1, wantAllowed: true, wantProxy: true, wantInjected: model.RuleNamespaceInjectionEnabled},
		{name: "model error", path: "/admit/c1/deny/deny.example.com",
			body:     func(t *testing.T) []byte { return podReview(t, reviewV1, webPod("plain")) },
			wantHTTP: http.StatusOK, wantVersion: reviewV1, wantMessage: "sidecar template is broken"},
		{name: "facts error", path: "/admit/c1/istio-sidecar-injector/namespace.sidecar-injector.istio.io",
			body:     func(t *testing.T) []byte { return podReview(t, reviewV1, webPod("gone")) },
			wantHTTP: http.StatusOK, wantVersion: reviewV1, wantMessage: `meshtwin admission server: facts for namespace "gone" of cluster "c1": no such namespace`},
		{name: "unknown cluster", path: "/admit/c9/istio-sidecar-injector/namespace.sidecar-injector.istio.io",
			body:     func(t *testing.T) []byte { return podReview(t, reviewV1, webPod("meshed")) },
			wantHTTP: http.StatusOK, wantVersion: reviewV1, wantMessage: `meshtwin admission server: no webhook configuration "istio-sidecar-injector" is installed for cluster "c9"`},
		{name: "unknown configuration", path: "/admit/c1/istio-sidecar-injector-canary/rev.namespace.sidecar-injector.istio.io",
			body:     func(t *testing.T) []byte { return podReview(t, reviewV1, webPod("meshed")) },
			wantHTTP: http.StatusOK, wantVersion: reviewV1, wantMessage: `meshtwin admission server: no webhook configuration "istio-sidecar-injector-canary" is installed for cluster "c1"`},
		{name: "unknown webhook", path: "/admit/c1/istio-sidecar-injector/auto.sidecar-injector.istio.io",
			body:     func(t *testing.T) []byte { return podReview(t, reviewV1, webPod("meshed")) },
			wantHTTP: http.StatusOK, wantVersion: reviewV1, wantMessage: `has no webhook "auto.sidecar-injector.istio.io"`},
		{name: "malformed review", path: "/admit/c1/istio-sidecar-injector/namespace.sidecar-injector.istio.io",
			body: func(*testing.T) []byte {
				return []byte(`{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": 7}`)
			},
			wantHTTP: http.StatusBadRequest, wantMessage: "decode the AdmissionReview"},
		{name: "not a review", path: "/admit/c1/istio-sidecar-injector/namespace.sidecar-injector.istio.io",
			body:     func(*testing.T) []byte { return []byte(`{"apiVersion": "v1", "kind": "Pod"}`) },
			wantHTTP: http.StatusBadRequest, wantMessage: `expected an AdmissionReview of admission.k8s.io/v1 or admission.k8s.io/v1beta1, got kind "Pod" of "v1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, facts)
			s.remember("c1", injector, model.InjectorWebhook(model.DefaultRevision))
			s.remember("c1", webhookConfiguration("deny", "deny.example.com"), failing)

			body := tt.body(t)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, tt.path, bytes.NewReader(body)))
			require.Equal(t, tt.wantHTTP, rec.Code, rec.Body.String())
			if tt.wantHTTP != http.StatusOK {
				assert.Contains(t, rec.Body.String(), tt.wantMessage)
				return
			}
			var got review
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
			assert.Equal(t, tt.wantVersion, got.APIVersion)
			assert.Equal(t, "AdmissionReview", got.Kind)
			require.NotNil(t, got.Response)
			assert.Equal(t, types.UID("req-1"), got.Response.UID)
			assert.Equal(t, tt.wantAllowed, got.Response.Allowed)
			if !tt.wantAllowed {
				require.NotNil(t, got.Response.Result)
				assert.Contains(t, got.Response.Result.Message, tt.wantMessage)
				assert.Empty(t, got.Response.Patch)
				return
			}
			require.NotNil(t, got.Response.PatchType)
			assert.Equal(t, admissionv1.PatchTypeJSONPatch, *got.Response.PatchType)
			pod := applyPatch(t, body, got.Response.Patch)
			assert.Equal(t, tt.wantInjected, pod.Annotations[model.AnnotationInjection])
			names := []string{}
			for _, c := range append(pod.Spec.InitContainers, pod.Spec.Containers...) {
				names = append(names, c.Name)
			}
			if tt.wantProxy {
				assert.Contains(t, names, model.ProxyContainerName)
			} else {
				assert.Equal(t, []string{"web"}, names)
			}
		})
	}
}

// applyPatch applies an answer's JSON patch to the review's pod, as the
// API server does.
func applyPatch(t *testing.T, reviewBody, patch []byte) *corev1.Pod {
	t.Helper()
	var rv review
	require.NoError(t, json.Unmarshal(reviewBody, &rv))
	p, err := jsonpatch.DecodePatch(patch)
	require.NoError(t, err)
	out, err := p.Apply(rv.Request.Object.Raw)
	require.NoError(t, err)
	var pod corev1.Pod
	require.NoError(t, json.Unmarshal(out, &pod))
	return &pod
}

func TestServerServesTLSWithItsCA(t *testing.T) {
	t.Parallel()
	s := startServer(t, namespaceFacts(map[string]map[string]string{"meshed": {model.LabelInjection: "enabled"}}))
	s.remember("c1", model.InjectorWebhookConfiguration(model.DefaultRevision), model.InjectorWebhook(model.DefaultRevision))

	client := trustingClient(t, s)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL("c1", "istio-sidecar-injector", "namespace.sidecar-injector.istio.io"),
		bytes.NewReader(podReview(t, reviewV1, webPod("meshed"))))
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err, "the server's certificate is for 127.0.0.1 and signed by CABundle")
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var got review
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	assert.True(t, got.Response.Allowed)
	assert.NotEmpty(t, got.Response.Patch)

	require.NoError(t, s.Stop())
	require.NoError(t, s.Stop(), "Stop again returns the first result")
	_, err = client.Do(req.Clone(t.Context()))
	assert.Error(t, err, "the server is stopped")
}

func TestInstallRejectsBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t, namespaceFacts(nil))
	hook := model.InjectorWebhook(model.DefaultRevision)
	tests := []struct {
		name    string
		cluster string
		mwc     func() *admissionregistrationv1.MutatingWebhookConfiguration
		hook    model.MutatingWebhook
		want    string
	}{
		{"bad cluster name", "C_1", func() *admissionregistrationv1.MutatingWebhookConfiguration {
			return model.InjectorWebhookConfiguration("")
		}, hook, `install webhook configuration in cluster "C_1": invalid cluster name`},
		{"no configuration", "c1", func() *admissionregistrationv1.MutatingWebhookConfiguration { return nil }, hook, "no configuration"},
		{"no webhooks", "c1", func() *admissionregistrationv1.MutatingWebhookConfiguration {
			return &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "empty"}}
		}, hook, `configuration "empty" has no webhooks`},
		{"no Admit", "c1", func() *admissionregistrationv1.MutatingWebhookConfiguration {
			return model.InjectorWebhookConfiguration("")
		}, model.MutatingWebhook{}, "has no Admit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := fake.NewClientset()
			err := s.Install(t.Context(), tt.cluster, c, tt.mwc(), tt.hook)
			require.ErrorContains(t, err, tt.want)
			list, err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().List(t.Context(), metav1.ListOptions{})
			require.NoError(t, err)
			assert.Empty(t, list.Items)
		})
	}
}

func webhookConfiguration(name, webhook string) *admissionregistrationv1.MutatingWebhookConfiguration {
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Webhooks:   []admissionregistrationv1.MutatingWebhook{model.PodCreateWebhook(webhook, "kube-system", name, "/mutate")},
	}
}

// TestStartOnServesAtItsAddress: a server started on another address of
// the host (kind's nodes call the Docker network's gateway) listens
// there, names it in its URLs and holds it in its certificate.
func TestStartOnServesAtItsAddress(t *testing.T) {
	t.Parallel()
	host := net.IPv4(127, 0, 0, 2) // any 127/8 address is this host's on Linux
	s, err := StartOn(t.Context(), namespaceFacts(nil), host)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Stop() })
	url := s.URL("c1", "istio-sidecar-injector", "namespace.sidecar-injector.istio.io")
	assert.True(t, strings.HasPrefix(url, "https://127.0.0.2:"), url)
	assert.Contains(t, *s.probeConfiguration("t").Webhooks[0].ClientConfig.URL, "https://127.0.0.2:")

	client := trustingClient(t, s)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(podReview(t, reviewV1, webPod("default"))))
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err, "the certificate names 127.0.0.2")
	resp.Body.Close()

	_, err = StartOn(t.Context(), namespaceFacts(nil), net.IPv4zero)
	require.ErrorContains(t, err, "is not an address to listen on")
}

// TestStopClosesConnectionsWithoutACall: a connection on which no request
// came (an API server's spare one) does not make Stop fail; a call still
// being handled after the wait does, saying so.
func TestStopClosesConnectionsWithoutACall(t *testing.T) {
	t.Parallel()
	t.Run("a connection without a request", func(t *testing.T) {
		t.Parallel()
		s, err := Start(t.Context(), namespaceFacts(nil))
		require.NoError(t, err)
		s.stopWait = 300 * time.Millisecond
		conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port())))
		require.NoError(t, err)
		defer conn.Close()
		time.Sleep(50 * time.Millisecond) // accepted: the server holds it as new
		assert.NoError(t, s.Stop())
	})
	t.Run("a call still being handled", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		facts := func(ctx context.Context, _, _ string) (model.AdmissionRequest, error) {
			<-release
			return model.AdmissionRequest{}, errors.New("released")
		}
		s, err := Start(t.Context(), facts)
		require.NoError(t, err)
		s.stopWait = 300 * time.Millisecond
		s.remember("c1", model.InjectorWebhookConfiguration(model.DefaultRevision), model.InjectorWebhook(model.DefaultRevision))
		client := trustingClient(t, s)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL("c1", "istio-sidecar-injector", "namespace.sidecar-injector.istio.io"),
			bytes.NewReader(podReview(t, reviewV1, webPod("meshed"))))
		require.NoError(t, err)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		require.Eventually(t, func() bool { return s.inFlight.Load() == 1 }, 10*time.Second, 10*time.Millisecond)
		err = s.Stop()
		require.ErrorContains(t, err, "1 webhook call(s) still being handled after 300ms")
		assert.ErrorContains(t, err, "stop admission server on 127.0.0.1:")
		close(release)
		<-done
	})
}

// TestHandlerAnswersCallsProbesWithTheCallOnly: a dry-run pod that Calls
// creates gets each call appended to its annotation and nothing else,
// even in a namespace the facts do not know and from a configuration not
// installed; the same pod created for real is admitted as any other.
func TestHandlerAnswersCallsProbesWithTheCallOnly(t *testing.T) {
	t.Parallel()
	s := startServer(t, namespaceFacts(map[string]map[string]string{"meshed": {model.LabelInjection: "enabled"}}))
	s.remember("c1", model.InjectorWebhookConfiguration(model.DefaultRevision), model.InjectorWebhook(model.DefaultRevision))
	call := func(t *testing.T, path string, pod *corev1.Pod, dryRun bool) *corev1.Pod {
		t.Helper()
		body := podReview(t, reviewV1, pod)
		var rv review
		require.NoError(t, json.Unmarshal(body, &rv))
		rv.Request.DryRun = &dryRun
		body, err := json.Marshal(rv)
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, bytes.NewReader(body)))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var got review
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
		require.True(t, got.Response.Allowed, "%+v", got.Response.Result)
		if len(got.Response.Patch) == 0 {
			return pod
		}
		return applyPatch(t, body, got.Response.Patch)
	}
	probe := webPod("elsewhere")
	probe.Annotations = map[string]string{CallsAnnotation: ""}
	probe = call(t, "/admit/c1/istio-sidecar-injector/namespace.sidecar-injector.istio.io", probe, true)
	probe = call(t, "/admit/c1/not-installed/x.example.com", probe, true)
	assert.Equal(t, map[string]string{CallsAnnotation: "istio-sidecar-injector/namespace.sidecar-injector.istio.io;not-installed/x.example.com;"}, probe.Annotations)
	assert.Len(t, probe.Spec.Containers, 1)

	real := webPod("meshed")
	real.Annotations = map[string]string{CallsAnnotation: ""}
	real = call(t, "/admit/c1/istio-sidecar-injector/namespace.sidecar-injector.istio.io", real, false)
	assert.Equal(t, model.RuleNamespaceInjectionEnabled, real.Annotations[model.AnnotationInjection])
}
