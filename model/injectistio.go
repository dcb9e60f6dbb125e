package model

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// What the istio profile adds to an injected pod, as upstream Istio's
// injection template and its webhook's post-processing do (B30: the istio
// profile follows upstream to the letter).
const (
	// ProxyAgentPort is pilot-agent's status port: app probes are
	// rewritten to it and merged Prometheus metrics are served there.
	ProxyAgentPort = 15020

	AnnotationStatusPort        = "status.sidecar.istio.io/port"
	AnnotationInterceptionMode  = "sidecar.istio.io/interceptionMode"
	AnnotationRewriteAppProbers = "sidecar.istio.io/rewriteAppHTTPProbers"
	AnnotationProxyOverrides    = "proxy.istio.io/overrides"
	AnnotationProxyCPU          = "sidecar.istio.io/proxyCPU"
	AnnotationProxyMemory       = "sidecar.istio.io/proxyMemory"
	AnnotationProxyCPULimit     = "sidecar.istio.io/proxyCPULimit"
	AnnotationProxyMemoryLimit  = "sidecar.istio.io/proxyMemoryLimit"
	// AnnotationPrometheusMergeMetrics set to false keeps a pod's
	// prometheus.io/* as they are.
	AnnotationPrometheusMergeMetrics = "prometheus.istio.io/merge-metrics"
	AnnotationUserVolume             = "sidecar.istio.io/userVolume"
	AnnotationUserVolumeMount        = "sidecar.istio.io/userVolumeMount"
	annotationReadinessPrefix        = "readiness.status.sidecar.istio.io/"

	// EnvKubeAppProbers carries the app's own probes to pilot-agent.
	EnvKubeAppProbers = "ISTIO_KUBE_APP_PROBERS"
	// EnvPrometheusAnnotations carries the app's own prometheus.io/*
	// settings to pilot-agent, which merges their metrics with Envoy's.
	EnvPrometheusAnnotations = "ISTIO_PROMETHEUS_ANNOTATIONS"

	volumeCACRL    = "istio-ca-crl"
	autoProxyImage = "auto"
)

// istioStatusPort is the status port the pod's annotation asks for, else
// 15020. A value that is not a number reads as 0, as upstream's Atoi does.
func istioStatusPort(pod *corev1.Pod) (int, bool) {
	v, ok := pod.Annotations[AnnotationStatusPort]
	if !ok {
		return ProxyAgentPort, false
	}
	n, _ := strconv.Atoi(v)
	return n, true
}

// takeUserProxy finds a user-declared istio-proxy container, which
// upstream merges over the injected one (reapplyOverwrittenContainers)
// instead of skipping the pod. It is removed from the pod, except when the
// injected proxy is native, the user's is among the containers and stay is
// set (userProxyStaysInContainers): then upstream's strategic merge leaves
// it there (kept is true).
func takeUserProxy(pod *corev1.Pod, mode SidecarMode, stay bool) (user *corev1.Container, kept bool) {
	for i, c := range pod.Spec.Containers {
		if c.Name == ProxyContainerName {
			if mode == ModeNative && stay {
				return &c, true
			}
			pod.Spec.Containers = append(pod.Spec.Containers[:i:i], pod.Spec.Containers[i+1:]...)
			return &c, false
		}
	}
	for i, c := range pod.Spec.InitContainers {
		if c.Name == ProxyContainerName {
			pod.Spec.InitContainers = append(pod.Spec.InitContainers[:i:i], pod.Spec.InitContainers[i+1:]...)
			return &c, false
		}
	}
	return nil, false
}

// moveContainer moves the named container to the end of cs, or to the
// front when first is set.
func moveContainer(cs []corev1.Container, name string, first bool) []corev1.Container {
	var moved, rest []corev1.Container
	for _, c := range cs {
		if c.Name == name {
			moved = append(moved, c)
		} else {
			rest = append(rest, c)
		}
	}
	if first {
		return append(moved, rest...)
	}
	return append(rest, moved...)
}

