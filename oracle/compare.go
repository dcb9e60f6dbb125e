package main

import (
	"encoding/json"
	"fmt"
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
