package sim

import (
	"fmt"

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

// recordEvent stores a core/v1 Event about ref, named like the real ones
// (<object>.<hex nanoseconds>).
func (c *cluster) recordEvent(ref corev1.ObjectReference, typ, reason, message, component, host string) {
	ns := ref.Namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	now := c.sim.clock.Now()
	key := eventKey{uid: ref.UID, fieldPath: ref.FieldPath, component: component, typ: typ, reason: reason, message: message}
	if name, ok := c.events[ns][key]; ok {
		if cur, ok := c.tracker.peek(gvrEvents, ns, name).(*corev1.Event); ok {
			ev := cur.DeepCopy()
			ev.Count++
			ev.LastTimestamp = metav1.NewTime(now)
			ev.InvolvedObject.ResourceVersion = ref.ResourceVersion
			_, _ = c.tracker.put(gvrEvents, ev, storeUpdate)
			return
		}
	}
	nano := now.UnixNano()
	name := fmt.Sprintf("%s.%x", ref.Name, nano)
	for c.tracker.peek(gvrEvents, ns, name) != nil {
		nano++
		name = fmt.Sprintf("%s.%x", ref.Name, nano)
	}
	instance := component
	if host != "" {
		instance = host
	}
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: ns, UID: c.sim.newUID(), CreationTimestamp: metav1.NewTime(now),
		},
		InvolvedObject:      ref,
		Reason:              reason,
		Message:             message,
		Source:              corev1.EventSource{Component: component, Host: host},
		FirstTimestamp:      metav1.NewTime(now),
		LastTimestamp:       metav1.NewTime(now),
		Count:               1,
		Type:                typ,
		ReportingController: component,
		ReportingInstance:   instance,
	}
	if _, err := c.tracker.put(gvrEvents, ev, storeCreate); err != nil {
		return
	}
	if c.events[ns] == nil {
		c.events[ns] = map[eventKey]string{}
	}
	c.events[ns][key] = name
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
