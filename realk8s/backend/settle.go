package backend

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
)

// settlePoll is how often Advance looks whether the clusters settled.
const settlePoll = 50 * time.Millisecond

// realKubeletWait is how much of an advance passes in full on clusters
// with real kubelets (kind) while a pod runs a container that may end
// on its own (containersMayEnd): such a container ends in its own time
// (a Job's "sleep 5"), which no object's state announces, so settling
// cannot tell the advance to stop early before it.
const realKubeletWait = 45 * time.Second

// realKubeletQuiet is how long clusters with real kubelets must stay
// settled before an advance returns: what the kubelet and the twin's
// insight recorder write about a change (a "Started container" event, a
// NoNetwork insight) lands just after the pod's status that shows it.
const realKubeletQuiet = time.Second

// Advance lets d of wall-clock time pass, or less: it returns as soon as
// every reachable cluster has settled (no pod pending or changing, the
// controllers caught up with their objects), on real kubelets once they
// stayed settled for a second, and not before min(d, 45s) has passed
// while a pod runs a container that may end on its own. Pushes a
// cluster has not taken yet are retried first, as the in-memory backend
// does.
func (b *Backend) Advance(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("advance: the clock cannot go back (%s)", d)
	}
	b.mu.Lock()
	m := b.instance
	var clients []kubernetes.Interface
	var minWait time.Duration
	for _, name := range slices.Sorted(maps.Keys(b.clusters)) {
		if c := b.clusters[name]; !c.gate.unreachable.Load() {
			clients = append(clients, c.plane.Client())
			if len(c.plane.RealNodes()) > 0 {
				minWait = min(d, realKubeletWait)
			}
		}
	}
	if m != nil {
		// The instance's namespace controller empties deleted
		// namespaces too.
		clients = append(clients, m.plane.Client())
	}
	b.mu.Unlock()
	if m != nil {
		// A push that fails again is recorded and stays owed.
		_ = m.inst.RetryPushes(ctx)
	}
	quiet := time.Duration(0)
	if minWait > 0 {
		quiet = min(d, realKubeletQuiet)
	}
	start := time.Now()
	deadline := start.Add(d)
	var settledSince time.Time
	for {
		settled, mayEnd, err := allSettled(ctx, clients)
		if err != nil {
			return fmt.Errorf("advance: %w", err)
		}
		if !settled || mayEnd {
			settledSince = time.Time{}
		} else if settledSince.IsZero() {
			settledSince = time.Now()
		}
		if !settledSince.IsZero() && time.Since(settledSince) >= quiet {
			b.fleet.times.since("advance (settled)", start)
			return nil
		}
		if settled && mayEnd && time.Since(start) >= minWait {
			b.fleet.times.since("advance (settled, a container may still end)", start)
			return nil
		}
		if !time.Now().Before(deadline) {
			b.fleet.times.since("advance (to its end)", start)
			return nil
		}
		wait := min(settlePoll, time.Until(deadline))
		select {
		case <-ctx.Done():
			return fmt.Errorf("advance: %w", ctx.Err())
		case <-time.After(wait):
		}
	}
}

// allSettled reports whether every cluster settled, and whether a pod
// of one of them runs a container that may end on its own.
func allSettled(ctx context.Context, clients []kubernetes.Interface) (ok, mayEnd bool, err error) {
	for _, c := range clients {
		ok, end, err := settled(ctx, c)
		if err != nil || !ok {
			return false, false, err
		}
		mayEnd = mayEnd || end
	}
	return true, mayEnd, nil
}

