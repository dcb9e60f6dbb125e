package kubectl

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// describeService is kubectl's ServiceDescriber: the Service, and for
// each port the endpoints its EndpointSlices list (those labelled
// kubernetes.io/service-name=NAME).
func (k *kubectlRun) describeService(cs kubernetes.Interface, svc *corev1.Service, now time.Time, showEvents bool) string {
	var slices []discoveryv1.EndpointSlice
	list, err := cs.DiscoveryV1().EndpointSlices(svc.Namespace).List(k.ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + svc.Name,
	})
	if err == nil {
		slices = list.Items
	}
	w := newDescribeWriter()
	s := &svc.Spec
	w.write(0, "Name:\t%s\n", svc.Name)
	w.write(0, "Namespace:\t%s\n", svc.Namespace)
	w.labelsBlock("Labels", svc.Labels)
	w.annotationsBlock("Annotations", svc.Annotations)
	w.write(0, "Selector:\t%s\n", labels.FormatLabels(s.Selector))
	w.write(0, "Type:\t%s\n", s.Type)
	if s.IPFamilyPolicy != nil {
		w.write(0, "IP Family Policy:\t%s\n", *s.IPFamilyPolicy)
	}
	families := make([]string, 0, len(s.IPFamilies))
	for _, f := range s.IPFamilies {
		families = append(families, string(f))
	}
	w.write(0, "IP Families:\t%s\n", kubeNone(strings.Join(families, ",")))
	w.write(0, "IP:\t%s\n", s.ClusterIP)
	w.write(0, "IPs:\t%s\n", kubeNone(strings.Join(s.ClusterIPs, ",")))
	if len(s.ExternalIPs) > 0 {
		w.write(0, "External IPs:\t%v\n", strings.Join(s.ExternalIPs, ","))
	}
	if s.LoadBalancerIP != "" {
		w.write(0, "Desired LoadBalancer IP:\t%s\n", s.LoadBalancerIP)
	}
	if s.ExternalName != "" {
		w.write(0, "External Name:\t%s\n", s.ExternalName)
	}
	if in := svc.Status.LoadBalancer.Ingress; len(in) > 0 {
		parts := make([]string, 0, len(in))
		for _, i := range in {
			switch {
			case i.IP != "" && i.IPMode != nil:
				parts = append(parts, fmt.Sprintf("%s (%s)", i.IP, *i.IPMode))
			case i.IP != "":
				parts = append(parts, i.IP)
			default:
				parts = append(parts, i.Hostname)
			}
		}
		w.write(0, "LoadBalancer Ingress:\t%s\n", strings.Join(parts, ", "))
	}
	for _, p := range s.Ports {
		name := p.Name
		if name == "" {
			name = "<unset>"
		}
		w.write(0, "Port:\t%s\t%d/%s\n", name, p.Port, p.Protocol)
		if p.TargetPort.Type == intstr.Int {
			w.write(0, "TargetPort:\t%d/%s\n", p.TargetPort.IntVal, p.Protocol)
		} else {
			w.write(0, "TargetPort:\t%s/%s\n", p.TargetPort.StrVal, p.Protocol)
		}
		if p.AppProtocol != nil {
			w.write(0, "AppProtocol:\t%s\n", *p.AppProtocol)
		}
		if p.NodePort != 0 {
			w.write(0, "NodePort:\t%s\t%d/%s\n", name, p.NodePort, p.Protocol)
		}
		w.write(0, "Endpoints:\t%s\n", serviceEndpoints(slices, p.Name))
	}
	w.write(0, "Session Affinity:\t%s\n", s.SessionAffinity)
	if s.ExternalTrafficPolicy != "" {
		w.write(0, "External Traffic Policy:\t%s\n", s.ExternalTrafficPolicy)
	}
	if s.InternalTrafficPolicy != nil {
		w.write(0, "Internal Traffic Policy:\t%s\n", *s.InternalTrafficPolicy)
	}
	if s.HealthCheckNodePort != 0 {
		w.write(0, "HealthCheck NodePort:\t%d\n", s.HealthCheckNodePort)
	}
	if len(s.LoadBalancerSourceRanges) > 0 {
		w.write(0, "LoadBalancer Source Ranges:\t%v\n", strings.Join(s.LoadBalancerSourceRanges, ","))
	}
	if s.TrafficDistribution != nil {
		w.write(0, "Traffic Distribution:\t%s\n", *s.TrafficDistribution)
	}
	if showEvents {
		w.events(k.objectEvents(cs, svc.Namespace, svc.Name, "Service", string(svc.UID)), now)
	}
	return w.String()
}

// serviceEndpoints is describe's formatEndpointSlices for one port: the
// ready endpoints' first addresses with the port, the first three and
// "+ N more..."; <none> without slices, blank for slices without
// endpoints. Slices without ports (a headless Service's) list addresses
// alone.
func serviceEndpoints(slices []discoveryv1.EndpointSlice, port string) string {
	if len(slices) == 0 {
		return "<none>"
	}
	const most = 3
	var list []string
	more, count := false, 0
	add := func(ep discoveryv1.Endpoint, addr string) {
		if len(list) == most {
			more = true
		}
		if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
			return
		}
		if !more {
			list = append(list, addr)
		}
		count++
	}
	for _, sl := range slices {
		if len(sl.Ports) == 0 {
			for _, ep := range sl.Endpoints {
				add(ep, ep.Addresses[0])
			}
			continue
		}
		for _, p := range sl.Ports {
			if p.Name == nil || *p.Name != port {
				continue
			}
			for _, ep := range sl.Endpoints {
				add(ep, net.JoinHostPort(ep.Addresses[0], strconv.Itoa(int(*p.Port))))
			}
		}
	}
	out := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", out, count-most)
	}
	return out
}
