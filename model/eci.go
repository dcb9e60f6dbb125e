package model

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Placement rule ids, as PlacementDecision.Rule reports them.
const (
	PlacementNodeName      = "node-name"
	PlacementVirtualNode   = "virtual-node"
	PlacementRegularNode   = "regular-node"
	PlacementNoVirtualNode = "no-virtual-node"
	PlacementUnschedulable = "unschedulable"
	PlacementNoNodes       = "no-nodes"
)

// TaintVirtualKubeletValue is the value of the taint every virtual node
// carries.
const TaintVirtualKubeletValue = "alibabacloud"

// PlacementRequest bundles a pod with its namespace's labels.
type PlacementRequest struct {
	Pod             *corev1.Pod
	NamespaceLabels map[string]string
}

// WantsECI reports whether a pod should run on an ECI virtual node (B17–B19):
// the pod label alibabacloud.com/eci decides when it is "true" or "false",
// otherwise the namespace label does. The reason is one phrase naming the
// label that decided.
func WantsECI(podLabels, nsLabels map[string]string) (bool, string) {
	switch podLabels[LabelECI] {
	case "true":
		return true, fmt.Sprintf("the pod has label %s=true", LabelECI)
	case "false":
		if nsLabels[LabelECI] == "true" {
			return false, fmt.Sprintf("the pod has label %s=false, which opts it out of its namespace's %s=true", LabelECI, LabelECI)
		}
		return false, fmt.Sprintf("the pod has label %s=false", LabelECI)
	}
	if nsLabels[LabelECI] == "true" {
		return true, fmt.Sprintf("its namespace has label %s=true", LabelECI)
	}
	return false, fmt.Sprintf("neither the pod nor its namespace has label %s=true", LabelECI)
}

// VirtualKubeletToleration is the toleration the ECI webhook adds.
func VirtualKubeletToleration() corev1.Toleration {
	return corev1.Toleration{
		Key:      TaintVirtualKubelet,
		Operator: corev1.TolerationOpEqual,
		Value:    TaintVirtualKubeletValue,
		Effect:   corev1.TaintEffectNoSchedule,
	}
}

// VirtualKubeletTaint is the taint every virtual node carries.
func VirtualKubeletTaint() corev1.Taint {
	return corev1.Taint{Key: TaintVirtualKubelet, Value: TaintVirtualKubeletValue, Effect: corev1.TaintEffectNoSchedule}
}

// ApplyECIScheduling is the ECI webhook: when WantsECI holds it returns a
// copy of pod with nodeSelector type=virtual-kubelet and the virtual-kubelet
// toleration, and true. Otherwise it returns pod itself, unchanged, and
// false.
func ApplyECIScheduling(pod *corev1.Pod, nsLabels map[string]string) (*corev1.Pod, bool) {
	if pod == nil {
		return nil, false
	}
	if eci, _ := WantsECI(pod.Labels, nsLabels); !eci {
		return pod, false
	}
	out := pod.DeepCopy()
	if out.Spec.NodeSelector == nil {
		out.Spec.NodeSelector = map[string]string{}
	}
	out.Spec.NodeSelector[NodeLabelType] = NodeTypeVirtualKubelet
	tol := VirtualKubeletToleration()
	for _, t := range out.Spec.Tolerations {
		if t == tol {
			return out, true
		}
	}
	out.Spec.Tolerations = append(out.Spec.Tolerations, tol)
	return out, true
}

// PlacementDecision is where the scheduler puts a pod, and why.
type PlacementDecision struct {
	// Node is the node the simulator binds the pod to; Candidates are
	// the feasible nodes scored as high as Node (Node among them,
	// sorted), among which kube-scheduler picks at random
	// (schedule_one.go selectHost), so any of them is as likely.
	Node       string
	Candidates []string
	Scheduled  bool
	Rule       string
	// Reason is one sentence for humans.
	Reason string
	// Message is the FailedScheduling event text when not scheduled.
	Message string
}

