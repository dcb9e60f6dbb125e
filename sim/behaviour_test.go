package sim_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
)

func TestDeploymentInjection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		su       setup
		nsLabels []string
		want     string
		rule     string
	}{
		{"no label", setup{}, nil, "1/1", ""}, // no injector's selector takes the pod
		{"enabled", setup{}, []string{"istio-injection", "enabled"}, "2/2", "namespace-injection-enabled"},
		{"disabled", setup{}, []string{"istio-injection", "disabled"}, "1/1", ""},
		{"enabled, traditional", setup{native: new(false)}, []string{"istio-injection", "enabled"}, "2/2", "namespace-injection-enabled"},
		{"enabled, cluster outside the mesh", setup{noJoin: true}, []string{"istio-injection", "enabled"}, "1/1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.su)
			e.namespace("demo", tt.nsLabels...)
			e.createDeployment(newDeployment("demo", "web", 2))
			pods := e.pods("demo", "app=web")
			if len(pods) != 2 {
				t.Fatalf("%d pods, want 2", len(pods))
			}
			for _, p := range pods {
				if got := model.PodStatusText(&p); got != "ContainerCreating" && got != "Init:0/1" && got != "Init:0/2" && got != "Pending" {
					t.Errorf("pod %s is %s before the clock moves", p.Name, got)
				}
				if p.Annotations[model.AnnotationInjection] != tt.rule {
					t.Errorf("pod %s: injection rule %q, want %q", p.Name, p.Annotations[model.AnnotationInjection], tt.rule)
				}
			}
			e.advance(30 * time.Second)
			for _, p := range e.pods("demo", "app=web") {
				if got := ready(&p); got != tt.want || model.PodStatusText(&p) != "Running" {
					t.Errorf("pod %s: READY %s STATUS %s, want %s Running", p.Name, got, model.PodStatusText(&p), tt.want)
				}
				if p.Status.PodIP == "" || !strings.HasPrefix(p.Status.PodIP, "10.") || !strings.HasPrefix(p.Status.HostIP, "192.168.0.") {
					t.Errorf("pod %s: IP %q host %q", p.Name, p.Status.PodIP, p.Status.HostIP)
				}
			}
			d, err := e.cs.AppsV1().Deployments("demo").Get(e.ctx, "web", metav1.GetOptions{})
			e.must(err)
			if s := d.Status; s.ReadyReplicas != 2 || s.UpdatedReplicas != 2 || s.AvailableReplicas != 2 || s.Replicas != 2 {
				t.Errorf("deployment status %+v", s)
			}
			rs := e.replicaSets("demo")
			if len(rs) != 1 || rs[0].Labels["pod-template-hash"] == "" || rs[0].Name != "web-"+rs[0].Labels["pod-template-hash"] || len(rs[0].Labels["pod-template-hash"]) != 10 {
				t.Errorf("replica sets %v", rsNames(rs))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func (e *env) replicaSets(ns string) []appsv1.ReplicaSet {
	e.t.Helper()
	list, err := e.cs.AppsV1().ReplicaSets(ns).List(e.ctx, metav1.ListOptions{})
	e.must(err)
	return list.Items
}

func rsNames(rs []appsv1.ReplicaSet) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s=%d/%d", r.Name, derefOr(r.Spec.Replicas), r.Status.Replicas))
	}
	return out
}

func derefOr(p *int32) int32 {
	if p == nil {
		return -1
	}
	return *p
}

func TestNativeAndTraditionalLayout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		su         setup
		native     bool
		containers []string
	}{
		{"ASM 1.22 on Kubernetes 1.30 is native", setup{}, true, []string{"app"}},
		{"enableNativeSidecar false is traditional", setup{native: new(false)}, false, []string{"app", "istio-proxy"}},
		{"Kubernetes 1.26 is traditional", setup{kube: "1.26"}, false, []string{"app", "istio-proxy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.su)
			e.namespace("demo", "istio-injection", "enabled")
			_, err := e.createPod(newPod("demo", "p"))
			e.must(err)
			p := e.pod("demo", "p")
			if got := containerNames(p.Spec.Containers); !slices.Equal(got, tt.containers) {
				t.Errorf("containers %v, want %v", got, tt.containers)
			}
			native := false
			for _, c := range p.Spec.InitContainers {
				if c.Name == "istio-proxy" && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
					native = true
				}
			}
			if native != tt.native {
				t.Errorf("native = %v, want %v", native, tt.native)
			}
			wantMode := map[bool]string{true: "native", false: "traditional"}[tt.native]
			if p.Annotations[model.AnnotationSidecarMode] != wantMode {
				t.Errorf("mode annotation %q, want %q", p.Annotations[model.AnnotationSidecarMode], wantMode)
			}
			e.advance(time.Minute)
			if got := ready(e.pod("demo", "p")); got != "2/2" {
				t.Errorf("READY %s, want 2/2", got)
			}
		})
	}
}

