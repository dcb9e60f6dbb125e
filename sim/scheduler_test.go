package sim_test

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
)

// TestSchedulerReadsANodesNewAllocatable: the scheduler converts each
// node's allocatable once, when the nodes change (model.Nodes); a pod
// left Pending for want of CPU is placed once a node's status gives it
// room, and not before.
func TestSchedulerReadsANodesNewAllocatable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{nodes: 1, noJoin: true})
	e.namespace("demo")
	pod := newPod("demo", "big")
	pod.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("6")}
	_, err := e.createPod(pod)
	e.must(err)
	e.advance(time.Minute)
	if p := e.pod("demo", "big"); p.Spec.NodeName != "" || !strings.Contains(model.FindPodCondition(p.Status.Conditions, corev1.PodScheduled).Message, "Insufficient cpu") {
		t.Fatalf("on a node of 4 CPUs: node %q, conditions %+v", p.Spec.NodeName, p.Status.Conditions)
	}
	nodes, err := e.cs.CoreV1().Nodes().List(e.ctx, metav1.ListOptions{})
	e.must(err)
	node := &nodes.Items[0]
	node.Status.Allocatable[corev1.ResourceCPU] = resource.MustParse("8")
	_, err = e.cs.CoreV1().Nodes().UpdateStatus(e.ctx, node, metav1.UpdateOptions{})
	e.must(err)
	e.advance(time.Minute)
	if p := e.pod("demo", "big"); p.Spec.NodeName != node.Name || model.PodStatusText(p) != "Running" {
		t.Fatalf("on a node of 8 CPUs: node %q, %s", p.Spec.NodeName, model.PodStatusText(p))
	}
}
