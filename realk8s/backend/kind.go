package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meshtwin/meshtwin/kindcfg"
	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/realk8s/binaries"
	"github.com/meshtwin/meshtwin/realk8s/controlplane"
	"github.com/meshtwin/meshtwin/realk8s/kindcluster"
	"github.com/meshtwin/meshtwin/realk8s/kindnode"
	"github.com/meshtwin/meshtwin/realk8s/process"
	"github.com/meshtwin/meshtwin/realk8s/registry"
)

// KindOptions say how a Fleet of kind clusters works.
type KindOptions struct {
	// Images are the node images (package kindnode builds them).
	Images kindcfg.Images
	// Keep leaves the kind clusters for the next run (--keep-clusters,
	// MESHTWIN_KIND_KEEP=1): Stop stops what runs on this host and
	// deletes no cluster, and the next run resets and reuses them.
	Keep bool
	// Kwok is the kwok program, which keeps ack-virtual-node's virtual
	// node on a kind cluster, as a virtual-kubelet keeps it on ACK.
	Kwok string
	// Dir holds kubeconfigs and kwok's files; default the cache
	// directory's kind/ folder.
	Dir string
	// Progress receives kind's status lines; default io.Discard.
	Progress io.Writer
}

// NewKindFleet returns a fleet whose planes are kind clusters, one per
// cluster of a scenario and one for the mesh instance (package kindcfg
// says what each is made of), none created yet. The regular nodes of a
// cluster are the kind cluster's nodes, with real kubelets; the virtual
// node is kwok's.
func NewKindFleet(opts KindOptions) (*Fleet, error) {
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Kwok == "" {
		return nil, errors.New("kind fleet: no kwok program (binaries.Ensure builds it)")
	}
	prov, err := kindcluster.New(kindcluster.Options{Keep: opts.Keep, Dir: opts.Dir, Progress: opts.Progress})
	if err != nil {
		return nil, err
	}
	opts.Dir = prov.Dir() // kindcluster's default when unset
	return NewFleetOf(&kindProvider{opts: opts, prov: prov}), nil
}

type kindProvider struct {
	opts KindOptions
	prov *kindcluster.Provisioner

	hostOnce sync.Once
	host     net.IP
	hostErr  error

	registry *registry.Server // stopped by Close
}

// kindPlane is a kind cluster, with the kwok that keeps its virtual
// node.
type kindPlane struct {
	*kindcluster.Cluster
	kwok *process.Process
	real []string
}

func (p *kindPlane) RealNodes() []string { return slices.Clone(p.real) }

// config is the kind configuration of req, with the service range the
// rules give the cluster (model.ServiceCIDR), as the other backends.
func (k *kindProvider) config(req PlaneRequest) (kindcfg.Cluster, error) {
	if req.Instance {
		return kindcfg.ForMesh(k.opts.Images)
	}
	c, err := kindcfg.ForCluster(req.Cluster, k.opts.Images)
	if err != nil {
		return kindcfg.Cluster{}, err
	}
	c.Config.Networking.ServiceSubnet = req.serviceCIDR().String()
	return c, nil
}

// Key is the role and the configuration's digest: clusters of one shape
// (nodes, names, image) serve each other.
func (k *kindProvider) Key(req PlaneRequest) (string, error) {
	c, err := k.config(req)
	if err != nil {
		return "", err
	}
	key, err := c.Key()
	if err != nil {
		return "", err
	}
	if req.Instance {
		return "asm-" + key, nil
	}
	return "c-" + key, nil
}

// Start creates (or, kept by an earlier run, resets and reuses) the kind
// cluster "meshtwin-KEY-SEQ" and starts its kwok.
func (k *kindProvider) Start(ctx context.Context, req PlaneRequest, key string, seq int) (_ Plane, err error) {
	spec, err := k.config(req)
	if err != nil {
		return nil, err
	}
	name := "meshtwin-" + key + "-" + strconv.Itoa(seq)
	c, err := k.prov.Ensure(ctx, name, spec)
	if err != nil {
		return nil, err
	}
	p := &kindPlane{Cluster: c}
	defer func() {
		if err != nil {
			err = errors.Join(err, k.Stop(p))
		}
	}()
	if p.real, err = c.Nodes(ctx); err != nil {
		return nil, err
	}
	if c.Reused {
		reset := resetCluster
		if req.Instance {
			reset = resetInstance
		}
		if err := reset(ctx, p); err != nil {
			return nil, fmt.Errorf("kind cluster %s, kept by an earlier run: %w", name, err)
		}
	}
	if !req.Instance {
		if p.kwok, err = k.startKwok(ctx, c); err != nil {
			return nil, err
		}
	}
	for _, note := range spec.Notes {
		fmt.Fprintf(k.opts.Progress, "kind cluster %s (cluster %s): %s\n", name, spec.Twin, note)
	}
	return p, nil
}

