package admission

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/realk8s/controlplane"
)

// Facts returns what a webhook needs beyond the pod for a pod CREATE in a
// namespace of a cluster: a model.AdmissionRequest with NamespaceLabels,
// Mesh and Cluster filled, Pod nil.
type Facts func(ctx context.Context, cluster, namespace string) (model.AdmissionRequest, error)

// Server is the admission webhook server. Make it with Start; Stop it.
type Server struct {
	facts  Facts
	caPEM  []byte
	host   string // the address it listens on, in its certificate and URLs
	port   int
	http   *http.Server
	served chan error // the result of Serve, once it returns

	mu     sync.Mutex
	hooks  map[hookKey]installed
	probes map[string]chan struct{} // probe token -> closed when called

	probeSeq atomic.Int64
	inFlight atomic.Int64  // calls being handled
	stopWait time.Duration // how long Stop waits for calls in flight: stopTimeout
	stopOnce sync.Once
	stopErr  error
}

type hookKey struct{ cluster, configuration string }

// installed is what Install remembers of a configuration in a cluster.
type installed struct {
	hook     model.MutatingWebhook
	webhooks []string // the configuration's webhook names
}

// ProbeLabel is the label of the dry-run ConfigMap that Install and
// Uninstall create to see that the API server acts on their change.
const ProbeLabel = "admission.meshtwin.io/probe"

// probeNamespace is where the probe's dry-run ConfigMap is created: a
// namespace every API server makes at start.
const probeNamespace = metav1.NamespaceDefault

// probeTimeout bounds the wait for the API server to call a probe.
const probeTimeout = time.Minute

// stopTimeout bounds how long Stop waits for calls in flight.
const stopTimeout = 5 * time.Second

// Start starts the server on a free port of 127.0.0.1, serving HTTPS with a
// certificate of a CA generated now (the caBundle Install writes). ctx
// bounds the start only: the server runs until Stop.
func Start(ctx context.Context, facts Facts) (*Server, error) {
	return StartOn(ctx, facts, net.IPv4(127, 0, 0, 1))
}

// StartOn is Start on an address of this host other than loopback: the
// one API servers in containers reach it at (kind's nodes call the host
// at their Docker network's gateway). The address is in the
// certificate's SANs and in every URL the server installs.
func StartOn(ctx context.Context, facts Facts, host net.IP) (*Server, error) {
	if facts == nil {
		return nil, errors.New("start admission server: no Facts function")
	}
	if host == nil || host.IsUnspecified() {
		return nil, fmt.Errorf("start admission server: %v is not an address to listen on", host)
	}
	ca, err := controlplane.NewCA("meshtwin-admission-ca", time.Now())
	if err != nil {
		return nil, fmt.Errorf("start admission server: make its CA: %w", err)
	}
	certPEM, keyPEM, err := ca.Issue(pkix.Name{CommonName: "meshtwin-admission"}, x509.ExtKeyUsageServerAuth,
		sans(host), []string{"localhost"})
	if err != nil {
		return nil, fmt.Errorf("start admission server: issue its certificate: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("start admission server: load its certificate: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host.String(), "0"))
	if err != nil {
		return nil, fmt.Errorf("start admission server: listen on %s: %w", host, err)
	}
	s := &Server{
		facts:  facts,
		caPEM:  ca.PEM,
		host:   host.String(),
		port:   ln.Addr().(*net.TCPAddr).Port,
		served: make(chan error, 1),
		hooks:  map[hookKey]installed{},
		probes: map[string]chan struct{}{},

		stopWait: stopTimeout,
	}
	s.http = &http.Server{
		Handler:           s.Handler(),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		// HTTP/1.1 only. An API server keeps an HTTP/2 connection to a
		// webhook open, and net/http counts such a connection as busy
		// for as long as it lives: Stop's Shutdown then waits for it to
		// close after its GOAWAY, a second (the bundled http2 server's
		// goAwayTimeout), even with no call in flight. Over HTTP/1.1 an
		// idle keep-alive connection is closed at once and only calls
		// in flight are waited for.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	go func() { s.served <- s.http.ServeTLS(ln, "", "") }()
	return s, nil
}

// sans are the certificate's addresses: host, and loopback.
func sans(host net.IP) []net.IP {
	loopback := net.IPv4(127, 0, 0, 1)
	if host.Equal(loopback) {
		return []net.IP{loopback}
	}
	return []net.IP{host, loopback}
}

// Port is the port the server listens on, on its address.
func (s *Server) Port() int { return s.port }

// CABundle is the PEM of the CA that signed the server's certificate.
func (s *Server) CABundle() []byte { return slices.Clone(s.caPEM) }

// Stop stops the server, waiting a little for calls in flight; it fails
// when one is still being handled after stopTimeout. Calling it again
// returns the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), s.stopWait)
		defer cancel()
		err := s.http.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			// Shutdown also waits for connections on which no request
			// has come yet, until they are more than 5 s old: an API
			// server's HTTP client dials a spare connection when its
			// calls overlap and may never send a request on it. Such a
			// connection is no call in flight: close what is left, and
			// fail only if a call was still being handled.
			if n := s.inFlight.Load(); n > 0 {
				err = fmt.Errorf("%d webhook call(s) still being handled after %s: %w", n, s.stopWait, err)
			} else {
				err = nil
			}
			err = errors.Join(err, s.http.Close())
		}
		if serr := <-s.served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		if err != nil {
			s.stopErr = fmt.Errorf("stop admission server on %s: %w", net.JoinHostPort(s.host, strconv.Itoa(s.port)), err)
		}
	})
	return s.stopErr
}

