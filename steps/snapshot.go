package steps

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/shell"
)

// Snapshot is the whole observable state of a backend, as sorted lines of
// text: for every kubectl context (each cluster, and "asm" when a mesh
// exists) its namespaces, pods, deployments, replicasets, jobs, services
// and configmaps (identity, labels, annotations and the spec fields a
// user changes, never status), plus the mesh's config, member clusters
// and the homing of every global namespace. Two snapshots are equal when
// nothing a user could have changed did change; controllers updating
// status do not count.
type Snapshot struct {
	Lines []string
}

// Equal reports whether s and o describe the same state.
func (s *Snapshot) Equal(o *Snapshot) bool { return reflect.DeepEqual(s.Lines, o.Lines) }

// Diff renders what differs between s (before) and after: "- " lines are
// gone, "+ " lines are new; "" when the snapshots are equal.
func (s *Snapshot) Diff(after *Snapshot) string {
	if s.Equal(after) {
		return ""
	}
	inBefore := make(map[string]bool, len(s.Lines))
	for _, l := range s.Lines {
		inBefore[l] = true
	}
	inAfter := make(map[string]bool, len(after.Lines))
	for _, l := range after.Lines {
		inAfter[l] = true
	}
	var out []string
	for _, l := range s.Lines {
		if !inAfter[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range after.Lines {
		if !inBefore[l] {
			out = append(out, "+ "+l)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i][2:] < out[j][2:] })
	return strings.Join(out, "\n")
}

// TakeSnapshot reads the whole observable state of b through the Backend
// interface and client-go only.
func TakeSnapshot(ctx context.Context, b shell.Backend) (*Snapshot, error) {
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }

	clusters := b.Clusters()
	add("clusters [%s]", strings.Join(clusters, ","))
	for _, c := range clusters {
		info, err := b.ClusterInfo(c)
		if err != nil {
			return nil, fmt.Errorf("snapshot: cluster %q: %w", c, err)
		}
		add("cluster %s kubernetes=%s region=%s zone=%s feature-gates=%s",
			c, info.KubeVersion, info.Region, info.Zone, renderGates(info.FeatureGates))
	}
	contexts := append([]string(nil), clusters...)
	if inst, err := b.Mesh(); err == nil && inst != nil {
		contexts = append(contexts, model.ContextASM)
		cfg := inst.Config()
		add("mesh version=%s profile=%s enableNativeSidecar=%s clusters=[%s]",
			cfg.Version, cfg.Profile, renderPtr(cfg.EnableNativeSidecar), strings.Join(inst.Clusters(), ","))
		nss, err := inst.Namespaces(ctx)
		if err != nil {
			return nil, fmt.Errorf("snapshot: mesh namespaces: %w", err)
		}
		for _, ns := range nss {
			homing := "every cluster"
			if ns.Homing != nil {
				homing = "[" + strings.Join(ns.Homing, ",") + "]"
			}
			add("mesh namespace %s labels=%s homing=%s", ns.Name, renderMap(ns.Labels), homing)
		}
	} else {
		add("mesh none")
	}
	for _, name := range contexts {
		cs, err := b.Client(name)
		if err != nil {
			return nil, fmt.Errorf("snapshot: context %q: %w", name, err)
		}
		got, err := contextLines(ctx, name, cs)
		if err != nil {
			return nil, fmt.Errorf("snapshot: context %q: %w", name, err)
		}
		lines = append(lines, got...)
	}
	sort.Strings(lines)
	return &Snapshot{Lines: lines}, nil
}

