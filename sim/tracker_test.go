package sim

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	clienttesting "k8s.io/client-go/testing"
)

// trackerClientset wires a Tracker alone (no simulator) into a fake
// clientset, as a test would use it.
func trackerClientset(tr *Tracker) *fake.Clientset {
	cs := &fake.Clientset{}
	cs.AddReactor("*", "*", clienttesting.ObjectReaction(tr))
	cs.AddWatchReactor("*", func(a clienttesting.Action) (bool, watch.Interface, error) {
		w, err := tr.Watch(a.GetResource(), a.GetNamespace(), a.(clienttesting.WatchActionImpl).ListOptions)
		return true, w, err
	})
	return cs
}

func TestTrackerAsObjectTracker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := NewTracker(scheme.Scheme)
	cs := trackerClientset(tr)
	pods := cs.CoreV1().Pods("a")

	w, err := pods.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	for _, name := range []string{"z", "y"} {
		if _, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.CoreV1().Pods("b").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "x", Labels: map[string]string{"k": "v"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "z"}}, metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("duplicate: %v", err)
	}
	list, err := pods.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 2 || list.Items[0].Name != "y" || list.ResourceVersion == "" {
		t.Fatalf("list a: %v %+v", err, list)
	}
	all, _ := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: "k=v"})
	if len(all.Items) != 1 || all.Items[0].Namespace != "b" {
		t.Fatalf("list all with selector: %+v", all.Items)
	}

	z, _ := pods.Get(ctx, "z", metav1.GetOptions{})
	z.Labels = map[string]string{"v": "1"}
	if _, err := pods.Update(ctx, z, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Update(ctx, z, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("stale update: %v", err)
	}
	if err := pods.Delete(ctx, "nope", metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("delete missing: %v", err)
	}
	if err := pods.Delete(ctx, "z", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []watch.EventType{watch.Added, watch.Added, watch.Modified, watch.Deleted}
	for i, typ := range want {
		select {
		case ev := <-w.ResultChan():
			if ev.Type != typ {
				t.Fatalf("event %d: %s, want %s", i, ev.Type, typ)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d: none", i)
		}
	}
}

func TestTrackerOwnerIndex(t *testing.T) {
	t.Parallel()
	tr := NewTracker(scheme.Scheme)
	owner := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "u1"}
	for _, name := range []string{"b", "a"} {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", OwnerReferences: []metav1.OwnerReference{owner}}}
		if err := tr.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	deps := tr.dependents("u1")
	if len(deps) != 2 || deps[0].Name != "a" || deps[0].GVR != gvrPods {
		t.Fatalf("dependents %+v", deps)
	}
	if err := tr.Delete(gvrPods, "ns", "a"); err != nil {
		t.Fatal(err)
	}
	if deps := tr.dependents("u1"); len(deps) != 1 {
		t.Fatalf("after delete: %+v", deps)
	}
}

func TestOrderedSet(t *testing.T) {
	t.Parallel()
	var s orderedSet[int]
	for i := range 100 {
		s.add(i)
	}
	for i := 0; i < 100; i += 2 {
		s.remove(i)
	}
	s.add(1) // already there: no move
	got := s.snapshot()
	if len(got) != 50 || got[0] != 1 || got[49] != 99 {
		t.Fatalf("snapshot %v", got)
	}
	first, _ := s.popFront()
	if first != 1 || s.len() != 49 || s.has(1) {
		t.Fatalf("popFront %d, len %d", first, s.len())
	}
}

func TestIPPool(t *testing.T) {
	t.Parallel()
	p := newIPPool([4]byte{10, 3, 0, 0}, 1<<16)
	a, b := p.alloc(), p.alloc()
	if a != "10.3.0.2" || b != "10.3.0.3" {
		t.Fatalf("first addresses %s %s", a, b)
	}
	p.release(a)
	for range 251 {
		p.alloc()
	}
	if got := p.alloc(); got != "10.3.1.2" {
		t.Fatalf("next block starts at %s", got)
	}
}

func TestStepFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{[]time.Duration{time.Second, 2 * time.Second, 3 * time.Second}, time.Second},
		{[]time.Duration{1500 * time.Millisecond, 3 * time.Second}, 1500 * time.Millisecond},
		{[]time.Duration{time.Millisecond}, 100 * time.Millisecond},
		{nil, time.Second},
	}
	for _, tt := range tests {
		if got := stepFor(tt.in...); got != tt.want {
			t.Errorf("stepFor(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestListOrderFollowsCreatesAndDeletes: a namespace's sorted names are
// kept between lists (nameOrder) and must follow every name that comes
// or goes, events (stored packed) included.
func TestListOrderFollowsCreatesAndDeletes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := NewTracker(scheme.Scheme)
	cs := trackerClientset(tr)
	names := func() []string {
		t.Helper()
		list, err := cs.CoreV1().ConfigMaps("a").List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, cm := range list.Items {
			out = append(out, cm.Name)
		}
		return out
	}
	create := func(name string) {
		t.Helper()
		if _, err := cs.CoreV1().ConfigMaps("a").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	create("m")
	create("x")
	if got := names(); !slices.Equal(got, []string{"m", "x"}) {
		t.Fatalf("first list: %q", got)
	}
	create("b")
	if got := names(); !slices.Equal(got, []string{"b", "m", "x"}) {
		t.Fatalf("after creating b: %q", got)
	}
	// An update keeps the names; the list still shows the new data.
	cm, err := cs.CoreV1().ConfigMaps("a").Get(ctx, "m", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data = map[string]string{"k": "v"}
	if _, err := cs.CoreV1().ConfigMaps("a").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	list, err := cs.CoreV1().ConfigMaps("a").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 3 || list.Items[1].Data["k"] != "v" {
		t.Fatalf("after the update: %v %+v", err, list.Items)
	}
	if err := cs.CoreV1().ConfigMaps("a").Delete(ctx, "b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, []string{"m", "x"}) {
		t.Fatalf("after deleting b: %q", got)
	}
	// Events the recorder makes are stored packed, through their own
	// path (createEvent).
	for _, name := range []string{"e2", "e1"} {
		if err := tr.createEvent(&packedEvent{namespace: "a", name: name, count: 1}, eventShape{reason: "R"}); err != nil {
			t.Fatal(err)
		}
		events, err := cs.CoreV1().Events("a").List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(events.Items); name == "e2" && got != 1 || name == "e1" && (got != 2 || events.Items[0].Name != "e1") {
			t.Fatalf("events after creating %s: %+v", name, events.Items)
		}
	}
}
