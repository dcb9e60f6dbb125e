package model

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
)

func TestWantsECI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		pod, ns    map[string]string
		want       bool
		wantReason string
	}{
		{name: "nothing", want: false, wantReason: "neither the pod nor its namespace has label alibabacloud.com/eci=true"},
		{name: "pod label", pod: labelsOf(LabelECI, "true"), want: true, wantReason: "the pod has label alibabacloud.com/eci=true"},
		{name: "namespace label", ns: labelsOf(LabelECI, "true"), want: true, wantReason: "its namespace has label alibabacloud.com/eci=true"},
		{name: "pod opts out of namespace", pod: labelsOf(LabelECI, "false"), ns: labelsOf(LabelECI, "true"), want: false,
			wantReason: "the pod has label alibabacloud.com/eci=false, which opts it out of its namespace's alibabacloud.com/eci=true"},
		{name: "pod other value falls back to namespace", pod: labelsOf(LabelECI, "yes"), ns: labelsOf(LabelECI, "true"), want: true},
		{name: "namespace other value", ns: labelsOf(LabelECI, "True"), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, why := WantsECI(tt.pod, tt.ns)
			if got != tt.want {
				t.Fatalf("WantsECI = %v (%s), want %v", got, why, tt.want)
			}
			if tt.wantReason != "" && why != tt.wantReason {
				t.Errorf("reason = %q, want %q", why, tt.wantReason)
			}
		})
	}
}

func TestApplyECIScheduling(t *testing.T) {
	t.Parallel()
	tol := VirtualKubeletToleration()
	tests := []struct {
		name      string
		pod       *corev1.Pod
		ns        map[string]string
		wantApply bool
		wantTols  int
	}{
		{name: "no label", pod: newTestPod("d", "p")},
		{name: "pod label", pod: newTestPod("d", "p", withLabel(LabelECI, "true")), wantApply: true, wantTols: 1},
		{name: "namespace label", pod: newTestPod("d", "p"), ns: labelsOf(LabelECI, "true"), wantApply: true, wantTols: 1},
		{name: "already tolerates", pod: newTestPod("d", "p", withLabel(LabelECI, "true"), func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{tol}
		}), wantApply: true, wantTols: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := tt.pod.DeepCopy()
			got, applied := ApplyECIScheduling(tt.pod, tt.ns)
			if applied != tt.wantApply {
				t.Fatalf("applied = %v", applied)
			}
			if !reflect.DeepEqual(before, tt.pod) {
				t.Fatal("input modified")
			}
			if !applied {
				if got != tt.pod {
					t.Fatal("unapplied webhook should return the pod unchanged")
				}
				return
			}
			if got.Spec.NodeSelector[NodeLabelType] != NodeTypeVirtualKubelet {
				t.Errorf("nodeSelector = %v", got.Spec.NodeSelector)
			}
			if len(got.Spec.Tolerations) != tt.wantTols || got.Spec.Tolerations[0] != tol {
				t.Errorf("tolerations = %+v", got.Spec.Tolerations)
			}
		})
	}
}

