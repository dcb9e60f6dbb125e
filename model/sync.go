package model

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// GlobalNamespace is a namespace of the mesh instance (a "global
// namespace"), as the sync rules see it.
type GlobalNamespace struct {
	Name   string
	Labels map[string]string
	// Homing lists the clusters the namespace belongs to; nil means every
	// cluster of the mesh (B24).
	Homing []string
}

// PushFailure is an edit of an instance namespace that a cluster has not
// taken (B06): the push failed there and is tried again until it
// succeeds. Error is the last try's.
type PushFailure struct {
	Namespace string
	Cluster   string
	Error     string
}

// InstanceState is the part of the mesh instance that sync reads and
// writes: its version, its member clusters and its namespaces by name.
type InstanceState struct {
	Version    ASMVersion
	Clusters   []string
	Namespaces map[string]GlobalNamespace
}

// ClusterNamespaces is the namespaces of one data-plane cluster: name to
// labels.
type ClusterNamespaces struct {
	Cluster    string
	Namespaces map[string]map[string]string
}

// ChangeKind names what one Change does.
type ChangeKind string

// The kinds of change a sync plan holds. There is deliberately no kind that
// deletes a namespace (B27), and remove-label only ever names an injection
// label and only a push of an edit that removed it (B06) holds one: no sync
// removes a label (B28).
const (
	// ChangeCreateNamespace creates Namespace with Labels (and, in the
	// instance, no homing: a set-homing change follows when needed).
	ChangeCreateNamespace ChangeKind = "create-namespace"
	// ChangeSetLabel sets label Key to Value.
	ChangeSetLabel ChangeKind = "set-label"
	// ChangeRemoveLabel removes the injection label Key.
	ChangeRemoveLabel ChangeKind = "remove-label"
	// ChangeSetHoming sets the homing clusters of an instance namespace.
	ChangeSetHoming ChangeKind = "set-homing"
)

// PlanInstance is Change.Where for a change to the mesh instance; any other
// value names a data-plane cluster.
const PlanInstance = ContextASM

// ProviderASM is the value of LabelProvider on data-plane namespaces the
// mesh instance created or relabelled (B06).
const ProviderASM = "asm"

// Change is one step of a sync plan.
type Change struct {
	// Where is PlanInstance or the name of a data-plane cluster.
	Where     string
	Kind      ChangeKind
	Namespace string
	// Key and Value are the label of a set-label or remove-label change.
	Key, Value string
	// Homing is the new homing of a set-homing change.
	Homing []string
	// Labels are the labels of a create-namespace change.
	Labels map[string]string
}

// String renders the change as one line, as --dry-run prints it.
func (c Change) String() string {
	where := PlanInstance
	if c.Where != PlanInstance {
		where = "cluster " + c.Where
	}
	var what string
	switch c.Kind {
	case ChangeCreateNamespace:
		what = "create namespace " + c.Namespace
		if len(c.Labels) > 0 {
			what += " (" + formatPlanLabels(c.Labels) + ")"
		}
	case ChangeSetLabel:
		what = fmt.Sprintf("set label %s=%s on namespace %s", c.Key, c.Value, c.Namespace)
	case ChangeRemoveLabel:
		what = fmt.Sprintf("remove label %s from namespace %s", c.Key, c.Namespace)
	case ChangeSetHoming:
		to := "every cluster"
		if c.Homing != nil {
			to = strings.Join(c.Homing, ",")
		}
		what = fmt.Sprintf("set homing of namespace %s to %s", c.Namespace, to)
	default:
		what = fmt.Sprintf("%s namespace %s", c.Kind, c.Namespace)
	}
	return where + ": " + what
}

// Plan is what a sync would do, sorted by where, namespace, kind and key.
type Plan struct {
	Changes []Change
}

// Empty reports whether the plan changes nothing.
func (p Plan) Empty() bool { return len(p.Changes) == 0 }

// String renders one line per change, or "no changes".
func (p Plan) String() string {
	if p.Empty() {
		return "no changes"
	}
	lines := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		lines[i] = c.String()
	}
	return strings.Join(lines, "\n")
}

// InjectionLabelKeys are the namespace labels that sync copies:
// istio-injection and istio.io/rev.
func InjectionLabelKeys() []string { return []string{LabelInjection, LabelRevision} }

// IsInjectionLabel reports whether key is one of InjectionLabelKeys.
func IsInjectionLabel(key string) bool { return slices.Contains(InjectionLabelKeys(), key) }

