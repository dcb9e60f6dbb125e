package backend

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/realk8s/admission"
	"github.com/meshtwin/meshtwin/shell"
)

// Backend is the real-Kubernetes backend of one scenario: each cluster
// and the mesh instance is a local control plane of its Fleet. Close
// hands the planes back. It is safe for concurrent use.
type Backend struct {
	fleet *Fleet

	mu        sync.Mutex
	instance  *meshInstance
	clusters  map[string]*cluster
	nextIdx   int               // the next created cluster's index: its service range
	admission *admission.Server // started on first use (webhooks.go)
	meshRoot  string            // the mesh CA's root certificate (istiod.go)
	closed    bool
	born      time.Time // when the scenario took the backend

	// setup is the time spent in the fleet's acquire (SetupTime);
	// acquiring counts the acquires under way, since when the first
	// of them began.
	setup          time.Duration
	acquiring      int
	acquiringSince time.Time
}

var _ shell.SetupTimer = (*Backend)(nil)

// SetupTime is how long the scenario has waited for its planes so far:
// a plane the fleet had to start (a kind cluster: minutes), a reused
// one (an instant), and the wait under way.
func (b *Backend) SetupTime() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.setup
	if b.acquiring > 0 {
		d += time.Since(b.acquiringSince)
	}
	return d
}

// acquire takes a plane that serves req from the fleet, counting the
// wait in SetupTime.
func (b *Backend) acquire(ctx context.Context, req PlaneRequest) (Plane, error) {
	b.mu.Lock()
	if b.acquiring == 0 {
		b.acquiringSince = time.Now()
	}
	b.acquiring++
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.acquiring--
		if b.acquiring == 0 {
			b.setup += time.Since(b.acquiringSince)
		}
	}()
	return b.fleet.acquire(ctx, req)
}

// cluster is one data-plane cluster: a plane, the client that reaches it
// (through a gate that can cut it off) and what the rules know of it.
type cluster struct {
	name   string
	plane  Plane
	gate   *gate
	client kubernetes.Interface
	info   model.ClusterInfo
	joined bool
	nodes  int // nodes registered so far, for the next node's address
	// stopIstiod stops istiod's namespace controller (istiod.go) while
	// the cluster is in the mesh.
	stopIstiod context.CancelFunc
	// stopInsights stops the recorder of the twin's lifecycle insights
	// (insights.go), which runs on a plane with real kubelets.
	stopInsights func()
}

func newBackend(f *Fleet) *Backend {
	return &Backend{fleet: f, clusters: map[string]*cluster{}, born: time.Now()}
}

// Now is the wall clock.
func (b *Backend) Now() time.Time { return time.Now() }

// Clusters lists every created cluster, sorted.
func (b *Backend) Clusters() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Sorted(maps.Keys(b.clusters))
}

// ClusterInfo describes one created cluster: the Kubernetes version is
// the one the spec asked for (the rules decide by it), whatever version
// the plane's binaries are.
func (b *Backend) ClusterInfo(name string) (model.ClusterInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, err := b.clusterLocked(name)
	if err != nil {
		return model.ClusterInfo{}, err
	}
	info := c.info
	info.FeatureGates = maps.Clone(info.FeatureGates)
	return info, nil
}

// Client returns the client of a kubectl context: a cluster's name, or
// model.ContextASM for the mesh instance's plane.
func (b *Backend) Client(contextName string) (kubernetes.Interface, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if contextName == model.ContextASM && b.instance != nil {
		return b.instance.user, nil
	}
	if c, ok := b.clusters[contextName]; ok {
		return c.client, nil
	}
	known := slices.Sorted(maps.Keys(b.clusters))
	if b.instance != nil {
		known = append([]string{model.ContextASM}, known...)
	}
	return nil, fmt.Errorf("context %q not found (known: %s)", contextName, knownList(known))
}

