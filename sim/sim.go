package sim

import (
	"context"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/meshtwin/meshtwin/asm"
	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/shell"
)

// Options configure a Sim.
type Options struct {
	// Seed fixes every random choice: generated names, UIDs.
	Seed int64
	// Start is the virtual clock's first reading; zero means
	// 2026-01-01T00:00:00Z (DefaultStart).
	Start time.Time
	// Timing is the pod lifecycle; zero means model.DefaultTiming().
	Timing model.Timing
}

// Sim is the in-memory backend: a mesh control plane and data-plane
// clusters, each behind a fake clientset that behaves like an API server
// with its admission chain, scheduler, kubelet and controllers, all on
// one virtual clock.
//
// A Sim is safe for concurrent use; its clientsets serialise requests.
type Sim struct {
	// mu guards everything below and every cluster's state. Reactors
	// take it after the clientset's own lock; Sim methods that call a
	// clientset release it first.
	mu    sync.Mutex
	clock *clock
	rng   *rand.Rand
	seed  uint64
	// meshRoot is the mesh CA's root certificate (istio-ca-root-cert),
	// made on first use.
	meshRoot string
	timing   model.Timing
	step     time.Duration
	clusters map[string]*cluster
	nextIdx  int
	cp       *controlPlane
	kinds    map[schema.GroupVersionResource]schema.GroupVersionKind

	// faults are the injected API errors (InjectFault), behind their own
	// lock.
	faults *faultTable

	// mesh is written once, under mu, and read without it so that a
	// reactor can read the mesh config before it takes mu.
	mesh atomic.Pointer[asm.Instance]
}

// controlPlane is the mesh instance's API server: namespaces and their
// events only.
type controlPlane struct {
	api *apiServer
	// user is what Client("asm") returns: every namespace update or
	// patch through it is pushed to the data plane (B06).
	user *fake.Clientset
	// internal is the mesh instance's own client of the same store (a
	// meshClient: its namespace requests are neither copied twice nor
	// recorded); it
	// does not push, so the instance can read and write while a push
	// is under way.
	internal meshClient
	// events are the control plane's events (a failed push).
	events *eventLog
}

// New returns an empty simulator: no mesh, no clusters.
func New(opts Options) *Sim {
	timing := opts.Timing
	if timing == (model.Timing{}) {
		timing = model.DefaultTiming()
	}
	seed := uint64(opts.Seed)
	return &Sim{
		clock:    newClock(opts.Start),
		rng:      rand.New(rand.NewPCG(seed, seed^0x6d657368747769)),
		seed:     seed,
		timing:   timing,
		step:     stepFor(timing.InitContainerRun, timing.ContainerStart, timing.AppReady, timing.ProxyReady, timing.JobRun),
		clusters: map[string]*cluster{},
		faults:   newFaultTable(seed),
	}
}

// Now returns the virtual time.
func (s *Sim) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock.Now()
}

// Timing returns the pod lifecycle the kubelets follow.
func (s *Sim) Timing() model.Timing { return s.timing }

// Advance moves the virtual clock forward by d in steps, so that every
// pod transition in between is observed (and its events recorded) and
// the controllers react to it: rollouts proceed, Jobs complete. Pod
// creations that failed are retried once at the end.
func (s *Sim) Advance(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("advance: the clock cannot go back (%s)", d)
	}
	if inst := s.mesh.Load(); inst != nil {
		// A push that fails again is recorded as an event and stays
		// owed (recordPushFailure): the clock still moves.
		_ = inst.RetryPushes(ctx)
	}
	req := s.request()
	s.mu.Lock()
	clusters := s.sortedClusters()
	s.mu.Unlock()
	for _, c := range clusters {
		// The fake clientset records every action; forget them so
		// that a long simulation does not keep every request alive.
		c.cs.ClearActions()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	end := s.clock.Now().Add(d)
	for s.clock.Now().Before(end) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("advance: %w", err)
		}
		busy := false
		for _, c := range clusters {
			if c.active.len() > 0 {
				busy = true
				break
			}
		}
		// CronJobs fire at their scheduled times: the clock stops there.
		wake, hasWake := time.Time{}, false
		for _, c := range clusters {
			if t, ok := c.nextCronWake(s.clock.Now()); ok && (!hasWake || t.Before(wake)) {
				wake, hasWake = t, true
			}
		}
		hasWake = hasWake && !wake.After(end)
		if !busy && !hasWake {
			s.clock.set(end)
			break
		}
		next := end
		if busy {
			next = s.clock.Now().Add(s.step)
			if next.After(end) {
				next = end
			}
		}
		if hasWake && wake.Before(next) {
			next = wake
		}
		s.clock.set(next)
		for _, c := range clusters {
			c.kubeletStep()
			c.enqueueCronJobs()
			c.settle(req)
		}
	}
	for _, c := range clusters {
		c.retryFailed(req)
		c.settle(req)
	}
	return nil
}

