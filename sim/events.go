package sim

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// eventKey identifies events that the recorder aggregates: the same
// object, source, type, reason and message bump the count of one event
// instead of adding another, as the client-go event correlator does.
type eventKey struct {
	uid       types.UID
	fieldPath string
	component string
	typ       string
	reason    string
	message   string
}

// eventLog records the events of one API server (a cluster's or the mesh
// instance's control plane), aggregating identical ones. Callers hold
// the simulator's lock.
type eventLog struct {
	sim     *Sim
	tracker *Tracker
	// keys finds the stored event of each key, by namespace.
	keys  map[string]*eventKeys
	names eventNames
}

// eventKeys names the stored event of each key in one namespace. Most
// keys are told apart by their hash alone, which costs a word per event
// where the key itself would cost six strings; a key whose hash another
// key took first is kept whole in overflow, so a collision never merges
// two events.
type eventKeys struct {
	byHash   map[uint64]string
	overflow map[eventKey]string
}

// hash is the 64-bit FNV-1a hash of the key's fields.
func (k eventKey) hash() uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for _, s := range [...]string{string(k.uid), k.fieldPath, k.component, k.typ, k.reason, k.message} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * prime
		}
		h = (h ^ 0xff) * prime // a separator no UTF-8 text has
	}
	return h
}

func keyOfEvent(ev *corev1.Event) eventKey {
	return eventKey{
		uid: ev.InvolvedObject.UID, fieldPath: ev.InvolvedObject.FieldPath, component: ev.Source.Component,
		typ: ev.Type, reason: ev.Reason, message: ev.Message,
	}
}

// find returns the stored event of key in ns.
func (l *eventLog) find(ns string, key eventKey, h uint64) *corev1.Event {
	keys := l.keys[ns]
	if keys == nil {
		return nil
	}
	for _, name := range [...]string{keys.byHash[h], keys.overflow[key]} {
		if name == "" {
			continue
		}
		if ev, ok := l.tracker.peek(gvrEvents, ns, name).(*corev1.Event); ok && keyOfEvent(ev) == key {
			return ev
		}
	}
	return nil
}

// remember notes that the event named name in ns has key.
func (l *eventLog) remember(ns string, key eventKey, h uint64, name string) {
	keys := l.keys[ns]
	if keys == nil {
		keys = &eventKeys{byHash: map[uint64]string{}}
		l.keys[ns] = keys
	}
	if prev, taken := keys.byHash[h]; taken && prev != name {
		if ev, ok := l.tracker.peek(gvrEvents, ns, prev).(*corev1.Event); ok && keyOfEvent(ev) != key {
			if keys.overflow == nil {
				keys.overflow = map[eventKey]string{}
			}
			keys.overflow[key] = name
			return
		}
	}
	keys.byHash[h] = name
}

func newEventLog(s *Sim, t *Tracker) *eventLog {
	return &eventLog{sim: s, tracker: t, keys: map[string]*eventKeys{}}
}

// forgetNamespace drops the aggregation keys of a deleted namespace.
func (l *eventLog) forgetNamespace(ns string) {
	delete(l.keys, ns)
	l.names = eventNames{}
}

// recordEvent stores a core/v1 Event about ref in the cluster.
func (c *cluster) recordEvent(ref corev1.ObjectReference, typ, reason, message, component, host string) {
	c.events.record(ref, typ, reason, message, component, host)
}

// record stores a core/v1 Event about ref, named like the real ones
// (<object>.<hex nanoseconds>).
func (l *eventLog) record(ref corev1.ObjectReference, typ, reason, message, component, host string) {
	ns := ref.Namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	now := l.sim.clock.Now()
	key := eventKey{uid: ref.UID, fieldPath: ref.FieldPath, component: component, typ: typ, reason: reason, message: message}
	h := key.hash()
	if cur := l.find(ns, key, h); cur != nil {
		ev := cur.DeepCopy()
		ev.Count++
		ev.LastTimestamp = metav1.NewTime(now)
		ev.InvolvedObject.ResourceVersion = ref.ResourceVersion
		_, _ = l.tracker.put(gvrEvents, ev, storeUpdate)
		return
	}
	name := l.names.free(l.tracker, ns, ref.Name, now.UnixNano())
	instance := component
	if host != "" {
		instance = host
	}
	// Made packed (packedEvent): the whole event would be a kilobyte
	// to drop at once.
	shape := eventShape{
		obj:    corev1.ObjectReference{Kind: ref.Kind, APIVersion: ref.APIVersion, FieldPath: ref.FieldPath},
		reason: reason, typ: typ, source: corev1.EventSource{Component: component, Host: host},
		reportingController: component, reportingInstance: instance,
	}
	ev := &packedEvent{
		namespace: ns, name: name, uid: l.sim.newUID(),
		created: now, last: now, count: 1, message: message,
		objNamespace: ref.Namespace, objName: ref.Name, objUID: ref.UID, objRV: ref.ResourceVersion,
	}
	if err := l.tracker.createEvent(ev, shape); err != nil {
		return
	}
	l.remember(ns, key, h, name)
}

func podRef(pod *corev1.Pod, fieldPath string) corev1.ObjectReference {
	return corev1.ObjectReference{
		Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name,
		UID: pod.UID, ResourceVersion: pod.ResourceVersion, FieldPath: fieldPath,
	}
}

func refTo(obj metav1.Object, kind, apiVersion string) corev1.ObjectReference {
	return corev1.ObjectReference{
		Kind: kind, APIVersion: apiVersion, Namespace: obj.GetNamespace(), Name: obj.GetName(),
		UID: obj.GetUID(), ResourceVersion: obj.GetResourceVersion(),
	}
}

// eventNames finds free event names quickly. An event is named
// <object>.<hex nanoseconds>, the first free one from now on; many events
// about one object (a ReplicaSet creating 1,000 pods) at one instant of
// the virtual clock would otherwise probe every name taken before them.
// It remembers, for the current instant only, the next candidate per
// object, so it holds at most one entry per object named at that instant.
type eventNames struct {
	at   int64
	next map[eventNameKey]int64
}

type eventNameKey struct{ ns, object string }

// free returns the first name <object>.<hex n>, n >= nano, that no event
// in ns has.
func (e *eventNames) free(t *Tracker, ns, object string, nano int64) string {
	if e.next == nil || e.at != nano {
		e.at, e.next = nano, map[eventNameKey]int64{}
	}
	key := eventNameKey{ns: ns, object: object}
	n := nano
	if next, ok := e.next[key]; ok {
		n = next
	}
	name := eventName(object, n)
	for t.has(gvrEvents, ns, name) {
		n++
		name = eventName(object, n)
	}
	e.next[key] = n + 1
	return name
}

func eventName(object string, nano int64) string {
	return object + "." + strconv.FormatInt(nano, 16)
}