// CreateCluster creates a data-plane cluster on a plane of the fleet,
// with the defaults of the in-memory backend: Kubernetes 1.30, region
// cn-beijing, zone i, two worker nodes named like ACK's; Nodes < 0 means
// none; VirtualNode adds ack-virtual-node's virtual-kubelet node. The
// nodes are kwok's.
func (b *Backend) CreateCluster(ctx context.Context, spec model.ClusterSpec) error {
	if msgs := validation.IsDNS1123Label(spec.Name); len(msgs) > 0 {
		return fmt.Errorf("create cluster: invalid name %q: %s", spec.Name, strings.Join(msgs, "; "))
	}
	if spec.Name == model.ContextASM {
		return fmt.Errorf("create cluster: the name %q is reserved for the mesh control plane", spec.Name)
	}
	spec = model.DefaultClusterSpec(spec)
	defer b.fleet.times.since("create cluster", time.Now())
	b.mu.Lock()
	if err := b.usableLocked(); err != nil {
		b.mu.Unlock()
		return fmt.Errorf("create cluster: %w", err)
	}
	if _, ok := b.clusters[spec.Name]; ok {
		b.mu.Unlock()
		return fmt.Errorf("create cluster: cluster %q already exists", spec.Name)
	}
	index := b.nextIdx
	b.mu.Unlock()

	plane, err := b.acquire(ctx, PlaneRequest{Cluster: spec, Index: index})
	if err != nil {
		return fmt.Errorf("create cluster %q: %w", spec.Name, err)
	}
	g := &gate{}
	client, err := kubernetes.NewForConfig(g.wrap(plane.RESTConfig(), userAgentKubectl))
	if err != nil {
		return errors.Join(fmt.Errorf("create cluster %q: %w", spec.Name, err), b.fleet.release(plane, resetCluster(ctx, plane)))
	}
	c := &cluster{
		name: spec.Name, plane: plane, gate: g, client: client,
		info: model.ClusterInfo{
			Name: spec.Name, KubeVersion: spec.KubeVersion, Region: spec.Region, Zone: spec.Zone,
			FeatureGates: maps.Clone(spec.FeatureGates),
		},
	}
	g.namespaceUpdated = func(ctx context.Context, namespace string) { b.awaitNamespaceLabels(ctx, c, namespace) }
	b.mu.Lock()
	if _, ok := b.clusters[spec.Name]; ok || b.closed {
		b.mu.Unlock()
		return errors.Join(fmt.Errorf("create cluster: cluster %q already exists", spec.Name), b.fleet.release(plane, resetCluster(ctx, plane)))
	}
	b.clusters[spec.Name] = c
	b.nextIdx = max(b.nextIdx, index+1)
	b.mu.Unlock()

	if len(plane.RealNodes()) == 0 {
		// A local plane's API server runs without its endpoint
		// reconciler (it serves on 127.0.0.1, which no endpoint may
		// name): the backend writes what it would, at the twin's
		// address. On kind the API server writes its own.
		if err := ensureKubernetesEndpointSlice(ctx, plane.Client()); err != nil {
			return fmt.Errorf("create cluster %q: %w", spec.Name, err)
		}
	}
	// On a plane with real nodes (kind) the cluster's regular nodes
	// are the plane's own, registered by their kubelets.
	c.nodes = len(plane.RealNodes())
	for range spec.Nodes - min(spec.Nodes, c.nodes) {
		ip := model.NodeIP(c.nodes)
		if err := c.registerNode(ctx, model.NewNode(spec.Region+"."+ip), ip, false); err != nil {
			return fmt.Errorf("create cluster %q: %w", spec.Name, err)
		}
	}
	if spec.VirtualNode {
		if err := c.registerNode(ctx, model.NewVirtualNode(spec.Region, spec.Zone), model.NodeIP(c.nodes), true); err != nil {
			return fmt.Errorf("create cluster %q: %w", spec.Name, err)
		}
		b.mu.Lock()
		c.info.VirtualNodeComponent = true
		b.mu.Unlock()
		if err := b.installECIWebhook(ctx, c); err != nil {
			return fmt.Errorf("create cluster %q: %w", spec.Name, err)
		}
	}
	began := time.Now()
	defer b.fleet.times.since("create cluster: nodes ready", began)
	if err := waitNodesReady(ctx, plane.Client()); err != nil {
		return fmt.Errorf("create cluster %q: %w", spec.Name, err)
	}
	if len(plane.RealNodes()) > 0 {
		stop, err := startInsights(plane.Client())
		if err != nil {
			return fmt.Errorf("create cluster %q: %w", spec.Name, err)
		}
		b.mu.Lock()
		c.stopInsights = stop
		b.mu.Unlock()
	}
	return nil
}

// eciPodCIDR is where the virtual node's pods get their addresses.
const eciPodCIDR = "192.168.128.0/17"

// registerNode registers a node as its kubelet would; kwok keeps it
// Ready and runs the pods bound to it.
func (c *cluster) registerNode(ctx context.Context, n *corev1.Node, ip string, virtual bool) error {
	model.DecorateNode(n, c.info, ip, virtual, time.Now())
	if virtual {
		// ECI pods get addresses of the VPC's vSwitch, as in the
		// in-memory backend; kwok hands them out of the node's range.
		n.Spec.PodCIDR = eciPodCIDR
		n.Spec.PodCIDRs = []string{eciPodCIDR}
	}
	c.nodes++
	if _, err := c.plane.Client().CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("register node %q: %w", n.Name, err)
	}
	return nil
}

