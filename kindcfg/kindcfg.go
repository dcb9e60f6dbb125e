package kindcfg

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"

	"github.com/meshtwin/meshtwin/model"
)

// Image is a kind node image, the Kubernetes release it runs, and the
// kubeadm configuration patches a cluster on it needs (those of package
// kindnode's images skip the CoreDNS and kube-proxy addons, whose images
// they lack).
type Image struct {
	Ref                  string
	Version              model.KubeVersion
	KubeadmConfigPatches []string
}

// Images are the node images at hand: one per Kubernetes minor release
// in ByVersion, and Default for a release without its own.
type Images struct {
	Default   Image
	ByVersion []Image
	// ContainerdConfigPatches go to every node's containerd (kind's
	// containerdConfigPatches): the registry mirror every pull goes to.
	ContainerdConfigPatches []string
}

// For returns the image of Kubernetes v: its own, else the default.
func (im Images) For(v model.KubeVersion) Image {
	for _, i := range im.ByVersion {
		if i.Version == v {
			return i
		}
	}
	return im.Default
}

// Cluster is the kind cluster of one cluster of the twin.
type Cluster struct {
	// Twin is the twin's name for it: a data-plane cluster's name, or
	// model.ContextASM for the mesh instance.
	Twin string
	// Config is kind's configuration, without a name: the provisioner
	// names the kind cluster (Key tells configurations apart).
	Config *v1alpha4.Cluster
	// Image is the node image of every node.
	Image Image
	// Nodes are the twin's names of the kind nodes that are regular
	// nodes of the twin, control plane first; empty when the twin's
	// cluster has none (kind's control-plane node is then tainted).
	Nodes []string
	// ControlPlaneTainted: kind's control-plane node must keep (or get
	// back, kind removes it from a one-node cluster) the control-plane
	// NoSchedule taint, as it is none of the twin's regular nodes.
	ControlPlaneTainted bool
	// VirtualNode is the name of ack-virtual-node's node, registered on
	// the kind API server by the backend; empty without the component.
	VirtualNode string
	// Notes say where the kind cluster differs from the spec.
	Notes []string
}

// Key is a short digest of the configuration: kind clusters of equal
// keys are interchangeable, so a cluster of one scenario can serve the
// next one, or the next run.
func (c Cluster) Key() (string, error) {
	data, err := yaml.Marshal(c.Config)
	if err != nil {
		return "", fmt.Errorf("kind configuration of %q: %w", c.Twin, err)
	}
	sum := sha256.Sum256(append(data, strconv.FormatBool(c.ControlPlaneTainted)...))
	return hex.EncodeToString(sum[:])[:10], nil
}

// The patches every configuration carries.
const (
	// kubeletCgroupV1Patch lets kubelets from 1.35 start on a cgroup v1
	// host (KubeletConfiguration.failCgroupV1 defaults to true there).
	kubeletCgroupV1Patch = `kind: KubeletConfiguration
apiVersion: kubelet.config.k8s.io/v1beta1
failCgroupV1: false
`
)

// Kind's API version and kind of a cluster configuration.
const (
	APIVersion = "kind.x-k8s.io/v1alpha4"
	Kind       = "Cluster"
)

