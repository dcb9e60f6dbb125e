package model

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func containerNames(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func findContainer(cs []corev1.Container, name string) *corev1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

func TestInjectPodLayout(t *testing.T) {
	t.Parallel()
	hold := withAnnotation(AnnotationProxyConfig, "holdApplicationUntilProxyStarts: true\n")
	tests := []struct {
		name           string
		pod            *corev1.Pod
		enable         *bool
		kube           string
		wantMode       SidecarMode
		wantInits      []string
		wantContainers []string
		wantStatus     string
		wantPostStart  bool
	}{
		{
			name: "native", pod: newTestPod("demo", "sleep", withInit("setup")), kube: "1.30",
			wantMode:       ModeNative,
			wantInits:      []string{InitContainerName, ProxyContainerName, "setup"},
			wantContainers: []string{"nginx"},
			wantStatus:     `{"initContainers":["istio-init","istio-proxy"],"containers":null,"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}`,
		},
		{
			name: "traditional appends the proxy", pod: newTestPod("demo", "sleep", withInit("setup"), withContainer("helper")),
			enable: new(false), kube: "1.30",
			wantMode:       ModeTraditional,
			wantInits:      []string{InitContainerName, "setup"},
			wantContainers: []string{"nginx", "helper", ProxyContainerName},
			wantStatus:     `{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}`,
		},
		{
			name: "traditional with hold puts the proxy first", pod: newTestPod("demo", "sleep", hold),
			kube: "1.29", wantMode: ModeTraditional,
			wantInits:      []string{InitContainerName},
			wantContainers: []string{ProxyContainerName, "nginx"},
			wantPostStart:  true,
		},
		{
			name: "native ignores hold", pod: newTestPod("demo", "sleep", withAnnotation(AnnotationProxyConfig, `{"holdApplicationUntilProxyStarts": true}`)),
			kube: "1.31", wantMode: ModeNative,
			wantInits:      []string{InitContainerName, ProxyContainerName},
			wantContainers: []string{"nginx"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := tt.pod.DeepCopy()
			mesh := testMesh("1.22.2.35")
			mesh.EnableNativeSidecar = tt.enable
			got, mode, err := InjectPod(tt.pod, InjectParams{Mesh: mesh, Cluster: testCluster(tt.kube)})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(before, tt.pod) {
				t.Fatal("InjectPod modified its input")
			}
			if mode.Mode != tt.wantMode {
				t.Fatalf("mode = %s (%s), want %s", mode.Mode, mode.Reason, tt.wantMode)
			}
			if g := containerNames(got.Spec.InitContainers); !reflect.DeepEqual(g, tt.wantInits) {
				t.Errorf("initContainers = %v, want %v", g, tt.wantInits)
			}
			if g := containerNames(got.Spec.Containers); !reflect.DeepEqual(g, tt.wantContainers) {
				t.Errorf("containers = %v, want %v", g, tt.wantContainers)
			}
			if tt.wantStatus != "" && got.Annotations[AnnotationSidecarStatus] != tt.wantStatus {
				t.Errorf("status annotation\n got: %s\nwant: %s", got.Annotations[AnnotationSidecarStatus], tt.wantStatus)
			}
			var st map[string]any
			if err := json.Unmarshal([]byte(got.Annotations[AnnotationSidecarStatus]), &st); err != nil {
				t.Errorf("status annotation is not JSON: %v", err)
			}
			proxy := findContainer(got.Spec.InitContainers, ProxyContainerName)
			if tt.wantMode == ModeTraditional {
				proxy = findContainer(got.Spec.Containers, ProxyContainerName)
				if proxy.RestartPolicy != nil {
					t.Error("traditional proxy has a restartPolicy")
				}
			} else if proxy.RestartPolicy == nil || *proxy.RestartPolicy != corev1.ContainerRestartPolicyAlways {
				t.Error("native proxy lacks restartPolicy: Always")
			}
			if (proxy.Lifecycle != nil && proxy.Lifecycle.PostStart != nil) != tt.wantPostStart {
				t.Errorf("postStart hook present = %v, want %v", proxy.Lifecycle != nil, tt.wantPostStart)
			}
			checkProxyContainer(t, proxy)
			if err := ValidatePod(got); err != nil {
				t.Errorf("injected pod is invalid: %v", err)
			}
			if !IsInjected(got) {
				t.Error("IsInjected(injected) = false")
			}
		})
	}
}

func checkProxyContainer(t *testing.T, proxy *corev1.Container) {
	t.Helper()
	wantImage := "registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2:v1.22.2.35-ge64ec8af-aliyun"
	if proxy.Image != wantImage {
		t.Errorf("image = %q, want %q", proxy.Image, wantImage)
	}
	if len(proxy.Args) < 2 || proxy.Args[0] != "proxy" || proxy.Args[1] != "sidecar" {
		t.Errorf("args = %v", proxy.Args)
	}
	want := corev1.ContainerPort{ContainerPort: 15090, Name: "http-envoy-prom", Protocol: corev1.ProtocolTCP}
	if len(proxy.Ports) != 1 || proxy.Ports[0] != want {
		t.Errorf("ports = %+v", proxy.Ports)
	}
	rp := proxy.ReadinessProbe
	if rp == nil || rp.HTTPGet == nil || rp.HTTPGet.Path != "/healthz/ready" || rp.HTTPGet.Port.IntValue() != 15021 {
		t.Errorf("readinessProbe = %+v", rp)
	}
	if proxy.Resources.Requests.Cpu().String() != "100m" {
		t.Errorf("cpu request = %s", proxy.Resources.Requests.Cpu())
	}
}

func TestInjectPodMetadata(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		pod          *corev1.Pod
		revision     string
		wantName     string
		wantRevision string
		wantRev      string
	}{
		{name: "deployment pod", pod: newTestPod("demo", "web-6b7d8f9c4d-abc12", ownedByDeployment("web")), wantName: "web", wantRevision: "latest", wantRev: "default"},
		{name: "app label", pod: newTestPod("demo", "x", withLabel("app", "reviews"), withLabel("version", "v2")), wantName: "reviews", wantRevision: "v2", wantRev: "default"},
		{name: "k8s recommended labels win", pod: newTestPod("demo", "x", withLabel("app", "a"), withLabel("app.kubernetes.io/name", "b"), withLabel("app.kubernetes.io/version", "1.0")),
			wantName: "b", wantRevision: "1.0", wantRev: "default"},
		{name: "explicit canonical labels kept", pod: newTestPod("demo", "x", withLabel(LabelCanonicalName, "mine"), withLabel("app", "a")), wantName: "mine", wantRevision: "latest", wantRev: "default"},
		{name: "revision", pod: newTestPod("demo", "nginx"), revision: "canary", wantName: "nginx", wantRevision: "latest", wantRev: "canary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, err := InjectPod(tt.pod, InjectParams{Mesh: testMesh("1.22.2.35"), Cluster: testCluster("1.30"), Revision: tt.revision})
			if err != nil {
				t.Fatal(err)
			}
			l := got.Labels
			if l[LabelTLSMode] != "istio" || l[LabelCanonicalName] != tt.wantName || l[LabelCanonicalRevision] != tt.wantRevision {
				t.Errorf("labels = %v", l)
			}
			var st sidecarStatus
			if err := json.Unmarshal([]byte(got.Annotations[AnnotationSidecarStatus]), &st); err != nil {
				t.Fatal(err)
			}
			if st.Revision != tt.wantRev {
				t.Errorf("status revision = %q, want %q", st.Revision, tt.wantRev)
			}
			if got.Annotations[AnnotationDefaultContainer] != "nginx" {
				t.Errorf("default container = %q", got.Annotations[AnnotationDefaultContainer])
			}
		})
	}
}

