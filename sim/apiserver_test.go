package sim_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

var _ shell.Backend = (*sim.Sim)(nil)

func TestBuiltinNamespaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	list, err := e.cs.CoreV1().Namespaces().List(e.ctx, metav1.ListOptions{})
	e.must(err)
	var names []string
	for _, ns := range list.Items {
		names = append(names, ns.Name)
		if ns.Labels[model.LabelMetadataName] != ns.Name || ns.Status.Phase != corev1.NamespaceActive {
			t.Errorf("namespace %s: labels %v phase %q", ns.Name, ns.Labels, ns.Status.Phase)
		}
	}
	want := "default istio-system kube-node-lease kube-public kube-system"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("namespaces = %q, want %q", got, want)
	}
	asmCS, err := e.s.Client(model.ContextASM)
	e.must(err)
	list, err = asmCS.CoreV1().Namespaces().List(e.ctx, metav1.ListOptions{})
	e.must(err)
	if len(list.Items) != 5 {
		t.Errorf("control plane has %d namespaces, want 5", len(list.Items))
	}
	// A cluster not in the mesh has no istio-system.
	e.must(e.s.CreateCluster(e.ctx, model.ClusterSpec{Name: "c2"}))
	c2, _ := e.s.Client("c2")
	if _, err := c2.CoreV1().Namespaces().Get(e.ctx, "istio-system", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("istio-system in a cluster outside the mesh: err = %v", err)
	}
}

func TestCreateDefaulting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{seed: 7})
	e.namespace("demo")
	p := newPod("demo", "")
	p.GenerateName = "web-"
	got, err := e.createPod(p)
	e.must(err)
	if !strings.HasPrefix(got.Name, "web-") || len(got.Name) != len("web-")+5 {
		t.Errorf("generated name %q", got.Name)
	}
	for _, r := range strings.TrimPrefix(got.Name, "web-") {
		if !strings.ContainsRune("bcdfghjklmnpqrstvwxz2456789", r) {
			t.Errorf("generated name %q uses %q", got.Name, r)
		}
	}
	if got.UID == "" || got.ResourceVersion == "" || !got.CreationTimestamp.Time.Equal(sim.DefaultStart()) {
		t.Errorf("system fields: uid %q rv %q created %v", got.UID, got.ResourceVersion, got.CreationTimestamp)
	}
	if got.Spec.RestartPolicy != corev1.RestartPolicyAlways || got.Spec.ServiceAccountName != "default" ||
		got.Spec.Containers[0].ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("pod defaults missing: %+v", got.Spec)
	}
	// Determinism: the same seed gives the same names and UIDs.
	e2 := newEnv(t, setup{seed: 7})
	e2.namespace("demo")
	got2, err := e2.createPod(p)
	e2.must(err)
	if got2.Name != got.Name || got2.UID != got.UID {
		t.Errorf("same seed, different result: %s/%s vs %s/%s", got.Name, got.UID, got2.Name, got2.UID)
	}
	// The caller's object is not touched, and what is returned is a copy.
	if p.Name != "" || p.UID != "" {
		t.Errorf("create modified the caller's object: %+v", p.ObjectMeta)
	}
	got.Labels = map[string]string{"mutated": "yes"}
	if again := e.pod("demo", got.Name); again.Labels["mutated"] != "" {
		t.Error("the returned object aliases the store")
	}
	sa, err := e.cs.CoreV1().ServiceAccounts("demo").Get(e.ctx, "default", metav1.GetOptions{})
	if err != nil || sa.UID == "" {
		t.Errorf("default service account: %v", err)
	}
}

func TestAPIErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		run   func(e *env) error
		check func(error) bool
		want  string
	}{
		{
			name:  "create in a missing namespace",
			run:   func(e *env) error { _, err := e.createPod(newPod("nope", "p")); return err },
			check: apierrors.IsNotFound,
			want:  `namespaces "nope" not found`,
		},
		{
			name: "duplicate",
			run: func(e *env) error {
				_, _ = e.createPod(newPod("default", "p"))
				_, err := e.createPod(newPod("default", "p"))
				return err
			},
			check: apierrors.IsAlreadyExists,
			want:  `pods "p" already exists`,
		},
		{
			name: "invalid namespace name",
			run: func(e *env) error {
				_, err := e.cs.CoreV1().Namespaces().Create(e.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "Demo"}}, metav1.CreateOptions{})
				return err
			},
			check: apierrors.IsInvalid,
			want:  `Namespace "Demo" is invalid: metadata.name: Invalid value: "Demo"`,
		},
		{
			name:  "invalid pod name",
			run:   func(e *env) error { _, err := e.createPod(newPod("default", "Bad_Name")); return err },
			check: apierrors.IsInvalid,
			want:  `Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"`,
		},
		{
			name: "invalid label",
			run: func(e *env) error {
				_, err := e.createPod(newPod("default", "p", "bad key", "v"))
				return err
			},
			check: apierrors.IsInvalid,
			want:  `metadata.labels: Invalid value: "bad key"`,
		},
		{
			name: "stale update",
			run: func(e *env) error {
				_, _ = e.createPod(newPod("default", "p"))
				p := e.pod("default", "p")
				p.Labels = map[string]string{"a": "b"}
				if _, err := e.cs.CoreV1().Pods("default").Update(e.ctx, p, metav1.UpdateOptions{}); err != nil {
					return err
				}
				_, err := e.cs.CoreV1().Pods("default").Update(e.ctx, p, metav1.UpdateOptions{})
				return err
			},
			check: apierrors.IsConflict,
			want:  `Operation cannot be fulfilled on pods "p": the object has been modified`,
		},
		{
			name: "pod spec is immutable",
			run: func(e *env) error {
				_, _ = e.createPod(newPod("default", "p"))
				p := e.pod("default", "p")
				p.Spec.Containers[0].Name = "other"
				_, err := e.cs.CoreV1().Pods("default").Update(e.ctx, p, metav1.UpdateOptions{})
				return err
			},
			check: apierrors.IsInvalid,
			want:  "pod updates may not change fields",
		},
		{
			name: "resourceVersion on create",
			run: func(e *env) error {
				p := newPod("default", "p")
				p.ResourceVersion = "12"
				_, err := e.createPod(p)
				return err
			},
			check: apierrors.IsInternalError,
			want:  "resourceVersion should not be set on objects to be created",
		},
		{
			name: "delete default namespace",
			run: func(e *env) error {
				return e.cs.CoreV1().Namespaces().Delete(e.ctx, "default", metav1.DeleteOptions{})
			},
			check: apierrors.IsForbidden,
			want:  `namespaces "default" is forbidden: this namespace may not be deleted`,
		},
		{
			name: "get missing",
			run: func(e *env) error {
				_, err := e.cs.CoreV1().Pods("default").Get(e.ctx, "x", metav1.GetOptions{})
				return err
			},
			check: apierrors.IsNotFound,
			want:  `pods "x" not found`,
		},
		{
			name: "deployment selector does not match",
			run: func(e *env) error {
				d := newDeployment("default", "web", 1)
				d.Spec.Template.Labels = map[string]string{"app": "other"}
				_, err := e.cs.AppsV1().Deployments("default").Create(e.ctx, d, metav1.CreateOptions{})
				return err
			},
			check: apierrors.IsInvalid,
			want:  "`selector` does not match template `labels`",
		},
		{
			name: "job with restartPolicy Always",
			run: func(e *env) error {
				j := newJob("default", "pi")
				j.Spec.Template.Spec.RestartPolicy = ""
				_, err := e.cs.BatchV1().Jobs("default").Create(e.ctx, j, metav1.CreateOptions{})
				return err
			},
			check: apierrors.IsInvalid,
			want:  `spec.template.spec.restartPolicy: Unsupported value: "Always"`,
		},
		{
			name: "control plane serves namespaces only",
			run: func(e *env) error {
				cp, _ := e.s.Client(model.ContextASM)
				_, err := cp.CoreV1().Pods("default").Create(e.ctx, newPod("default", "p"), metav1.CreateOptions{})
				return err
			},
			check: apierrors.IsNotFound,
			want:  "the server could not find the requested resource",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, setup{})
			err := tt.run(e)
			if err == nil || !tt.check(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (reason %q), want one containing %q", err, apierrors.ReasonForError(err), tt.want)
			}
		})
	}
}

func TestPatchTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		pt    types.PatchType
		patch string
	}{
		{"merge", types.MergePatchType, `{"metadata":{"labels":{"istio-injection":"enabled"}}}`},
		{"strategic", types.StrategicMergePatchType, `{"metadata":{"labels":{"istio-injection":"enabled"}}}`},
		{"json", types.JSONPatchType, `[{"op":"add","path":"/metadata/labels/istio-injection","value":"enabled"}]`},
		{"apply", types.ApplyPatchType, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"demo","labels":{"istio-injection":"enabled"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, setup{})
			e.namespace("demo")
			ns, err := e.cs.CoreV1().Namespaces().Patch(e.ctx, "demo", tt.pt, []byte(tt.patch), metav1.PatchOptions{})
			e.must(err)
			if ns.Labels["istio-injection"] != "enabled" || ns.Labels[model.LabelMetadataName] != "demo" {
				t.Fatalf("labels after patch: %v", ns.Labels)
			}
		})
	}
}

