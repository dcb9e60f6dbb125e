package kindcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/kind/pkg/cluster"
	kindlog "sigs.k8s.io/kind/pkg/log"

	"github.com/meshtwin/meshtwin/kindcfg"
)

// ErrNoRuntime is CheckRuntime's error: no container runtime answers.
var ErrNoRuntime = errors.New("no container runtime answers")

// KeepEnv is the environment variable that keeps kind clusters between
// runs when set to 1 (as --keep-clusters does).
const KeepEnv = "MESHTWIN_KIND_KEEP"

// NetworkName is the Docker network kind puts its nodes on.
const NetworkName = "kind"

// readyTimeout bounds kind's wait for the control plane's readiness.
const readyTimeout = 4 * time.Minute

// CheckRuntime returns nil when a Docker engine answers `docker info`,
// else an error wrapping ErrNoRuntime that says what failed and what
// starts one.
func CheckRuntime(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := exec.LookPath("docker"); err != nil {
		return fmt.Errorf("%w: no docker command on PATH (make kind-image installs Debian's docker.io and starts dockerd)", ErrNoRuntime)
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: docker info: %s (make kind-image starts dockerd)", ErrNoRuntime, firstLine(out.String(), err))
	}
	return nil
}

func firstLine(s string, err error) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return err.Error()
	}
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Options say how a Provisioner works.
type Options struct {
	// Keep leaves the clusters for the next run: Release does not
	// delete them, and Ensure reuses a healthy one of the same name.
	Keep bool
	// Dir holds the kubeconfig file kind writes; default the cache
	// directory's kind/ folder.
	Dir string
	// Progress receives kind's status lines; default io.Discard.
	Progress io.Writer
}

// Provisioner creates, reuses and deletes kind clusters. It is safe for
// concurrent use; kind's creations run one at a time (2 cores).
type Provisioner struct {
	opts     Options
	provider *cluster.Provider
	create   sync.Mutex
}

// Dir is the directory the provisioner keeps kubeconfigs and state in.
func (p *Provisioner) Dir() string { return p.opts.Dir }

// New returns a provisioner on Docker.
func New(opts Options) (*Provisioner, error) {
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("kind provisioner: %w", err)
		}
		opts.Dir = filepath.Join(cache, "meshtwin", "kind")
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("kind provisioner: %w", err)
	}
	p := cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(logger{w: opts.Progress}))
	return &Provisioner{opts: opts, provider: p}, nil
}

// Keep says whether clusters outlive the run.
func (p *Provisioner) Keep() bool { return p.opts.Keep }

func (p *Provisioner) kubeconfigPath() string { return filepath.Join(p.opts.Dir, "kubeconfig") }

// Cluster is a running kind cluster.
type Cluster struct {
	// Name is kind's name of the cluster.
	Name string
	// Spec is the configuration it was made from.
	Spec kindcfg.Cluster
	// Kubeconfig is the path of a kubeconfig file for it alone.
	Kubeconfig string
	// Reused: an earlier run made it (and kept it); it may hold that
	// run's objects.
	Reused bool

	config *rest.Config
	client kubernetes.Interface
}

// Nodes lists the names of its nodes, sorted.
func (c *Cluster) Nodes(ctx context.Context) ([]string, error) {
	list, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("nodes of kind cluster %q: %w", c.Name, err)
	}
	names := make([]string, 0, len(list.Items))
	for _, n := range list.Items {
		names = append(names, n.Name)
	}
	slices.Sort(names)
	return names, nil
}

// RESTConfig is a copy of the client configuration of its API server.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.config) }

// Client is a client of its API server.
func (c *Cluster) Client() kubernetes.Interface { return c.client }

