package asm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
)

// unpushed is an edit of an instance namespace that a cluster has not
// taken yet: the namespace's labels as the cluster last took them
// (before the first edit it missed) and the error of the last try.
type unpushed struct {
	before map[string]string
	err    error
}

// The Warning event a backend leaves on the instance's namespace when a
// push failed on a cluster, as the console shows it.
const (
	ReasonPushFailed      = "PushFailed"
	ComponentControlPlane = "asm-controlplane"
)

// PushFailedMessage is the message of a PushFailed event.
func PushFailedMessage(f model.PushFailure) string {
	return fmt.Sprintf("Push to cluster %q failed, will retry: %s", f.Cluster, f.Error)
}

// ClusterPushError is a push that failed on one cluster. The instance
// keeps the edit and tries again (RetryPushes, or the namespace's next
// push) until the cluster takes it.
type ClusterPushError struct {
	Namespace string
	Cluster   string
	Err       error
}

func (e *ClusterPushError) Error() string {
	return fmt.Sprintf("push namespace %q to cluster %q: %v", e.Namespace, e.Cluster, e.Err)
}

func (e *ClusterPushError) Unwrap() error { return e.Err }

// Push carries an edit of an instance namespace to the data plane (B06):
// each injection label that differs between before (the namespace's labels
// before the edit) and ns (the namespace after it) is changed the same way
// on the namespaces of that name that already exist in its homing
// clusters; none is created. Backends call it after every edit of an
// instance namespace; the console operations call it themselves. It reads
// only ns and the member clusters, never the control plane, so it may run
// inside a control-plane reactor. A namespace being deleted is not pushed.
//
// Each cluster is pushed on its own: one that fails does not keep the
// others from the edit. A cluster that failed keeps the edit as owed
// (PushFailures) and gets it, together with any later edit, on the
// namespace's next push or on RetryPushes. The error joins one
// *ClusterPushError per failed cluster, and each is also handed to the
// observer set with OnPushFailure.
func (i *Instance) Push(ctx context.Context, before map[string]string, ns *corev1.Namespace) (model.Plan, error) {
	if ns == nil || ns.DeletionTimestamp != nil {
		return model.Plan{}, nil
	}
	return i.push(ctx, ns, func(string) (map[string]string, bool) { return before, true })
}

// RetryPushes pushes again every edit a cluster has not taken yet, in
// the order of the namespaces' names. An edit to a namespace that the
// instance no longer has, or to a cluster no longer in the mesh, is
// dropped. The error joins the pushes that failed again.
func (i *Instance) RetryPushes(ctx context.Context) error {
	i.mu.Lock()
	names := slices.Sorted(maps.Keys(i.unpushed))
	i.mu.Unlock()
	var errs []error
	for _, name := range names {
		ns, err := i.cp.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) || (err == nil && ns.DeletionTimestamp != nil):
			i.mu.Lock()
			delete(i.unpushed, name)
			i.mu.Unlock()
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("retry the push of namespace %q: %w", name, err))
			continue
		}
		if _, err := i.push(ctx, ns, func(string) (map[string]string, bool) { return nil, false }); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// PushFailures lists the edits that clusters have not taken yet, sorted by
// namespace and cluster, with the error of the last try.
func (i *Instance) PushFailures() []model.PushFailure {
	i.mu.Lock()
	defer i.mu.Unlock()
	var out []model.PushFailure
	for _, name := range slices.Sorted(maps.Keys(i.unpushed)) {
		for _, c := range slices.Sorted(maps.Keys(i.unpushed[name])) {
			out = append(out, model.PushFailure{Namespace: name, Cluster: c, Error: i.unpushed[name][c].err.Error()})
		}
	}
	return out
}

// OnPushFailure sets the function told of every push that fails on a
// cluster, as it fails (a backend records it as an event on the
// instance's namespace). It is called without the instance's lock.
func (i *Instance) OnPushFailure(f func(model.PushFailure)) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.onPushFailure = f
}