// SyncSkipsNamespace reports whether sync leaves a namespace alone in both
// directions: the SystemNamespaces. "default" and every other namespace are
// synced.
func SyncSkipsNamespace(name string) bool { return IsSystemNamespace(name) }

// PlanSyncFrom plans a sync from cluster c to the instance (B22, B25):
//   - a namespace of c that the instance lacks is created there with c's
//     injection labels (and no other label);
//   - the injection labels present on a namespace of c are copied to the
//     instance's namespace; a label absent in c leaves the instance's value;
//   - from ASM 1.17.2.37 on, c joins the homing of every namespace that
//     exists in c: a namespace created by this sync is homed on c alone, one
//     with unset homing (every cluster) keeps it unset. Older instances have
//     no homing and it is never touched.
//
// System namespaces (SyncSkipsNamespace) are skipped. Nothing is deleted.
func PlanSyncFrom(inst InstanceState, c ClusterNamespaces) Plan {
	homing := inst.Version.AtLeast(MinHomingVersion())
	names := slices.Sorted(maps.Keys(c.Namespaces))
	// Room for the creates (a first sync from a cluster is mostly
	// creates), counted first rather than grown into.
	perCreate, creates := 1, 0
	if homing {
		perCreate = 2
	}
	for _, name := range names {
		if _, ok := inst.Namespaces[name]; !ok && !SyncSkipsNamespace(name) {
			creates++
		}
	}
	var changes []Change // nil when nothing changes, as before
	if creates > 0 {
		changes = make([]Change, 0, perCreate*creates)
	}
	for _, name := range names {
		if SyncSkipsNamespace(name) {
			continue
		}
		have := c.Namespaces[name]
		g, ok := inst.Namespaces[name]
		if !ok {
			changes = append(changes, Change{
				Where: PlanInstance, Kind: ChangeCreateNamespace, Namespace: name,
				Labels: injectionLabels(have),
			})
			if homing {
				changes = append(changes, Change{
					Where: PlanInstance, Kind: ChangeSetHoming, Namespace: name,
					Homing: []string{c.Cluster},
				})
			}
			continue
		}
		for _, k := range InjectionLabelKeys() {
			v, present := have[k]
			if !present {
				continue
			}
			if cur, ok := g.Labels[k]; !ok || cur != v {
				changes = append(changes, Change{
					Where: PlanInstance, Kind: ChangeSetLabel, Namespace: name, Key: k, Value: v,
				})
			}
		}
		if homing && g.Homing != nil && !slices.Contains(g.Homing, c.Cluster) {
			changes = append(changes, Change{
				Where: PlanInstance, Kind: ChangeSetHoming, Namespace: name,
				Homing: uniqueSorted(append(slices.Clone(g.Homing), c.Cluster)),
			})
		}
	}
	return newPlan(changes)
}

// PlanSyncFromWithPush is what a sync from cluster c does as a whole:
// PlanSyncFrom, then the automatic push (B06) that its edits of existing
// instance namespaces set off, planned from the state after the sync
// (homing included) against the given member clusters. Namespaces the sync
// creates in the instance are not pushed: a push follows an edit, and
// creating an instance namespace never reaches a cluster (B01).
//
// inst need hold only the namespaces of c (the others play no part), and
// clusters only the namespaces that SyncFromPushTargets names for them:
// the plan is the same as with every namespace of every cluster.
func PlanSyncFromWithPush(inst InstanceState, c ClusterNamespaces, clusters []ClusterNamespaces) Plan {
	return WithSyncFromPush(inst, PlanSyncFrom(inst, c), clusters)
}

// WithSyncFromPush is PlanSyncFromWithPush for plan, the PlanSyncFrom of
// inst already made: plan and its push, so that a caller that asked
// SyncFromPushTargetsOf first plans the sync once.
func WithSyncFromPush(inst InstanceState, plan Plan, clusters []ClusterNamespaces) Plan {
	after := editedAfter(inst, plan)
	if len(after.Namespaces) == 0 {
		return plan
	}
	index := indexClusters(clusters)
	mesh := uniqueSorted(inst.Clusters)
	changes := slices.Clone(plan.Changes)
	for _, name := range slices.Sorted(maps.Keys(after.Namespaces)) {
		changes = append(changes, planPush(after, mesh, name, inst.Namespaces[name].Labels, clusters, index)...)
	}
	return newPlan(changes)
}

// SyncFromPushTargets names, for each instance namespace that a sync from
// cluster c edits, the clusters its push reaches (B06): the namespace's
// homing clusters after the sync, sorted. These are the only cluster
// namespaces PlanSyncFromWithPush reads, so a caller that reads clusters
// one namespace at a time reads these and no others. inst need hold only
// the namespaces of c.
func SyncFromPushTargets(inst InstanceState, c ClusterNamespaces) map[string][]string {
	return SyncFromPushTargetsOf(inst, PlanSyncFrom(inst, c))
}

