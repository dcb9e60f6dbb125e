package model

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The injection templates of upstream's istio-discovery chart that a pod
// can ask for with inject.istio.io/templates instead of the sidecar's: the
// proxyless gRPC ones. grpc-agent adds pilot-agent without Envoy (no
// istio-init, no traffic capture; the app's gRPC library talks xDS to the
// agent over a shared volume); grpc-simple adds no proxy at all, only an
// init container that writes the gRPC xDS bootstrap.
const (
	AnnotationInjectTemplates = "inject.istio.io/templates"
	TemplateSidecar           = "sidecar"
	TemplateGRPCAgent         = "grpc-agent"
	TemplateGRPCSimple        = "grpc-simple"

	// ModeProxyless is the mode of a pod injected with grpc-simple: no
	// istio-proxy at all.
	ModeProxyless SidecarMode = "proxyless"
	// ModeRuleTemplate is the mode rule of a pod whose injection template
	// places the proxy itself.
	ModeRuleTemplate = "injection-template"

	// GRPCBootstrapInitName is grpc-simple's init container.
	GRPCBootstrapInitName = "grpc-bootstrap-init"

	grpcXDSVolume       = "istio-xds"
	grpcBootstrapVolume = "grpc-io-proxyless-bootstrap"
	grpcAgentReadyURL   = "http://localhost:15020/healthz/ready"
)

// unmodelledChartTemplates are the other injection templates upstream's
// istio-discovery chart ships (its istio-sidecar-injector ConfigMap).
var unmodelledChartTemplates = []string{"gateway", "waypoint", "kube-gateway", "agentgateway", "agentgateway-waypoint"}

// InjectionTemplate is the template the pod's inject.istio.io/templates
// annotation asks for; "sidecar" when it names none. The twin models the
// chart's sidecar, grpc-agent and grpc-simple templates one at a time; any
// other name, or a list of several, is refused, as upstream refuses a
// template it does not have.
func InjectionTemplate(pod *corev1.Pod) (string, error) {
	v, ok := pod.Annotations[AnnotationInjectTemplates]
	if !ok {
		return TemplateSidecar, nil
	}
	name := strings.TrimSpace(v)
	switch name {
	case TemplateSidecar, TemplateGRPCAgent, TemplateGRPCSimple:
		return name, nil
	}
	if strings.Contains(v, ",") {
		return "", fmt.Errorf("%s=%q lists several templates; the twin injects one of %s, %s and %s at a time",
			AnnotationInjectTemplates, v, TemplateSidecar, TemplateGRPCAgent, TemplateGRPCSimple)
	}
	if slices.Contains(unmodelledChartTemplates, name) {
		return "", fmt.Errorf("template %q of upstream's chart is not modelled; the twin injects %s, %s and %s", name, TemplateSidecar, TemplateGRPCAgent, TemplateGRPCSimple)
	}
	return "", fmt.Errorf("requested template %q not found; have %s, %s, %s", name, TemplateSidecar, TemplateGRPCAgent, TemplateGRPCSimple)
}

