package sim

import (
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/meshtwin/meshtwin/model"
)

// podCreated starts tracking a stored pod and schedules it.
func (c *cluster) podCreated(pod *corev1.Pod) {
	key := podKey{pod.Namespace, pod.Name}
	ctrl := metav1.GetControllerOfNoCopy(pod)
	c.pods[key] = &podState{uid: pod.UID, isJob: ctrl != nil && ctrl.Kind == "Job"}
	if pod.Spec.NodeName != "" {
		// Created already bound (kubectl replace of a scheduled pod):
		// the scheduler skips it; the kubelet takes it if the node
		// exists, otherwise it stays Pending.
		if _, ok := c.nodeInfo[pod.Spec.NodeName]; ok {
			c.bind(key, pod.Spec.NodeName, false)
		}
		return
	}
	c.schedule(key)
}

// schedule places one unbound pod with the model's placement rules.
func (c *cluster) schedule(key podKey) bool {
	pod, ok := c.tracker.peek(gvrPods, key.ns, key.name).(*corev1.Pod)
	if !ok {
		c.pending.remove(key)
		return false
	}
	dec := model.PlacePod(pod, c.placement, c.podsPerNode, c.requested)
	if why := c.unboundClaims(pod); why != "" && dec.Scheduled {
		// kube-scheduler's VolumeBinding PreFilter rejects the pod on
		// every node; preemption cannot help.
		n := len(c.nodes)
		dec = model.PlacementDecision{Rule: model.PlacementUnschedulable,
			Message: fmt.Sprintf("0/%d nodes are available: %s. preemption: 0/%d nodes are available: %d Preemption is not helpful for scheduling.", n, why, n, n)}
	}
	if dec.Scheduled {
		c.bind(key, dec.Node, true)
		return true
	}
	c.pending.add(key)
	msg := dec.Message
	if msg == "" {
		msg = dec.Reason
	}
	if msg == c.lastUnschedulable {
		// The pods a full cluster leaves Pending share one message.
		msg = c.lastUnschedulable
	}
	c.lastUnschedulable = msg
	if cond := model.FindPodCondition(pod.Status.Conditions, corev1.PodScheduled); cond != nil && cond.Status == corev1.ConditionFalse && cond.Message == msg {
		return false
	}
	next := new(corev1.Pod)
	*next = *pod
	next.Status = model.UnschedulablePodStatus(pod, c.sim.clock.Now(), msg)
	if cond := model.FindPodCondition(pod.Status.Conditions, corev1.PodScheduled); cond != nil && cond.Status == corev1.ConditionFalse {
		next.Status.Conditions[0].LastTransitionTime = cond.LastTransitionTime
	}
	c.statuses.share(next)
	if _, err := c.tracker.put(gvrPods, next, storeUpdate); err == nil {
		c.recordEvent(podRef(next, ""), corev1.EventTypeWarning, "FailedScheduling", msg, corev1.DefaultSchedulerName, "")
	}
	return false
}

// unboundClaims is why kube-scheduler's VolumeBinding PreFilter refuses
// pod (volume_binding.go podHasPVCs and PreFilter), or "": a claim it
// names that does not exist, or one not yet bound.
func (c *cluster) unboundClaims(pod *corev1.Pod) string {
	unbound := false
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		name := v.PersistentVolumeClaim.ClaimName
		pvc, ok := c.tracker.peek(gvrPVCs, pod.Namespace, name).(*corev1.PersistentVolumeClaim)
		if !ok {
			return fmt.Sprintf("persistentvolumeclaim %q not found", name)
		}
		if pvc.Status.Phase != corev1.ClaimBound {
			unbound = true
		}
	}
	if unbound {
		return "pod has unbound immediate PersistentVolumeClaims"
	}
	return ""
}

// retryPending schedules again the pods that did not fit, oldest first.
func (c *cluster) retryPending() {
	for _, key := range c.pending.snapshot() {
		c.schedule(key)
	}
}

// bind assigns a pod to a node: the pod gets its IPs and the kubelet
// starts it.
func (c *cluster) bind(key podKey, node string, announce bool) {
	pod, ok := c.tracker.peek(gvrPods, key.ns, key.name).(*corev1.Pod)
	st := c.pods[key]
	if !ok || st == nil || st.bound {
		return
	}
	now := c.sim.clock.Now()
	ni := c.nodeInfo[node]
	st.bound = true
	st.node = node
	st.virtual = ni.virtual
	st.scheduledAt = now
	switch {
	case pod.Spec.HostNetwork:
		st.ip = ni.ip
	case ni.virtual:
		st.ip = c.eciIPs.alloc()
	default:
		st.ip = c.podIPs.alloc()
	}
	c.pending.remove(key)
	c.podsPerNode[node]++
	if req := model.PodRequests(pod); len(req) > 0 {
		if c.requested[node] == nil {
			c.requested[node] = model.Resources{}
		}
		c.requested[node].Add(req)
	}

	next := new(corev1.Pod)
	*next = *pod // shares all but Spec.NodeName and Status with the old version
	next.Spec.NodeName = node
	status, notes := c.kubeletStatus(next, st, now)
	next.Status = status
	c.statuses.share(next)
	if _, err := c.tracker.put(gvrPods, next, storeUpdate); err != nil {
		return
	}
	if announce {
		c.recordEvent(podRef(next, ""), corev1.EventTypeNormal, "Scheduled",
			fmt.Sprintf("Successfully assigned %s/%s to %s", key.ns, key.name, node), corev1.DefaultSchedulerName, "")
	}
	c.containerEvents(next, &pod.Status, &next.Status, st)
	c.noteEvents(next, st, notes, now)
	c.active.add(key)
	c.afterPodStatus(key, pod, next, st)
}