// Ensure returns the kind cluster name of configuration spec: a healthy
// one that exists (when keeping clusters), else a new one; an existing
// one that is not healthy, or one made by a run that did not keep
// clusters, is deleted first.
func (p *Provisioner) Ensure(ctx context.Context, name string, spec kindcfg.Cluster) (*Cluster, error) {
	cfg := *spec.Config
	cfg.Name = name
	if err := kindcfg.Validate(&cfg); err != nil {
		return nil, fmt.Errorf("kind cluster %q: %w", name, err)
	}
	p.create.Lock()
	defer p.create.Unlock()
	existing, err := p.provider.ListNodes(name)
	if err != nil {
		return nil, fmt.Errorf("kind cluster %q: list its nodes: %w", name, err)
	}
	if len(existing) > 0 {
		if p.opts.Keep {
			c, err := p.connect(ctx, name, spec)
			if err == nil {
				err = waitNodesReady(ctx, c, len(cfg.Nodes), 30*time.Second)
			}
			if err == nil {
				// A cluster kept by a run older than this removal.
				err = removeKubeadmLeftovers(ctx, c)
			}
			if err == nil {
				fmt.Fprintf(p.opts.Progress, "kind cluster %s: reused (kept by an earlier run)\n", name)
				c.Reused = true
				return c, nil
			}
			fmt.Fprintf(p.opts.Progress, "kind cluster %s: exists but is not usable (%v); deleting it\n", name, err)
		} else {
			fmt.Fprintf(p.opts.Progress, "kind cluster %s: left by an earlier run; deleting it\n", name)
		}
		if err := p.delete(name); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	fmt.Fprintf(p.opts.Progress, "kind cluster %s: creating (%d node(s), image %s)\n", name, len(cfg.Nodes), spec.Image.Ref)
	err = p.provider.Create(name,
		cluster.CreateWithV1Alpha4Config(&cfg),
		cluster.CreateWithWaitForReady(readyTimeout),
		cluster.CreateWithKubeconfigPath(p.kubeconfigPath()),
		cluster.CreateWithDisplayUsage(false),
		cluster.CreateWithDisplaySalutation(false),
	)
	if err != nil {
		// kind deletes the nodes of a failed creation; make sure.
		return nil, errors.Join(fmt.Errorf("create kind cluster %q: %w", name, err), p.delete(name))
	}
	c, err := p.connect(ctx, name, spec)
	if err == nil {
		err = prepare(ctx, c)
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("create kind cluster %q: %w", name, err), p.delete(name))
	}
	fmt.Fprintf(p.opts.Progress, "kind cluster %s: ready in %s\n", name, time.Since(start).Round(time.Second))
	return c, nil
}

// connect makes the clients of a kind cluster and writes its own
// kubeconfig file.
func (p *Provisioner) connect(ctx context.Context, name string, spec kindcfg.Cluster) (*Cluster, error) {
	kc, err := p.provider.KubeConfig(name, false)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of kind cluster %q: %w", name, err)
	}
	path := filepath.Join(p.opts.Dir, name+".kubeconfig")
	if err := os.WriteFile(path, []byte(kc), 0o600); err != nil {
		return nil, fmt.Errorf("kubeconfig of kind cluster %q: %w", name, err)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(kc))
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of kind cluster %q: %w", name, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client of kind cluster %q: %w", name, err)
	}
	c := &Cluster{Name: name, Spec: spec, Kubeconfig: path, config: cfg, client: client}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(pctx); err != nil {
		return nil, fmt.Errorf("kind cluster %q: its API server does not answer: %w", name, err)
	}
	return c, nil
}

// prepare makes a new cluster what the twin's are: the twin's regular
// nodes carry no control-plane role label (ACK's workers have none), a
// control-plane node that is none of them is tainted again (kind
// untaints the control plane of a one-node cluster), and what kubeadm
// and kind leave that an ACK cluster has not is removed once every
// node has joined (removeKubeadmLeftovers).
func prepare(ctx context.Context, c *Cluster) error {
	if err := waitNodesReady(ctx, c, len(c.Spec.Config.Nodes), readyTimeout); err != nil {
		return err
	}
	if err := removeKubeadmLeftovers(ctx, c); err != nil {
		return err
	}
	nodes, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	for _, n := range nodes.Items {
		var patch string
		switch {
		case slices.Contains(c.Spec.Nodes, n.Name):
			patch = `{"metadata":{"labels":{"node-role.kubernetes.io/control-plane":null,"node.kubernetes.io/exclude-from-external-load-balancers":null}}}`
		case c.Spec.ControlPlaneTainted && !hasTaint(&n, "node-role.kubernetes.io/control-plane"):
			patch = `{"spec":{"taints":[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]}}`
		default:
			continue
		}
		if _, err := c.client.CoreV1().Nodes().Patch(ctx, n.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("prepare node %q: %w", n.Name, err)
		}
	}
	return nil
}

// kindStorageClass is the default StorageClass the kind node image
// installs (kind's /kind/manifests/default-storage.yaml); ACK, as the
// twin models it, has no default StorageClass, so a claim without a
// class stays Pending.
const kindStorageClass = "standard"

