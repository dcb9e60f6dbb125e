package asm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/util/retry"

	"github.com/meshtwin/meshtwin/model"
)

// target is one place a plan writes to: the control plane or a cluster,
// with the namespaces it held when the plan was made.
type target struct {
	namespaces corev1client.NamespaceInterface
	objs       map[string]*corev1.Namespace
}

// write is one Create or Update of a namespace, prepared before any is
// sent.
type write struct {
	where      string
	namespaces corev1client.NamespaceInterface
	ns         *corev1.Namespace
	create     bool
	changes    []model.Change // to apply again to a fresh read on a conflict
}

// PlanSyncFrom plans a sync from a member cluster to the instance (B22,
// B25) without changing anything (--dry-run).
func (i *Instance) PlanSyncFrom(ctx context.Context, cluster string) (model.Plan, error) {
	plan, _, err := i.planSyncFrom(ctx, cluster)
	if err != nil {
		return model.Plan{}, fmt.Errorf("sync from cluster %q: %w", cluster, err)
	}
	return plan, nil
}

// SyncFrom syncs a member cluster's namespaces and injection labels to the
// instance (B22, B25), pushes the edited namespaces to their homing
// clusters (B06), and returns what it did. The whole plan is checked before
// the first write.
//
// The instance's writes go in the plan's order and stop at the first that
// fails (after conflicts were retried): the instance then holds a prefix
// of the plan, and the error, a *PartialError, names the failed write and
// lists what was not applied (NotApplied). Only the namespaces whose
// instance writes all went through are pushed. The plan returned is what
// was done; running the sync again, once the instance answers, does the
// rest.
func (i *Instance) SyncFrom(ctx context.Context, cluster string) (model.Plan, error) {
	plan, targets, err := i.planSyncFrom(ctx, cluster)
	if err != nil {
		return model.Plan{}, fmt.Errorf("sync from cluster %q: %w", cluster, err)
	}
	done, err := i.applySyncFrom(ctx, plan, targets)
	if err != nil {
		return done, fmt.Errorf("sync from cluster %q: %w", cluster, err)
	}
	return plan, nil
}

// applySyncFrom writes the instance's part of a sync-from plan, stopping
// at the first failure, then pushes each edited namespace that was
// written. The push reads the clusters afresh, so a backend that already
// pushed on the instance's write (the simulator's control-plane reactor
// does) leaves it nothing to do. It returns what was done.
func (i *Instance) applySyncFrom(ctx context.Context, plan model.Plan, targets map[string]target) (model.Plan, error) {
	own, pushed := model.SplitPlan(plan, model.PlanInstance)
	done, err := applyInOrder(ctx, own, targets, true)
	var pe *PartialError
	if err != nil && !errors.As(err, &pe) {
		return done, err
	}
	if pe != nil {
		// A namespace the instance did not take is not pushed.
		pushed = model.WithoutNamespaces(pushed, pe.Unwritten())
	}
	// Each namespace is pushed even when another one's push failed.
	var pushErrs []error
	byName := pushed.ByNamespace()
	for _, name := range pushed.Namespaces() {
		ns, err := i.cp.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			pushErrs = append(pushErrs, fmt.Errorf("push namespace %q: %w", name, err))
			continue
		}
		var before map[string]string
		if old := targets[model.PlanInstance].objs[name]; old != nil {
			before = old.Labels
		}
		if _, err := i.Push(ctx, before, ns); err != nil {
			pushErrs = append(pushErrs, err)
			continue
		}
		done.Changes = append(done.Changes, byName[name].Changes...)
	}
	if pe != nil {
		pe.Done = done
		return done, errors.Join(append([]error{pe}, pushErrs...)...)
	}
	return done, errors.Join(pushErrs...)
}

