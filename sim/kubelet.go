package sim

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
)

// kubeletStatus is the pod's status at now: the model's lifecycle plus
// what the node knows (IPs, start time).
func (c *cluster) kubeletStatus(pod *corev1.Pod, st *podState, now time.Time) (corev1.PodStatus, []model.LifecycleNote) {
	status, notes := c.lifecycle(pod, st).StatusAt(st.scheduledAt, now)
	if ip := c.nodeInfo[st.node].ip; status.HostIP == "" && ip != "" {
		status.HostIP = ip
		status.HostIPs = []corev1.HostIP{{IP: ip}}
	}
	if status.PodIP == "" && st.ip != "" && sandboxUp(&status) {
		status.PodIP = st.ip
		status.PodIPs = []corev1.PodIP{{IP: st.ip}}
	}
	if status.StartTime == nil {
		t := metav1.NewTime(st.scheduledAt)
		status.StartTime = &t
	}
	if status.QOSClass == "" {
		status.QOSClass = pod.Status.QOSClass
	}
	if status.Phase == "" {
		status.Phase = corev1.PodPending
	}
	if cond := model.FindPodCondition(status.Conditions, corev1.PodScheduled); cond == nil {
		status.Conditions = append([]corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(st.scheduledAt),
		}}, status.Conditions...)
	}
	return status, notes
}

// lifecycle is the pod's lifecycle (model.PlanLifecycle), planned again
// only when the pod is not the version it was planned from or one the
// kubelet stored since (which changed its status only).
func (c *cluster) lifecycle(pod *corev1.Pod, st *podState) *model.Lifecycle {
	if st.life == nil || st.lifeRV != pod.ResourceVersion {
		st.life = model.PlanLifecycle(pod, c.sim.timing, st.isJob)
		st.lifeRV = pod.ResourceVersion
	}
	return st.life
}

// sandboxUp reports whether the pod's network exists: some container
// has started.
func sandboxUp(s *corev1.PodStatus) bool {
	if s.Phase == corev1.PodRunning || s.Phase == corev1.PodSucceeded || s.Phase == corev1.PodFailed {
		return true
	}
	for _, list := range [][]corev1.ContainerStatus{s.InitContainerStatuses, s.ContainerStatuses} {
		for _, cs := range list {
			if cs.State.Running != nil || cs.State.Terminated != nil {
				return true
			}
		}
	}
	return false
}

// kubeletStep brings every starting pod's status to the current time.
func (c *cluster) kubeletStep() {
	now := c.sim.clock.Now()
	for _, key := range c.active.snapshot() {
		c.syncPod(key, now)
	}
}

func (c *cluster) syncPod(key podKey, now time.Time) {
	pod, ok := c.tracker.peek(gvrPods, key.ns, key.name).(*corev1.Pod)
	st := c.pods[key]
	if !ok || st == nil || st.terminal {
		c.active.remove(key)
		return
	}
	if now.Before(st.wake) && st.wakeRV == pod.ResourceVersion && st.wakeNodes == c.nodesSeen {
		return
	}
	status, notes := c.kubeletStatus(pod, st, now)
	if !podStatusEqual(&pod.Status, &status) {
		// Stored objects are never modified in place, so the new
		// version may share everything but its status with the old.
		next := new(corev1.Pod)
		*next = *pod
		next.Status = status
		c.statuses.share(next)
		if _, err := c.tracker.put(gvrPods, next, storeUpdate); err != nil {
			return
		}
		if st.lifeRV == pod.ResourceVersion {
			st.lifeRV = next.ResourceVersion // the same spec
		}
		c.containerEvents(next, &pod.Status, &next.Status, st)
		c.noteEvents(next, st, notes, now)
		c.afterPodStatus(key, pod, next, st)
		pod = next
		if st.terminal {
			return
		}
	} else {
		c.noteEvents(pod, st, notes, now)
	}
	// Nothing changes before the next instant of the pod's plan; with
	// none to come, the pod has settled and leaves the work list.
	wake, changes := c.lifecycle(pod, st).NextChange(st.scheduledAt, now)
	if !changes {
		c.active.remove(key)
		return
	}
	st.wake, st.wakeRV, st.wakeNodes = wake, pod.ResourceVersion, c.nodesSeen
}

// afterPodStatus reacts to a pod status change: a finished pod frees
// its node slot; a change of phase or readiness wakes its controller.
func (c *cluster) afterPodStatus(key podKey, old, pod *corev1.Pod, st *podState) {
	if phase := pod.Status.Phase; (phase == corev1.PodSucceeded || phase == corev1.PodFailed) && !st.terminal {
		st.terminal = true
		c.releaseNodeSlot(st.node, pod)
		c.active.remove(key)
	}
	if old.Status.Phase != pod.Status.Phase || podIsReady(old) != podIsReady(pod) {
		c.enqueueController(pod)
	}
	if old.Status.Phase != pod.Status.Phase || podIsReady(old) != podIsReady(pod) || old.Status.PodIP != pod.Status.PodIP {
		c.enqueueServicesOf(pod)
	}
}

