package sim

import (
	"crypto/ed25519"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/meshtwin/meshtwin/model"
)

// serviceIPs allocates a cluster's Service addresses as the API server's
// allocator does: from the service range (model.ServiceCIDR), never the
// network or broadcast address, dynamic ones drawn at random from the
// upper band (the lower band, min(max(16, size/16), 256) addresses, is
// kept for addresses asked for by name), each at most once. Draws come
// from the cluster's own stream, so adding a Service never shifts the
// names and UIDs the rest of a run draws.
type serviceIPs struct {
	prefix netip.Prefix
	size   int
	band   int
	used   map[int]bool
	rng    *rand.Rand
}

func newServiceIPs(prefix netip.Prefix, rng *rand.Rand) *serviceIPs {
	size := 1 << (32 - prefix.Bits())
	return &serviceIPs{prefix: prefix, size: size, band: min(max(16, size/16), 256), used: map[int]bool{}, rng: rng}
}

func (p *serviceIPs) addr(off int) netip.Addr {
	b := p.prefix.Addr().As4()
	n := binary.BigEndian.Uint32(b[:]) + uint32(off)
	binary.BigEndian.PutUint32(b[:], n)
	return netip.AddrFrom4(b)
}

func (p *serviceIPs) offset(ip string) (int, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
	}
	if !p.prefix.Contains(a) {
		return 0, fmt.Errorf("failed to allocate IP %s: provided IP is not in the valid range. The range of valid IPs is %s", ip, p.prefix)
	}
	b, base := a.As4(), p.prefix.Addr().As4()
	off := int(binary.BigEndian.Uint32(b[:]) - binary.BigEndian.Uint32(base[:]))
	if off == 0 || off == p.size-1 {
		return 0, fmt.Errorf("failed to allocate IP %s: provided IP is not in the valid range. The range of valid IPs is %s", ip, p.prefix)
	}
	return off, nil
}

// allocate takes ip, or a free address when ip is "".
func (p *serviceIPs) allocate(ip string) (string, error) {
	if ip != "" {
		off, err := p.offset(ip)
		if err != nil {
			return "", err
		}
		if p.used[off] {
			return "", fmt.Errorf("failed to allocate IP %s: provided IP is already allocated", ip)
		}
		p.used[off] = true
		return ip, nil
	}
	// Upper band first, then the lower, as upstream prefers.
	for _, r := range [][2]int{{p.band, p.size - 1}, {1, min(p.band, p.size-1)}} {
		n := r[1] - r[0]
		if n <= 0 {
			continue
		}
		start := p.rng.IntN(n)
		for i := range n {
			off := r[0] + (start+i)%n
			if !p.used[off] {
				p.used[off] = true
				return p.addr(off).String(), nil
			}
		}
	}
	return "", fmt.Errorf("failed to allocate a serviceIP: range is full")
}

func (p *serviceIPs) release(ip string) {
	if off, err := p.offset(ip); err == nil {
		delete(p.used, off)
	}
}

