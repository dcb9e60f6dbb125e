package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Finding codes and levels, after istioctl analyze.
const (
	CodeNamespaceNotInjected  = "IST0102"
	CodePodMissingProxy       = "IST0103"
	CodeNamespaceMultipleInjs = "IST0123"
	CodeInjectionLabelDrift   = "ASM0001"
	CodeUnknownRevision       = "ASM0002"
	CodeECILabelInert         = "ASM0003"

	LevelInfo    = "Info"
	LevelWarning = "Warning"
)

// Finding is one analyzer message, like istioctl analyze's.
type Finding struct {
	Code     string
	Level    string
	Resource string // e.g. "Namespace demo (cluster c1)", "Pod demo/nginx (cluster c1)"
	Message  string
	Fix      string
}

// String renders the finding the way istioctl analyze prints it.
func (f Finding) String() string {
	s := fmt.Sprintf("%s [%s] (%s) %s", f.Level, f.Code, f.Resource, f.Message)
	if f.Fix != "" {
		s += ": " + f.Fix
	}
	return s
}

// ClusterSnapshot is what Analyze reads of one data-plane cluster. The
// pods may be a store's own (Analyze only reads them).
type ClusterSnapshot struct {
	Info       ClusterInfo
	Namespaces []corev1.Namespace
	Pods       []*corev1.Pod
}

// AnalyzeInput is the whole mesh as Analyze reads it.
type AnalyzeInput struct {
	Mesh MeshConfig
	// Instance holds the mesh instance's global namespaces; nil skips the
	// drift check.
	Instance []GlobalNamespace
	Clusters []ClusterSnapshot
}

// analyzerSkips reports whether Analyze leaves a namespace out of the
// namespace checks: the system namespaces and istio-system.
func analyzerSkips(ns string) bool {
	return IsIgnoredNamespace(ns) || ns == IstioSystemNamespace
}

func namespaceResource(ns, cluster string) string {
	return fmt.Sprintf("Namespace %s (cluster %s)", ns, cluster)
}

func podResource(ns, name, cluster string) string {
	return fmt.Sprintf("Pod %s/%s (cluster %s)", ns, name, cluster)
}

// Analyze checks the mesh like istioctl analyze (B35): namespaces without
// an injection label (IST0102), pods missing the proxy in namespaces that
// inject them (IST0103), namespaces with both istio-injection and
// istio.io/rev (IST0123), and clusters whose injection labels drifted from
// the mesh instance's (ASM0001). Findings are sorted by resource, then code.
// It is an Analysis given every cluster of in, then its instance.
func Analyze(in AnalyzeInput) []Finding {
	a := NewAnalysis(in.Mesh)
	for _, c := range in.Clusters {
		a.AddCluster(c)
	}
	return a.Findings(in.Instance)
}

// Analysis is Analyze one cluster at a time, so that a caller need not
// hold every cluster's pods at once: AddCluster checks a cluster's
// namespaces and pods and keeps only its namespaces' labels (all the
// drift check needs), Findings adds the drift against the instance.
type Analysis struct {
	mesh     MeshConfig
	out      []Finding
	clusters []ClusterSnapshot // namespaces only
}

// NewAnalysis starts an analysis of a mesh of the given configuration.
func NewAnalysis(mesh MeshConfig) *Analysis {
	return &Analysis{mesh: mesh}
}