func TestDecidePlacement(t *testing.T) {
	t.Parallel()
	vn := *NewVirtualNode("cn-beijing", "i")
	n1, n2 := *NewNode("node-1"), *NewNode("node-2")
	cordoned := *NewNode("node-3")
	cordoned.Spec.Unschedulable = true
	eciPod := func() *corev1.Pod {
		p, _ := ApplyECIScheduling(newTestPod("d", "p", withLabel(LabelECI, "true")), nil)
		return p
	}
	tests := []struct {
		name        string
		pod         *corev1.Pod
		nodes       []corev1.Node
		pods        map[string]int
		wantNode    string
		wantRule    string
		wantMessage string
		wantReason  string // substring
	}{
		{name: "regular pod avoids the virtual node", pod: newTestPod("d", "p"), nodes: []corev1.Node{vn, n2, n1},
			wantNode: "node-1", wantRule: PlacementRegularNode},
		{name: "fewest pods wins", pod: newTestPod("d", "p"), nodes: []corev1.Node{n1, n2}, pods: map[string]int{"node-1": 3, "node-2": 1},
			wantNode: "node-2", wantRule: PlacementRegularNode},
		{name: "ECI pod goes to the virtual node", pod: eciPod(), nodes: []corev1.Node{n1, vn, n2},
			wantNode: "virtual-kubelet-cn-beijing-i", wantRule: PlacementVirtualNode},
		{name: "nodeName preset", pod: newTestPod("d", "p", withNodeName("node-9")), nodes: []corev1.Node{n1},
			wantNode: "node-9", wantRule: PlacementNodeName},
		{name: "ECI pod without virtual node", pod: eciPod(), nodes: []corev1.Node{n1, n2},
			wantRule:    PlacementNoVirtualNode,
			wantMessage: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
			wantReason:  "the ack-virtual-node component is not deployed"},
		{name: "selector nothing matches", pod: newTestPod("d", "p", withNodeSelector("disk", "ssd")), nodes: []corev1.Node{vn, n1, n2},
			wantRule:    PlacementUnschedulable,
			wantMessage: "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."},
		{name: "cordoned", pod: newTestPod("d", "p"), nodes: []corev1.Node{cordoned, vn},
			wantRule:    PlacementUnschedulable,
			wantMessage: "0/2 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."},
		{name: "no nodes", pod: newTestPod("d", "p"), wantRule: PlacementNoNodes, wantMessage: "no nodes available to schedule pods"},
		{name: "no nodes ECI", pod: eciPod(), wantRule: PlacementNoVirtualNode, wantReason: "ack-virtual-node", wantMessage: "no nodes available to schedule pods"},
		{name: "exists toleration", pod: newTestPod("d", "p", withNodeSelector(NodeLabelType, NodeTypeVirtualKubelet), func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
		}), nodes: []corev1.Node{vn, n1}, wantNode: vn.Name, wantRule: PlacementVirtualNode},
		{name: "required node affinity", pod: newTestPod("d", "p", func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
					MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{"node-2"}}},
				}}},
			}}
		}), nodes: []corev1.Node{n1, n2}, wantNode: "node-2", wantRule: PlacementRegularNode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := DecidePlacement(tt.pod, tt.nodes, tt.pods)
			if got.Node != tt.wantNode || got.Rule != tt.wantRule || got.Scheduled != (tt.wantNode != "") {
				t.Fatalf("got %+v, want node %q rule %q", got, tt.wantNode, tt.wantRule)
			}
			if got.Message != tt.wantMessage {
				t.Errorf("message\n got: %s\nwant: %s", got.Message, tt.wantMessage)
			}
			if !strings.Contains(got.Reason, tt.wantReason) {
				t.Errorf("reason %q does not contain %q", got.Reason, tt.wantReason)
			}
		})
	}
}

func TestNewVirtualNode(t *testing.T) {
	t.Parallel()
	tests := []struct{ region, zone, wantName, wantZone string }{
		{"cn-beijing", "i", "virtual-kubelet-cn-beijing-i", "cn-beijing-i"},
		{"cn-beijing", "cn-beijing-i", "virtual-kubelet-cn-beijing-i", "cn-beijing-i"},
		{"cn-hangzhou", "h", "virtual-kubelet-cn-hangzhou-h", "cn-hangzhou-h"},
	}
	for _, tt := range tests {
		t.Run(tt.wantName+"/"+tt.zone, func(t *testing.T) {
			t.Parallel()
			n := NewVirtualNode(tt.region, tt.zone)
			if n.Name != tt.wantName || VirtualNodeName(tt.region, tt.zone) != tt.wantName {
				t.Fatalf("name = %q", n.Name)
			}
			if !IsVirtualNode(n) || n.Labels[corev1.LabelTopologyZone] != tt.wantZone || n.Labels[corev1.LabelTopologyRegion] != tt.region {
				t.Errorf("labels = %v", n.Labels)
			}
			if len(n.Spec.Taints) != 1 || n.Spec.Taints[0] != VirtualKubeletTaint() {
				t.Errorf("taints = %v", n.Spec.Taints)
			}
			if IsVirtualNode(NewNode("x")) {
				t.Error("regular node counted as virtual")
			}
		})
	}
}

