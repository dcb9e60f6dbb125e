package model

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Each test below names a divergence between the istio profile and
// upstream Istio's injector that the oracle (oracle/) found or confirms
// gone; the expected values are upstream's, read from the injection
// template and pkg/kube/inject.

func istioMesh(version string) MeshConfig {
	return MeshConfig{Version: MustASMVersion(version), Profile: ProfileIstio}
}

func injectIstio(t *testing.T, pod *corev1.Pod, kube string) *corev1.Pod {
	t.Helper()
	out, _, err := InjectPod(pod, InjectParams{Mesh: istioMesh("1.28.0.0"), Cluster: testCluster(kube)})
	require.NoError(t, err)
	return out
}

func envValue(c *corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// Divergence 1: injectRequired's values depend on the Istio version.
func TestDivergenceInjectValuesByIstioVersion(t *testing.T) {
	t.Parallel()
	enabled := labelsOf(LabelInjection, "enabled")
	tests := []struct {
		name    string
		version string
		value   string
		want    bool
	}{
		{"1.26 yes injects", "1.26.0.0", "yes", true},
		{"1.26 no opts out", "1.26.0.0", "no", false},
		{"1.26 False opts out", "1.26.0.0", "False", false},
		{"1.27 no falls back to the namespace", "1.27.0.0", "no", true},
		{"1.27 False falls back to the namespace", "1.27.0.0", "False", true},
		{"1.27 false opts out", "1.27.0.0", "false", false},
		{"1.28 yes falls back to the namespace", "1.28.0.0", "yes", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pod := newTestPod("shop", "p", withAnnotation(LabelSidecarInject, tt.value))
			d := DecideInjection(InjectionRequest{NamespaceLabels: enabled, Pod: pod, Mesh: istioMesh(tt.version)})
			assert.Equal(t, tt.want, d.Inject, d.Reason)
		})
	}
}

// Divergence 2: a user's istio-proxy container is merged, not a reason to
// skip the pod.
func TestDivergenceUserProxyContainerMerged(t *testing.T) {
	t.Parallel()
	pod := newTestPod("shop", "p", func(p *corev1.Pod) {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: ProxyContainerName, Image: "auto",
			Ports: []corev1.ContainerPort{{Name: "extra", ContainerPort: 9999}}})
	})
	res, err := InjectorWebhook("").Admit(AdmissionRequest{Pod: pod, NamespaceLabels: labelsOf(LabelInjection, "enabled"),
		Mesh: istioMesh("1.28.0.0"), Cluster: testCluster("1.32")})
	require.NoError(t, err)
	out := res.Pod
	assert.Equal(t, []string{"nginx", ProxyContainerName}, containerNames(out.Spec.Containers))
	proxy := podContainer(out, ProxyContainerName)
	require.NotNil(t, proxy)
	assert.NotEqual(t, "auto", proxy.Image, "image auto keeps the injected image")
	assert.True(t, containsPort(proxy.Ports, 9999), "the user's port is kept")
	assert.True(t, containsPort(proxy.Ports, ProxyPrometheusPort), "the injected port is kept")
	assert.Contains(t, out.Annotations[AnnotationProxyOverrides], `"name":"istio-proxy"`)
}

// Divergence 3: app probes are rewritten to the agent, the originals kept
// in ISTIO_KUBE_APP_PROBERS with named ports resolved.
func TestDivergenceAppProbesRewrittenToAgent(t *testing.T) {
	t.Parallel()
	pod := newTestPod("shop", "p", func(p *corev1.Pod) {
		c := &p.Spec.Containers[0]
		c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}}}
		c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}}
		c.StartupProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
	})
	out := injectIstio(t, pod, "1.32")
	app := podContainer(out, "nginx")
	require.NotNil(t, app.ReadinessProbe.HTTPGet)
	assert.Equal(t, "/app-health/nginx/readyz", app.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, intstr.FromInt32(ProxyAgentPort), app.ReadinessProbe.HTTPGet.Port)
	require.NotNil(t, app.LivenessProbe.HTTPGet, "a TCP probe becomes an HTTP probe of the agent")
	assert.Nil(t, app.LivenessProbe.TCPSocket)
	assert.Equal(t, "/app-health/nginx/livez", app.LivenessProbe.HTTPGet.Path)
	assert.NotNil(t, app.StartupProbe.Exec, "exec probes are left alone")
	raw, ok := envValue(podContainer(out, ProxyContainerName), EnvKubeAppProbers)
	require.True(t, ok)
	var probers map[string]map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw), &probers))
	assert.Equal(t, float64(8080), probers["/app-health/nginx/readyz"]["httpGet"].(map[string]any)["port"], "named port resolved")
	assert.Contains(t, probers, "/app-health/nginx/livez")

	off := injectIstio(t, withAnnotationCopy(pod, AnnotationRewriteAppProbers, "false"), "1.32")
	assert.Equal(t, "/ready", podContainer(off, "nginx").ReadinessProbe.HTTPGet.Path)
}