// JoinCluster adds a created cluster to the mesh: the instance learns
// about it, and istio-system and the injectors of the served revisions
// appear in it.
func (b *Backend) JoinCluster(ctx context.Context, name string) error {
	b.mu.Lock()
	m := b.instance
	c, err := b.clusterLocked(name)
	switch {
	case err != nil:
	case m == nil:
		err = model.ErrNoMesh
	case c.joined:
		err = fmt.Errorf("cluster %q is already in the mesh", name)
	}
	var info model.ClusterInfo
	if err == nil {
		info = c.info
		info.FeatureGates = maps.Clone(info.FeatureGates)
	}
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("add cluster %q to the mesh: %w", name, err)
	}
	defer b.fleet.times.since("join cluster", time.Now())
	member, err := b.memberClient(c)
	if err != nil {
		return fmt.Errorf("add cluster %q to the mesh: %w", name, err)
	}
	if err := m.inst.AddCluster(ctx, name, member, info); err != nil {
		return fmt.Errorf("add cluster %q to the mesh: %w", name, err)
	}
	if err := ensureNamespace(ctx, c.plane.Client(), model.IstioSystemNamespace); err != nil {
		return fmt.Errorf("add cluster %q to the mesh: %w", name, err)
	}
	for _, rev := range m.inst.Config().ServedRevisions() {
		if err := b.installInjector(ctx, c, rev); err != nil {
			return fmt.Errorf("add cluster %q to the mesh: %w", name, err)
		}
	}
	if err := b.startIstiodNamespaces(c, m.inst.Config().Version); err != nil {
		return fmt.Errorf("add cluster %q to the mesh: %w", name, err)
	}
	b.mu.Lock()
	c.joined = true
	b.mu.Unlock()
	return nil
}

// UpgradeCluster moves a cluster to the next Kubernetes minor version:
// what the rules know of it and what its nodes' kubelets report. The
// plane's own binaries stay what they are.
func (b *Backend) UpgradeCluster(ctx context.Context, name string, to model.KubeVersion) error {
	b.mu.Lock()
	c, err := b.clusterLocked(name)
	if err != nil {
		b.mu.Unlock()
		return fmt.Errorf("upgrade cluster: %w", err)
	}
	if err := model.CheckKubeUpgrade(c.info.KubeVersion, to); err != nil {
		b.mu.Unlock()
		return fmt.Errorf("upgrade cluster %q: %w", name, err)
	}
	from := c.info.KubeVersion
	c.info.KubeVersion = to
	info, joined, m := c.info, c.joined, b.instance
	info.FeatureGates = maps.Clone(info.FeatureGates)
	b.mu.Unlock()
	nodes, err := c.plane.Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("upgrade cluster %q: %w", name, err)
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		n.Status.NodeInfo.KubeletVersion = strings.Replace(n.Status.NodeInfo.KubeletVersion, "v"+from.String()+".", "v"+to.String()+".", 1)
		if _, err := c.plane.Client().CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("upgrade cluster %q: node %q: %w", name, n.Name, err)
		}
	}
	if !joined || m == nil {
		return nil
	}
	return m.inst.SetClusterInfo(name, info)
}

// LeaveCluster takes a cluster out of the mesh: it leaves every global
// namespace's homing and the injectors' configurations leave it.
func (b *Backend) LeaveCluster(ctx context.Context, name string) (changed, emptied []string, err error) {
	b.mu.Lock()
	m := b.instance
	c, err := b.clusterLocked(name)
	switch {
	case err != nil:
	case m == nil:
		err = model.ErrNoMesh
	case !c.joined:
		err = fmt.Errorf("cluster %q is not in the mesh (clusters of the mesh: %s)", name, knownList(m.inst.Clusters()))
	}
	b.mu.Unlock()
	if err != nil {
		return nil, nil, fmt.Errorf("remove cluster %q from the mesh: %w", name, err)
	}
	changed, emptied, err = m.inst.RemoveCluster(ctx, name)
	if err != nil {
		return changed, emptied, err
	}
	for _, rev := range m.inst.Config().ServedRevisions() {
		if err := b.uninstall(ctx, c, model.InjectorConfigurationName(rev)); err != nil {
			return changed, emptied, fmt.Errorf("remove cluster %q from the mesh: %w", name, err)
		}
	}
	b.mu.Lock()
	c.joined = false
	c.stopIstiodLocked()
	b.mu.Unlock()
	return changed, emptied, nil
}