// podIsReady reports the pod's Ready condition.
func podIsReady(pod *corev1.Pod) bool {
	if cond := model.FindPodCondition(pod.Status.Conditions, corev1.PodReady); cond != nil {
		return cond.Status == corev1.ConditionTrue
	}
	ready, total := model.PodReady(pod)
	return total > 0 && ready == total && pod.Status.Phase == corev1.PodRunning
}

// containerEvents records Pulled, Created and Started for every
// container that started (or restarted) between old and next.
func (c *cluster) containerEvents(pod *corev1.Pod, old, next *corev1.PodStatus, st *podState) {
	emit := func(ctrs []corev1.Container, oldList, newList []corev1.ContainerStatus, field string) {
		for _, ctr := range ctrs {
			o := findContainerStatus(oldList, ctr.Name)
			n := findContainerStatus(newList, ctr.Name)
			if n == nil || !containerStarted(n) {
				continue
			}
			if o != nil && containerStarted(o) && n.RestartCount <= o.RestartCount {
				continue
			}
			txt := c.kubeletTexts.of(c.nodeInfo[st.node].namesContainers, field, ctr.Name, ctr.Image)
			ref := podRef(pod, txt.fieldPath)
			c.recordEvent(ref, corev1.EventTypeNormal, "Pulled", txt.pulled, "kubelet", st.node)
			c.recordEvent(ref, corev1.EventTypeNormal, "Created", txt.created, "kubelet", st.node)
			c.recordEvent(ref, corev1.EventTypeNormal, "Started", txt.started, "kubelet", st.node)
		}
	}
	emit(pod.Spec.InitContainers, old.InitContainerStatuses, next.InitContainerStatuses, "spec.initContainers")
	emit(pod.Spec.Containers, old.ContainerStatuses, next.ContainerStatuses, "spec.containers")
}

// containerTexts are the field path and event messages of one
// container as the kubelet reports it starting.
type containerTexts struct{ fieldPath, pulled, created, started string }

type containerTextKey struct {
	field, name, image string
	named              bool
}

// kubeletTexts keeps one copy of each container's texts: the pods of a
// template have the same containers, and their events the same texts.
type kubeletTexts map[containerTextKey]*containerTexts

func (k *kubeletTexts) of(named bool, field, name, image string) *containerTexts {
	key := containerTextKey{field: field, name: name, image: image, named: named}
	if t := (*k)[key]; t != nil {
		return t
	}
	if *k == nil {
		*k = kubeletTexts{}
	}
	created, started := model.ContainerEventMessages(named, name)
	t := &containerTexts{
		fieldPath: fmt.Sprintf("%s{%s}", field, name),
		pulled:    fmt.Sprintf("Container image %q already present on machine", image),
		created:   created,
		started:   started,
	}
	(*k)[key] = t
	return t
}

func containerStarted(cs *corev1.ContainerStatus) bool {
	return cs.State.Running != nil || cs.State.Terminated != nil
}

func findContainerStatus(list []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

func noteKeyOf(n model.LifecycleNote) noteKey {
	return noteKey{at: n.At, container: n.Container, reason: n.Reason, message: n.Message}
}

// InsightEventSource is the source of the events that carry the twin's
// own insights (lifecycle notes such as NoNetwork): no kubelet emits
// them, so they are not reported as kubelet's (B39).
const InsightEventSource = "meshtwin-insight"

// noteEvents records a Warning event from InsightEventSource for each
// lifecycle note that is due and not yet recorded (for example NoNetwork:
// an app container started before its proxy was ready).
func (c *cluster) noteEvents(pod *corev1.Pod, st *podState, notes []model.LifecycleNote, now time.Time) {
	elapsed := now.Sub(st.scheduledAt)
	for _, n := range notes {
		if n.At > elapsed {
			continue
		}
		k := noteKeyOf(n)
		if st.notes[k] {
			continue
		}
		if st.notes == nil {
			st.notes = map[noteKey]bool{}
		}
		st.notes[k] = true
		c.recordEvent(podRef(pod, containerFieldPath(pod, n.Container)), corev1.EventTypeWarning, n.Reason, n.Message, InsightEventSource, "")
	}
}

func containerFieldPath(pod *corev1.Pod, name string) string {
	if name == "" {
		return ""
	}
	for _, ctr := range pod.Spec.InitContainers {
		if ctr.Name == name {
			return fmt.Sprintf("spec.initContainers{%s}", name)
		}
	}
	return fmt.Sprintf("spec.containers{%s}", name)
}