func withAnnotationCopy(p *corev1.Pod, k, v string) *corev1.Pod {
	out := p.DeepCopy()
	withAnnotation(k, v)(out)
	return out
}

// Divergence 4: the native decision follows the template to the letter.
func TestDivergenceNativeDecisionFollowsTemplate(t *testing.T) {
	t.Parallel()
	on, off := true, false
	tests := []struct {
		name   string
		ann    string
		native *bool
		kube   string
		want   SidecarMode
	}{
		{"annotation no is not false, so native", "no", nil, "1.30", ModeNative},
		{"annotation True on old Kubernetes, no version check", "True", nil, "1.28", ModeNative},
		{"annotation false", "false", &on, "1.33", ModeTraditional},
		{"forced on with no version check", "", &on, "1.28", ModeNative},
		{"forced off", "", &off, "1.33", ModeTraditional},
		{"auto on 1.33", "", nil, "1.33", ModeNative},
		{"auto on 1.32", "", nil, "1.32", ModeTraditional},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pod := newTestPod("shop", "p")
			if tt.ann != "" {
				withAnnotation(AnnotationNativeSidecar, tt.ann)(pod)
			}
			mesh := istioMesh("1.28.0.0")
			mesh.EnableNativeSidecar = tt.native
			assert.Equal(t, tt.want, DecideSidecarMode(pod, mesh, testCluster(tt.kube)).Mode)
		})
	}
}

// Divergence 5: Prometheus merge and the user's tlsMode.
func TestDivergencePrometheusMergeAndTLSMode(t *testing.T) {
	t.Parallel()
	pod := newTestPod("shop", "p", withAnnotation(AnnotationPrometheusPort, "9090"), withAnnotation(AnnotationPrometheusPath, "/metrics"),
		withLabel(LabelTLSMode, "disabled"))
	out := injectIstio(t, pod, "1.32")
	assert.Equal(t, "15020", out.Annotations[AnnotationPrometheusPort])
	assert.Equal(t, "/stats/prometheus", out.Annotations[AnnotationPrometheusPath])
	assert.Equal(t, "true", out.Annotations[AnnotationPrometheusScrape])
	raw, ok := envValue(podContainer(out, ProxyContainerName), EnvPrometheusAnnotations)
	require.True(t, ok)
	assert.JSONEq(t, `{"scrape":"","path":"/metrics","port":"9090"}`, raw)
	assert.Equal(t, "disabled", out.Labels[LabelTLSMode])

	skipped := injectIstio(t, newTestPod("shop", "p", withAnnotation(AnnotationPrometheusScrape, "false")), "1.32")
	assert.Equal(t, "false", skipped.Annotations[AnnotationPrometheusScrape])
	assert.NotContains(t, skipped.Annotations, AnnotationPrometheusPort)
}

// Divergence 6: startupProbe on the proxy in both modes, and the native
// proxy's preStop drain.
func TestDivergenceProxyStartupProbeAndNativePreStop(t *testing.T) {
	t.Parallel()
	trad := podContainer(injectIstio(t, newTestPod("shop", "p"), "1.32"), ProxyContainerName)
	require.NotNil(t, trad.StartupProbe)
	assert.Equal(t, int32(600), trad.StartupProbe.FailureThreshold)
	assert.Nil(t, trad.Lifecycle)
	native := podContainer(injectIstio(t, newTestPod("shop", "p"), "1.33"), ProxyContainerName)
	require.NotNil(t, native.StartupProbe)
	require.NotNil(t, native.Lifecycle)
	require.NotNil(t, native.Lifecycle.PreStop)
	assert.Equal(t, []string{"pilot-agent", "request", "--debug-port=15020", "POST", "drain"}, native.Lifecycle.PreStop.Exec.Command)
}

