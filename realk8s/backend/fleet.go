package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
)

// FleetOptions say how a Fleet starts its local control planes.
type FleetOptions struct {
	// Binaries are the programs a plane runs (binaries.Find or Ensure).
	Binaries binaries.Set
	// TempDir is where each plane's work directory is made; default
	// os.TempDir().
	TempDir string
	// Progress receives a line per program started; default io.Discard.
	Progress io.Writer
}

// role is what a local plane serves as; a plane keeps its role for
// life, since the mesh instance's plane carries the asmmeshconfig
// definition.
type role string

const (
	roleCluster  role = "cluster"
	roleInstance role = "instance"
)

// Fleet is the planes of one process, started on demand by its
// Provider and reused by one Backend after another. It is safe for
// concurrent use.
type Fleet struct {
	provider Provider

	mu      sync.Mutex
	idle    map[string][]Plane // by key
	keys    map[Plane]string
	all     []Plane
	started map[string]int // planes started per key
	stopped bool

	times *phaseTimes
}

// NewFleet returns a fleet of local control planes, none started yet.
func NewFleet(opts FleetOptions) *Fleet {
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	return NewFleetOf(localProvider{opts: opts})
}

// NewFleetOf returns a fleet of the planes p starts, none started yet.
func NewFleetOf(p Provider) *Fleet {
	return &Fleet{provider: p, idle: map[string][]Plane{}, keys: map[Plane]string{}, started: map[string]int{}, times: newPhaseTimes()}
}

// New returns a backend for one scenario, taking its planes from the
// fleet; Close hands them back.
func (f *Fleet) New() *Backend {
	return newBackend(f)
}

// acquire hands out an idle plane that serves req, or starts one.
func (f *Fleet) acquire(ctx context.Context, req PlaneRequest) (Plane, error) {
	key, err := f.provider.Key(req)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.stopped {
		f.mu.Unlock()
		return nil, errors.New("the control planes are stopped")
	}
	if n := len(f.idle[key]); n > 0 {
		p := f.idle[key][n-1]
		f.idle[key] = f.idle[key][:n-1]
		f.mu.Unlock()
		return p, nil
	}
	f.started[key]++
	seq := f.started[key]
	f.mu.Unlock()
	began := time.Now()
	p, err := f.provider.Start(ctx, req, key, seq)
	f.times.since("plane start", began)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all = append(f.all, p)
	f.keys[p] = key
	if f.stopped {
		return nil, errors.Join(errors.New("the control planes are stopped"), f.provider.Stop(p))
	}
	return p, nil
}

// release gives back a plane that was reset; a plane that could not be
// reset is stopped instead, so no scenario inherits another's objects.
func (f *Fleet) release(p Plane, resetErr error) error {
	if resetErr != nil {
		f.mu.Lock()
		for i, q := range f.all {
			if q == p {
				f.all = append(f.all[:i], f.all[i+1:]...)
				break
			}
		}
		delete(f.keys, p)
		f.mu.Unlock()
		return errors.Join(resetErr, f.provider.Stop(p))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return nil
	}
	key := f.keys[p]
	f.idle[key] = append(f.idle[key], p)
	return nil
}

// Started is how many planes the fleet has running.
func (f *Fleet) Started() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.all)
}

// webhookHost is where the planes' API servers call the webhooks.
func (f *Fleet) webhookHost(ctx context.Context) (net.IP, error) {
	ip, err := f.provider.WebhookHost(ctx)
	if err != nil {
		return nil, fmt.Errorf("the admission server's address: %w", err)
	}
	return ip, nil
}

// Stop stops every plane the fleet started; nothing is left running and
// their directories are gone.
func (f *Fleet) Stop() error {
	f.mu.Lock()
	f.stopped = true
	all := f.all
	f.all, f.idle, f.keys = nil, map[string][]Plane{}, map[Plane]string{}
	f.mu.Unlock()
	var errs []error
	for _, p := range all {
		if err := f.provider.Stop(p); err != nil {
			errs = append(errs, err)
		}
	}
	if c, ok := f.provider.(io.Closer); ok {
		errs = append(errs, c.Close())
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
