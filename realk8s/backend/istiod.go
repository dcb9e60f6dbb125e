package backend

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/meshtwin/meshtwin/model"
)

// The part of istiod a joined cluster needs besides the injector: its
// namespace controller, which writes the mesh's root certificate
// (istio-ca-root-cert) into every namespace where
// model.IstiodWritesCARootCert says istiod would, existing ones at join
// and new ones as they appear, as the in-memory backend does.

// istiodUserAgent is the field manager of what it writes.
const istiodUserAgent = "pilot-discovery"

// meshRootCert is the mesh CA's self-signed root (O=cluster.local, as
// Istio's self-signed CA names it), the same in every cluster of the
// scenario; made on first use.
func (b *Backend) meshRootCert() (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.meshRoot != "" {
		return b.meshRoot, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("the mesh's root certificate: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{"cluster.local"}},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", fmt.Errorf("the mesh's root certificate: %w", err)
	}
	b.meshRoot = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return b.meshRoot, nil
}

// startIstiodNamespaces runs the namespace controller of the mesh of
// version mesh in cluster c until c.stopIstiod is called. It returns
// once every namespace that exists now has been handled.
func (b *Backend) startIstiodNamespaces(c *cluster, mesh model.ASMVersion) error {
	root, err := b.meshRootCert()
	if err != nil {
		return err
	}
	cfg := c.plane.RESTConfig()
	cfg.UserAgent = istiodUserAgent
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	write := func(obj any) {
		ns, ok := obj.(*corev1.Namespace)
		if !ok || ns.Status.Phase == corev1.NamespaceTerminating || !model.IstiodWritesCARootCert(ns.Name, mesh) {
			return
		}
		// A failure (the namespace going away meanwhile) is what
		// istiod would retry on the namespace's next event.
		_ = writeIstioCARootCert(ctx, client, ns.Name, root)
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	inf := factory.Core().V1().Namespaces().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    write,
		UpdateFunc: func(_, obj any) { write(obj) },
	}); err != nil {
		cancel()
		return err
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		cancel()
		return errors.New("istiod's namespace controller: the informer did not sync")
	}
	b.mu.Lock()
	c.stopIstiod = cancel
	b.mu.Unlock()
	// The initial list's Add events are handled by now or soon; the
	// namespaces that exist are also written here, so the join returns
	// with them done.
	list, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("istiod's namespace controller: %w", err)
	}
	for i := range list.Items {
		ns := &list.Items[i]
		if ns.Status.Phase == corev1.NamespaceTerminating || !model.IstiodWritesCARootCert(ns.Name, mesh) {
			continue
		}
		if err := writeIstioCARootCert(ctx, client, ns.Name, root); err != nil {
			return fmt.Errorf("istiod's namespace controller: %w", err)
		}
	}
	return nil
}

// writeIstioCARootCert creates istio-ca-root-cert in ns unless it is
// there.
func writeIstioCARootCert(ctx context.Context, c kubernetes.Interface, ns, root string) error {
	cms := c.CoreV1().ConfigMaps(ns)
	if _, err := cms.Get(ctx, model.IstioCARootCertConfigMap, metav1.GetOptions{}); err == nil {
		return nil
	}
	_, err := cms.Create(ctx, model.IstioCARootCert(ns, root), metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("write %s in namespace %s: %w", model.IstioCARootCertConfigMap, ns, err)
	}
	return nil
}

// stopIstiodLocked stops c's istiod namespace controller, if it runs.
// Callers hold b.mu.
func (c *cluster) stopIstiodLocked() {
	if c.stopIstiod != nil {
		c.stopIstiod()
		c.stopIstiod = nil
	}
}
