package shell

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
)

type explainOptions struct {
	namespace string
	context   string
	filename  string
}

// explainPod is `explain pod NAME [-n NS] [--context C]` for an existing
// pod, and `explain pod [NAME] -f FILE|-` for the pod of a manifest as if
// it were created now (B14, B36).
func (s *Session) explainPod(e *cmdEnv, o explainOptions) error {
	name := ""
	if len(e.args) > 0 {
		name = e.args[0]
	}
	if name == "" && o.filename == "" {
		return errors.New("explain pod needs NAME (an existing pod) or -f FILE (a pod about to be created)")
	}
	cluster, err := s.contextOrCurrent(o.context, "--context")
	if err != nil {
		return fmt.Errorf("explain pod: %w", err)
	}
	if cluster == model.ContextASM {
		return fmt.Errorf("explain pod: context %q is the mesh instance's control plane, which runs no pods; name a cluster with --context", cluster)
	}
	inst, err := s.mesh()
	if err != nil {
		return fmt.Errorf("explain pod: %w", err)
	}
	info, err := s.backend.ClusterInfo(cluster)
	if err != nil {
		return fmt.Errorf("explain pod: %w", err)
	}
	client, err := s.backend.Client(cluster)
	if err != nil {
		return fmt.Errorf("explain pod: %w", err)
	}

	var pods []*corev1.Pod
	var titles []string
	if o.filename != "" {
		pods, titles, err = s.manifestPods(e, o.filename, name, o.namespace)
		if err != nil {
			return fmt.Errorf("explain pod: %w", err)
		}
	} else {
		ns := o.namespace
		if ns == "" {
			ns = metav1.NamespaceDefault
		}
		pod, err := client.CoreV1().Pods(ns).Get(e.ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("explain pod %s/%s in cluster %s: %w", ns, name, cluster, err)
		}
		pods = []*corev1.Pod{pod}
	}

	nodes, perNode, requested, err := nodeLoad(e.ctx, client)
	if err != nil {
		return fmt.Errorf("explain pod: cluster %s: %w", cluster, err)
	}
	members := inst.Clusters()
	global, err := inst.Namespaces(e.ctx)
	if err != nil {
		return fmt.Errorf("explain pod: %w", err)
	}
	for i, pod := range pods {
		nsObj, err := client.CoreV1().Namespaces().Get(e.ctx, pod.Namespace, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("explain pod %s/%s in cluster %s: %w", pod.Namespace, pod.Name, cluster, err)
		}
		in := model.ExplainInput{
			Pod: pod, Namespace: nsObj, Mesh: inst.Config(), Cluster: info,
			Nodes: nodes, PodsPerNode: perNode, Requested: requested,
			NotInMesh: !slices.Contains(members, cluster),
		}
		for j := range global {
			if g := global[j]; g.Name == pod.Namespace && !model.SyncSkipsNamespace(g.Name) && slices.Contains(model.HomingOf(g, members), cluster) {
				in.Instance = &g
			}
		}
		ex := model.ExplainPod(in)
		if len(pods) > 1 {
			if i > 0 {
				fmt.Fprintln(e.out)
			}
			fmt.Fprintf(e.out, "%s:\n", titles[i])
		}
		for _, l := range ex.Lines() {
			fmt.Fprintln(e.out, l)
		}
	}
	return nil
}

// manifestPods returns the pods a manifest would create, as if created
// now (no uid, no node, no status), with a title for each; name, when
// set, picks one object of the manifest.
func (s *Session) manifestPods(e *cmdEnv, filename, name, namespace string) ([]*corev1.Pod, []string, error) {
	data, source, err := s.readManifestInput(filename, e.stdin)
	if err != nil {
		return nil, nil, err
	}
	docs, err := decodeManifestDocs(data, source)
	if err != nil {
		return nil, nil, err
	}
	var flat []manifestDoc
	var walk func(ds []manifestDoc)
	walk = func(ds []manifestDoc) {
		for _, d := range ds {
			walk(d.items)
			if d.template != nil {
				flat = append(flat, d)
			}
		}
	}
	walk(docs)
	var pods []*corev1.Pod
	var titles []string
	var names []string
	for i := range flat {
		d := &flat[i]
		names = append(names, d.objMeta.Name)
		if name != "" && d.objMeta.Name != name {
			continue
		}
		pod := d.pod()
		pod.UID = ""
		pod.CreationTimestamp = metav1.Time{}
		pod.ResourceVersion = ""
		pod.Spec.NodeName = ""
		pod.Status = corev1.PodStatus{}
		if namespace != "" {
			pod.Namespace = namespace
		}
		if pod.Namespace == "" {
			pod.Namespace = metav1.NamespaceDefault
		}
		pods = append(pods, pod)
		titles = append(titles, fmt.Sprintf("%s %s/%s", d.meta.Kind, pod.Namespace, d.objMeta.Name))
	}
	switch {
	case len(flat) == 0:
		return nil, nil, fmt.Errorf("%s holds no pod and no workload with a pod template", source)
	case len(pods) == 0:
		return nil, nil, fmt.Errorf("%s has no pod or workload named %q (it has: %s)", source, name, strings.Join(names, ", "))
	}
	return pods, titles, nil
}

