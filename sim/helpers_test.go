package sim_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/sim"
)

// tb is what the helpers need from *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

// setup describes a simulator to start from.
type setup struct {
	version string // ASM version; "" = 1.22.2.35; "none" = no mesh
	native  *bool  // asmmeshconfig enableNativeSidecar
	kube    string // "" = 1.30
	virtual bool   // ack-virtual-node
	nodes   int
	noJoin  bool
	seed    int64
}

// env is a simulator with a cluster "c1" (joined to the mesh unless
// noJoin) and its client.
type env struct {
	t   tb
	ctx context.Context
	s   *sim.Sim
	cs  kubernetes.Interface
}

func newEnv(t tb, su setup) *env {
	t.Helper()
	ctx := context.Background()
	s := sim.New(sim.Options{Seed: su.seed})
	e := &env{t: t, ctx: ctx, s: s}
	if su.version != "none" {
		v := su.version
		if v == "" {
			v = "1.22.2.35"
		}
		e.must(s.CreateMesh(ctx, model.MeshConfig{Version: model.MustASMVersion(v), EnableNativeSidecar: su.native}))
	}
	kv := model.KubeVersion{}
	if su.kube != "" {
		kv = model.MustKubeVersion(su.kube)
	}
	e.must(s.CreateCluster(ctx, model.ClusterSpec{Name: "c1", KubeVersion: kv, VirtualNode: su.virtual, Nodes: su.nodes}))
	if su.version != "none" && !su.noJoin {
		e.must(s.JoinCluster(ctx, "c1"))
	}
	cs, err := s.Client("c1")
	e.must(err)
	e.cs = cs
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("unexpected error: %v", err)
	}
}

func (e *env) advance(d time.Duration) {
	e.t.Helper()
	e.must(e.s.Advance(e.ctx, d))
}

func (e *env) namespace(name string, kv ...string) {
	e.t.Helper()
	_, err := e.cs.CoreV1().Namespaces().Create(e.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labelMap(kv...)}}, metav1.CreateOptions{})
	e.must(err)
}

func (e *env) label(ns, key, value string) {
	e.t.Helper()
	obj, err := e.cs.CoreV1().Namespaces().Get(e.ctx, ns, metav1.GetOptions{})
	e.must(err)
	if obj.Labels == nil {
		obj.Labels = map[string]string{}
	}
	obj.Labels[key] = value
	_, err = e.cs.CoreV1().Namespaces().Update(e.ctx, obj, metav1.UpdateOptions{})
	e.must(err)
}

func labelMap(kv ...string) map[string]string {
	if len(kv) == 0 {
		return nil
	}
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func podSpec(image string) corev1.PodSpec {
	return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}
}

func newPod(ns, name string, kv ...string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labelMap(kv...)}, Spec: podSpec("nginx:1.27")}
}

func (e *env) createPod(p *corev1.Pod) (*corev1.Pod, error) {
	return e.cs.CoreV1().Pods(p.Namespace).Create(e.ctx, p, metav1.CreateOptions{})
}

func (e *env) pod(ns, name string) *corev1.Pod {
	e.t.Helper()
	p, err := e.cs.CoreV1().Pods(ns).Get(e.ctx, name, metav1.GetOptions{})
	e.must(err)
	return p
}

func (e *env) pods(ns string, selector string) []corev1.Pod {
	e.t.Helper()
	list, err := e.cs.CoreV1().Pods(ns).List(e.ctx, metav1.ListOptions{LabelSelector: selector})
	e.must(err)
	return list.Items
}

func newDeployment(ns, name string, replicas int32) *appsv1.Deployment {
	sel := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel}, Spec: podSpec("nginx:1.27")},
		},
	}
}

func (e *env) createDeployment(d *appsv1.Deployment) {
	e.t.Helper()
	_, err := e.cs.AppsV1().Deployments(d.Namespace).Create(e.ctx, d, metav1.CreateOptions{})
	e.must(err)
}

func newJob(ns, name string) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "pi", Image: "perl:5.34", Command: []string{"perl", "-e", "print 1"}}},
		}}},
	}
}

// ready renders kubectl's READY column.
func ready(p *corev1.Pod) string {
	r, t := model.PodReady(p)
	return fmt.Sprintf("%d/%d", r, t)
}

// readyColumn renders READY for every pod, sorted by name.
func readyColumn(pods []corev1.Pod) []string {
	out := make([]string, 0, len(pods))
	for i := range pods {
		out = append(out, pods[i].Name+" "+ready(&pods[i])+" "+model.PodStatusText(&pods[i]))
	}
	sort.Strings(out)
	return out
}

// events lists "Type Reason Message" for the events about one object.
func (e *env) events(ns, kind, name string) []string {
	e.t.Helper()
	sel := fmt.Sprintf("involvedObject.kind=%s,involvedObject.name=%s", kind, name)
	list, err := e.cs.CoreV1().Events(ns).List(e.ctx, metav1.ListOptions{FieldSelector: sel})
	e.must(err)
	var out []string
	for _, ev := range list.Items {
		out = append(out, ev.Type+" "+ev.Reason+" "+ev.Message)
	}
	return out
}

func hasLine(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func containerNames(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}
