package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/meshtwin/meshtwin/model"
)

func replicaWithStatus(name string, owner types.UID, scheduledAt time.Time, ip string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "demo", OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-1", UID: owner, Controller: new(true),
		}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}
	pod.Status, _ = model.PodStatusAt(pod, scheduledAt, scheduledAt.Add(time.Minute), model.DefaultTiming(), false)
	pod.Status.PodIP = ip
	return pod
}

func TestStatusSharerSharesEqualPartsOfOneControllersPods(t *testing.T) {
	t.Parallel()
	at := DefaultStart()
	var s statusSharer
	first := replicaWithStatus("web-a", "rs-1", at, "10.0.0.1")
	s.share(first)
	second := replicaWithStatus("web-b", "rs-1", at, "10.0.0.2")
	want := second.Status.DeepCopy()
	s.share(second)
	assert.Equal(t, *want, second.Status, "nothing seen changes")
	assert.Same(t, &first.Status.Conditions[0], &second.Status.Conditions[0])
	assert.Same(t, &first.Status.ContainerStatuses[0], &second.Status.ContainerStatuses[0])
	assert.Same(t, first.Status.StartTime, second.Status.StartTime)
	assert.Equal(t, "10.0.0.2", second.Status.PodIP)

	later := replicaWithStatus("web-c", "rs-1", at.Add(time.Second), "10.0.0.3")
	s.share(later)
	assert.NotSame(t, &second.Status.Conditions[0], &later.Status.Conditions[0], "scheduled later: other transition times")
	assert.Equal(t, metav1.NewTime(at.Add(time.Second)), *later.Status.StartTime)

	other := replicaWithStatus("api-a", "rs-2", at, "10.0.0.4")
	s.share(other)
	assert.NotSame(t, &first.Status.Conditions[0], &other.Status.Conditions[0], "another controller's pods share nothing with these")

	bare := replicaWithStatus("bare", "", at, "10.0.0.5")
	bare.OwnerReferences = nil
	s.share(bare)
	assert.NotSame(t, &first.Status.Conditions[0], &bare.Status.Conditions[0])
}

// TestRecordedEventsAreStoredAsPutWouldStoreThem: the recorder hands the
// tracker its events packed (createEvent); what a reader or a watcher
// gets is what storing the whole event gave.
func TestRecordedEventsAreStoredAsPutWouldStoreThem(t *testing.T) {
	t.Parallel()
	whole := recorderEvent()
	whole.ResourceVersion = ""
	whole.LastTimestamp = whole.FirstTimestamp
	whole.Count = 1

	viaPut, viaCreate := NewTracker(scheme.Scheme), NewTracker(scheme.Scheme)
	w1, err := viaPut.Watch(gvrEvents, "")
	require.NoError(t, err)
	w2, err := viaCreate.Watch(gvrEvents, "")
	require.NoError(t, err)
	_, err = viaPut.put(gvrEvents, whole.DeepCopy(), storeCreate)
	require.NoError(t, err)
	ref := whole.InvolvedObject
	shape := eventShape{
		obj:    corev1.ObjectReference{Kind: ref.Kind, APIVersion: ref.APIVersion, FieldPath: ref.FieldPath},
		reason: whole.Reason, typ: whole.Type, source: whole.Source,
		reportingController: whole.ReportingController, reportingInstance: whole.ReportingInstance,
	}
	packed := &packedEvent{
		namespace: whole.Namespace, name: whole.Name, uid: whole.UID,
		created: whole.CreationTimestamp.Time, last: whole.LastTimestamp.Time, count: 1, message: whole.Message,
		objNamespace: ref.Namespace, objName: ref.Name, objUID: ref.UID, objRV: ref.ResourceVersion,
	}
	require.NoError(t, viaCreate.createEvent(packed, shape))

	a, err := viaPut.Get(gvrEvents, whole.Namespace, whole.Name)
	require.NoError(t, err)
	b, err := viaCreate.Get(gvrEvents, whole.Namespace, whole.Name)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Equal(t, "1", b.(*corev1.Event).ResourceVersion)
	assert.Equal(t, <-w1.ResultChan(), <-w2.ResultChan())
	w1.Stop()
	w2.Stop()

	err = viaCreate.createEvent(&packedEvent{namespace: whole.Namespace, name: whole.Name}, shape)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already exists")
}
