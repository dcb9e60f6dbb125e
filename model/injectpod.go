package model

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Names, ports and labels of the injected sidecar.
const (
	ProxyContainerName = "istio-proxy"
	InitContainerName  = "istio-init"

	ProxyPrometheusPort     = 15090
	ProxyPrometheusPortName = "http-envoy-prom"
	ProxyStatusPort         = 15021
	ProxyReadinessPath      = "/healthz/ready"
	ProxyUID                = 1337

	LabelTLSMode                = "security.istio.io/tlsMode"
	LabelCanonicalName          = "service.istio.io/canonical-name"
	LabelCanonicalRevision      = "service.istio.io/canonical-revision"
	AnnotationDefaultContainer  = "kubectl.kubernetes.io/default-container"
	AnnotationDefaultLogs       = "kubectl.kubernetes.io/default-logs-container"
	AnnotationPrometheusScrape  = "prometheus.io/scrape"
	AnnotationPrometheusPort    = "prometheus.io/port"
	AnnotationPrometheusPath    = "prometheus.io/path"
	proxyImageRepository        = "registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2"
	defaultRevision             = "default"
	holdApplicationUntilStarted = "holdApplicationUntilProxyStarts"
)

// InjectParams is what the injector needs besides the pod.
type InjectParams struct {
	Mesh    MeshConfig
	Cluster ClusterInfo
	// Revision is the injecting istiod revision; "" is the default one.
	Revision string
}

// proxyImageBuild maps known ASM releases to the build hash in their
// proxyv2 image tag.
func proxyImageBuild(v ASMVersion) string {
	switch v.String() {
	case "1.22.2.35":
		return "ge64ec8af"
	}
	return ""
}

// ProxyImage is the proxyv2 image of an ASM release, e.g.
// registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2:v1.22.2.35-ge64ec8af-aliyun.
// Releases whose build hash is unknown get a tag without it
// (v1.23.1.10-aliyun).
func ProxyImage(v ASMVersion) string {
	tag := "v" + v.String()
	if b := proxyImageBuild(v); b != "" {
		tag += "-" + b
	}
	return proxyImageRepository + ":" + tag + "-aliyun"
}