// overlayUserProxy lays the fields the user set on their istio-proxy
// container over the injected one, and records the user's container in
// proxy.istio.io/overrides so a re-injection can apply it again. An image
// of "auto" keeps the injected image.
func overlayUserProxy(proxy *corev1.Container, user corev1.Container, mode SidecarMode, pod *corev1.Pod) error {
	if user.Image == autoProxyImage {
		user.Image = ""
	}
	if user.Image != "" {
		proxy.Image = user.Image
	}
	if len(user.Command) > 0 {
		proxy.Command = user.Command
	}
	if len(user.Args) > 0 {
		proxy.Args = user.Args
	}
	for _, p := range user.Ports {
		if !containsPort(proxy.Ports, p.ContainerPort) {
			proxy.Ports = append(proxy.Ports, p)
		}
	}
	if user.ReadinessProbe != nil {
		proxy.ReadinessProbe = user.ReadinessProbe
	}
	if user.LivenessProbe != nil {
		proxy.LivenessProbe = user.LivenessProbe
	}
	if user.StartupProbe != nil {
		proxy.StartupProbe = user.StartupProbe
	}
	if user.Lifecycle != nil {
		proxy.Lifecycle = user.Lifecycle
	}
	for k, v := range user.Resources.Requests {
		if proxy.Resources.Requests == nil {
			proxy.Resources.Requests = corev1.ResourceList{}
		}
		proxy.Resources.Requests[k] = v
	}
	for k, v := range user.Resources.Limits {
		if proxy.Resources.Limits == nil {
			proxy.Resources.Limits = corev1.ResourceList{}
		}
		proxy.Resources.Limits[k] = v
	}
	overrides := struct {
		Containers     []corev1.Container `json:"containers,omitempty"`
		InitContainers []corev1.Container `json:"initContainers,omitempty"`
	}{}
	if mode == ModeNative {
		overrides.InitContainers = []corev1.Container{user}
	} else {
		overrides.Containers = []corev1.Container{user}
	}
	raw, err := json.Marshal(overrides)
	if err != nil {
		return fmt.Errorf("record the user's %s container: %w", ProxyContainerName, err)
	}
	pod.Annotations[AnnotationProxyOverrides] = string(raw)
	return nil
}

func containsPort(ports []corev1.ContainerPort, n int32) bool {
	for _, p := range ports {
		if p.ContainerPort == n {
			return true
		}
	}
	return false
}

// istioProxyResources follows the template: any of the proxyCPU,
// proxyMemory, proxyCPULimit and proxyMemoryLimit annotations replaces the
// default requests and limits with exactly what they set.
func istioProxyResources(pod *corev1.Pod) corev1.ResourceRequirements {
	set := false
	r := corev1.ResourceRequirements{}
	add := func(list *corev1.ResourceList, name corev1.ResourceName, key string) {
		v, ok := pod.Annotations[key]
		if !ok {
			return
		}
		set = true
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return
		}
		if *list == nil {
			*list = corev1.ResourceList{}
		}
		(*list)[name] = q
	}
	add(&r.Requests, corev1.ResourceCPU, AnnotationProxyCPU)
	add(&r.Requests, corev1.ResourceMemory, AnnotationProxyMemory)
	add(&r.Limits, corev1.ResourceCPU, AnnotationProxyCPULimit)
	add(&r.Limits, corev1.ResourceMemory, AnnotationProxyMemoryLimit)
	if !set {
		return sidecarResources()
	}
	return r
}

// applyIstioProxyProbes gives the proxy its startup probe in both modes and
// drops its probes when the status port is 0, as the template does; a
// native proxy drains on preStop unless something else set its lifecycle.
func applyIstioProxyProbes(proxy *corev1.Container, pod *corev1.Pod, mode SidecarMode) {
	port, _ := istioStatusPort(pod)
	if port == 0 {
		proxy.ReadinessProbe = nil
		proxy.StartupProbe = nil
	} else {
		if proxy.ReadinessProbe != nil {
			for key, field := range map[string]*int32{
				"initialDelaySeconds": &proxy.ReadinessProbe.InitialDelaySeconds,
				"periodSeconds":       &proxy.ReadinessProbe.PeriodSeconds,
				"failureThreshold":    &proxy.ReadinessProbe.FailureThreshold,
			} {
				if n, err := strconv.Atoi(pod.Annotations[annotationReadinessPrefix+key]); err == nil {
					*field = int32(n)
				}
			}
		}
		proxy.StartupProbe = &corev1.Probe{
			ProbeHandler:     readinessHandler(),
			PeriodSeconds:    1,
			TimeoutSeconds:   3,
			FailureThreshold: 600,
		}
	}
	if mode == ModeNative && proxy.Lifecycle == nil {
		debugPort := pod.Annotations[AnnotationStatusPort]
		if debugPort == "" {
			debugPort = strconv.Itoa(ProxyAgentPort)
		}
		proxy.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{
			Command: []string{"pilot-agent", "request", "--debug-port=" + debugPort, "POST", "drain"},
		}}}
	}
}