// Nodes names the candidate nodes as a sentence says them: "a", "a or
// b", "a, b or c".
func (d PlacementDecision) Nodes() string {
	c := d.Candidates
	switch len(c) {
	case 0:
		return d.Node
	case 1:
		return c[0]
	}
	return strings.Join(c[:len(c)-1], ", ") + " or " + c[len(c)-1]
}

// IsVirtualNode reports whether node is an ECI virtual node.
func IsVirtualNode(node *corev1.Node) bool {
	return node != nil && node.Labels[NodeLabelType] == NodeTypeVirtualKubelet
}

// hasVirtualNode reports whether nodes has a virtual node.
func hasVirtualNode(nodes []corev1.Node) bool {
	for i := range nodes {
		if IsVirtualNode(&nodes[i]) {
			return true
		}
	}
	return false
}

// DecidePlacement is DecidePlacementWithLoad with no requests counted on
// any node.
func DecidePlacement(pod *corev1.Pod, nodes []corev1.Node, podsPerNode map[string]int) PlacementDecision {
	return DecidePlacementWithLoad(pod, nodes, podsPerNode, nil)
}

// DecidePlacementWithLoad filters nodes as kube-scheduler does
// (unschedulable nodes, taints against tolerations, nodeSelector and
// required node affinity, then NodeResourcesFit: the pod's PodRequests
// and one more pod must fit in the node's allocatable minus the
// requested of the pods already bound there; a preset spec.nodeName is
// honoured) and picks the feasible node with the fewest pods, then by
// name. podsPerNode and requested are the nodes' unfinished pods and
// the sum of their PodRequests.
func DecidePlacementWithLoad(pod *corev1.Pod, nodes []corev1.Node, podsPerNode map[string]int, requested map[string]Resources) PlacementDecision {
	return decidePlacement(pod, NewNodes(nodes), podsPerNode, requested, true)
}

// PlacePod is DecidePlacementWithLoad for a scheduler, which reads the
// node, whether the pod is scheduled and the FailedScheduling message:
// the Reason sentence is left empty where the decision schedules the pod
// or has a Message, and the Candidates of a scheduled pod are not
// listed, so placing a pod formats no explanation and makes no list of
// the nodes. nodes are the cluster's nodes as NewNodes prepared them
// when they last changed.
func PlacePod(pod *corev1.Pod, nodes Nodes, podsPerNode map[string]int, requested map[string]Resources) PlacementDecision {
	return decidePlacement(pod, nodes, podsPerNode, requested, false)
}

// Nodes are a cluster's nodes as a scheduler places pods on them: the
// list, and each node's allocatable converted once, as kube-scheduler's
// NodeInfo keeps it, rather than for every node at every placement.
type Nodes struct {
	list []corev1.Node
	caps []capacity
}

// NewNodes prepares list for placement. The Nodes read list, not a copy:
// a caller that changes list makes new Nodes.
func NewNodes(list []corev1.Node) Nodes {
	caps := make([]capacity, len(list))
	for i := range list {
		caps[i] = capacityOf(&list[i])
	}
	return Nodes{list: list, caps: caps}
}