func TestECIPlacement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		nsLabels []string
		podLabel []string
		virtual  bool
	}{
		{"pod label", []string{"istio-injection", "enabled"}, []string{"alibabacloud.com/eci", "true"}, true},
		{"namespace label", []string{"istio-injection", "enabled", "alibabacloud.com/eci", "true"}, nil, true},
		{"no label", []string{"istio-injection", "enabled"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, setup{virtual: true})
			e.namespace("vk", tt.nsLabels...)
			_, err := e.createPod(newPod("vk", "nginx", tt.podLabel...))
			e.must(err)
			e.advance(time.Minute)
			p := e.pod("vk", "nginx")
			onVirtual := p.Spec.NodeName == "virtual-kubelet-cn-beijing-i"
			if onVirtual != tt.virtual {
				t.Fatalf("node %q, want virtual=%v", p.Spec.NodeName, tt.virtual)
			}
			wantIP := "10."
			if tt.virtual {
				wantIP = "192.168."
			}
			if !strings.HasPrefix(p.Status.PodIP, wantIP) || ready(p) != "2/2" || model.PodStatusText(p) != "Running" {
				t.Errorf("pod %s %s %s on %s", p.Status.PodIP, ready(p), model.PodStatusText(p), p.Spec.NodeName)
			}
			if ev := e.events("vk", "Pod", "nginx"); !hasLine(ev, "Normal Scheduled Successfully assigned vk/nginx to "+p.Spec.NodeName) {
				t.Errorf("events %v", ev)
			}
		})
	}
}

// TestECILabelInertWithoutVirtualNode (B21 revised): without
// ack-virtual-node nothing acts on alibabacloud.com/eci, so the pod runs
// on a regular node.
func TestECILabelInertWithoutVirtualNode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("vk", "alibabacloud.com/eci", "true")
	_, err := e.createPod(newPod("vk", "nginx"))
	e.must(err)
	e.advance(time.Minute)
	p := e.pod("vk", "nginx")
	if strings.HasPrefix(p.Spec.NodeName, "virtual-kubelet") || p.Spec.NodeName == "" || model.PodStatusText(p) != "Running" {
		t.Fatalf("pod on %q is %s, want Running on a regular node", p.Spec.NodeName, model.PodStatusText(p))
	}
	if len(p.Spec.NodeSelector) > 0 || len(p.Spec.Tolerations) > 0 && p.Spec.Tolerations[0].Key == model.TaintVirtualKubelet {
		t.Fatalf("no ECI webhook ran, yet the pod has nodeSelector %v tolerations %v", p.Spec.NodeSelector, p.Spec.Tolerations)
	}
}

// TestUnschedulableUntilVirtualNode: a pod pinned to a virtual node by
// its own nodeSelector stays Pending until one exists.
func TestUnschedulableUntilVirtualNode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("vk")
	pinned, _ := model.ApplyECIScheduling(newPod("vk", "nginx"), map[string]string{model.LabelECI: "true"})
	_, err := e.createPod(pinned)
	e.must(err)
	e.advance(time.Minute)
	p := e.pod("vk", "nginx")
	cond := findPodCondition(p, corev1.PodScheduled)
	if p.Spec.NodeName != "" || p.Status.Phase != corev1.PodPending || cond == nil || cond.Status != corev1.ConditionFalse || cond.Reason != "Unschedulable" {
		t.Fatalf("pod on %q phase %s condition %+v", p.Spec.NodeName, p.Status.Phase, cond)
	}
	ev := e.events("vk", "Pod", "nginx")
	if !hasLine(ev, "Warning FailedScheduling 0/2 nodes are available") {
		t.Fatalf("events %v", ev)
	}
	e.must(e.s.AddVirtualNode(e.ctx, "c1"))
	p = e.pod("vk", "nginx")
	if p.Spec.NodeName != "virtual-kubelet-cn-beijing-i" {
		t.Fatalf("after adding the virtual node the pod is on %q", p.Spec.NodeName)
	}
	e.advance(time.Minute)
	if p = e.pod("vk", "nginx"); model.PodStatusText(p) != "Running" || !strings.HasPrefix(p.Status.PodIP, "192.168.") {
		t.Errorf("pod %s %s", model.PodStatusText(p), p.Status.PodIP)
	}
}