// injectGRPC injects a pod with one of the proxyless gRPC templates, as
// upstream's webhook does: the template strategically merged over the pod,
// every container the template names that the pod already had laid over
// it again and recorded in proxy.istio.io/overrides, Prometheus merged, app
// probes left alone (the templates set rewriteAppHTTPProbers to false), the
// status annotation listing what the template declared, and istio-proxy
// moved last, or first when the app is held until the proxy starts.
func injectGRPC(pod *corev1.Pod, p InjectParams, template string) (*corev1.Pod, ModeDecision, error) {
	out := pod.DeepCopy()
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	revision := p.Revision
	if revision == "" {
		revision = defaultRevision
	}
	var apps []string
	for _, c := range out.Spec.Containers {
		if c.Name != ProxyContainerName {
			apps = append(apps, c.Name)
		}
	}
	var overrides []corev1.Container
	override := func(c corev1.Container) {
		if c.Image == autoProxyImage {
			c.Image = ""
		}
		overrides = append(overrides, c)
	}
	status := sidecarStatus{Revision: revision}
	var mode ModeDecision
	switch template {
	case TemplateGRPCAgent:
		user := podContainer(out, ProxyContainerName)
		var userProxy *corev1.Container
		if user != nil {
			userProxy = user.DeepCopy()
			override(*userProxy)
		}
		for i := range out.Spec.Containers {
			c := &out.Spec.Containers[i]
			if c.Name == ProxyContainerName {
				continue
			}
			override(*c)
			addGRPCAgentAppSettings(c)
		}
		proxy := grpcAgentProxy(ProxyImage(p.Mesh.Version), p.Cluster.Name, revision, out)
		if userProxy != nil {
			if err := overlayUserProxy(&proxy, *userProxy, ModeTraditional, out); err != nil {
				return nil, ModeDecision{}, fmt.Errorf("inject sidecar into pod %q: %w", podDisplayName(pod), err)
			}
			*user = proxy
		} else {
			out.Spec.Containers = append(out.Spec.Containers, proxy)
		}
		status.Containers = append([]string{ProxyContainerName}, apps...)
		vols := grpcAgentVolumes()
		userVols, _ := userVolumes(out)
		vols = append(vols, userVols...)
		out.Spec.Volumes = append(withoutNamed(out.Spec.Volumes, volumeName, namesOfVolumes(vols)), vols...)
		status.Volumes = namesOfVolumes(vols)
		out.Labels[LabelCanonicalName] = canonicalNameLabel(out)
		out.Labels[LabelCanonicalRevision] = canonicalRevisionLabel(out.Labels)
		out.Annotations[LabelRevision] = revision
		if len(apps) > 0 {
			setIfAbsent(out.Annotations, AnnotationDefaultLogs, apps[0])
			setIfAbsent(out.Annotations, AnnotationDefaultContainer, apps[0])
		}
		mode = ModeDecision{Mode: ModeTraditional, Rule: ModeRuleTemplate,
			Reason: fmt.Sprintf("the %s template puts pilot-agent among the containers, whatever the native-sidecar settings", TemplateGRPCAgent)}
	case TemplateGRPCSimple:
		for i := range out.Spec.Containers {
			c := &out.Spec.Containers[i]
			override(*c)
			addGRPCSimpleAppSettings(c)
			status.Containers = append(status.Containers, c.Name)
		}
		if podContainer(out, GRPCBootstrapInitName) == nil {
			// A strategic merge puts the template's new list items
			// before the pod's own, and nothing reorders them after.
			out.Spec.InitContainers = append([]corev1.Container{grpcBootstrapInit()}, out.Spec.InitContainers...)
		}
		status.InitContainers = []string{GRPCBootstrapInitName}
		vol := corev1.Volume{Name: grpcBootstrapVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
		out.Spec.Volumes = append(withoutNamed(out.Spec.Volumes, volumeName, []string{vol.Name}), vol)
		status.Volumes = []string{vol.Name}
		mode = ModeDecision{Mode: ModeProxyless, Rule: ModeRuleTemplate,
			Reason: fmt.Sprintf("the %s template adds no proxy: the app's gRPC library reads the xDS bootstrap its init container writes", TemplateGRPCSimple)}
		if podContainer(out, ProxyContainerName) != nil {
			mode.Mode = ModeTraditional
		}
	default:
		return nil, ModeDecision{}, fmt.Errorf("inject sidecar into pod %q: template %q is not a gRPC template", podDisplayName(pod), template)
	}
	out.Annotations[AnnotationRewriteAppProbers] = "false"
	if len(overrides) > 0 {
		raw, err := json.Marshal(struct {
			Containers []corev1.Container `json:"containers,omitempty"`
		}{overrides})
		if err != nil {
			return nil, ModeDecision{}, fmt.Errorf("inject sidecar into pod %q: record the overridden containers: %w", podDisplayName(pod), err)
		}
		out.Annotations[AnnotationProxyOverrides] = string(raw)
	}
	applyPrometheusMerge(out, podContainer(out, ProxyContainerName))
	raw, err := json.Marshal(status)
	if err != nil {
		return nil, ModeDecision{}, fmt.Errorf("inject sidecar into pod %q: encode status: %w", podDisplayName(pod), err)
	}
	out.Annotations[AnnotationSidecarStatus] = string(raw)
	out.Spec.Containers = moveContainer(out.Spec.Containers, ProxyContainerName, HoldsApplication(pod))
	return out, mode, nil
}

// canonicalNameLabel is the grpc templates' service.istio.io/canonical-name:
// as the sidecar template's, but neither cut to 63 characters nor trimmed.
func canonicalNameLabel(pod *corev1.Pod) string {
	if v := pod.Labels[LabelCanonicalName]; v != "" {
		return v
	}
	return canonicalName(pod)
}

func canonicalRevisionLabel(labels map[string]string) string {
	if v := labels[LabelCanonicalRevision]; v != "" {
		return v
	}
	return canonicalRevision(labels)
}

func namesOfVolumes(vols []corev1.Volume) []string {
	out := make([]string, 0, len(vols))
	for _, v := range vols {
		out = append(out, v.Name)
	}
	return out
}

// mergeEnv adds env vars by name, as a strategic merge does, keeping the
// container's own value for a name it already has.
func mergeEnv(c *corev1.Container, vars ...corev1.EnvVar) {
	for _, v := range vars {
		if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == v.Name }) {
			c.Env = append(c.Env, v)
		}
	}
}