func decidePlacement(pod *corev1.Pod, prepared Nodes, podsPerNode map[string]int, requested map[string]Resources, explain bool) PlacementDecision {
	nodes := prepared.list
	if pod == nil {
		pod = &corev1.Pod{}
	}
	if pod.Spec.NodeName != "" {
		d := PlacementDecision{Node: pod.Spec.NodeName, Scheduled: true, Rule: PlacementNodeName}
		if explain {
			d.Reason = fmt.Sprintf("the pod names node %s in spec.nodeName, so the scheduler is bypassed", pod.Spec.NodeName)
		}
		return d
	}
	wantsVirtual := pod.Spec.NodeSelector[NodeLabelType] == NodeTypeVirtualKubelet
	if len(nodes) == 0 {
		d := PlacementDecision{Rule: PlacementNoNodes, Reason: "the cluster has no nodes, so the pod stays Pending",
			Message: "no nodes available to schedule pods"}
		if wantsVirtual {
			d.Rule = PlacementNoVirtualNode
			d.Reason = noVirtualNodeReason
		}
		return d
	}
	reasons := map[string]int{}
	// preemptible counts the nodes that failed only NodeResourcesFit,
	// and resolvably: default preemption looks there for victims.
	preemptible := 0
	req := newPodRequest(PodRequests(pod))
	var feasible []string
	best, bestPods := -1, 0 // without explain: the node chosen so far, and its pods
	for i := range nodes {
		n := &nodes[i]
		if why := NodeRejects(pod, n); why != "" {
			reasons[why]++
			continue
		}
		pods := podsPerNode[n.Name]
		short, unresolvable := insufficient(req, prepared.caps[i], NodeLoad{Pods: pods, Requested: requested[n.Name]})
		if len(short) > 0 {
			for _, why := range short {
				reasons[why]++
			}
			if !unresolvable {
				preemptible++
			}
			continue
		}
		if !explain {
			// The scheduler needs the node with the fewest pods, then
			// the first by name, not the list of candidates.
			if best < 0 || pods < bestPods || pods == bestPods && n.Name < nodes[best].Name {
				best, bestPods = i, pods
			}
			continue
		}
		feasible = append(feasible, n.Name)
	}
	if best >= 0 {
		d := PlacementDecision{Node: nodes[best].Name, Scheduled: true, Rule: PlacementRegularNode}
		if chosen := lastNamed(nodes, d.Node); IsVirtualNode(chosen) {
			d.Rule = PlacementVirtualNode
		}
		return d
	}
	if len(feasible) == 0 {
		msg := schedulingFailure(len(nodes), reasons, preemptible)
		d := PlacementDecision{Rule: PlacementUnschedulable, Message: msg}
		if explain {
			d.Reason = fmt.Sprintf("no node fits the pod, so it stays Pending: %s", msg)
		}
		if wantsVirtual && !hasVirtualNode(nodes) {
			d.Rule = PlacementNoVirtualNode
			d.Reason = noVirtualNodeReason
		}
		return d
	}
	sort.Slice(feasible, func(i, j int) bool {
		a, b := podsPerNode[feasible[i]], podsPerNode[feasible[j]]
		if a != b {
			return a < b
		}
		return feasible[i] < feasible[j]
	})
	node := feasible[0]
	var ties []string
	for _, n := range feasible {
		if podsPerNode[n] == podsPerNode[node] {
			ties = append(ties, n)
		}
	}
	if IsVirtualNode(lastNamed(nodes, node)) {
		d := PlacementDecision{Node: node, Candidates: ties, Scheduled: true, Rule: PlacementVirtualNode}
		if explain {
			d.Reason = fmt.Sprintf("the pod runs on ECI virtual node %s because its nodeSelector has %s=%s and it tolerates the virtual-kubelet taint", node, NodeLabelType, NodeTypeVirtualKubelet)
		}
		return d
	}
	d := PlacementDecision{Node: node, Candidates: ties, Scheduled: true, Rule: PlacementRegularNode}
	switch {
	case !explain:
	case len(ties) > 1:
		d.Reason = fmt.Sprintf("the pod runs on regular node %s, the feasible nodes with the fewest pods, whichever kube-scheduler picks", d.Nodes())
	default:
		d.Reason = fmt.Sprintf("the pod runs on regular node %s, the feasible node with the fewest pods", node)
	}
	return d
}

// lastNamed is the last of nodes named name, or nil.
func lastNamed(nodes []corev1.Node, name string) *corev1.Node {
	var n *corev1.Node
	for i := range nodes {
		if nodes[i].Name == name {
			n = &nodes[i]
		}
	}
	return n
}

const noVirtualNodeReason = "the pod asks for an ECI virtual node but the cluster has none: the ack-virtual-node component is not deployed, so the pod stays Pending"

