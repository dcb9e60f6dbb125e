package asm

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"pgregory.net/rapid"

	"github.com/meshtwin/meshtwin/model"
)

func poolClusters() []string { return []string{"c1", "c2", "c3"} }

func poolNamespaces() []string { return []string{"default", "kube-system", "demo", "web"} }

func drawLabels(t *rapid.T) map[string]string {
	out := map[string]string{}
	values := map[string][]string{
		model.LabelInjection: {"enabled", "disabled"},
		model.LabelRevision:  {"canary"},
		model.LabelProvider:  {model.ProviderASM, "other"},
		"team":               {"a"},
	}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if rapid.Bool().Draw(t, "has "+k) {
			out[k] = rapid.SampledFrom(values[k]).Draw(t, k)
		}
	}
	return out
}

// drawMesh draws an instance on fake clientsets and the same state as pure
// model values.
func drawMesh(t *rapid.T) (*mesh, model.InstanceState, map[string]*model.ClusterNamespaces) {
	version := rapid.SampledFrom([]string{"1.17.2.36", "1.22.2.35"}).Draw(t, "version")
	members := slices.Sorted(slices.Values(rapid.SliceOfNDistinct(rapid.SampledFrom(poolClusters()), 1, 3, rapid.ID[string]).Draw(t, "members")))
	inst := model.InstanceState{Version: model.MustASMVersion(version), Clusters: members, Namespaces: map[string]model.GlobalNamespace{}}
	var cpObjs []runtime.Object
	for _, name := range rapid.SliceOfDistinct(rapid.SampledFrom(poolNamespaces()), rapid.ID[string]).Draw(t, "instance namespaces") {
		var homing []string
		if rapid.Bool().Draw(t, "homed") {
			homing = slices.Sorted(slices.Values(rapid.SliceOfNDistinct(rapid.SampledFrom(poolClusters()), 1, 3, rapid.ID[string]).Draw(t, "homing")))
		}
		labels := drawLabels(t)
		inst.Namespaces[name] = model.GlobalNamespace{Name: name, Labels: labels, Homing: homing}
		cpObjs = append(cpObjs, nsObj(name, labels, homing...))
	}
	clusters := map[string]*model.ClusterNamespaces{}
	objs := map[string][]runtime.Object{}
	for _, c := range members {
		cn := &model.ClusterNamespaces{Cluster: c, Namespaces: map[string]map[string]string{}}
		objs[c] = []runtime.Object{}
		for _, name := range rapid.SliceOfDistinct(rapid.SampledFrom(poolNamespaces()), rapid.ID[string]).Draw(t, c+" namespaces") {
			labels := drawLabels(t)
			cn.Namespaces[name] = labels
			objs[c] = append(objs[c], nsObj(name, labels))
		}
		clusters[c] = cn
	}
	return newMesh(t, version, cpObjs, objs), inst, clusters
}

// checkAgrees compares what the clientsets hold with the pure states.
func checkAgrees(t tb, m *mesh, inst model.InstanceState, clusters map[string]*model.ClusterNamespaces) {
	t.Helper()
	ctx := context.Background()
	got, err := m.inst.Namespaces(ctx)
	if err != nil {
		t.Fatalf("namespaces: %v", err)
	}
	if len(got) != len(inst.Namespaces) {
		t.Fatalf("instance has %d namespaces, model %d", len(got), len(inst.Namespaces))
	}
	for _, g := range got {
		want := inst.Namespaces[g.Name]
		if !maps.Equal(g.Labels, want.Labels) || !slices.Equal(g.Homing, want.Homing) || (g.Homing == nil) != (want.Homing == nil) {
			t.Fatalf("instance namespace %s: %v homing %v; model %v homing %v", g.Name, g.Labels, g.Homing, want.Labels, want.Homing)
		}
	}
	for c, cn := range clusters {
		list, err := m.clusters[c].CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list %s: %v", c, err)
		}
		if len(list.Items) != len(cn.Namespaces) {
			t.Fatalf("cluster %s has %d namespaces, model %d", c, len(list.Items), len(cn.Namespaces))
		}
		for _, ns := range list.Items {
			if want := cn.Namespaces[ns.Name]; !maps.Equal(ns.Labels, want) {
				t.Fatalf("cluster %s namespace %s: %v; model %v", c, ns.Name, ns.Labels, want)
			}
		}
	}
}

// TestSyncAgreesWithModel: on fake clientsets, SyncFrom (with the pushes
// it sets off) and SyncTo return the pure plans and leave the states that Plan.ApplyTo computes; a second
// round then changes nothing.
func TestSyncAgreesWithModel(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		m, inst, clusters := drawMesh(t)
		from := rapid.SampledFrom(inst.Clusters).Draw(t, "from")

		members := make([]model.ClusterNamespaces, 0, len(clusters))
		for _, c := range inst.Clusters {
			members = append(members, *clusters[c])
		}
		want := model.PlanSyncFromWithPush(inst, *clusters[from], members)
		got, err := m.inst.SyncFrom(ctx, from)
		if err != nil {
			t.Fatalf("sync from: %v", err)
		}
		if got.String() != want.String() {
			t.Fatalf("SyncFrom plan:\n%s\nmodel:\n%s", got, want)
		}
		want.ApplyTo(&inst, clusters)
		checkAgrees(t, m, inst, clusters)

		states := make([]model.ClusterNamespaces, 0, len(clusters))
		for _, c := range inst.Clusters {
			states = append(states, *clusters[c])
		}
		want = model.PlanSyncTo(inst, states)
		if got, err = m.inst.SyncTo(ctx); err != nil {
			t.Fatalf("sync to: %v", err)
		}
		if got.String() != want.String() {
			t.Fatalf("SyncTo plan:\n%s\nmodel:\n%s", got, want)
		}
		want.ApplyTo(&inst, clusters)
		checkAgrees(t, m, inst, clusters)

		for _, dry := range []func() (model.Plan, error){
			func() (model.Plan, error) { return m.inst.PlanSyncFrom(ctx, from) },
			func() (model.Plan, error) { return m.inst.PlanSyncTo(ctx) },
		} {
			if p, err := dry(); err != nil || !p.Empty() {
				t.Fatalf("a second round plans %v (%v)", p, err)
			}
		}
	})
}

