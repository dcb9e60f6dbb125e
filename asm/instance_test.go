package asm

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/meshtwin/meshtwin/model"
)

// tb is the part of testing.TB and *rapid.T the helpers need.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

// mesh is an instance on fake clientsets.
type mesh struct {
	inst     *Instance
	cp       *fake.Clientset
	clusters map[string]*fake.Clientset
}

func nsObj(name string, labels map[string]string, homing ...string) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: maps.Clone(labels)}}
	if len(homing) > 0 {
		ns.Annotations = map[string]string{model.AnnotationHoming: model.FormatHoming(homing)}
	}
	return ns
}

// newMesh builds an instance of version whose control plane holds cpObjs,
// with one member cluster per entry of clusters.
func newMesh(t tb, version string, cpObjs []runtime.Object, clusters map[string][]runtime.Object) *mesh {
	t.Helper()
	m := &mesh{cp: fake.NewSimpleClientset(cpObjs...), clusters: map[string]*fake.Clientset{}}
	m.inst = New(m.cp, model.MeshConfig{Version: model.MustASMVersion(version), Profile: model.ProfileASM})
	for name, objs := range clusters {
		cs := fake.NewSimpleClientset(objs...)
		m.clusters[name] = cs
		if err := m.inst.AddCluster(context.Background(), name, cs, model.ClusterInfo{}); err != nil {
			t.Fatalf("add cluster: %v", err)
		}
	}
	return m
}

func getLabels(t tb, cs *fake.Clientset, name string) (map[string]string, bool) {
	t.Helper()
	ns, err := cs.CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("get namespace %s: %v", name, err)
	}
	return ns.Labels, true
}

func TestCreateNamespace(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		ns     string
		labels map[string]string
		check  func(error) bool
		want   []string
	}{
		{name: "valid", ns: "demo", labels: map[string]string{"env": "test"}},
		{name: "upper case", ns: "Demo", check: func(err error) bool { return err != nil },
			want: []string{`"D" at position 1`, "RFC 1123"}},
		{name: "every problem at once", ns: "-x", labels: map[string]string{"bad key!": "v", "k": "bad value!"},
			check: func(err error) bool { return err != nil },
			want:  []string{`invalid namespace name "-x"`, `"bad key!"`, `"bad value!"`}},
		{name: "duplicate", ns: "taken", check: apierrors.IsAlreadyExists, want: []string{"already exists"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMesh(t, "1.22.2.35", []runtime.Object{nsObj("taken", nil)}, map[string][]runtime.Object{"c1": nil})
			err := m.inst.CreateNamespace(context.Background(), tc.ns, tc.labels)
			if tc.check == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if got, ok := getLabels(t, m.cp, tc.ns); !ok || !maps.Equal(got, tc.labels) {
					t.Fatalf("instance namespace labels %v (exists %v)", got, ok)
				}
				if _, ok := getLabels(t, m.clusters["c1"], tc.ns); ok {
					t.Fatalf("B01: creating in the instance created the namespace in a cluster")
				}
				return
			}
			if !tc.check(err) {
				t.Fatalf("unexpected error %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			nss, _ := m.inst.Namespaces(context.Background())
			if len(nss) != 1 {
				t.Errorf("a rejected create changed the instance: %v", nss)
			}
		})
	}
}

func TestDeleteNamespace(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		ns    string
		check func(error) bool
	}{
		{"existing", "demo", nil},
		{"missing", "nope", apierrors.IsNotFound},
		{"immortal", "default", apierrors.IsForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMesh(t, "1.22.2.35", []runtime.Object{nsObj("demo", nil), nsObj("default", nil)},
				map[string][]runtime.Object{"c1": {nsObj("demo", nil), nsObj("default", nil)}})
			err := m.inst.DeleteNamespace(context.Background(), tc.ns)
			if tc.check != nil {
				if !tc.check(err) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := getLabels(t, m.cp, "demo"); ok {
				t.Fatal("namespace still in the instance")
			}
			if _, ok := getLabels(t, m.clusters["c1"], "demo"); !ok {
				t.Fatal("B27: deleting in the instance deleted the cluster's namespace")
			}
			if p, err := m.inst.SyncTo(context.Background()); err != nil || !p.Empty() {
				t.Fatalf("sync to after delete: %v, %v", p, err)
			}
		})
	}
}

func TestEnableDisableInjection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMesh(t, "1.22.2.35",
		[]runtime.Object{nsObj("demo", map[string]string{"team": "a"}), nsObj("homed", nil, "c2")},
		map[string][]runtime.Object{
			"c1": {nsObj("demo", map[string]string{"team": "b"}), nsObj("homed", nil)},
			"c2": {nsObj("homed", nil)},
		})
	steps := []struct {
		name    string
		do      func() error
		ns      string
		want    string
		cluster map[string]string // expected istio-injection per cluster; "" = namespace absent
	}{
		{"enable pushes to existing namespaces only", func() error { return m.inst.EnableInjection(ctx, "demo") },
			"demo", "enabled", map[string]string{"c1": "enabled", "c2": ""}},
		{"disable keeps the label", func() error { return m.inst.DisableInjection(ctx, "demo") },
			"demo", "disabled", map[string]string{"c1": "disabled", "c2": ""}},
		{"push honours homing", func() error { return m.inst.EnableInjection(ctx, "homed") },
			"homed", "enabled", map[string]string{"c1": "<none>", "c2": "enabled"}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got, _ := getLabels(t, m.cp, s.ns); got[model.LabelInjection] != s.want {
			t.Fatalf("%s: instance label %q, want %q", s.name, got[model.LabelInjection], s.want)
		}
		for c, want := range s.cluster {
			got, ok := getLabels(t, m.clusters[c], s.ns)
			switch {
			case want == "" && ok:
				t.Fatalf("%s: B06: push created %s in %s", s.name, s.ns, c)
			case want == "<none>" && got[model.LabelInjection] != "":
				t.Fatalf("%s: pushed to %s outside the homing", s.name, c)
			case want != "" && want != "<none>" && (got[model.LabelInjection] != want || got[model.LabelProvider] != model.ProviderASM):
				t.Fatalf("%s: %s labels %v", s.name, c, got)
			}
		}
	}
	if got, _ := getLabels(t, m.clusters["c1"], "demo"); got["team"] != "b" {
		t.Fatalf("push changed a non-injection label: %v", got)
	}
	if err := m.inst.EnableInjection(ctx, "nope"); !apierrors.IsNotFound(err) {
		t.Fatalf("enable of a missing namespace: %v", err)
	}
}

