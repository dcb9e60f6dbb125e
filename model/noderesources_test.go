package model

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func requests(kv ...string) corev1.ResourceRequirements {
	l := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return corev1.ResourceRequirements{Requests: l}
}

func TestPodRequests(t *testing.T) {
	t.Parallel()
	always := corev1.ContainerRestartPolicyAlways
	tests := []struct {
		name string
		spec corev1.PodSpec
		want Resources
	}{
		{name: "none", spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}}, want: Resources{}},
		{name: "containers add up", spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "a", Resources: requests("cpu", "1", "memory", "1Gi")},
			{Name: "b", Resources: requests("cpu", "100m", "memory", "128Mi")},
		}}, want: Resources{"cpu": 1100, "memory": (1024 + 128) << 20}},
		// component-helpers' own example: init containers set a floor.
		{name: "init containers are a floor", spec: corev1.PodSpec{
			InitContainers: []corev1.Container{
				{Name: "ic1", Resources: requests("cpu", "2", "memory", "1G")},
				{Name: "ic2", Resources: requests("cpu", "2", "memory", "3G")},
			},
			Containers: []corev1.Container{
				{Name: "c1", Resources: requests("cpu", "2", "memory", "1G")},
				{Name: "c2", Resources: requests("cpu", "1", "memory", "1G")},
			},
		}, want: Resources{"cpu": 3000, "memory": 3e9}},
		// The sidecar KEP's example: a sidecar runs beside the later
		// init containers and the app.
		{name: "sidecars add to both", spec: corev1.PodSpec{
			InitContainers: []corev1.Container{
				{Name: "init", Resources: requests("cpu", "1")},
				{Name: "proxy", RestartPolicy: &always, Resources: requests("cpu", "100m")},
				{Name: "late", Resources: requests("cpu", "2")},
			},
			Containers: []corev1.Container{{Name: "app", Resources: requests("cpu", "500m")}},
		}, want: Resources{"cpu": 2100}},
		{name: "overhead", spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "a", Resources: requests("cpu", "1")}},
			Overhead:   corev1.ResourceList{"cpu": resource.MustParse("250m")},
		}, want: Resources{"cpu": 1250}},
		{name: "pod-level requests replace cpu and memory", spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "a", Resources: requests("cpu", "1", "ephemeral-storage", "1Gi")}},
			Resources:  &corev1.ResourceRequirements{Requests: corev1.ResourceList{"cpu": resource.MustParse("3")}},
		}, want: Resources{"cpu": 3000, "ephemeral-storage": 1 << 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := PodRequests(&corev1.Pod{Spec: tt.spec})
			if !maps.Equal(got, tt.want) {
				t.Errorf("PodRequests = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInsufficientResources(t *testing.T) {
	t.Parallel()
	node := NewNode("n") // 4 cpu, 16Gi, 110 pods
	tests := []struct {
		name             string
		req              Resources
		load             NodeLoad
		want             []string
		wantUnresolvable bool
	}{
		{name: "fits", req: Resources{"cpu": 1000}, load: NodeLoad{Pods: 3, Requested: Resources{"cpu": 3000}}},
		{name: "cpu short", req: Resources{"cpu": 1100}, load: NodeLoad{Pods: 3, Requested: Resources{"cpu": 3000}},
			want: []string{"Insufficient cpu"}},
		{name: "more than the node has", req: Resources{"cpu": 5000, "memory": 1}, want: []string{"Insufficient cpu"}, wantUnresolvable: true},
		{name: "every reason, in fit.go's order", req: Resources{"cpu": 1, "memory": 1, "nvidia.com/gpu": 1},
			load: NodeLoad{Pods: 110, Requested: Resources{"cpu": 4000, "memory": 16 << 30}},
			want: []string{"Too many pods", "Insufficient cpu", "Insufficient memory", "Insufficient nvidia.com/gpu"}, wantUnresolvable: true},
		{name: "a pod without requests still needs a slot", load: NodeLoad{Pods: 110}, want: []string{"Too many pods"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, unresolvable := InsufficientResources(tt.req, node, tt.load)
			if !slicesEqual(got, tt.want) || unresolvable != tt.wantUnresolvable {
				t.Errorf("got %q (unresolvable %v), want %q (%v)", got, unresolvable, tt.want, tt.wantUnresolvable)
			}
		})
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecidePlacementCountsRequests(t *testing.T) {
	t.Parallel()
	vn := *NewVirtualNode("cn-beijing", "i")
	n1, n2 := *NewNode("node-1"), *NewNode("node-2")
	pod := newTestPod("d", "p")
	pod.Spec.Containers[0].Resources = requests("cpu", "1")
	nodes := []corev1.Node{n1, n2, vn}
	full := map[string]Resources{"node-1": {"cpu": 3500}, "node-2": {"cpu": 3100}}
	got := DecidePlacementWithLoad(pod, nodes, map[string]int{"node-1": 3, "node-2": 3}, full)
	want := "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. " +
		"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
	if got.Scheduled || got.Rule != PlacementUnschedulable || got.Message != want {
		t.Fatalf("got %+v\nwant message %s", got, want)
	}
	full["node-2"] = Resources{"cpu": 3000}
	got = DecidePlacementWithLoad(pod, nodes, map[string]int{"node-1": 3, "node-2": 3}, full)
	if !got.Scheduled || got.Node != "node-2" {
		t.Fatalf("got %+v, want node-2, the node the pod fits on", got)
	}
	pod.Spec.Containers[0].Resources = requests("cpu", "5")
	got = DecidePlacementWithLoad(pod, nodes, nil, nil)
	want = "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. " +
		"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
	if got.Message != want {
		t.Fatalf("a pod larger than any node: got %s\nwant %s", got.Message, want)
	}
}

// TestPlacePodAgreesWithDecidePlacement: the scheduler's PlacePod picks
// the node, rule and message DecidePlacementWithLoad does, on nodes of
// random load (ties included), with and without a virtual node and an
// ECI pod.
func TestPlacePodAgreesWithDecidePlacement(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 29))
	for i := range 500 {
		var nodes []corev1.Node
		for j := range 1 + rng.IntN(6) {
			nodes = append(nodes, *NewNode(fmt.Sprintf("node-%d", rng.IntN(4)*10+j)))
		}
		if rng.IntN(2) == 0 {
			nodes = append(nodes, *NewVirtualNode("cn-beijing", "i"))
		}
		pods := map[string]int{}
		requested := map[string]Resources{}
		for _, n := range nodes {
			pods[n.Name] = rng.IntN(3) * 55
			requested[n.Name] = Resources{"cpu": int64(rng.IntN(5) * 1000)}
		}
		pod := newTestPod("d", "p")
		pod.Spec.Containers[0].Resources = requests("cpu", fmt.Sprint(rng.IntN(3)))
		if rng.IntN(3) == 0 {
			pod.Spec.NodeSelector = map[string]string{NodeLabelType: NodeTypeVirtualKubelet}
			pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{Operator: corev1.TolerationOpExists})
		}
		want := DecidePlacementWithLoad(pod, nodes, pods, requested)
		got := PlacePod(pod, NewNodes(nodes), pods, requested)
		if got.Node != want.Node || got.Scheduled != want.Scheduled || got.Rule != want.Rule || got.Message != want.Message {
			t.Fatalf("case %d: PlacePod %+v, DecidePlacementWithLoad %+v", i, got, want)
		}
	}
}