// removeKubeadmLeftovers deletes, once every node has joined, what
// kubeadm and kind make that an ACK cluster has not: kubeadm's
// ConfigMaps and kind's default StorageClass. Deleting what is gone
// already is fine.
func removeKubeadmLeftovers(ctx context.Context, c *Cluster) error {
	// kubeadm's ConfigMaps: the cluster-info discovery document
	// (kube-public) and the configurations a joining node reads
	// (kube-system). A joined node needs them no more; an ACK cluster,
	// as the twin models it, has none of them.
	kubeadmConfigMaps := [...]struct{ namespace, name string }{
		{"kube-public", "cluster-info"},
		{"kube-system", "kubeadm-config"},
		{"kube-system", "kubelet-config"},
	}
	var errs []error
	for _, cm := range kubeadmConfigMaps {
		err := c.client.CoreV1().ConfigMaps(cm.namespace).Delete(ctx, cm.name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete kubeadm's ConfigMap %s/%s: %w", cm.namespace, cm.name, err))
		}
	}
	err := c.client.StorageV1().StorageClasses().Delete(ctx, kindStorageClass, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("delete kind's default StorageClass %q: %w", kindStorageClass, err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kind cluster %q: %w", c.Name, err)
	}
	return nil
}

func hasTaint(n *corev1.Node, key string) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == key {
			return true
		}
	}
	return false
}

// waitNodesReady waits until the cluster has want nodes, all Ready.
func waitNodesReady(ctx context.Context, c *Cluster, want int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := "no answer yet"
	for {
		nodes, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err == nil {
			ready := 0
			for _, n := range nodes.Items {
				for _, cond := range n.Status.Conditions {
					if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
						ready++
					}
				}
			}
			if ready >= want {
				return nil
			}
			last = fmt.Sprintf("%d of %d nodes Ready", ready, want)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kind cluster %q: nodes not Ready within %s (%s)", c.Name, timeout, last)
		case <-time.After(time.Second):
		}
	}
}

// Delete deletes a kind cluster: its node containers and its entry in
// the provisioner's kubeconfig. A cluster that does not exist is fine.
func (p *Provisioner) Delete(name string) error {
	p.create.Lock()
	defer p.create.Unlock()
	return p.delete(name)
}

func (p *Provisioner) delete(name string) error {
	if err := p.provider.Delete(name, p.kubeconfigPath()); err != nil {
		return fmt.Errorf("delete kind cluster %q: %w", name, err)
	}
	_ = os.Remove(filepath.Join(p.opts.Dir, name+".kubeconfig"))
	return nil
}

// List lists the kind clusters on the engine, sorted.
func (p *Provisioner) List() ([]string, error) {
	names, err := p.provider.List()
	if err != nil {
		return nil, fmt.Errorf("list kind clusters: %w", err)
	}
	slices.Sort(names)
	return names, nil
}

// EnsureNetwork makes kind's Docker network unless it exists (kind
// would make it on its first creation; a server the nodes must reach,
// the registry, needs its gateway before that), and returns
// GatewayIP's answer.
func EnsureNetwork(ctx context.Context) (net.IP, error) {
	if ip, err := GatewayIP(ctx); err == nil {
		return ip, nil
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", "network", "create", "--driver=bridge",
		"--opt", "com.docker.network.bridge.enable_ip_masquerade=true", NetworkName)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("docker network create %s: %s", NetworkName, firstLine(out.String(), err))
	}
	return GatewayIP(ctx)
}

// GatewayIP is the host's address on kind's Docker network: where the
// kind nodes reach a server of this process (the admission webhooks,
// the registry).
func GatewayIP(ctx context.Context) (net.IP, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", "network", "inspect", NetworkName, "--format", "{{range .IPAM.Config}}{{.Gateway}} {{end}}")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("docker network inspect %s: %s", NetworkName, firstLine(out.String(), err))
	}
	for _, f := range strings.Fields(out.String()) {
		if ip := net.ParseIP(f); ip != nil && ip.To4() != nil {
			return ip.To4(), nil
		}
	}
	return nil, fmt.Errorf("docker network %s has no IPv4 gateway (it lists %q)", NetworkName, strings.TrimSpace(out.String()))
}

// logger writes kind's user-facing lines (V(0), warnings, errors).
type logger struct{ w io.Writer }

var _ kindlog.Logger = logger{}

func (l logger) Warn(m string)                        { fmt.Fprintln(l.w, "kind: warning: "+m) }
func (l logger) Warnf(f string, a ...any)             { l.Warn(fmt.Sprintf(f, a...)) }
func (l logger) Error(m string)                       { fmt.Fprintln(l.w, "kind: error: "+m) }
func (l logger) Errorf(f string, a ...any)            { l.Error(fmt.Sprintf(f, a...)) }
func (l logger) V(v kindlog.Level) kindlog.InfoLogger { return infoLogger{w: l.w, on: v <= 0} }

type infoLogger struct {
	w  io.Writer
	on bool
}

func (l infoLogger) Info(m string) {
	if l.on {
		fmt.Fprintln(l.w, "kind: "+strings.TrimRight(m, "\n"))
	}
}
func (l infoLogger) Infof(f string, a ...any) { l.Info(fmt.Sprintf(f, a...)) }
func (l infoLogger) Enabled() bool            { return l.on }
