package sim_test

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
)

// FuzzInjectPod sends any pod (as JSON) into a namespace with any
// injection labels, through the simulator's API server: nothing panics;
// the injector's recorded decision is the model's for that pod; and the
// model's admission chain never turns a pod that validation accepts into
// one it refuses.
func FuzzInjectPod(f *testing.F) {
	for _, s := range []struct{ pod, nsInject, nsRev string }{
		{`{"metadata":{"name":"web"},"spec":{"containers":[{"name":"web","image":"nginx"}]}}`, "enabled", ""},
		{`{"metadata":{"name":"opt","labels":{"sidecar.istio.io/inject":"true"}},"spec":{"containers":[{"name":"a","image":"nginx"}]}}`, "", ""},
		{`{"metadata":{"name":"no","annotations":{"sidecar.istio.io/inject":"no"}},"spec":{"containers":[{"name":"a","image":"i"}]}}`, "enabled", "canary"},
		{`{"metadata":{"name":"eci","labels":{"alibabacloud.com/eci":"true","istio.io/rev":"x"}},"spec":{"initContainers":[{"name":"i","image":"busybox"}],"containers":[{"name":"a","image":"i"}]}}`, "", "x"},
		{`{"metadata":{"name":"hn"},"spec":{"hostNetwork":true,"containers":[{"name":"a","image":"i","ports":[{"containerPort":15090}]}]}}`, "enabled", ""},
		{`{"metadata":{"name":"job"},"spec":{"restartPolicy":"Never","containers":[{"name":"istio-proxy","image":"x"}]}}`, "disabled", ""},
		{`{}`, "", ""}, {`not json`, "enabled", ""},
	} {
		f.Add(s.pod, s.nsInject, s.nsRev)
	}
	f.Fuzz(func(t *testing.T, podJSON, nsInject, nsRev string) {
		var pod corev1.Pod
		if err := json.Unmarshal([]byte(podJSON), &pod); err != nil {
			return
		}
		e := newEnv(t, setup{virtual: true, nodes: 1})
		nsLabels := map[string]string{}
		if nsInject != "" {
			nsLabels[model.LabelInjection] = nsInject
		}
		if nsRev != "" {
			nsLabels[model.LabelRevision] = nsRev
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "fuzz", Labels: nsLabels}}
		if _, err := e.cs.CoreV1().Namespaces().Create(e.ctx, ns, metav1.CreateOptions{}); err != nil {
			return // labels the API server refuses
		}
		pod.Namespace = "fuzz"
		pod.ResourceVersion = ""
		mesh, err := e.s.Mesh()
		e.must(err)
		info, err := e.s.ClusterInfo("c1")
		e.must(err)

		// The model alone: the chain's result validates when the pod did.
		in := pod.DeepCopy()
		eci, injector := model.ECIWebhook(), model.InjectorWebhook("")
		eci.Webhooks = model.ECIWebhookConfiguration().Webhooks
		injector.Webhooks = model.InjectorWebhookConfiguration("").Webhooks
		chain := model.NewAdmissionChain(eci, injector)
		admitted, aerr := chain.Admit(model.AdmissionRequest{Pod: in, NamespaceLabels: nsLabels, Mesh: mesh.Config(), Cluster: info})
		if aerr == nil && model.ValidatePod(pod.DeepCopy()) == nil {
			if verr := model.ValidatePod(admitted); verr != nil {
				t.Fatalf("a valid pod is invalid once admitted: %v", verr)
			}
		}

		created, err := e.cs.CoreV1().Pods("fuzz").Create(e.ctx, pod.DeepCopy(), metav1.CreateOptions{})
		if err != nil {
			return // refused with an API error, as a real API server refuses
		}
		if model.ValidatePod(created) != nil {
			t.Fatalf("the API server stored a pod its validation refuses: %v", model.ValidatePod(created))
		}
		if aerr != nil {
			t.Fatalf("the model's chain fails (%v) where the simulator admitted the pod", aerr)
		}
		if got, want := created.Annotations[model.AnnotationInjection], admitted.Annotations[model.AnnotationInjection]; got != want {
			t.Fatalf("simulator decided %q, model %q", got, want)
		}
		if model.IsInjected(created) != model.IsInjected(admitted) {
			t.Fatalf("simulator injected %v, model %v", model.IsInjected(created), model.IsInjected(admitted))
		}
	})
}