// Divergence 8: what ordinary manifests showed: the istio-ca-crl volume,
// canonical-name cut to 63, interceptionMode NONE without istio-init, a
// status port of 0 without proxy probes, and proxyCPU alone as the
// proxy's resources.
func TestDivergenceOrdinaryManifests(t *testing.T) {
	t.Parallel()
	out := injectIstio(t, newTestPod("shop", "p", withLabel("app", strings.Repeat("a", 62)+"-tail")), "1.32")
	assert.Contains(t, volumeNames(out), volumeCACRL)
	var mounted bool
	for _, m := range podContainer(out, ProxyContainerName).VolumeMounts {
		mounted = mounted || m.Name == volumeCACRL
	}
	assert.True(t, mounted)
	assert.Equal(t, strings.Repeat("a", 62), out.Labels[LabelCanonicalName], "cut to 63, trailing '-' trimmed")

	none := injectIstio(t, newTestPod("shop", "p", withAnnotation(AnnotationInterceptionMode, "NONE")), "1.32")
	assert.Empty(t, none.Spec.InitContainers)

	zero := podContainer(injectIstio(t, newTestPod("shop", "p", withAnnotation(AnnotationStatusPort, "0")), "1.32"), ProxyContainerName)
	assert.Nil(t, zero.ReadinessProbe)
	assert.Nil(t, zero.StartupProbe)

	cpu := podContainer(injectIstio(t, newTestPod("shop", "p", withAnnotation(AnnotationProxyCPU, "200m")), "1.32"), ProxyContainerName)
	assert.Equal(t, "200m", cpu.Resources.Requests.Cpu().String())
	assert.Empty(t, cpu.Resources.Limits)
}

func volumeNames(p *corev1.Pod) []string {
	var out []string
	for _, v := range p.Spec.Volumes {
		out = append(out, v.Name)
	}
	return out
}

// Found by the oracle: prometheus.istio.io/merge-metrics=false, the
// readiness.status.sidecar.istio.io/* annotations, userVolume and
// userVolumeMount, and app lifecycle hooks handed to the agent.
func TestDivergenceOracleFoundAnnotations(t *testing.T) {
	t.Parallel()
	noMerge := injectIstio(t, newTestPod("shop", "p", withAnnotation(AnnotationPrometheusMergeMetrics, "false"), withAnnotation(AnnotationPrometheusPort, "9090")), "1.32")
	assert.Equal(t, "9090", noMerge.Annotations[AnnotationPrometheusPort])

	period := podContainer(injectIstio(t, newTestPod("shop", "p", withAnnotation(annotationReadinessPrefix+"periodSeconds", "5")), "1.32"), ProxyContainerName)
	assert.Equal(t, int32(5), period.ReadinessProbe.PeriodSeconds)

	vols := injectIstio(t, newTestPod("shop", "p", withAnnotation(AnnotationUserVolume, `{"cache":{"emptyDir":{}}}`),
		withAnnotation(AnnotationUserVolumeMount, `{"cache":{"mountPath":"/cache"}}`)), "1.32")
	assert.Contains(t, volumeNames(vols), "cache")
	var mount string
	for _, m := range podContainer(vols, ProxyContainerName).VolumeMounts {
		if m.Name == "cache" {
			mount = m.MountPath
		}
	}
	assert.Equal(t, "/cache", mount)

	hook := injectIstio(t, newTestPod("shop", "p", func(p *corev1.Pod) {
		p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/shutdown", Port: intstr.FromInt32(8080)}}}
	}), "1.32")
	assert.Equal(t, "/app-lifecycle/nginx/prestopz", podContainer(hook, "nginx").Lifecycle.PreStop.HTTPGet.Path)
	raw, _ := envValue(podContainer(hook, ProxyContainerName), EnvKubeAppProbers)
	assert.Contains(t, raw, `"/app-lifecycle/nginx/prestopz"`)
}

// Divergence 8, inject.istio.io/templates: grpc-agent: pilot-agent without
// Envoy among the containers whatever the native settings, no istio-init,
// its readiness probe on the agent's port, no startup probe, app probes
// not rewritten, every app container recorded in proxy.istio.io/overrides
// and listed in the status, the canonical name not cut.
func TestDivergenceGRPCAgentTemplate(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 70)
	pod := newTestPod("shop", "p", withAnnotation(AnnotationInjectTemplates, TemplateGRPCAgent), withLabel("app", long),
		withAnnotation(AnnotationNativeSidecar, "true"), withInit("setup"), func(p *corev1.Pod) {
			p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8080)}}}
		})
	out, mode, err := InjectPod(pod, InjectParams{Mesh: istioMesh("1.28.0.0"), Cluster: testCluster("1.33")})
	require.NoError(t, err)
	assert.Equal(t, ModeTraditional, mode.Mode)
	assert.Equal(t, []string{"setup"}, containerNames(out.Spec.InitContainers))
	assert.Equal(t, []string{"nginx", ProxyContainerName}, containerNames(out.Spec.Containers))
	proxy := podContainer(out, ProxyContainerName)
	require.NotNil(t, proxy.ReadinessProbe)
	assert.Equal(t, intstr.FromInt32(ProxyAgentPort), proxy.ReadinessProbe.HTTPGet.Port)
	assert.Nil(t, proxy.StartupProbe)
	assert.Equal(t, []string{"pilot-agent", "wait", "--url=http://localhost:15020/healthz/ready"}, proxy.Lifecycle.PostStart.Exec.Command)
	assert.Equal(t, "/ready", podContainer(out, "nginx").ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, "false", out.Annotations[AnnotationRewriteAppProbers])
	assert.Equal(t, long, out.Labels[LabelCanonicalName])
	assert.NotContains(t, out.Labels, LabelTLSMode)
	assert.Contains(t, volumeNames(out), "istio-xds")
	assert.NotContains(t, volumeNames(out), volumeCACRL)
	var status sidecarStatus
	require.NoError(t, json.Unmarshal([]byte(out.Annotations[AnnotationSidecarStatus]), &status))
	assert.Equal(t, []string{ProxyContainerName, "nginx"}, status.Containers)
	assert.Empty(t, status.InitContainers)
	assert.Contains(t, out.Annotations[AnnotationProxyOverrides], `"name":"nginx"`)

	zero := podContainer(injectIstio(t, withAnnotationCopy(pod, AnnotationStatusPort, "0"), "1.33"), ProxyContainerName)
	assert.Nil(t, zero.ReadinessProbe, "status port 0: no probe, no resources, no mounts")
	assert.Empty(t, zero.VolumeMounts)
}