// URL is where the API server calls a webhook of a configuration in a
// cluster.
func (s *Server) URL(cluster, configuration, webhook string) string {
	return fmt.Sprintf("https://%s/admit/%s/%s/%s", net.JoinHostPort(s.host, strconv.Itoa(s.port)), url.PathEscape(cluster), url.PathEscape(configuration), url.PathEscape(webhook))
}

// Install registers mwc in cluster (through c) with every webhook's
// clientConfig pointed at this server (URL, CABundle); its selectors,
// rules and failure policy are kept as given. It creates the configuration
// or updates the one of that name, remembers hook as what answers its
// calls, and returns once the API server calls this server for it.
func (s *Server) Install(ctx context.Context, cluster string, c kubernetes.Interface, mwc *admissionregistrationv1.MutatingWebhookConfiguration, hook model.MutatingWebhook) error {
	if err := checkInstall(cluster, mwc, hook); err != nil {
		return fmt.Errorf("install webhook configuration in cluster %q: %w", cluster, err)
	}
	want := s.remember(cluster, mwc, hook)

	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		api := c.AdmissionregistrationV1().MutatingWebhookConfigurations()
		_, err := api.Create(ctx, want, metav1.CreateOptions{})
		if !apierrors.IsAlreadyExists(err) {
			return err
		}
		cur, err := api.Get(ctx, want.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		upd := want.DeepCopy()
		upd.ResourceVersion = cur.ResourceVersion
		_, err = api.Update(ctx, upd, metav1.UpdateOptions{})
		return err
	})
	if err == nil {
		err = s.awaitServed(ctx, c)
	}
	if err != nil {
		return fmt.Errorf("install webhook configuration %q in cluster %q: %w", want.Name, cluster, err)
	}
	return nil
}

// remember makes hook answer the calls of mwc's webhooks in cluster and
// returns mwc as Install registers it: every webhook calling this server.
func (s *Server) remember(cluster string, mwc *admissionregistrationv1.MutatingWebhookConfiguration, hook model.MutatingWebhook) *admissionregistrationv1.MutatingWebhookConfiguration {
	want := mwc.DeepCopy()
	want.ResourceVersion = ""
	names := make([]string, len(want.Webhooks))
	for i := range want.Webhooks {
		names[i] = want.Webhooks[i].Name
		u := s.URL(cluster, want.Name, want.Webhooks[i].Name)
		want.Webhooks[i].ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: &u, CABundle: s.CABundle()}
	}
	s.mu.Lock()
	s.hooks[hookKey{cluster, want.Name}] = installed{hook: hook, webhooks: names}
	s.mu.Unlock()
	return want
}