// IsInjected reports whether the pod already carries the sidecar: an
// istio-proxy container (in containers or initContainers) or the injector's
// status annotation.
func IsInjected(pod *corev1.Pod) bool {
	if pod == nil {
		return false
	}
	if _, ok := pod.Annotations[AnnotationSidecarStatus]; ok {
		return true
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == ProxyContainerName {
			return true
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.Name == ProxyContainerName {
			return true
		}
	}
	return false
}

// LeftAloneAsInjected reports whether a pod that is to be injected, and
// whose earlier sidecar was stripped (StripInjection), is left as it is
// because it still carries an istio-proxy container that no status
// annotation lists. The asm profile leaves such a pod alone; the istio
// profile merges the user's istio-proxy with the injected one, as
// upstream's webhook does.
func LeftAloneAsInjected(pod *corev1.Pod, mesh MeshConfig) bool {
	return mesh.Profile != ProfileIstio && IsInjected(pod)
}

// HoldsApplication reports whether the pod's proxy.istio.io/config
// annotation sets holdApplicationUntilProxyStarts: true (graceful startup),
// in YAML or JSON form.
func HoldsApplication(pod *corev1.Pod) bool {
	return configFlagTrue(pod, holdApplicationUntilStarted)
}

// configFlagTrue reports whether the proxy.istio.io/config annotation sets
// key to true, in YAML or JSON form, quoted or not.
func configFlagTrue(pod *corev1.Pod, key string) bool {
	if pod == nil {
		return false
	}
	cfg := pod.Annotations[AnnotationProxyConfig]
	for {
		i := strings.Index(cfg, key)
		if i < 0 {
			return false
		}
		rest := strings.TrimLeft(cfg[i+len(key):], "\"' \t")
		if strings.HasPrefix(rest, ":") {
			rest = strings.TrimLeft(rest[1:], "\"' \t")
			if strings.HasPrefix(rest, "true") {
				return true
			}
		}
		cfg = cfg[i+len(key):]
	}
}

// sidecarStatus is the JSON of the sidecar.istio.io/status annotation.
type sidecarStatus struct {
	InitContainers   []string `json:"initContainers"`
	Containers       []string `json:"containers"`
	Volumes          []string `json:"volumes"`
	ImagePullSecrets []string `json:"imagePullSecrets"`
	Revision         string   `json:"revision"`
}

// StripInjection returns a deep copy of pod without what an earlier
// injection added, as its sidecar.istio.io/status annotation lists it: those
// containers, init containers and volumes, and the annotation itself, so
// that InjectPod can inject it afresh (Istio's webhook re-injects a pod that
// arrives injected, e.g. through kubectl replace, B12). Everything else,
// including containers the annotation does not name, is kept. A pod without
// the annotation comes back as an unchanged copy; one whose annotation is
// not valid JSON loses only the annotation. It returns nil for a nil pod.
func StripInjection(pod *corev1.Pod) *corev1.Pod {
	if pod == nil {
		return nil
	}
	out := pod.DeepCopy()
	raw, ok := out.Annotations[AnnotationSidecarStatus]
	if !ok {
		return out
	}
	delete(out.Annotations, AnnotationSidecarStatus)
	var status sidecarStatus
	if err := json.Unmarshal([]byte(raw), &status); err != nil {
		return out
	}
	out.Spec.InitContainers = withoutNamed(out.Spec.InitContainers, containerName, status.InitContainers)
	out.Spec.Containers = withoutNamed(out.Spec.Containers, containerName, status.Containers)
	out.Spec.Volumes = withoutNamed(out.Spec.Volumes, volumeName, status.Volumes)
	return out
}

// withoutNamed returns the items whose name is not among names, keeping
// their order; items stays untouched, and nothing left is nil.
func withoutNamed[T any](items []T, name func(T) string, names []string) []T {
	if len(names) == 0 {
		return items
	}
	var kept []T
	for _, it := range items {
		if !slices.Contains(names, name(it)) {
			kept = append(kept, it)
		}
	}
	return kept
}

func containerName(c corev1.Container) string { return c.Name }

func volumeName(v corev1.Volume) string { return v.Name }

// InjectPod returns a copy of pod with the sidecar added in the mode that
// DecideSidecarMode picks (B08, B16, B29). It fails if the pod is already
// injected; pass an injected pod through StripInjection first to inject it
// again. Volumes of the pod that have a sidecar volume's name are replaced
// by the sidecar's, as Istio's merge by name does.
func InjectPod(pod *corev1.Pod, p InjectParams) (*corev1.Pod, ModeDecision, error) {
	if pod == nil {
		return nil, ModeDecision{}, fmt.Errorf("inject sidecar: no pod")
	}
	if _, annotated := pod.Annotations[AnnotationSidecarStatus]; annotated || LeftAloneAsInjected(pod, p.Mesh) {
		return nil, ModeDecision{}, fmt.Errorf("inject sidecar into pod %q: already injected (it has %s or the %s annotation)",
			podDisplayName(pod), ProxyContainerName, AnnotationSidecarStatus)
	}
	istio := p.Mesh.Profile == ProfileIstio
	if istio {
		// Upstream checks these annotations before it renders any
		// template, and refuses the pod on an invalid one.
		if err := ValidateInjectAnnotations(pod.Annotations); err != nil {
			return nil, ModeDecision{}, fmt.Errorf("inject sidecar into pod %q: %w", podDisplayName(pod), err)
		}
		template, err := InjectionTemplate(pod)
		if err != nil {
			return nil, ModeDecision{}, fmt.Errorf("inject sidecar into pod %q: %w", podDisplayName(pod), err)
		}
		if template != TemplateSidecar {
			return injectGRPC(pod, p, template)
		}
	}
	mode := DecideSidecarMode(pod, p.Mesh, p.Cluster)
	out := pod.DeepCopy()
	var userProxy *corev1.Container
	userProxyKept := false
	var userVols []corev1.Volume
	var userMounts []corev1.VolumeMount
	if istio {
		userProxy, userProxyKept = takeUserProxy(out, mode.Mode, userProxyStaysInContainers(pod, p.Mesh, p.Cluster))
	}
	revision := p.Revision
	if revision == "" {
		revision = defaultRevision
	}
	image := ProxyImage(p.Mesh.Version)
	hold := HoldsApplication(pod)
	firstApp := ""
	if len(out.Spec.Containers) > 0 {
		firstApp = out.Spec.Containers[0].Name
	}

	initC := istioInitContainer(image)
	proxy := istioProxyContainer(image, p.Cluster.Name, out)
	status := sidecarStatus{Volumes: sidecarVolumeNames(), Revision: revision}
	noInit := false
	if istio {
		if out.Annotations == nil {
			out.Annotations = map[string]string{}
		}
		proxy.Resources = istioProxyResources(out)
		proxy.VolumeMounts = append(proxy.VolumeMounts, corev1.VolumeMount{Name: volumeCACRL, MountPath: "/var/run/secrets/istio/crl"})
		status.Volumes = append(status.Volumes, volumeCACRL)
		userVols, userMounts = userVolumes(out)
		proxy.VolumeMounts = append(proxy.VolumeMounts, userMounts...)
		for _, v := range userVols {
			status.Volumes = append(status.Volumes, v.Name)
		}
		if userProxy != nil {
			if err := overlayUserProxy(&proxy, *userProxy, mode.Mode, out); err != nil {
				return nil, ModeDecision{}, fmt.Errorf("inject sidecar into pod %q: %w", podDisplayName(pod), err)
			}
		}
		applyIstioProxyProbes(&proxy, out, mode.Mode)
		noInit = out.Annotations[AnnotationInterceptionMode] == "NONE"
	}
	switch mode.Mode {
	case ModeNative:
		always := corev1.ContainerRestartPolicyAlways
		proxy.RestartPolicy = &always
		if !istio {
			proxy.StartupProbe = &corev1.Probe{
				ProbeHandler:     readinessHandler(),
				PeriodSeconds:    1,
				TimeoutSeconds:   3,
				FailureThreshold: 600,
			}
		}
		out.Spec.InitContainers = append([]corev1.Container{initC, proxy}, out.Spec.InitContainers...)
		status.InitContainers = []string{InitContainerName, ProxyContainerName}
		if noInit {
			out.Spec.InitContainers = slices.Delete(out.Spec.InitContainers, 0, 1)
			status.InitContainers = []string{ProxyContainerName}
		}
		if userProxyKept {
			// Upstream leaves the user's istio-proxy among the
			// containers (the pod then has two, and the API server
			// refuses it), moved last, or first when the app is held.
			out.Spec.Containers = moveContainer(out.Spec.Containers, ProxyContainerName, hold)
		}
	default:
		switch {
		case noInit:
			// interceptionMode NONE: nothing to redirect, no istio-init.
		case istio:
			// Upstream Istio runs istio-init after the user's init
			// containers, so they keep their network before iptables
			// redirects traffic to a proxy that is not running yet.
			out.Spec.InitContainers = append(out.Spec.InitContainers, initC)
		default:
			// ASM runs it first: the user's init containers run without
			// network (seed 004).
			out.Spec.InitContainers = append([]corev1.Container{initC}, out.Spec.InitContainers...)
		}
		if hold {
			proxy.Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{
				Exec: &corev1.ExecAction{Command: []string{"pilot-agent", "wait"}},
			}}
			out.Spec.Containers = append([]corev1.Container{proxy}, out.Spec.Containers...)
		} else {
			out.Spec.Containers = append(out.Spec.Containers, proxy)
		}
		status.InitContainers = []string{InitContainerName}
		if noInit {
			status.InitContainers = nil
		}
		status.Containers = []string{ProxyContainerName}
	}
	out.Spec.Volumes = append(withoutNamed(out.Spec.Volumes, volumeName, status.Volumes), sidecarVolumes()...)
	if istio {
		out.Spec.Volumes = append(out.Spec.Volumes, corev1.Volume{Name: volumeCACRL, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: volumeCACRL}, Optional: new(true),
		}}})
		out.Spec.Volumes = append(out.Spec.Volumes, userVols...)
	}

	raw, err := json.Marshal(status)
	if err != nil {
		return nil, ModeDecision{}, fmt.Errorf("inject sidecar into pod %q: encode status: %w", podDisplayName(pod), err)
	}
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	out.Annotations[AnnotationSidecarStatus] = string(raw)
	out.Annotations[LabelRevision] = revision
	if firstApp != "" {
		setIfAbsent(out.Annotations, AnnotationDefaultContainer, firstApp)
		setIfAbsent(out.Annotations, AnnotationDefaultLogs, firstApp)
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if istio {
		sidecar := podContainer(out, ProxyContainerName)
		applyPrometheusMerge(out, sidecar)
		rewriteAppProbes(out, sidecar)
		setIfAbsent(out.Labels, LabelTLSMode, "istio")
		out.Labels[LabelCanonicalName] = istioCanonicalName(out)
		setIfAbsent(out.Labels, LabelCanonicalRevision, canonicalRevision(out.Labels))
		return out, mode, nil
	}
	setIfAbsent(out.Annotations, AnnotationPrometheusScrape, "true")
	setIfAbsent(out.Annotations, AnnotationPrometheusPort, "15020")
	setIfAbsent(out.Annotations, AnnotationPrometheusPath, "/stats/prometheus")
	out.Labels[LabelTLSMode] = "istio"
	setIfAbsent(out.Labels, LabelCanonicalName, canonicalName(out))
	setIfAbsent(out.Labels, LabelCanonicalRevision, canonicalRevision(out.Labels))
	return out, mode, nil
}