// TestPushInsideReactor calls Push from a control-plane reactor, as the
// simulator does: Push must not read the control plane, whose lock the
// reactor holds.
func TestPushInsideReactor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMesh(t, "1.22.2.35", []runtime.Object{nsObj("demo", nil)},
		map[string][]runtime.Object{"c1": {nsObj("demo", nil)}})
	var pushErr error
	m.cp.PrependReactor("update", "namespaces", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ns := a.(k8stesting.UpdateAction).GetObject().(*corev1.Namespace)
		_, pushErr = m.inst.Push(ctx, nil, ns)
		return false, nil, nil
	})
	done := make(chan error, 1)
	go func() { done <- m.inst.EnableInjection(ctx, "demo") }()
	select {
	case err := <-done:
		if err != nil || pushErr != nil {
			t.Fatalf("enable: %v, push: %v", err, pushErr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Push deadlocked: it read the control plane from inside a reactor")
	}
	if got, _ := getLabels(t, m.clusters["c1"], "demo"); got[model.LabelInjection] != "enabled" {
		t.Fatalf("c1 labels %v", got)
	}
}

func TestSetHoming(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		version  string
		ns       string
		clusters []string
		want     string   // annotation after success
		errs     []string // substrings of the error
	}{
		{name: "valid", version: "1.17.2.37", ns: "demo", clusters: []string{"c2", "c1", "c2"}, want: "c1,c2"},
		{name: "old instance", version: "1.17.2.36", ns: "demo", clusters: []string{"c1"},
			errs: []string{"homing clusters need ASM 1.17.2.37 or later; this instance is 1.17.2.36"}},
		{name: "unknown cluster and empty problems together", version: "1.0.0.0", ns: "demo", clusters: []string{"cx"},
			errs: []string{"1.0.0.0", `cluster "cx" is not part of the mesh (members: c1, c2)`}},
		{name: "no cluster", version: "1.22.2.35", ns: "demo", errs: []string{"at least one cluster"}},
		{name: "missing namespace", version: "1.22.2.35", ns: "nope", clusters: []string{"c1"}, errs: []string{"not found"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMesh(t, tc.version, []runtime.Object{nsObj("demo", nil)}, map[string][]runtime.Object{"c1": nil, "c2": nil})
			err := m.inst.SetHoming(context.Background(), tc.ns, tc.clusters)
			ns, _ := m.cp.CoreV1().Namespaces().Get(context.Background(), "demo", metav1.GetOptions{})
			got, set := ns.Annotations[model.AnnotationHoming]
			if len(tc.errs) == 0 {
				if err != nil || got != tc.want {
					t.Fatalf("err %v, annotation %q", err, got)
				}
				return
			}
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range tc.errs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if set {
				t.Errorf("a rejected edit set homing to %q", got)
			}
		})
	}
}

func TestClustersAndNamespaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMesh(t, "1.22.2.35",
		[]runtime.Object{nsObj("kube-system", nil), nsObj("default", nil), nsObj("istio-system", nil), nsObj("b", nil, "c1")},
		map[string][]runtime.Object{"zeta": nil, "alpha": nil})
	if got := strings.Join(m.inst.Clusters(), ","); got != "alpha,zeta" {
		t.Fatalf("Clusters() = %s", got)
	}
	nss, err := m.inst.Namespaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ns := range nss {
		names = append(names, ns.Name)
	}
	if got := strings.Join(names, ","); got != "b,default,istio-system,kube-system" {
		t.Fatalf("Namespaces() = %s", got)
	}
	if h := nss[0].Homing; len(h) != 1 || h[0] != "c1" {
		t.Fatalf("homing of b = %v", h)
	}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"add twice", m.inst.AddCluster(ctx, "alpha", fake.NewSimpleClientset(), model.ClusterInfo{}), `cluster "alpha" is already part of the mesh`},
		{"add asm", m.inst.AddCluster(ctx, model.ContextASM, fake.NewSimpleClientset(), model.ClusterInfo{}), "control plane"},
		{"add nil", m.inst.AddCluster(ctx, "x", nil, model.ClusterInfo{}), "no client"},
		{"sync from unknown", func() error { _, err := m.inst.SyncFrom(ctx, "x"); return err }(),
			`sync from cluster "x": cluster "x" is not part of the mesh (members: alpha, zeta)`},
		{"info of unknown", func() error { _, err := m.inst.ClusterInfo("x"); return err }(), `cluster "x" is not part of the mesh`},
	}
	for _, tc := range cases {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, tc.err, tc.want)
		}
	}
	var uc *model.UnknownClusterError
	if _, err := m.inst.PlanSyncFrom(ctx, "x"); !errors.As(err, &uc) {
		t.Errorf("unknown cluster error is not typed: %v", err)
	}
	if info, err := m.inst.ClusterInfo("alpha"); err != nil || info.Name != "alpha" {
		t.Errorf("ClusterInfo = %+v, %v", info, err)
	}
}