func findPodCondition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func TestJobCompletion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		su       setup
		complete bool
	}{
		{"native sidecar", setup{}, true},
		{"traditional sidecar", setup{native: new(false)}, false},
		{"no sidecar", setup{noJoin: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.su)
			e.namespace("batch", "istio-injection", "enabled")
			_, err := e.cs.BatchV1().Jobs("batch").Create(e.ctx, newJob("batch", "pi"), metav1.CreateOptions{})
			e.must(err)
			e.advance(5 * time.Minute)
			j, err := e.cs.BatchV1().Jobs("batch").Get(e.ctx, "pi", metav1.GetOptions{})
			e.must(err)
			complete := false
			for _, c := range j.Status.Conditions {
				if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
					complete = true
				}
			}
			if complete != tt.complete || (j.Status.Succeeded == 1) != tt.complete || (j.Status.CompletionTime != nil) != tt.complete {
				t.Fatalf("job status %+v, want complete=%v", j.Status, tt.complete)
			}
			pods := e.pods("batch", "job-name=pi")
			if len(pods) != 1 || pods[0].Labels["batch.kubernetes.io/job-name"] != "pi" || pods[0].Spec.RestartPolicy != corev1.RestartPolicyNever {
				t.Fatalf("job pods %v", readyColumn(pods))
			}
			wantStatus := "Completed"
			if !tt.complete {
				wantStatus = "NotReady"
			}
			if got := model.PodStatusText(&pods[0]); got != wantStatus {
				t.Errorf("job pod STATUS %s, want %s", got, wantStatus)
			}
		})
	}
}

func TestLegacyWebhookBreaksNativeSidecar(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.must(e.s.InstallWebhook(e.ctx, "c1", model.Webhook{Name: "logsidecar-injector", Legacy: true}))
	e.namespace("demo", "istio-injection", "enabled")

	_, err := e.createPod(newPod("demo", "sleep"))
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), `Pod "sleep" is invalid: `) ||
		!strings.Contains(err.Error(), "may not be set for init containers without restartPolicy=Always") {
		t.Fatalf("create: %v", err)
	}

	e.createDeployment(newDeployment("demo", "sleep", 1))
	e.advance(30 * time.Second)
	rs := e.replicaSets("demo")
	if len(rs) != 1 {
		t.Fatalf("replica sets %v", rsNames(rs))
	}
	ev := e.events("demo", "ReplicaSet", rs[0].Name)
	if !hasLine(ev, `Warning FailedCreate Error creating: Pod "sleep-`) {
		t.Fatalf("replica set events %v", ev)
	}
	d, _ := e.cs.AppsV1().Deployments("demo").Get(e.ctx, "sleep", metav1.GetOptions{})
	if d.Status.ReadyReplicas != 0 || len(e.pods("demo", "app=sleep")) != 0 {
		t.Fatalf("ready %d, pods %d", d.Status.ReadyReplicas, len(e.pods("demo", "app=sleep")))
	}

	// The fix (B33): traditional mode, then restart.
	mesh, err := e.s.Instance()
	e.must(err)
	_, _, err = mesh.PatchConfig(types.MergePatchType, []byte(`{"spec":{"enableNativeSidecar":false}}`))
	e.must(err)
	restart(e, "demo", "sleep")
	e.advance(time.Minute)
	pods := e.pods("demo", "app=sleep")
	if len(pods) != 1 || ready(&pods[0]) != "2/2" || pods[0].Annotations[model.AnnotationSidecarMode] != "traditional" {
		t.Fatalf("after the fix: %v", readyColumn(pods))
	}
	d, _ = e.cs.AppsV1().Deployments("demo").Get(e.ctx, "sleep", metav1.GetOptions{})
	if d.Status.ReadyReplicas != 1 {
		t.Errorf("deployment ready %d", d.Status.ReadyReplicas)
	}
}