// defaultService sets what the API server defaults on a Service
// (pkg/apis/core/v1/defaults.go SetDefaults_Service and the service
// registry's allocation): type ClusterIP, sessionAffinity None, each
// port's protocol TCP and targetPort its port, internalTrafficPolicy
// Cluster, a cluster IP from the range, single-stack IPv4. Only what can
// be allocated is: a NodePort or LoadBalancer Service gets node ports
// from 30000-32767 drawn from the same stream.
func (c *cluster) defaultService(svc *corev1.Service, gk schema.GroupKind) error {
	s := &svc.Spec
	if s.SessionAffinity == "" {
		s.SessionAffinity = corev1.ServiceAffinityNone
	}
	if s.Type == "" {
		s.Type = corev1.ServiceTypeClusterIP
	}
	for i := range s.Ports {
		p := &s.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	external := s.Type == corev1.ServiceTypeNodePort || s.Type == corev1.ServiceTypeLoadBalancer
	if external && s.ExternalTrafficPolicy == "" {
		s.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if s.InternalTrafficPolicy == nil && (external || s.Type == corev1.ServiceTypeClusterIP) {
		s.InternalTrafficPolicy = new(corev1.ServiceInternalTrafficPolicyCluster)
	}
	if s.Type == corev1.ServiceTypeLoadBalancer && s.AllocateLoadBalancerNodePorts == nil {
		s.AllocateLoadBalancerNodePorts = new(true)
	}
	if s.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	if s.ClusterIP != corev1.ClusterIPNone {
		ip, err := c.serviceIPs.allocate(s.ClusterIP)
		if err != nil {
			// The whole list, as kube-apiserver's allocator reports it
			// (pkg/registry/core/service/storage/alloc.go).
			return apierrors.NewInvalid(gk, svc.Name, field.ErrorList{field.Invalid(field.NewPath("spec", "clusterIPs"), []string{s.ClusterIP}, err.Error())})
		}
		s.ClusterIP = ip
	}
	s.ClusterIPs = []string{s.ClusterIP}
	s.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	s.IPFamilyPolicy = new(corev1.IPFamilyPolicySingleStack)
	if external {
		for i := range s.Ports {
			if s.Ports[i].NodePort == 0 {
				s.Ports[i].NodePort = c.nextNodePort()
			}
		}
	}
	return nil
}

// nextNodePort draws a free port of the default node port range.
func (c *cluster) nextNodePort() int32 {
	const low, n = 30000, 2768
	start := c.serviceIPs.rng.IntN(n)
	for i := range n {
		p := int32(low + (start+i)%n)
		if !c.nodePorts[p] {
			c.nodePorts[p] = true
			return p
		}
	}
	return 0
}

// keepAllocated carries a Service's allocated values over an update that
// leaves them out, as the service registry does (patchAllocatedValues).
func keepAllocated(old, svc *corev1.Service) {
	if svc.Spec.ClusterIP == "" {
		svc.Spec.ClusterIP = old.Spec.ClusterIP
	}
	if len(svc.Spec.ClusterIPs) == 0 {
		svc.Spec.ClusterIPs = old.Spec.ClusterIPs
	}
	if len(svc.Spec.IPFamilies) == 0 {
		svc.Spec.IPFamilies = old.Spec.IPFamilies
	}
	if svc.Spec.IPFamilyPolicy == nil {
		svc.Spec.IPFamilyPolicy = old.Spec.IPFamilyPolicy
	}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		for _, op := range old.Spec.Ports {
			if p.NodePort == 0 && op.Port == p.Port && op.Protocol == p.Protocol {
				p.NodePort = op.NodePort
			}
		}
	}
}

// kubernetesService is the Service the API server keeps in "default":
// the first address of the range, 443/TCP named https to the API
// server's port 6443.
func kubernetesService(ip string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: model.KubernetesService, Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: corev1.ServiceSpec{
			ClusterIP: ip,
			Ports:     []corev1.ServicePort{{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(model.APIServerPort)}},
		},
	}
}

// apiserverConfigMaps are the ConfigMaps kube-apiserver itself keeps in
// kube-system (kubernetes v1.37, pkg/controlplane/controller):
//   - extension-apiserver-authentication (clusterauthenticationtrust):
//     the client CA under client-ca-file and, as the API server runs with
//     kubeadm's front-proxy flags on ACK, the request-header settings,
//     each list JSON-encoded: requestheader-allowed-names
//     ["front-proxy-client"], requestheader-client-ca-file (the front
//     proxy's CA), requestheader-extra-headers-prefix ["X-Remote-Extra-"],
//     requestheader-group-headers ["X-Remote-Group"],
//     requestheader-username-headers ["X-Remote-User"];
//   - kube-apiserver-legacy-service-account-token-tracking
//     (legacytokentracking): since, the UTC date tracking began.
func apiserverConfigMaps(rng *rand.Rand, clientCA string, now time.Time) ([]*corev1.ConfigMap, error) {
	frontProxyCA, err := caBundlePEM(rng, pkix.Name{CommonName: "front-proxy-ca"}, now)
	if err != nil {
		return nil, err
	}
	return []*corev1.ConfigMap{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "extension-apiserver-authentication", Namespace: metav1.NamespaceSystem},
			Data: map[string]string{
				"client-ca-file":                     clientCA,
				"requestheader-allowed-names":        `["front-proxy-client"]`,
				"requestheader-client-ca-file":       frontProxyCA,
				"requestheader-extra-headers-prefix": `["X-Remote-Extra-"]`,
				"requestheader-group-headers":        `["X-Remote-Group"]`,
				"requestheader-username-headers":     `["X-Remote-User"]`,
			},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "kube-apiserver-legacy-service-account-token-tracking", Namespace: metav1.NamespaceSystem},
			Data:       map[string]string{"since": now.UTC().Format(time.DateOnly)},
		},
	}, nil
}

// caBundlePEM is a self-signed CA certificate in PEM, the same for the
// same seed: an Ed25519 key from the seed (Ed25519 signatures need no
// randomness), valid ten years from notBefore.
func caBundlePEM(rng *rand.Rand, subject pkix.Name, notBefore time.Time) (string, error) {
	seed := make([]byte, ed25519.SeedSize)
	for i := 0; i < len(seed); i += 8 {
		binary.BigEndian.PutUint64(seed[i:], rng.Uint64())
	}
	key := ed25519.NewKeyFromSeed(seed)
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetUint64(rng.Uint64()),
		Subject:               subject,
		NotBefore:             notBefore,
		NotAfter:              notBefore.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return "", fmt.Errorf("self-signed CA %s: %w", subject.String(), err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}