// Divergence 8, inject.istio.io/templates: grpc-simple: no proxy at all,
// grpc-bootstrap-init before the pod's own init containers, prometheus.io/*
// still pointed at the agent's port, no labels and no istio.io/rev added.
func TestDivergenceGRPCSimpleTemplate(t *testing.T) {
	t.Parallel()
	pod := newTestPod("shop", "p", withAnnotation(AnnotationInjectTemplates, TemplateGRPCSimple), withInit("setup"),
		withAnnotation(AnnotationPrometheusPort, "9090"))
	out, mode, err := InjectPod(pod, InjectParams{Mesh: istioMesh("1.28.0.0"), Cluster: testCluster("1.33")})
	require.NoError(t, err)
	assert.Equal(t, ModeProxyless, mode.Mode)
	assert.Equal(t, []string{GRPCBootstrapInitName, "setup"}, containerNames(out.Spec.InitContainers))
	assert.Equal(t, []string{"nginx"}, containerNames(out.Spec.Containers))
	assert.Equal(t, "15020", out.Annotations[AnnotationPrometheusPort])
	assert.NotContains(t, out.Annotations, LabelRevision)
	assert.NotContains(t, out.Labels, LabelCanonicalName)
	var status sidecarStatus
	require.NoError(t, json.Unmarshal([]byte(out.Annotations[AnnotationSidecarStatus]), &status))
	assert.Equal(t, []string{GRPCBootstrapInitName}, status.InitContainers)
	assert.Equal(t, []string{"nginx"}, status.Containers)

	_, _, err = InjectPod(withAnnotationCopy(pod, AnnotationInjectTemplates, "grpc"), InjectParams{Mesh: istioMesh("1.28.0.0"), Cluster: testCluster("1.33")})
	require.ErrorContains(t, err, `requested template "grpc" not found`)
}

// Divergence 8: invalid traffic.sidecar.istio.io/* values (and the other
// annotations upstream's injector checks) refuse the pod, as upstream's
// validateAnnotations does before any template runs.
func TestDivergenceInvalidInjectAnnotationsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, value, wantErr string
	}{
		{"traffic.sidecar.istio.io/includeInboundPorts", "*", ""},
		{"traffic.sidecar.istio.io/includeInboundPorts", "http", "invalid value 'http' for annotation 'traffic.sidecar.istio.io/includeInboundPorts': failed parsing port 'http'"},
		{"traffic.sidecar.istio.io/excludeOutboundPorts", "3306,70000", "failed parsing port '70000'"},
		{"traffic.sidecar.istio.io/includeOutboundIPRanges", "10.0.0.1", "failed parsing cidr '10.0.0.1'"},
		{"traffic.sidecar.istio.io/excludeInterfaces", "0eth", `interface name "0eth" contains invalid characters`},
		{AnnotationInterceptionMode, "none", "interceptionMode invalid, use REDIRECT,TPROXY,NONE: none"},
		{AnnotationStatusPort, "port", "failed parsing port 'port'"},
		{AnnotationProxyMemory, "lots", "invalid value 'lots' for annotation 'sidecar.istio.io/proxyMemory'"},
		{AnnotationPrometheusMergeMetrics, "maybe", "invalid value 'maybe' for annotation 'prometheus.istio.io/merge-metrics'"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			_, _, err := InjectPod(newTestPod("shop", "p", withAnnotation(tt.key, tt.value)), InjectParams{Mesh: istioMesh("1.28.0.0"), Cluster: testCluster("1.33")})
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
