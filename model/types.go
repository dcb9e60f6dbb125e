package model

import (
	"errors"
	"time"
)

// Label keys and values the rules read or write.
const (
	// LabelInjection is the namespace label that switches automatic
	// injection on ("enabled") or off ("disabled").
	LabelInjection = "istio-injection"
	// LabelRevision selects an istiod revision for a namespace or pod.
	LabelRevision = "istio.io/rev"
	// LabelSidecarInject is the pod label (and annotation) that opts a pod
	// in ("true") or out ("false").
	LabelSidecarInject = "sidecar.istio.io/inject"
	// AnnotationSidecarStatus is written by the injector on injected pods.
	AnnotationSidecarStatus = "sidecar.istio.io/status"
	// AnnotationNativeSidecar overrides the sidecar mode for one pod.
	AnnotationNativeSidecar = "sidecar.istio.io/nativeSidecar"
	// AnnotationProxyConfig carries per-pod proxy config, such as
	// holdApplicationUntilProxyStarts (graceful startup).
	AnnotationProxyConfig = "proxy.istio.io/config"
	// LabelECI asks for a pod (or every pod of a namespace) to be scheduled
	// onto an ECI-backed virtual node.
	LabelECI = "alibabacloud.com/eci"
	// LabelProvider marks data-plane namespaces the mesh instance touched.
	LabelProvider = "provider"
	// LabelMetadataName is the label Kubernetes puts on every namespace.
	LabelMetadataName = "kubernetes.io/metadata.name"
	// AnnotationHoming lists, comma-separated and sorted, the clusters a
	// global namespace of the mesh instance belongs to. Absent means every
	// cluster of the mesh.
	AnnotationHoming = "meshtwin.io/homing-clusters"

	// NodeLabelType and NodeTypeVirtualKubelet mark ECI virtual nodes.
	NodeLabelType          = "type"
	NodeTypeVirtualKubelet = "virtual-kubelet"
	// TaintVirtualKubelet is the taint key every virtual node carries, with
	// value "alibabacloud" and effect NoSchedule.
	TaintVirtualKubelet = "virtual-kubelet.io/provider"

	// ContextASM names the mesh instance's control plane as a kubectl
	// context.
	ContextASM = "asm"
)

// Profile selects which product's defaults the mesh follows.
type Profile string

const (
	// ProfileASM follows Alibaba Cloud Service Mesh.
	ProfileASM Profile = "asm"
	// ProfileIstio follows upstream Istio (>= 1.27 rules).
	ProfileIstio Profile = "istio"
)

// MeshConfig is the state of the mesh instance that the rules read: its
// version, its profile and the asmmeshconfig "default" spec.
type MeshConfig struct {
	Version ASMVersion
	Profile Profile
	// EnableNativeSidecar is asmmeshconfig spec.enableNativeSidecar; nil
	// when unset.
	EnableNativeSidecar *bool
	// Revisions are the istiod revisions the mesh serves besides its
	// default one, sorted (B15): only a served revision's injector
	// webhook exists in the clusters.
	Revisions []string
}

// ClusterInfo describes a data-plane cluster as the rules need it.
type ClusterInfo struct {
	Name        string
	KubeVersion KubeVersion
	Region      string
	Zone        string
	// FeatureGates holds gates set explicitly (e.g. "SidecarContainers");
	// a gate not present takes its default for KubeVersion.
	FeatureGates map[string]bool
	// VirtualNodeComponent: the cluster runs ACK's ack-virtual-node
	// component, whose webhook acts on alibabacloud.com/eci (B21).
	VirtualNodeComponent bool
}

// ClusterSpec is what a user asks for when creating a data-plane cluster.
type ClusterSpec struct {
	Name         string
	KubeVersion  KubeVersion
	Region       string
	Zone         string
	Nodes        int  // regular worker nodes
	VirtualNode  bool // deploy ack-virtual-node (one virtual-kubelet node)
	FeatureGates map[string]bool
}

// DefaultClusterSpec fills what a cluster spec leaves out, as cluster
// create does: Kubernetes 1.30, region cn-beijing, zone i, two worker
// nodes; Nodes < 0 asks for none.
func DefaultClusterSpec(spec ClusterSpec) ClusterSpec {
	if spec.KubeVersion.IsZero() {
		spec.KubeVersion = KubeVersion{Major: 1, Minor: 30}
	}
	if spec.Region == "" {
		spec.Region = "cn-beijing"
	}
	if spec.Zone == "" {
		spec.Zone = "i"
	}
	switch {
	case spec.Nodes == 0:
		spec.Nodes = 2
	case spec.Nodes < 0:
		spec.Nodes = 0
	}
	return spec
}

// Timing is the pod lifecycle as data: how long each step takes on the
// virtual clock.
type Timing struct {
	InitContainerRun time.Duration // each init container runs this long, then exits 0
	ContainerStart   time.Duration // from scheduled (or previous step) to container running
	AppReady         time.Duration // app container: running to ready
	ProxyReady       time.Duration // istio-proxy: running to ready
	JobRun           time.Duration // a Job's main container runs this long, then exits 0
}

// ErrNoMesh is every backend's answer to a mesh operation before
// `mesh create`.
var ErrNoMesh = errors.New("no mesh exists yet: create one first (mesh create)")