// mergeMounts adds volume mounts by mount path, as a strategic merge does.
func mergeMounts(c *corev1.Container, mounts ...corev1.VolumeMount) {
	for _, m := range mounts {
		if !slices.ContainsFunc(c.VolumeMounts, func(e corev1.VolumeMount) bool { return e.MountPath == m.MountPath }) {
			c.VolumeMounts = append(c.VolumeMounts, m)
		}
	}
}

// addGRPCAgentAppSettings points an app container's gRPC library at the
// agent's xDS bootstrap and shares the agent's certificates with it.
func addGRPCAgentAppSettings(c *corev1.Container) {
	mergeEnv(c,
		corev1.EnvVar{Name: "GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT", Value: "true"},
		corev1.EnvVar{Name: "GRPC_XDS_BOOTSTRAP", Value: "/etc/istio/proxy/grpc-bootstrap.json"})
	mergeMounts(c,
		corev1.VolumeMount{Name: "istio-data", MountPath: "/var/lib/istio/data"},
		corev1.VolumeMount{Name: grpcXDSVolume, MountPath: "/etc/istio/proxy"},
		corev1.VolumeMount{Name: "workload-certs", MountPath: "/var/run/secrets/workload-spiffe-credentials"})
}

// addGRPCSimpleAppSettings points a container's gRPC library at the
// bootstrap grpc-bootstrap-init writes.
func addGRPCSimpleAppSettings(c *corev1.Container) {
	mergeEnv(c,
		corev1.EnvVar{Name: "GRPC_XDS_BOOTSTRAP", Value: "/var/lib/grpc/data/bootstrap.json"},
		corev1.EnvVar{Name: "GRPC_GO_LOG_VERBOSITY_LEVEL", Value: "99"},
		corev1.EnvVar{Name: "GRPC_GO_LOG_SEVERITY_LEVEL", Value: "info"})
	mergeMounts(c, corev1.VolumeMount{Name: grpcBootstrapVolume, MountPath: "/var/lib/grpc/data/"})
}

