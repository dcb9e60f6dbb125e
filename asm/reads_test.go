package asm

import (
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/meshtwin/meshtwin/model"
)

// requests renders the requests a fake clientset was sent, sorted:
// "get demo", "list", "create web", "update demo".
func requests(cs *fake.Clientset) []string {
	var out []string
	for _, a := range cs.Actions() {
		name := ""
		switch a := a.(type) {
		case k8stesting.GetAction:
			name = a.GetName()
		case k8stesting.CreateAction: // updates too: the same methods
			name = objectName(a.GetObject())
		}
		out = append(out, strings.TrimSpace(a.GetVerb()+" "+name))
	}
	slices.Sort(out)
	return out
}

func objectName(obj runtime.Object) string {
	if m, ok := obj.(interface{ GetName() string }); ok {
		return m.GetName()
	}
	return "?"
}

// TestSyncFromReadsOnlyWhatItPlansWith: a sync from a cluster lists that
// cluster, reads the instance's namespaces of its names one by one, and
// reads in the other members only the namespaces its push reaches there
// (their homing clusters); it lists neither the instance nor any other
// member. So its cost is that of the cluster and of the push, whatever
// the size of the fleet (a full round is linear in it).
func TestSyncFromReadsOnlyWhatItPlansWith(t *testing.T) {
	t.Parallel()
	cp := []runtime.Object{
		nsObj("shop", map[string]string{model.LabelInjection: "disabled"}, "c1", "c2"), // edited, pushed to c2
		nsObj("blue", map[string]string{model.LabelInjection: "enabled"}, "c1"),        // unchanged
		nsObj("far", nil, "c3"), // not in c1
	}
	m := newMesh(t, "1.22.2.35", cp, map[string][]runtime.Object{
		"c1": {nsObj("shop", map[string]string{model.LabelInjection: "enabled"}), nsObj("blue", map[string]string{model.LabelInjection: "enabled"}), nsObj("new", nil)},
		"c2": {nsObj("shop", map[string]string{model.LabelInjection: "disabled"}), nsObj("blue", nil)},
		"c3": {nsObj("shop", nil), nsObj("far", nil)},
	})
	for _, cs := range append([]*fake.Clientset{m.cp}, m.clusters["c1"], m.clusters["c2"], m.clusters["c3"]) {
		cs.ClearActions()
	}
	plan, err := m.inst.PlanSyncFrom(t.Context(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	want := "asm: create namespace new\n" +
		"asm: set homing of namespace new to c1\n" +
		"asm: set label istio-injection=enabled on namespace shop\n" +
		"cluster c2: set label istio-injection=enabled on namespace shop\n" +
		"cluster c2: set label provider=asm on namespace shop"
	if got := plan.String(); got != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
	}
	for _, tc := range []struct {
		where string
		cs    *fake.Clientset
		want  []string
	}{
		{"the instance", m.cp, []string{"get blue", "get new", "get shop"}},
		{"c1", m.clusters["c1"], []string{"list"}},
		{"c2", m.clusters["c2"], []string{"get shop"}},
		{"c3", m.clusters["c3"], nil},
	} {
		if got := requests(tc.cs); !slices.Equal(got, tc.want) {
			t.Errorf("%s was sent %q, want %q", tc.where, got, tc.want)
		}
	}
}

// TestPushReadsOnlyHomingClusters: the push of an edit reads and writes
// the namespace's homing clusters only.
func TestPushReadsOnlyHomingClusters(t *testing.T) {
	t.Parallel()
	m := newMesh(t, "1.22.2.35", []runtime.Object{nsObj("shop", map[string]string{model.LabelInjection: "enabled"}, "c2")}, map[string][]runtime.Object{
		"c1": {nsObj("shop", nil)},
		"c2": {nsObj("shop", nil)},
	})
	for _, cs := range m.clusters {
		cs.ClearActions()
	}
	ns := nsObj("shop", map[string]string{model.LabelInjection: "enabled"}, "c2")
	if _, err := m.inst.Push(t.Context(), nil, ns); err != nil {
		t.Fatal(err)
	}
	if got := requests(m.clusters["c1"]); len(got) != 0 {
		t.Errorf("c1, outside the homing, was sent %q", got)
	}
	if got, want := requests(m.clusters["c2"]), []string{"get shop", "update shop"}; !slices.Equal(got, want) {
		t.Errorf("c2 was sent %q, want %q", got, want)
	}
}

// readLog records what a clientset's namespace reads returned, with a
// deep copy of each as it was returned.
type readLog struct {
	mu    sync.Mutex
	reads []readRecord
}

type readRecord struct {
	what     string
	returned *corev1.Namespace
	was      *corev1.Namespace
}

// record makes cs answer namespace gets and lists from its tracker,
// recording each object it hands out (the items of a list share their
// maps with nothing else, as a list's copy would).
func (l *readLog) record(where string, cs *fake.Clientset) {
	cs.PrependReactor("get", "namespaces", func(a k8stesting.Action) (bool, runtime.Object, error) {
		obj, err := cs.Tracker().Get(a.GetResource(), "", a.(k8stesting.GetAction).GetName())
		if err != nil {
			return true, nil, err
		}
		ns := obj.(*corev1.Namespace)
		l.add(where+" get "+ns.Name, ns)
		return true, ns, nil
	})
	cs.PrependReactor("list", "namespaces", func(a k8stesting.Action) (bool, runtime.Object, error) {
		obj, err := cs.Tracker().List(a.GetResource(), corev1.SchemeGroupVersion.WithKind("Namespace"), "")
		if err != nil {
			return true, nil, err
		}
		list := obj.(*corev1.NamespaceList)
		for k := range list.Items {
			l.add(where+" list "+list.Items[k].Name, &list.Items[k])
		}
		return true, list, nil
	})
}

func (l *readLog) add(what string, ns *corev1.Namespace) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads = append(l.reads, readRecord{what: what, returned: ns, was: ns.DeepCopy()})
}

