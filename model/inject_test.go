package model

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestDecideInjection(t *testing.T) {
	t.Parallel()
	enabled := labelsOf(LabelInjection, "enabled")
	tests := []struct {
		name         string
		ns           string
		nsLabels     map[string]string
		pod          *corev1.Pod
		mesh         MeshConfig
		wantInject   bool
		wantRevision string
		wantRule     string
		wantReason   string   // exact when set
		wantWarnings []string // substrings, in order
	}{
		{
			name: "default is off", ns: "demo", pod: newTestPod("demo", "p"),
			wantRule:   RuleNoSelectorMatched,
			wantReason: `namespace "demo" has no injection label and the pod does not opt in (injection is off by default)`,
		},
		{
			name: "namespace enabled", ns: "demo", nsLabels: enabled, pod: newTestPod("demo", "p"),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
			wantReason: `namespace "demo" has istio-injection=enabled`,
		},
		{
			name: "namespace disabled beats pod opt-in label", ns: "demo",
			nsLabels: labelsOf(LabelInjection, "disabled"),
			pod:      newTestPod("demo", "p", withLabel(LabelSidecarInject, "true"), withLabel(LabelRevision, "canary")),
			wantRule: RuleNamespaceInjectionDisabled,
		},
		{
			name: "unrecognized namespace value", ns: "demo", nsLabels: labelsOf(LabelInjection, "true"),
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, "true")),
			wantRule:   RuleNamespaceInjectionUnrecognized,
			wantReason: `namespace "demo" has istio-injection=true, which no injector selects (only "enabled" turns injection on)`,
		},
		{
			name: "enabled beats namespace rev, with IST0123 warning", ns: "demo",
			nsLabels: labelsOf(LabelInjection, "enabled", LabelRevision, "canary"), pod: newTestPod("demo", "p"),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
			wantWarnings: []string{`namespace "demo" has both istio-injection=enabled and istio.io/rev=canary; istio-injection wins (IST0123)`},
		},
		{
			name: "namespace rev injects with that revision", ns: "demo", nsLabels: labelsOf(LabelRevision, "canary"),
			pod:        newTestPod("demo", "p"),
			wantInject: true, wantRevision: "canary", wantRule: RuleNamespaceRevision,
		},
		{
			name: "namespace rev beats pod rev", ns: "demo", nsLabels: labelsOf(LabelRevision, "canary"),
			pod:        newTestPod("demo", "p", withLabel(LabelRevision, "stable")),
			wantInject: true, wantRevision: "canary", wantRule: RuleNamespaceRevision,
			wantWarnings: []string{"pod label istio.io/rev=stable is ignored"},
		},
		{
			name: "namespace rev, pod opts out", ns: "demo", nsLabels: labelsOf(LabelRevision, "canary"),
			pod:      newTestPod("demo", "p", withAnnotation(LabelSidecarInject, "false")),
			wantRule: RulePodAnnotation,
		},
		{
			name: "pod opt-in label", ns: "demo", pod: newTestPod("demo", "p", withLabel(LabelSidecarInject, "true")),
			wantInject: true, wantRule: RulePodOptInLabel,
			wantReason: `namespace "demo" has no injection label and the pod opts in with label sidecar.istio.io/inject=true`,
		},
		{
			name: "pod opt-in annotation alone is not selected", ns: "demo", pod: newTestPod("demo", "p", withAnnotation(LabelSidecarInject, "true")),
			wantRule: RuleNoSelectorMatched,
		},
		{
			name: "pod revision label", ns: "demo", pod: newTestPod("demo", "p", withLabel(LabelRevision, "canary")),
			wantInject: true, wantRevision: "canary", wantRule: RulePodRevision,
		},
		{
			name: "pod revision label with opt-out annotation", ns: "demo",
			pod:      newTestPod("demo", "p", withLabel(LabelRevision, "canary"), withAnnotation(LabelSidecarInject, "false")),
			wantRule: RulePodAnnotation,
		},
		{
			name: "enabled namespace, pod opt-out label", ns: "demo", nsLabels: enabled,
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, "false")),
			wantRule:   RulePodOptOutLabel,
			wantReason: `the pod opts out with label sidecar.istio.io/inject=false, although namespace "demo" has istio-injection=enabled`,
		},
		{
			name: "enabled namespace, pod opt-out annotation", ns: "demo", nsLabels: enabled,
			pod:      newTestPod("demo", "p", withAnnotation(LabelSidecarInject, "false")),
			wantRule: RulePodAnnotation,
		},
		{
			name: "label overrides annotation (out)", ns: "demo", nsLabels: enabled,
			pod:          newTestPod("demo", "p", withLabel(LabelSidecarInject, "false"), withAnnotation(LabelSidecarInject, "true")),
			wantRule:     RulePodOptOutLabel,
			wantWarnings: []string{"pod label sidecar.istio.io/inject=false overrides its annotation sidecar.istio.io/inject=true"},
		},
		{
			name: "label overrides annotation (in)", ns: "demo",
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, "true"), withAnnotation(LabelSidecarInject, "false")),
			wantInject: true, wantRule: RulePodOptInLabel,
			wantWarnings: []string{"pod label sidecar.istio.io/inject=true overrides its annotation sidecar.istio.io/inject=false"},
		},
		{
			name: "enabled namespace, label no opts out", ns: "demo", nsLabels: enabled,
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, "no")),
			wantRule:   RulePodOptOutLabel,
			wantReason: `the pod opts out with label sidecar.istio.io/inject=no ("no" is not one of y, yes, true, on, the values that ask for injection), although namespace "demo" has istio-injection=enabled`,
		},
		{
			name: "enabled namespace, label False opts out (the selector is case-sensitive, injectRequired lower-cases)", ns: "demo", nsLabels: enabled,
			pod:      newTestPod("demo", "p", withLabel(LabelSidecarInject, "False")),
			wantRule: RulePodOptOutLabel,
		},
		{
			name: "enabled namespace, any other label value opts out", ns: "demo", nsLabels: enabled,
			pod:      newTestPod("demo", "p", withLabel(LabelSidecarInject, "enabled")),
			wantRule: RulePodOptOutLabel,
		},
		{
			name: "enabled namespace, annotation off opts out", ns: "demo", nsLabels: enabled,
			pod:        newTestPod("demo", "p", withAnnotation(LabelSidecarInject, "off")),
			wantRule:   RulePodAnnotation,
			wantReason: `the pod opts out with annotation sidecar.istio.io/inject=off ("off" is not one of y, yes, true, on, the values that ask for injection), although namespace "demo" has istio-injection=enabled`,
		},
		{
			name: "enabled namespace, label True injects", ns: "demo", nsLabels: enabled,
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, "True")),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
			wantReason:   `namespace "demo" has istio-injection=enabled`,
			wantWarnings: []string{`pod label sidecar.istio.io/inject=True counts as "true" here, but where a namespace has no injection label only the exact value "true" opts a pod in`},
		},
		{
			name: "enabled namespace, label Y injects", ns: "demo", nsLabels: enabled,
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, "Y")),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
			wantWarnings: []string{`pod label sidecar.istio.io/inject=Y counts as "true"`},
		},
		{
			name: "enabled namespace, label yes beats annotation false", ns: "demo", nsLabels: enabled,
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, "yes"), withAnnotation(LabelSidecarInject, "false")),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
			wantWarnings: []string{
				"pod label sidecar.istio.io/inject=yes counts as \"true\" here",
				"pod label sidecar.istio.io/inject=yes overrides its annotation sidecar.istio.io/inject=false",
			},
		},
		{
			name: "enabled namespace, empty label is no opinion and beats annotation false", ns: "demo", nsLabels: enabled,
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, ""), withAnnotation(LabelSidecarInject, "false")),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
			wantWarnings: []string{`pod label sidecar.istio.io/inject="" overrides its annotation sidecar.istio.io/inject=false`},
		},
		{
			name: "enabled namespace, empty annotation is no opinion", ns: "demo", nsLabels: enabled,
			pod:        newTestPod("demo", "p", withAnnotation(LabelSidecarInject, "")),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
		},
		{
			name: "enabled namespace, annotation on injects without a warning", ns: "demo", nsLabels: enabled,
			pod:        newTestPod("demo", "p", withAnnotation(LabelSidecarInject, "on")),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
		},
		{
			name: "label no beats annotation true", ns: "demo", nsLabels: enabled,
			pod:          newTestPod("demo", "p", withLabel(LabelSidecarInject, "no"), withAnnotation(LabelSidecarInject, "true")),
			wantRule:     RulePodOptOutLabel,
			wantWarnings: []string{"pod label sidecar.istio.io/inject=no overrides its annotation sidecar.istio.io/inject=true"},
		},
		{
			name: "agreeing label and annotation, no warning", ns: "demo", nsLabels: enabled,
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, "true"), withAnnotation(LabelSidecarInject, "yes")),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
		},
		{
			name: "namespace rev, label no opts out", ns: "demo", nsLabels: labelsOf(LabelRevision, "canary"),
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, "no")),
			wantRule:   RulePodOptOutLabel,
			wantReason: `the pod opts out with label sidecar.istio.io/inject=no ("no" is not one of y, yes, true, on, the values that ask for injection), although namespace "demo" has istio.io/rev=canary, so revision "canary" injects its pods`,
		},
		{
			name: "namespace rev, label on injects", ns: "demo", nsLabels: labelsOf(LabelRevision, "canary"),
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, "on")),
			wantInject: true, wantRevision: "canary", wantRule: RuleNamespaceRevision,
			wantWarnings: []string{`pod label sidecar.istio.io/inject=on counts as "true"`},
		},
		{
			name: "no namespace label, label yes is not selected", ns: "demo",
			pod:        newTestPod("demo", "p", withLabel(LabelSidecarInject, "yes")),
			wantRule:   RuleNoSelectorMatched,
			wantReason: `namespace "demo" has no injection label and the pod's label sidecar.istio.io/inject=yes does not opt it in: the injector's selector needs exactly sidecar.istio.io/inject=true`,
		},
		{
			name: "no namespace label, label True with annotation true is not selected", ns: "demo",
			pod:      newTestPod("demo", "p", withLabel(LabelSidecarInject, "True"), withAnnotation(LabelSidecarInject, "true")),
			wantRule: RuleNoSelectorMatched,
		},
		{
			name: "no namespace label, annotation yes alone is not selected", ns: "demo",
			pod:        newTestPod("demo", "p", withAnnotation(LabelSidecarInject, "yes")),
			wantRule:   RuleNoSelectorMatched,
			wantReason: `namespace "demo" has no injection label and the pod opts in only with annotation sidecar.istio.io/inject=yes, which the injector's selector does not read (use the label)`,
		},
		{
			name: "no namespace label, annotation no is simply not opted in", ns: "demo",
			pod:        newTestPod("demo", "p", withAnnotation(LabelSidecarInject, "no")),
			wantRule:   RuleNoSelectorMatched,
			wantReason: `namespace "demo" has no injection label and the pod does not opt in (injection is off by default)`,
		},
		{
			name: "pod revision label, label no: selected, then not injected", ns: "demo",
			pod:        newTestPod("demo", "p", withLabel(LabelRevision, "canary"), withLabel(LabelSidecarInject, "no")),
			wantRule:   RulePodOptOutLabel,
			wantReason: `namespace "demo" has no injection label and the pod has label istio.io/rev=canary, so revision "canary"'s injector is called, but the pod opts out with label sidecar.istio.io/inject=no ("no" is not one of y, yes, true, on, the values that ask for injection)`,
		},
		{
			name: "pod revision label, label false: not selected", ns: "demo",
			pod:        newTestPod("demo", "p", withLabel(LabelRevision, "canary"), withLabel(LabelSidecarInject, "false")),
			wantRule:   RulePodOptOutLabel,
			wantReason: `namespace "demo" has no injection label and the pod opts out with label sidecar.istio.io/inject=false`,
		},
		{
			name: "pod revision label, label yes injects without a warning", ns: "demo",
			pod:        newTestPod("demo", "p", withLabel(LabelRevision, "canary"), withLabel(LabelSidecarInject, "yes")),
			wantInject: true, wantRevision: "canary", wantRule: RulePodRevision,
		},
		{
			name: "host network never injected", ns: "demo", nsLabels: enabled,
			pod:        newTestPod("demo", "p", withHostNetwork()),
			wantRule:   RuleHostNetwork,
			wantReason: `the pod uses hostNetwork, so it is never injected even though namespace "demo" has istio-injection=enabled`,
		},
		{
			name: "host network with opt-in", ns: "demo",
			pod:      newTestPod("demo", "p", withHostNetwork(), withLabel(LabelSidecarInject, "true")),
			wantRule: RuleHostNetwork,
		},
		{name: "kube-system", ns: "kube-system", nsLabels: enabled, pod: newTestPod("kube-system", "p"), wantRule: RuleIgnoredNamespace},
		{name: "kube-public", ns: "kube-public", nsLabels: enabled, pod: newTestPod("kube-public", "p"), wantRule: RuleIgnoredNamespace},
		{name: "kube-node-lease", ns: "kube-node-lease", nsLabels: enabled, pod: newTestPod("kube-node-lease", "p"), wantRule: RuleIgnoredNamespace},
		{
			name: "local-path-storage", ns: "local-path-storage", nsLabels: enabled,
			pod: newTestPod("local-path-storage", "p", withLabel(LabelSidecarInject, "true")), wantRule: RuleIgnoredNamespace,
		},
		{
			name: "namespace from pod", nsLabels: enabled, pod: newTestPod("vk", "p"),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
			wantReason: `namespace "vk" has istio-injection=enabled`,
		},
		{
			name: "ECI pod on old ASM not injected", ns: "demo", nsLabels: enabled, mesh: testMesh("1.7.5.40"),
			pod:        newTestPod("demo", "p", withLabel(LabelECI, "true"), withNodeSelector(NodeLabelType, NodeTypeVirtualKubelet)),
			wantRule:   RuleECIVersionTooOld,
			wantReason: "the pod runs on an ECI virtual node (the pod has label alibabacloud.com/eci=true) and ASM 1.7.5.40 is older than 1.7.5.41, the first version that meshes ECI pods, so it is not injected",
		},
		{
			name: "ECI namespace on old ASM not injected", ns: "vk",
			nsLabels: labelsOf(LabelInjection, "enabled", LabelECI, "true"), mesh: testMesh("1.6.0.0"),
			pod: newTestPod("vk", "p", withNodeSelector(NodeLabelType, NodeTypeVirtualKubelet)), wantRule: RuleECIVersionTooOld,
		},
		{
			// B21: the label alone (no ack-virtual-node webhook pinned the
			// pod) sends nothing to ECI.
			name: "ECI label without the component's nodeSelector on old ASM is injected", ns: "demo", nsLabels: enabled, mesh: testMesh("1.6.0.0"),
			pod:        newTestPod("demo", "p", withLabel(LabelECI, "true")),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
		},
		{
			// B15: a revision nothing serves matches no webhook.
			name: "namespace rev naming an unserved revision", ns: "demo", nsLabels: labelsOf(LabelRevision, "canary-typo"),
			pod:        newTestPod("demo", "p"),
			wantRule:   RuleUnknownRevision,
			wantReason: `namespace "demo" has istio.io/rev=canary-typo, so revision "canary-typo" injects its pods, but the mesh serves no revision "canary-typo" (served: default, canary), so no injector webhook matches and the pod is not injected`,
		},
		{
			name: "namespace rev=default is the default revision", ns: "demo", nsLabels: labelsOf(LabelRevision, "default"),
			pod:        newTestPod("demo", "p"),
			wantInject: true, wantRevision: "default", wantRule: RuleNamespaceRevision,
		},
		{
			name: "virtual-kubelet nodeSelector on old ASM", ns: "demo", nsLabels: enabled, mesh: testMesh("1.6.0.0"),
			pod:      newTestPod("demo", "p", withNodeSelector(NodeLabelType, NodeTypeVirtualKubelet)),
			wantRule: RuleECIVersionTooOld,
		},
		{
			name: "ECI pod opted out on old ASM is injected", ns: "vk",
			nsLabels: labelsOf(LabelInjection, "enabled", LabelECI, "true"), mesh: testMesh("1.6.0.0"),
			pod:        newTestPod("vk", "p", withLabel(LabelECI, "false")),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
		},
		{
			name: "ECI pod on new enough ASM", ns: "demo", nsLabels: enabled, mesh: testMesh("1.7.5.41"),
			pod:        newTestPod("demo", "p", withLabel(LabelECI, "true")),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
		},
		{
			name: "regular pod on old ASM", ns: "demo", nsLabels: enabled, mesh: testMesh("1.6.0.0"),
			pod:        newTestPod("demo", "p"),
			wantInject: true, wantRule: RuleNamespaceInjectionEnabled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := tt.pod.DeepCopy()
			// The mesh serves the fixtures' revision "canary" (B15).
			mesh := tt.mesh
			mesh.Revisions = []string{"canary"}
			got := DecideInjection(InjectionRequest{Namespace: tt.ns, NamespaceLabels: tt.nsLabels, Pod: tt.pod, Mesh: mesh})
			if got.Inject != tt.wantInject || got.Revision != tt.wantRevision || got.Rule != tt.wantRule {
				t.Fatalf("got inject=%v revision=%q rule=%q (%s); want inject=%v revision=%q rule=%q",
					got.Inject, got.Revision, got.Rule, got.Reason, tt.wantInject, tt.wantRevision, tt.wantRule)
			}
			if tt.wantReason != "" && got.Reason != tt.wantReason {
				t.Errorf("reason\n got: %s\nwant: %s", got.Reason, tt.wantReason)
			}
			if got.Reason == "" || strings.Contains(got.Reason, "\n") {
				t.Errorf("reason %q is not one sentence", got.Reason)
			}
			if len(got.Warnings) != len(tt.wantWarnings) {
				t.Fatalf("warnings = %q, want %d matching %q", got.Warnings, len(tt.wantWarnings), tt.wantWarnings)
			}
			for i, w := range tt.wantWarnings {
				if !strings.Contains(got.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, got.Warnings[i], w)
				}
			}
			if !reflect.DeepEqual(before, tt.pod) {
				t.Error("DecideInjection modified the pod")
			}
		})
	}
}