func TestInjectPodAlreadyInjected(t *testing.T) {
	t.Parallel()
	p := InjectParams{Mesh: testMesh("1.22.2.35"), Cluster: testCluster("1.30")}
	once, _, err := InjectPod(newTestPod("demo", "nginx"), p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pod  *corev1.Pod
	}{
		{name: "injected", pod: once},
		{name: "proxy container only", pod: newTestPod("demo", "nginx", withContainer(ProxyContainerName))},
		{name: "status annotation only", pod: newTestPod("demo", "nginx", withAnnotation(AnnotationSidecarStatus, "{}"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := InjectPod(tt.pod, p)
			if err == nil || !strings.Contains(err.Error(), `inject sidecar into pod "demo/nginx": already injected`) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestStripInjection(t *testing.T) {
	t.Parallel()
	hold := withAnnotation(AnnotationProxyConfig, "holdApplicationUntilProxyStarts: true\n")
	native := InjectParams{Mesh: testMesh("1.22.2.35"), Cluster: testCluster("1.30")}
	traditional := native
	traditional.Mesh.EnableNativeSidecar = new(false)
	withVolume := func(name string) podOpt {
		return func(p *corev1.Pod) { p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: name}) }
	}
	tests := []struct {
		name   string
		pod    *corev1.Pod
		params InjectParams
	}{
		{name: "native", pod: newTestPod("demo", "sleep", withInit("setup"), withContainer("helper")), params: native},
		{name: "traditional", pod: newTestPod("demo", "sleep", withInit("setup"), withVolume("data")), params: traditional},
		{name: "traditional with hold", pod: newTestPod("demo", "sleep", hold), params: traditional},
		{name: "revision", pod: newTestPod("demo", "sleep", withLabel(LabelRevision, "canary")), params: InjectParams{Mesh: native.Mesh, Cluster: native.Cluster, Revision: "canary"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			injected, _, err := InjectPod(tt.pod, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			before := injected.DeepCopy()
			got := StripInjection(injected)
			if !reflect.DeepEqual(before, injected) {
				t.Fatal("StripInjection modified its input")
			}
			if IsInjected(got) {
				t.Fatalf("stripped pod is still injected: inits %v, containers %v, annotations %v",
					containerNames(got.Spec.InitContainers), containerNames(got.Spec.Containers), got.Annotations)
			}
			if !reflect.DeepEqual(got.Spec.InitContainers, tt.pod.Spec.InitContainers) ||
				!reflect.DeepEqual(got.Spec.Containers, tt.pod.Spec.Containers) ||
				!reflect.DeepEqual(got.Spec.Volumes, tt.pod.Spec.Volumes) {
				t.Errorf("stripped spec differs from the original:\n inits %v, want %v\n containers %v, want %v\n volumes %v, want %v",
					containerNames(got.Spec.InitContainers), containerNames(tt.pod.Spec.InitContainers),
					containerNames(got.Spec.Containers), containerNames(tt.pod.Spec.Containers),
					got.Spec.Volumes, tt.pod.Spec.Volumes)
			}
			// Injecting the stripped pod again gives what injecting the
			// original gives.
			again, _, err := InjectPod(got, tt.params)
			if err != nil {
				t.Fatalf("re-inject: %v", err)
			}
			if !reflect.DeepEqual(again.Spec, injected.Spec) {
				t.Errorf("re-injected spec differs:\n inits %v, want %v\n containers %v, want %v",
					containerNames(again.Spec.InitContainers), containerNames(injected.Spec.InitContainers),
					containerNames(again.Spec.Containers), containerNames(injected.Spec.Containers))
			}
			if again.Annotations[AnnotationSidecarStatus] != injected.Annotations[AnnotationSidecarStatus] {
				t.Errorf("status annotation %s, want %s", again.Annotations[AnnotationSidecarStatus], injected.Annotations[AnnotationSidecarStatus])
			}
		})
	}
}

func TestStripInjectionThenOtherMode(t *testing.T) {
	t.Parallel()
	native := InjectParams{Mesh: testMesh("1.22.2.35"), Cluster: testCluster("1.30")}
	traditional := native
	traditional.Mesh.EnableNativeSidecar = new(false)
	pod := newTestPod("demo", "sleep", withInit("setup"))
	first, mode, err := InjectPod(pod, native)
	if err != nil || mode.Mode != ModeNative {
		t.Fatalf("first injection: mode %s, err %v", mode.Mode, err)
	}
	again, mode, err := InjectPod(StripInjection(first), traditional)
	if err != nil || mode.Mode != ModeTraditional {
		t.Fatalf("re-injection: mode %s, err %v", mode.Mode, err)
	}
	if g, want := containerNames(again.Spec.InitContainers), []string{InitContainerName, "setup"}; !reflect.DeepEqual(g, want) {
		t.Errorf("initContainers = %v, want %v", g, want)
	}
	if g, want := containerNames(again.Spec.Containers), []string{"nginx", ProxyContainerName}; !reflect.DeepEqual(g, want) {
		t.Errorf("containers = %v, want %v", g, want)
	}
	if n := len(again.Spec.Volumes); n != len(sidecarVolumeNames()) {
		t.Errorf("%d volumes, want %d", n, len(sidecarVolumeNames()))
	}
	if err := ValidatePod(again); err != nil {
		t.Errorf("re-injected pod is invalid: %v", err)
	}
}

func TestStripInjectionEdgeCases(t *testing.T) {
	t.Parallel()
	if StripInjection(nil) != nil {
		t.Error("StripInjection(nil) != nil")
	}
	t.Run("not injected", func(t *testing.T) {
		t.Parallel()
		pod := newTestPod("demo", "p", withInit("setup"))
		got := StripInjection(pod)
		if got == pod || !reflect.DeepEqual(got, pod) {
			t.Error("want an equal copy")
		}
	})
	t.Run("unlisted proxy is kept", func(t *testing.T) {
		t.Parallel()
		pod := newTestPod("demo", "p", withContainer(ProxyContainerName),
			withAnnotation(AnnotationSidecarStatus, `{"initContainers":["istio-init"],"containers":null,"volumes":null}`))
		got := StripInjection(pod)
		if g := containerNames(got.Spec.Containers); !reflect.DeepEqual(g, []string{"nginx", ProxyContainerName}) {
			t.Errorf("containers = %v", g)
		}
		if _, ok := got.Annotations[AnnotationSidecarStatus]; ok {
			t.Error("status annotation kept")
		}
		if !IsInjected(got) {
			t.Error("a hand-made istio-proxy must still count as injected")
		}
	})
	t.Run("unreadable annotation", func(t *testing.T) {
		t.Parallel()
		pod := newTestPod("demo", "p", withAnnotation(AnnotationSidecarStatus, "not json"), withAnnotation("keep", "me"))
		got := StripInjection(pod)
		if _, ok := got.Annotations[AnnotationSidecarStatus]; ok || got.Annotations["keep"] != "me" {
			t.Errorf("annotations = %v", got.Annotations)
		}
		if !reflect.DeepEqual(got.Spec, pod.Spec) {
			t.Error("spec changed")
		}
	})
}

func TestInjectPodReplacesSameNamedVolumes(t *testing.T) {
	t.Parallel()
	pod := newTestPod("demo", "p", func(p *corev1.Pod) {
		p.Spec.Volumes = []corev1.Volume{{Name: "data"}, {Name: "istio-data"}}
	})
	got, _, err := InjectPod(pod, InjectParams{Mesh: testMesh("1.22.2.35"), Cluster: testCluster("1.30")})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, v := range got.Spec.Volumes {
		seen[v.Name]++
	}
	if seen["data"] != 1 || seen["istio-data"] != 1 || len(got.Spec.Volumes) != 1+len(sidecarVolumeNames()) {
		t.Errorf("volumes = %v", seen)
	}
	if err := ValidatePod(got); err != nil {
		t.Error(err)
	}
}

func TestInjectPodDeterministic(t *testing.T) {
	t.Parallel()
	p := InjectParams{Mesh: testMesh("1.22.2.35"), Cluster: testCluster("1.30")}
	a, _, errA := InjectPod(newTestPod("demo", "nginx"), p)
	b, _, errB := InjectPod(newTestPod("demo", "nginx"), p)
	if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
		t.Fatal("two injections of the same pod differ")
	}
}

func TestProxyImage(t *testing.T) {
	t.Parallel()
	tests := []struct{ version, want string }{
		{"1.22.2.35", "registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2:v1.22.2.35-ge64ec8af-aliyun"},
		{"1.23.1.10", "registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2:v1.23.1.10-aliyun"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			t.Parallel()
			if got := ProxyImage(MustASMVersion(tt.version)); got != tt.want {
				t.Fatalf("ProxyImage = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHoldsApplication(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg  string
		want bool
	}{
		{"holdApplicationUntilProxyStarts: true", true},
		{"holdApplicationUntilProxyStarts:true\n", true},
		{`{"holdApplicationUntilProxyStarts": true}`, true},
		{`{ "holdApplicationUntilProxyStarts" : "true" }`, true},
		{"holdApplicationUntilProxyStarts: false", false},
		{"concurrency: 2\nholdApplicationUntilProxyStarts: true", true},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.cfg, func(t *testing.T) {
			t.Parallel()
			if got := HoldsApplication(newTestPod("d", "p", withAnnotation(AnnotationProxyConfig, tt.cfg))); got != tt.want {
				t.Fatalf("HoldsApplication(%q) = %v", tt.cfg, got)
			}
		})
	}
}

func TestWorkloadName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"deployment", newTestPod("d", "web-6b7d8f9c4d-x", ownedByDeployment("web")), "web"},
		{"bare pod", newTestPod("d", "nginx"), "nginx"},
		{"generate name", newTestPod("d", "", func(p *corev1.Pod) { p.GenerateName = "job-" }), "job"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := WorkloadName(tt.pod); got != tt.want {
				t.Fatalf("WorkloadName = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTraditionalInitOrderFollowsTheProfile(t *testing.T) {
	t.Parallel()
	off := false
	pod := newTestPod("demo", "web", func(p *corev1.Pod) {
		p.Spec.InitContainers = []corev1.Container{{Name: "fetch-config", Image: "busybox"}}
	})
	tests := []struct {
		profile Profile
		want    []string
		noNet   bool
	}{
		{profile: ProfileASM, want: []string{InitContainerName, "fetch-config"}, noNet: true},
		{profile: ProfileIstio, want: []string{"fetch-config", InitContainerName}, noNet: false},
	}
	for _, tt := range tests {
		t.Run(string(tt.profile), func(t *testing.T) {
			t.Parallel()
			out, _, err := InjectPod(pod, InjectParams{
				Mesh:    MeshConfig{Version: MustASMVersion("1.27.0.0"), Profile: tt.profile, EnableNativeSidecar: &off},
				Cluster: ClusterInfo{Name: "c1", KubeVersion: MustKubeVersion("1.30")},
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range out.Spec.InitContainers {
				got = append(got, c.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("init containers %v, want %v", got, tt.want)
			}
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			_, notes := PodStatusAt(out, start, start.Add(time.Minute), DefaultTiming(), false)
			noNet := false
			for _, n := range notes {
				if n.Reason == NoteNoNetwork && n.Container == "fetch-config" {
					noNet = true
				}
			}
			if noNet != tt.noNet {
				t.Errorf("fetch-config without network: %v, want %v (notes %+v)", noNet, tt.noNet, notes)
			}
		})
	}
}
