package backend

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/meshtwin/meshtwin/model"
)

// The twin's lifecycle insights on clusters whose nodes are real
// kubelets (kind): what the rules say a pod's lifecycle costs (an app
// container without network while a traditional istio-proxy is not
// ready, a Job its traditional sidecar keeps running, a setting a native
// sidecar ignores, a traditional proxy stopped together with the app)
// is recorded as Warning events whose source is the twin
// (InsightEventSource), never the kubelet (B39), as the in-memory
// backend records them. The notes are the model's (model.PodStatusAt,
// model.ShutdownNotes, on model.DefaultTiming); each is recorded once
// the real kubelet has reached the point it is about: the container it
// names has started, the Job's main containers have exited, the pod is
// being deleted while running.

// InsightEventSource is the source component of the insight events,
// the in-memory backend's (sim.InsightEventSource).
const InsightEventSource = "meshtwin-insight"

// insights records the notes of one cluster's pods.
type insights struct {
	client kubernetes.Interface

	mu       sync.Mutex
	recorded map[types.UID]map[noteID]bool
	running  map[types.UID]bool // the pod was last seen Running
	seq      int64
}

type noteID struct{ reason, container, message string }

// startInsights records the insights of the pods of the cluster client
// reaches until the returned function is called.
func startInsights(client kubernetes.Interface) (stop func(), err error) {
	in := &insights{client: client, recorded: map[types.UID]map[noteID]bool{}, running: map[types.UID]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(client, 0)
	inf := factory.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { in.observe(ctx, obj, false) },
		UpdateFunc: func(_, obj any) { in.observe(ctx, obj, false) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			in.observe(ctx, obj, true)
		},
	}); err != nil {
		cancel()
		return nil, err
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		cancel()
		return nil, errors.New("the twin's insights: the pod informer did not sync")
	}
	return func() { cancel(); factory.Shutdown() }, nil
}

// observe records the notes of pod that are due.
func (in *insights) observe(ctx context.Context, obj any, gone bool) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return
	}
	in.mu.Lock()
	wasRunning := in.running[pod.UID]
	in.running[pod.UID] = pod.Status.Phase == corev1.PodRunning
	in.mu.Unlock()
	if pod.DeletionTimestamp != nil || gone {
		// The kubelet stops a running pod: a traditional proxy gets
		// SIGTERM with the app (model.ShutdownNotes).
		if wasRunning || pod.Status.Phase == corev1.PodRunning {
			for _, n := range model.ShutdownNotes(pod) {
				in.record(ctx, pod, n)
			}
		}
		if gone {
			in.mu.Lock()
			delete(in.recorded, pod.UID)
			delete(in.running, pod.UID)
			in.mu.Unlock()
		}
		return
	}
	isJob := false
	if ref := metav1.GetControllerOf(pod); ref != nil && ref.Kind == "Job" {
		isJob = true
	}
	// Every note the plan has, however far ahead: whether one is due
	// is the real kubelet's to say.
	start := time.Unix(0, 0)
	_, notes := model.PodStatusAt(pod, start, start.Add(24*time.Hour), model.DefaultTiming(), isJob)
	for _, n := range notes {
		if noteDue(pod, n) {
			in.record(ctx, pod, n)
		}
	}
}

// noteDue says whether the real pod has reached the point note n is
// about.
func noteDue(pod *corev1.Pod, n model.LifecycleNote) bool {
	switch n.Reason {
	case model.NoteJobNeverCompletes, model.NoteSidecarStopped:
		return mainContainersExited(pod)
	case model.NoteLifecycleSettingIgnored:
		return true
	}
	return n.Container == "" || containerBegan(pod, n.Container)
}

// containerBegan: the kubelet has started the container (it runs or
// has run).
func containerBegan(pod *corev1.Pod, name string) bool {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for _, cs := range list {
			if cs.Name == name && (cs.State.Running != nil || cs.State.Terminated != nil || cs.LastTerminationState.Terminated != nil) {
				return true
			}
		}
	}
	return false
}

// mainContainersExited: every container but istio-proxy has ended.
func mainContainersExited(pod *corev1.Pod) bool {
	main := 0
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == model.ProxyContainerName {
			continue
		}
		if cs.State.Terminated == nil {
			return false
		}
		main++
	}
	return main > 0
}

// record creates the event of note n about pod, once.
func (in *insights) record(ctx context.Context, pod *corev1.Pod, n model.LifecycleNote) {
	id := noteID{n.Reason, n.Container, n.Message}
	in.mu.Lock()
	if in.recorded[pod.UID][id] {
		in.mu.Unlock()
		return
	}
	if in.recorded[pod.UID] == nil {
		in.recorded[pod.UID] = map[noteID]bool{}
	}
	in.recorded[pod.UID][id] = true
	in.seq++
	seq := in.seq
	in.mu.Unlock()
	now := metav1.NewTime(time.Now())
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{
			// Named like the real ones, <object>.<hex nanoseconds>.
			Name:      pod.Name + "." + strconv.FormatInt(time.Now().UnixNano()+seq, 16),
			Namespace: pod.Namespace,
		},
		InvolvedObject: corev1.ObjectReference{
			Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
			ResourceVersion: pod.ResourceVersion, FieldPath: containerFieldPath(pod, n.Container),
		},
		Reason:              n.Reason,
		Message:             n.Message,
		Source:              corev1.EventSource{Component: InsightEventSource},
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
		Type:                corev1.EventTypeWarning,
		ReportingController: InsightEventSource,
		ReportingInstance:   InsightEventSource,
	}
	// A failure (the namespace going away) loses an insight about a
	// pod that is gone with it.
	_, _ = in.client.CoreV1().Events(pod.Namespace).Create(ctx, ev, metav1.CreateOptions{})
}

// containerFieldPath is the event's fieldPath for a container of pod.
func containerFieldPath(pod *corev1.Pod, name string) string {
	if name == "" {
		return ""
	}
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return fmt.Sprintf("spec.initContainers{%s}", name)
		}
	}
	return fmt.Sprintf("spec.containers{%s}", name)
}

// stopInsightsLocked stops c's insight recorder, if it runs. Callers
// hold b.mu.
func (c *cluster) stopInsightsLocked() {
	if c.stopInsights != nil {
		c.stopInsights()
		c.stopInsights = nil
	}
}
