package main

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"pgregory.net/rapid"
	"sigs.k8s.io/yaml"
)

// absent marks a label or annotation that a case leaves out. Every choice
// list starts with the plainest option, so rapid shrinks towards it.
const absent = "\x00absent"

// Case is one pod CREATE in one cluster: the cluster's Kubernetes minor
// version, istiod's native-sidecar setting, the namespace and the pod.
type Case struct {
	// KubeMinor is the kubelet's minor version on every node (1.KubeMinor).
	KubeMinor int
	// Native is istiod's ENABLE_NATIVE_SIDECARS: "auto", "true" or
	// "false"; the model reads it as the mesh's enableNativeSidecar
	// (unset, true, false).
	Native    string
	Namespace string
	// NamespaceLabels as the user set them; the API server adds
	// kubernetes.io/metadata.name.
	NamespaceLabels map[string]string
	Pod             *corev1.Pod
}

// String renders the case as a reproducer: the settings, the namespace's
// labels and the pod's YAML.
func (c Case) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kubernetes 1.%d, ENABLE_NATIVE_SIDECARS=%s\n", c.KubeMinor, c.Native)
	ns, _ := yaml.Marshal(map[string]any{"namespace": c.Namespace, "labels": c.NamespaceLabels})
	b.Write(ns)
	pod, err := yaml.Marshal(c.Pod)
	if err != nil {
		fmt.Fprintf(&b, "pod: <%v>\n", err)
	} else {
		b.WriteString("pod:\n")
		for _, l := range strings.Split(strings.TrimRight(string(pod), "\n"), "\n") {
			if strings.Contains(l, "creationTimestamp: null") || l == "status: {}" {
				continue
			}
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}

func pick(t *rapid.T, name string, opts ...string) string {
	return rapid.SampledFrom(opts).Draw(t, name)
}

func setOpt(m map[string]string, k, v string) {
	if v != absent {
		m[k] = v
	}
}

// injectValues are values of sidecar.istio.io/inject across Istio
// versions: exact, other cases, the old y/yes/on forms, opt-outs, junk.
var injectValues = []string{absent, "true", "false", "", "True", "FALSE", "yes", "y", "on", "no", "off", "n", "enabled", "1"}

// invalidAnnotations are values upstream's injector refuses (its
// validateAnnotations), one annotation each.
var invalidAnnotations = [][2]string{
	{"traffic.sidecar.istio.io/includeInboundPorts", "http"},
	{"traffic.sidecar.istio.io/excludeOutboundPorts", "3306,70000"},
	{"traffic.sidecar.istio.io/excludeInboundPorts", "x"},
	{"traffic.sidecar.istio.io/includeOutboundIPRanges", "10.0.0.1"},
	{"traffic.sidecar.istio.io/excludeOutboundIPRanges", "10.0.0.0/33"},
	{"traffic.sidecar.istio.io/excludeInterfaces", "0eth"},
	{"traffic.sidecar.istio.io/kubevirtInterfaces", "an-interface-name-too-long"},
	{"sidecar.istio.io/interceptionMode", "none"},
	{"status.sidecar.istio.io/port", "port"},
	{"readiness.status.sidecar.istio.io/failureThreshold", "-1"},
	{"prometheus.istio.io/merge-metrics", "maybe"},
	{"sidecar.istio.io/proxyMemory", "lots"},
}

// caseGen draws cases.
func caseGen() *rapid.Generator[Case] {
	return rapid.Custom(func(t *rapid.T) Case {
		c := Case{
			KubeMinor: rapid.IntRange(28, 35).Draw(t, "kubeMinor"),
			Native:    pick(t, "native", "auto", "true", "false"),
			Namespace: pick(t, "namespace", "shop", "default", "istio-system", "kube-system", "kube-public", "kube-node-lease", "local-path-storage"),
		}
		c.NamespaceLabels = map[string]string{}
		setOpt(c.NamespaceLabels, "istio-injection", pick(t, "ns.istio-injection", absent, "enabled", "enabled", "enabled", "disabled", "Enabled", "true", ""))
		setOpt(c.NamespaceLabels, "istio.io/rev", pick(t, "ns.rev", absent, "default", "canary"))
		c.Pod = podGen(t)
		c.Pod.Namespace = c.Namespace
		return c
	})
}

func podGen(t *rapid.T) *corev1.Pod {
	labels := map[string]string{}
	ann := map[string]string{}
	setOpt(labels, "app", pick(t, "label.app", absent, "web", "a-very-long-application-name-that-goes-on-and-on-past-the-label-limit"))
	setOpt(labels, "version", pick(t, "label.version", absent, "v1"))
	setOpt(labels, "sidecar.istio.io/inject", pick(t, "label.inject", injectValues...))
	setOpt(ann, "sidecar.istio.io/inject", pick(t, "annotation.inject", injectValues...))
	setOpt(labels, "istio.io/rev", pick(t, "label.rev", absent, "default", "canary"))
	setOpt(labels, "security.istio.io/tlsMode", pick(t, "label.tlsMode", absent, "disabled"))
	setOpt(ann, "sidecar.istio.io/nativeSidecar", pick(t, "annotation.nativeSidecar", absent, "true", "false", "True", "no"))
	setOpt(ann, "proxy.istio.io/config", pick(t, "annotation.proxyConfig", absent,
		"holdApplicationUntilProxyStarts: true", `{"holdApplicationUntilProxyStarts": false}`, "holdApplicationUntilProxyStarts: false"))
	setOpt(ann, "prometheus.io/scrape", pick(t, "annotation.prometheus.scrape", absent, "true", "false"))
	setOpt(ann, "prometheus.io/port", pick(t, "annotation.prometheus.port", absent, "9090"))
	setOpt(ann, "prometheus.io/path", pick(t, "annotation.prometheus.path", absent, "/metrics"))
	setOpt(ann, "traffic.sidecar.istio.io/includeInboundPorts", pick(t, "annotation.includeInboundPorts", absent, "*", "8080", "", " 8080 "))
	setOpt(ann, "traffic.sidecar.istio.io/excludeOutboundPorts", pick(t, "annotation.excludeOutboundPorts", absent, "3306"))
	setOpt(ann, "traffic.sidecar.istio.io/excludeInboundPorts", pick(t, "annotation.excludeInboundPorts", absent, "15020,9090"))
	setOpt(ann, "traffic.sidecar.istio.io/includeOutboundIPRanges", pick(t, "annotation.includeOutboundIPRanges", absent, "*", "10.0.0.0/8,172.16.0.0/12"))
	setOpt(ann, "traffic.sidecar.istio.io/excludeOutboundIPRanges", pick(t, "annotation.excludeOutboundIPRanges", absent, "169.254.169.254/32"))
	setOpt(ann, "traffic.sidecar.istio.io/excludeInterfaces", pick(t, "annotation.excludeInterfaces", absent, "eth1"))
	setOpt(ann, "sidecar.istio.io/proxyCPU", pick(t, "annotation.proxyCPU", absent, "200m"))
	setOpt(ann, "sidecar.istio.io/rewriteAppHTTPProbers", pick(t, "annotation.rewriteAppHTTPProbers", absent, "false"))
	setOpt(ann, "sidecar.istio.io/interceptionMode", pick(t, "annotation.interceptionMode", absent, "NONE", "TPROXY"))
	setOpt(ann, "status.sidecar.istio.io/port", pick(t, "annotation.statusPort", absent, "0", "15021"))
	setOpt(ann, "readiness.status.sidecar.istio.io/periodSeconds", pick(t, "annotation.readinessPeriod", absent, "5"))
	setOpt(ann, "sidecar.istio.io/proxyMemoryLimit", pick(t, "annotation.proxyMemoryLimit", absent, "512Mi"))
	setOpt(ann, "prometheus.istio.io/merge-metrics", pick(t, "annotation.mergeMetrics", absent, "false"))
	setOpt(ann, "inject.istio.io/templates", pick(t, "annotation.templates", absent, "sidecar", "grpc-agent", "grpc-simple"))
	setOpt(ann, "kubectl.kubernetes.io/default-container", pick(t, "annotation.defaultContainer", absent, "metrics"))
	if pick(t, "annotation.userVolume", absent, "cache") != absent {
		ann["sidecar.istio.io/userVolume"] = `{"cache":{"emptyDir":{}}}`
		ann["sidecar.istio.io/userVolumeMount"] = `{"cache":{"mountPath":"/cache"}}`
	}
	// One case in ten carries an invalid value of an annotation
	// upstream's injector checks (traffic.sidecar.istio.io/* and the
	// others): upstream refuses such a pod when it injects it.
	if rapid.IntRange(0, 9).Draw(t, "invalidAnnotation") == 9 {
		bad := rapid.SampledFrom(invalidAnnotations).Draw(t, "invalidAnnotation.which")
		ann[bad[0]] = bad[1]
	}
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web-0"},
	}
	if pick(t, "owner", "none", "deployment") == "deployment" {
		// A Deployment's pod as the ReplicaSet controller creates it:
		// generateName, the template hash label and the owner.
		labels["pod-template-hash"] = "6b7d8f9c4d"
		pod.Name = ""
		pod.GenerateName = "shop-api-6b7d8f9c4d-"
		ctrl := true
		pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "shop-api-6b7d8f9c4d", UID: "rs-uid", Controller: &ctrl}}
	}
	if len(labels) > 0 {
		pod.Labels = labels
	}
	if len(ann) > 0 {
		pod.Annotations = ann
	}
	pod.Spec.HostNetwork = rapid.IntRange(0, 9).Draw(t, "hostNetwork") == 9
	names := []string{"app", "metrics", "istio-proxy"}
	n := rapid.IntRange(1, 3).Draw(t, "containers")
	for i := range n {
		name := names[i]
		if i > 0 {
			name = pick(t, fmt.Sprintf("container%d.name", i), names[i], "istio-proxy", "logger")
		}
		if slicesHasName(pod.Spec.Containers, name) {
			continue
		}
		pod.Spec.Containers = append(pod.Spec.Containers, containerGen(t, name, fmt.Sprintf("container%d", i)))
	}
	if rapid.IntRange(0, 3).Draw(t, "initContainers") == 3 {
		pod.Spec.InitContainers = []corev1.Container{{Name: "setup", Image: "busybox"}}
	}
	return pod
}