// DeleteCluster deletes a cluster that is not in the mesh: its plane is
// reset and goes back to the fleet.
func (b *Backend) DeleteCluster(ctx context.Context, name string) error {
	b.mu.Lock()
	c, err := b.clusterLocked(name)
	if err == nil && c.joined {
		err = fmt.Errorf("delete cluster %q: it is in the mesh; remove it first (mesh remove-cluster %s)", name, name)
	} else if err != nil {
		err = fmt.Errorf("delete cluster: %w", err)
	}
	if err == nil {
		delete(b.clusters, name)
		c.stopInsightsLocked()
	}
	b.mu.Unlock()
	if err != nil {
		return err
	}
	return b.fleet.release(c.plane, resetCluster(ctx, c.plane))
}

// SetReachable cuts a cluster's API server off from every client of
// this backend (the mesh instance's included), or connects it again.
func (b *Backend) SetReachable(_ context.Context, name string, reachable bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, err := b.clusterLocked(name)
	if err != nil {
		return err
	}
	c.gate.unreachable.Store(!reachable)
	return nil
}

// Close resets every plane of the scenario and hands it back to the
// fleet. The backend is unusable afterwards.
func (b *Backend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	m, clusters, srv := b.instance, b.clusters, b.admission
	b.instance, b.clusters, b.admission = nil, map[string]*cluster{}, nil
	for _, c := range clusters {
		c.stopIstiodLocked()
		c.stopInsightsLocked()
	}
	b.mu.Unlock()

	began := time.Now()
	defer func() {
		b.fleet.times.since("close (resets)", began)
		b.fleet.times.since("scenario", b.born)
	}()
	ctx, cancel := context.WithTimeout(withTimes(context.Background(), b.fleet.times), resetTimeout)
	defer cancel()
	// The planes are reset at once, each being its own API server; the
	// errors keep the order instance, then clusters by name.
	names := slices.Sorted(maps.Keys(clusters))
	errs := make([]error, 1+len(names))
	var wg sync.WaitGroup
	if m != nil {
		began := time.Now()
		m.stop()
		b.fleet.times.since("close: mesh instance stop", began)
		wg.Go(func() {
			began := time.Now()
			errs[0] = b.fleet.release(m.plane, resetInstance(ctx, m.plane))
			b.fleet.times.since("reset instance plane", began)
		})
	}
	for i, name := range names {
		c := clusters[name]
		wg.Go(func() {
			began := time.Now()
			errs[1+i] = b.fleet.release(c.plane, resetCluster(ctx, c.plane))
			b.fleet.times.since("reset cluster plane", began)
		})
	}
	wg.Wait()
	if srv != nil {
		began := time.Now()
		errs = append(errs, srv.Stop())
		b.fleet.times.since("close: admission server stop", began)
	}
	return errors.Join(errs...)
}

func (b *Backend) usableLocked() error {
	if b.closed {
		return errors.New("the backend is closed")
	}
	return nil
}

func (b *Backend) clusterLocked(name string) (*cluster, error) {
	if c, ok := b.clusters[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("cluster %q not found (known: %s)", name, knownList(slices.Sorted(maps.Keys(b.clusters))))
}

func knownList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// ensureNamespace creates a namespace unless it exists.
func ensureNamespace(ctx context.Context, c kubernetes.Interface, name string) error {
	_, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %q: %w", name, err)
	}
	return nil
}

// ensureKubernetesEndpointSlice writes the kubernetes Service's
// EndpointSlice as kube-apiserver's endpoint reconciler keeps it
// (model.KubernetesEndpointSlice), at the twin's address and port, unless
// it is there already as it should be; one that differs is written anew
// (its addressType is immutable).
func ensureKubernetesEndpointSlice(ctx context.Context, c kubernetes.Interface) error {
	want := model.KubernetesEndpointSlice(model.APIServerIP, model.APIServerPort)
	api := c.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault)
	got, err := api.Get(ctx, want.Name, metav1.GetOptions{})
	switch {
	case err == nil && apiequality.Semantic.DeepEqual(got.Labels, want.Labels) && got.AddressType == want.AddressType &&
		apiequality.Semantic.DeepEqual(got.Endpoints, want.Endpoints) && apiequality.Semantic.DeepEqual(got.Ports, want.Ports):
		return nil
	case err == nil:
		err = api.Delete(ctx, want.Name, metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			err = nil
		}
	case apierrors.IsNotFound(err):
		err = nil
	}
	if err == nil {
		_, err = api.Create(ctx, want, metav1.CreateOptions{})
	}
	if err != nil {
		return fmt.Errorf("the kubernetes EndpointSlice: %w", err)
	}
	return nil
}