// TestInstanceDoesNotModifyWhatItReads: every operation of the instance
// writes copies and leaves each namespace it read as it was read, so a
// client may hand it stored objects instead of copies (the simulator's
// does, sim/direct.go).
func TestInstanceDoesNotModifyWhatItReads(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m := newMesh(t, "1.22.2.35", []runtime.Object{
		nsObj("shop", map[string]string{model.LabelInjection: "disabled", "team": "a"}, "c1", "c2"),
		nsObj("far", map[string]string{model.LabelInjection: "enabled"}, "c3"),
		nsObj("everywhere", nil),
	}, map[string][]runtime.Object{
		"c1": {nsObj("shop", map[string]string{model.LabelInjection: "enabled"}), nsObj("new", map[string]string{model.LabelRevision: "canary"})},
		"c2": {nsObj("shop", nil), nsObj("everywhere", map[string]string{model.LabelInjection: "disabled"})},
		"c3": {nsObj("far", nil)},
	})
	var log readLog
	log.record("asm", m.cp)
	for name, cs := range m.clusters {
		log.record(name, cs)
	}
	steps := []struct {
		name string
		run  func() error
	}{
		{"sync from c1", func() error { _, err := m.inst.SyncFrom(ctx, "c1"); return err }},
		{"sync to clusters", func() error { _, err := m.inst.SyncTo(ctx); return err }},
		{"enable injection", func() error { return m.inst.EnableInjection(ctx, "everywhere") }},
		{"disable injection", func() error { return m.inst.DisableInjection(ctx, "shop") }},
		{"set homing", func() error { return m.inst.SetHoming(ctx, "far", []string{"c2", "c3"}) }},
		{"push", func() error {
			ns, err := m.cp.CoreV1().Namespaces().Get(ctx, "far", metav1.GetOptions{})
			if err != nil {
				return err
			}
			_, err = m.inst.Push(ctx, map[string]string{model.LabelInjection: "disabled"}, ns)
			return err
		}},
		{"retry pushes", func() error { return m.inst.RetryPushes(ctx) }},
		{"list namespaces", func() error {
			got, err := m.inst.Namespaces(ctx)
			for _, g := range got {
				if g.Labels != nil {
					g.Labels["changed-by-the-caller"] = "yes" // the caller's own copy
				}
			}
			return err
		}},
		{"sync from c2", func() error { _, err := m.inst.SyncFrom(ctx, "c2"); return err }},
		{"remove cluster c3", func() error { _, _, err := m.inst.RemoveCluster(ctx, "c3"); return err }},
		{"sync to clusters again", func() error { _, err := m.inst.SyncTo(ctx); return err }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.reads) < 20 {
		t.Fatalf("only %d reads recorded: the reactors did not see the instance's reads", len(log.reads))
	}
	for _, r := range log.reads {
		if !equality.Semantic.DeepEqual(r.returned, r.was) {
			t.Errorf("%s: the instance changed the namespace it read:\nread: %+v\nnow:  %+v", r.what, r.was.ObjectMeta, r.returned.ObjectMeta)
		}
	}
}