// restart does what kubectl rollout restart does.
func restart(e *env, ns, name string) {
	e.t.Helper()
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":%q}}}}}`, e.s.Now().Format(time.RFC3339))
	_, err := e.cs.AppsV1().Deployments(ns).Patch(e.ctx, name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
	e.must(err)
}

func TestRolloutRestartInjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("demo")
	e.createDeployment(newDeployment("demo", "web", 2))
	e.advance(time.Minute)
	old := e.pods("demo", "app=web")
	if got := readyColumn(old); len(got) != 2 || !strings.Contains(got[0], " 1/1 Running") {
		t.Fatalf("before: %v", got)
	}
	e.label("demo", "istio-injection", "enabled")
	if got := readyColumn(e.pods("demo", "app=web")); !strings.Contains(got[0], " 1/1 ") {
		t.Fatalf("existing pods changed on labelling (B09): %v", got)
	}
	restart(e, "demo", "web")

	// Gradual: one new pod is surged in, the old ones stay until it is ready.
	pods := e.pods("demo", "app=web")
	if len(pods) != 3 {
		t.Fatalf("right after the restart: %v", readyColumn(pods))
	}
	seen := map[int]bool{}
	for i := 0; i < 60; i++ {
		e.advance(time.Second)
		seen[len(e.pods("demo", "app=web"))] = true
	}
	pods = e.pods("demo", "app=web")
	if got := readyColumn(pods); len(got) != 2 || !strings.Contains(got[0], " 2/2 Running") || !strings.Contains(got[1], " 2/2 Running") {
		t.Fatalf("after the rollout: %v", got)
	}
	for _, p := range pods {
		for _, o := range old {
			if p.Name == o.Name {
				t.Errorf("old pod %s survived", p.Name)
			}
		}
	}
	if seen[4] {
		t.Errorf("the rollout exceeded max surge: %v", seen)
	}
	rs := e.replicaSets("demo")
	if len(rs) != 2 {
		t.Fatalf("replica sets %v", rsNames(rs))
	}
	var zero, two int
	for _, r := range rs {
		switch derefOr(r.Spec.Replicas) {
		case 0:
			zero++
		case 2:
			two++
		}
	}
	if zero != 1 || two != 1 {
		t.Errorf("replica sets %v: want the old one at 0 and kept", rsNames(rs))
	}
	d, _ := e.cs.AppsV1().Deployments("demo").Get(e.ctx, "web", metav1.GetOptions{})
	if d.Annotations["deployment.kubernetes.io/revision"] != "2" || d.Status.UpdatedReplicas != 2 || d.Status.ReadyReplicas != 2 {
		t.Errorf("deployment %v %+v", d.Annotations, d.Status)
	}
}

func TestReplaceForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("demo")
	_, err := e.createPod(newPod("demo", "p"))
	e.must(err)
	e.advance(time.Minute)
	e.label("demo", "istio-injection", "enabled")
	old := e.pod("demo", "p")
	if ready(old) != "1/1" {
		t.Fatalf("before: %s", ready(old))
	}
	// kubectl get pod p -o yaml | kubectl replace --force -f -
	e.must(e.cs.CoreV1().Pods("demo").Delete(e.ctx, "p", metav1.DeleteOptions{}))
	again := old.DeepCopy()
	again.ResourceVersion = ""
	_, err = e.createPod(again)
	e.must(err)
	e.advance(time.Minute)
	p := e.pod("demo", "p")
	if ready(p) != "2/2" || p.UID == old.UID {
		t.Fatalf("after: %s uid %s (old %s)", ready(p), p.UID, old.UID)
	}
	// Replacing an injected pod re-injects it: the old sidecar is
	// stripped, so there is still exactly one.
	e.must(e.cs.CoreV1().Pods("demo").Delete(e.ctx, "p", metav1.DeleteOptions{}))
	p.ResourceVersion = ""
	_, err = e.createPod(p)
	e.must(err)
	p = e.pod("demo", "p")
	if p.Annotations[model.AnnotationInjection] != model.RuleNamespaceInjectionEnabled {
		t.Errorf("injection %q", p.Annotations[model.AnnotationInjection])
	}
	if n := countContainers(p, model.ProxyContainerName) + countContainers(p, model.InitContainerName); n != 2 {
		t.Errorf("%d istio-proxy/istio-init containers, want 2", n)
	}
	e.advance(time.Minute)
	if got := ready(e.pod("demo", "p")); got != "2/2" {
		t.Errorf("READY %s", got)
	}
}

