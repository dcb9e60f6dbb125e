// Package kindcfg turns the clusters of a scenario into kind cluster
// configurations (kind.x-k8s.io/v1alpha4, kind's own Go types): one kind
// cluster per data-plane cluster and one for the mesh instance.
//
// A data-plane cluster gets one kind node per regular node of the twin,
// at least one: the first is kind's control-plane node, left schedulable
// (an ACK cluster's control plane is managed and runs no user pods, so
// the twin's nodes are all workers), the others kind workers. Each kind
// node is registered under the twin's node name (kubeadm's
// nodeRegistration.name, which kubeadm hands the kubelet as
// --hostname-override), with the labels ACK's kubelet reports that a
// kubelet may set on itself (topology region and zone, instance type).
// A cluster of the twin without regular nodes still needs kind's
// control-plane node: it keeps its NoSchedule taint and kind's name. The
// ECI virtual node is no kind node: ACK's ack-virtual-node is a
// virtual-kubelet, not a kubelet, and the backend registers it on the
// kind API server as the local backend does.
//
// Node images are chosen per Kubernetes version: the image of the
// cluster's version if there is one, else the default image. Feature
// gates reach kind's components only on an image of the cluster's own
// version (SidecarContainers, for one, is no longer a gate in 1.37,
// whose components refuse it); on another image the rules still decide
// by the gates the scenario set, and the Cluster says so in its Notes.
//
// Every configuration disables kind's default CNI (kindnetd's image
// cannot be pulled without a registry; the node image carries a bridge
// CNI) and patches the kubelet configuration with failCgroupV1: false
// (kubelets from 1.35 refuse a cgroup v1 host by default; this project's
// machines are cgroup v1), then adds the patches the node image asks
// for (Image.KubeadmConfigPatches: kindnode's images skip the CoreDNS and
// kube-proxy addons, whose images they lack). Validate checks a configuration, reporting
// every problem at once with its field path; Parse reads one strictly.
package kindcfg
