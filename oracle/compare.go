package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// The fields compared, each as a key with one printable value. Keys are
// grouped into classes (see class) so that one cause counts once.

const proxyName = "istio-proxy"

// view flattens what a user sees of an admitted pod into comparable keys.
func view(o outcome) map[string]string {
	v := map[string]string{
		"injected": fmt.Sprint(o.Injected),
	}
	if o.Rejected != "" {
		v["rejected"] = "true"
	}
	p := o.Pod
	if p == nil {
		return v
	}
	v["mode"] = sidecarMode(p)
	v["initContainers"] = names(p.Spec.InitContainers)
	v["containers"] = names(p.Spec.Containers)
	for _, c := range p.Spec.InitContainers {
		containerView(v, "init", c)
	}
	for _, c := range p.Spec.Containers {
		containerView(v, "", c)
	}
	for k, val := range p.Annotations {
		if k == "sidecar.istio.io/status" {
			v["annotation "+k] = statusView(val)
			continue
		}
		v["annotation "+k] = val
	}
	for k, val := range p.Labels {
		v["label "+k] = val
	}
	vols := make([]string, 0, len(p.Spec.Volumes))
	for _, vol := range p.Spec.Volumes {
		vols = append(vols, vol.Name)
	}
	sort.Strings(vols)
	v["volumes"] = strings.Join(vols, ",")
	return v
}

func sidecarMode(p *corev1.Pod) string {
	for _, c := range p.Spec.InitContainers {
		if c.Name == proxyName && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			return "native"
		}
	}
	for _, c := range p.Spec.Containers {
		if c.Name == proxyName {
			return "traditional"
		}
	}
	return "none"
}

func names(cs []corev1.Container) string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return strings.Join(out, ",")
}

func containerView(v map[string]string, kind string, c corev1.Container) {
	prefix := "container " + c.Name
	if kind != "" {
		prefix = kind + "Container " + c.Name
	}
	set := func(k, val string) {
		if val != "" {
			v[prefix+" "+k] = val
		}
	}
	var ports []string
	for _, p := range c.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		ports = append(ports, fmt.Sprintf("%s:%d/%s", p.Name, p.ContainerPort, proto))
	}
	set("ports", strings.Join(ports, " "))
	set("readinessProbe", probeView(c.ReadinessProbe))
	set("livenessProbe", probeView(c.LivenessProbe))
	set("startupProbe", probeView(c.StartupProbe))
	if c.RestartPolicy != nil {
		set("restartPolicy", string(*c.RestartPolicy))
	}
	if c.Lifecycle != nil {
		set("lifecycle.postStart", handlerView(c.Lifecycle.PostStart))
		set("lifecycle.preStop", handlerView(c.Lifecycle.PreStop))
	}
	if c.Name != proxyName {
		return
	}
	var mounts []string
	for _, m := range c.VolumeMounts {
		mounts = append(mounts, m.Name+":"+m.MountPath)
	}
	sort.Strings(mounts)
	set("volumeMounts", strings.Join(mounts, " "))
	set("resources", resourcesView(c.Resources))
	for _, e := range c.Env {
		switch e.Name {
		case "ISTIO_KUBE_APP_PROBERS", "ISTIO_PROMETHEUS_ANNOTATIONS":
			set("env "+e.Name, canonicalJSON(e.Value))
		}
	}
}

// probeView prints a probe with the API server's defaults filled in, so that
// a field left empty and the same field set to its default compare equal.
func probeView(p *corev1.Probe) string {
	if p == nil {
		return ""
	}
	def := func(v, d int32) int32 {
		if v == 0 {
			return d
		}
		return v
	}
	timing := fmt.Sprintf("delay=%d period=%d timeout=%d failure=%d", p.InitialDelaySeconds,
		def(p.PeriodSeconds, 10), def(p.TimeoutSeconds, 1), def(p.FailureThreshold, 3))
	switch {
	case p.HTTPGet != nil:
		scheme := p.HTTPGet.Scheme
		if scheme == "" {
			scheme = corev1.URISchemeHTTP
		}
		return fmt.Sprintf("http-get %s://:%s%s %s", strings.ToLower(string(scheme)), p.HTTPGet.Port.String(), p.HTTPGet.Path, timing)
	case p.TCPSocket != nil:
		return fmt.Sprintf("tcp-socket :%s %s", p.TCPSocket.Port.String(), timing)
	case p.Exec != nil:
		return fmt.Sprintf("exec %q %s", p.Exec.Command, timing)
	case p.GRPC != nil:
		return fmt.Sprintf("grpc :%d %s", p.GRPC.Port, timing)
	}
	return "no handler " + timing
}

