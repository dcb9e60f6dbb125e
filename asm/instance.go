package asm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
)

// Instance is one mesh instance: a control plane holding the global
// namespaces, the data-plane clusters added to it and its mesh config.
// It is safe for concurrent use. It never holds its lock while calling a
// clientset, so a backend may call Push from inside a reactor of the
// control-plane clientset.
type Instance struct {
	cp kubernetes.Interface

	mu      sync.Mutex
	cfg     model.MeshConfig
	obj     map[string]any // the asmmeshconfig "default" object
	members map[string]member
	// unpushed holds the edits clusters have not taken yet, by
	// namespace and cluster (push.go).
	unpushed      map[string]map[string]unpushed
	onPushFailure func(model.PushFailure)
}

type member struct {
	client kubernetes.Interface
	info   model.ClusterInfo
}

// memberRef is a member cluster as read under the lock.
type memberRef struct {
	name   string
	client kubernetes.Interface
}

// New returns the mesh instance whose control plane is cp, with no member
// cluster yet.
func New(cp kubernetes.Interface, cfg model.MeshConfig) *Instance {
	if cfg.EnableNativeSidecar != nil {
		v := *cfg.EnableNativeSidecar
		cfg.EnableNativeSidecar = &v
	}
	return &Instance{
		cp:       cp,
		cfg:      cfg,
		obj:      newMeshConfigObject(cfg),
		members:  map[string]member{},
		unpushed: map[string]map[string]unpushed{},
	}
}

// AddCluster makes the cluster name, reached through cs, a member of the
// mesh. It touches no namespace: the instance's namespaces reach the
// cluster only through a sync or an edit (B01, B06).
func (i *Instance) AddCluster(_ context.Context, name string, cs kubernetes.Interface, info model.ClusterInfo) error {
	var errs []error
	switch {
	case name == "":
		errs = append(errs, errors.New("the cluster needs a name"))
	case name == model.ContextASM:
		errs = append(errs, fmt.Errorf("%q names the mesh instance's control plane and cannot name a cluster", name))
	}
	if cs == nil {
		errs = append(errs, errors.New("no client for the cluster"))
	}
	if info.Name != "" && info.Name != name {
		errs = append(errs, fmt.Errorf("cluster info names %q", info.Name))
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if _, ok := i.members[name]; ok && name != "" {
		errs = append(errs, fmt.Errorf("cluster %q is already part of the mesh", name))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("add cluster %q: %w", name, err)
	}
	info.Name = name
	i.members[name] = member{client: cs, info: info}
	return nil
}

// Clusters lists the member clusters, sorted.
func (i *Instance) Clusters() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return slices.Sorted(maps.Keys(i.members))
}

// ClusterInfo describes a member cluster.
func (i *Instance) ClusterInfo(name string) (model.ClusterInfo, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	m, ok := i.members[name]
	if !ok {
		return model.ClusterInfo{}, model.NewUnknownClusterError(name, slices.Collect(maps.Keys(i.members)))
	}
	info := m.info
	info.FeatureGates = maps.Clone(info.FeatureGates)
	return info, nil
}

// Config returns the mesh config, as the asmmeshconfig currently says.
func (i *Instance) Config() model.MeshConfig {
	i.mu.Lock()
	defer i.mu.Unlock()
	return copyConfig(i.cfg)
}

func copyConfig(cfg model.MeshConfig) model.MeshConfig {
	if cfg.EnableNativeSidecar != nil {
		v := *cfg.EnableNativeSidecar
		cfg.EnableNativeSidecar = &v
	}
	cfg.Revisions = slices.Clone(cfg.Revisions)
	return cfg
}

// snapshot reads the config and the members under the lock.
func (i *Instance) snapshot() (model.MeshConfig, []memberRef) {
	i.mu.Lock()
	defer i.mu.Unlock()
	refs := make([]memberRef, 0, len(i.members))
	for _, name := range slices.Sorted(maps.Keys(i.members)) {
		refs = append(refs, memberRef{name: name, client: i.members[name].client})
	}
	return copyConfig(i.cfg), refs
}

// member finds a member cluster's client.
func (i *Instance) member(name string) (kubernetes.Interface, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	m, ok := i.members[name]
	if !ok {
		return nil, model.NewUnknownClusterError(name, slices.Collect(maps.Keys(i.members)))
	}
	return m.client, nil
}

