package asm

import (
	"slices"
	"strings"
	"testing"

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