func TestPlanSyncIsDry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMesh(t, "1.22.2.35", []runtime.Object{nsObj("demo", map[string]string{model.LabelInjection: "enabled"})},
		map[string][]runtime.Object{"c1": {nsObj("web", map[string]string{model.LabelRevision: "r"})}})
	from, err := m.inst.PlanSyncFrom(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	to, err := m.inst.PlanSyncTo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantFrom := "asm: create namespace web (istio.io/rev=r)\nasm: set homing of namespace web to c1"
	wantTo := "cluster c1: create namespace demo (istio-injection=enabled, provider=asm)"
	if from.String() != wantFrom || to.String() != wantTo {
		t.Fatalf("plans:\n%s\n%s", from, to)
	}
	if _, ok := getLabels(t, m.cp, "web"); ok {
		t.Fatal("PlanSyncFrom wrote")
	}
	if _, ok := getLabels(t, m.clusters["c1"], "demo"); ok {
		t.Fatal("PlanSyncTo wrote")
	}
}

// TestApplyChecksBeforeWriting: a plan with one bad change writes nothing.
func TestApplyChecksBeforeWriting(t *testing.T) {
	t.Parallel()
	cs := fake.NewSimpleClientset(nsObj("a", nil))
	targets := map[string]target{"c1": {namespaces: cs.CoreV1().Namespaces(), objs: map[string]*corev1.Namespace{"a": nsObj("a", nil)}}}
	plan := model.Plan{Changes: []model.Change{
		{Where: "c1", Kind: model.ChangeCreateNamespace, Namespace: "b", Labels: map[string]string{"k": "v"}},
		{Where: "c1", Kind: model.ChangeSetLabel, Namespace: "missing", Key: "k", Value: "v"},
		{Where: "c1", Kind: model.ChangeSetLabel, Namespace: "a", Key: "k", Value: "bad value!"},
		{Where: "c2", Kind: model.ChangeSetLabel, Namespace: "a", Key: "k", Value: "v"},
	}}
	_, err := apply(context.Background(), plan, targets)
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, w := range []string{`namespace "missing" does not exist in cluster "c1"`, `"bad value!"`, `cluster "c2", which this operation does not write`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if _, ok := getLabels(t, cs, "b"); ok {
		t.Fatal("a failing plan was half applied")
	}
}

// TestSyncSkipsTerminating: a namespace being deleted on one side is not
// brought to the other.
func TestSyncSkipsTerminating(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gone := func(name string) *corev1.Namespace {
		ns := nsObj(name, map[string]string{model.LabelInjection: "enabled"})
		now := metav1.Now()
		ns.DeletionTimestamp = &now
		ns.Finalizers = []string{"kubernetes"}
		return ns
	}
	m := newMesh(t, "1.22.2.35", []runtime.Object{gone("old")}, map[string][]runtime.Object{"c1": {gone("leaving")}})
	if p, err := m.inst.PlanSyncFrom(ctx, "c1"); err != nil || !p.Empty() {
		t.Fatalf("sync from plans %v (%v)", p, err)
	}
	if p, err := m.inst.PlanSyncTo(ctx); err != nil || !p.Empty() {
		t.Fatalf("sync to plans %v (%v)", p, err)
	}
	if p, err := m.inst.Push(ctx, nil, gone("leaving")); err != nil || !p.Empty() {
		t.Fatalf("push plans %v (%v)", p, err)
	}
}

// TestApplyRefusesACreateOverAnExistingNamespace: a plan that creates a
// namespace the target already has (it appeared after the plan was read)
// fails before its first write, so the valid changes planned before it are
// not applied either.
func TestApplyRefusesACreateOverAnExistingNamespace(t *testing.T) {
	t.Parallel()
	cs := fake.NewSimpleClientset(nsObj("a", nil), nsObj("b", map[string]string{"team": "x"}))
	targets := map[string]target{"c1": {namespaces: cs.CoreV1().Namespaces(), objs: map[string]*corev1.Namespace{
		"a": nsObj("a", nil), "b": nsObj("b", map[string]string{"team": "x"}),
	}}}
	plan := model.Plan{Changes: []model.Change{
		{Where: "c1", Kind: model.ChangeSetLabel, Namespace: "a", Key: model.LabelInjection, Value: "enabled"},
		{Where: "c1", Kind: model.ChangeCreateNamespace, Namespace: "b", Labels: map[string]string{model.LabelInjection: "enabled"}},
	}}
	_, err := apply(t.Context(), plan, targets)
	require.Error(t, err)
	a, _ := getLabels(t, cs, "a")
	assert.NotContains(t, a, model.LabelInjection, "namespace a was written before the plan failed")
	b, _ := getLabels(t, cs, "b")
	assert.Equal(t, map[string]string{"team": "x"}, b)
	assert.ErrorContains(t, err, `namespace "b" already exists in cluster "c1"`)
}
