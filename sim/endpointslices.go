package sim

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// endpointSliceManager is the value of endpointslice.kubernetes.io/managed-by
// on the slices the EndpointSlice controller writes.
const endpointSliceManager = "endpointslice-controller.k8s.io"

// enqueueServicesOf queues the EndpointSlice controller for every Service
// with a selector in pod's namespace: a pod that appeared, left, or
// changed its address, labels or readiness may change their endpoints.
func (c *cluster) enqueueServicesOf(pod *corev1.Pod) {
	for _, obj := range c.tracker.items(gvrServices, pod.Namespace) {
		if svc := obj.(*corev1.Service); len(svc.Spec.Selector) > 0 {
			c.enqueue(gvrEndpointSlices, svc.Namespace, svc.Name)
		}
	}
}

// syncEndpointSlices is the EndpointSlice controller for one Service
// (k8s.io/endpointslice reconciler): a Service with a selector gets
// slices of the pods it selects that have an address and are not
// finished, one slice for each set of ports the pods resolve to, or one
// empty placeholder slice when there are none. A Service without a
// selector is left to whoever manages its endpoints. Slices are named
// from the Service's name and UID, so adding one draws nothing from the
// run's random streams.
func (c *cluster) syncEndpointSlices(req *request, item workItem) {
	obj := c.tracker.peek(gvrServices, item.ns, item.name)
	svc, ok := obj.(*corev1.Service)
	if !ok || len(svc.Spec.Selector) == 0 {
		return
	}
	var owned []*discoveryv1.EndpointSlice
	for _, r := range c.tracker.dependents(svc.UID) {
		if s, ok := c.tracker.peek(gvrEndpointSlices, r.Namespace, r.Name).(*discoveryv1.EndpointSlice); ok && r.GVR == gvrEndpointSlices {
			owned = append(owned, s)
		}
	}
	want := c.desiredEndpointSlices(svc)
	for i, s := range want {
		if i < len(owned) {
			s.Name = owned[i].Name
			if apiequality.Semantic.DeepEqual(owned[i].Labels, s.Labels) && apiequality.Semantic.DeepEqual(owned[i].Ports, s.Ports) &&
				apiequality.Semantic.DeepEqual(owned[i].Endpoints, s.Endpoints) {
				continue
			}
			next := owned[i].DeepCopy()
			next.Labels, next.Ports, next.Endpoints = s.Labels, s.Ports, s.Endpoints
			if _, err := c.api.update(req, gvrEndpointSlices, svc.Namespace, next.Name, next, "", false); err != nil {
				c.failed.add(item)
			}
			continue
		}
		s.Name = endpointSliceName(svc, i)
		if _, err := c.api.create(req, gvrEndpointSlices, svc.Namespace, s, false); err != nil {
			c.failed.add(item)
		}
	}
	for _, s := range owned[min(len(want), len(owned)):] {
		c.api.remove(req, objectRef{GVR: gvrEndpointSlices, Namespace: s.Namespace, Name: s.Name}, false)
	}
}

// endpointSliceName is the Service's name, a dash and five characters
// drawn from its UID and the slice's index, as generateName would give
// (the controller creates slices with generateName "<service>-").
func endpointSliceName(svc *corev1.Service, i int) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", svc.UID, i))
	var b strings.Builder
	b.WriteString(svc.Name + "-")
	for _, x := range sum[:5] {
		b.WriteByte(alphabet[int(x)%len(alphabet)])
	}
	return b.String()
}