func countContainers(p *corev1.Pod, name string) int {
	n := 0
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range cs {
			if c.Name == name {
				n++
			}
		}
	}
	return n
}

// TestReinjection: a pod that arrives with a sidecar listed in its status
// annotation is re-injected in the mode decided now when it is to be
// injected, and kept as it is otherwise (B12, B31).
func TestReinjection(t *testing.T) {
	t.Parallel()
	nativeInjected := func(ns string, extra ...string) *corev1.Pod {
		t.Helper()
		p, mode, err := model.InjectPod(newPod(ns, "p", extra...), model.InjectParams{
			Mesh:    model.MeshConfig{Version: model.MustASMVersion("1.22.2.35")},
			Cluster: model.ClusterInfo{Name: "c1", KubeVersion: model.MustKubeVersion("1.30")},
		})
		if err != nil || mode.Mode != model.ModeNative {
			t.Fatalf("inject: mode %s, err %v", mode.Mode, err)
		}
		return p
	}
	names := func(cs []corev1.Container) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name           string
		nsLabels       []string
		podLabels      []string
		wantRule       string
		wantInits      string
		wantContainers string
		wantMode       string
	}{
		{name: "enabled namespace re-injects in the mode decided now", nsLabels: []string{"istio-injection", "enabled"},
			wantRule: model.RuleNamespaceInjectionEnabled, wantInits: "istio-init", wantContainers: "app istio-proxy", wantMode: "traditional"},
		{name: "opted-out pod is kept as it is", nsLabels: []string{"istio-injection", "enabled"}, podLabels: []string{"sidecar.istio.io/inject", "no"},
			wantRule: model.RulePodOptOutLabel, wantInits: "istio-init istio-proxy", wantContainers: "app"},
		{name: "namespace without a label keeps the pod as it is (no injector is called)", nsLabels: nil,
			wantRule: "", wantInits: "istio-init istio-proxy", wantContainers: "app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, setup{native: new(false)})
			e.namespace("demo", tt.nsLabels...)
			_, err := e.createPod(nativeInjected("demo", tt.podLabels...))
			e.must(err)
			p := e.pod("demo", "p")
			if p.Annotations[model.AnnotationInjection] != tt.wantRule {
				t.Errorf("injection %q (%s), want %q", p.Annotations[model.AnnotationInjection], p.Annotations[model.AnnotationInjectionReason], tt.wantRule)
			}
			if g := names(p.Spec.InitContainers); g != tt.wantInits {
				t.Errorf("initContainers %q, want %q", g, tt.wantInits)
			}
			if g := names(p.Spec.Containers); g != tt.wantContainers {
				t.Errorf("containers %q, want %q", g, tt.wantContainers)
			}
			if g := p.Annotations[model.AnnotationSidecarMode]; g != tt.wantMode {
				t.Errorf("mode annotation %q, want %q", g, tt.wantMode)
			}
			e.advance(time.Minute)
			if got := ready(e.pod("demo", "p")); got != "2/2" {
				t.Errorf("READY %s", got)
			}
		})
	}
}

func TestCascadingDeletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("demo")
	e.createDeployment(newDeployment("demo", "web", 2))
	e.createDeployment(newDeployment("demo", "keep", 1))
	_, err := e.cs.BatchV1().Jobs("demo").Create(e.ctx, newJob("demo", "pi"), metav1.CreateOptions{})
	e.must(err)
	e.advance(time.Minute)

	e.must(e.cs.AppsV1().Deployments("demo").Delete(e.ctx, "web", metav1.DeleteOptions{}))
	if n := len(e.pods("demo", "app=web")); n != 0 {
		t.Errorf("%d pods left after deleting the deployment", n)
	}
	e.must(e.cs.BatchV1().Jobs("demo").Delete(e.ctx, "pi", metav1.DeleteOptions{}))
	if n := len(e.pods("demo", "job-name=pi")); n != 0 {
		t.Errorf("%d job pods left", n)
	}
	// A pod deleted by hand is replaced by its ReplicaSet.
	keep := e.pods("demo", "app=keep")
	e.must(e.cs.CoreV1().Pods("demo").Delete(e.ctx, keep[0].Name, metav1.DeleteOptions{}))
	if after := e.pods("demo", "app=keep"); len(after) != 1 || after[0].Name == keep[0].Name {
		t.Errorf("replacement: %v", readyColumn(after))
	}
	// Orphan leaves the ReplicaSet behind.
	orphan := metav1.DeletePropagationOrphan
	e.must(e.cs.AppsV1().Deployments("demo").Delete(e.ctx, "keep", metav1.DeleteOptions{PropagationPolicy: &orphan}))
	if rs := e.replicaSets("demo"); len(rs) != 1 || len(rs[0].OwnerReferences) != 0 {
		t.Errorf("orphaned replica sets %v", rsNames(rs))
	}

	e.must(e.cs.CoreV1().Namespaces().Delete(e.ctx, "demo", metav1.DeleteOptions{}))
	if _, err := e.cs.CoreV1().Namespaces().Get(e.ctx, "demo", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace still there: %v", err)
	}
	e.namespace("demo")
	if n := len(e.pods("demo", "")); n != 0 {
		t.Errorf("%d pods survived the namespace", n)
	}
	evs, err := e.cs.CoreV1().Events("demo").List(e.ctx, metav1.ListOptions{})
	e.must(err)
	if len(evs.Items) != 0 || len(e.replicaSets("demo")) != 0 {
		t.Errorf("%d events, %d replica sets survived", len(evs.Items), len(e.replicaSets("demo")))
	}
}

func TestScale(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("demo")
	e.createDeployment(newDeployment("demo", "web", 1))
	for _, n := range []int32{3, 1, 0, 2} {
		_, err := e.cs.AppsV1().Deployments("demo").UpdateScale(e.ctx, "web", &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "demo"}, Spec: autoscalingv1.ScaleSpec{Replicas: n},
		}, metav1.UpdateOptions{})
		e.must(err)
		e.advance(time.Minute)
		if got := len(e.pods("demo", "app=web")); got != int(n) {
			t.Fatalf("scale %d: %d pods", n, got)
		}
		d, _ := e.cs.AppsV1().Deployments("demo").Get(e.ctx, "web", metav1.GetOptions{})
		if d.Status.ReadyReplicas != n {
			t.Fatalf("scale %d: ready %d", n, d.Status.ReadyReplicas)
		}
	}
	s, err := e.cs.AppsV1().Deployments("demo").GetScale(e.ctx, "web", metav1.GetOptions{})
	e.must(err)
	if s.Spec.Replicas != 2 || s.Status.Selector != "app=web" {
		t.Errorf("scale %+v", s)
	}
}

func TestControlPlaneNamespaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.must(e.s.CreateCluster(e.ctx, model.ClusterSpec{Name: "c2"}))
	e.must(e.s.JoinCluster(e.ctx, "c2"))
	c2, err := e.s.Client("c2")
	e.must(err)
	cp, err := e.s.Client(model.ContextASM)
	e.must(err)

	// B01: a control-plane namespace exists only there.
	_, err = cp.CoreV1().Namespaces().Create(e.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}, metav1.CreateOptions{})
	e.must(err)
	if _, err := e.cs.CoreV1().Namespaces().Get(e.ctx, "demo", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("B01: demo in c1: %v", err)
	}
	_, err = cp.CoreV1().Namespaces().Create(e.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "Demo"}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Errorf("B02: upper case accepted: %v", err)
	}

	// B06: an edit is pushed to the clusters that have the namespace.
	e.namespace("demo")
	_, err = cp.CoreV1().Namespaces().Patch(e.ctx, "demo", types.MergePatchType, []byte(`{"metadata":{"labels":{"istio-injection":"enabled"}}}`), metav1.PatchOptions{})
	e.must(err)
	ns, err := e.cs.CoreV1().Namespaces().Get(e.ctx, "demo", metav1.GetOptions{})
	e.must(err)
	if ns.Labels["istio-injection"] != "enabled" {
		t.Errorf("B06: c1 labels %v", ns.Labels)
	}
	if _, err := c2.CoreV1().Namespaces().Get(e.ctx, "demo", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("B06: the push created demo in c2: %v", err)
	}

	e.must(cp.CoreV1().Namespaces().Delete(e.ctx, "demo", metav1.DeleteOptions{}))
	if _, err := e.cs.CoreV1().Namespaces().Get(e.ctx, "demo", metav1.GetOptions{}); err != nil {
		t.Errorf("B01: deleting in the control plane deleted in c1: %v", err)
	}
}

func TestReadyAtEveryStep(t *testing.T) {
	t.Parallel()
	// Advancing by one long step or many short ones ends in the same state.
	run := func(steps int, each time.Duration) []string {
		e := newEnv(t, setup{seed: 3})
		e.namespace("demo", "istio-injection", "enabled")
		e.createDeployment(newDeployment("demo", "web", 3))
		for range steps {
			e.advance(each)
		}
		return readyColumn(e.pods("demo", ""))
	}
	one := run(1, 30*time.Second)
	many := run(30, time.Second)
	if !slices.Equal(one, many) {
		t.Errorf("one step %v, many %v", one, many)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.must(e.s.CreateCluster(e.ctx, model.ClusterSpec{Name: "c2"}))
	e.must(e.s.JoinCluster(e.ctx, "c2"))
	cp, err := e.s.Client(model.ContextASM)
	e.must(err)
	c2, err := e.s.Client("c2")
	e.must(err)
	for _, cs := range []kubernetes.Interface{e.cs, c2, cp} {
		_, err := cs.CoreV1().Namespaces().Create(e.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}, metav1.CreateOptions{})
		e.must(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g, cs := range []kubernetes.Interface{e.cs, c2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				if _, err := cs.CoreV1().Pods("demo").Create(e.ctx, newPod("demo", fmt.Sprintf("p-%d-%d", g, i)), metav1.CreateOptions{}); err != nil {
					errs <- err
				}
				if _, err := cs.CoreV1().Pods("demo").List(e.ctx, metav1.ListOptions{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 10 {
			if err := e.s.Advance(e.ctx, time.Second); err != nil {
				errs <- err
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range 10 {
			patch := fmt.Sprintf(`{"metadata":{"labels":{"round":"r%d"}}}`, i)
			if _, err := cp.CoreV1().Namespaces().Patch(e.ctx, "demo", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
				errs <- err
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	e.advance(time.Minute)
	for _, cs := range []kubernetes.Interface{e.cs, c2} {
		list, err := cs.CoreV1().Pods("demo").List(e.ctx, metav1.ListOptions{})
		e.must(err)
		if len(list.Items) != 20 {
			t.Errorf("%d pods", len(list.Items))
		}
		for _, p := range list.Items {
			if model.PodStatusText(&p) != "Running" {
				t.Errorf("pod %s is %s", p.Name, model.PodStatusText(&p))
			}
		}
	}
}

// TestHandMadeProxyIsLeftAlone: an istio-proxy no status annotation lists
// cannot be stripped, so the injector leaves the pod as it is.
func TestHandMadeProxyIsLeftAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("demo", "istio-injection", "enabled")
	p := newPod("demo", "p")
	p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: model.ProxyContainerName, Image: "envoy"})
	_, err := e.createPod(p)
	e.must(err)
	got := e.pod("demo", "p")
	if got.Annotations[model.AnnotationInjection] != model.RuleAlreadyInjected {
		t.Errorf("injection %q", got.Annotations[model.AnnotationInjection])
	}
	if n := countContainers(got, model.ProxyContainerName); n != 1 || countContainers(got, model.InitContainerName) != 0 {
		t.Errorf("containers %+v", got.Spec)
	}
}