// SyncFromPushTargetsOf is SyncFromPushTargets for plan, the
// PlanSyncFrom of inst already made.
func SyncFromPushTargetsOf(inst InstanceState, plan Plan) map[string][]string {
	after := editedAfter(inst, plan)
	mesh := uniqueSorted(inst.Clusters)
	out := make(map[string][]string, len(after.Namespaces))
	for name, g := range after.Namespaces {
		if homes := homingIn(g, mesh); len(homes) > 0 {
			out[name] = homes
		}
	}
	return out
}

// editedAfter is the state after plan (a sync from a cluster) of the
// instance namespaces that it edits and that existed before it: those
// whose edit is pushed. Namespaces the plan creates are left out, as are
// all the others, so its cost is that of the plan.
func editedAfter(inst InstanceState, plan Plan) InstanceState {
	after := InstanceState{Version: inst.Version, Clusters: inst.Clusters, Namespaces: map[string]GlobalNamespace{}}
	for _, ch := range plan.Changes {
		g, existed := inst.Namespaces[ch.Namespace]
		if !existed || ch.Where != PlanInstance {
			continue
		}
		if _, ok := after.Namespaces[ch.Namespace]; !ok {
			after.Namespaces[ch.Namespace] = GlobalNamespace{Name: g.Name, Labels: maps.Clone(g.Labels), Homing: slices.Clone(g.Homing)}
		}
		applyToInstance(&after, ch)
	}
	return after
}

// Clone returns a deep copy of the state.
func (s InstanceState) Clone() InstanceState {
	out := InstanceState{Version: s.Version, Clusters: slices.Clone(s.Clusters)}
	if s.Namespaces != nil {
		out.Namespaces = make(map[string]GlobalNamespace, len(s.Namespaces))
		for name, g := range s.Namespaces {
			out.Namespaces[name] = GlobalNamespace{Name: g.Name, Labels: maps.Clone(g.Labels), Homing: slices.Clone(g.Homing)}
		}
	}
	return out
}

// PlanSyncTo plans a sync from the instance to the data-plane clusters
// (B23, B24, B27). For every instance namespace and every given cluster
// among its homing clusters (HomingOf), the cluster's namespace is created
// when missing, with the instance's injection labels and provider=asm;
// otherwise each injection label the instance has is set where the
// cluster's value differs, and provider=asm is set along with any such
// change. A label the instance lacks is left as the cluster has it: a sync
// never removes a label (B23, B28), so it never takes a sidecar away on the
// next restart; drift it cannot settle is analyze's to report. Clusters outside the homing are untouched;
// namespaces the instance lacks are never deleted; labels other than the
// injection labels and provider are never touched. System namespaces
// (SyncSkipsNamespace) are skipped.
func PlanSyncTo(inst InstanceState, clusters []ClusterNamespaces) Plan {
	// Each namespace is visited once, and each of its homing clusters
	// once: the cost is that of the fleet, not of clusters × namespaces.
	index := indexClusters(clusters)
	mesh := uniqueSorted(inst.Clusters)
	var changes []Change
	for name, g := range inst.Namespaces {
		if SyncSkipsNamespace(name) {
			continue
		}
		for _, home := range homingIn(g, mesh) {
			for _, k := range index[home] {
				c := &clusters[k]
				have, exists := c.Namespaces[name]
				if !exists {
					labels := injectionLabels(g.Labels)
					labels[LabelProvider] = ProviderASM
					changes = append(changes, Change{Where: c.Cluster, Kind: ChangeCreateNamespace, Namespace: name, Labels: labels})
					continue
				}
				changes = append(changes, relabel(c.Cluster, name, InjectionLabelKeys(), g.Labels, have, false)...)
			}
		}
	}
	return newPlan(changes)
}

// indexClusters maps each cluster name to its positions in clusters, in
// order (a name given twice is planned twice, as before).
func indexClusters(clusters []ClusterNamespaces) map[string][]int {
	index := make(map[string][]int, len(clusters))
	for k, c := range clusters {
		index[c.Cluster] = append(index[c.Cluster], k)
	}
	return index
}