// desiredEndpointSlices are the slices svc should have: its pods grouped
// by the ports they resolve to, each group sorted by pod name.
func (c *cluster) desiredEndpointSlices(svc *corev1.Service) []*discoveryv1.EndpointSlice {
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	type group struct {
		ports     []discoveryv1.EndpointPort
		endpoints []discoveryv1.Endpoint
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, obj := range c.tracker.items(gvrPods, svc.Namespace) {
		pod := obj.(*corev1.Pod)
		if !sel.Matches(labels.Set(pod.Labels)) || podFinished(pod) || pod.Status.PodIP == "" {
			continue
		}
		ports := endpointPorts(svc, pod)
		var key strings.Builder
		for _, p := range ports {
			fmt.Fprintf(&key, "%s/%d/%s/%v;", *p.Name, *p.Port, *p.Protocol, p.AppProtocol != nil && *p.AppProtocol != "")
			if p.AppProtocol != nil {
				key.WriteString(*p.AppProtocol)
			}
		}
		g := byKey[key.String()]
		if g == nil {
			g = &group{ports: ports}
			byKey[key.String()] = g
			groups = append(groups, g)
		}
		g.endpoints = append(g.endpoints, c.podEndpoint(svc, pod))
	}
	newSlice := func(ports []discoveryv1.EndpointPort, eps []discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
		lbls := maps.Clone(svc.Labels)
		if lbls == nil {
			lbls = map[string]string{}
		}
		if svc.Spec.ClusterIP == corev1.ClusterIPNone {
			lbls[corev1.IsHeadlessService] = ""
		}
		lbls[discoveryv1.LabelServiceName] = svc.Name
		lbls[discoveryv1.LabelManagedBy] = endpointSliceManager
		return &discoveryv1.EndpointSlice{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: svc.Namespace, Labels: lbls,
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID,
					Controller: new(true), BlockOwnerDeletion: new(true)}},
			},
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       ports,
			Endpoints:   eps,
		}
	}
	if len(groups) == 0 {
		return []*discoveryv1.EndpointSlice{newSlice([]discoveryv1.EndpointPort{}, []discoveryv1.Endpoint{})}
	}
	out := make([]*discoveryv1.EndpointSlice, 0, len(groups))
	for _, g := range groups {
		sort.Slice(g.endpoints, func(i, j int) bool { return g.endpoints[i].TargetRef.Name < g.endpoints[j].TargetRef.Name })
		out = append(out, newSlice(g.ports, g.endpoints))
	}
	return out
}

// endpointPorts resolves svc's ports against pod (FindPort): a number is
// taken as is, a name is looked up among the containers' ports and the
// native sidecars' ports; a name the pod lacks leaves the port out.
func endpointPorts(svc *corev1.Service, pod *corev1.Pod) []discoveryv1.EndpointPort {
	out := []discoveryv1.EndpointPort{}
	for _, sp := range svc.Spec.Ports {
		num, ok := findPort(pod, sp)
		if !ok {
			continue
		}
		out = append(out, discoveryv1.EndpointPort{Name: new(sp.Name), Port: new(num), Protocol: new(sp.Protocol), AppProtocol: sp.AppProtocol})
	}
	return out
}

func findPort(pod *corev1.Pod, sp corev1.ServicePort) (int32, bool) {
	if sp.TargetPort.Type == intstr.Int {
		return sp.TargetPort.IntVal, true
	}
	ctrs := pod.Spec.Containers
	for _, ic := range pod.Spec.InitContainers {
		if ic.RestartPolicy != nil && *ic.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			ctrs = append(ctrs[:len(ctrs):len(ctrs)], ic)
		}
	}
	for _, ctr := range ctrs {
		for _, p := range ctr.Ports {
			if p.Name == sp.TargetPort.StrVal && p.Protocol == sp.Protocol {
				return p.ContainerPort, true
			}
		}
	}
	return 0, false
}

// podEndpoint is pod as an endpoint of svc (podToEndpoint): ready when
// the pod is Ready and not terminating, its node, zone and, for a pod
// whose subdomain is the Service, its hostname.
func (c *cluster) podEndpoint(svc *corev1.Service, pod *corev1.Pod) discoveryv1.Endpoint {
	serving := podIsReady(pod)
	terminating := pod.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	ep := discoveryv1.Endpoint{
		Addresses:  []string{pod.Status.PodIP},
		Conditions: discoveryv1.EndpointConditions{Ready: new(ready), Serving: new(serving), Terminating: new(terminating)},
		TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		ep.NodeName = new(pod.Spec.NodeName)
		for i := range c.nodes {
			if n := &c.nodes[i]; n.Name == pod.Spec.NodeName && n.Labels[corev1.LabelTopologyZone] != "" {
				ep.Zone = new(n.Labels[corev1.LabelTopologyZone])
			}
		}
	}
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && pod.Namespace == svc.Namespace {
		ep.Hostname = new(pod.Spec.Hostname)
	}
	return ep
}