// planSyncFrom reads what a sync from cluster plans with, and no more:
// the cluster's namespaces (one list), the instance's namespaces of those
// names, and the namespaces of those names that the sync's push reaches in
// the other members (model.SyncFromPushTargets), one read each. Its cost
// is that of the cluster and of the push, not of the instance or of the
// fleet.
func (i *Instance) planSyncFrom(ctx context.Context, cluster string) (model.Plan, map[string]target, error) {
	cs, err := i.member(cluster)
	if err != nil {
		return model.Plan{}, nil, err
	}
	cfg, refs := i.snapshot()
	cn, read, err := readCluster(ctx, cluster, cs)
	if err != nil {
		return model.Plan{}, nil, err
	}
	// A namespace the cluster is deleting is not brought into the instance.
	names := make([]string, 0, len(cn.Namespaces))
	for _, ns := range read {
		switch {
		case ns.DeletionTimestamp != nil:
			delete(cn.Namespaces, ns.Name)
		case !model.SyncSkipsNamespace(ns.Name):
			names = append(names, ns.Name)
		}
	}
	slices.Sort(names) // usually in order already: an API server lists by name
	inst, instObjs, err := i.readInstanceNamespaces(ctx, cfg, refs, names)
	if err != nil {
		return model.Plan{}, nil, err
	}
	targets := map[string]target{model.PlanInstance: {namespaces: i.cp.CoreV1().Namespaces(), objs: instObjs}}
	// model.PlanSyncFromWithPush, with the sync planned once for both
	// of its halves.
	plan := model.PlanSyncFrom(inst, cn)
	members, err := readPushTargets(ctx, refs, cn, model.SyncFromPushTargetsOf(inst, plan))
	if err != nil {
		return model.Plan{}, nil, err
	}
	return model.WithSyncFromPush(inst, plan, members), targets, nil
}

// readPushTargets reads, in each member other than the one synced from
// (from, already read whole), the namespaces a push reaches there
// (pushes: namespace to clusters). A namespace a member lacks is left out;
// any other error ends the read, naming the cluster.
func readPushTargets(ctx context.Context, refs []memberRef, from model.ClusterNamespaces, pushes map[string][]string) ([]model.ClusterNamespaces, error) {
	wanted := map[string][]string{}
	for name, clusters := range pushes {
		for _, c := range clusters {
			if c != from.Cluster {
				wanted[c] = append(wanted[c], name)
			}
		}
	}
	members := make([]model.ClusterNamespaces, 0, len(refs))
	for _, r := range refs {
		if r.name == from.Cluster {
			members = append(members, from)
			continue
		}
		names := wanted[r.name]
		if len(names) == 0 {
			continue
		}
		slices.Sort(names)
		cn := model.ClusterNamespaces{Cluster: r.name, Namespaces: make(map[string]map[string]string, len(names))}
		nss := readerOf(r.client)
		for _, name := range names {
			obj, err := nss.SharedNamespace(ctx, name)
			if err != nil {
				return nil, fmt.Errorf("read namespace %q of cluster %q: %w", name, r.name, err)
			}
			if obj != nil {
				cn.Namespaces[name] = obj.Labels
			}
		}
		members = append(members, cn)
	}
	return members, nil
}

// PlanSyncTo plans a sync from the instance to its member clusters (B23,
// B24, B27) without changing anything (--dry-run).
func (i *Instance) PlanSyncTo(ctx context.Context) (model.Plan, error) {
	plan, _, unread, err := i.planSyncTo(ctx)
	if err == nil {
		err = withUnread(plan, nil, unread)
	}
	if err != nil {
		return plan, fmt.Errorf("sync to clusters: %w", err)
	}
	return plan, nil
}

// SyncTo syncs the instance's namespaces and injection labels to each
// namespace's homing clusters (B23, B24, B27) and returns what it did. The
// whole plan is checked before the first write.
func (i *Instance) SyncTo(ctx context.Context) (model.Plan, error) {
	plan, targets, unread, err := i.planSyncTo(ctx)
	if err != nil {
		return plan, fmt.Errorf("sync to clusters: %w", err)
	}
	done, err := apply(ctx, plan, targets)
	if err = withUnread(done, err, unread); err != nil {
		return done, fmt.Errorf("sync to clusters: %w", err)
	}
	return done, nil
}

// withUnread adds the clusters that could not be read (so were not
// written) to an operation's outcome.
func withUnread(done model.Plan, err error, unread []WriteFailure) error {
	if len(unread) == 0 {
		return err
	}
	var pe *PartialError
	switch {
	case err == nil:
		return &PartialError{Done: done, Failed: unread}
	case errors.As(err, &pe):
		pe.Failed = append(unread, pe.Failed...)
		return pe
	}
	return err
}