func slicesHasName(cs []corev1.Container, name string) bool {
	for _, c := range cs {
		if c.Name == name {
			return true
		}
	}
	return false
}

func containerGen(t *rapid.T, name, key string) corev1.Container {
	c := corev1.Container{Name: name, Image: "nginx"}
	if name == "istio-proxy" {
		c.Image = pick(t, key+".image", "auto", "example.com/proxyv2:custom")
		return c
	}
	switch pick(t, key+".ports", "none", "http", "two") {
	case "http":
		c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}
	case "two":
		c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}, {ContainerPort: 9090, Protocol: corev1.ProtocolTCP}}
	}
	c.ReadinessProbe = probeGen(t, key+".readiness")
	c.LivenessProbe = probeGen(t, key+".liveness")
	c.StartupProbe = probeGen(t, key+".startup")
	switch pick(t, key+".preStop", "none", "http", "exec") {
	case "http":
		c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/shutdown", Port: intstr.FromInt32(8080)}}}
	case "exec":
		c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sleep", "5"}}}}
	}
	return c
}

func probeGen(t *rapid.T, key string) *corev1.Probe {
	switch pick(t, key, "none", "http", "http-named-port", "tcp", "exec", "https", "grpc") {
	case "https":
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/secure", Port: intstr.FromInt32(8443), Scheme: corev1.URISchemeHTTPS}}, TimeoutSeconds: 2}
	case "grpc":
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9000}}}
	case "http":
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8080)}}, PeriodSeconds: 5}
	case "http-named-port":
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/live", Port: intstr.FromString("http")}}}
	case "tcp":
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}}
	case "exec":
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/ok"}}}}
	}
	return nil
}