func memberNames(refs []memberRef) []string {
	names := make([]string, len(refs))
	for k, r := range refs {
		names[k] = r.name
	}
	return names
}

// CreateNamespace creates a global namespace in the instance (B01–B03).
// The name and every label are validated first, all problems reported
// together; an existing name gives the API's AlreadyExists. Nothing is
// created in any data-plane cluster (B01).
func (i *Instance) CreateNamespace(ctx context.Context, name string, labels map[string]string) error {
	if err := errors.Join(model.ValidateNamespaceName(name), model.ValidateLabels(labels)); err != nil {
		return fmt.Errorf("create namespace %q: %w", name, err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: maps.Clone(labels)}}
	if _, err := i.cp.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %q: %w", name, err)
	}
	return nil
}

// DeleteNamespace deletes a global namespace from the instance. Nothing is
// deleted in any data-plane cluster (B27). A missing namespace gives the
// API's NotFound; default, kube-system and kube-public may not be deleted,
// as in Kubernetes.
func (i *Instance) DeleteNamespace(ctx context.Context, name string) error {
	if model.IsProtectedNamespace(name) {
		err := apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, name, errors.New("this namespace may not be deleted"))
		return fmt.Errorf("delete namespace %q: %w", name, err)
	}
	if name == model.IstioSystemNamespace {
		// The console lists no delete action for the control plane's own
		// namespace: istiod and the mesh's configuration live there.
		return fmt.Errorf("delete namespace %q: it is the mesh's system namespace (istiod and the mesh's configuration live there) and cannot be deleted from the console", name)
	}
	if err := i.cp.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete namespace %q: %w", name, err)
	}
	return nil
}

// EnableInjection sets istio-injection=enabled on a global namespace and
// pushes it to the namespace's homing clusters (B05, B06).
func (i *Instance) EnableInjection(ctx context.Context, name string) error {
	if err := i.setInjection(ctx, name, "enabled"); err != nil {
		return fmt.Errorf("enable injection for namespace %q: %w", name, err)
	}
	return nil
}

// DisableInjection sets istio-injection=disabled (it does not remove the
// label) and pushes it to the namespace's homing clusters (B05, B06).
func (i *Instance) DisableInjection(ctx context.Context, name string) error {
	if err := i.setInjection(ctx, name, "disabled"); err != nil {
		return fmt.Errorf("disable injection for namespace %q: %w", name, err)
	}
	return nil
}

func (i *Instance) setInjection(ctx context.Context, name, value string) error {
	ns, err := i.cp.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	// The console's switch pushes istio-injection even when the instance
	// already had that value, so a cluster that drifted is set right.
	before := maps.Clone(ns.Labels)
	delete(before, model.LabelInjection)
	if ns.Labels[model.LabelInjection] != value {
		ns = ns.DeepCopy()
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[model.LabelInjection] = value
		if ns, err = i.cp.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	_, err = i.Push(ctx, before, ns)
	return err
}

// SetHoming sets the homing clusters of a global namespace (B24, B26):
// one or more member clusters, on ASM 1.17.2.37 or later. Every problem is
// reported and nothing changes on error. The change itself pushes nothing;
// the next sync to the clusters follows it.
func (i *Instance) SetHoming(ctx context.Context, name string, clusters []string) error {
	cfg, refs := i.snapshot()
	ns, err := i.cp.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("set homing of namespace %q: %w", name, err)
	}
	state := model.InstanceState{Version: cfg.Version, Clusters: memberNames(refs)}
	if err := model.ValidateHoming(state, clusters); err != nil {
		return fmt.Errorf("set homing of namespace %q: %w", name, err)
	}
	value := model.FormatHoming(clusters)
	if ns.Annotations[model.AnnotationHoming] == value {
		return nil
	}
	ns = ns.DeepCopy()
	if ns.Annotations == nil {
		ns.Annotations = map[string]string{}
	}
	ns.Annotations[model.AnnotationHoming] = value
	if _, err := i.cp.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("set homing of namespace %q: %w", name, err)
	}
	return nil
}

