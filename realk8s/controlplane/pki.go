package controlplane

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"
)

// pki is what a plane's TLS needs: a CA, the API server's serving
// certificate, a client certificate in system:masters for the plane's own
// components and its users, and the key that signs service-account tokens.
type pki struct {
	caPEM, servingCertPEM, servingKeyPEM, clientCertPEM, clientKeyPEM, saKeyPEM, saPubPEM []byte
}

// CA is a certificate authority made in memory: its certificate in PEM
// and a key that never leaves the process. A plane's certificates and the
// admission server's (realk8s/admission) are issued by one each.
type CA struct {
	// PEM is the CA's certificate, for kubeconfigs and caBundles.
	PEM  []byte
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	next int64 // the next serial number
}

// NewCA makes a CA named commonName, valid for a year from an hour before now.
func NewCA(commonName string, now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{PEM: pemBlock("CERTIFICATE", der), cert: cert, key: key, next: 2}, nil
}

// Issue signs a new key's certificate for subject, used for usage (server
// or client authentication), with the IP addresses and DNS names a server
// answers on, valid as long as the CA. It returns both in PEM.
func (ca *CA) Issue(subject pkix.Name, usage x509.ExtKeyUsage, ips []net.IP, dns []string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(ca.next),
		Subject:      subject,
		NotBefore:    ca.cert.NotBefore,
		NotAfter:     ca.cert.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  ips,
		DNSNames:     dns,
	}
	ca.next++
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pemBlock("CERTIFICATE", der), pemBlock("EC PRIVATE KEY", keyDER), nil
}

// newPKI makes a plane's keys; the serving certificate also names
// kubernetesIP, the kubernetes Service's address.
func newPKI(now time.Time, kubernetesIP netip.Addr) (*pki, error) {
	ca, err := NewCA("meshtwin-local-ca", now)
	if err != nil {
		return nil, err
	}
	p := &pki{caPEM: ca.PEM}
	p.servingCertPEM, p.servingKeyPEM, err = ca.Issue(pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth,
		[]net.IP{net.IPv4(127, 0, 0, 1), net.IP(kubernetesIP.AsSlice())},
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"})
	if err != nil {
		return nil, err
	}
	p.clientCertPEM, p.clientKeyPEM, err = ca.Issue(pkix.Name{CommonName: "meshtwin-admin", Organization: []string{"system:masters"}}, x509.ExtKeyUsageClientAuth, nil, nil)
	if err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	saDER, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	p.saKeyPEM, p.saPubPEM = pemBlock("EC PRIVATE KEY", saDER), pemBlock("PUBLIC KEY", saPub)
	return p, nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// write puts the files where the plan's flags point.
func (p *pki) write(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		fileCA: p.caPEM, fileServingCert: p.servingCertPEM, fileServingKey: p.servingKeyPEM,
		fileClientCert: p.clientCertPEM, fileClientKey: p.clientKeyPEM, fileSAKey: p.saKeyPEM, fileSAPub: p.saPubPEM,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}