// prometheusKey folds an annotation key as upstream compares them
// (prometheus.io/scrape and prometheus_io_scrape are the same).
func prometheusKey(k string) string {
	return strings.NewReplacer(".", "_", "/", "_", "-", "_").Replace(k)
}

// applyPrometheusMerge points prometheus.io/* at the agent, which merges
// the app's metrics with Envoy's, and hands the app's own settings to the
// agent in ISTIO_PROMETHEUS_ANNOTATIONS (when the pod has a proxy:
// grpc-simple adds none, and the annotations are rewritten all the same).
// A pod whose prometheus.io/scrape reads as false is left alone, and so is
// one already pointing at the agent.
func applyPrometheusMerge(pod *corev1.Pod, proxy *corev1.Container) {
	var scrape, path, port string
	for k, v := range pod.Annotations {
		switch prometheusKey(k) {
		case prometheusKey(AnnotationPrometheusScrape):
			scrape = v
			if b, err := strconv.ParseBool(v); err == nil && !b {
				return
			}
		case prometheusKey(AnnotationPrometheusPath):
			path = v
		case prometheusKey(AnnotationPrometheusPort):
			port = v
		}
	}
	if v, ok := pod.Annotations[AnnotationPrometheusMergeMetrics]; ok {
		if b, err := strconv.ParseBool(v); err == nil && !b {
			return
		}
	}
	target := strconv.Itoa(ProxyAgentPort)
	if port == target {
		return
	}
	if proxy != nil && (scrape != "" || path != "" || port != "") {
		raw, _ := json.Marshal(map[string]string{"scrape": scrape, "path": path, "port": port})
		proxy.Env = append(proxy.Env, corev1.EnvVar{Name: EnvPrometheusAnnotations, Value: string(raw)})
	}
	for k := range pod.Annotations {
		switch prometheusKey(k) {
		case prometheusKey(AnnotationPrometheusScrape), prometheusKey(AnnotationPrometheusPath), prometheusKey(AnnotationPrometheusPort):
			delete(pod.Annotations, k)
		}
	}
	pod.Annotations[AnnotationPrometheusPort] = target
	pod.Annotations[AnnotationPrometheusPath] = "/stats/prometheus"
	pod.Annotations[AnnotationPrometheusScrape] = "true"
}

// appProber is one app probe as pilot-agent receives it.
type appProber struct {
	HTTPGet        *corev1.HTTPGetAction   `json:"httpGet,omitempty"`
	TCPSocket      *corev1.TCPSocketAction `json:"tcpSocket,omitempty"`
	GRPC           *corev1.GRPCAction      `json:"grpc,omitempty"`
	TimeoutSeconds int32                   `json:"timeoutSeconds,omitempty"`
}