// CreateMesh creates the mesh instance and its control plane (the "asm"
// kubectl context). There is at most one mesh.
func (s *Sim) CreateMesh(_ context.Context, cfg model.MeshConfig) error {
	if cfg.Version.IsZero() {
		return errors.New("create mesh: a version is required (for example 1.22.2.35)")
	}
	if cfg.Profile == "" {
		cfg.Profile = model.ProfileASM
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if inst := s.mesh.Load(); inst != nil {
		return fmt.Errorf("a mesh already exists (version %s)", inst.Config().VersionName())
	}
	api := newAPIServer(s, model.ContextASM, nil)
	for _, ns := range append(model.BuiltinNamespaces(), model.IstioSystemNamespace) {
		if _, err := api.createBuiltinNamespace(ns); err != nil {
			return fmt.Errorf("create mesh: %w", err)
		}
	}
	cp := &controlPlane{api: api, events: newEventLog(s, api.tracker)}
	cp.user = api.newClientset(true)
	cp.internal = newMeshClient(api.newClientset(false))
	s.cp = cp
	inst := asm.New(cp.internal, cfg)
	// The asmmeshconfig is created with the instance: its UID from a
	// stream of its own, so that it shifts no other draw, and the
	// resourceVersion after the namespaces'.
	rv := int64(0)
	if ns, ok := api.tracker.peek(gvrNamespaces, "", model.IstioSystemNamespace).(*corev1.Namespace); ok {
		rv, _ = strconv.ParseInt(ns.ResourceVersion, 10, 64)
	}
	inst.StampMeshConfig(s.clock.Now(), drawUID(rand.New(rand.NewPCG(s.seed, 0x61736d6d6573))), rv+1)
	inst.OnPushFailure(s.recordPushFailure)
	s.mesh.Store(inst)
	return nil
}

// The event a failed push leaves on the instance's namespace (asm's).
const (
	ReasonPushFailed      = asm.ReasonPushFailed
	ComponentControlPlane = asm.ComponentControlPlane
)

// recordPushFailure is told of each push that failed on a cluster: a
// Warning event on the instance's namespace names the cluster and the
// error (kubectl --context asm get events -n NAME), as the console would
// show it. The instance keeps the edit and pushes it again.
func (s *Sim) recordPushFailure(f model.PushFailure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns, ok := s.cp.api.tracker.peek(gvrNamespaces, "", f.Namespace).(*corev1.Namespace)
	if !ok {
		return
	}
	ref := corev1.ObjectReference{
		Kind: "Namespace", APIVersion: "v1", Namespace: ns.Name, Name: ns.Name,
		UID: ns.UID, ResourceVersion: ns.ResourceVersion,
	}
	s.cp.events.record(ref, corev1.EventTypeWarning, ReasonPushFailed, asm.PushFailedMessage(f), ComponentControlPlane, "")
}

// Instance returns the mesh instance, running in this process.
func (s *Sim) Instance() (*asm.Instance, error) {
	if inst := s.mesh.Load(); inst != nil {
		return inst, nil
	}
	return nil, model.ErrNoMesh
}

// Mesh returns the mesh instance as the command layer uses it.
func (s *Sim) Mesh() (shell.Mesh, error) {
	inst, err := s.Instance()
	if err != nil {
		return nil, err
	}
	return inst, nil
}

// CreateCluster creates a data-plane cluster that is not in the mesh yet.
// Defaults: Kubernetes 1.30, region cn-beijing, zone i, two worker nodes
// named like ACK's (cn-beijing.192.168.0.1); Nodes < 0 means none. With
// VirtualNode the cluster also runs ack-virtual-node (one
// virtual-kubelet-<region>-<zone> node).
func (s *Sim) CreateCluster(_ context.Context, spec model.ClusterSpec) error {
	if msgs := validation.IsDNS1123Label(spec.Name); len(msgs) > 0 {
		return fmt.Errorf("create cluster: invalid name %q: %s", spec.Name, strings.Join(msgs, "; "))
	}
	if spec.Name == model.ContextASM {
		return fmt.Errorf("create cluster: the name %q is reserved for the mesh control plane", spec.Name)
	}
	spec = model.DefaultClusterSpec(spec)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clusters[spec.Name]; ok {
		return fmt.Errorf("create cluster: cluster %q already exists", spec.Name)
	}
	c, err := newCluster(s, spec, s.nextIdx)
	if err != nil {
		return fmt.Errorf("create cluster %q: %w", spec.Name, err)
	}
	s.nextIdx++
	s.clusters[spec.Name] = c
	return nil
}

// AddVirtualNode deploys ack-virtual-node in a cluster that lacks it;
// pending pods are scheduled again at once.
func (s *Sim) AddVirtualNode(_ context.Context, clusterName string) error {
	req := s.request()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterLocked(clusterName)
	if err != nil {
		return err
	}
	if err := c.addVirtualNode(req); err != nil {
		return fmt.Errorf("add virtual node to cluster %q: %w", clusterName, err)
	}
	c.settle(req)
	return nil
}

// JoinCluster adds a created cluster to the mesh: the instance learns
// about it, and istio-system and the sidecar injector's webhook appear
// in it.
func (s *Sim) JoinCluster(ctx context.Context, name string) error {
	inst, err := s.Instance()
	if err != nil {
		return fmt.Errorf("add cluster %q to the mesh: %w", name, err)
	}
	s.mu.Lock()
	c, err := s.clusterLocked(name)
	if err == nil && c.joined {
		err = fmt.Errorf("cluster %q is already in the mesh", name)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := inst.AddCluster(ctx, name, c.meshClient, c.info); err != nil {
		return fmt.Errorf("add cluster %q to the mesh: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := c.join(inst.Config()); err != nil {
		return fmt.Errorf("add cluster %q to the mesh: %w", name, err)
	}
	return nil
}

// Clusters lists every created cluster, sorted.
func (s *Sim) Clusters() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clusterNamesLocked()
}

// ClusterInfo describes one created cluster.
func (s *Sim) ClusterInfo(name string) (model.ClusterInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterLocked(name)
	if err != nil {
		return model.ClusterInfo{}, err
	}
	return c.infoCopy(), nil
}

// Client returns the clientset of a kubectl context: a cluster's name,
// or "asm" for the mesh instance's control plane.
func (s *Sim) Client(contextName string) (kubernetes.Interface, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if contextName == model.ContextASM && s.cp != nil {
		return s.cp.user, nil
	}
	if c, ok := s.clusters[contextName]; ok {
		return c.cs, nil
	}
	known := s.clusterNamesLocked()
	if s.cp != nil {
		known = append([]string{model.ContextASM}, known...)
	}
	return nil, fmt.Errorf("context %q not found (known: %s)", contextName, knownList(known))
}

// InstallWebhook registers a third-party mutating webhook in a cluster;
// it mutates pods in the order of its name among the cluster's webhook
// configurations (the mesh's injectors are istio-sidecar-injector...). A
// MutatingWebhookConfiguration of the same name shows it; deleting that
// object uninstalls the webhook.
func (s *Sim) InstallWebhook(_ context.Context, clusterName string, w model.Webhook) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterLocked(clusterName)
	if err != nil {
		return err
	}
	if err := c.installWebhook(w); err != nil {
		return fmt.Errorf("install webhook %q in cluster %q: %w", w.Name, clusterName, err)
	}
	return nil
}

// ---- helpers ----

// request is what one API request (or one Advance) reads from outside
// the simulator's lock: the mesh config at that moment.
type request struct {
	mesh   model.MeshConfig
	meshOK bool
	// uids, when set, is the stream the UIDs of created objects are drawn
	// from instead of the simulator's (a cluster's own controllers).
	uids *rand.Rand
	// template, when set, is the stored template the pod being created
	// is made of (createPodFor): its admission may be the previous
	// pod's (admissionMemo). The pod shares the template's labels,
	// annotations and spec (templatePod): admission copies it before it
	// changes it.
	template *corev1.PodTemplateSpec
}

// meshRootCertLocked is the mesh CA's self-signed root (O=cluster.local,
// as Istio's self-signed CA names it), the same in every cluster.
// Callers hold s.mu.
func (s *Sim) meshRootCertLocked() (string, error) {
	if s.meshRoot == "" {
		root, err := caBundlePEM(rand.New(rand.NewPCG(s.seed, 0x6973746f6361)), pkix.Name{Organization: []string{"cluster.local"}}, s.clock.Now())
		if err != nil {
			return "", err
		}
		s.meshRoot = root
	}
	return s.meshRoot, nil
}

// request snapshots the mesh config; call it without holding s.mu.
func (s *Sim) request() *request {
	inst := s.mesh.Load()
	if inst == nil {
		return &request{}
	}
	return &request{mesh: inst.Config(), meshOK: true}
}

func (s *Sim) clusterLocked(name string) (*cluster, error) {
	if c, ok := s.clusters[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("cluster %q not found (known: %s)", name, knownList(s.clusterNamesLocked()))
}

func (s *Sim) clusterNamesLocked() []string {
	names := make([]string, 0, len(s.clusters))
	for n := range s.clusters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (s *Sim) sortedClusters() []*cluster {
	out := make([]*cluster, 0, len(s.clusters))
	for _, n := range s.clusterNamesLocked() {
		out = append(out, s.clusters[n])
	}
	return out
}

func knownList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