func checkInstall(cluster string, mwc *admissionregistrationv1.MutatingWebhookConfiguration, hook model.MutatingWebhook) error {
	if msgs := validation.IsDNS1123Subdomain(cluster); len(msgs) > 0 {
		return fmt.Errorf("invalid cluster name: %v", msgs)
	}
	if mwc == nil {
		return errors.New("no configuration")
	}
	if msgs := validation.IsDNS1123Subdomain(mwc.Name); len(msgs) > 0 {
		return fmt.Errorf("invalid configuration name %q: %v", mwc.Name, msgs)
	}
	if len(mwc.Webhooks) == 0 {
		return fmt.Errorf("configuration %q has no webhooks", mwc.Name)
	}
	if hook.Admit == nil {
		return fmt.Errorf("configuration %q: the webhook to answer its calls has no Admit", mwc.Name)
	}
	return nil
}

// Uninstall deletes the configuration name from cluster (one already gone
// is fine), waits until the API server no longer has it, and forgets its
// webhook.
func (s *Server) Uninstall(ctx context.Context, cluster string, c kubernetes.Interface, name string) error {
	err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		err = nil
	}
	if err == nil {
		err = s.awaitServed(ctx, c)
	}
	if err != nil {
		return fmt.Errorf("uninstall webhook configuration %q from cluster %q: %w", name, cluster, err)
	}
	s.mu.Lock()
	delete(s.hooks, hookKey{cluster, name})
	s.mu.Unlock()
	return nil
}

// awaitServed registers a probe configuration in the cluster and creates
// dry-run ConfigMaps that only it selects until the API server calls it:
// then the API server has loaded every configuration written before.
func (s *Server) awaitServed(ctx context.Context, c kubernetes.Interface) (err error) {
	token := strconv.Itoa(s.port) + "-" + strconv.FormatInt(s.probeSeq.Add(1), 10)
	called := make(chan struct{})
	s.mu.Lock()
	s.probes[token] = called
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.probes, token)
		s.mu.Unlock()
	}()

	api := c.AdmissionregistrationV1().MutatingWebhookConfigurations()
	probe := s.probeConfiguration(token)
	if _, err := api.Create(ctx, probe, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("register readiness probe: %w", err)
	}
	defer func() {
		// The probe only ever selects probe ConfigMaps; delete it even
		// when ctx is done.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if derr := api.Delete(dctx, probe.Name, metav1.DeleteOptions{}); derr != nil && !apierrors.IsNotFound(derr) {
			err = errors.Join(err, fmt.Errorf("delete readiness probe %s: %w", probe.Name, derr))
		}
	}()

	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		cm := probeConfigMap(token)
		_, lastErr = c.CoreV1().ConfigMaps(probeNamespace).Create(ctx, cm, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		select {
		case <-called:
			return nil
		default:
		}
		select {
		case <-called:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("the API server did not call this server's readiness probe within %s (last dry-run create: %v): %w", probeTimeout, lastErr, ctx.Err())
		case <-tick.C:
		}
	}
}

func (s *Server) probeConfiguration(token string) *admissionregistrationv1.MutatingWebhookConfiguration {
	u := fmt.Sprintf("https://%s/probe/%s", net.JoinHostPort(s.host, strconv.Itoa(s.port)), token)
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	timeout := int32(5)
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "meshtwin-admission-probe-" + token},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:         "probe.admission.meshtwin.io",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &u, CABundle: s.CABundle()},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
			}},
			ObjectSelector:          &metav1.LabelSelector{MatchLabels: map[string]string{ProbeLabel: token}},
			FailurePolicy:           &fail,
			SideEffects:             &none,
			TimeoutSeconds:          &timeout,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
}