// homingIn is HomingOf with the mesh's clusters already sorted without
// repeats (mesh is returned itself for an unset homing, and a homing of
// one cluster in the mesh itself: callers only read it).
func homingIn(g GlobalNamespace, mesh []string) []string {
	if g.Homing == nil {
		return mesh
	}
	if len(g.Homing) == 1 {
		// The usual homing (a sync from one cluster sets it): no copy
		// to sort.
		if _, ok := slices.BinarySearch(mesh, g.Homing[0]); ok {
			return g.Homing
		}
		return nil
	}
	out := make([]string, 0, len(g.Homing))
	for _, c := range uniqueSorted(g.Homing) {
		if _, ok := slices.BinarySearch(mesh, c); ok {
			out = append(out, c)
		}
	}
	return out
}

// PlanPush plans the automatic push of an edit of one instance namespace
// (B06): each injection label the edit changed is changed the same way (set
// to its new value, or removed) on the namespaces of that name that already
// exist in the namespace's homing clusters. before is the namespace's
// labels before the edit; inst holds the namespace after it. Injection
// labels the edit did not touch are left as each cluster has them, other
// labels are never touched (provider=asm is added where absent), and no
// namespace is ever created (B01). A namespace the instance lacks, a system
// namespace, or an edit of no injection label gives an empty plan.
func PlanPush(inst InstanceState, namespace string, before map[string]string, clusters []ClusterNamespaces) Plan {
	return newPlan(planPush(inst, uniqueSorted(inst.Clusters), namespace, before, clusters, indexClusters(clusters)))
}

// planPush is PlanPush with the mesh's clusters sorted (mesh) and the
// given clusters indexed by name (indexClusters): it visits the
// namespace's homing clusters only. The changes are not sorted.
func planPush(inst InstanceState, mesh []string, namespace string, before map[string]string, clusters []ClusterNamespaces, index map[string][]int) []Change {
	g, ok := inst.Namespaces[namespace]
	if !ok || SyncSkipsNamespace(namespace) {
		return nil
	}
	var edited []string
	for _, k := range InjectionLabelKeys() {
		bv, bok := before[k]
		av, aok := g.Labels[k]
		if bok != aok || bv != av {
			edited = append(edited, k)
		}
	}
	if len(edited) == 0 {
		return nil
	}
	var changes []Change
	for _, home := range homingIn(g, mesh) {
		for _, k := range index[home] {
			c := &clusters[k]
			if have, exists := c.Namespaces[namespace]; exists {
				changes = append(changes, relabel(c.Cluster, namespace, edited, g.Labels, have, true)...)
			}
		}
	}
	return changes
}

// withProvider adds provider=asm to a namespace's non-empty list of
// changes when the namespace has no provider label yet: the mark of a
// namespace the instance touched (B06). A provider the namespace already
// has is not overwritten: sync never changes a label that is not an
// injection label.
func withProvider(changes []Change, cluster, name string, have map[string]string) []Change {
	if _, ok := have[LabelProvider]; len(changes) == 0 || ok {
		return changes
	}
	return append(changes, Change{Where: cluster, Kind: ChangeSetLabel, Namespace: name, Key: LabelProvider, Value: ProviderASM})
}

// relabel plans making the given injection labels of an existing cluster
// namespace equal to want's: set where they differ and, when remove is
// true (a push of an edit that removed them), removed where want has none.
func relabel(cluster, name string, keys []string, want, have map[string]string, remove bool) []Change {
	var changes []Change
	for _, k := range keys {
		w, wok := want[k]
		h, hok := have[k]
		switch {
		case wok && (!hok || h != w):
			changes = append(changes, Change{Where: cluster, Kind: ChangeSetLabel, Namespace: name, Key: k, Value: w})
		case remove && !wok && hok:
			changes = append(changes, Change{Where: cluster, Kind: ChangeRemoveLabel, Namespace: name, Key: k})
		}
	}
	return withProvider(changes, cluster, name, have)
}

// ApplyTo carries out the plan on in-memory states: changes whose Where is
// PlanInstance go to inst, the others to the cluster of that name in
// clusters (added to the map when missing). A change to a namespace that
// does not exist creates it first, so the result does not depend on the
// order of the changes. It is the pure counterpart of what the backends do,
// for tests.
func (p Plan) ApplyTo(inst *InstanceState, clusters map[string]*ClusterNamespaces) {
	for _, ch := range p.Changes {
		if ch.Where == PlanInstance {
			applyToInstance(inst, ch)
			continue
		}
		if clusters == nil {
			continue
		}
		c := clusters[ch.Where]
		if c == nil {
			c = &ClusterNamespaces{Cluster: ch.Where}
			clusters[ch.Where] = c
		}
		applyToCluster(c, ch)
	}
}

