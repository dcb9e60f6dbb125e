package model

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The objects every cluster's controllers keep in each namespace, and the
// Services the API server itself owns.
const (
	// KubeRootCAConfigMap is the ConfigMap kube-controller-manager's
	// root-ca-cert-publisher writes into every namespace: the cluster CA
	// under "ca.crt" (pkg/controller/certificates/rootcacertpublisher).
	KubeRootCAConfigMap = "kube-root-ca.crt"
	// KubeRootCADescriptionAnnotation and KubeRootCADescription are the
	// annotation the publisher puts on it.
	KubeRootCADescriptionAnnotation = "kubernetes.io/description"
	KubeRootCADescription           = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. " +
		"No other usage is guaranteed across distributions of Kubernetes clusters."
	// IstioCARootCertConfigMap is the ConfigMap istiod's namespace
	// controller writes into each namespace of a cluster it serves: the
	// mesh's root certificate under "root-cert.pem", labelled
	// istio.io/config=true. The injected sidecar mounts it
	// (the istiod-ca-cert volume).
	IstioCARootCertConfigMap = "istio-ca-root-cert"
	IstioCARootCertKey       = "root-cert.pem"
	// KubernetesService is the Service in "default" that fronts the API
	// server: the first address of the service range, port 443 (https)
	// to the API server's 6443, labelled component=apiserver and
	// provider=kubernetes.
	KubernetesService = "kubernetes"
	// APIServerPort is the port kube-apiserver serves on (ACK's and
	// kubeadm's 6443): the kubernetes Service's targetPort and its
	// endpoint's port.
	APIServerPort = 6443
	// APIServerIP is the twin's address of a cluster's API server in
	// the cluster's VPC, where the kubernetes Service's endpoint points:
	// the last address of the range the nodes take theirs from
	// (NodeIP, 192.168.0.0/17), which no node takes. The twin's choice:
	// a real cluster's is its own (on kind, the control-plane node's).
	APIServerIP = "192.168.127.254"
)

// KubernetesEndpointSlice is the EndpointSlice kube-apiserver's endpoint
// reconciler keeps for the kubernetes Service in "default": named
// kubernetes, labelled only kubernetes.io/service-name=kubernetes (no
// endpointslice.kubernetes.io/managed-by), IPv4, the port named https
// (TCP, the server's port), one endpoint, ready, at the server's
// address (k8s.io/kubernetes v1.37.2,
// pkg/controlplane/reconcilers/endpointsadapter.go
// endpointSliceFromEndpoints, from the Endpoints the kubernetesservice
// controller writes with createEndpointPortSpec(port, "https")).
func KubernetesEndpointSlice(ip string, port int32) *discoveryv1.EndpointSlice {
	name, protocol, ready := "https", corev1.ProtocolTCP, true
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: KubernetesService, Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{discoveryv1.LabelServiceName: KubernetesService}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{ip},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready},
		}},
		Ports: []discoveryv1.EndpointPort{{Name: &name, Protocol: &protocol, Port: &port}},
	}
}

// ServiceCIDR is a cluster's service address range: ACK's example range
// 172.21.0.0/20 for the first cluster created, the next /20 for each
// later one (172.21.16.0/20, ...), so that the clusters of one mesh do
// not overlap.
func ServiceCIDR(clusterIndex int) netip.Prefix {
	third := byte(clusterIndex % 16 * 16)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 21, third, 0}), 20)
}

// IstiodWritesCARootCert reports whether istiod's namespace controller
// writes istio-ca-root-cert into namespace ns: it skips the namespaces
// the injector ignores (kube-public, kube-node-lease,
// local-path-storage), and kube-system too before Istio 1.22 (istio/istio
// PR 49261, "do not skip creating istio-ca-root-cert in kube-system", so
// that ztunnel can run there). ASM's minor version is its Istio's.
func IstiodWritesCARootCert(ns string, mesh ASMVersion) bool {
	switch ns {
	case "kube-public", "kube-node-lease", "local-path-storage":
		return false
	case "kube-system":
		return mesh.AtLeast(ASMVersion{Major: 1, Minor: 22})
	}
	return true
}

// IstioCARootCert is the ConfigMap istiod's namespace controller writes
// into namespace ns: the mesh's root certificate rootPEM under
// root-cert.pem, labelled istio.io/config=true. Write it only where
// IstiodWritesCARootCert says.
func IstioCARootCert(ns, rootPEM string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: IstioCARootCertConfigMap, Namespace: ns,
			Labels: map[string]string{"istio.io/config": "true"}},
		Data: map[string]string{IstioCARootCertKey: rootPEM},
	}
}