// grpcAgentProxy is grpc-agent's istio-proxy: pilot-agent with Envoy
// disabled, its metrics port, a postStart hook that waits for the agent,
// and, unless status.sidecar.istio.io/port is "0", its readiness probe on
// the agent's port, resources and mounts.
func grpcAgentProxy(image, cluster, revision string, pod *corev1.Pod) corev1.Container {
	if cluster == "" {
		cluster = "Kubernetes"
	}
	caAddr := "istiod.istio-system.svc:15012"
	if revision != defaultRevision {
		caAddr = "istiod-" + revision + ".istio-system.svc:15012"
	}
	c := corev1.Container{
		Name:  ProxyContainerName,
		Image: image,
		Ports: []corev1.ContainerPort{{ContainerPort: ProxyAgentPort, Protocol: corev1.ProtocolTCP, Name: "mesh-metrics"}},
		Args: []string{"proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local",
			"--proxyLogLevel=warning", "--proxyComponentLogLevel=misc:error", "--log_output_level=default:info"},
		Lifecycle: &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{
			Command: []string{"pilot-agent", "wait", "--url=" + grpcAgentReadyURL},
		}}},
		Env: []corev1.EnvVar{
			{Name: "ISTIO_META_GENERATOR", Value: "grpc"},
			{Name: "OUTPUT_CERTS", Value: "/var/lib/istio/data"},
			{Name: "PILOT_CERT_PROVIDER", Value: "istiod"},
			{Name: "CA_ADDR", Value: caAddr},
			fieldEnv("POD_NAME", "metadata.name"),
			fieldEnv("POD_NAMESPACE", "metadata.namespace"),
			fieldEnv("INSTANCE_IP", "status.podIP"),
			fieldEnv("SERVICE_ACCOUNT", "spec.serviceAccountName"),
			fieldEnv("HOST_IP", "status.hostIP"),
			{Name: "PROXY_CONFIG", Value: "{}\n"},
			{Name: "ISTIO_META_POD_PORTS", Value: podPortsJSON(pod)},
			{Name: "ISTIO_META_APP_CONTAINERS", Value: appContainerNames(pod)},
			{Name: "ISTIO_META_CLUSTER_ID", Value: cluster},
			fieldEnv("ISTIO_META_NODE_NAME", "spec.nodeName"),
			{Name: "ISTIO_META_WORKLOAD_NAME", Value: WorkloadName(pod)},
			{Name: "ISTIO_META_MESH_ID", Value: "cluster.local"},
			{Name: "TRUST_DOMAIN", Value: "cluster.local"},
			{Name: "ISTIO_META_DNS_CAPTURE", Value: "false"},
			{Name: "DISABLE_ENVOY", Value: "true"},
		},
	}
	if pod.Annotations[AnnotationStatusPort] == "0" {
		return c
	}
	readiness := map[string]int32{"initialDelaySeconds": 0, "periodSeconds": 15, "failureThreshold": 4}
	for key := range readiness {
		if v, ok := pod.Annotations[annotationReadinessPrefix+key]; ok {
			if n, err := strconv.Atoi(v); err == nil {
				readiness[key] = int32(n)
			}
		}
	}
	c.ReadinessProbe = &corev1.Probe{
		ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: ProxyReadinessPath, Port: intstr.FromInt32(ProxyAgentPort)}},
		InitialDelaySeconds: readiness["initialDelaySeconds"],
		PeriodSeconds:       readiness["periodSeconds"],
		TimeoutSeconds:      3,
		FailureThreshold:    readiness["failureThreshold"],
	}
	c.Resources = istioProxyResources(pod)
	c.VolumeMounts = []corev1.VolumeMount{
		{Name: "workload-socket", MountPath: "/var/run/secrets/workload-spiffe-uds"},
		{Name: "workload-certs", MountPath: "/var/run/secrets/workload-spiffe-credentials"},
		{Name: "istiod-ca-cert", MountPath: "/var/run/secrets/istio"},
		{Name: "istio-data", MountPath: "/var/lib/istio/data"},
		{Name: grpcXDSVolume, MountPath: "/etc/istio/proxy"},
		{Name: "istio-token", MountPath: "/var/run/secrets/tokens"},
		{Name: "istio-podinfo", MountPath: "/etc/istio/pod"},
	}
	_, mounts := userVolumes(pod)
	c.VolumeMounts = append(c.VolumeMounts, mounts...)
	return c
}

// grpcAgentVolumes are the volumes grpc-agent adds: the sidecar's, with
// istio-xds (the agent's xDS socket, shared with the app) in place of
// istio-envoy, and neither credential-socket nor istio-ca-crl.
func grpcAgentVolumes() []corev1.Volume {
	var out []corev1.Volume
	for _, v := range sidecarVolumes() {
		switch v.Name {
		case "credential-socket":
			continue
		case "istio-envoy":
			v.Name = grpcXDSVolume
		}
		out = append(out, v)
	}
	return out
}

// grpcBootstrapInit is grpc-simple's init container: it writes the xDS
// bootstrap pointing the app's gRPC library at istiod.
func grpcBootstrapInit() corev1.Container {
	return corev1.Container{
		Name:         GRPCBootstrapInitName,
		Image:        "busybox:1.28",
		VolumeMounts: []corev1.VolumeMount{{Name: grpcBootstrapVolume, MountPath: "/var/lib/grpc/data/"}},
		Env: []corev1.EnvVar{
			fieldEnv("INSTANCE_IP", "status.podIP"),
			fieldEnv("POD_NAME", "metadata.name"),
			fieldEnv("POD_NAMESPACE", "metadata.namespace"),
			{Name: "ISTIO_NAMESPACE", Value: "istio-system\n"},
		},
		Command: []string{"sh", "-c", `NODE_ID="sidecar~${INSTANCE_IP}~${POD_NAME}.${POD_NAMESPACE}~cluster.local"
SERVER_URI="dns:///istiod.${ISTIO_NAMESPACE}.svc:15010"
echo '{"xds_servers": [{"server_uri": "'${SERVER_URI}'", "channel_creds": [{"type": "insecure"}], "server_features": ["xds_v3"]}], "node": {"id": "'${NODE_ID}'", "metadata": {"GENERATOR": "grpc"}}}' > /var/lib/grpc/data/bootstrap.json`},
	}
}
