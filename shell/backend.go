package shell

import (
	"context"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/asm"
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
	Mesh() (*asm.Instance, error)

	// CreateCluster creates a data-plane cluster that is not yet part of
	// the mesh.
	CreateCluster(ctx context.Context, spec model.ClusterSpec) error
	// JoinCluster adds a created cluster to the mesh.
	JoinCluster(ctx context.Context, name string) error
	// Clusters lists every created cluster, sorted by name.
	Clusters() []string
	// ClusterInfo describes one created cluster.
	ClusterInfo(name string) (model.ClusterInfo, error)

	// Client returns a client for a kubectl context: a cluster's name, or
	// model.ContextASM for the mesh instance's control plane.
	Client(contextName string) (kubernetes.Interface, error)

	// InstallWebhook registers a third-party mutating webhook in a
	// cluster; it runs after the mesh's own webhooks on pod CREATE.
	InstallWebhook(ctx context.Context, cluster string, w model.Webhook) error
}
