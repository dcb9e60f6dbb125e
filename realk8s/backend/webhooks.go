package backend

import (
	"context"
	"fmt"
	"maps"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	typedadmissionv1 "k8s.io/client-go/kubernetes/typed/admissionregistration/v1"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/realk8s/admission"
)

// The webhooks of a scenario are real admission webhooks: one
// realk8s/admission server for the backend, started when the first
// configuration is installed, answering with model's webhooks (the
// links of the admission chain the in-memory backend runs); the API
// servers decide which pods reach them, in which order, and whether the
// patched pod is valid.

// admissionServer returns the backend's webhook server, starting it.
func (b *Backend) admissionServer(ctx context.Context) (*admission.Server, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.usableLocked(); err != nil {
		return nil, err
	}
	if b.admission == nil {
		host, err := b.fleet.webhookHost(ctx)
		if err != nil {
			return nil, err
		}
		began := time.Now()
		s, err := admission.StartOn(ctx, b.admissionFacts, host)
		b.fleet.times.since("admission server start", began)
		if err != nil {
			return nil, err
		}
		b.admission = s
	}
	return b.admission, nil
}

// admissionFacts is what a webhook call needs beyond the pod: the
// namespace's labels as the cluster has them now, the mesh's config, the
// cluster's description.
func (b *Backend) admissionFacts(ctx context.Context, cluster, namespace string) (model.AdmissionRequest, error) {
	b.mu.Lock()
	c, err := b.clusterLocked(cluster)
	var info model.ClusterInfo
	var m *meshInstance
	if err == nil {
		info, m = c.info, b.instance
		info.FeatureGates = maps.Clone(info.FeatureGates)
	}
	b.mu.Unlock()
	if err != nil {
		return model.AdmissionRequest{}, err
	}
	ns, err := c.plane.Client().CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
	if err != nil {
		return model.AdmissionRequest{}, fmt.Errorf("read namespace %q: %w", namespace, err)
	}
	req := model.AdmissionRequest{NamespaceLabels: ns.Labels, Cluster: info}
	if m != nil {
		req.Mesh = m.inst.Config()
	}
	return req, nil
}

// install registers a webhook configuration in a cluster and returns
// once its API server calls it.
func (b *Backend) install(ctx context.Context, c *cluster, mwc *admissionregistrationv1.MutatingWebhookConfiguration, hook model.MutatingWebhook) error {
	s, err := b.admissionServer(ctx)
	if err != nil {
		return fmt.Errorf("install webhook configuration %q: %w", mwc.Name, err)
	}
	defer b.fleet.times.since("webhook install", time.Now())
	return s.Install(ctx, c.name, c.plane.Client(), mwc, hook)
}

// uninstall deletes a webhook configuration from a cluster and returns
// once its API server no longer calls it.
func (b *Backend) uninstall(ctx context.Context, c *cluster, name string) error {
	s, err := b.admissionServer(ctx)
	if err != nil {
		return fmt.Errorf("uninstall webhook configuration %q: %w", name, err)
	}
	defer b.fleet.times.since("webhook uninstall", time.Now())
	return s.Uninstall(ctx, c.name, c.plane.Client(), name)
}

// installInjector installs the injector of a served revision.
func (b *Backend) installInjector(ctx context.Context, c *cluster, rev string) error {
	return b.install(ctx, c, model.InjectorWebhookConfiguration(rev), model.InjectorWebhook(rev))
}

// installECIWebhook installs ack-virtual-node's ECI webhook.
func (b *Backend) installECIWebhook(ctx context.Context, c *cluster) error {
	return b.install(ctx, c, model.ECIWebhookConfiguration(), model.ECIWebhook())
}

// InstallWebhook registers a third-party mutating webhook in a cluster:
// a MutatingWebhookConfiguration of its name, which the API server calls
// on pod CREATE in name order with the mesh's own.
func (b *Backend) InstallWebhook(ctx context.Context, clusterName string, w model.Webhook) error {
	b.mu.Lock()
	c, err := b.clusterLocked(clusterName)
	b.mu.Unlock()
	if err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return fmt.Errorf("install webhook %q in cluster %q: %w", w.Name, clusterName, err)
	}
	_, err = c.plane.Client().AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, w.Name, metav1.GetOptions{})
	switch {
	case err == nil:
		return fmt.Errorf("install webhook %q in cluster %q: a mutating webhook configuration named %q already exists", w.Name, clusterName, w.Name)
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("install webhook %q in cluster %q: %w", w.Name, clusterName, err)
	}
	if err := b.install(ctx, c, w.WebhookConfiguration(), w.AsMutatingWebhook()); err != nil {
		return fmt.Errorf("install webhook %q in cluster %q: %w", w.Name, clusterName, err)
	}
	return nil
}

// memberClient is the client the mesh instance reaches a cluster with:
// through the cluster's gate, as asm's own field manager; the injector
// configurations it writes (a revision added or removed) are installed
// on the webhook server.
func (b *Backend) memberClient(c *cluster) (kubernetes.Interface, error) {
	client, err := kubernetes.NewForConfig(c.gate.wrap(c.plane.RESTConfig(), userAgentASM))
	if err != nil {
		return nil, err
	}
	return memberClient{Interface: client, b: b, c: c}, nil
}

type memberClient struct {
	kubernetes.Interface
	b *Backend
	c *cluster
}

func (m memberClient) AdmissionregistrationV1() typedadmissionv1.AdmissionregistrationV1Interface {
	return memberAdmission{AdmissionregistrationV1Interface: m.Interface.AdmissionregistrationV1(), m: m}
}

type memberAdmission struct {
	typedadmissionv1.AdmissionregistrationV1Interface
	m memberClient
}

func (a memberAdmission) MutatingWebhookConfigurations() typedadmissionv1.MutatingWebhookConfigurationInterface {
	return injectorConfigurations{MutatingWebhookConfigurationInterface: a.AdmissionregistrationV1Interface.MutatingWebhookConfigurations(), m: a.m}
}

// injectorConfigurations installs an injector's configuration on the
// webhook server when asm creates it, and uninstalls it when asm deletes
// it; other configurations pass through.
type injectorConfigurations struct {
	typedadmissionv1.MutatingWebhookConfigurationInterface
	m memberClient
}

func (i injectorConfigurations) Create(ctx context.Context, mwc *admissionregistrationv1.MutatingWebhookConfiguration, opts metav1.CreateOptions) (*admissionregistrationv1.MutatingWebhookConfiguration, error) {
	rev, ok := model.InjectorRevisionOf(mwc)
	if !ok || len(opts.DryRun) > 0 {
		return i.MutatingWebhookConfigurationInterface.Create(ctx, mwc, opts)
	}
	if i.m.c.gate.unreachable.Load() {
		// As the request itself would fail.
		return i.MutatingWebhookConfigurationInterface.Create(ctx, mwc, opts)
	}
	if err := i.m.b.install(ctx, i.m.c, mwc, model.InjectorWebhook(rev)); err != nil {
		return nil, err
	}
	return i.MutatingWebhookConfigurationInterface.Get(ctx, mwc.Name, metav1.GetOptions{})
}

func (i injectorConfigurations) Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	if len(opts.DryRun) > 0 || i.m.c.gate.unreachable.Load() {
		return i.MutatingWebhookConfigurationInterface.Delete(ctx, name, opts)
	}
	cur, err := i.MutatingWebhookConfigurationInterface.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if _, ok := model.InjectorRevisionOf(cur); !ok {
		return i.MutatingWebhookConfigurationInterface.Delete(ctx, name, opts)
	}
	return i.m.b.uninstall(ctx, i.m.c, name)
}
