package sim

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/meshtwin/meshtwin/model"
)

// The DaemonSet controller, as kube-controller-manager's
// (pkg/controller/daemon): one pod per node that the pod fits (its
// nodeSelector and affinity, and the node's taints against its
// tolerations, with the tolerations every daemon pod gets), pinned to
// its node by node affinity on metadata.name, named <set>-<5 chars>; a
// rolling update replaces at most maxUnavailable pods at a time.

// daemonPodTolerations are the tolerations the controller adds to every
// daemon pod (AddOrUpdateDaemonPodTolerations).
func daemonPodTolerations(spec *corev1.PodSpec) {
	add := func(key string, effect corev1.TaintEffect) {
		for _, t := range spec.Tolerations {
			if t.Key == key && t.Effect == effect && t.Operator == corev1.TolerationOpExists {
				return
			}
		}
		spec.Tolerations = append(spec.Tolerations, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: effect})
	}
	add(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodePIDPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)
	if spec.HostNetwork {
		add(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)
	}
}

// daemonPodFor is the pod of set for one node.
func daemonPodFor(set *appsv1.DaemonSet, hash, node string) *corev1.Pod {
	pod := podFromTemplate(set, "DaemonSet", "apps/v1", &set.Spec.Template)
	daemonPodTolerations(&pod.Spec)
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] = hash
	pod.Labels["pod-template-generation"] = strconv.FormatInt(set.Generation, 10)
	if pod.Spec.Affinity == nil {
		pod.Spec.Affinity = &corev1.Affinity{}
	}
	if pod.Spec.Affinity.NodeAffinity == nil {
		pod.Spec.Affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{{
			Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{node},
		}}}},
	}
	return pod
}

// daemonNodes are the nodes set should run a pod on.
func (c *cluster) daemonNodes(set *appsv1.DaemonSet) []string {
	probe := &corev1.Pod{Spec: *set.Spec.Template.Spec.DeepCopy()}
	daemonPodTolerations(&probe.Spec)
	var out []string
	for i := range c.nodes {
		if model.NodeRejects(probe, &c.nodes[i]) == "" {
			out = append(out, c.nodes[i].Name)
		}
	}
	return out
}

func (c *cluster) syncDaemonSet(req *request, item workItem) {
	set, ok := c.tracker.peek(gvrDaemonSets, item.ns, item.name).(*appsv1.DaemonSet)
	if !ok {
		return
	}
	ref := refTo(set, "DaemonSet", "apps/v1")
	hash := templateHash(&set.Spec.Template)
	want := map[string]bool{}
	nodes := c.daemonNodes(set)
	for _, n := range nodes {
		want[n] = true
	}
	byNode := map[string]*corev1.Pod{}
	remove := func(p *corev1.Pod) {
		c.api.remove(req, objectRef{GVR: gvrPods, Namespace: p.Namespace, Name: p.Name}, true)
		c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: "+p.Name, "daemonset-controller", "")
	}
	for _, p := range c.ownedPods(set.UID, true) {
		node := daemonPodNode(p)
		switch {
		case !want[node] || byNode[node] != nil || p.Status.Phase == corev1.PodFailed:
			remove(p)
		default:
			byNode[node] = p
		}
	}
	// Rolling update: delete old pods while no more than maxUnavailable
	// pods are unavailable; their nodes get new pods below.
	if set.Spec.UpdateStrategy.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		budget := daemonMaxUnavailable(set, len(nodes))
		for _, n := range nodes {
			if p := byNode[n]; p == nil || !runningAndReady(p) {
				budget--
			}
		}
		for _, n := range nodes {
			p := byNode[n]
			if budget <= 0 {
				break
			}
			if p != nil && p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] != hash {
				remove(p)
				delete(byNode, n)
				budget--
			}
		}
	}
	var createErr error
	for _, n := range nodes {
		if byNode[n] != nil {
			continue
		}
		obj, err := c.api.create(req, gvrPods, set.Namespace, daemonPodFor(set, hash, n), false)
		if err != nil {
			createErr = err
			c.recordEvent(ref, corev1.EventTypeWarning, "FailedCreate", "Error creating: "+err.Error(), "daemonset-controller", "")
			break
		}
		p := obj.(*corev1.Pod)
		byNode[n] = p
		c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: "+p.Name, "daemonset-controller", "")
	}
	if createErr != nil {
		c.failed.add(item)
	} else {
		c.failed.remove(item)
	}

	set, _ = c.tracker.peek(gvrDaemonSets, item.ns, item.name).(*appsv1.DaemonSet)
	if set == nil {
		return
	}
	status := appsv1.DaemonSetStatus{ObservedGeneration: set.Generation, DesiredNumberScheduled: int32(len(nodes))}
	for _, n := range nodes {
		p := byNode[n]
		if p == nil {
			continue
		}
		status.CurrentNumberScheduled++
		if runningAndReady(p) {
			status.NumberReady++
			status.NumberAvailable++
		}
		if p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == hash {
			status.UpdatedNumberScheduled++
		}
	}
	status.NumberUnavailable = status.DesiredNumberScheduled - status.NumberAvailable
	if apiequality.Semantic.DeepEqual(set.Status, status) {
		return
	}
	next := set.DeepCopy()
	next.Status = status
	c.putStatus(item, gvrDaemonSets, next)
}

// daemonPodNode is the node a daemon pod is for: its node, else the one
// its node affinity names.
func daemonPodNode(p *corev1.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			for _, f := range t.MatchFields {
				if f.Key == "metadata.name" && len(f.Values) == 1 {
					return f.Values[0]
				}
			}
		}
	}
	return ""
}

func daemonMaxUnavailable(set *appsv1.DaemonSet, desired int) int {
	mu := intstr.FromInt32(1)
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		mu = *ru.MaxUnavailable
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(&mu, desired, true)
	if err != nil || n < 1 {
		n = 1
	}
	return n
}

// enqueueDaemonSets wakes every DaemonSet (the nodes changed).
func (c *cluster) enqueueDaemonSets() {
	for _, obj := range c.tracker.items(gvrDaemonSets, "") {
		set := obj.(*appsv1.DaemonSet)
		c.enqueue(gvrDaemonSets, set.Namespace, set.Name)
	}
}