// settled reports whether a cluster has nothing left to do: no
// namespace is terminating (the namespace controller has emptied and
// removed each deleted one, as it does within seconds on a real
// cluster); every pod is running and ready, finished, or unschedulable;
// no pod is being deleted; every controller has seen its object's last
// change and made the pods it wants. mayEnd says whether a pod runs a
// container that may end on its own (containersMayEnd).
func settled(ctx context.Context, c kubernetes.Interface) (ok, mayEnd bool, err error) {
	all := metav1.ListOptions{}
	nss, err := c.CoreV1().Namespaces().List(ctx, all)
	if err != nil {
		return false, false, err
	}
	for _, ns := range nss.Items {
		if ns.Status.Phase == corev1.NamespaceTerminating {
			return false, false, nil
		}
	}
	nodes, err := c.CoreV1().Nodes().List(ctx, all)
	if err != nil {
		return false, false, err
	}
	for i := range nodes.Items {
		if !nodeReady(&nodes.Items[i]) {
			return false, false, nil
		}
	}
	pods, err := c.CoreV1().Pods("").List(ctx, all)
	if err != nil {
		return false, false, err
	}
	byOwner := map[types.UID][]*corev1.Pod{}
	for i := range pods.Items {
		p := &pods.Items[i]
		if !podSettled(p) {
			return false, false, nil
		}
		mayEnd = mayEnd || containersMayEnd(p)
		if ref := metav1.GetControllerOf(p); ref != nil {
			byOwner[ref.UID] = append(byOwner[ref.UID], p)
		}
	}
	deps, err := c.AppsV1().Deployments("").List(ctx, all)
	if err != nil {
		return false, false, err
	}
	for i := range deps.Items {
		if !deploymentSettled(&deps.Items[i]) {
			return false, false, nil
		}
	}
	rss, err := c.AppsV1().ReplicaSets("").List(ctx, all)
	if err != nil {
		return false, false, err
	}
	now := time.Now()
	for i := range rss.Items {
		if !replicaSetSettled(&rss.Items[i], byOwner[rss.Items[i].UID], now) {
			return false, false, nil
		}
	}
	sts, err := c.AppsV1().StatefulSets("").List(ctx, all)
	if err != nil {
		return false, false, err
	}
	for i := range sts.Items {
		if !statefulSetSettled(&sts.Items[i], byOwner[sts.Items[i].UID]) {
			return false, false, nil
		}
	}
	dss, err := c.AppsV1().DaemonSets("").List(ctx, all)
	if err != nil {
		return false, false, err
	}
	for _, ds := range dss.Items {
		st := ds.Status
		if st.ObservedGeneration < ds.Generation || st.CurrentNumberScheduled != st.DesiredNumberScheduled || st.UpdatedNumberScheduled != st.DesiredNumberScheduled {
			return false, false, nil
		}
	}
	if ok, err := endpointSlicesSettled(ctx, c, pods.Items); err != nil || !ok {
		return false, false, err
	}
	jobs, err := c.BatchV1().Jobs("").List(ctx, all)
	if err != nil {
		return false, false, err
	}
	for i := range jobs.Items {
		if !jobSettled(&jobs.Items[i], byOwner[jobs.Items[i].UID]) {
			return false, false, nil
		}
	}
	cjs, err := c.BatchV1().CronJobs("").List(ctx, all)
	if err != nil {
		return false, false, err
	}
	// The garbage collector caught up: no workload object or pod is
	// left whose controlling owner is gone.
	owners := map[types.UID]bool{}
	var owned []metav1.Object
	for i := range deps.Items {
		owners[deps.Items[i].UID] = true
	}
	for i := range rss.Items {
		owners[rss.Items[i].UID] = true
		owned = append(owned, &rss.Items[i])
	}
	for i := range sts.Items {
		owners[sts.Items[i].UID] = true
	}
	for i := range dss.Items {
		owners[dss.Items[i].UID] = true
	}
	for i := range jobs.Items {
		owners[jobs.Items[i].UID] = true
		owned = append(owned, &jobs.Items[i])
	}
	for i := range cjs.Items {
		owners[cjs.Items[i].UID] = true
	}
	for i := range pods.Items {
		owned = append(owned, &pods.Items[i])
	}
	for _, o := range owned {
		if ref := metav1.GetControllerOfNoCopy(o); ref != nil && isWorkloadKind(ref.Kind) && !owners[ref.UID] {
			return false, false, nil
		}
	}
	return true, mayEnd, nil
}

// replicaFailureSteady is how long a ReplicaSet's ReplicaFailure
// condition must have stood before settled takes it for the state the
// controller stays in (each retry refused alike): long enough to outlast
// the refusals that clear on their own within a second or two, such as a
// new namespace's "default" ServiceAccount not made yet.
const replicaFailureSteady = 5 * time.Second