// podContainer returns the pod's container (or init container) of that
// name, or nil.
func podContainer(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	return nil
}

func setIfAbsent(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func podDisplayName(pod *corev1.Pod) string {
	name := pod.Name
	if name == "" {
		name = pod.GenerateName
	}
	if pod.Namespace != "" {
		return pod.Namespace + "/" + name
	}
	return name
}

// canonicalName follows Istio: app.kubernetes.io/name, then app, then the
// workload's name.
func canonicalName(pod *corev1.Pod) string {
	for _, k := range []string{"app.kubernetes.io/name", "app"} {
		if v := pod.Labels[k]; v != "" {
			return v
		}
	}
	return WorkloadName(pod)
}

func canonicalRevision(labels map[string]string) string {
	for _, k := range []string{"app.kubernetes.io/version", "version"} {
		if v := labels[k]; v != "" {
			return v
		}
	}
	return "latest"
}

// WorkloadName is the name of the workload that owns the pod: a
// ReplicaSet's Deployment (its name without the pod-template-hash), a Job
// or other owner, else the pod's own name (or generateName, trimmed).
func WorkloadName(pod *corev1.Pod) string {
	for _, o := range pod.OwnerReferences {
		if o.Controller != nil && !*o.Controller {
			continue
		}
		if d, ok := replicaSetDeployment(o.Name, pod.Labels); ok && o.Kind == "ReplicaSet" {
			return d
		}
		return o.Name
	}
	if pod.Name != "" {
		return pod.Name
	}
	return strings.TrimSuffix(pod.GenerateName, "-")
}

// replicaSetDeployment is the Deployment of a ReplicaSet named rs: its
// name without the pod-template-hash that labels (a pod's) carry, if it
// ends with it.
func replicaSetDeployment(rs string, labels map[string]string) (string, bool) {
	h := labels[appsv1.DefaultDeploymentUniqueLabelKey]
	if h == "" || !strings.HasSuffix(rs, "-"+h) {
		return "", false
	}
	return strings.TrimSuffix(rs, "-"+h), true
}

func readinessHandler() corev1.ProbeHandler {
	return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path:   ProxyReadinessPath,
		Port:   intstr.FromInt32(ProxyStatusPort),
		Scheme: corev1.URISchemeHTTP,
	}}
}

func sidecarResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Limits: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("2"),
			corev1.ResourceMemory: resource.MustParse("1Gi"),
		},
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("100m"),
			corev1.ResourceMemory: resource.MustParse("128Mi"),
		},
	}
}

func istioInitContainer(image string) corev1.Container {
	return corev1.Container{
		Name:  InitContainerName,
		Image: image,
		Args: []string{
			"istio-iptables",
			"-p", "15001",
			"-z", "15006",
			"-u", "1337",
			"-m", "REDIRECT",
			"-i", "*",
			"-x", "",
			"-b", "*",
			"-d", "15090,15021,15020",
			"--log_output_level=default:info",
		},
		ImagePullPolicy:          corev1.PullIfNotPresent,
		Resources:                sidecarResources(),
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: new(false),
			Privileged:               new(false),
			ReadOnlyRootFilesystem:   new(false),
			RunAsGroup:               new(int64(0)),
			RunAsNonRoot:             new(false),
			RunAsUser:                new(int64(0)),
			Capabilities: &corev1.Capabilities{
				Add:  []corev1.Capability{"NET_ADMIN", "NET_RAW"},
				Drop: []corev1.Capability{"ALL"},
			},
		},
	}
}

func fieldEnv(name, path string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path},
	}}
}

func istioProxyContainer(image, cluster string, pod *corev1.Pod) corev1.Container {
	if cluster == "" {
		cluster = "Kubernetes"
	}
	return corev1.Container{
		Name:  ProxyContainerName,
		Image: image,
		Args: []string{
			"proxy",
			"sidecar",
			"--domain",
			"$(POD_NAMESPACE).svc.cluster.local",
			"--proxyLogLevel=warning",
			"--proxyComponentLogLevel=misc:error",
			"--log_output_level=default:info",
		},
		Env: []corev1.EnvVar{
			{Name: "PILOT_CERT_PROVIDER", Value: "istiod"},
			{Name: "CA_ADDR", Value: "istiod.istio-system.svc:15012"},
			fieldEnv("POD_NAME", "metadata.name"),
			fieldEnv("POD_NAMESPACE", "metadata.namespace"),
			fieldEnv("INSTANCE_IP", "status.podIP"),
			fieldEnv("SERVICE_ACCOUNT", "spec.serviceAccountName"),
			fieldEnv("HOST_IP", "status.hostIP"),
			{Name: "ISTIO_CPU_LIMIT", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu"}}},
			{Name: "PROXY_CONFIG", Value: "{}\n"},
			{Name: "ISTIO_META_POD_PORTS", Value: podPortsJSON(pod)},
			{Name: "ISTIO_META_APP_CONTAINERS", Value: appContainerNames(pod)},
			{Name: "ISTIO_META_CLUSTER_ID", Value: cluster},
			fieldEnv("ISTIO_META_NODE_NAME", "spec.nodeName"),
			{Name: "ISTIO_META_INTERCEPTION_MODE", Value: "REDIRECT"},
			{Name: "ISTIO_META_WORKLOAD_NAME", Value: WorkloadName(pod)},
			{Name: "ISTIO_META_MESH_ID", Value: "cluster.local"},
			{Name: "TRUST_DOMAIN", Value: "cluster.local"},
		},
		Ports: []corev1.ContainerPort{{
			ContainerPort: ProxyPrometheusPort,
			Name:          ProxyPrometheusPortName,
			Protocol:      corev1.ProtocolTCP,
		}},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:     readinessHandler(),
			PeriodSeconds:    15,
			TimeoutSeconds:   3,
			FailureThreshold: 4,
		},
		ImagePullPolicy:          corev1.PullIfNotPresent,
		Resources:                sidecarResources(),
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: new(false),
			Privileged:               new(false),
			ReadOnlyRootFilesystem:   new(true),
			RunAsGroup:               new(int64(ProxyUID)),
			RunAsNonRoot:             new(true),
			RunAsUser:                new(int64(ProxyUID)),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "workload-socket", MountPath: "/var/run/secrets/workload-spiffe-uds"},
			{Name: "credential-socket", MountPath: "/var/run/secrets/credential-uds"},
			{Name: "workload-certs", MountPath: "/var/run/secrets/workload-spiffe-credentials"},
			{Name: "istiod-ca-cert", MountPath: "/var/run/secrets/istio"},
			{Name: "istio-data", MountPath: "/var/lib/istio/data"},
			{Name: "istio-envoy", MountPath: "/etc/istio/proxy"},
			{Name: "istio-token", MountPath: "/var/run/secrets/tokens"},
			{Name: "istio-podinfo", MountPath: "/etc/istio/pod"},
		},
	}
}