func TestDecideInjectionNilPod(t *testing.T) {
	t.Parallel()
	got := DecideInjection(InjectionRequest{NamespaceLabels: labelsOf(LabelInjection, "enabled")})
	if !got.Inject || got.Reason != `namespace "default" has istio-injection=enabled` {
		t.Fatalf("got %+v", got)
	}
}

func TestManualInjectionDecision(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		pod          *corev1.Pod
		wantInject   bool
		wantRule     string
		wantRevision string
	}{
		{name: "plain pod", pod: newTestPod("demo", "p"), wantInject: true, wantRule: RuleManualInjection},
		{name: "revision label", pod: newTestPod("demo", "p", withLabel(LabelRevision, "canary")), wantInject: true, wantRule: RuleManualInjection, wantRevision: "canary"},
		{name: "opt-out label", pod: newTestPod("demo", "p", withLabel(LabelSidecarInject, "false")), wantRule: RulePodOptOutLabel},
		{name: "opt-out annotation", pod: newTestPod("demo", "p", withAnnotation(LabelSidecarInject, "false")), wantRule: RulePodAnnotation},
		{name: "label no opts out", pod: newTestPod("demo", "p", withLabel(LabelSidecarInject, "no")), wantRule: RulePodOptOutLabel},
		{name: "label yes beats annotation false", pod: newTestPod("demo", "p", withLabel(LabelSidecarInject, "yes"), withAnnotation(LabelSidecarInject, "false")), wantInject: true, wantRule: RuleManualInjection},
		{name: "empty label is no opinion", pod: newTestPod("demo", "p", withLabel(LabelSidecarInject, "")), wantInject: true, wantRule: RuleManualInjection},
		{name: "annotation off opts out", pod: newTestPod("demo", "p", withAnnotation(LabelSidecarInject, "off")), wantRule: RulePodAnnotation},
		{name: "host network", pod: newTestPod("demo", "p", withHostNetwork()), wantRule: RuleHostNetwork},
		{name: "system namespace", pod: newTestPod("kube-system", "p"), wantRule: RuleIgnoredNamespace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ManualInjectionDecision(tt.pod)
			if got.Inject != tt.wantInject || got.Rule != tt.wantRule || got.Revision != tt.wantRevision {
				t.Fatalf("got %+v, want inject=%v rule=%q revision=%q", got, tt.wantInject, tt.wantRule, tt.wantRevision)
			}
		})
	}
}

func TestIgnoredNamespaces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ns   string
		want bool
	}{
		{"kube-system", true}, {"kube-public", true}, {"kube-node-lease", true}, {"local-path-storage", true},
		{"default", false}, {"istio-system", false}, {"demo", false},
	}
	for _, tt := range tests {
		t.Run(tt.ns, func(t *testing.T) {
			t.Parallel()
			if got := IsIgnoredNamespace(tt.ns); got != tt.want {
				t.Fatalf("IsIgnoredNamespace(%q) = %v", tt.ns, got)
			}
		})
	}
}