// ForCluster returns the kind cluster of a data-plane cluster of the
// twin (the spec defaulted as cluster create defaults it).
func ForCluster(spec model.ClusterSpec, images Images) (Cluster, error) {
	if spec.Name == "" || spec.Name == model.ContextASM {
		return Cluster{}, fmt.Errorf("kind configuration: invalid cluster name %q", spec.Name)
	}
	spec = model.DefaultClusterSpec(spec)
	if err := model.CheckModelledKubeVersion(spec.KubeVersion); err != nil {
		return Cluster{}, fmt.Errorf("kind configuration of cluster %q: %w", spec.Name, err)
	}
	img := images.For(spec.KubeVersion)
	if img.Ref == "" {
		return Cluster{}, fmt.Errorf("kind configuration of cluster %q: no node image for Kubernetes %s and no default image", spec.Name, spec.KubeVersion)
	}
	out := Cluster{Twin: spec.Name, Config: baseConfig(img, images), Image: img}
	labels := map[string]string{
		"topology.kubernetes.io/region":    spec.Region,
		"topology.kubernetes.io/zone":      spec.Region + "-" + spec.Zone,
		"node.kubernetes.io/instance-type": "ecs.g7.xlarge",
	}
	if spec.Nodes == 0 {
		out.ControlPlaneTainted = true
		out.Config.Nodes = []v1alpha4.Node{{Role: v1alpha4.ControlPlaneRole, Image: img.Ref}}
	}
	for i := range spec.Nodes {
		name := spec.Region + "." + model.NodeIP(i)
		out.Nodes = append(out.Nodes, name)
		n := v1alpha4.Node{Role: v1alpha4.WorkerRole, Image: img.Ref, Labels: maps.Clone(labels)}
		if i == 0 {
			n.Role = v1alpha4.ControlPlaneRole
			// The control-plane node is one of the twin's workers: kind
			// untaints the control plane of a one-node cluster itself
			// (and fails if kubeadm set no taint to remove); with
			// workers, kubeadm is told to set none.
			n.KubeadmConfigPatches = []string{registrationPatch("InitConfiguration", name, spec.Nodes > 1)}
		} else {
			n.KubeadmConfigPatches = []string{registrationPatch("JoinConfiguration", name, false)}
		}
		out.Config.Nodes = append(out.Config.Nodes, n)
	}
	if spec.VirtualNode {
		out.VirtualNode = model.VirtualNodeName(spec.Region, spec.Zone)
	}
	switch {
	case len(spec.FeatureGates) == 0:
	case img.Version == spec.KubeVersion:
		if err := model.CheckFeatureGates(spec.KubeVersion, spec.FeatureGates); err != nil {
			return Cluster{}, fmt.Errorf("kind configuration of cluster %q: %w", spec.Name, err)
		}
		out.Config.FeatureGates = maps.Clone(spec.FeatureGates)
	default:
		gates := make([]string, 0, len(spec.FeatureGates))
		for _, g := range slices.Sorted(maps.Keys(spec.FeatureGates)) {
			gates = append(gates, fmt.Sprintf("%s=%t", g, spec.FeatureGates[g]))
		}
		out.Notes = append(out.Notes, fmt.Sprintf("feature gates %s are not passed to kind's components: the node image runs Kubernetes %s, not %s; the rules decide by them",
			strings.Join(gates, ","), img.Version, spec.KubeVersion))
	}
	if img.Version != spec.KubeVersion {
		out.Notes = append(out.Notes, fmt.Sprintf("the nodes run Kubernetes %s (the node image's); the rules decide by the cluster's %s", img.Version, spec.KubeVersion))
	}
	return out, nil
}

// ForMesh returns the kind cluster of the mesh instance: one node, its
// API server holding the instance's namespaces and asmmeshconfig.
func ForMesh(images Images) (Cluster, error) {
	img := images.Default
	if img.Ref == "" {
		return Cluster{}, errors.New("kind configuration of the mesh instance: no default node image")
	}
	out := Cluster{Twin: model.ContextASM, Config: baseConfig(img, images), Image: img}
	out.Config.Nodes = []v1alpha4.Node{{Role: v1alpha4.ControlPlaneRole, Image: img.Ref}}
	return out, nil
}

// baseConfig is what every configuration on img has: kind's default CNI
// off, the kubelet's cgroup v1 patch, then the image's own patches (one
// equal to an earlier one is left out), and the containerd patches.
func baseConfig(img Image, images Images) *v1alpha4.Cluster {
	patches := []string{kubeletCgroupV1Patch}
	for _, p := range img.KubeadmConfigPatches {
		if !slices.Contains(patches, p) {
			patches = append(patches, p)
		}
	}
	return &v1alpha4.Cluster{
		TypeMeta:                v1alpha4.TypeMeta{Kind: Kind, APIVersion: APIVersion},
		Networking:              v1alpha4.Networking{DisableDefaultCNI: true},
		KubeadmConfigPatches:    patches,
		ContainerdConfigPatches: slices.Clone(images.ContainerdConfigPatches),
	}
}

// registrationPatch names a node (kubeadm's nodeRegistration.name); on
// the control plane with untainted, also with no taints.
func registrationPatch(kind, name string, untainted bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind: %s\nnodeRegistration:\n  name: %q\n", kind, name)
	if untainted {
		b.WriteString("  taints: []\n")
	}
	return b.String()
}

// Marshal writes a configuration as kind reads it.
func Marshal(c *v1alpha4.Cluster) ([]byte, error) {
	return yaml.Marshal(c)
}
