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
	return insufficient(newPodRequest(req), capacityOf(node), load)
}

// capacity is a node's allocatable as NodeResourcesFit reads it, the
// standard resources converted once (kube-scheduler's NodeInfo keeps
// them the same way) rather than for every pod placed.
type capacity struct {
	pods, cpu, memory, ephemeral int64
	list                         corev1.ResourceList // extended resources are read from it when a pod asks for one
}

func capacityOf(node *corev1.Node) capacity {
	l := node.Status.Allocatable
	return capacity{
		pods:      resourceAmount(l, corev1.ResourcePods),
		cpu:       resourceAmount(l, corev1.ResourceCPU),
		memory:    resourceAmount(l, corev1.ResourceMemory),
		ephemeral: resourceAmount(l, corev1.ResourceEphemeralStorage),
		list:      l,
	}
}

// podRequest is a pod's PodRequests laid out for the filter, made once
// per placement: the standard amounts, and the extended resources'
// names sorted, as fitsRequest reports them.
type podRequest struct {
	all                    Resources
	cpu, memory, ephemeral int64
	extended               []corev1.ResourceName
}

func newPodRequest(req Resources) podRequest {
	r := podRequest{all: req, cpu: req[corev1.ResourceCPU], memory: req[corev1.ResourceMemory], ephemeral: req[corev1.ResourceEphemeralStorage]}
	for name := range req {
		switch name {
		case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, corev1.ResourcePods:
		default:
			r.extended = append(r.extended, name)
		}
	}
	slices.Sort(r.extended)
	return r
}

// shortage is fitsRequest's reason for a resource the node lacks; the
// standard ones are spelt out rather than joined for every node short
// of one.
func shortage(name corev1.ResourceName) string {
	switch name {
	case corev1.ResourceCPU:
		return "Insufficient cpu"
	case corev1.ResourceMemory:
		return "Insufficient memory"
	case corev1.ResourceEphemeralStorage:
		return "Insufficient ephemeral-storage"
	}
	return "Insufficient " + string(name)
}

// insufficient is InsufficientResources with the request and the
// node's allocatable already converted: it runs for every node at every
// placement.
func insufficient(req podRequest, c capacity, load NodeLoad) (reasons []string, unresolvable bool) {
	if load.Pods+1 > int(c.pods) {
		reasons = append(reasons, "Too many pods")
	}
	if len(req.all) == 0 {
		return reasons, false
	}
	check := func(name corev1.ResourceName, want, alloc int64) {
		if want <= 0 || want <= alloc-load.Requested[name] {
			return
		}
		reasons = append(reasons, shortage(name))
		if want > alloc {
			unresolvable = true
		}
	}
	check(corev1.ResourceCPU, req.cpu, c.cpu)
	check(corev1.ResourceMemory, req.memory, c.memory)
	check(corev1.ResourceEphemeralStorage, req.ephemeral, c.ephemeral)
	for _, name := range req.extended {
		check(name, req.all[name], resourceAmount(c.list, name))
	}
	return reasons, unresolvable
}
