package kindnode

// DisableDefaultCNI is what a kind cluster on these images must set in
// `networking.disableDefaultCNI`: kind's default CNI (kindnetd) is an
// image that cannot be pulled; each node writes its own bridge CNI
// configuration when it boots instead.
const DisableDefaultCNI = true

// KubeadmConfigPatches are the kubeadm configuration patches a kind
// cluster on these images needs (kind.x-k8s.io/v1alpha4
// `kubeadmConfigPatches`, merged into the configuration kind generates):
//
//   - KubeletConfiguration failCgroupV1: false: kubelets from 1.35 refuse
//     to start on a cgroup v1 host unless told otherwise, and the kubelet
//     configuration is shared by every node of the cluster;
//   - InitConfiguration skipPhases: kind's own preflight skip, plus the
//     CoreDNS and kube-proxy addons, whose images are not built here (the
//     list replaces kind's, so it repeats preflight; a cluster on these
//     images has no Service proxying and no cluster DNS).
func KubeadmConfigPatches() []string {
	return []string{
		`kind: KubeletConfiguration
apiVersion: kubelet.config.k8s.io/v1beta1
failCgroupV1: false
`,
		`kind: InitConfiguration
apiVersion: kubeadm.k8s.io/v1beta4
skipPhases:
- preflight
- addon/coredns
- addon/kube-proxy
`,
	}
}
