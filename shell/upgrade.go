package shell

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
)

// meshUpgrade is `mesh upgrade --version V [--dry-run]` (B38).
func (s *Session) meshUpgrade(e *cmdEnv, version string, dryRun bool) error {
	inst, err := s.mesh()
	if err != nil {
		return fmt.Errorf("mesh upgrade: %w", err)
	}
	if !e.fs.Changed("version") {
		return fmt.Errorf("mesh upgrade: --version is required (for example --version 1.22.2.35)")
	}
	cfg := inst.Config()
	to, err := model.ParseMeshVersion(cfg.Profile, version)
	if err != nil {
		return fmt.Errorf("mesh upgrade: --version: %w", err)
	}
	if err := model.CheckMeshUpgrade(cfg.Profile, cfg.Version, to); err != nil {
		return fmt.Errorf("mesh upgrade: %w", err)
	}
	after := cfg
	after.Version = to
	if dryRun {
		fmt.Fprintf(e.out, "What a restart would change after upgrading the mesh from %s to %s (dry run: nothing changed):\n", cfg.VersionName(), after.VersionName())
		return s.upgradeWhatIf(e, inst.Clusters(), func(info model.ClusterInfo) model.UpgradeSide {
			return model.UpgradeSide{Mesh: after, Cluster: info}
		})
	}
	if err := inst.Upgrade(e.ctx, to); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "mesh upgraded: %s -> %s; running pods keep their sidecars until they are recreated\n", cfg.VersionName(), after.VersionName())
	return nil
}

// clusterUpgrade is `cluster upgrade NAME --kubernetes-version V [--dry-run]` (B38).
func (s *Session) clusterUpgrade(e *cmdEnv, version string, dryRun bool) error {
	name := e.args[0]
	if !e.fs.Changed("kubernetes-version") {
		return fmt.Errorf("cluster upgrade %s: --kubernetes-version is required (for example --kubernetes-version 1.31)", name)
	}
	to, err := model.ParseKubeVersion(version)
	if err != nil {
		return fmt.Errorf("cluster upgrade %s: --kubernetes-version: %w", name, err)
	}
	info, err := s.backend.ClusterInfo(name)
	if err != nil {
		return fmt.Errorf("cluster upgrade: %w", err)
	}
	if err := model.CheckKubeUpgrade(info.KubeVersion, to); err != nil {
		return fmt.Errorf("cluster upgrade %s: %w", name, err)
	}
	if err := model.CheckModelledKubeVersion(to); err != nil {
		return fmt.Errorf("cluster upgrade %s: %w", name, err)
	}
	if err := explainGateErrors(model.CheckFeatureGates(to, info.FeatureGates)); err != nil {
		return fmt.Errorf("cluster upgrade %s: the cluster's --feature-gates on Kubernetes %s: %w", name, to, err)
	}
	if dryRun {
		inst, err := s.mesh()
		if err != nil {
			return fmt.Errorf("cluster upgrade %s --dry-run: %w", name, err)
		}
		if !slices.Contains(inst.Clusters(), name) {
			return fmt.Errorf("cluster upgrade %s --dry-run: the cluster is not in the mesh, so no pod of it is injected either way", name)
		}
		mesh := inst.Config()
		fmt.Fprintf(e.out, "What a restart would change after upgrading cluster %s from Kubernetes %s to %s (dry run: nothing changed):\n", name, info.KubeVersion, to)
		return s.upgradeWhatIf(e, []string{name}, func(info model.ClusterInfo) model.UpgradeSide {
			info.KubeVersion = to
			return model.UpgradeSide{Mesh: mesh, Cluster: info}
		})
	}
	if err := s.backend.UpgradeCluster(e.ctx, name, to); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "cluster %q upgraded: Kubernetes %s -> %s; running pods keep what they have until they are recreated\n", name, info.KubeVersion, to)
	return nil
}