// planSyncTo plans a sync to the clusters it can read; those it cannot
// are returned as failures, and the plan leaves them alone.
func (i *Instance) planSyncTo(ctx context.Context) (model.Plan, map[string]target, []WriteFailure, error) {
	cfg, refs := i.snapshot()
	inst, read, err := i.readInstance(ctx, cfg, refs)
	if err != nil {
		return model.Plan{}, nil, nil, err
	}
	// A namespace the instance is deleting is not brought into clusters.
	for _, ns := range read {
		if ns.DeletionTimestamp != nil {
			delete(inst.Namespaces, ns.Name)
		}
	}
	clusters := make([]model.ClusterNamespaces, 0, len(refs))
	targets := map[string]target{}
	var unread []WriteFailure
	for _, r := range refs {
		cn, read, err := readCluster(ctx, r.name, r.client)
		if err != nil {
			if ctx.Err() != nil {
				return model.Plan{}, nil, nil, err
			}
			unread = append(unread, WriteFailure{Where: r.name, Err: err})
			continue
		}
		objs := make(map[string]*corev1.Namespace, len(read))
		for _, ns := range read {
			objs[ns.Name] = ns
		}
		clusters = append(clusters, cn)
		targets[r.name] = target{namespaces: r.client.CoreV1().Namespaces(), objs: objs}
	}
	plan := model.PlanSyncTo(inst, clusters)
	return onlyTargets(plan, targets), targets, unread, nil
}

// onlyTargets drops the changes a plan makes where it has no target (a
// cluster that could not be read).
func onlyTargets(plan model.Plan, targets map[string]target) model.Plan {
	var out model.Plan
	for _, c := range plan.Changes {
		if _, ok := targets[c.Where]; ok {
			out.Changes = append(out.Changes, c)
		}
	}
	return out
}

// readInstance lists the control plane's namespaces: the state, and the
// namespaces it was read from.
func (i *Instance) readInstance(ctx context.Context, cfg model.MeshConfig, refs []memberRef) (model.InstanceState, []*corev1.Namespace, error) {
	list, err := readerOf(i.cp).SharedNamespaces(ctx)
	if err != nil {
		return model.InstanceState{}, nil, fmt.Errorf("read the mesh instance's namespaces: %w", err)
	}
	st := model.InstanceState{
		Version:    cfg.Version,
		Clusters:   memberNames(refs),
		Namespaces: make(map[string]model.GlobalNamespace, len(list)),
	}
	for _, ns := range list {
		st.Namespaces[ns.Name] = sharedGlobalNamespace(ns)
	}
	return st, list, nil
}

// readInstanceNamespaces reads the control plane's namespaces of the
// given names, one read each: the instance state a sync from a cluster
// plans with holds those namespaces only (and every member cluster).
func (i *Instance) readInstanceNamespaces(ctx context.Context, cfg model.MeshConfig, refs []memberRef, names []string) (model.InstanceState, map[string]*corev1.Namespace, error) {
	// Not sized for every name: a first sync from a cluster finds
	// few of them, and a large empty map is not free to make.
	st := model.InstanceState{
		Version:    cfg.Version,
		Clusters:   memberNames(refs),
		Namespaces: map[string]model.GlobalNamespace{},
	}
	objs := map[string]*corev1.Namespace{}
	nss := readerOf(i.cp)
	for _, name := range names {
		ns, err := nss.SharedNamespace(ctx, name)
		if err != nil {
			return model.InstanceState{}, nil, fmt.Errorf("read namespace %q of the mesh instance: %w", name, err)
		}
		if ns != nil {
			st.Namespaces[name] = sharedGlobalNamespace(ns)
			objs[name] = ns
		}
	}
	return st, objs, nil
}

// readCluster lists a member cluster's namespaces: their labels by
// name, and the namespaces as read.
func readCluster(ctx context.Context, name string, cs kubernetes.Interface) (model.ClusterNamespaces, []*corev1.Namespace, error) {
	list, err := readerOf(cs).SharedNamespaces(ctx)
	if err != nil {
		return model.ClusterNamespaces{}, nil, fmt.Errorf("read namespaces of cluster %q: %w", name, err)
	}
	cn := model.ClusterNamespaces{Cluster: name, Namespaces: make(map[string]map[string]string, len(list))}
	for _, ns := range list {
		// What was read is never modified: its labels are shared, not
		// copied.
		cn.Namespaces[ns.Name] = ns.Labels
	}
	return cn, list, nil
}

// apply prepares every write of the plan, and sends them only when all are
// valid. A write that fails (after conflicts were retried on a fresh
// read) does not stop the others: apply returns what was done and a
// *PartialError naming each write that failed. Nothing is ever deleted,
// so running the operation again completes it.
func apply(ctx context.Context, plan model.Plan, targets map[string]target) (model.Plan, error) {
	return applyInOrder(ctx, plan, targets, false)
}