// AddCluster analyzes one cluster's namespaces and pods. The analysis
// keeps c's namespaces, not its pods.
func (a *Analysis) AddCluster(c ClusterSnapshot) {
	cluster := c.Info.Name
	nsLabels := map[string]map[string]string{}
	for _, ns := range c.Namespaces {
		nsLabels[ns.Name] = ns.Labels
		if analyzerSkips(ns.Name) {
			continue
		}
		inj, hasInj := ns.Labels[LabelInjection]
		rev, hasRev := ns.Labels[LabelRevision]
		switch {
		case !hasInj && !hasRev:
			a.out = append(a.out, Finding{Code: CodeNamespaceNotInjected, Level: LevelInfo,
				Resource: namespaceResource(ns.Name, cluster),
				Message:  "namespace is not enabled for injection",
				Fix: fmt.Sprintf("kubectl label namespace %s %s=enabled (or %s=disabled to mark it as not needing injection)",
					ns.Name, LabelInjection, LabelInjection)})
		case !hasInj && !a.mesh.ServesRevision(rev):
			a.out = append(a.out, unknownRevisionFinding(a.mesh, namespaceResource(ns.Name, cluster), "namespace", ns.Name, rev))
		case hasInj && hasRev:
			a.out = append(a.out, Finding{Code: CodeNamespaceMultipleInjs, Level: LevelWarning,
				Resource: namespaceResource(ns.Name, cluster),
				Message: fmt.Sprintf("namespace has both %s=%s and %s=%s; %s wins",
					LabelInjection, inj, LabelRevision, rev, LabelInjection),
				Fix: fmt.Sprintf("remove one of them, e.g. kubectl label namespace %s %s-", ns.Name, LabelRevision)})
		}
	}
	if !c.Info.VirtualNodeComponent {
		a.out = append(a.out, inertECIFindings(c, cluster)...)
	}
	for _, pod := range c.Pods {
		if pod.DeletionTimestamp != nil || IsInjected(pod) {
			continue
		}
		labels, ok := nsLabels[pod.Namespace]
		if !ok || analyzerSkips(pod.Namespace) {
			continue
		}
		switch d := DecideInjection(InjectionRequest{Namespace: pod.Namespace, NamespaceLabels: labels, Pod: pod, Mesh: a.mesh}); {
		case d.Inject:
			a.out = append(a.out, Finding{Code: CodePodMissingProxy, Level: LevelWarning,
				Resource: podResource(pod.Namespace, pod.Name, cluster),
				Message:  "pod is missing the istio-proxy container",
				Fix:      "restart or redeploy the workload"})
		case d.Rule == RuleUnknownRevision && !hasKey(labels, LabelRevision):
			a.out = append(a.out, unknownRevisionFinding(a.mesh, podResource(pod.Namespace, pod.Name, cluster), "pod", pod.Name, pod.Labels[LabelRevision]))
		case d.Rule == RuleECIVersionTooOld:
			a.out = append(a.out, Finding{Code: CodePodMissingProxy, Level: LevelWarning,
				Resource: podResource(pod.Namespace, pod.Name, cluster),
				Message: fmt.Sprintf("pod is missing the istio-proxy container: it runs on ECI and ASM %s does not mesh ECI pods",
					a.mesh.Version),
				Fix: fmt.Sprintf("upgrade the mesh to ASM %s or later, then restart or redeploy the workload", MinECIVersion())})
		}
	}
	a.clusters = append(a.clusters, ClusterSnapshot{Info: c.Info, Namespaces: c.Namespaces})
}