// upgradeWhatIf prints, for every workload of the clusters, what its pods
// have and what a restart under side(cluster) would give them.
func (s *Session) upgradeWhatIf(e *cmdEnv, clusters []string, side func(model.ClusterInfo) model.UpgradeSide) error {
	tw := newConsoleTable(e.out)
	fmt.Fprintln(tw, "CLUSTER\tNAMESPACE\tWORKLOAD\tPODS\tNOW\tON RESTART\tCHANGES\tRULE")
	changing := 0
	for _, c := range clusters {
		info, err := s.backend.ClusterInfo(c)
		if err != nil {
			return err
		}
		client, err := s.backend.Client(c)
		if err != nil {
			return err
		}
		nsLabels, workloads, err := listWorkloads(e.ctx, client)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", c, err)
		}
		for _, r := range model.PlanUpgrade(side(info), nsLabels, workloads) {
			changes := "no"
			if r.Changes {
				changes = "yes"
				changing++
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Cluster, r.Namespace, r.Workload, r.Pods, r.Now, r.OnRestart, changes, r.Rule)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	switch changing {
	case 0:
		fmt.Fprintln(e.out, "No workload's pods would change on restart.")
	case 1:
		fmt.Fprintln(e.out, "1 workload's pods would change on restart; `explain KIND NAME` says why.")
	default:
		fmt.Fprintf(e.out, "%d workloads' pods would change on restart; `explain KIND NAME` says why.\n", changing)
	}
	return nil
}

// listWorkloads reads the workloads of a cluster (outside the namespaces
// the injector ignores and istio-system): each controller at the top of
// its owner chain with the pods under it, and each pod no controller
// owns. It also returns every namespace's labels.
func listWorkloads(ctx context.Context, client kubernetes.Interface) (map[string]map[string]string, []model.Workload, error) {
	nss, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("list namespaces: %w", err)
	}
	nsLabels := map[string]map[string]string{}
	for _, ns := range nss.Items {
		nsLabels[ns.Name] = ns.Labels
	}
	skip := func(ns string) bool { return model.IsIgnoredNamespace(ns) || ns == "istio-system" }

	// owner maps a controller's UID to the UID of the controller that
	// owns it; workload maps a top-level controller's UID to its index.
	owner := map[types.UID]types.UID{}
	index := map[types.UID]int{}
	var out []model.Workload
	add := func(kind string, m metav1.ObjectMeta, tmpl corev1.PodTemplateSpec) {
		if ref := metav1.GetControllerOf(&m); ref != nil {
			owner[m.UID] = ref.UID
			return
		}
		pod := &corev1.Pod{ObjectMeta: *tmpl.ObjectMeta.DeepCopy(), Spec: *tmpl.Spec.DeepCopy()}
		pod.Namespace = m.Namespace
		if pod.Name == "" {
			pod.Name = m.Name
		}
		index[m.UID] = len(out)
		out = append(out, model.Workload{Kind: kind, Namespace: m.Namespace, Name: m.Name, Template: pod})
	}
	deps, err := client.AppsV1().Deployments(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("list deployments: %w", err)
	}
	for _, d := range deps.Items {
		if !skip(d.Namespace) {
			add("deployment", d.ObjectMeta, d.Spec.Template)
		}
	}
	rss, err := client.AppsV1().ReplicaSets(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("list replicasets: %w", err)
	}
	for _, rs := range rss.Items {
		if !skip(rs.Namespace) {
			add("replicaset", rs.ObjectMeta, rs.Spec.Template)
		}
	}
	if err := listMoreWorkloads(ctx, client, skip, add); err != nil {
		return nil, nil, err
	}
	pods, err := client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("list pods: %w", err)
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if skip(p.Namespace) || p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		ref := metav1.GetControllerOf(p)
		if ref == nil {
			tmpl := model.StripInjection(p)
			tmpl.UID, tmpl.CreationTimestamp, tmpl.Spec.NodeName = "", metav1.Time{}, ""
			out = append(out, model.Workload{Kind: "pod", Namespace: p.Namespace, Name: p.Name, Template: tmpl, Pods: []*corev1.Pod{p}})
			continue
		}
		top := ref.UID
		for seen := 0; seen < 8; seen++ {
			up, ok := owner[top]
			if !ok {
				break
			}
			top = up
		}
		if k, ok := index[top]; ok {
			out[k].Pods = append(out[k].Pods, p)
		}
	}
	slices.SortStableFunc(out, func(a, b model.Workload) int {
		if c := compareStrings(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		if c := compareStrings(a.Kind, b.Kind); c != 0 {
			return c
		}
		return compareStrings(a.Name, b.Name)
	})
	return nsLabels, out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// listMoreWorkloads adds the Jobs (a Job's pods run to completion, so a
// Job counts only while it has running pods).
func listMoreWorkloads(ctx context.Context, client kubernetes.Interface, skip func(string) bool, add func(string, metav1.ObjectMeta, corev1.PodTemplateSpec)) error {
	jobs, err := client.BatchV1().Jobs(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list jobs: %w", err)
	}
	for _, j := range jobs.Items {
		if !skip(j.Namespace) {
			add("job", j.ObjectMeta, j.Spec.Template)
		}
	}
	return nil
}

// explainWorkload is `explain deployment NAME`: the pod its template
// would create now, explained, then what its pods have.
func (s *Session) explainWorkload(e *cmdEnv, kind string, o explainOptions) error {
	name := e.args[0]
	cluster, err := s.contextOrCurrent(o.context, "--context")
	if err != nil {
		return fmt.Errorf("explain %s: %w", kind, err)
	}
	inst, err := s.mesh()
	if err != nil {
		return fmt.Errorf("explain %s: %w", kind, err)
	}
	info, err := s.backend.ClusterInfo(cluster)
	if err != nil {
		return fmt.Errorf("explain %s: %w", kind, err)
	}
	client, err := s.backend.Client(cluster)
	if err != nil {
		return fmt.Errorf("explain %s: %w", kind, err)
	}
	ns := o.namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	// Make sure the workload exists, with the API server's own error.
	if err := getWorkload(e.ctx, client, kind, ns, name); err != nil {
		return fmt.Errorf("explain %s %s/%s in cluster %s: %w", kind, ns, name, cluster, err)
	}
	_, workloads, err := listWorkloads(e.ctx, client)
	if err != nil {
		return fmt.Errorf("explain %s: cluster %s: %w", kind, cluster, err)
	}
	var w *model.Workload
	for i := range workloads {
		if workloads[i].Kind == kind && workloads[i].Namespace == ns && workloads[i].Name == name {
			w = &workloads[i]
		}
	}
	if w == nil {
		return fmt.Errorf("explain %s %s/%s: it is owned by another controller; explain that one", kind, ns, name)
	}
	nsObj, err := client.CoreV1().Namespaces().Get(e.ctx, ns, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("explain %s %s/%s in cluster %s: %w", kind, ns, name, cluster, err)
	}
	nodes, perNode, requested, err := nodeLoad(e.ctx, client)
	if err != nil {
		return fmt.Errorf("explain %s: cluster %s: %w", kind, cluster, err)
	}
	ex := model.ExplainPod(model.ExplainInput{
		Pod: w.Template, Namespace: nsObj, Mesh: inst.Config(), Cluster: info, Nodes: nodes, PodsPerNode: perNode, Requested: requested,
	})
	fmt.Fprintf(e.out, "A pod of %s/%s created now:\n", kind, name)
	for _, l := range ex.Lines() {
		fmt.Fprintf(e.out, "  %s\n", l)
	}
	counts := map[string]int{}
	for _, p := range w.Pods {
		counts[model.PodSidecarState(p).String()]++
	}
	if len(w.Pods) == 0 {
		fmt.Fprintln(e.out, "Its pods now: none.")
		return nil
	}
	fmt.Fprintln(e.out, "Its pods now:")
	for _, st := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(e.out, "  %s: %s\n", plural(counts[st], "pod"), st)
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// getWorkload reads a workload so that a missing one gets the API
// server's NotFound.
func getWorkload(ctx context.Context, client kubernetes.Interface, kind, ns, name string) error {
	var err error
	switch kind {
	case "deployment":
		_, err = client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	case "replicaset":
		_, err = client.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
	case "job":
		_, err = client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	default:
		err = fmt.Errorf("explain does not know the kind %q", kind)
	}
	return err
}

// meshRemoveCluster is `mesh remove-cluster NAME`.
func (s *Session) meshRemoveCluster(e *cmdEnv) error {
	name := e.args[0]
	changed, emptied, err := s.backend.LeaveCluster(e.ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "cluster %q removed from the mesh\n", name)
	for _, ns := range changed {
		if slices.Contains(emptied, ns) {
			fmt.Fprintf(e.out, "namespace %s: %s was its only homing cluster; with no homing set it now belongs to every cluster of the mesh\n", ns, name)
			continue
		}
		fmt.Fprintf(e.out, "namespace %s: %s left its homing clusters\n", ns, name)
	}
	return nil
}

// clusterDelete is `cluster delete NAME`.
func (s *Session) clusterDelete(e *cmdEnv) error {
	name := e.args[0]
	if err := s.backend.DeleteCluster(e.ctx, name); err != nil {
		return err
	}
	if s.context == name {
		s.context = ""
	}
	fmt.Fprintf(e.out, "cluster %q deleted\n", name)
	return nil
}
