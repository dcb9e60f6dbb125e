package model

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestValidatePod(t *testing.T) {
	t.Parallel()
	never := corev1.ContainerRestartPolicy("Never")
	probe := &corev1.Probe{}
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string // "" = valid
	}{
		{name: "plain", pod: newTestPod("d", "p")},
		{name: "init with readiness probe", pod: newTestPod("d", "p", withInit("a"), withInit("b"), func(p *corev1.Pod) {
			p.Spec.InitContainers[1].ReadinessProbe = probe
		}), want: "spec.initContainers[1].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"},
		{name: "init with every forbidden field", pod: newTestPod("d", "p", withInit("a"), func(p *corev1.Pod) {
			c := &p.Spec.InitContainers[0]
			c.Lifecycle, c.LivenessProbe, c.ReadinessProbe, c.StartupProbe = &corev1.Lifecycle{}, probe, probe, probe
		}), want: "[spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always, " +
			"spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always, " +
			"spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always, " +
			"spec.initContainers[0].startupProbe: Forbidden: may not be set for init containers without restartPolicy=Always]"},
		{name: "duplicate across lists", pod: newTestPod("d", "p", withInit("nginx")),
			want: `spec.initContainers[0].name: Duplicate value: "nginx"`},
		{name: "duplicate in containers", pod: newTestPod("d", "p", withContainer("nginx")),
			want: `spec.containers[1].name: Duplicate value: "nginx"`},
		{name: "empty image", pod: newTestPod("d", "p", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" }),
			want: "spec.containers[0].image: Required value"},
		{name: "no containers", pod: newTestPod("d", "p", func(p *corev1.Pod) { p.Spec.Containers = nil }),
			want: "spec.containers: Required value"},
		{name: "bad init restart policy", pod: newTestPod("d", "p", withInit("a"), func(p *corev1.Pod) { p.Spec.InitContainers[0].RestartPolicy = &never }),
			want: `spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"`},
		{name: "bad container name", pod: newTestPod("d", "p", func(p *corev1.Pod) { p.Spec.Containers[0].Name = "Web" }),
			want: `spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		// Found by the oracle's end-to-end tier: upstream's injector
		// rewrites app probes to status.sidecar.istio.io/port "0",
		// and the API server refuses the pod (message as a real
		// kube-apiserver 1.37 printed it).
		{name: "probe port zero", pod: newTestPod("d", "p", withContainer("logger"), func(p *corev1.Pod) {
			zero := intstr.FromInt32(0)
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/app-health/nginx/livez", Port: zero}}}
			p.Spec.Containers[0].StartupProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/app-health/nginx/startupz", Port: zero}}}
			p.Spec.Containers[1].ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: zero}}}
			p.Spec.Containers[1].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
		}), want: "[spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive, " +
			"spec.containers[0].startupProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive, " +
			"spec.containers[1].readinessProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive]"},
		{name: "bad pod restart policy", pod: newTestPod("d", "p", func(p *corev1.Pod) { p.Spec.RestartPolicy = "Sometimes" }),
			want: `spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidatePod(tt.pod)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ValidatePod = %v", err)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("ValidatePod\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
}

// TestLegacyWebhookBreaksNativeSidecar is B33 end to end: a legacy webhook
// drops the native sidecar's restartPolicy and the API server rejects the
// pod; traditional mode survives the same webhook.
func TestLegacyWebhookBreaksNativeSidecar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		enable  bool
		legacy  bool
		wantErr string
	}{
		{name: "native + legacy", enable: true, legacy: true,
			wantErr: `Pod "sleep" is invalid: [spec.initContainers[1].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always, spec.initContainers[1].startupProbe: Forbidden: may not be set for init containers without restartPolicy=Always]`},
		{name: "native + modern", enable: true},
		{name: "traditional + legacy", enable: false, legacy: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mesh := testMesh("1.22.2.35")
			mesh.EnableNativeSidecar = new(tt.enable)
			pod, _, err := InjectPod(newTestPod("default", "sleep"), InjectParams{Mesh: mesh, Cluster: testCluster("1.30")})
			if err != nil {
				t.Fatal(err)
			}
			pod = Webhook{Name: "logsidecar-injector", Legacy: tt.legacy}.Mutate(pod)
			errs := PodFieldErrors(pod)
			if tt.wantErr == "" {
				if len(errs) != 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				return
			}
			apiErr := apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, pod.Name, errs)
			if apiErr.Error() != tt.wantErr {
				t.Errorf("API error\n got: %s\nwant: %s", apiErr.Error(), tt.wantErr)
			}
			if got := PodInvalidMessage(pod.Name, ValidatePod(pod)); got != tt.wantErr {
				t.Errorf("PodInvalidMessage\n got: %s\nwant: %s", got, tt.wantErr)
			}
		})
	}
}