// Findings returns the findings of the clusters added, with the drift of
// their injection labels from instance's namespaces (nil skips the drift
// check), sorted by resource, then code.
func (a *Analysis) Findings(instance []GlobalNamespace) []Finding {
	out := slices.Clone(a.out)
	if instance != nil {
		clusterNames := make([]string, 0, len(a.clusters))
		for _, c := range a.clusters {
			clusterNames = append(clusterNames, c.Info.Name)
		}
		out = append(out, driftFindings(instance, a.clusters, clusterNames)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Resource != out[j].Resource {
			return out[i].Resource < out[j].Resource
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// unknownRevisionFinding (B15): an istio.io/rev that names a revision
// the mesh does not serve matches no injector webhook.
func unknownRevisionFinding(mesh MeshConfig, resource, kind, name, rev string) Finding {
	fix := fmt.Sprintf("mesh revision add %s, or label it with a served revision: kubectl label %s %s %s=%s --overwrite",
		rev, kind, name, LabelRevision, DefaultRevision)
	return Finding{Code: CodeUnknownRevision, Level: LevelWarning, Resource: resource,
		Message: fmt.Sprintf("label %s=%s names revision %q, which the mesh does not serve (served: %s), so no injector webhook matches and new pods are not injected",
			LabelRevision, rev, rev, strings.Join(mesh.ServedRevisions(), ", ")),
		Fix: fix}
}

// inertECIFindings (B21): without ack-virtual-node nothing acts on
// alibabacloud.com/eci, so the label has no effect in the cluster.
func inertECIFindings(c ClusterSnapshot, cluster string) []Finding {
	var out []Finding
	msg := fmt.Sprintf("label %s=true has no effect: cluster %s does not run the ack-virtual-node component, so its pods run on regular nodes", LabelECI, cluster)
	fix := "deploy ack-virtual-node in the cluster (cluster create --virtual-node), or remove the label"
	for _, ns := range c.Namespaces {
		if ns.Labels[LabelECI] == "true" {
			out = append(out, Finding{Code: CodeECILabelInert, Level: LevelInfo, Resource: namespaceResource(ns.Name, cluster), Message: msg, Fix: fix})
		}
	}
	for _, p := range c.Pods {
		if p.Labels[LabelECI] == "true" && p.DeletionTimestamp == nil {
			out = append(out, Finding{Code: CodeECILabelInert, Level: LevelInfo, Resource: podResource(p.Namespace, p.Name, cluster), Message: msg, Fix: fix})
		}
	}
	return out
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

func driftFindings(instance []GlobalNamespace, clusters []ClusterSnapshot, clusterNames []string) []Finding {
	var out []Finding
	byCluster := map[string]map[string]map[string]string{}
	for _, c := range clusters {
		m := map[string]map[string]string{}
		for _, ns := range c.Namespaces {
			m[ns.Name] = ns.Labels
		}
		byCluster[c.Info.Name] = m
	}
	for _, g := range instance {
		if SyncSkipsNamespace(g.Name) {
			continue
		}
		for _, cluster := range HomingOf(g, clusterNames) {
			have, ok := byCluster[cluster][g.Name]
			if !ok {
				continue
			}
			want := describeInjectionLabels(g.Labels)
			got := describeInjectionLabels(have)
			if want == got {
				continue
			}
			out = append(out, Finding{Code: CodeInjectionLabelDrift, Level: LevelWarning,
				Resource: namespaceResource(g.Name, cluster),
				Message:  fmt.Sprintf("injection labels differ from the mesh instance's: instance has %s, cluster has %s", want, got),
				Fix:      DriftAdvice(g.Name, cluster, g.Labels, have)})
		}
	}
	return out
}

// DriftAdvice names the sync that settles drift between an instance
// namespace's injection labels (inst) and its namespace in a homing
// cluster (have) without losing a label, or says that none does and what
// to edit (B23, B28 revised). A sync never removes a label: sync
// to-clusters settles drift only where the instance has every label that
// differs (it sets them in the cluster), sync from-cluster only where the
// cluster has every one (it copies them to the instance, which pushes them
// to the namespace's other homing clusters).
func DriftAdvice(namespace, cluster string, inst, have map[string]string) string {
	toSettles, fromSettles := true, true
	var onlyCluster, onlyInstance []string
	for _, k := range InjectionLabelKeys() {
		iv, iok := inst[k]
		cv, cok := have[k]
		if iok == cok && iv == cv {
			continue
		}
		if !iok {
			toSettles = false
			onlyCluster = append(onlyCluster, k)
		}
		if !cok {
			fromSettles = false
			onlyInstance = append(onlyInstance, k)
		}
	}
	to := "asm sync to-clusters gives the cluster the instance's labels"
	from := fmt.Sprintf("asm sync from-cluster %s copies the cluster's labels to the instance (and pushes them to the namespace's other homing clusters)", cluster)
	switch {
	case toSettles && fromSettles:
		return to + ", or " + from
	case toSettles:
		return fmt.Sprintf("%s (sync from-cluster does not: the cluster lacks %s, and a sync never removes a label); to keep the cluster's labels instead, kubectl --context %s label namespace %s %s",
			to, strings.Join(onlyInstance, ","), ContextASM, namespace, removals(onlyInstance))
	case fromSettles:
		return fmt.Sprintf("%s (sync to-clusters does not: the instance lacks %s, and a sync never removes a label); to drop it from the cluster instead, kubectl --context %s label namespace %s %s",
			from, strings.Join(onlyCluster, ","), cluster, namespace, removals(onlyCluster))
	}
	return fmt.Sprintf("no sync settles this, since a sync never removes a label: to match the instance, kubectl --context %s label namespace %s %s, then asm sync to-clusters",
		cluster, namespace, removals(onlyCluster))
}

func removals(keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + "-"
	}
	return strings.Join(out, " ")
}

// describeInjectionLabels renders a namespace's injection labels as
// "istio-injection=enabled,istio.io/rev=x", or "no injection label".
func describeInjectionLabels(labels map[string]string) string {
	var parts []string
	for _, k := range InjectionLabelKeys() {
		if v, ok := labels[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	if len(parts) == 0 {
		return "no injection label"
	}
	return strings.Join(parts, ",")
}

// ExplainInput is what ExplainPod reads: a pod (existing, or about to be
// created when it has no creation timestamp and no UID), its namespace, the
// mesh and the cluster with its nodes.
type ExplainInput struct {
	Pod         *corev1.Pod
	Namespace   *corev1.Namespace
	Mesh        MeshConfig
	Cluster     ClusterInfo
	Nodes       []corev1.Node
	PodsPerNode map[string]int
	// Requested sums the PodRequests of those pods, by node.
	Requested map[string]Resources
	// NotInMesh: the cluster is not part of the mesh, so no injector
	// webhook of the mesh runs there.
	NotInMesh bool
	// Instance is the mesh instance's namespace of the pod's namespace,
	// nil when the instance has none (or the cluster is not among its
	// homing clusters): its injection labels are compared with the
	// cluster's (B23, B35).
	Instance *GlobalNamespace
}

// Explanation answers, one sentence each, why a pod is (or would be)
// injected, in which sidecar mode and on which node (B14, B36).
type Explanation struct {
	Injection string
	Mode      string
	Placement string
	// Advice is what to run to get the sidecar, or "" when nothing is
	// needed.
	Advice string
	// Drift says how the namespace's injection labels differ from the
	// mesh instance's, and what settles it; "" when they agree.
	Drift string

	// Rule ids behind the sentences.
	InjectionRule, ModeRule, PlacementRule string
	// Warnings from the injection decision (ignored or conflicting labels).
	Warnings []string
}

// Lines renders the explanation as "Injection: ...", "Mode: ...",
// "Placement: ...", then "Advice: ..." and "Warning: ..." lines when set.
func (e Explanation) Lines() []string {
	lines := []string{"Injection: " + e.Injection, "Mode: " + e.Mode, "Placement: " + e.Placement}
	if e.Advice != "" {
		lines = append(lines, "Advice: "+e.Advice)
	}
	if e.Drift != "" {
		lines = append(lines, "Drift: "+e.Drift)
	}
	for _, w := range e.Warnings {
		lines = append(lines, "Warning: "+w)
	}
	return lines
}

func podExists(pod *corev1.Pod) bool {
	return !pod.CreationTimestamp.IsZero() || pod.UID != ""
}

// recreateAdvice names the commands that recreate the pod (B11, B12).
func recreateAdvice(pod *corev1.Pod, ns string) string {
	replace := fmt.Sprintf("kubectl get pod %s -n %s -o yaml | kubectl replace --force -f -", pod.Name, ns)
	if d := deploymentOf(pod); d != "" {
		return fmt.Sprintf("recreate it: kubectl rollout restart deployment %s -n %s, or %s", d, ns, replace)
	}
	return "recreate it: " + replace
}

// deploymentOf returns the Deployment that owns the pod through a
// ReplicaSet, or "".
func deploymentOf(pod *corev1.Pod) string {
	for _, o := range pod.OwnerReferences {
		if o.Kind != "ReplicaSet" {
			continue
		}
		if d, ok := replicaSetDeployment(o.Name, pod.Labels); ok {
			return d
		}
		if i := strings.LastIndex(o.Name, "-"); i > 0 {
			return o.Name[:i]
		}
	}
	return ""
}

// ExplainPod says which rule decided injection, mode and node (B14, B36),
// comparing what an existing pod has with what the rules decide now.
func ExplainPod(in ExplainInput) Explanation {
	pod := in.Pod
	if pod == nil {
		pod = &corev1.Pod{}
	}
	var nsLabels map[string]string
	ns := pod.Namespace
	if in.Namespace != nil {
		nsLabels = in.Namespace.Labels
		if in.Namespace.Name != "" {
			ns = in.Namespace.Name
		}
	}
	if ns == "" {
		ns = "default"
	}
	exists := podExists(pod)
	// A pod about to be created passes the ECI webhook first, where
	// ack-virtual-node runs (B21).
	candidate := pod
	if !exists && in.Cluster.VirtualNodeComponent {
		candidate, _ = ApplyECIScheduling(pod, nsLabels)
	}
	var ex Explanation
	if in.Instance != nil {
		if want, got := describeInjectionLabels(in.Instance.Labels), describeInjectionLabels(nsLabels); want != got {
			ex.Drift = fmt.Sprintf("namespace %q has %s in cluster %s, the mesh instance has %s: %s", ns, got, in.Cluster.Name, want,
				DriftAdvice(ns, in.Cluster.Name, in.Instance.Labels, nsLabels))
		}
	}
	if in.NotInMesh {
		return explainNotInMesh(ex, pod, exists, candidate, nsLabels, in)
	}
	d := DecideInjection(InjectionRequest{Namespace: ns, NamespaceLabels: nsLabels, Pod: candidate, Mesh: in.Mesh})
	ex.InjectionRule = d.Rule
	ex.Warnings = d.Warnings
	injected := IsInjected(pod)
	labelAdvice := fmt.Sprintf("kubectl label namespace %s %s=enabled --overwrite", ns, LabelInjection)
	switch {
	case !exists && d.Inject:
		ex.Injection = fmt.Sprintf("the pod would be injected: %s.", d.Reason)
	case !exists:
		ex.Injection = fmt.Sprintf("the pod would not be injected: %s.", d.Reason)
		ex.Advice = notInjectedAdvice(d, candidate, ns, labelAdvice)
	case injected && d.Inject:
		ex.Injection = fmt.Sprintf("the pod has istio-proxy: %s.", d.Reason)
	case injected:
		ex.Injection = fmt.Sprintf("the pod has istio-proxy, but a pod created now would not get one: %s.", d.Reason)
	case d.Inject:
		ex.Injection = fmt.Sprintf("the pod has no istio-proxy although %s now: it was created before injection applied to it, and injection happens only when a pod is created.", lowerFirst(d.Reason))
		ex.Advice = recreateAdvice(pod, ns)
	default:
		ex.Injection = fmt.Sprintf("the pod has no istio-proxy: %s.", d.Reason)
		if a := notInjectedAdvice(d, candidate, ns, labelAdvice); a != "" {
			ex.Advice = a + ", then " + recreateAdvice(pod, ns)
		}
	}

	ex.Mode, ex.ModeRule = explainMode(pod, exists, injected, d.Inject, in.Mesh, in.Cluster)
	ex.Placement, ex.PlacementRule = explainPlacement(candidate, exists, nsLabels, in.Nodes, in.PodsPerNode, in.Requested, in.Cluster.VirtualNodeComponent)
	ex.Placement = inertECI(ex.Placement, candidate, nsLabels, in.Cluster)
	return ex
}

// RuleNotInMesh is the injection rule of a pod in a cluster that is not
// part of the mesh: no injector of the mesh is installed there.
const RuleNotInMesh = "cluster-not-in-mesh"

// explainNotInMesh explains a pod of a cluster outside the mesh: no
// injector of the mesh runs there, whatever the labels say.
func explainNotInMesh(ex Explanation, pod *corev1.Pod, exists bool, candidate *corev1.Pod, nsLabels map[string]string, in ExplainInput) Explanation {
	ex.InjectionRule = RuleNotInMesh
	where := fmt.Sprintf("cluster %s is not part of the mesh, so no sidecar injector of the mesh runs there, whatever the labels say", in.Cluster.Name)
	switch {
	case exists && IsInjected(pod):
		ex.Injection = fmt.Sprintf("the pod has istio-proxy, but %s: a pod created now would not get one.", where)
	case exists:
		ex.Injection = fmt.Sprintf("the pod has no istio-proxy: %s.", where)
		ex.Advice = fmt.Sprintf("add the cluster to the mesh (mesh add-cluster %s), then %s", in.Cluster.Name, recreateAdvice(pod, pod.Namespace))
	default:
		ex.Injection = fmt.Sprintf("the pod would not be injected: %s.", where)
		ex.Advice = fmt.Sprintf("add the cluster to the mesh: mesh add-cluster %s", in.Cluster.Name)
	}
	ex.Mode, ex.ModeRule = "no injector of the mesh runs in the cluster, so no sidecar mode applies.", "not-in-mesh"
	ex.Placement, ex.PlacementRule = explainPlacement(candidate, exists, nsLabels, in.Nodes, in.PodsPerNode, in.Requested, in.Cluster.VirtualNodeComponent)
	ex.Placement = inertECI(ex.Placement, candidate, nsLabels, in.Cluster)
	return ex
}

// inertECI appends to a placement sentence that the pod's or namespace's
// alibabacloud.com/eci=true has no effect in a cluster without
// ack-virtual-node (B21).
func inertECI(placement string, pod *corev1.Pod, nsLabels map[string]string, cluster ClusterInfo) string {
	wants, why := WantsECI(pod.Labels, nsLabels)
	if !wants || cluster.VirtualNodeComponent {
		return placement
	}
	return fmt.Sprintf("%s The %s label has no effect (%s): cluster %s does not run the ack-virtual-node component, whose webhook acts on it.",
		placement, LabelECI, why, cluster.Name)
}

func notInjectedAdvice(d InjectionDecision, pod *corev1.Pod, ns, labelAdvice string) string {
	switch d.Rule {
	case RuleNoSelectorMatched, RuleNamespaceInjectionUnrecognized, RuleNamespaceInjectionDisabled:
		return labelAdvice
	case RulePodOptOutLabel, RulePodAnnotation:
		if s := readPodInjectSetting(pod, false, func(string) {}); s.source != "" && s.value != "false" {
			return fmt.Sprintf("remove the pod's %s (or set it to true)", s.describe())
		}
		return fmt.Sprintf("remove the pod's %s=false (label or annotation)", LabelSidecarInject)
	case RuleECIVersionTooOld:
		return fmt.Sprintf("upgrade the ASM instance to %s or later", MinECIVersion())
	}
	return ""
}

func explainMode(pod *corev1.Pod, exists, injected, willInject bool, mesh MeshConfig, cluster ClusterInfo) (string, string) {
	now := DecideSidecarMode(pod, mesh, cluster)
	if exists && injected {
		actual, ok := PodSidecarMode(pod)
		if !ok {
			return "the pod carries the sidecar status annotation but istio-proxy is neither a container nor an init container with restartPolicy: Always.", "unknown"
		}
		where := "istio-proxy is in containers"
		if actual == ModeNative {
			where = "istio-proxy is in initContainers with restartPolicy: Always"
		}
		if actual == now.Mode {
			return fmt.Sprintf("the sidecar is %s (%s): %s.", actual, where, now.Reason), now.Rule
		}
		return fmt.Sprintf("the sidecar is %s (%s), but a pod created now would be %s: %s.", actual, where, now.Mode, now.Reason), now.Rule
	}
	if willInject && !exists {
		return fmt.Sprintf("the sidecar would be %s: %s.", now.Mode, now.Reason), now.Rule
	}
	return fmt.Sprintf("the pod has no sidecar; one injected now would be %s: %s.", now.Mode, now.Reason), now.Rule
}

func explainPlacement(pod *corev1.Pod, exists bool, nsLabels map[string]string, nodes []corev1.Node, podsPerNode map[string]int, requested map[string]Resources, eciComponent bool) (string, string) {
	wants, why := WantsECI(pod.Labels, nsLabels)
	if wants && !eciComponent {
		// Nothing acts on the label (B21); inertECI says so.
		wants, why = false, "no webhook sends it to ECI"
	}
	pinned := pod.Spec.NodeSelector[NodeLabelType] == NodeTypeVirtualKubelet
	if exists && pod.Spec.NodeName != "" {
		var node *corev1.Node
		for i := range nodes {
			if nodes[i].Name == pod.Spec.NodeName {
				node = &nodes[i]
			}
		}
		switch {
		case IsVirtualNode(node) && pinned:
			return fmt.Sprintf("the pod runs on ECI virtual node %s: %s, so the ECI webhook gave it nodeSelector %s=%s.",
				node.Name, eciWhy(pod, nsLabels), NodeLabelType, NodeTypeVirtualKubelet), PlacementVirtualNode
		case IsVirtualNode(node):
			return fmt.Sprintf("the pod runs on ECI virtual node %s.", node.Name), PlacementVirtualNode
		case wants && !pinned:
			return fmt.Sprintf("the pod runs on regular node %s: %s now, but it was created before that applied, and existing pods stay where they are.",
				pod.Spec.NodeName, why), PlacementRegularNode
		default:
			return fmt.Sprintf("the pod runs on regular node %s: %s.", pod.Spec.NodeName, why), PlacementRegularNode
		}
	}
	d := DecidePlacementWithLoad(pod, nodes, podsPerNode, requested)
	if exists {
		if d.Scheduled {
			if len(d.Candidates) > 1 {
				return fmt.Sprintf("the pod is not scheduled yet; the scheduler would pick one of %s: %s.", d.Nodes(), d.Reason), d.Rule
			}
			return fmt.Sprintf("the pod is not scheduled yet; the scheduler would pick node %s: %s.", d.Node, d.Reason), d.Rule
		}
		return fmt.Sprintf("the pod is Pending: %s.", trimPeriod(d.Reason)), d.Rule
	}
	if !d.Scheduled {
		return fmt.Sprintf("the pod would stay Pending: %s.", trimPeriod(d.Reason)), d.Rule
	}
	if d.Rule == PlacementVirtualNode {
		return fmt.Sprintf("the pod would run on ECI virtual node %s: %s.", d.Nodes(), eciWhy(pod, nsLabels)), d.Rule
	}
	if len(d.Candidates) > 1 {
		// kube-scheduler picks at random among equally scored nodes:
		// only the set is certain.
		return fmt.Sprintf("the pod would run on regular node %s, whichever kube-scheduler picks among equally scored nodes: %s.", d.Nodes(), why), d.Rule
	}
	return fmt.Sprintf("the pod would run on regular node %s: %s.", d.Node, why), d.Rule
}

// eciWhy says which label sent the pod to ECI.
func eciWhy(pod *corev1.Pod, nsLabels map[string]string) string {
	if wants, why := WantsECI(pod.Labels, nsLabels); wants {
		return why
	}
	return fmt.Sprintf("its nodeSelector has %s=%s", NodeLabelType, NodeTypeVirtualKubelet)
}

func trimPeriod(s string) string { return strings.TrimSuffix(s, ".") }