// rewriteAppProbes hands the app containers' HTTP, TCP and gRPC probes to
// pilot-agent (rewriteAppHTTPProbe, on by default): each becomes an HTTP
// GET of /app-health/<container>/readyz|livez|startupz on the status port,
// and the original goes into ISTIO_KUBE_APP_PROBERS with named ports
// resolved. sidecar.istio.io/rewriteAppHTTPProbers=false turns it off.
func rewriteAppProbes(pod *corev1.Pod, proxy *corev1.Container) {
	if v, ok := pod.Annotations[AnnotationRewriteAppProbers]; ok {
		if b, err := strconv.ParseBool(v); err == nil && !b {
			return
		}
	}
	statusPort, _ := istioStatusPort(pod)
	probers := map[string]appProber{}
	record := func(c corev1.Container, url string, p *corev1.Probe) {
		if p == nil {
			return
		}
		ap := appProber{TimeoutSeconds: p.TimeoutSeconds}
		var port *intstr.IntOrString
		switch {
		case p.HTTPGet != nil:
			ap.HTTPGet = p.HTTPGet.DeepCopy()
			port = &ap.HTTPGet.Port
		case p.TCPSocket != nil:
			ap.TCPSocket = p.TCPSocket.DeepCopy()
			port = &ap.TCPSocket.Port
		case p.GRPC != nil:
			ap.GRPC = p.GRPC.DeepCopy()
			probers[url] = ap
			return
		default:
			return
		}
		if port.Type == intstr.String {
			n, ok := namedPort(c, port.StrVal)
			if !ok {
				return
			}
			*port = intstr.FromInt32(n)
		} else if int(port.IntVal) == statusPort {
			return
		}
		probers[url] = ap
	}
	rewrite := func(p *corev1.Probe, url string) *corev1.Probe {
		if p == nil || (p.HTTPGet == nil && p.TCPSocket == nil && p.GRPC == nil) {
			return p
		}
		out := p.DeepCopy()
		if out.HTTPGet == nil {
			out.HTTPGet = &corev1.HTTPGetAction{}
		}
		out.TCPSocket, out.GRPC = nil, nil
		out.HTTPGet.Port = intstr.FromInt32(int32(statusPort))
		out.HTTPGet.Path = url
		if out.HTTPGet.Scheme == corev1.URISchemeHTTPS {
			out.HTTPGet.Scheme = corev1.URISchemeHTTP
		}
		return out
	}
	each := func(cs []corev1.Container) {
		for i := range cs {
			c := &cs[i]
			if c.Name == ProxyContainerName {
				continue
			}
			base := "/app-health/" + c.Name + "/"
			record(*c, base+"readyz", c.ReadinessProbe)
			record(*c, base+"livez", c.LivenessProbe)
			record(*c, base+"startupz", c.StartupProbe)
			if c.Lifecycle != nil {
				for _, h := range []struct {
					handler **corev1.LifecycleHandler
					url     string
				}{{&c.Lifecycle.PreStop, "/app-lifecycle/" + c.Name + "/prestopz"}, {&c.Lifecycle.PostStart, "/app-lifecycle/" + c.Name + "/poststartz"}} {
					lh := *h.handler
					if lh == nil || (lh.HTTPGet == nil && lh.TCPSocket == nil) {
						continue
					}
					record(*c, h.url, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: lh.HTTPGet, TCPSocket: lh.TCPSocket}})
					out := lh.DeepCopy()
					if out.HTTPGet == nil {
						out.HTTPGet = &corev1.HTTPGetAction{}
					}
					out.TCPSocket = nil
					out.HTTPGet.Port = intstr.FromInt32(int32(statusPort))
					out.HTTPGet.Path = h.url
					if out.HTTPGet.Scheme == corev1.URISchemeHTTPS {
						out.HTTPGet.Scheme = corev1.URISchemeHTTP
					}
					*h.handler = out
				}
			}
			c.ReadinessProbe = rewrite(c.ReadinessProbe, base+"readyz")
			c.LivenessProbe = rewrite(c.LivenessProbe, base+"livez")
			c.StartupProbe = rewrite(c.StartupProbe, base+"startupz")
		}
	}
	each(pod.Spec.InitContainers)
	each(pod.Spec.Containers)
	if len(probers) == 0 {
		return
	}
	raw, err := json.Marshal(probers)
	if err != nil {
		return
	}
	proxy.Env = append(proxy.Env, corev1.EnvVar{Name: EnvKubeAppProbers, Value: string(raw)})
}

func namedPort(c corev1.Container, name string) (int32, bool) {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort, true
		}
	}
	return 0, false
}

// istioCanonicalName follows the template: the pod's own
// service.istio.io/canonical-name, else app.kubernetes.io/name, else app,
// else the workload's name, cut to 63 characters and trimmed of leading
// and trailing '-', '_' and '.'.
func istioCanonicalName(pod *corev1.Pod) string {
	v := pod.Labels[LabelCanonicalName]
	if v == "" {
		v = canonicalName(pod)
	}
	if len(v) > 63 {
		v = v[:63]
	}
	return strings.Trim(v, "-_.")
}

// userVolumes reads sidecar.istio.io/userVolume and userVolumeMount: JSON
// maps from a name to a volume source, and to a mount, that the template
// adds to the pod and to istio-proxy. A value that is not such JSON adds
// nothing.
func userVolumes(pod *corev1.Pod) ([]corev1.Volume, []corev1.VolumeMount) {
	var vols []corev1.Volume
	var mounts []corev1.VolumeMount
	var vm map[string]corev1.Volume
	if err := json.Unmarshal([]byte(pod.Annotations[AnnotationUserVolume]), &vm); err == nil {
		for _, name := range sortedKeys(vm) {
			v := vm[name]
			v.Name = name
			vols = append(vols, v)
		}
	}
	var mm map[string]corev1.VolumeMount
	if err := json.Unmarshal([]byte(pod.Annotations[AnnotationUserVolumeMount]), &mm); err == nil {
		for _, name := range sortedKeys(mm) {
			m := mm[name]
			m.Name = name
			mounts = append(mounts, m)
		}
	}
	return vols, mounts
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
