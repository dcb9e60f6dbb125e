package shell

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/kubectl"
	"github.com/meshtwin/meshtwin/model"
)

// Backend is what the command layer needs from a mesh backend: the
// in-memory simulator and a backend of real Kubernetes API servers both
// satisfy it, and nothing above this interface knows which one runs.
type Backend interface {
	// Now is the backend's clock: virtual in the simulator.
	Now() time.Time
	// Advance moves the clock forward by d and lets every controller,
	// scheduler and kubelet act on what became due.
	Advance(ctx context.Context, d time.Duration) error

	// CreateMesh creates the mesh instance; there is at most one.
	CreateMesh(ctx context.Context, cfg model.MeshConfig) error
	// Mesh returns the mesh instance, or an error when none was created.
	// The instance may run elsewhere (a backend's own process): the
	// command layer only calls Mesh's methods.
	Mesh() (Mesh, error)

	// CreateCluster creates a data-plane cluster that is not yet part of
	// the mesh.
	CreateCluster(ctx context.Context, spec model.ClusterSpec) error
	// JoinCluster adds a created cluster to the mesh.
	JoinCluster(ctx context.Context, name string) error
	// UpgradeCluster moves a cluster to the next Kubernetes minor version
	// in place; running pods keep what they have.
	UpgradeCluster(ctx context.Context, name string, to model.KubeVersion) error
	// LeaveCluster takes a cluster out of the mesh: it leaves every
	// global namespace's homing and the mesh's injector leaves it. It
	// returns the namespaces whose homing changed and, of those, the
	// ones left with no homing cluster.
	LeaveCluster(ctx context.Context, name string) (changed, emptied []string, err error)
	// DeleteCluster deletes a cluster that is not in the mesh.
	DeleteCluster(ctx context.Context, name string) error
	// Clusters lists every created cluster, sorted by name.
	Clusters() []string
	// ClusterInfo describes one created cluster.
	ClusterInfo(name string) (model.ClusterInfo, error)

	// Client returns a client for a kubectl context: a cluster's name, or
	// model.ContextASM for the mesh instance's control plane.
	Client(contextName string) (kubernetes.Interface, error)

	// InstallWebhook registers a third-party mutating webhook in a
	// cluster: a MutatingWebhookConfiguration of its name, called on pod
	// CREATE in name order with the mesh's own.
	InstallWebhook(ctx context.Context, cluster string, w model.Webhook) error
}

// PodViewer is a backend that can show a cluster's pods without copying
// them: the simulator's stored pods, which it never modifies in place.
// analyze reads pods this way when the backend can (a list deep-copies
// every pod, which at a fleet's size costs more than the analysis), else
// it lists them. A backend of real clusters does not implement it.
type PodViewer interface {
	// ViewPods calls fn with each pod of the cluster, of namespace or of
	// every namespace when it is "", in the order a list returns them;
	// it fails as a list of those pods would. fn must not modify a pod;
	// it may keep one, which stays as it was when viewed.
	ViewPods(ctx context.Context, cluster, namespace string, fn func(*corev1.Pod)) error
}

// SetupTimer is a Backend that takes long to make the control planes a
// scenario asks for (a kind cluster takes minutes to create): SetupTime
// is how long it has spent making them so far, the making under way
// included. A caller that bounds how long a command may take does not
// count that time.
type SetupTimer interface {
	Backend
	SetupTime() time.Duration
}

// Mesh is what the command layer needs of the mesh instance: the console's
// operations (global namespaces, injection, homing, syncs), its
// configuration, and the asmmeshconfig kubectl reads and patches.
// *asm.Instance implements it in process; a backend may run the instance
// elsewhere and hand out a client that does.
type Mesh interface {
	kubectl.MeshConfig

	// Config is the instance's configuration: version, profile, mesh
	// config.
	Config() model.MeshConfig
	// Clusters lists the clusters in the mesh, sorted by name.
	Clusters() []string
	// Upgrade moves the instance to a newer release in place; running
	// pods keep their sidecars.
	Upgrade(ctx context.Context, to model.ASMVersion) error

	// CreateNamespace creates a global namespace; no cluster gets one.
	CreateNamespace(ctx context.Context, name string, labels map[string]string) error
	// DeleteNamespace deletes a global namespace; clusters keep theirs.
	DeleteNamespace(ctx context.Context, name string) error
	// EnableInjection sets istio-injection=enabled and pushes it to the
	// namespace's homing clusters.
	EnableInjection(ctx context.Context, name string) error
	// DisableInjection sets istio-injection=disabled and pushes it.
	DisableInjection(ctx context.Context, name string) error
	// AddRevision makes the mesh serve another istiod revision: its
	// injector webhook configuration appears in every member cluster.
	AddRevision(ctx context.Context, name string) error
	// RemoveRevision stops serving a revision that was added.
	RemoveRevision(ctx context.Context, name string) error
	// SetHoming sets the homing clusters of a global namespace.
	SetHoming(ctx context.Context, name string, clusters []string) error
	// Namespaces lists the global namespaces, sorted by name.
	Namespaces(ctx context.Context) ([]model.GlobalNamespace, error)
	// PushFailures lists the edits of global namespaces that a cluster
	// has not taken yet (its push failed; it is retried), sorted.
	PushFailures() []model.PushFailure

	// PlanSyncFrom returns what SyncFrom would do, changing nothing.
	PlanSyncFrom(ctx context.Context, cluster string) (model.Plan, error)
	// SyncFrom syncs the injection labels from a cluster to the instance.
	SyncFrom(ctx context.Context, cluster string) (model.Plan, error)
	// PlanSyncTo returns what SyncTo would do, changing nothing.
	PlanSyncTo(ctx context.Context) (model.Plan, error)
	// SyncTo syncs the injection labels from the instance to its clusters.
	SyncTo(ctx context.Context) (model.Plan, error)
}
