package sim

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestPackedEventFields fails when the Event type gains a field: the
// packed form and packable must then learn it, or an event with it set
// would lose it.
func TestPackedEventFields(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 16, reflect.TypeFor[corev1.Event]().NumField(), "corev1.Event's fields changed: update packedEvent and packable")
	assert.Equal(t, 15, reflect.TypeFor[metav1.ObjectMeta]().NumField(), "metav1.ObjectMeta's fields changed: update packedEvent and packable")
	assert.Equal(t, 7, reflect.TypeFor[corev1.ObjectReference]().NumField(), "corev1.ObjectReference's fields changed: update packedEvent")
}

func recorderEvent() *corev1.Event {
	now := metav1.NewTime(DefaultStart().Add(3 * time.Second))
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1.188", Namespace: "demo", UID: "u-1", ResourceVersion: "42", CreationTimestamp: now},
		InvolvedObject: corev1.ObjectReference{
			Kind: "Pod", Namespace: "demo", Name: "web-1", UID: "p-1", APIVersion: "v1", ResourceVersion: "7", FieldPath: "spec.containers{app}",
		},
		Reason: "Started", Message: "Started container app", Source: corev1.EventSource{Component: "kubelet", Host: "node-1"},
		FirstTimestamp: now, LastTimestamp: metav1.NewTime(now.Add(time.Minute)), Count: 2, Type: corev1.EventTypeNormal,
		ReportingController: "kubelet", ReportingInstance: "node-1",
	}
}

func TestPackedEventRoundTrip(t *testing.T) {
	t.Parallel()
	other := metav1.NewTime(DefaultStart().Add(time.Hour))
	cases := []struct {
		name   string
		edit   func(*corev1.Event)
		packed bool
	}{
		{"the recorder's event", func(*corev1.Event) {}, true},
		{"an event about a node (no namespace)", func(e *corev1.Event) { e.InvolvedObject.Namespace = ""; e.InvolvedObject.Kind = "Node" }, true},
		{"labels", func(e *corev1.Event) { e.Labels = map[string]string{"a": "b"} }, false},
		{"empty labels", func(e *corev1.Event) { e.Labels = map[string]string{} }, false},
		{"annotations", func(e *corev1.Event) { e.Annotations = map[string]string{"a": "b"} }, false},
		{"a first timestamp of its own", func(e *corev1.Event) { e.FirstTimestamp = other }, false},
		{"an event time", func(e *corev1.Event) { e.EventTime = metav1.NewMicroTime(other.Time) }, false},
		{"a series", func(e *corev1.Event) { e.Series = &corev1.EventSeries{Count: 2} }, false},
		{"an action", func(e *corev1.Event) { e.Action = "Binding" }, false},
		{"a related object", func(e *corev1.Event) { e.Related = &corev1.ObjectReference{Name: "x"} }, false},
		{"a kind", func(e *corev1.Event) { e.Kind = "Event" }, false},
		{"a generate name", func(e *corev1.Event) { e.GenerateName = "x-" }, false},
		{"finalizers", func(e *corev1.Event) { e.Finalizers = []string{"x"} }, false},
		{"a resource version that is not canonical", func(e *corev1.Event) { e.ResourceVersion = "042" }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := recorderEvent()
			tc.edit(ev)
			want := ev.DeepCopy()
			p := eventShapes{}.pack(ev)
			if !tc.packed {
				assert.Nil(t, p)
				return
			}
			require.NotNil(t, p)
			assert.Equal(t, want, p.unpack())
			assert.Equal(t, want, ev, "pack changed its argument")
		})
	}
}

// TestTrackerKeepsEventsWhole: what is stored is what is read back, by
// get, list and watch, whether or not the event could be packed.
func TestTrackerKeepsEventsWhole(t *testing.T) {
	t.Parallel()
	tr := NewTracker(scheme.Scheme)
	plain := recorderEvent()
	plain.ResourceVersion = ""
	labelled := recorderEvent()
	labelled.Name, labelled.ResourceVersion, labelled.Labels = "labelled", "", map[string]string{"a": "b"}
	for _, ev := range []*corev1.Event{plain, labelled} {
		require.NoError(t, tr.Create(gvrEvents, ev, "demo"))
	}
	_, isPacked := tr.objects[gvrEvents]["demo"][plain.Name].(*packedEvent)
	assert.True(t, isPacked, "the recorder's event is kept packed")
	for _, ev := range []*corev1.Event{plain, labelled} {
		got, err := tr.Get(gvrEvents, "demo", ev.Name)
		require.NoError(t, err)
		want := ev.DeepCopy()
		want.ResourceVersion = got.(*corev1.Event).ResourceVersion
		assert.Equal(t, want, got)
		assert.NotEmpty(t, want.ResourceVersion)
	}
	list, err := tr.List(gvrEvents, corev1.SchemeGroupVersion.WithKind("Event"), "demo", metav1.ListOptions{FieldSelector: "involvedObject.name=web-1"})
	require.NoError(t, err)
	assert.Len(t, list.(*corev1.EventList).Items, 2)
	w, err := tr.Watch(gvrEvents, "demo", metav1.ListOptions{})
	require.NoError(t, err)
	t.Cleanup(w.Stop)
	for range 2 {
		e := <-w.ResultChan()
		_, ok := e.Object.(*corev1.Event)
		assert.True(t, ok, "a watch delivers %T", e.Object)
	}
	require.NoError(t, tr.Delete(gvrEvents, "demo", plain.Name))
	_, err = tr.Get(gvrEvents, "demo", plain.Name)
	assert.Error(t, err)
}

// TestEventKeysCollision: two keys with one hash are still two events,
// each aggregated on its own.
func TestEventKeysCollision(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	tr := NewTracker(scheme.Scheme)
	l := newEventLog(s, tr)
	a := eventKey{uid: "a", reason: "R", message: "m1"}
	b := eventKey{uid: "b", reason: "R", message: "m2"}
	const h = 7 // the same hash for both: a collision
	for _, k := range []struct {
		key  eventKey
		name string
	}{{a, "ev-a"}, {b, "ev-b"}} {
		ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: k.name, Namespace: "demo"},
			InvolvedObject: corev1.ObjectReference{UID: k.key.uid}, Reason: k.key.reason, Message: k.key.message}
		_, err := tr.put(gvrEvents, ev, storeCreate)
		require.NoError(t, err)
		l.remember("demo", k.key, h, k.name)
	}
	require.NotNil(t, l.find("demo", a, h))
	require.NotNil(t, l.find("demo", b, h))
	assert.Equal(t, "ev-a", l.find("demo", a, h).Name)
	assert.Equal(t, "ev-b", l.find("demo", b, h).Name)
	assert.Nil(t, l.find("demo", eventKey{uid: "c"}, h))
}
