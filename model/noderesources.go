package model

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// Resources are amounts by resource name as kube-scheduler counts them:
// cpu in millicores, every other resource in its base unit (bytes for
// memory and ephemeral-storage, a count for extended resources).
type Resources map[corev1.ResourceName]int64

// resourceAmount is resourceAmounts(l)[name]: 0 when l lacks it.
func resourceAmount(l corev1.ResourceList, name corev1.ResourceName) int64 {
	q, ok := l[name]
	switch {
	case !ok:
		return 0
	case name == corev1.ResourceCPU:
		return q.MilliValue()
	}
	return q.Value()
}

// resourceAmounts converts a ResourceList, cpu to millicores.
func resourceAmounts(l corev1.ResourceList) Resources {
	r := make(Resources, len(l))
	for name, q := range l {
		if name == corev1.ResourceCPU {
			r[name] = q.MilliValue()
		} else {
			r[name] = q.Value()
		}
	}
	return r
}

// Add adds o to r.
func (r Resources) Add(o Resources) {
	for name, v := range o {
		r[name] += v
	}
}

// Sub takes o from r, dropping what reaches zero.
func (r Resources) Sub(o Resources) {
	for name, v := range o {
		r[name] -= v
		if r[name] == 0 {
			delete(r, name)
		}
	}
}

// maxInto raises each amount of r to o's where o's is larger.
func (r Resources) maxInto(o Resources) {
	for name, v := range o {
		if v > r[name] {
			r[name] = v
		}
	}
}

// PodRequests is what kube-scheduler's NodeResourcesFit counts a pod as
// requesting (component-helpers resource.PodRequests, which its
// PreFilter calls): the sum of the app containers' requests; with init
// containers, the larger of that and what each init container needs
// while it runs (its own requests plus those of the sidecars, restartable
// init containers, started before it), the sidecars being added to the
// sum as they run for the pod's life; pod-level requests, where set,
// replace the containers' for cpu and memory; plus the pod's overhead.
func PodRequests(pod *corev1.Pod) Resources {
	sum := Resources{}
	for _, c := range pod.Spec.Containers {
		sum.Add(resourceAmounts(c.Resources.Requests))
	}
	sidecars, inits := Resources{}, Resources{}
	for _, c := range pod.Spec.InitContainers {
		own := resourceAmounts(c.Resources.Requests)
		if IsRestartableInit(c) {
			sum.Add(own)
			sidecars.Add(own)
			inits.maxInto(sidecars)
			continue
		}
		own.Add(sidecars)
		inits.maxInto(own)
	}
	sum.maxInto(inits)
	if pod.Spec.Resources != nil {
		for name, q := range pod.Spec.Resources.Requests {
			if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
				sum[name] = resourceAmounts(corev1.ResourceList{name: q})[name]
			}
		}
	}
	sum.Add(resourceAmounts(pod.Spec.Overhead))
	for name, v := range sum {
		if v == 0 {
			delete(sum, name)
		}
	}
	return sum
}

// NodeLoad is what kube-scheduler counts as already on a node: the pods
// bound to it that have not finished (its informer leaves out Succeeded
// and Failed pods), and the sum of their PodRequests.
type NodeLoad struct {
	Pods      int
	Requested Resources
}

// InsufficientResources is kube-scheduler's NodeResourcesFit filter
// (noderesources/fit.go fitsRequest): the reasons node cannot take a pod
// requesting req on top of load, in its words and order ("Too many
// pods", "Insufficient cpu", "Insufficient memory", "Insufficient
// ephemeral-storage", then "Insufficient <name>" for extended resources
// by name), or none. unresolvable is the filter's
// UnschedulableAndUnresolvable: the pod asks for more of a resource than
// the node has allocatable at all, so evicting pods cannot help.
func InsufficientResources(req Resources, node *corev1.Node, load NodeLoad) (reasons []string, unresolvable bool) {
	// Read from the node's list one resource at a time: this runs for
	// every node at every placement, and a map of the list each time
	// was most of what placing a pod allocated.
	allocatable := func(name corev1.ResourceName) int64 { return resourceAmount(node.Status.Allocatable, name) }
	if load.Pods+1 > int(allocatable(corev1.ResourcePods)) {
		reasons = append(reasons, "Too many pods")
	}
	if len(req) == 0 {
		return reasons, false
	}
	check := func(name corev1.ResourceName) {
		want := req[name]
		if want <= 0 {
			return
		}
		alloc := allocatable(name)
		if want > alloc-load.Requested[name] {
			reasons = append(reasons, "Insufficient "+string(name))
			if want > alloc {
				unresolvable = true
			}
		}
	}
	check(corev1.ResourceCPU)
	check(corev1.ResourceMemory)
	check(corev1.ResourceEphemeralStorage)
	standard := 0
	for _, name := range [...]corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, corev1.ResourcePods} {
		if _, ok := req[name]; ok {
			standard++
		}
	}
	if len(req) == standard {
		// No extended resources: ranging over req to find none cost
		// more than the lookups (this runs for every node per pod).
		return reasons, unresolvable
	}
	var extended []corev1.ResourceName
	for name := range req {
		switch name {
		case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, corev1.ResourcePods:
		default:
			extended = append(extended, name)
		}
	}
	slices.Sort(extended)
	for _, name := range extended {
		check(name)
	}
	return reasons, unresolvable
}