// bindRequest serves the pods/binding subresource.
func (c *cluster) bindRequest(ns string, b *corev1.Binding) error {
	key := podKey{ns, b.Name}
	pod, ok := c.tracker.peek(gvrPods, ns, b.Name).(*corev1.Pod)
	if !ok {
		return apierrors.NewNotFound(gvrPods.GroupResource(), b.Name)
	}
	if pod.Spec.NodeName != "" {
		return apierrors.NewConflict(gvrPods.GroupResource(), b.Name, fmt.Errorf("pod %s is already assigned to node %q", b.Name, pod.Spec.NodeName))
	}
	if _, ok := c.nodeInfo[b.Target.Name]; !ok {
		return apierrors.NewNotFound(gvrNodes.GroupResource(), b.Target.Name)
	}
	c.bind(key, b.Target.Name, true)
	return nil
}

// afterDelete is called once an object has left the store.
func (c *cluster) afterDelete(ref objectRef, obj runtime.Object) {
	switch o := obj.(type) {
	case *corev1.Service:
		c.serviceIPs.release(o.Spec.ClusterIP)
		for _, p := range o.Spec.Ports {
			delete(c.nodePorts, p.NodePort)
		}
	case *corev1.Pod:
		if st := c.pods[podKey{o.Namespace, o.Name}]; st != nil && o.Status.Phase == corev1.PodRunning {
			// The kubelet stops the app containers, then the native
			// sidecars (restartable init containers).
			var stopping []string
			for _, ctr := range o.Spec.Containers {
				stopping = append(stopping, ctr.Name)
			}
			for _, ctr := range o.Spec.InitContainers {
				if model.IsRestartableInit(ctr) {
					stopping = append(stopping, ctr.Name)
				}
			}
			for _, name := range stopping {
				c.recordEvent(podRef(o, containerFieldPath(o, name)), corev1.EventTypeNormal, "Killing", "Stopping container "+name, "kubelet", st.node)
			}
			for _, n := range model.ShutdownNotes(o) {
				c.recordEvent(podRef(o, containerFieldPath(o, n.Container)), corev1.EventTypeWarning, n.Reason, n.Message, InsightEventSource, "")
			}
		}
		c.podDeleted(podKey{o.Namespace, o.Name}, o)
		c.enqueueController(o)
		c.enqueueServicesOf(o)
	case *corev1.Node:
		// The pod garbage collector deletes pods bound to a node that
		// is gone; their controllers replace them.
		var keys []podKey
		for k, st := range c.pods {
			if st.node == o.Name {
				keys = append(keys, k)
			}
		}
		sort.Slice(keys, func(i, j int) bool {
			return keys[i].ns < keys[j].ns || keys[i].ns == keys[j].ns && keys[i].name < keys[j].name
		})
		for _, k := range keys {
			c.api.remove(nil, objectRef{GVR: gvrPods, Namespace: k.ns, Name: k.name}, true)
		}
		c.nodesChanged()
	case *corev1.Namespace:
		c.events.forgetNamespace(o.Name)
	case *appsv1.ReplicaSet, *appsv1.Deployment, *batchv1.Job, *appsv1.StatefulSet, *appsv1.DaemonSet, *batchv1.CronJob:
		c.enqueueController(mustAccessor(o))
		c.failed.remove(workItem{gvr: ref.GVR, ns: ref.Namespace, name: ref.Name})
	}
}

// podDeleted releases what a pod held: its node slot and its IP.
func (c *cluster) podDeleted(key podKey, pod *corev1.Pod) {
	st := c.pods[key]
	if st == nil {
		return
	}
	delete(c.pods, key)
	c.pending.remove(key)
	c.active.remove(key)
	if st.bound && !st.terminal {
		c.releaseNodeSlot(st.node, pod)
	}
	if st.ip != "" && st.ip != c.nodeInfo[st.node].ip {
		if st.virtual {
			c.eciIPs.release(st.ip)
		} else {
			c.podIPs.release(st.ip)
		}
	}
}

// releaseNodeSlot gives back what a bound pod that finished or went away
// held on its node: a pod slot and its requests. The scheduler tries
// the pending pods again (settle), as kube-scheduler moves unschedulable
// pods back to its active queue when an assigned pod is deleted.
func (c *cluster) releaseNodeSlot(node string, pod *corev1.Pod) {
	c.freed = true
	if req := model.PodRequests(pod); len(req) > 0 && c.requested[node] != nil {
		c.requested[node].Sub(req)
		if len(c.requested[node]) == 0 {
			delete(c.requested, node)
		}
	}
	if c.podsPerNode[node] <= 1 {
		delete(c.podsPerNode, node)
		return
	}
	c.podsPerNode[node]--
}
