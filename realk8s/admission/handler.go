package admission

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AdmissionReview versions the handler answers: v1, and v1beta1 whose
// request and response have the same fields.
const (
	reviewV1      = "admission.k8s.io/v1"
	reviewV1beta1 = "admission.k8s.io/v1beta1"
)

// maxReview bounds a review's size (the API server's own request limit is
// 3 MiB; a pod and its old object fit twice).
const maxReview = 8 << 20

// Handler is the server's HTTP handler: POST /admit/CLUSTER/CONFIGURATION/WEBHOOK
// for the installed webhooks, POST /probe/TOKEN for readiness probes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admit/{cluster}/{configuration}/{webhook}", s.serveAdmit)
	mux.HandleFunc("POST /probe/{token}", s.serveProbe)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		mux.ServeHTTP(w, r)
	})
}

// review is an AdmissionReview of either version.
type review struct {
	metav1.TypeMeta `json:",inline"`
	Request         *admissionv1.AdmissionRequest  `json:"request,omitempty"`
	Response        *admissionv1.AdmissionResponse `json:"response,omitempty"`
}

// readReview decodes the request's AdmissionReview; an error says what is
// wrong with it.
func readReview(r *http.Request) (review, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReview+1))
	if err != nil {
		return review{}, fmt.Errorf("read the AdmissionReview: %w", err)
	}
	if len(body) > maxReview {
		return review{}, fmt.Errorf("the AdmissionReview is larger than %d bytes", maxReview)
	}
	var rv review
	if err := json.Unmarshal(body, &rv); err != nil {
		return review{}, fmt.Errorf("decode the AdmissionReview: %w", err)
	}
	if rv.Kind != "AdmissionReview" || (rv.APIVersion != reviewV1 && rv.APIVersion != reviewV1beta1) {
		return review{}, fmt.Errorf("expected an AdmissionReview of %s or %s, got kind %q of %q", reviewV1, reviewV1beta1, rv.Kind, rv.APIVersion)
	}
	if rv.Request == nil {
		return review{}, errors.New("the AdmissionReview has no request")
	}
	return rv, nil
}

// answer writes the review back with resp as its response, in the
// request's version.
func answer(w http.ResponseWriter, rv review, resp *admissionv1.AdmissionResponse) {
	resp.UID = rv.Request.UID
	out := review{TypeMeta: rv.TypeMeta, Response: resp}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// deny is a refusal as Istio's injector writes one: allowed false, the
// error as the status message; the API server answers the client
// "admission webhook NAME denied the request: MESSAGE".
func deny(err error) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{Message: err.Error()}}
}

func (s *Server) serveAdmit(w http.ResponseWriter, r *http.Request) {
	rv, err := readReview(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cluster, configuration, webhook := r.PathValue("cluster"), r.PathValue("configuration"), r.PathValue("webhook")
	answer(w, rv, s.admit(r, rv.Request, cluster, configuration, webhook))
}

// admit answers one webhook call.
func (s *Server) admit(r *http.Request, req *admissionv1.AdmissionRequest, cluster, configuration, webhook string) *admissionv1.AdmissionResponse {
	if req.Kind.Kind == "ConfigMap" && isProbe(req.Object.Raw) {
		// A readiness probe's dry-run object passing by: not the
		// webhook's business.
		return &admissionv1.AdmissionResponse{Allowed: true}
	}
	if req.Kind.Kind == "Pod" && req.Operation == admissionv1.Create && req.DryRun != nil && *req.DryRun {
		if resp, ok := answerCallsProbe(req.Object.Raw, configuration, webhook); ok {
			return resp
		}
	}
	s.mu.Lock()
	in, ok := s.hooks[hookKey{cluster, configuration}]
	s.mu.Unlock()
	if !ok {
		return deny(fmt.Errorf("meshtwin admission server: no webhook configuration %q is installed for cluster %q", configuration, cluster))
	}
	if !slices.Contains(in.webhooks, webhook) {
		return deny(fmt.Errorf("meshtwin admission server: webhook configuration %q of cluster %q has no webhook %q (it has %v)", configuration, cluster, webhook, in.webhooks))
	}
	if req.Kind.Kind != "Pod" || req.Operation != admissionv1.Create {
		return deny(fmt.Errorf("meshtwin admission server: webhook %q admits pod CREATE only, got %s of %s", webhook, req.Operation, req.Kind.Kind))
	}
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		return deny(fmt.Errorf("meshtwin admission server: decode the pod: %w", err))
	}
	if pod.Namespace == "" {
		pod.Namespace = req.Namespace
	}
	ar, err := s.facts(r.Context(), cluster, pod.Namespace)
	if err != nil {
		return deny(fmt.Errorf("meshtwin admission server: facts for namespace %q of cluster %q: %w", pod.Namespace, cluster, err))
	}
	ar.Pod = pod.DeepCopy()
	res, err := in.hook.Admit(ar)
	if err != nil {
		return deny(err)
	}
	resp := &admissionv1.AdmissionResponse{Allowed: true}
	if res.Pod == nil {
		return resp
	}
	ops, err := podPatch(&pod, res.Pod)
	if err != nil {
		return deny(fmt.Errorf("meshtwin admission server: %w", err))
	}
	if len(ops) > 0 {
		patch, err := json.Marshal(ops)
		if err != nil {
			return deny(fmt.Errorf("meshtwin admission server: encode the patch: %w", err))
		}
		pt := admissionv1.PatchTypeJSONPatch
		resp.Patch, resp.PatchType = patch, &pt
	}
	return resp
}

// podPatch is the RFC 6902 patch from one pod to another, both encoded
// the same way, so that only what the webhook changed is in it.
func podPatch(from, to *corev1.Pod) ([]jsonpatch.Operation, error) {
	a, err := json.Marshal(from)
	if err != nil {
		return nil, fmt.Errorf("encode the pod received: %w", err)
	}
	b, err := json.Marshal(to)
	if err != nil {
		return nil, fmt.Errorf("encode the admitted pod: %w", err)
	}
	ops, err := jsonpatch.CreatePatch(a, b)
	if err != nil {
		return nil, fmt.Errorf("compute the patch: %w", err)
	}
	return ops, nil
}

func (s *Server) serveProbe(w http.ResponseWriter, r *http.Request) {
	rv, err := readReview(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	called, ok := s.probes[r.PathValue("token")]
	if ok {
		delete(s.probes, r.PathValue("token"))
		close(called)
	}
	s.mu.Unlock()
	answer(w, rv, &admissionv1.AdmissionResponse{Allowed: true})
}

// probeConfigMap is the dry-run object of a readiness probe.
func probeConfigMap(token string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "meshtwin-admission-probe-", Labels: map[string]string{ProbeLabel: token}}}
}

// isProbe reports whether an object is a readiness probe's.
func isProbe(raw []byte) bool {
	var obj struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return false
	}
	_, ok := obj.Metadata.Labels[ProbeLabel]
	return ok
}