// schedulingFailure renders kube-scheduler's FailedScheduling message
// (framework/types.go FitError.Error: each reason with its count of
// nodes, sorted as strings, then the PostFilter's message). Default
// preemption (preemption.go findCandidates, DryRunPreemption) looks for
// victims on the preemptible nodes, those that failed as Unschedulable
// rather than UnschedulableAndUnresolvable; every pod of the twin has
// priority 0, so none has a lower-priority pod to evict ("No preemption
// victims found for incoming pod", default_preemption.go
// SelectVictimsOnNode), and every other node is "Preemption is not
// helpful for scheduling".
func schedulingFailure(total int, reasons map[string]int, preemptible int) string {
	return fmt.Sprintf("0/%d nodes are available: %s. preemption: 0/%d nodes are available: %s.",
		total, reasonHistogram(reasons), total, reasonHistogram(map[string]int{
			"Preemption is not helpful for scheduling":     total - preemptible,
			"No preemption victims found for incoming pod": preemptible,
		}))
}

// reasonHistogram is FitError's "<count> <reason>" list, sorted as
// strings, reasons of no node left out.
func reasonHistogram(reasons map[string]int) string {
	parts := make([]string, 0, len(reasons))
	for r, n := range reasons {
		if n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+r)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// NodeRejects returns why node cannot take pod, in kube-scheduler's words
// and filter order, or "" if it can. The DaemonSet controller asks it of
// each node for its daemon pod.
func NodeRejects(pod *corev1.Pod, node *corev1.Node) string {
	if node.Spec.Unschedulable && !toleratesUnschedulable(pod) {
		return "node(s) were unschedulable"
	}
	for _, t := range node.Spec.Taints {
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		if !tolerated(pod.Spec.Tolerations, t) {
			return untoleratedTaintReason(node, t)
		}
	}
	if !matchesNodeSelector(pod, node) {
		return "node(s) didn't match Pod's node affinity/selector"
	}
	return ""
}

// untoleratedTaintReason is TaintToleration's Filter reason as the
// cluster's kube-scheduler words it. Up to 1.34 it names the first
// untolerated taint ("{key: value}", taint_toleration.go at v1.30.0);
// from 1.35 it names none, so that a pod's status does not reveal a
// node's taints (kubernetes/kubernetes#134740, also cherry-picked into
// late 1.32-1.34 patch releases, which the twin's minor versions cannot
// tell apart). The twin's nodes carry their cluster's version as their
// kubelet's, which stands for the scheduler's here; a node whose version
// cannot be read is taken as the newest modelled.
func untoleratedTaintReason(node *corev1.Node, t corev1.Taint) string {
	if v, ok := nodeKubeVersion(node); ok && !v.AtLeast(1, 35) {
		return fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value)
	}
	return "node(s) had untolerated taint(s)"
}

// KubeletNamesContainers says whether the kubelet of node names the
// container in the messages of its Created and Started events: up to
// 1.34 it does ("Created container web", kuberuntime_container.go at
// v1.30.0), from 1.35 it does not, the event's fieldPath naming it
// ("Container created", "Container started":
// kubernetes/kubernetes#134043; kuberuntime_container.go at v1.37.2,
// as kind's 1.37 kubelets record them). A node whose version cannot be
// read is taken as the newest modelled.
func KubeletNamesContainers(node *corev1.Node) bool {
	v, ok := nodeKubeVersion(node)
	return ok && !v.AtLeast(1, 35)
}

// ContainerEventMessages are the messages of the kubelet's Created and
// Started events for container name (KubeletNamesContainers).
func ContainerEventMessages(named bool, name string) (created, started string) {
	if named {
		return "Created container " + name, "Started container " + name
	}
	return "Container created", "Container started"
}

