package model

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testNamespace(name string, kv ...string) *corev1.Namespace {
	l := labelsOf(kv...)
	l[LabelMetadataName] = name
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}}
}

func mustInject(t *testing.T, pod *corev1.Pod, native bool) *corev1.Pod {
	t.Helper()
	mesh := testMesh("1.22.2.35")
	mesh.EnableNativeSidecar = new(native)
	out, _, err := InjectPod(pod, InjectParams{Mesh: mesh, Cluster: testCluster("1.30")})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExplainPod(t *testing.T) {
	t.Parallel()
	vn := *NewVirtualNode("cn-beijing", "i")
	n1 := *NewNode("node-1")
	nodes := []corev1.Node{n1, vn}
	eciPod := func(opts ...podOpt) *corev1.Pod {
		p, _ := ApplyECIScheduling(newTestPod("default", "nginx", append(opts, withLabel(LabelECI, "true"))...), nil)
		return p
	}
	tests := []struct {
		name          string
		pod           *corev1.Pod
		ns            *corev1.Namespace
		mesh          MeshConfig
		nodes         []corev1.Node
		want          Explanation // exact for non-empty sentence fields
		wantInjection string      // substrings
		wantMode      string
		wantPlacement string
		wantAdvice    string
	}{
		{
			name: "pod predates the label",
			pod:  newTestPod("demo", "web-6b7d8f9c4d-abc12", existing(), ownedByDeployment("web"), withNodeName("node-1")),
			ns:   testNamespace("demo", LabelInjection, "enabled"), nodes: nodes,
			want: Explanation{
				Injection:     `the pod has no istio-proxy although namespace "demo" has istio-injection=enabled now: it was created before injection applied to it, and injection happens only when a pod is created.`,
				Advice:        "recreate it: kubectl rollout restart deployment web -n demo, or kubectl get pod web-6b7d8f9c4d-abc12 -n demo -o yaml | kubectl replace --force -f -",
				Placement:     "the pod runs on regular node node-1: neither the pod nor its namespace has label alibabacloud.com/eci=true.",
				InjectionRule: RuleNamespaceInjectionEnabled, PlacementRule: PlacementRegularNode, ModeRule: ModeRuleASMDefault,
			},
			wantMode: "the pod has no sidecar; one injected now would be native",
		},
		{
			name: "namespace lacks the label",
			pod:  newTestPod("demo", "nginx", existing(), withNodeName("node-1")),
			ns:   testNamespace("demo"), nodes: nodes,
			want: Explanation{
				Injection:     `the pod has no istio-proxy: namespace "demo" has no injection label and the pod does not opt in (injection is off by default).`,
				Advice:        "kubectl label namespace demo istio-injection=enabled --overwrite, then recreate it: kubectl get pod nginx -n demo -o yaml | kubectl replace --force -f -",
				InjectionRule: RuleNoSelectorMatched, PlacementRule: PlacementRegularNode, ModeRule: ModeRuleASMDefault,
			},
		},
		{
			name: "wrong label value on a new pod",
			pod:  newTestPod("demo", "nginx"),
			ns:   testNamespace("demo", LabelInjection, "true"), nodes: nodes,
			want: Explanation{
				Advice:        "kubectl label namespace demo istio-injection=enabled --overwrite",
				Placement:     "the pod would run on regular node node-1: neither the pod nor its namespace has label alibabacloud.com/eci=true.",
				InjectionRule: RuleNamespaceInjectionUnrecognized, PlacementRule: PlacementRegularNode, ModeRule: ModeRuleASMDefault,
			},
			wantInjection: `the pod would not be injected: namespace "demo" has istio-injection=true`,
		},
		{
			name: "injected native pod on ECI",
			pod:  mustInject(t, eciPod(existing(), withNodeName(vn.Name)), true),
			ns:   testNamespace("default", LabelInjection, "enabled"), nodes: nodes,
			want: Explanation{
				Injection:     `the pod has istio-proxy: namespace "default" has istio-injection=enabled.`,
				Placement:     "the pod runs on ECI virtual node virtual-kubelet-cn-beijing-i: the pod has label alibabacloud.com/eci=true, so the ECI webhook gave it nodeSelector type=virtual-kubelet.",
				InjectionRule: RuleNamespaceInjectionEnabled, PlacementRule: PlacementVirtualNode, ModeRule: ModeRuleASMDefault,
			},
			wantMode: "the sidecar is native (istio-proxy is in initContainers with restartPolicy: Always): enableNativeSidecar is unset",
		},
		{
			name: "traditional pod after the mesh config changed back",
			pod:  mustInject(t, newTestPod("default", "sleep", existing(), withNodeName("node-1")), false),
			ns:   testNamespace("default", LabelInjection, "enabled"), nodes: nodes,
			want:     Explanation{InjectionRule: RuleNamespaceInjectionEnabled, PlacementRule: PlacementRegularNode, ModeRule: ModeRuleASMDefault},
			wantMode: "the sidecar is traditional (istio-proxy is in containers), but a pod created now would be native",
		},
		{
			name: "ECI pod without a virtual node",
			pod:  mustInject(t, eciPod(existing()), true),
			ns:   testNamespace("default", LabelInjection, "enabled"), nodes: []corev1.Node{n1},
			want:          Explanation{InjectionRule: RuleNamespaceInjectionEnabled, PlacementRule: PlacementNoVirtualNode, ModeRule: ModeRuleASMDefault},
			wantPlacement: "the pod is Pending: the pod asks for an ECI virtual node but the cluster has none: the ack-virtual-node component is not deployed",
		},
		{
			name: "new pod in an ECI namespace",
			pod:  newTestPod("vk", "nginx"),
			ns:   testNamespace("vk", LabelInjection, "enabled", LabelECI, "true"), nodes: nodes,
			want: Explanation{
				Injection:     `the pod would be injected: namespace "vk" has istio-injection=enabled.`,
				Placement:     "the pod would run on ECI virtual node virtual-kubelet-cn-beijing-i: its namespace has label alibabacloud.com/eci=true.",
				InjectionRule: RuleNamespaceInjectionEnabled, PlacementRule: PlacementVirtualNode, ModeRule: ModeRuleASMDefault,
			},
			wantMode: "the sidecar would be native",
		},
		{
			name: "old ASM runs ECI pods unmeshed",
			pod:  newTestPod("vk", "nginx"),
			ns:   testNamespace("vk", LabelInjection, "enabled", LabelECI, "true"), mesh: testMesh("1.7.5.40"), nodes: nodes,
			want: Explanation{
				Advice:        "upgrade the ASM instance to 1.7.5.41 or later",
				InjectionRule: RuleECIVersionTooOld, PlacementRule: PlacementVirtualNode, ModeRule: ModeRuleASMDefault,
			},
			wantInjection: "ASM 1.7.5.40 is older than 1.7.5.41",
		},
		{
			name: "existing pod stays on its regular node after the namespace gets the ECI label",
			pod:  newTestPod("vk", "old", existing(), withNodeName("node-1")),
			ns:   testNamespace("vk", LabelECI, "true"), nodes: nodes,
			want: Explanation{InjectionRule: RuleNoSelectorMatched, PlacementRule: PlacementRegularNode, ModeRule: ModeRuleASMDefault,
				Advice: "kubectl label namespace vk istio-injection=enabled --overwrite, then recreate it: kubectl get pod old -n vk -o yaml | kubectl replace --force -f -"},
			wantPlacement: "existing pods stay where they are",
		},
		{
			name: "opt-out label with conflicting namespace labels",
			pod:  newTestPod("demo", "nginx", withLabel(LabelSidecarInject, "false")),
			ns:   testNamespace("demo", LabelInjection, "enabled", LabelRevision, "canary"), nodes: nodes,
			want: Explanation{
				Advice:        "remove the pod's sidecar.istio.io/inject=false (label or annotation)",
				InjectionRule: RulePodOptOutLabel, PlacementRule: PlacementRegularNode, ModeRule: ModeRuleASMDefault,
				Warnings: []string{`namespace "demo" has both istio-injection=enabled and istio.io/rev=canary; istio-injection wins (IST0123)`},
			},
		},
		{
			name: "label no opts a new pod out of an enabled namespace",
			pod:  newTestPod("demo", "nginx", withLabel(LabelSidecarInject, "no")),
			ns:   testNamespace("demo", LabelInjection, "enabled"), nodes: nodes,
			want: Explanation{
				Injection:     `the pod would not be injected: the pod opts out with label sidecar.istio.io/inject=no ("no" is not one of y, yes, true, on, the values that ask for injection), although namespace "demo" has istio-injection=enabled.`,
				Advice:        "remove the pod's label sidecar.istio.io/inject=no (or set it to true)",
				InjectionRule: RulePodOptOutLabel, PlacementRule: PlacementRegularNode, ModeRule: ModeRuleASMDefault,
			},
		},
		{
			name: "label yes injects a new pod in an enabled namespace, with a warning",
			pod:  newTestPod("demo", "nginx", withLabel(LabelSidecarInject, "yes")),
			ns:   testNamespace("demo", LabelInjection, "enabled"), nodes: nodes,
			want: Explanation{
				Injection:     `the pod would be injected: namespace "demo" has istio-injection=enabled.`,
				InjectionRule: RuleNamespaceInjectionEnabled, PlacementRule: PlacementRegularNode, ModeRule: ModeRuleASMDefault,
				Warnings: []string{`pod label sidecar.istio.io/inject=yes counts as "true" here, but where a namespace has no injection label only the exact value "true" opts a pod in`},
			},
		},
		{
			name: "label yes does not opt a new pod in where the namespace has no label",
			pod:  newTestPod("demo", "nginx", withLabel(LabelSidecarInject, "yes")),
			ns:   testNamespace("demo"), nodes: nodes,
			want: Explanation{
				Injection:     `the pod would not be injected: namespace "demo" has no injection label and the pod's label sidecar.istio.io/inject=yes does not opt it in: the injector's selector needs exactly sidecar.istio.io/inject=true.`,
				Advice:        "kubectl label namespace demo istio-injection=enabled --overwrite",
				InjectionRule: RuleNoSelectorMatched, PlacementRule: PlacementRegularNode, ModeRule: ModeRuleASMDefault,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mesh := tt.mesh
			if mesh.Version.IsZero() {
				mesh = testMesh("1.22.2.35")
			}
			// A cluster with a virtual node runs ack-virtual-node (B21).
			cluster := testCluster("1.30")
			for i := range tt.nodes {
				cluster.VirtualNodeComponent = cluster.VirtualNodeComponent || IsVirtualNode(&tt.nodes[i])
			}
			got := ExplainPod(ExplainInput{Pod: tt.pod, Namespace: tt.ns, Mesh: mesh, Cluster: cluster, Nodes: tt.nodes})
			check := func(field, got, exact, sub string) {
				if exact != "" && got != exact {
					t.Errorf("%s\n got: %s\nwant: %s", field, got, exact)
				}
				if !strings.Contains(got, sub) {
					t.Errorf("%s = %q, want it to contain %q", field, got, sub)
				}
				if field != "Advice" && (got == "" || !strings.HasSuffix(got, ".")) {
					t.Errorf("%s = %q is not a sentence", field, got)
				}
			}
			check("Injection", got.Injection, tt.want.Injection, tt.wantInjection)
			check("Mode", got.Mode, tt.want.Mode, tt.wantMode)
			check("Placement", got.Placement, tt.want.Placement, tt.wantPlacement)
			if got.Advice != tt.want.Advice {
				t.Errorf("Advice\n got: %s\nwant: %s", got.Advice, tt.want.Advice)
			}
			if got.InjectionRule != tt.want.InjectionRule || got.ModeRule != tt.want.ModeRule || got.PlacementRule != tt.want.PlacementRule {
				t.Errorf("rules = %s/%s/%s, want %s/%s/%s", got.InjectionRule, got.ModeRule, got.PlacementRule,
					tt.want.InjectionRule, tt.want.ModeRule, tt.want.PlacementRule)
			}
			if !reflect.DeepEqual(got.Warnings, tt.want.Warnings) {
				t.Errorf("warnings = %q, want %q", got.Warnings, tt.want.Warnings)
			}
			if n := len(got.Lines()); n < 3 {
				t.Errorf("Lines() = %d lines", n)
			}
		})
	}
}

func TestAnalyze(t *testing.T) {
	t.Parallel()
	ns := func(name string, kv ...string) corev1.Namespace { return *testNamespace(name, kv...) }
	injected := mustInject(t, newTestPod("demo", "good", existing()), true)
	c1 := ClusterSnapshot{
		Info: testCluster("1.30"),
		Namespaces: []corev1.Namespace{
			ns("default"), ns("kube-system"), ns("istio-system"), ns("local-path-storage"),
			ns("demo", LabelInjection, "enabled"),
			ns("both", LabelInjection, "enabled", LabelRevision, "canary"),
			ns("off", LabelInjection, "disabled"),
		},
		Pods: []*corev1.Pod{
			newTestPod("demo", "nginx", existing()),
			injected,
			newTestPod("demo", "optout", existing(), withLabel(LabelSidecarInject, "false")),
			newTestPod("off", "x", existing()),
			newTestPod("kube-system", "coredns", existing()),
		},
	}
	c2 := ClusterSnapshot{
		Info:       ClusterInfo{Name: "c2", KubeVersion: MustKubeVersion("1.30")},
		Namespaces: []corev1.Namespace{ns("demo", LabelInjection, "disabled"), ns("only-c2", LabelInjection, "enabled")},
	}
	instance := []GlobalNamespace{
		{Name: "demo", Labels: labelsOf(LabelInjection, "enabled")},
		{Name: "off", Labels: labelsOf(LabelInjection, "enabled"), Homing: []string{"c2"}},
		{Name: "only-c2", Labels: labelsOf(LabelInjection, "enabled")},
	}
	tests := []struct {
		name string
		in   AnalyzeInput
		want []string
	}{
		{
			name: "one cluster",
			in:   AnalyzeInput{Mesh: testMesh("1.22.2.35"), Clusters: []ClusterSnapshot{c1}},
			want: []string{
				"Warning [IST0123] (Namespace both (cluster c1)) namespace has both istio-injection=enabled and istio.io/rev=canary; istio-injection wins: remove one of them, e.g. kubectl label namespace both istio.io/rev-",
				"Info [IST0102] (Namespace default (cluster c1)) namespace is not enabled for injection: kubectl label namespace default istio-injection=enabled (or istio-injection=disabled to mark it as not needing injection)",
				"Warning [IST0103] (Pod demo/nginx (cluster c1)) pod is missing the istio-proxy container: restart or redeploy the workload",
			},
		},
		{
			name: "drift against the instance, honouring homing",
			in:   AnalyzeInput{Mesh: testMesh("1.22.2.35"), Instance: instance, Clusters: []ClusterSnapshot{c2, c1}},
			want: []string{
				"Warning [IST0123] (Namespace both (cluster c1)) namespace has both istio-injection=enabled and istio.io/rev=canary; istio-injection wins: remove one of them, e.g. kubectl label namespace both istio.io/rev-",
				"Info [IST0102] (Namespace default (cluster c1)) namespace is not enabled for injection: kubectl label namespace default istio-injection=enabled (or istio-injection=disabled to mark it as not needing injection)",
				"Warning [ASM0001] (Namespace demo (cluster c2)) injection labels differ from the mesh instance's: instance has istio-injection=enabled, cluster has istio-injection=disabled: asm sync to-clusters gives the cluster the instance's labels, or asm sync from-cluster c2 copies the cluster's labels to the instance (and pushes them to the namespace's other homing clusters)",
				"Warning [IST0103] (Pod demo/nginx (cluster c1)) pod is missing the istio-proxy container: restart or redeploy the workload",
			},
		},
		{name: "empty", in: AnalyzeInput{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, f := range Analyze(tt.in) {
				got = append(got, f.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Analyze:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(tt.want, "\n      "))
			}
		})
	}
}