// applyInOrder is apply; with stopAtFirst, the first write that fails
// ends it, and the changes of the writes after it are the PartialError's
// NotApplied.
func applyInOrder(ctx context.Context, plan model.Plan, targets map[string]target, stopAtFirst bool) (model.Plan, error) {
	writes, err := prepare(plan, targets)
	if err != nil {
		return model.Plan{}, err
	}
	// The writes carry the plan's changes in its order, each change
	// once: when every write goes through, what was done is the plan.
	var notApplied model.Plan
	var failed []WriteFailure
	sent := make([]bool, len(writes))
	for k, w := range writes {
		if err := send(ctx, w); err != nil {
			if ctx.Err() != nil {
				return doneOf(writes, sent), err
			}
			failed = append(failed, WriteFailure{Where: w.where, Namespace: w.ns.Name, Create: w.create, Err: err, Changes: w.changes})
			if stopAtFirst {
				for _, rest := range writes[k+1:] {
					notApplied.Changes = append(notApplied.Changes, rest.changes...)
				}
				break
			}
			continue
		}
		sent[k] = true
	}
	if len(failed) > 0 {
		done := doneOf(writes, sent)
		return done, &PartialError{Done: done, Failed: failed, NotApplied: notApplied}
	}
	return plan, nil
}

// doneOf is the changes of the writes that were sent, in order.
func doneOf(writes []write, sent []bool) model.Plan {
	var done model.Plan
	for k, w := range writes {
		if sent[k] {
			done.Changes = append(done.Changes, w.changes...)
		}
	}
	return done
}

// WriteFailure is one namespace write of an operation that failed: where
// (model.PlanInstance or a cluster), which namespace, and why. A cluster
// that could not be read has no namespace: nothing was written there.
type WriteFailure struct {
	Where     string
	Namespace string
	Create    bool
	Err       error
	// Changes are the plan's changes the write carried.
	Changes []model.Change
}

// String renders the failure as the console lists it, after the lines of
// what was done: `cluster c2: create namespace demo failed: ...`.
func (f WriteFailure) String() string {
	// Where is named as a plan's change names it ("asm: ...").
	where := model.PlanInstance
	if f.Where != model.PlanInstance {
		where = "cluster " + f.Where
	}
	if f.Namespace == "" {
		return fmt.Sprintf("%s: %v", where, f.Err)
	}
	verb := "update"
	if f.Create {
		verb = "create"
	}
	return fmt.Sprintf("%s: %s namespace %s failed: %v", where, verb, f.Namespace, f.Err)
}

// PartialError is an operation (a sync, a push) that was carried out on
// some clusters and failed on others. Done is what was changed; Failed,
// what was not. Running the operation again does the rest.
type PartialError struct {
	Done   model.Plan
	Failed []WriteFailure
	// NotApplied are the changes not tried: an operation that stops at
	// its first failure (a sync from a cluster) lists here what came
	// after it.
	NotApplied model.Plan
}

// Unwritten lists the namespaces with a write that failed or was not
// tried, once each, in order.
func (e *PartialError) Unwritten() []string {
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, f := range e.Failed {
		add(f.Namespace)
	}
	for _, c := range e.NotApplied.Changes {
		add(c.Namespace)
	}
	return out
}

// Places lists where the failures happened, sorted, once each.
func (e *PartialError) Places() []string {
	var out []string
	for _, f := range e.Failed {
		if !slices.Contains(out, f.Where) {
			out = append(out, f.Where)
		}
	}
	slices.Sort(out)
	return out
}

func (e *PartialError) Error() string {
	lines := make([]string, 0, len(e.Failed))
	for _, f := range e.Failed {
		lines = append(lines, f.String())
	}
	msg := fmt.Sprintf("%d of the writes failed; run it again to complete it: %s", len(e.Failed), strings.Join(lines, "; "))
	if n := len(e.NotApplied.Changes); n > 0 {
		msg += fmt.Sprintf("; %d changes after it were not applied", n)
	}
	return msg
}

// conflictBackoff paces the retries of a write that meets a Conflict:
// ten tries within about a second, without jitter.
func conflictBackoff() wait.Backoff {
	return wait.Backoff{Steps: 10, Duration: 5 * time.Millisecond, Factor: 2}
}