// nodeKubeVersion reads the minor release from a node's kubelet version
// ("v1.30.1-aliyun.1", "v1.30.0-vk-v2.11.0").
func nodeKubeVersion(node *corev1.Node) (KubeVersion, bool) {
	s, _, _ := strings.Cut(node.Status.NodeInfo.KubeletVersion, "-")
	v, err := ParseKubeVersion(s)
	if err != nil {
		return KubeVersion{}, false
	}
	return v, true
}

func toleratesUnschedulable(pod *corev1.Pod) bool {
	return tolerated(pod.Spec.Tolerations, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
}

func tolerated(tols []corev1.Toleration, t corev1.Taint) bool {
	for _, tol := range tols {
		if tol.Effect != "" && tol.Effect != t.Effect {
			continue
		}
		switch tol.Operator {
		case corev1.TolerationOpExists:
			if tol.Key == "" || tol.Key == t.Key {
				return true
			}
		case corev1.TolerationOpEqual, "":
			if tol.Key == t.Key && tol.Value == t.Value {
				return true
			}
		}
	}
	return false
}

func matchesNodeSelector(pod *corev1.Pod, node *corev1.Node) bool {
	for k, v := range pod.Spec.NodeSelector {
		if got, ok := node.Labels[k]; !ok || got != v {
			return false
		}
	}
	aff := pod.Spec.Affinity
	if aff == nil || aff.NodeAffinity == nil || aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return true
	}
	terms := aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) == 0 {
		return false
	}
	for _, term := range terms {
		if termMatches(term, node) {
			return true
		}
	}
	return false
}

func termMatches(term corev1.NodeSelectorTerm, node *corev1.Node) bool {
	if len(term.MatchExpressions) == 0 && len(term.MatchFields) == 0 {
		return false
	}
	for _, r := range term.MatchExpressions {
		if !requirementMatches(r, node.Labels) {
			return false
		}
	}
	for _, r := range term.MatchFields {
		if r.Key != "metadata.name" || !requirementMatches(r, map[string]string{"metadata.name": node.Name}) {
			return false
		}
	}
	return true
}

func requirementMatches(r corev1.NodeSelectorRequirement, labels map[string]string) bool {
	v, ok := labels[r.Key]
	in := func() bool {
		for _, x := range r.Values {
			if x == v {
				return true
			}
		}
		return false
	}
	switch r.Operator {
	case corev1.NodeSelectorOpIn:
		return ok && in()
	case corev1.NodeSelectorOpNotIn:
		return !ok || !in()
	case corev1.NodeSelectorOpExists:
		return ok
	case corev1.NodeSelectorOpDoesNotExist:
		return !ok
	case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
		if !ok || len(r.Values) != 1 {
			return false
		}
		a, err1 := strconv.ParseInt(v, 10, 64)
		b, err2 := strconv.ParseInt(r.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if r.Operator == corev1.NodeSelectorOpGt {
			return a > b
		}
		return a < b
	}
	return false
}

// VirtualNodeName names the virtual node of ack-virtual-node in a zone:
// virtual-kubelet-cn-beijing-i. zone may be the short letter ("i") or the
// full zone id ("cn-beijing-i").
func VirtualNodeName(region, zone string) string {
	return "virtual-kubelet-" + region + "-" + shortZone(region, zone)
}

func shortZone(region, zone string) string {
	if region != "" && strings.HasPrefix(zone, region+"-") {
		return strings.TrimPrefix(zone, region+"-")
	}
	return zone
}

// NewVirtualNode builds the virtual node ack-virtual-node registers: label
// type=virtual-kubelet, topology labels and the virtual-kubelet taint.
func NewVirtualNode(region, zone string) *corev1.Node {
	name := VirtualNodeName(region, zone)
	n := readyNode(name)
	n.Labels[NodeLabelType] = NodeTypeVirtualKubelet
	n.Labels["kubernetes.io/role"] = "agent"
	n.Labels["alibabacloud.com/virtual-node"] = "true"
	if region != "" {
		n.Labels[corev1.LabelTopologyRegion] = region
		n.Labels[corev1.LabelTopologyZone] = region + "-" + shortZone(region, zone)
	}
	n.Spec.Taints = []corev1.Taint{VirtualKubeletTaint()}
	return n
}

// NodeIP is the address of a cluster's n-th node (from 0), as ACK
// numbers them in the twin: 192.168.0.1, 192.168.0.2, ... A regular
// node is named after it (region + "." + address).
func NodeIP(n int) string {
	return fmt.Sprintf("192.168.%d.%d", n/254, n%254+1)
}

// NewNode builds a regular, Ready worker node.
func NewNode(name string) *corev1.Node {
	return readyNode(name)
}

func readyNode(name string) *corev1.Node {
	return &corev1.Node{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				corev1.LabelHostname:   name,
				corev1.LabelOSStable:   "linux",
				corev1.LabelArchStable: "amd64",
			},
		},
		Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{{
				Type: corev1.NodeReady, Status: corev1.ConditionTrue,
				Reason: "KubeletReady", Message: "kubelet is posting ready status",
			}},
			Allocatable: nodeResources(),
			Capacity:    nodeResources(),
		},
	}
}