// nodeLoad lists the cluster's nodes and how many running or pending pods
// each one holds.
func nodeLoad(ctx context.Context, client kubernetes.Interface) ([]corev1.Node, map[string]int, map[string]model.Resources, error) {
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list nodes: %w", err)
	}
	pods, err := client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list pods: %w", err)
	}
	perNode := map[string]int{}
	requested := map[string]model.Resources{}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		perNode[p.Spec.NodeName]++
		if requested[p.Spec.NodeName] == nil {
			requested[p.Spec.NodeName] = model.Resources{}
		}
		requested[p.Spec.NodeName].Add(model.PodRequests(p))
	}
	return nodes.Items, perNode, requested, nil
}

type analyzeOptions struct {
	context   string
	namespace string
}

// analyze is `analyze [--context C] [-n NS]`, like istioctl analyze
// across the mesh (B35): the instance's global namespaces and every
// member cluster, or the one cluster named.
func (s *Session) analyze(e *cmdEnv, o analyzeOptions) error {
	inst, err := s.mesh()
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	analysis := model.NewAnalysis(inst.Config())
	members := inst.Clusters()
	clusters := members
	subject := "the mesh"
	if o.context != "" {
		if o.context == model.ContextASM {
			return fmt.Errorf("analyze: context %q is the mesh instance's control plane; its namespaces are compared with every cluster's when --context is not given", o.context)
		}
		if !slices.Contains(members, o.context) {
			return fmt.Errorf("analyze: %w", model.NewUnknownClusterError(o.context, members))
		}
		clusters = []string{o.context}
		subject = "cluster " + o.context
	}
	// One cluster at a time: the analysis keeps a cluster's namespaces,
	// not its pods, so a fleet's pods are never all held at once.
	for _, c := range clusters {
		snap, err := clusterSnapshot(e.ctx, s.backend, c, o.namespace)
		if err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
		analysis.AddCluster(snap)
	}
	// The instance's namespaces, for drift against the analyzed clusters.
	nss, err := inst.Namespaces(e.ctx)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	instance := []model.GlobalNamespace{}
	for _, ns := range nss {
		if o.namespace == "" || ns.Name == o.namespace {
			instance = append(instance, ns)
		}
	}
	if o.namespace != "" {
		subject = fmt.Sprintf("namespace %s in %s", o.namespace, subject)
	}
	findings := analysis.Findings(instance)
	if len(findings) == 0 {
		fmt.Fprintf(e.out, "✔ No validation issues found when analyzing %s.\n", subject)
		return nil
	}
	for _, f := range findings {
		fmt.Fprintln(e.out, formatFinding(f))
	}
	return nil
}

// formatFinding prints a finding as istioctl analyze does:
// `Warning [IST0103] (Pod demo/nginx (cluster c1)) The pod is missing the istio-proxy container. Fix: restart or redeploy the workload`.
func formatFinding(f model.Finding) string {
	msg := strings.TrimSuffix(upperFirst(f.Message), ".")
	line := fmt.Sprintf("%s [%s] (%s) %s.", f.Level, f.Code, f.Resource, msg)
	if f.Fix != "" {
		line += " Fix: " + f.Fix
	}
	return line
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// clusterSnapshot reads what Analyze needs of one cluster; namespace, when
// set, keeps only that namespace and its pods. A backend that can show
// its pods without copying them (PodViewer) is read that way.
func clusterSnapshot(ctx context.Context, b Backend, cluster, namespace string) (model.ClusterSnapshot, error) {
	info, err := b.ClusterInfo(cluster)
	if err != nil {
		return model.ClusterSnapshot{}, err
	}
	client, err := b.Client(cluster)
	if err != nil {
		return model.ClusterSnapshot{}, err
	}
	snap := model.ClusterSnapshot{Info: info}
	nss, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return snap, fmt.Errorf("cluster %s: list namespaces: %w", cluster, err)
	}
	for _, ns := range nss.Items {
		if namespace == "" || ns.Name == namespace {
			snap.Namespaces = append(snap.Namespaces, ns)
		}
	}
	if v, ok := b.(PodViewer); ok {
		err := v.ViewPods(ctx, cluster, namespace, func(p *corev1.Pod) { snap.Pods = append(snap.Pods, p) })
		if err != nil {
			return snap, fmt.Errorf("cluster %s: list pods: %w", cluster, err)
		}
		return snap, nil
	}
	podNS := metav1.NamespaceAll
	if namespace != "" {
		podNS = namespace
	}
	pods, err := client.CoreV1().Pods(podNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		return snap, fmt.Errorf("cluster %s: list pods: %w", cluster, err)
	}
	for i := range pods.Items {
		snap.Pods = append(snap.Pods, &pods.Items[i])
	}
	return snap, nil
}
