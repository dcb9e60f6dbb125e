package model

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestDecideSidecarMode(t *testing.T) {
	t.Parallel()
	on, off := new(true), new(false)
	nativeAnn := func(v string) *corev1.Pod { return newTestPod("demo", "p", withAnnotation(AnnotationNativeSidecar, v)) }
	plain := newTestPod("demo", "p")
	gates := func(v bool) map[string]bool { return map[string]bool{FeatureGateSidecarContainers: v} }
	tests := []struct {
		name       string
		pod        *corev1.Pod
		version    string
		profile    Profile
		enable     *bool
		kube       string
		gates      map[string]bool
		wantMode   SidecarMode
		wantRule   string
		wantReason string // substring
	}{
		{name: "asm default native", pod: plain, version: "1.22.2.35", kube: "1.30", wantMode: ModeNative, wantRule: ModeRuleASMDefault},
		{name: "asm default native on 1.22.0.0", pod: plain, version: "1.22.0.0", kube: "1.31", wantMode: ModeNative, wantRule: ModeRuleASMDefault},
		{name: "asm too old", pod: plain, version: "1.21.6.99", kube: "1.30", wantMode: ModeTraditional, wantRule: ModeRuleASMDefault,
			wantReason: "ASM 1.21.6.99 on Kubernetes 1.30 does not default to native sidecars"},
		{name: "kube 1.29 under asm default", pod: plain, version: "1.22.2.35", kube: "1.29", wantMode: ModeTraditional, wantRule: ModeRuleASMDefault},
		{name: "empty profile is asm", pod: plain, version: "1.22.2.35", profile: "", kube: "1.30", wantMode: ModeNative, wantRule: ModeRuleASMDefault},
		{name: "asm default, gate off on 1.30", pod: plain, version: "1.22.2.35", kube: "1.30", gates: gates(false),
			wantMode: ModeTraditional, wantRule: ModeRuleFeatureGateOff, wantReason: "the SidecarContainers feature gate is turned off on Kubernetes 1.30"},
		{name: "istio default 1.33", pod: plain, version: "1.27.0.0", profile: ProfileIstio, kube: "1.33", wantMode: ModeNative, wantRule: ModeRuleIstioDefault},
		{name: "istio default 1.32", pod: plain, version: "1.27.0.0", profile: ProfileIstio, kube: "1.32", wantMode: ModeTraditional, wantRule: ModeRuleIstioDefault},
		{name: "istio 1.26 stays traditional on 1.33", pod: plain, version: "1.26.3.0", profile: ProfileIstio, kube: "1.33", wantMode: ModeTraditional, wantRule: ModeRuleIstioDefault,
			wantReason: "older than 1.27"},
		{name: "meshconfig false", pod: plain, version: "1.22.2.35", enable: off, kube: "1.30", wantMode: ModeTraditional, wantRule: ModeRuleMeshConfig,
			wantReason: "the mesh config sets enableNativeSidecar=false"},
		{name: "meshconfig true on old asm", pod: plain, version: "1.18.0.1", enable: on, kube: "1.29", wantMode: ModeNative, wantRule: ModeRuleMeshConfig},
		{name: "meshconfig true, kube 1.27", pod: plain, version: "1.22.2.35", enable: on, kube: "1.27",
			wantMode: ModeTraditional, wantRule: ModeRuleKubernetesTooOld, wantReason: "the mesh config's enableNativeSidecar=true asks for a native sidecar, but Kubernetes 1.27 has no sidecar containers"},
		{name: "annotation true beats meshconfig false", pod: nativeAnn("true"), version: "1.22.2.35", enable: off, kube: "1.30",
			wantMode: ModeNative, wantRule: ModeRulePodAnnotation},
		{name: "annotation false beats meshconfig true", pod: nativeAnn("false"), version: "1.22.2.35", enable: on, kube: "1.33",
			wantMode: ModeTraditional, wantRule: ModeRulePodAnnotation},
		{name: "annotation false beats asm default", pod: nativeAnn("false"), version: "1.22.2.35", kube: "1.30",
			wantMode: ModeTraditional, wantRule: ModeRulePodAnnotation},
		{name: "annotation other value ignored", pod: nativeAnn("yes"), version: "1.22.2.35", kube: "1.30",
			wantMode: ModeNative, wantRule: ModeRuleASMDefault},
		{name: "annotation true, kube 1.28 gate unset", pod: nativeAnn("true"), version: "1.22.2.35", kube: "1.28",
			wantMode: ModeTraditional, wantRule: ModeRuleFeatureGateOff, wantReason: "needs the SidecarContainers feature gate turned on"},
		{name: "annotation true, kube 1.28 gate on", pod: nativeAnn("true"), version: "1.22.2.35", kube: "1.28", gates: gates(true),
			wantMode: ModeNative, wantRule: ModeRulePodAnnotation},
		{name: "annotation true, kube 1.29 default gate", pod: nativeAnn("true"), version: "1.22.2.35", kube: "1.29",
			wantMode: ModeNative, wantRule: ModeRulePodAnnotation},
		{name: "annotation true, kube 1.32 gate off", pod: nativeAnn("true"), version: "1.22.2.35", kube: "1.32", gates: gates(false),
			wantMode: ModeTraditional, wantRule: ModeRuleFeatureGateOff},
		{name: "annotation true, kube 1.33 gate off is GA", pod: nativeAnn("true"), version: "1.22.2.35", kube: "1.33", gates: gates(false),
			wantMode: ModeNative, wantRule: ModeRulePodAnnotation},
		{name: "annotation true, kube 1.20", pod: nativeAnn("true"), version: "1.22.2.35", kube: "1.20",
			wantMode: ModeTraditional, wantRule: ModeRuleKubernetesTooOld},
		{name: "nil pod", pod: nil, version: "1.22.2.35", kube: "1.30", wantMode: ModeNative, wantRule: ModeRuleASMDefault},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			profile := tt.profile
			if profile == "" && tt.name != "empty profile is asm" {
				profile = ProfileASM
			}
			mesh := MeshConfig{Version: MustASMVersion(tt.version), Profile: profile, EnableNativeSidecar: tt.enable}
			cluster := ClusterInfo{Name: "c1", KubeVersion: MustKubeVersion(tt.kube), FeatureGates: tt.gates}
			got := DecideSidecarMode(tt.pod, mesh, cluster)
			if got.Mode != tt.wantMode || got.Rule != tt.wantRule {
				t.Fatalf("got %s/%s (%s), want %s/%s", got.Mode, got.Rule, got.Reason, tt.wantMode, tt.wantRule)
			}
			if !strings.Contains(got.Reason, tt.wantReason) {
				t.Errorf("reason %q does not contain %q", got.Reason, tt.wantReason)
			}
			if got.Reason == "" {
				t.Error("empty reason")
			}
		})
	}
}

func TestPodSidecarMode(t *testing.T) {
	t.Parallel()
	always := corev1.ContainerRestartPolicyAlways
	tests := []struct {
		name   string
		pod    *corev1.Pod
		want   SidecarMode
		wantOK bool
	}{
		{name: "no proxy", pod: newTestPod("d", "p")},
		{name: "traditional", pod: newTestPod("d", "p", withContainer(ProxyContainerName)), want: ModeTraditional, wantOK: true},
		{name: "native", pod: newTestPod("d", "p", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: ProxyContainerName, RestartPolicy: &always}}
		}), want: ModeNative, wantOK: true},
		{name: "native stripped by a legacy webhook", pod: newTestPod("d", "p", withInit(ProxyContainerName))},
		{name: "nil", pod: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := PodSidecarMode(tt.pod)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("got %q,%v want %q,%v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