func TestRequirementMatches(t *testing.T) {
	t.Parallel()
	labels := labelsOf("zone", "a", "cpus", "8")
	req := func(key string, op corev1.NodeSelectorOperator, vals ...string) corev1.NodeSelectorRequirement {
		return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: vals}
	}
	tests := []struct {
		name string
		r    corev1.NodeSelectorRequirement
		want bool
	}{
		{"in", req("zone", corev1.NodeSelectorOpIn, "a", "b"), true},
		{"in missing", req("rack", corev1.NodeSelectorOpIn, "a"), false},
		{"not in", req("zone", corev1.NodeSelectorOpNotIn, "b"), true},
		{"not in hit", req("zone", corev1.NodeSelectorOpNotIn, "a"), false},
		{"not in missing", req("rack", corev1.NodeSelectorOpNotIn, "a"), true},
		{"exists", req("zone", corev1.NodeSelectorOpExists), true},
		{"does not exist", req("zone", corev1.NodeSelectorOpDoesNotExist), false},
		{"gt", req("cpus", corev1.NodeSelectorOpGt, "4"), true},
		{"lt", req("cpus", corev1.NodeSelectorOpLt, "4"), false},
		{"gt not a number", req("zone", corev1.NodeSelectorOpGt, "4"), false},
		{"gt two values", req("cpus", corev1.NodeSelectorOpGt, "4", "5"), false},
		{"unknown operator", req("zone", "Like", "a"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := requirementMatches(tt.r, labels); got != tt.want {
				t.Fatalf("requirementMatches(%+v) = %v", tt.r, got)
			}
		})
	}
}

// TaintToleration's reason names the taint up to Kubernetes 1.34 and no
// taint from 1.35 (kubernetes/kubernetes#134740); the node's kubelet
// version stands for its cluster's.
func TestUntoleratedTaintReasonByVersion(t *testing.T) {
	pod := newTestPod("d", "p")
	for _, tc := range []struct{ kubelet, want string }{
		{"v1.30.1-aliyun.1", "node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}"},
		{"v1.34.0-vk-v2.11.0", "node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}"},
		{"v1.35.1-aliyun.1", "node(s) had untolerated taint(s)"},
		{"v1.37.2", "node(s) had untolerated taint(s)"},
		{"", "node(s) had untolerated taint(s)"},
	} {
		vn := NewVirtualNode("cn-beijing", "i")
		vn.Status.NodeInfo.KubeletVersion = tc.kubelet
		if got := NodeRejects(pod, vn); got != tc.want {
			t.Errorf("kubelet %q: NodeRejects = %q, want %q", tc.kubelet, got, tc.want)
		}
	}
}

func TestKubeletNamesContainersUpTo134(t *testing.T) {
	t.Parallel()
	node := func(v string) *corev1.Node {
		return &corev1.Node{Status: corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{KubeletVersion: v}}}
	}
	assert.True(t, KubeletNamesContainers(node("v1.30.1-aliyun.1")))
	assert.True(t, KubeletNamesContainers(node("v1.34.0")))
	assert.False(t, KubeletNamesContainers(node("v1.35.0")))
	assert.False(t, KubeletNamesContainers(node("v1.37.2")), "kind's kubelets")
	assert.False(t, KubeletNamesContainers(node("")), "unknown: the newest")
	created, started := ContainerEventMessages(true, "web")
	assert.Equal(t, []string{"Created container web", "Started container web"}, []string{created, started})
	created, started = ContainerEventMessages(false, "web")
	assert.Equal(t, []string{"Container created", "Container started"}, []string{created, started})
}
