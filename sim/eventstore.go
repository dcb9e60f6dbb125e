package sim

import (
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// packedEvent is how the tracker keeps a core/v1 Event: the fields that
// repeat from one event to the next in every namespace (the involved
// object's kind and field path, reason, type, source, reporting
// controller) are
// one eventShape shared by every event that has them, and the rest is
// held in a few words. An event with anything else set (labels, a
// series, an action, an eventTime; events created by a user may have
// them) is stored whole instead. unpack returns exactly the event that
// was packed, a new object each time; readers got deep copies before,
// so nothing they see changes.
//
// A pod's events are most of what a cluster stores about it (a
// traditional-sidecar pod has 11: Scheduled, then Pulled, Created and
// Started for each of its three containers, and its ReplicaSet's
// SuccessfulCreate); whole, each is about a kilobyte.
type packedEvent struct {
	shape        *eventShape
	namespace    string
	name         string
	uid          types.UID
	rv           int64
	created      time.Time // creationTimestamp and firstTimestamp
	last         time.Time
	count        int32
	message      string
	objNamespace string
	objName      string
	objUID       types.UID
	objRV        string
}

// eventShape is the part of an event that many events share.
type eventShape struct {
	obj                 corev1.ObjectReference // kind, apiVersion, fieldPath only
	reason, typ         string
	source              corev1.EventSource
	reportingController string
	reportingInstance   string
}

// eventShapes interns event shapes: one value per distinct shape.
type eventShapes map[eventShape]*eventShape

// pack returns ev in packed form, or nil when ev has a field the packed
// form does not hold. ev must carry the resourceVersion the tracker gave
// it.
func (s eventShapes) pack(ev *corev1.Event) *packedEvent {
	if !packable(ev) {
		return nil
	}
	rv, err := strconv.ParseInt(ev.ResourceVersion, 10, 64)
	if err != nil || strconv.FormatInt(rv, 10) != ev.ResourceVersion {
		return nil
	}
	key := eventShape{
		obj: corev1.ObjectReference{
			Kind: ev.InvolvedObject.Kind, APIVersion: ev.InvolvedObject.APIVersion, FieldPath: ev.InvolvedObject.FieldPath,
		},
		reason: ev.Reason, typ: ev.Type, source: ev.Source,
		reportingController: ev.ReportingController, reportingInstance: ev.ReportingInstance,
	}
	return &packedEvent{
		shape:        s.intern(key),
		namespace:    ev.Namespace,
		name:         ev.Name,
		uid:          ev.UID,
		rv:           rv,
		created:      ev.CreationTimestamp.Time,
		last:         ev.LastTimestamp.Time,
		count:        ev.Count,
		message:      ev.Message,
		objNamespace: ev.InvolvedObject.Namespace,
		objName:      ev.InvolvedObject.Name,
		objUID:       ev.InvolvedObject.UID,
		objRV:        ev.InvolvedObject.ResourceVersion,
	}
}

// intern returns the one stored value of shape.
func (s eventShapes) intern(shape eventShape) *eventShape {
	if p := s[shape]; p != nil {
		return p
	}
	p := &shape
	s[shape] = p
	return p
}

// packable reports whether every field of ev that is set is one the
// packed form holds (TestPackedEventFields keeps this list in step with
// the Event type).
func packable(ev *corev1.Event) bool {
	m := &ev.ObjectMeta
	return ev.TypeMeta == (metav1.TypeMeta{}) &&
		m.GenerateName == "" && m.SelfLink == "" && m.Generation == 0 &&
		m.DeletionTimestamp == nil && m.DeletionGracePeriodSeconds == nil &&
		m.Labels == nil && m.Annotations == nil && m.OwnerReferences == nil &&
		m.Finalizers == nil && m.ManagedFields == nil &&
		ev.FirstTimestamp.Time == m.CreationTimestamp.Time &&
		ev.EventTime.Time == (time.Time{}) &&
		ev.Series == nil && ev.Action == "" && ev.Related == nil
}

// unpack returns the event, a new object.
func (p *packedEvent) unpack() *corev1.Event {
	obj := p.shape.obj
	obj.Namespace, obj.Name, obj.UID, obj.ResourceVersion = p.objNamespace, p.objName, p.objUID, p.objRV
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{
			Name: p.name, Namespace: p.namespace, UID: p.uid,
			ResourceVersion:   strconv.FormatInt(p.rv, 10),
			CreationTimestamp: metav1.Time{Time: p.created},
		},
		InvolvedObject:      obj,
		Reason:              p.shape.reason,
		Message:             p.message,
		Source:              p.shape.source,
		FirstTimestamp:      metav1.Time{Time: p.created},
		LastTimestamp:       metav1.Time{Time: p.last},
		Count:               p.count,
		Type:                p.shape.typ,
		ReportingController: p.shape.reportingController,
		ReportingInstance:   p.shape.reportingInstance,
	}
}

// GetObjectKind makes a packedEvent a runtime.Object, so the tracker can
// keep it among whole objects; a stored object has no kind set.
func (p *packedEvent) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject returns the event unpacked.
func (p *packedEvent) DeepCopyObject() runtime.Object { return p.unpack() }

// unpacked returns a stored object as its type: a packed event unpacked
// (a new object), anything else itself.
func unpacked(obj runtime.Object) runtime.Object {
	if p, ok := obj.(*packedEvent); ok {
		return p.unpack()
	}
	return obj
}