func applyToInstance(inst *InstanceState, ch Change) {
	if inst == nil {
		return
	}
	if inst.Namespaces == nil {
		inst.Namespaces = map[string]GlobalNamespace{}
	}
	g, ok := inst.Namespaces[ch.Namespace]
	if !ok {
		g = GlobalNamespace{Name: ch.Namespace}
	}
	if ch.Kind == ChangeSetHoming {
		g.Homing = slices.Clone(ch.Homing)
	}
	g.Labels = changedLabels(g.Labels, ch)
	inst.Namespaces[ch.Namespace] = g
}

func applyToCluster(c *ClusterNamespaces, ch Change) {
	if c.Namespaces == nil {
		c.Namespaces = map[string]map[string]string{}
	}
	c.Namespaces[ch.Namespace] = changedLabels(c.Namespaces[ch.Namespace], ch)
}

// changedLabels returns a copy of a namespace's labels (never nil) with
// the label change ch makes; other kinds of change leave the copy as is.
func changedLabels(labels map[string]string, ch Change) map[string]string {
	out := maps.Clone(labels)
	if out == nil {
		out = map[string]string{}
	}
	switch ch.Kind {
	case ChangeCreateNamespace:
		maps.Copy(out, ch.Labels)
	case ChangeSetLabel:
		out[ch.Key] = ch.Value
	case ChangeRemoveLabel:
		delete(out, ch.Key)
	}
	return out
}

// newPlan sorts changes by (Where, Namespace, Kind, Key).
func newPlan(changes []Change) Plan {
	// A sync from a cluster plans in order already: checking costs one
	// comparison a change.
	if !slices.IsSortedFunc(changes, compareChanges) {
		slices.SortStableFunc(changes, compareChanges)
	}
	return Plan{Changes: changes}
}

func compareChanges(a, b Change) int {
	return cmp.Or(
		cmp.Compare(a.Where, b.Where),
		cmp.Compare(a.Namespace, b.Namespace),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Key, b.Key),
	)
}

// injectionLabels returns a new map holding only the injection labels of
// labels.
func injectionLabels(labels map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range InjectionLabelKeys() {
		if v, ok := labels[k]; ok {
			out[k] = v
		}
	}
	return out
}

func formatPlanLabels(labels map[string]string) string {
	keys := slices.Sorted(maps.Keys(labels))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + labels[k]
	}
	return strings.Join(parts, ", ")
}

// SplitPlan splits a plan into the changes made in where and the rest,
// each in the plan's order. A side that takes every change is p itself,
// its changes not copied (a sync from a cluster that pushes nothing).
func SplitPlan(p Plan, where string) (in, rest Plan) {
	n := 0
	for _, c := range p.Changes {
		if c.Where == where {
			n++
		}
	}
	switch {
	case n == 0:
		return Plan{}, p
	case n == len(p.Changes):
		return p, Plan{}
	}
	in.Changes = make([]Change, 0, n)
	rest.Changes = make([]Change, 0, len(p.Changes)-n)
	for _, c := range p.Changes {
		if c.Where == where {
			in.Changes = append(in.Changes, c)
		} else {
			rest.Changes = append(rest.Changes, c)
		}
	}
	return in, rest
}

// Namespaces lists the namespaces the plan changes, once each, in the
// order of their first change.
func (p Plan) Namespaces() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range p.Changes {
		if !seen[c.Namespace] {
			seen[c.Namespace] = true
			out = append(out, c.Namespace)
		}
	}
	return out
}

// ByNamespace is the plan's changes grouped by namespace, each group in
// the plan's order: Of for every namespace at once.
func (p Plan) ByNamespace() map[string]Plan {
	out := map[string]Plan{}
	for _, c := range p.Changes {
		g := out[c.Namespace]
		g.Changes = append(g.Changes, c)
		out[c.Namespace] = g
	}
	return out
}

// Of is the plan's changes to one namespace.
func (p Plan) Of(namespace string) Plan {
	var out Plan
	for _, c := range p.Changes {
		if c.Namespace == namespace {
			out.Changes = append(out.Changes, c)
		}
	}
	return out
}

// WithoutNamespaces is the plan without its changes to the namespaces
// named: a sync from a cluster pushes no namespace the instance did not
// take.
func WithoutNamespaces(p Plan, names []string) Plan {
	drop := make(map[string]bool, len(names))
	for _, n := range names {
		drop[n] = true
	}
	var out Plan
	for _, c := range p.Changes {
		if !drop[c.Namespace] {
			out.Changes = append(out.Changes, c)
		}
	}
	return out
}
