package backend

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"

	"k8s.io/client-go/rest"
)

// The user agents of this backend's clients. The API server records the
// agent's first word as the field manager of each write, which tells the
// instance's informer that an edit was made here and pushed already.
const (
	userAgentKubectl = "meshtwin-kubectl/local"
	userAgentASM     = "meshtwin-asm/local"
)

// isOwnManager reports whether a field manager is one of this backend's
// own clients.
func isOwnManager(m string) bool { return m == "meshtwin-kubectl" || m == "meshtwin-asm" }

// gate stands between a cluster's API server and this backend's clients:
// when the cluster is made unreachable, every request fails as a dial
// that is refused, without reaching the server: the in-memory backend's
// answer too, each naming the address its kubeconfig has for the
// server.
type gate struct {
	unreachable atomic.Bool
	// namespaceUpdated, when set, runs after each successful update of
	// a namespace through the gate, before the response is returned:
	// awaitNamespaceLabels.
	namespaceUpdated func(ctx context.Context, namespace string)
}

// wrap returns cfg with the gate in its transport and the user agent set.
func (g *gate) wrap(cfg *rest.Config, userAgent string) *rest.Config {
	cfg.UserAgent = userAgent
	cfg.WarningHandler = rest.NoWarnings{}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return gatedTransport{gate: g, next: rt}
	})
	return cfg
}

type gatedTransport struct {
	gate *gate
	next http.RoundTripper
}

func (t gatedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.gate.unreachable.Load() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, fmt.Errorf("dial tcp %s: connect: connection refused", req.URL.Host)
	}
	updated := ""
	if t.gate.namespaceUpdated != nil {
		updated = updatedNamespace(req)
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil && updated != "" && resp.StatusCode/100 == 2 {
		t.gate.namespaceUpdated(req.Context(), updated)
	}
	return resp, err
}