// contextLines lists one context's objects.
func contextLines(ctx context.Context, name string, cs kubernetes.Interface) ([]string, error) {
	var lines []string
	add := func(kind string, m metav1.ObjectMeta, extra string) {
		id := m.Name
		if m.Namespace != "" {
			id = m.Namespace + "/" + m.Name
		}
		deleting := ""
		if m.DeletionTimestamp != nil {
			deleting = " deleting"
		}
		lines = append(lines, fmt.Sprintf("%s %s %s uid=%s labels=%s annotations=%s%s%s",
			name, kind, id, m.UID, renderMap(m.Labels), renderMap(m.Annotations), deleting, extra))
	}
	all := metav1.ListOptions{}

	nss, err := cs.CoreV1().Namespaces().List(ctx, all)
	if served, err := listed(err, &lines, name, "namespaces"); err != nil {
		return nil, err
	} else if served {
		for _, ns := range nss.Items {
			add("namespace", ns.ObjectMeta, "")
		}
	}
	pods, err := cs.CoreV1().Pods("").List(ctx, all)
	if served, err := listed(err, &lines, name, "pods"); err != nil {
		return nil, err
	} else if served {
		for _, p := range pods.Items {
			add("pod", p.ObjectMeta, fmt.Sprintf(" node=%s hostNetwork=%t initContainers=%s containers=%s",
				p.Spec.NodeName, p.Spec.HostNetwork, renderContainers(p.Spec.InitContainers), renderContainers(p.Spec.Containers)))
		}
	}
	deps, err := cs.AppsV1().Deployments("").List(ctx, all)
	if served, err := listed(err, &lines, name, "deployments"); err != nil {
		return nil, err
	} else if served {
		for _, d := range deps.Items {
			add("deployment", d.ObjectMeta, fmt.Sprintf(" replicas=%s template-labels=%s template-annotations=%s containers=%s",
				renderPtr(d.Spec.Replicas), renderMap(d.Spec.Template.Labels), renderMap(d.Spec.Template.Annotations),
				renderContainers(d.Spec.Template.Spec.Containers)))
		}
	}
	rss, err := cs.AppsV1().ReplicaSets("").List(ctx, all)
	if served, err := listed(err, &lines, name, "replicasets"); err != nil {
		return nil, err
	} else if served {
		for _, rs := range rss.Items {
			add("replicaset", rs.ObjectMeta, fmt.Sprintf(" replicas=%s", renderPtr(rs.Spec.Replicas)))
		}
	}
	jobs, err := cs.BatchV1().Jobs("").List(ctx, all)
	if served, err := listed(err, &lines, name, "jobs"); err != nil {
		return nil, err
	} else if served {
		for _, j := range jobs.Items {
			add("job", j.ObjectMeta, fmt.Sprintf(" completions=%s containers=%s",
				renderPtr(j.Spec.Completions), renderContainers(j.Spec.Template.Spec.Containers)))
		}
	}
	stss, err := cs.AppsV1().StatefulSets("").List(ctx, all)
	if served, err := listed(err, &lines, name, "statefulsets"); err != nil {
		return nil, err
	} else if served {
		for _, s := range stss.Items {
			add("statefulset", s.ObjectMeta, fmt.Sprintf(" replicas=%s template-annotations=%s containers=%s",
				renderPtr(s.Spec.Replicas), renderMap(s.Spec.Template.Annotations), renderContainers(s.Spec.Template.Spec.Containers)))
		}
	}
	dss, err := cs.AppsV1().DaemonSets("").List(ctx, all)
	if served, err := listed(err, &lines, name, "daemonsets"); err != nil {
		return nil, err
	} else if served {
		for _, d := range dss.Items {
			add("daemonset", d.ObjectMeta, fmt.Sprintf(" template-annotations=%s containers=%s",
				renderMap(d.Spec.Template.Annotations), renderContainers(d.Spec.Template.Spec.Containers)))
		}
	}
	cjs, err := cs.BatchV1().CronJobs("").List(ctx, all)
	if served, err := listed(err, &lines, name, "cronjobs"); err != nil {
		return nil, err
	} else if served {
		for _, c := range cjs.Items {
			add("cronjob", c.ObjectMeta, fmt.Sprintf(" schedule=%q containers=%s",
				c.Spec.Schedule, renderContainers(c.Spec.JobTemplate.Spec.Template.Spec.Containers)))
		}
	}
	pvcs, err := cs.CoreV1().PersistentVolumeClaims("").List(ctx, all)
	if served, err := listed(err, &lines, name, "persistentvolumeclaims"); err != nil {
		return nil, err
	} else if served {
		for _, c := range pvcs.Items {
			add("persistentvolumeclaim", c.ObjectMeta, "")
		}
	}
	svcs, err := cs.CoreV1().Services("").List(ctx, all)
	if served, err := listed(err, &lines, name, "services"); err != nil {
		return nil, err
	} else if served {
		for _, s := range svcs.Items {
			add("service", s.ObjectMeta, "")
		}
	}
	cms, err := cs.CoreV1().ConfigMaps("").List(ctx, all)
	if served, err := listed(err, &lines, name, "configmaps"); err != nil {
		return nil, err
	} else if served {
		for _, c := range cms.Items {
			add("configmap", c.ObjectMeta, "")
		}
	}
	return lines, nil
}

// listed handles the error of listing one resource in one context: a
// resource the context does not serve (the mesh instance's control plane
// has no pods) is recorded as such; any other error is returned.
func listed(err error, lines *[]string, contextName, resource string) (served bool, _ error) {
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err):
		*lines = append(*lines, fmt.Sprintf("%s %s not served", contextName, resource))
		return false, nil
	}
	return false, fmt.Errorf("list %s: %w", resource, err)
}

// renderContainers lists container names with their image, and
// restartPolicy when set (a native sidecar).
func renderContainers(cs []corev1.Container) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		p := c.Name + "(" + c.Image
		if c.RestartPolicy != nil {
			p += ",restartPolicy=" + string(*c.RestartPolicy)
		}
		parts = append(parts, p+")")
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func renderMap(m map[string]string) string { return renderSorted(m, "%q") }

func renderGates(m map[string]bool) string { return renderSorted(m, "%t") }

// renderSorted renders m as {KEY=VALUE,...} in key order, each value
// formatted with verb.
func renderSorted[V any](m map[string]V, verb string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s="+verb, k, m[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// renderPtr renders *p, or "unset" when p is nil.
func renderPtr[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}