func podPortsJSON(pod *corev1.Pod) string {
	var ports []corev1.ContainerPort
	for _, c := range pod.Spec.Containers {
		ports = append(ports, c.Ports...)
	}
	if len(ports) == 0 {
		return "[\n]"
	}
	raw, err := json.Marshal(ports)
	if err != nil {
		return "[\n]"
	}
	return string(raw)
}

func appContainerNames(pod *corev1.Pod) string {
	names := make([]string, 0, len(pod.Spec.Containers))
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	return strings.Join(names, ",")
}

func sidecarVolumeNames() []string {
	return []string{"workload-socket", "credential-socket", "workload-certs", "istio-envoy", "istio-data", "istio-podinfo", "istio-token", "istiod-ca-cert"}
}

func sidecarVolumes() []corev1.Volume {
	emptyDir := func(name string, medium corev1.StorageMedium) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: medium}}}
	}
	return []corev1.Volume{
		emptyDir("workload-socket", ""),
		emptyDir("credential-socket", ""),
		emptyDir("workload-certs", ""),
		emptyDir("istio-envoy", corev1.StorageMediumMemory),
		emptyDir("istio-data", ""),
		{Name: "istio-podinfo", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
			Items: []corev1.DownwardAPIVolumeFile{
				{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.labels"}},
				{Path: "annotations", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.annotations"}},
			},
		}}},
		{Name: "istio-token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
				Audience: "istio-ca", ExpirationSeconds: new(int64(43200)), Path: "istio-token",
			}}},
		}}},
		{Name: "istiod-ca-cert", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "istio-ca-root-cert"},
		}}},
	}
}