func handlerView(h *corev1.LifecycleHandler) string {
	switch {
	case h == nil:
		return ""
	case h.Exec != nil:
		return fmt.Sprintf("exec %q", h.Exec.Command)
	case h.HTTPGet != nil:
		return fmt.Sprintf("http-get :%s%s", h.HTTPGet.Port.String(), h.HTTPGet.Path)
	case h.Sleep != nil:
		return fmt.Sprintf("sleep %ds", h.Sleep.Seconds)
	}
	return "other"
}

func resourcesView(r corev1.ResourceRequirements) string {
	var parts []string
	for _, kind := range []struct {
		name string
		list corev1.ResourceList
	}{{"requests", r.Requests}, {"limits", r.Limits}} {
		keys := make([]string, 0, len(kind.list))
		for k := range kind.list {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		for _, k := range keys {
			q := kind.list[corev1.ResourceName(k)]
			parts = append(parts, fmt.Sprintf("%s.%s=%s", kind.name, k, q.String()))
		}
	}
	return strings.Join(parts, " ")
}

// statusView reads the sidecar.istio.io/status annotation as data.
func statusView(raw string) string {
	var s struct {
		InitContainers []string `json:"initContainers"`
		Containers     []string `json:"containers"`
		Volumes        []string `json:"volumes"`
		Revision       string   `json:"revision"`
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return "invalid: " + raw
	}
	sort.Strings(s.Volumes)
	return fmt.Sprintf("initContainers=%s containers=%s volumes=%s revision=%s",
		strings.Join(s.InitContainers, ","), strings.Join(s.Containers, ","), strings.Join(s.Volumes, ","), s.Revision)
}

func canonicalJSON(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	out, err := json.Marshal(v)
	if err != nil {
		return s
	}
	return string(out)
}

// difference is one key on which the two sides disagree.
type difference struct {
	Key, Upstream, Twin string
}

// diff lists the keys whose values differ, sorted.
func diff(up, tw map[string]string) []difference {
	keys := map[string]bool{}
	for k := range up {
		keys[k] = true
	}
	for k := range tw {
		keys[k] = true
	}
	var out []difference
	for k := range keys {
		if up[k] != tw[k] {
			out = append(out, difference{Key: k, Upstream: up[k], Twin: tw[k]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// class names the kind of a difference, with app container names folded
// into "app" so that one cause is one class: "container app
// readinessProbe", "container istio-proxy startupProbe", "annotation
// prometheus.io/port".
func class(key string) string {
	for _, kind := range []string{"container ", "initContainer "} {
		if rest, ok := strings.CutPrefix(key, kind); ok {
			name, field, _ := strings.Cut(rest, " ")
			if name != proxyName && name != "istio-init" && name != "istio-validation" {
				name = "app"
			}
			return kind + name + " " + field
		}
	}
	return key
}

// What a real API server adds to a pod on its own, removed or filled in on
// both sides of the end-to-end tier before the view is taken (the
// in-process tier has no API server):
//   - the service account token volume (kube-api-access-<random>) and its
//     mount in every container, the istio-proxy included when the
//     injector merged a user's istio-proxy into the template's;
//   - a request for every resource that has only a limit (the limit);
//   - the defaults inside what the injector copies from the pod into JSON:
//     the user's containers in proxy.istio.io/overrides
//     (terminationMessagePath and -Policy, imagePullPolicy, the token
//     mount, probe defaults) and the app probes in ISTIO_KUBE_APP_PROBERS
//     (the HTTP scheme, timeoutSeconds).
// Fields the API server defaults outside JSON (probes, ports) are already
// read with their defaults by view.

const tokenVolumePrefix = "kube-api-access-"

// apiServerAdditionsRemoved returns a copy of p without what the API server
// adds on its own, and with the JSON the injector writes read with the API
// server's defaults.
func apiServerAdditionsRemoved(p *corev1.Pod) *corev1.Pod {
	if p == nil {
		return nil
	}
	p = p.DeepCopy()
	p.Spec.Volumes = slices.DeleteFunc(p.Spec.Volumes, func(v corev1.Volume) bool { return strings.HasPrefix(v.Name, tokenVolumePrefix) })
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range cs {
			cs[i].VolumeMounts = withoutTokenMounts(cs[i].VolumeMounts)
			requestsDefaulted(&cs[i].Resources)
			for j, e := range cs[i].Env {
				if e.Name == "ISTIO_KUBE_APP_PROBERS" {
					cs[i].Env[j].Value = probersDefaulted(e.Value)
				}
			}
		}
	}
	if raw, ok := p.Annotations["proxy.istio.io/overrides"]; ok {
		p.Annotations["proxy.istio.io/overrides"] = overridesDefaulted(raw)
	}
	return p
}

func withoutTokenMounts(ms []corev1.VolumeMount) []corev1.VolumeMount {
	ms = slices.DeleteFunc(ms, func(m corev1.VolumeMount) bool { return strings.HasPrefix(m.Name, tokenVolumePrefix) })
	if len(ms) == 0 {
		return nil
	}
	return ms
}

// overridesDefaulted reads proxy.istio.io/overrides (the user's containers
// the injector merged its own over) with the API server's container
// defaults, the token mount left out.
func overridesDefaulted(raw string) string {
	var o struct {
		Containers     []corev1.Container `json:"containers,omitempty"`
		InitContainers []corev1.Container `json:"initContainers,omitempty"`
	}
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		return raw
	}
	for _, cs := range [][]corev1.Container{o.Containers, o.InitContainers} {
		for i := range cs {
			c := &cs[i]
			c.VolumeMounts = withoutTokenMounts(c.VolumeMounts)
			if c.TerminationMessagePath == "" {
				c.TerminationMessagePath = corev1.TerminationMessagePathDefault
			}
			if c.TerminationMessagePolicy == "" {
				c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
			}
			// imagePullPolicy follows the image as the user wrote
			// it, which the injector may have cleared ("auto").
			c.ImagePullPolicy = ""
			for _, pr := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
				probeDefaulted(pr)
			}
			requestsDefaulted(&c.Resources)
			if c.Lifecycle != nil {
				for _, h := range []*corev1.LifecycleHandler{c.Lifecycle.PostStart, c.Lifecycle.PreStop} {
					if h != nil && h.HTTPGet != nil && h.HTTPGet.Scheme == "" {
						h.HTTPGet.Scheme = corev1.URISchemeHTTP
					}
				}
			}
			for j := range c.Ports {
				if c.Ports[j].Protocol == "" {
					c.Ports[j].Protocol = corev1.ProtocolTCP
				}
			}
		}
	}
	out, err := json.Marshal(o)
	if err != nil {
		return raw
	}
	return string(out)
}

func probeDefaulted(p *corev1.Probe) {
	if p == nil {
		return
	}
	def := func(v *int32, d int32) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.TimeoutSeconds, 1)
	def(&p.PeriodSeconds, 10)
	def(&p.SuccessThreshold, 1)
	def(&p.FailureThreshold, 3)
	if p.HTTPGet != nil && p.HTTPGet.Scheme == "" {
		p.HTTPGet.Scheme = corev1.URISchemeHTTP
	}
	if p.GRPC != nil && p.GRPC.Service == nil {
		empty := ""
		p.GRPC.Service = &empty
	}
}

// requestsDefaulted gives a resource with a limit and no request the limit
// as its request, as the API server does.
func requestsDefaulted(r *corev1.ResourceRequirements) {
	for name, q := range r.Limits {
		if _, ok := r.Requests[name]; ok {
			continue
		}
		if r.Requests == nil {
			r.Requests = corev1.ResourceList{}
		}
		r.Requests[name] = q.DeepCopy()
	}
}

// probersDefaulted reads ISTIO_KUBE_APP_PROBERS with the API server's
// probe defaults (timeoutSeconds 1, the HTTP scheme, gRPC service "").
func probersDefaulted(raw string) string {
	var probers map[string]*struct {
		HTTPGet        *corev1.HTTPGetAction   `json:"httpGet,omitempty"`
		TCPSocket      *corev1.TCPSocketAction `json:"tcpSocket,omitempty"`
		GRPC           *corev1.GRPCAction      `json:"grpc,omitempty"`
		TimeoutSeconds int32                   `json:"timeoutSeconds,omitempty"`
	}
	if err := json.Unmarshal([]byte(raw), &probers); err != nil {
		return raw
	}
	for _, p := range probers {
		if p == nil {
			continue
		}
		if p.TimeoutSeconds == 0 {
			p.TimeoutSeconds = 1
		}
		if p.HTTPGet != nil && p.HTTPGet.Scheme == "" {
			p.HTTPGet.Scheme = corev1.URISchemeHTTP
		}
		if p.GRPC != nil && p.GRPC.Service == nil {
			empty := ""
			p.GRPC.Service = &empty
		}
	}
	out, err := json.Marshal(probers)
	if err != nil {
		return raw
	}
	return string(out)
}
