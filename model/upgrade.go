package model

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// CheckMeshUpgrade says whether the mesh can move from one release to
// another in place: only to a newer release of the same profile.
func CheckMeshUpgrade(p Profile, from, to ASMVersion) error {
	switch c := to.Compare(from); {
	case c == 0:
		return fmt.Errorf("the mesh already runs %s", FormatMeshVersion(p, from))
	case c < 0:
		return fmt.Errorf("%s is older than the mesh's %s: an in-place upgrade only moves to a newer release", FormatMeshVersion(p, to), FormatMeshVersion(p, from))
	}
	return nil
}

// CheckKubeUpgrade says whether a cluster can move from one Kubernetes
// version to another: to a newer minor version, one minor at a time, as
// Kubernetes' version skew policy allows for the control plane.
func CheckKubeUpgrade(from, to KubeVersion) error {
	switch c := to.Compare(from); {
	case c == 0:
		return fmt.Errorf("the cluster already runs Kubernetes %s", from)
	case c < 0:
		return fmt.Errorf("Kubernetes %s is older than the cluster's %s: a cluster is only upgraded, never downgraded", to, from)
	case to.Major != from.Major || to.Minor != from.Minor+1:
		return fmt.Errorf("Kubernetes %s skips a minor version: the control plane is upgraded one minor version at a time (next: %d.%d)", to, from.Major, from.Minor+1)
	}
	return nil
}

// ProxyVersion reads the release of an injected pod's istio-proxy from
// its image tag (proxyv2:v1.22.2.35-ge64ec8af-aliyun gives 1.22.2.35), or
// "" when the pod has no istio-proxy.
func ProxyVersion(pod *corev1.Pod) string {
	if pod == nil {
		return ""
	}
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			if c.Name != ProxyContainerName {
				continue
			}
			_, tag, ok := strings.Cut(c.Image[strings.LastIndex(c.Image, "/")+1:], ":")
			if !ok {
				return "unknown"
			}
			tag = strings.TrimPrefix(tag, "v")
			v, _, _ := strings.Cut(tag, "-")
			return v
		}
	}
	return ""
}

// SidecarState is what a pod has of the mesh: a sidecar or not, its mode
// and its proxy's release.
type SidecarState struct {
	Injected     bool
	Mode         SidecarMode
	ProxyVersion string
}

// String renders the state as "native 1.22.2.35", "traditional
// 1.21.6.3" or "no sidecar".
func (s SidecarState) String() string {
	if !s.Injected {
		return "no sidecar"
	}
	return strings.TrimSpace(fmt.Sprintf("%s %s", s.Mode, s.ProxyVersion))
}

// PodSidecarState reads the state of an existing pod.
func PodSidecarState(pod *corev1.Pod) SidecarState {
	if !IsInjected(pod) {
		return SidecarState{}
	}
	mode, _ := PodSidecarMode(pod)
	return SidecarState{Injected: true, Mode: mode, ProxyVersion: ProxyVersion(pod)}
}

// Workload is a controller's pods as an upgrade what-if reads them: the
// pod its template would create now, and the pods it has.
type Workload struct {
	// Kind is lower-case, as kubectl names it: deployment, statefulset,
	// daemonset, job, replicaset, pod (a pod no controller owns).
	Kind, Namespace, Name string
	// Template is the pod a restart would create, before admission.
	Template *corev1.Pod
	// Pods are the workload's pods now.
	Pods []*corev1.Pod
}

// UpgradeSide is the versions on one side of an upgrade: the mesh and the
// cluster.
type UpgradeSide struct {
	Mesh    MeshConfig
	Cluster ClusterInfo
}

// UpgradeRow is one workload in an upgrade what-if: what its pods have
// now and what a pod created after the upgrade would have.
type UpgradeRow struct {
	Cluster, Namespace, Workload string
	Pods                         int
	Now                          string
	OnRestart                    SidecarState
	// Changes is true when some pod of the workload would differ once
	// recreated.
	Changes bool
	// Rule is the rule that decides OnRestart: the mode rule when the
	// pod is injected, else the injection rule.
	Rule string
}

// PlanUpgrade lists, for each workload of one cluster, what a restart
// after the upgrade would give its pods (B38). nsLabels holds each
// namespace's labels. Rows are in the order of the workloads given.
func PlanUpgrade(after UpgradeSide, nsLabels map[string]map[string]string, workloads []Workload) []UpgradeRow {
	rows := make([]UpgradeRow, 0, len(workloads))
	for _, w := range workloads {
		next, rule := restartState(w, after, nsLabels[w.Namespace])
		var now []string
		changes := false
		for _, p := range w.Pods {
			st := PodSidecarState(p)
			if st != next {
				changes = true
			}
			if s := st.String(); !slices.Contains(now, s) {
				now = append(now, s)
			}
		}
		slices.Sort(now)
		nowText := strings.Join(now, " + ")
		if len(w.Pods) == 0 {
			nowText = "no pods"
			changes = false
		}
		rows = append(rows, UpgradeRow{
			Cluster: after.Cluster.Name, Namespace: w.Namespace, Workload: w.Kind + "/" + w.Name,
			Pods: len(w.Pods), Now: nowText, OnRestart: next, Changes: changes, Rule: rule,
		})
	}
	return rows
}

// restartState decides what a pod of the workload created under side
// would have, and the rule that decides it.
func restartState(w Workload, side UpgradeSide, nsLabels map[string]string) (SidecarState, string) {
	pod := w.Template
	if pod == nil {
		pod = &corev1.Pod{}
	}
	pod, _ = ApplyECIScheduling(pod, nsLabels)
	d := DecideInjection(InjectionRequest{Namespace: w.Namespace, NamespaceLabels: nsLabels, Pod: pod, Mesh: side.Mesh})
	if !d.Inject {
		return SidecarState{}, d.Rule
	}
	m := DecideSidecarMode(pod, side.Mesh, side.Cluster)
	return SidecarState{Injected: true, Mode: m.Mode, ProxyVersion: side.Mesh.Version.String()}, m.Rule
}
