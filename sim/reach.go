package sim

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"k8s.io/client-go/testing"
)

// SetReachable cuts off a cluster's API server from every client outside
// the cluster (kubectl, the mesh instance's pushes and syncs), or restores
// it. The cluster itself keeps running: its scheduler, kubelets and
// controllers do not go through the API server's clients.
func (s *Sim) SetReachable(_ context.Context, clusterName string, reachable bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterLocked(clusterName)
	if err != nil {
		return err
	}
	c.unreachable.Store(!reachable)
	return nil
}

// errUnreachable is what client-go returns when the API server cannot be
// dialled: a *url.Error around the dial's timeout.
func (a *apiServer) errUnreachable(action testing.Action) error {
	path := "/api/v1"
	if g := action.GetResource().Group; g != "" {
		path = "/apis/" + g + "/" + action.GetResource().Version
	}
	if ns := action.GetNamespace(); ns != "" {
		path += "/namespaces/" + ns
	}
	path += "/" + action.GetResource().Resource
	if n, ok := action.(interface{ GetName() string }); ok && n.GetName() != "" {
		path += "/" + n.GetName()
	}
	verb := httpVerb(action.GetVerb())
	// The API server's endpoint: one made-up private address per cluster.
	host := fmt.Sprintf("172.16.%d.1:6443", a.cluster.index%256)
	return &url.Error{
		Op:  verb[:1] + strings.ToLower(verb[1:]),
		URL: "https://" + host + path,
		Err: fmt.Errorf("dial tcp %s: i/o timeout", host),
	}
}
