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

// host is the address of this API server as a kubeconfig names it: one
// made-up private address per cluster (172.16.N.1:6443, N the cluster's
// creation index), 172.16.255.1:6443 for the mesh instance's.
func (a *apiServer) host() string {
	if a.cluster == nil {
		return "172.16.255.1:6443"
	}
	return fmt.Sprintf("172.16.%d.1:6443", a.cluster.index%255)
}

// errUnreachable is what client-go returns when the API server of a
// cluster cut off by SetReachable is dialled: nothing listens.
func (a *apiServer) errUnreachable(action testing.Action) error {
	name := ""
	if n, ok := action.(interface{ GetName() string }); ok {
		name = n.GetName()
	}
	return errRefused(a.host(), action, name)
}

// errRefused is client-go's error for a request whose connection was
// refused: a *url.Error around the dial's error, which kubectl prints as
// "The connection to the server HOST was refused".
func errRefused(host string, action testing.Action, name string) error {
	verb := httpVerb(action.GetVerb())
	return &url.Error{
		Op:  verb[:1] + strings.ToLower(verb[1:]),
		URL: "https://" + host + resourcePath(action, name),
		Err: fmt.Errorf("dial tcp %s: connect: connection refused", host),
	}
}