// Namespaces lists the instance's namespaces, sorted by name, built-in ones
// included.
func (i *Instance) Namespaces(ctx context.Context) ([]model.GlobalNamespace, error) {
	cfg, refs := i.snapshot()
	st, _, err := i.readInstance(ctx, cfg, refs)
	if err != nil {
		return nil, fmt.Errorf("list namespaces of the mesh instance: %w", err)
	}
	out := make([]model.GlobalNamespace, 0, len(st.Namespaces))
	for _, name := range slices.Sorted(maps.Keys(st.Namespaces)) {
		g := st.Namespaces[name]
		g.Labels = maps.Clone(g.Labels) // the caller's own
		out = append(out, g)
	}
	return out, nil
}

// GlobalNamespaceOf reads a control-plane namespace as the sync rules see
// it: its labels and its homing clusters (nil when unset).
func GlobalNamespaceOf(ns *corev1.Namespace) model.GlobalNamespace {
	g := sharedGlobalNamespace(ns)
	g.Labels = maps.Clone(g.Labels)
	return g
}

// sharedGlobalNamespace is GlobalNamespaceOf sharing ns's labels: for a
// namespace just read, which nothing changes in place (writes are made
// on deep copies).
func sharedGlobalNamespace(ns *corev1.Namespace) model.GlobalNamespace {
	return model.GlobalNamespace{Name: ns.Name, Labels: ns.Labels, Homing: model.ParseHoming(ns.Annotations)}
}

// Upgrade moves the instance to a newer release in place (B38). Running
// pods keep their sidecars; pods created afterwards are injected by the
// new release. An older, equal or zero version changes nothing.
func (i *Instance) Upgrade(_ context.Context, to model.ASMVersion) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if to.IsZero() {
		return errors.New("upgrade mesh: a version is required (for example 1.22.2.35)")
	}
	if err := model.CheckMeshUpgrade(i.cfg.Profile, i.cfg.Version, to); err != nil {
		return fmt.Errorf("upgrade mesh: %w", err)
	}
	i.cfg.Version = to
	return nil
}

// SetClusterInfo records a member cluster's new description, after its
// Kubernetes version changed.
func (i *Instance) SetClusterInfo(name string, info model.ClusterInfo) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	m, ok := i.members[name]
	if !ok {
		return model.NewUnknownClusterError(name, slices.Collect(maps.Keys(i.members)))
	}
	info.Name = name
	info.FeatureGates = maps.Clone(info.FeatureGates)
	m.info = info
	i.members[name] = m
	return nil
}

// RemoveCluster takes a member cluster out of the mesh: it leaves the
// homing clusters of every global namespace; the namespaces, their labels
// and the cluster's own namespaces stay, as in ASM. It returns the
// namespaces whose homing changed, sorted, and of those the ones left
// with no homing cluster, which therefore belong to every cluster again.
func (i *Instance) RemoveCluster(ctx context.Context, name string) (changed, emptied []string, err error) {
	i.mu.Lock()
	_, ok := i.members[name]
	known := slices.Collect(maps.Keys(i.members))
	i.mu.Unlock()
	if !ok {
		return nil, nil, fmt.Errorf("remove cluster %q from the mesh: %w", name, model.NewUnknownClusterError(name, known))
	}
	list, err := i.cp.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("remove cluster %q from the mesh: %w", name, err)
	}
	for _, ns := range list.Items {
		homing := model.ParseHoming(ns.Annotations)
		if !slices.Contains(homing, name) {
			continue
		}
		rest := slices.DeleteFunc(slices.Clone(homing), func(c string) bool { return c == name })
		next := ns.DeepCopy()
		if len(rest) == 0 {
			delete(next.Annotations, model.AnnotationHoming)
			emptied = append(emptied, ns.Name)
		} else {
			next.Annotations[model.AnnotationHoming] = model.FormatHoming(rest)
		}
		if _, err := i.cp.CoreV1().Namespaces().Update(ctx, next, metav1.UpdateOptions{}); err != nil {
			return changed, emptied, fmt.Errorf("remove cluster %q from the homing of namespace %q: %w", name, ns.Name, err)
		}
		changed = append(changed, ns.Name)
	}
	i.mu.Lock()
	delete(i.members, name)
	i.mu.Unlock()
	slices.Sort(changed)
	slices.Sort(emptied)
	return changed, emptied, nil
}
