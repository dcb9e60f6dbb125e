package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/realk8s/binaries"
	"github.com/meshtwin/meshtwin/realk8s/controlplane"
)

// FleetOptions say how a Fleet starts its control planes.
type FleetOptions struct {
	// Binaries are the programs a plane runs (binaries.Find or Ensure).
	Binaries binaries.Set
	// TempDir is where each plane's work directory is made; default
	// os.TempDir().
	TempDir string
	// Progress receives a line per program started; default io.Discard.
	Progress io.Writer
}

// role is what a plane serves as; a plane keeps its role for life, since
// the mesh instance's plane carries the asmmeshconfig definition.
type role string

const (
	roleCluster  role = "cluster"
	roleInstance role = "instance"
)

// shape is what makes planes interchangeable: their role and their
// service range, which kube-apiserver takes at start.
type shape struct {
	role        role
	serviceCIDR netip.Prefix
}

// clusterShape is the plane of a scenario's index-th cluster (from 0):
// its service range is the one the rules give that cluster
// (model.ServiceCIDR), as in the in-memory backend.
func clusterShape(index int) shape {
	return shape{role: roleCluster, serviceCIDR: model.ServiceCIDR(index)}
}

// instanceShape is the mesh instance's plane.
var instanceShape = shape{role: roleInstance, serviceCIDR: controlplane.DefaultServiceCIDR}

// Fleet is the control planes of one process, started on demand and
// reused by one Backend after another. It is safe for concurrent use.
type Fleet struct {
	opts FleetOptions

	mu      sync.Mutex
	idle    map[shape][]*controlplane.Plane
	all     []*controlplane.Plane
	stopped bool
}

// NewFleet returns a fleet with no plane started yet.
func NewFleet(opts FleetOptions) *Fleet {
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	return &Fleet{opts: opts, idle: map[shape][]*controlplane.Plane{}}
}

// New returns a backend for one scenario, taking its planes from the
// fleet; Close hands them back.
func (f *Fleet) New() *Backend {
	return newBackend(f)
}

// acquire hands out an idle plane of shape r, or starts one.
func (f *Fleet) acquire(ctx context.Context, r shape) (*controlplane.Plane, error) {
	f.mu.Lock()
	if f.stopped {
		f.mu.Unlock()
		return nil, errors.New("the control planes are stopped")
	}
	if n := len(f.idle[r]); n > 0 {
		p := f.idle[r][n-1]
		f.idle[r] = f.idle[r][:n-1]
		f.mu.Unlock()
		return p, nil
	}
	name := fmt.Sprintf("%s-%d", r.role, len(f.all)+1)
	f.mu.Unlock()
	p, err := controlplane.Start(ctx, controlplane.Config{
		Name: name, Binaries: f.opts.Binaries, TempDir: f.opts.TempDir, Progress: f.opts.Progress,
		ServiceCIDR: r.serviceCIDR,
	})
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all = append(f.all, p)
	if f.stopped {
		return nil, errors.Join(errors.New("the control planes are stopped"), p.Stop())
	}
	return p, nil
}

// release gives back a plane that was reset; a plane that could not be
// reset is stopped instead, so no scenario inherits another's objects.
func (f *Fleet) release(r shape, p *controlplane.Plane, resetErr error) error {
	if resetErr != nil {
		f.mu.Lock()
		for i, q := range f.all {
			if q == p {
				f.all = append(f.all[:i], f.all[i+1:]...)
				break
			}
		}
		f.mu.Unlock()
		return errors.Join(resetErr, p.Stop())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return nil
	}
	f.idle[r] = append(f.idle[r], p)
	return nil
}

// Started is how many planes the fleet has running.
func (f *Fleet) Started() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.all)
}

// Stop stops every plane the fleet started; nothing is left running and
// their directories are gone.
func (f *Fleet) Stop() error {
	f.mu.Lock()
	f.stopped = true
	all := f.all
	f.all, f.idle = nil, map[shape][]*controlplane.Plane{}
	f.mu.Unlock()
	var errs []error
	for _, p := range all {
		if err := p.Stop(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// EnsureFleet returns a fleet on the cached binaries, building into the
// cache first any that is missing (binaries.Ensure, with a progress line
// per build on progress).
func EnsureFleet(ctx context.Context, progress io.Writer) (*Fleet, error) {
	set, err := binaries.Ensure(ctx, binaries.Options{Progress: progress})
	if err != nil {
		return nil, fmt.Errorf("the local backend's programs: %w (retry with: go run ./cmd/real-deps)", err)
	}
	return NewFleet(FleetOptions{Binaries: set}), nil
}