func TestDeleteCollectionAndSelectors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	for _, name := range []string{"a", "b", "c"} {
		tier := "front"
		if name == "c" {
			tier = "back"
		}
		_, err := e.createPod(newPod("default", name, "tier", tier))
		e.must(err)
	}
	if got := len(e.pods("default", "tier=front")); got != 2 {
		t.Fatalf("label selector matched %d pods, want 2", got)
	}
	list, err := e.cs.CoreV1().Pods("").List(e.ctx, metav1.ListOptions{FieldSelector: "metadata.name=c"})
	e.must(err)
	if len(list.Items) != 1 || list.Items[0].Name != "c" {
		t.Fatalf("field selector: %d items", len(list.Items))
	}
	e.must(e.cs.CoreV1().Pods("default").DeleteCollection(e.ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "tier=front"}))
	if got := len(e.pods("default", "")); got != 1 {
		t.Fatalf("%d pods left, want 1", got)
	}
}

func TestWatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	_, err := e.createPod(newPod("default", "before"))
	e.must(err)
	w, err := e.cs.CoreV1().Pods("default").Watch(e.ctx, metav1.ListOptions{FieldSelector: "metadata.name=watched"})
	e.must(err)
	defer w.Stop()
	_, err = e.createPod(newPod("default", "watched"))
	e.must(err)
	e.advance(30 * time.Second)
	e.must(e.cs.CoreV1().Pods("default").Delete(e.ctx, "watched", metav1.DeleteOptions{}))
	var seen []string
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-w.ResultChan():
			p := ev.Object.(*corev1.Pod)
			if p.Name != "watched" {
				t.Fatalf("event about %s", p.Name)
			}
			seen = append(seen, string(ev.Type)+" "+string(p.Status.Phase))
			if ev.Type == watch.Deleted {
				if seen[0] != "ADDED Pending" || !slices.Contains(seen, "MODIFIED Running") {
					t.Errorf("events %v", seen)
				}
				return
			}
		case <-timeout:
			t.Fatalf("no DELETED event; saw %v", seen)
		}
	}
}

func TestSimErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(e *env) error
		want string
	}{
		{"second mesh", func(e *env) error {
			return e.s.CreateMesh(e.ctx, model.MeshConfig{Version: model.MustASMVersion("1.22.2.35")})
		}, "a mesh already exists (version 1.22.2.35)"},
		{"unknown context", func(e *env) error { _, err := e.s.Client("c9"); return err }, `context "c9" not found (known: asm, c1)`},
		{"unknown cluster", func(e *env) error { return e.s.JoinCluster(e.ctx, "c9") }, `cluster "c9" not found (known: c1)`},
		{"join twice", func(e *env) error { return e.s.JoinCluster(e.ctx, "c1") }, `cluster "c1" is already in the mesh`},
		{"duplicate cluster", func(e *env) error { return e.s.CreateCluster(e.ctx, model.ClusterSpec{Name: "c1"}) }, `cluster "c1" already exists`},
		{"bad cluster name", func(e *env) error { return e.s.CreateCluster(e.ctx, model.ClusterSpec{Name: "C_1"}) }, `invalid name "C_1"`},
		{"unknown cluster info", func(e *env) error { _, err := e.s.ClusterInfo("x"); return err }, `cluster "x" not found (known: c1)`},
		{"webhook twice", func(e *env) error {
			_ = e.s.InstallWebhook(e.ctx, "c1", model.Webhook{Name: "logs"})
			return e.s.InstallWebhook(e.ctx, "c1", model.Webhook{Name: "logs"})
		}, `a mutating webhook configuration named "logs" already exists`},
		{"negative advance", func(e *env) error { return e.s.Advance(e.ctx, -time.Second) }, "the clock cannot go back"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, setup{})
			err := tt.run(e)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestClusterInfoAndNodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{virtual: true, kube: "1.28"})
	info, err := e.s.ClusterInfo("c1")
	e.must(err)
	if info.Region != "cn-beijing" || info.Zone != "i" || info.KubeVersion.String() != "1.28" {
		t.Errorf("info = %+v", info)
	}
	if got := e.s.Clusters(); len(got) != 1 || got[0] != "c1" {
		t.Errorf("clusters = %v", got)
	}
	nodes, err := e.cs.CoreV1().Nodes().List(e.ctx, metav1.ListOptions{})
	e.must(err)
	var names []string
	for _, n := range nodes.Items {
		names = append(names, n.Name)
	}
	want := "cn-beijing.192.168.0.1 cn-beijing.192.168.0.2 virtual-kubelet-cn-beijing-i"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("nodes = %q, want %q", got, want)
	}
	v, err := e.cs.Discovery().ServerVersion()
	e.must(err)
	if v.Minor != "28" {
		t.Errorf("server version %+v", v)
	}
}