// replicaSetSettled: the controller saw the last change and has the pods
// it wants, or it cannot make them: its pod creations have been refused
// for replicaFailureSteady (an admission webhook or the API server's
// validation refusing each pod, as B33's legacy webhook makes them), so
// it only retries with a growing back-off, which waiting out would not
// change.
func replicaSetSettled(rs *appsv1.ReplicaSet, pods []*corev1.Pod, now time.Time) bool {
	if rs.Status.ObservedGeneration < rs.Generation {
		return false
	}
	want := replicas(rs.Spec.Replicas)
	if rs.Status.Replicas == want && len(pods) == int(want) {
		return true
	}
	if len(pods) >= int(want) {
		return false // surplus pods the controller is still deleting
	}
	for _, cond := range rs.Status.Conditions {
		if cond.Type == appsv1.ReplicaSetReplicaFailure && cond.Status == corev1.ConditionTrue &&
			cond.Reason == "FailedCreate" && !strings.Contains(cond.Message, "service account") &&
			now.Sub(cond.LastTransitionTime.Time) >= replicaFailureSteady {
			return true
		}
	}
	return false
}

// statefulSetSettled: the controller saw the last change and has every
// pod, or, creating pods in order, waits on one that is not Ready (an
// unschedulable pod, whose claims no volume binds, stays so).
func statefulSetSettled(s *appsv1.StatefulSet, pods []*corev1.Pod) bool {
	if s.Status.ObservedGeneration < s.Generation {
		return false
	}
	if s.Status.Replicas == replicas(s.Spec.Replicas) {
		return true
	}
	if s.Spec.PodManagementPolicy == appsv1.ParallelPodManagement {
		return false
	}
	for _, p := range pods {
		if podCondition(p, corev1.PodReady) != corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// endpointSlicesSettled: the EndpointSlice controller caught up, each
// Service with a selector has a slice and its slices list as ready the
// addresses of exactly the Ready pods it selects.
func endpointSlicesSettled(ctx context.Context, c kubernetes.Interface, pods []corev1.Pod) (bool, error) {
	svcs, err := c.CoreV1().Services("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return false, err
	}
	if len(svcs.Items) == 0 {
		return true, nil
	}
	slices, err := c.DiscoveryV1().EndpointSlices("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return false, err
	}
	for _, svc := range svcs.Items {
		if len(svc.Spec.Selector) == 0 {
			continue
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		want := map[string]bool{}
		for i := range pods {
			p := &pods[i]
			if p.Namespace == svc.Namespace && p.Status.PodIP != "" && p.DeletionTimestamp == nil &&
				podCondition(p, corev1.PodReady) == corev1.ConditionTrue && sel.Matches(labels.Set(p.Labels)) {
				want[p.Status.PodIP] = true
			}
		}
		got, found := map[string]bool{}, false
		for _, sl := range slices.Items {
			if sl.Namespace != svc.Namespace || sl.Labels[discoveryv1.LabelServiceName] != svc.Name {
				continue
			}
			found = true
			for _, ep := range sl.Endpoints {
				if (ep.Conditions.Ready == nil || *ep.Conditions.Ready) && len(ep.Addresses) > 0 {
					got[ep.Addresses[0]] = true
				}
			}
		}
		if !found || !maps.Equal(want, got) {
			return false, nil
		}
	}
	return true, nil
}

// isWorkloadKind: the controllers whose dependents settled waits the
// garbage collector out for.
func isWorkloadKind(kind string) bool {
	switch kind {
	case "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob":
		return true
	}
	return false
}

// waitNodesReady waits until every node of a cluster is ready
// (nodeReady), as a cluster's creation returns with its nodes ready.
func waitNodesReady(ctx context.Context, c kubernetes.Interface) error {
	err := wait.PollUntilContextTimeout(ctx, settlePoll, nodesReadyTimeout, true, func(ctx context.Context) (bool, error) {
		nodes, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for i := range nodes.Items {
			if !nodeReady(&nodes.Items[i]) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("wait for the nodes to be ready (kwok reports them, the node lifecycle controller lifts their not-ready taint): %w", err)
	}
	return nil
}

// nodesReadyTimeout bounds waitNodesReady.
const nodesReadyTimeout = time.Minute

// nodeReady: kwok has reported the node Ready and the node lifecycle
// controller has lifted its not-ready and unreachable taints, so the
// scheduler places pods on it rather than calling them unschedulable.
func nodeReady(n *corev1.Node) bool {
	ready := false
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			ready = cond.Status == corev1.ConditionTrue
		}
	}
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
			return false
		}
	}
	return ready
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func podSettled(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil {
		return false
	}
	switch p.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return true
	case corev1.PodRunning:
		return podCondition(p, corev1.PodReady) == corev1.ConditionTrue || onlyFinishedContainersUnready(p)
	}
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse && cond.Reason == corev1.PodReasonUnschedulable {
			return true
		}
	}
	return false
}