// push pushes ns to each member cluster, planning each cluster from the
// labels it last took: those of an edit it still owes, else what
// beforeOf says; a cluster for which beforeOf says false and that owes
// nothing is left alone.
func (i *Instance) push(ctx context.Context, ns *corev1.Namespace, beforeOf func(cluster string) (map[string]string, bool)) (model.Plan, error) {
	cfg, refs := i.snapshot()
	g := GlobalNamespaceOf(ns)
	inst := model.InstanceState{
		Version:    cfg.Version,
		Clusters:   memberNames(refs),
		Namespaces: map[string]model.GlobalNamespace{g.Name: g},
	}
	// Only the namespace's homing clusters are read: a push changes
	// nothing elsewhere (model.PlanPush), so an edit owed to a cluster
	// that left the homing is settled without a read.
	homes := model.HomingOf(g, inst.Clusters)
	var plan model.Plan
	var failed []*ClusterPushError
	for _, r := range refs {
		before, ok := i.owed(g.Name, r.name)
		if !ok {
			if before, ok = beforeOf(r.name); !ok {
				continue
			}
		}
		if _, home := slices.BinarySearch(homes, r.name); !home {
			i.settle(g.Name, r.name, before, nil)
			continue
		}
		p, err := pushOne(ctx, inst, g.Name, before, r)
		plan.Changes = append(plan.Changes, p.Changes...)
		if err != nil {
			failed = append(failed, &ClusterPushError{Namespace: g.Name, Cluster: r.name, Err: err})
		}
		i.settle(g.Name, r.name, before, err)
	}
	i.forgetLeftClusters(g.Name, inst.Clusters)
	return plan, i.report(failed)
}

// pushOne plans and applies the push of one namespace to one cluster.
func pushOne(ctx context.Context, inst model.InstanceState, name string, before map[string]string, r memberRef) (model.Plan, error) {
	cn := model.ClusterNamespaces{Cluster: r.name, Namespaces: map[string]map[string]string{}}
	objs := map[string]*corev1.Namespace{}
	obj, err := r.client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		cn.Namespaces[name] = obj.Labels
		objs[name] = obj
	case !apierrors.IsNotFound(err):
		return model.Plan{}, fmt.Errorf("read namespace %q: %w", name, err)
	}
	plan := model.PlanPush(inst, name, before, []model.ClusterNamespaces{cn})
	_, err = apply(ctx, plan, map[string]target{r.name: {namespaces: r.client.CoreV1().Namespaces(), objs: objs}})
	return plan, err
}

// owed returns the labels a cluster last took of a namespace whose edit
// it still owes.
func (i *Instance) owed(name, cluster string) (map[string]string, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	u, ok := i.unpushed[name][cluster]
	return u.before, ok
}

// settle records the outcome of one cluster's push: a failure keeps the
// edit owed from before, a success clears it.
func (i *Instance) settle(name, cluster string, before map[string]string, err error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if err == nil {
		delete(i.unpushed[name], cluster)
		if len(i.unpushed[name]) == 0 {
			delete(i.unpushed, name)
		}
		return
	}
	if i.unpushed[name] == nil {
		i.unpushed[name] = map[string]unpushed{}
	}
	i.unpushed[name][cluster] = unpushed{before: maps.Clone(before), err: err}
}

// forgetLeftClusters drops what a namespace owes to clusters no longer in
// the mesh.
func (i *Instance) forgetLeftClusters(name string, members []string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for c := range i.unpushed[name] {
		if !slices.Contains(members, c) {
			delete(i.unpushed[name], c)
		}
	}
	if len(i.unpushed[name]) == 0 {
		delete(i.unpushed, name)
	}
}

// report tells the observer of each failure and joins them.
func (i *Instance) report(failed []*ClusterPushError) error {
	if len(failed) == 0 {
		return nil
	}
	i.mu.Lock()
	observe := i.onPushFailure
	i.mu.Unlock()
	errs := make([]error, 0, len(failed))
	for _, f := range failed {
		if observe != nil {
			observe(model.PushFailure{Namespace: f.Namespace, Cluster: f.Cluster, Error: f.Err.Error()})
		}
		errs = append(errs, f)
	}
	return errors.Join(errs...)
}