// send carries out one write. An update that meets a Conflict (someone
// else wrote the namespace since it was read) reads the namespace afresh,
// applies the same changes to it and tries again.
func send(ctx context.Context, w write) error {
	nss := w.namespaces
	if w.create {
		_, err := nss.Create(ctx, w.ns, metav1.CreateOptions{})
		return err
	}
	ns, first := w.ns, true
	return retry.RetryOnConflict(conflictBackoff(), func() error {
		if !first {
			fresh, err := nss.Get(ctx, w.ns.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if ns, err = applyChanges(fresh.DeepCopy(), w.where, w.changes); err != nil {
				return err
			}
		}
		first = false
		_, err := nss.Update(ctx, ns, metav1.UpdateOptions{})
		return err
	})
}

// prepare turns a plan into one write per namespace, checking that every
// changed namespace exists (or is created), that no created one exists and
// that the results are valid namespaces.
func prepare(plan model.Plan, targets map[string]target) ([]write, error) {
	changes := plan.Changes
	// One write per run of changes to the same namespace, counted
	// first: a sync's plan has two changes per namespace it creates.
	runs := 0
	for k := range changes {
		if k == 0 || changes[k].Where != changes[k-1].Where || changes[k].Namespace != changes[k-1].Namespace {
			runs++
		}
	}
	writes := make([]write, 0, runs)
	var errs []error
	for len(changes) > 0 {
		n := 1
		for n < len(changes) && changes[n].Where == changes[0].Where && changes[n].Namespace == changes[0].Namespace {
			n++
		}
		w, err := prepareOne(changes[:n], targets)
		if err != nil {
			errs = append(errs, err)
		} else {
			writes = append(writes, w)
		}
		changes = changes[n:]
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return writes, nil
}

// prepareOne builds the write for the changes to one namespace.
func prepareOne(changes []model.Change, targets map[string]target) (write, error) {
	where, name := changes[0].Where, changes[0].Namespace
	t, ok := targets[where]
	if !ok {
		return write{}, fmt.Errorf("namespace %q: the plan names %s, which this operation does not write", name, describeWhere(where))
	}
	existing := t.objs[name]
	w := write{where: where, namespaces: t.namespaces}
	creates := slices.ContainsFunc(changes, func(c model.Change) bool { return c.Kind == model.ChangeCreateNamespace })
	switch {
	case creates && existing != nil:
		return write{}, fmt.Errorf("namespace %q already exists in %s", name, describeWhere(where))
	case creates:
		if err := model.ValidateNamespaceName(name); err != nil {
			return write{}, err
		}
		w.create = true
		w.ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	case existing == nil:
		return write{}, fmt.Errorf("namespace %q does not exist in %s", name, describeWhere(where))
	default:
		w.ns = existing.DeepCopy()
	}
	w.changes = changes
	ns, err := applyChanges(w.ns, where, changes)
	if err != nil {
		return write{}, err
	}
	w.ns = ns
	return w, nil
}

// applyChanges makes the changes to one namespace of where on ns (a copy
// the caller owns) and checks the result.
func applyChanges(ns *corev1.Namespace, where string, changes []model.Change) (*corev1.Namespace, error) {
	name := ns.Name
	for _, c := range changes {
		switch c.Kind {
		case model.ChangeCreateNamespace:
			setLabels(ns, c.Labels)
		case model.ChangeSetLabel:
			setLabels(ns, map[string]string{c.Key: c.Value})
		case model.ChangeRemoveLabel:
			delete(ns.Labels, c.Key)
		case model.ChangeSetHoming:
			if where != model.PlanInstance {
				return nil, fmt.Errorf("namespace %q: homing can only be set in the mesh instance, not in %s", name, describeWhere(where))
			}
			if c.Homing == nil {
				delete(ns.Annotations, model.AnnotationHoming)
				continue
			}
			if ns.Annotations == nil {
				ns.Annotations = map[string]string{}
			}
			ns.Annotations[model.AnnotationHoming] = model.FormatHoming(c.Homing)
		default:
			return nil, fmt.Errorf("namespace %q: unknown change %q", name, c.Kind)
		}
	}
	if err := model.ValidateLabels(ns.Labels); err != nil {
		return nil, fmt.Errorf("namespace %q in %s: %w", name, describeWhere(where), err)
	}
	return ns, nil
}

func setLabels(ns *corev1.Namespace, labels map[string]string) {
	if len(labels) == 0 {
		return
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	maps.Copy(ns.Labels, labels)
}

func describeWhere(where string) string {
	if where == model.PlanInstance {
		return "the mesh instance"
	}
	return fmt.Sprintf("cluster %q", where)
}