// startKwok runs kwok against a kind cluster, keeping only the nodes
// labelled as ack-virtual-node's (type=virtual-kubelet) and their pods.
func (k *kindProvider) startKwok(ctx context.Context, c *kindcluster.Cluster) (*process.Process, error) {
	dir := filepath.Join(k.opts.Dir, c.Name+"-kwok")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	stages := filepath.Join(dir, "stages.yaml")
	if err := os.WriteFile(stages, controlplane.KwokStages(), 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "kwok.log"))
	if err != nil {
		return nil, err
	}
	p := &process.Process{
		Name: "kwok for " + c.Name,
		Path: k.opts.Kwok,
		Args: []string{
			"--kubeconfig=" + c.Kubeconfig,
			"--config=" + stages,
			"--manage-all-nodes=false",
			"--manage-nodes-with-label-selector=type=virtual-kubelet",
			"--node-lease-duration-seconds=40",
			"--server-address=127.0.0.1:" + strconv.Itoa(port),
		},
		Dir:          dir,
		HealthURL:    "http://127.0.0.1:" + strconv.Itoa(port) + "/healthz",
		StartTimeout: time.Minute,
		Log:          log,
	}
	if err := p.Start(ctx); err != nil {
		log.Close()
		return nil, err
	}
	go func() { <-p.Done(); log.Close() }()
	return p, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Stop stops the plane's kwok and, unless clusters are kept, deletes
// the kind cluster.
func (k *kindProvider) Stop(p Plane) error {
	kp, ok := p.(*kindPlane)
	if !ok {
		return fmt.Errorf("stop plane: %T is not a kind cluster", p)
	}
	var errs []error
	if kp.kwok != nil {
		errs = append(errs, kp.kwok.Stop())
	}
	if !k.opts.Keep {
		errs = append(errs, k.prov.Delete(kp.Name))
	}
	return errors.Join(errs...)
}

// WebhookHost is the host's address on kind's Docker network.
func (k *kindProvider) WebhookHost(ctx context.Context) (net.IP, error) {
	k.hostOnce.Do(func() { k.host, k.hostErr = kindcluster.GatewayIP(ctx) })
	return k.host, k.hostErr
}

// RegistryPort is where the registry of the kind nodes listens on the
// host's side of kind's network; fixed, since a kept cluster's nodes
// were configured with it.
const RegistryPort = 35000

// EnsureKindFleet returns a fleet of kind clusters with everything it
// needs made or started first: a Docker engine (kindnode.EnsureEngine;
// when none can be had, the error wraps kindcluster.ErrNoRuntime), the
// node image (kindnode.EnsureImage), kwok (binaries.Ensure), the
// workload program built into the cache, kind's network, and the
// registry on its gateway. keep leaves the clusters for the next run.
func EnsureKindFleet(ctx context.Context, progress io.Writer, keep bool) (*Fleet, error) {
	if err := kindnode.EnsureEngine(ctx, progress); err != nil {
		return nil, fmt.Errorf("%w: %w", kindcluster.ErrNoRuntime, err)
	}
	if err := kindcluster.CheckRuntime(ctx); err != nil {
		return nil, err
	}
	ref, err := kindnode.EnsureImage(ctx, kindnode.ImageOptions{Progress: progress})
	if err != nil {
		return nil, fmt.Errorf("kind node image: %w", err)
	}
	version, err := model.ParseKubeVersion(strings.TrimPrefix(binaries.KubernetesVersion, "v"))
	if err != nil {
		return nil, err
	}
	set, err := binaries.Ensure(ctx, binaries.Options{Progress: progress})
	if err != nil {
		return nil, fmt.Errorf("kwok for the kind backend: %w", err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return nil, err
	}
	workload := filepath.Join(cache, "meshtwin", "bin", "meshtwin-workload")
	build := exec.CommandContext(ctx, "go", "build", "-o", workload, "github.com/meshtwin/meshtwin/cmd/meshtwin-workload")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build meshtwin-workload: %w: %s", err, out)
	}
	gw, err := kindcluster.EnsureNetwork(ctx)
	if err != nil {
		return nil, err
	}
	reg, err := registry.Start(ctx, net.JoinHostPort(gw.String(), strconv.Itoa(RegistryPort)), workload)
	if err != nil {
		return nil, err
	}
	images := kindcfg.Images{
		Default:                 kindcfg.Image{Ref: ref, Version: version, KubeadmConfigPatches: kindnode.KubeadmConfigPatches()},
		ContainerdConfigPatches: []string{registry.MirrorPatch("http://" + reg.Addr())},
	}
	f, err := NewKindFleet(KindOptions{Images: images, Keep: keep, Kwok: set.Kwok, Progress: progress})
	if err != nil {
		return nil, errors.Join(err, reg.Stop())
	}
	f.provider.(*kindProvider).registry = reg
	return f, nil
}

// Close stops the registry.
func (k *kindProvider) Close() error {
	if k.registry == nil {
		return nil
	}
	return k.registry.Stop()
}
