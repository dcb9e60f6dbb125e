package sim_test

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"pgregory.net/rapid"

	"github.com/meshtwin/meshtwin/model"
)

// optionalLabel draws one value for key from values, or leaves it out.
func optionalLabel(t *rapid.T, m map[string]string, key string, values ...string) {
	v := rapid.SampledFrom(append([]string{""}, values...)).Draw(t, key)
	if v != "" {
		m[key] = v
	}
}

// TestInjectedIffDecided: whatever the labels of the pod and its
// namespace, the pod the simulator admits carries a sidecar exactly when
// model.DecideInjection says it should.
func TestInjectedIffDecided(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		version := rapid.SampledFrom([]string{"1.22.2.35", "1.7.5.40", "1.17.2.37"}).Draw(t, "version")
		e := newEnv(t, setup{version: version, virtual: true, seed: rapid.Int64().Draw(t, "seed")})
		nsName := rapid.SampledFrom([]string{"demo", "default", "kube-system", "kube-public"}).Draw(t, "namespace")

		nsLabels := map[string]string{}
		optionalLabel(t, nsLabels, model.LabelInjection, "enabled", "disabled", "yes")
		optionalLabel(t, nsLabels, model.LabelRevision, "default", "canary")
		optionalLabel(t, nsLabels, model.LabelECI, "true", "false")
		if nsName == "demo" {
			e.namespace(nsName)
		}
		for k, v := range nsLabels {
			e.label(nsName, k, v)
		}

		pod := newPod(nsName, "p")
		pod.Labels = map[string]string{}
		optionalLabel(t, pod.Labels, model.LabelSidecarInject, "true", "false", "yes")
		optionalLabel(t, pod.Labels, model.LabelRevision, "default", "canary")
		optionalLabel(t, pod.Labels, model.LabelECI, "true", "false")
		pod.Annotations = map[string]string{}
		optionalLabel(t, pod.Annotations, model.LabelSidecarInject, "true", "false")
		pod.Spec.HostNetwork = rapid.Bool().Draw(t, "hostNetwork")

		ns, err := e.cs.CoreV1().Namespaces().Get(e.ctx, nsName, metav1.GetOptions{})
		e.must(err)
		mesh, err := e.s.Instance()
		e.must(err)
		asECI, _ := model.ApplyECIScheduling(pod, ns.Labels)
		want := model.DecideInjection(model.InjectionRequest{
			Namespace: nsName, NamespaceLabels: ns.Labels, Pod: asECI, Mesh: mesh.Config(),
		})

		_, err = e.createPod(pod)
		e.must(err)
		got := e.pod(nsName, "p")
		if model.IsInjected(got) != want.Inject {
			t.Fatalf("injected = %v, model says %+v", model.IsInjected(got), want)
		}
		hasProxy := false
		for _, list := range [][]corev1.Container{got.Spec.Containers, got.Spec.InitContainers} {
			for _, c := range list {
				if c.Name == "istio-proxy" {
					hasProxy = true
				}
			}
		}
		if hasProxy != want.Inject {
			t.Fatalf("istio-proxy present = %v, model says %+v", hasProxy, want)
		}
		e.advance(time.Minute)
		if r, total := model.PodReady(e.pod(nsName, "p")); want.Inject && (r != 2 || total != 2) {
			t.Fatalf("injected pod READY %d/%d", r, total)
		}
	})
}
