package backend

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/realk8s/controlplane"
)

// Plane is the API server a cluster or the mesh instance runs on: a
// local control plane, or a kind cluster.
type Plane interface {
	RESTConfig() *rest.Config
	Client() kubernetes.Interface
	// RealNodes are the plane's own nodes, real kubelets, that are the
	// cluster's nodes: the backend registers no regular node on such a
	// plane, and a reset keeps them. None on a local plane, whose
	// nodes (kwok's) the backend registers.
	RealNodes() []string
}

// PlaneRequest is what a scenario asks a Fleet for: the mesh instance's
// plane, or a data-plane cluster's (its spec as cluster create
// defaulted it, and its index in the scenario, from 0, which gives its
// service range: model.ServiceCIDR).
type PlaneRequest struct {
	Instance bool
	Cluster  model.ClusterSpec
	Index    int
}

// serviceCIDR is the service range of the plane of req, as in the
// in-memory backend.
func (req PlaneRequest) serviceCIDR() netip.Prefix {
	if req.Instance {
		return controlplane.DefaultServiceCIDR
	}
	return model.ServiceCIDR(req.Index)
}

// Provider starts and stops the planes of a Fleet.
type Provider interface {
	// Key says which planes can serve a request: a plane started for
	// one request serves any later one of the same key, once reset.
	Key(req PlaneRequest) (string, error)
	// Start starts a plane for req; seq numbers the planes of its key
	// from 1, so names can be stable from run to run.
	Start(ctx context.Context, req PlaneRequest, key string, seq int) (Plane, error)
	// Stop stops a plane Start returned.
	Stop(p Plane) error
	// WebhookHost is the address of this host the planes' API servers
	// call the admission webhooks at.
	WebhookHost(ctx context.Context) (net.IP, error)
}

// localProvider starts local control planes (package controlplane),
// their nodes kwok's.
type localProvider struct{ opts FleetOptions }

// localPlane is a local control plane; its nodes are registered by
// the backend.
type localPlane struct{ *controlplane.Plane }

func (localPlane) RealNodes() []string { return nil }

// Key is the role and the service range, which kube-apiserver takes
// at start.
func (localProvider) Key(req PlaneRequest) (string, error) {
	r := roleCluster
	if req.Instance {
		r = roleInstance
	}
	return string(r) + "/" + req.serviceCIDR().String(), nil
}

func (l localProvider) Start(ctx context.Context, req PlaneRequest, _ string, seq int) (Plane, error) {
	r := roleCluster
	if req.Instance {
		r = roleInstance
	}
	p, err := controlplane.Start(ctx, controlplane.Config{
		Name: fmt.Sprintf("%s-%d", r, seq), Binaries: l.opts.Binaries, TempDir: l.opts.TempDir, Progress: l.opts.Progress,
		ServiceCIDR: req.serviceCIDR(),
	})
	if err != nil {
		return nil, err
	}
	return localPlane{p}, nil
}

func (localProvider) Stop(p Plane) error {
	lp, ok := p.(localPlane)
	if !ok {
		return fmt.Errorf("stop plane: %T is not a local control plane", p)
	}
	return lp.Stop()
}

func (localProvider) WebhookHost(context.Context) (net.IP, error) {
	return net.IPv4(127, 0, 0, 1), nil
}