// onlyFinishedContainersUnready: a Running pod is not Ready only because
// containers ended that the kubelet will not start again (restartPolicy
// Never, or OnFailure after a clean exit): nothing more happens to it
// until something else does, as with a Job's pod whose traditional
// sidecar keeps it Running (1/2) after the main container exited (B32).
func onlyFinishedContainersUnready(p *corev1.Pod) bool {
	finished := 0
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Ready {
			continue
		}
		t := cs.State.Terminated
		switch {
		case t == nil, p.Spec.RestartPolicy == corev1.RestartPolicyAlways,
			p.Spec.RestartPolicy == corev1.RestartPolicyOnFailure && t.ExitCode != 0:
			return false
		}
		finished++
	}
	// Every regular container ended for good: the kubelet stops the
	// pod's native sidecars and the pod completes (a Job's pod under a
	// native istio-proxy, B32); a traditional istio-proxy is a regular
	// container and runs on.
	return finished > 0 && finished < len(p.Status.ContainerStatuses)
}

// containersMayEnd: a Running pod whose containers are not restarted
// (restartPolicy Never or OnFailure, a Job's) runs a container that may
// end on its own, as a Job's "sleep 5" does; istio-proxy, which runs
// until it is stopped, does not count.
func containersMayEnd(p *corev1.Pod) bool {
	if p.Spec.RestartPolicy == corev1.RestartPolicyAlways || p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name != model.ProxyContainerName && cs.State.Running != nil {
			return true
		}
	}
	return false
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, cond := range p.Status.Conditions {
		if cond.Type == t {
			return cond.Status
		}
	}
	return corev1.ConditionUnknown
}

func deploymentSettled(d *appsv1.Deployment) bool {
	want := replicas(d.Spec.Replicas)
	st := d.Status
	if d.Spec.Paused {
		return st.ObservedGeneration >= d.Generation
	}
	if st.ObservedGeneration < d.Generation {
		return false
	}
	if st.Replicas == want && st.UpdatedReplicas == want {
		return true
	}
	// Short of pods because its ReplicaSet's creations are refused (the
	// deployment controller copies the ReplicaSet's ReplicaFailure
	// condition): replicaSetSettled decides whether that is steady.
	for _, cond := range st.Conditions {
		if cond.Type == appsv1.DeploymentReplicaFailure && cond.Status == corev1.ConditionTrue && st.Replicas < want {
			return true
		}
	}
	return false
}

// jobSettled: the job finished, or the controller counted each of its
// pods and still has some running.
func jobSettled(j *batchv1.Job, pods []*corev1.Pod) bool {
	for _, cond := range j.Status.Conditions {
		if (cond.Type == batchv1.JobComplete || cond.Type == batchv1.JobFailed) && cond.Status == corev1.ConditionTrue {
			return true
		}
	}
	var active, succeeded, failed int32
	for _, p := range pods {
		switch p.Status.Phase {
		case corev1.PodSucceeded:
			succeeded++
		case corev1.PodFailed:
			failed++
		default:
			active++
		}
	}
	suspended := j.Spec.Suspend != nil && *j.Spec.Suspend
	return j.Status.Active == active && j.Status.Succeeded == succeeded && j.Status.Failed == failed && (active > 0 || suspended)
}
