package kubectl

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
)

// Host is what kubectl needs from whoever runs it (the shell's session
// and its backend): a client per context, the clock, the current context
// and the mesh instance's asmmeshconfig. It is defined here, where it is
// consumed, so that any backend, in memory or on real clusters, can run
// the emulation.
type Host interface {
	// Now is the backend's clock: virtual in the simulator.
	Now() time.Time
	// Advance moves the clock forward by d; kubectl waits (delete --wait,
	// rollout status) one second at a time through it.
	Advance(ctx context.Context, d time.Duration) error
	// Client returns the clientset of a context: a cluster's name, or
	// model.ContextASM for the mesh instance's control plane.
	Client(contextName string) (kubernetes.Interface, error)
	// Clusters lists every created cluster, sorted by name.
	Clusters() []string
	// MeshConfig returns the mesh instance's configuration, or an error
	// when no mesh was created.
	MeshConfig() (MeshConfig, error)
	// CurrentContext is the context a command talks to without
	// --context; "" when none is set yet.
	CurrentContext() string
	// UseContext makes name the current context (kubectl config
	// use-context); name is a context Client knows.
	UseContext(name string)
	// KubeVersion is the Kubernetes version of a context's API server;
	// false when it has none of its own (the mesh instance) or is not
	// known.
	KubeVersion(contextName string) (model.KubeVersion, bool)
	// Dir is the folder relative file names (apply -f FILE) are read
	// from; "" means the process's working directory.
	Dir() string
}

// MeshConfig is the mesh instance's asmmeshconfig as kubectl reads and
// patches it (kubectl --context asm get asmmeshconfig).
type MeshConfig interface {
	// MeshConfigObject is the asmmeshconfig named "default".
	MeshConfigObject() *unstructured.Unstructured
	// PatchConfig applies a patch to it, as the API server would, and
	// returns the API server's warnings (a field its schema lacks).
	PatchConfig(patchType types.PatchType, patch []byte) (_ model.MeshConfig, warnings []string, _ error)
}