func nodeResources() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("4"),
		corev1.ResourceMemory: resource.MustParse("16Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
}

// DecorateNode fills what a kubelet (or ack-virtual-node) of a cluster
// reports and NewNode or NewVirtualNode leave out: addresses, well-known
// labels, the kubelet's version, readiness at now, capacity. Fields
// already set are kept.
func DecorateNode(n *corev1.Node, info ClusterInfo, ip string, virtual bool, now time.Time) {
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	setDefault := func(k, v string) {
		if _, ok := n.Labels[k]; !ok {
			n.Labels[k] = v
		}
	}
	zone := info.Region + "-" + info.Zone
	setDefault("kubernetes.io/hostname", n.Name)
	setDefault("kubernetes.io/os", "linux")
	setDefault("topology.kubernetes.io/region", info.Region)
	setDefault("topology.kubernetes.io/zone", zone)
	if !virtual {
		setDefault("kubernetes.io/arch", "amd64")
		setDefault("node.kubernetes.io/instance-type", "ecs.g7.xlarge")
	}
	hasIP := false
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			hasIP = true
		}
	}
	if !hasIP {
		n.Status.Addresses = append([]corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ip}}, n.Status.Addresses...)
		if !virtual {
			n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeHostName, Address: n.Name})
		}
	}
	if n.Status.NodeInfo.KubeletVersion == "" {
		if virtual {
			n.Status.NodeInfo.KubeletVersion = fmt.Sprintf("v%s.0-vk-v2.11.0", info.KubeVersion)
		} else {
			n.Status.NodeInfo.KubeletVersion = fmt.Sprintf("v%s.1-aliyun.1", info.KubeVersion)
		}
	}
	if n.Status.NodeInfo.OperatingSystem == "" {
		n.Status.NodeInfo.OperatingSystem = "linux"
		n.Status.NodeInfo.Architecture = "amd64"
	}
	at := metav1.NewTime(now)
	if len(n.Status.Conditions) == 0 {
		n.Status.Conditions = []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			Message: "kubelet is posting ready status",
		}}
	}
	for i := range n.Status.Conditions {
		cond := &n.Status.Conditions[i]
		if cond.LastHeartbeatTime.IsZero() {
			cond.LastHeartbeatTime = at
		}
		if cond.LastTransitionTime.IsZero() {
			cond.LastTransitionTime = at
		}
	}
	if n.Status.Capacity == nil {
		pods := "110"
		if virtual {
			pods = "10000"
		}
		n.Status.Capacity = corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("4"),
			corev1.ResourceMemory: resource.MustParse("16Gi"),
			corev1.ResourcePods:   resource.MustParse(pods),
		}
	}
	if n.Status.Allocatable == nil {
		n.Status.Allocatable = n.Status.Capacity.DeepCopy()
	}
}
