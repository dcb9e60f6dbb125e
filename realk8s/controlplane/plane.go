package controlplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
	"github.com/meshtwin/meshtwin/realk8s/process"
)

//go:embed kwok-stages.yaml
var kwokStages []byte

// Config says what plane to start.
type Config struct {
	// Name says which plane this is in errors and the plan, e.g. a
	// cluster's name.
	Name string
	// Binaries are the programs to run; see binaries.Ensure.
	Binaries binaries.Set
	// TempDir is where the plane's work directory is made; default
	// os.TempDir().
	TempDir string
	// StartTimeout bounds each program's wait for readiness and the wait
	// for the plane to be usable; default 2 minutes.
	StartTimeout time.Duration
	// Progress receives a line per program started; default io.Discard.
	Progress io.Writer
	// ServiceCIDR is the range kube-apiserver gives Services their
	// addresses from (--service-cluster-ip-range); the kubernetes
	// Service gets its first address. Default DefaultServiceCIDR.
	ServiceCIDR netip.Prefix
	// ExtraArgs are flags appended to a program's command line (the
	// later of two equal flags wins): to try a setting, or a fault.
	ExtraArgs map[binaries.Name][]string
}

// Plane is one running control plane. Make it with Start; Stop it.
type Plane struct {
	cfg     Config
	workDir string
	plan    Plan

	mu        sync.Mutex
	processes []*process.Process // in start order
	closing   bool               // Stop has begun: start nothing more

	restConfig *rest.Config
	client     kubernetes.Interface

	stopOnce sync.Once
	stopErr  error
	stopped  chan struct{}
}

// ErrStopped is returned by a Start that Stop (or a signal) interrupted.
var ErrStopped = errors.New("control plane stopped while starting")

// startAttempts is how often a program is started on fresh ports when the
// ones picked were taken in the meantime.
const startAttempts = 3

// Start starts a plane and returns once it is usable. On failure nothing
// is left running and the work directory is gone; the error names the
// program at fault with its command line and last output lines.
func Start(ctx context.Context, cfg Config) (_ *Plane, err error) {
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 2 * time.Minute
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if cfg.Name == "" {
		cfg.Name = "local"
	}
	if !cfg.ServiceCIDR.IsValid() {
		cfg.ServiceCIDR = DefaultServiceCIDR
	}
	if err := cfg.Binaries.Check(); err != nil {
		return nil, fmt.Errorf("start control plane %q: %w", cfg.Name, err)
	}
	workDir, err := os.MkdirTemp(cfg.TempDir, "meshtwin-plane-")
	if err != nil {
		return nil, fmt.Errorf("start control plane %q: %w", cfg.Name, err)
	}
	p := &Plane{cfg: cfg, workDir: workDir, stopped: make(chan struct{})}
	p.stopOnSignal()
	defer func() {
		if err != nil {
			p.mu.Lock()
			interrupted := p.closing
			p.mu.Unlock()
			_ = p.Stop()
			if interrupted && !errors.Is(err, ErrStopped) {
				err = fmt.Errorf("%w: %w", ErrStopped, err)
			}
			err = fmt.Errorf("start control plane %q: %w", cfg.Name, err)
		}
	}()
	if err := p.writeFiles(); err != nil {
		return nil, err
	}
	ports := Ports{}
	if err := p.startWithFreshPorts(ctx, binaries.Etcd, &ports, func(pt *Ports) error {
		if err := os.RemoveAll(filepath.Join(workDir, dirEtcd)); err != nil { // a failed try may have begun it
			return err
		}
		return pickPorts(&pt.EtcdClient, &pt.EtcdPeer)
	}); err != nil {
		return nil, err
	}
	if err := p.startWithFreshPorts(ctx, binaries.KubeAPIServer, &ports, func(pt *Ports) error {
		return pickPorts(&pt.APIServer)
	}); err != nil {
		return nil, err
	}
	if err := p.connect(ports.APIServer); err != nil {
		return nil, err
	}
	for _, n := range []binaries.Name{binaries.KubeControllerManager, binaries.KubeScheduler} {
		if err := p.startWithFreshPorts(ctx, n, &ports, nil); err != nil {
			return nil, err
		}
	}
	if err := p.startWithFreshPorts(ctx, binaries.Kwok, &ports, func(pt *Ports) error {
		return pickPorts(&pt.Kwok)
	}); err != nil {
		return nil, err
	}
	if err := p.waitUsable(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Plane) writeFiles() error {
	for _, d := range []string{dirLogs, dirHome} {
		if err := os.MkdirAll(filepath.Join(p.workDir, d), 0o700); err != nil {
			return err
		}
	}
	keys, err := newPKI(time.Now(), p.cfg.ServiceCIDR.Masked().Addr().Next())
	if err != nil {
		return fmt.Errorf("generate certificates: %w", err)
	}
	if err := keys.write(filepath.Join(p.workDir, dirPKI)); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(p.workDir, fileKwokConfig), kwokStages, 0o600)
}

// startWithFreshPorts starts program n from the plan on ports, first
// letting pick choose its ports; when the program reports a port in use,
// it picks again, up to startAttempts times.
func (p *Plane) startWithFreshPorts(ctx context.Context, n binaries.Name, ports *Ports, pick func(*Ports) error) error {
	var err error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		if pick != nil {
			if err := pick(ports); err != nil {
				return fmt.Errorf("%s: pick ports: %w", n, err)
			}
		}
		p.plan = NewPlan(p.cfg.Name, p.cfg.Binaries, p.workDir, *ports, p.cfg.ServiceCIDR)
		for i := range p.plan.Steps {
			st := &p.plan.Steps[i]
			st.Argv = append(st.Argv, p.cfg.ExtraArgs[st.Name]...)
		}
		err = p.startStep(ctx, p.plan.step(n))
		if err == nil || pick == nil || !errors.Is(err, process.ErrPortInUse) {
			break
		}
		fmt.Fprintf(p.cfg.Progress, " • %s: a port was taken, retrying on new ones (attempt %d of %d)\n", n, attempt+1, startAttempts)
	}
	if errors.Is(err, process.ErrPortInUse) && pick != nil {
		return fmt.Errorf("%s: a port was in use on each of %d attempts: %w", n, startAttempts, err)
	}
	return err
}

func (p *Plane) startStep(ctx context.Context, s Step) error {
	logFile, err := os.OpenFile(s.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	proc := &process.Process{
		Name:         string(s.Name),
		Path:         s.Argv[0],
		Args:         s.Argv[1:],
		Env:          s.Env,
		Dir:          p.workDir,
		StartTimeout: p.cfg.StartTimeout,
		Log:          logFile,
		HealthURL:    s.Health,
	}
	if strings.HasPrefix(s.Health, "https:") {
		tlsConfig, err := p.clientTLS()
		if err != nil {
			return err
		}
		proc.TLS = tlsConfig
	}
	// Registered before it starts, so that a Stop from a signal during
	// the start reaches it; a Stop that came first ends the start here.
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		_ = logFile.Close()
		return fmt.Errorf("%s: %w", s.Name, ErrStopped)
	}
	p.processes = append(p.processes, proc)
	p.mu.Unlock()
	began := time.Now()
	if err := proc.Start(ctx); err != nil {
		p.mu.Lock()
		p.processes = slices.DeleteFunc(p.processes, func(q *process.Process) bool { return q == proc })
		p.mu.Unlock()
		_ = logFile.Close()
		return err
	}
	fmt.Fprintf(p.cfg.Progress, " ✓ %s %s ready in %s\n", p.cfg.Name, s.Name, time.Since(began).Round(time.Millisecond))
	return nil
}

func (p *Plane) clientTLS() (*tls.Config, error) {
	dir := filepath.Join(p.workDir, dirPKI)
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, fileClientCert), filepath.Join(dir, fileClientKey))
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, fileCA))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// connect writes the kubeconfig the components use and makes the
// plane's client.
func (p *Plane) connect(apiserverPort string) error {
	dir := filepath.Join(p.workDir, dirPKI)
	read := func(f string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, f)) }
	ca, err := read(fileCA)
	if err != nil {
		return err
	}
	cert, err := read(fileClientCert)
	if err != nil {
		return err
	}
	key, err := read(fileClientKey)
	if err != nil {
		return err
	}
	host := "https://127.0.0.1:" + apiserverPort
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[p.cfg.Name] = &clientcmdapi.Cluster{Server: host, CertificateAuthorityData: ca}
	cfg.AuthInfos["meshtwin-admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
	cfg.Contexts[p.cfg.Name] = &clientcmdapi.Context{Cluster: p.cfg.Name, AuthInfo: "meshtwin-admin"}
	cfg.CurrentContext = p.cfg.Name
	if err := clientcmd.WriteToFile(*cfg, filepath.Join(p.workDir, fileKubeconfig)); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	p.restConfig = &rest.Config{
		Host:            host,
		TLSClientConfig: rest.TLSClientConfig{CAData: ca, CertData: cert, KeyData: key},
		QPS:             200,
		Burst:           400,
	}
	p.client, err = kubernetes.NewForConfig(p.restConfig)
	return err
}

// waitUsable waits for the default namespace and its default
// ServiceAccount, failing at once if a program exits meanwhile.
func (p *Plane) waitUsable(ctx context.Context) error {
	began := time.Now()
	deadline := time.NewTimer(p.cfg.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	missing := "no answer yet"
	for {
		if err := p.exited(); err != nil {
			return err
		}
		missing = p.missingDefaults(ctx)
		if missing == "" {
			fmt.Fprintf(p.cfg.Progress, " ✓ %s usable in %s (default namespace and ServiceAccount)\n", p.cfg.Name, time.Since(began).Round(time.Millisecond))
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not usable: %s: %w", missing, context.Cause(ctx))
		case <-deadline.C:
			return fmt.Errorf("not usable after %s: %s\n  last lines of kube-controller-manager (its serviceaccount controller makes it):\n    %s",
				p.cfg.StartTimeout, missing, strings.ReplaceAll(p.processByName(binaries.KubeControllerManager).Tail(15), "\n", "\n    "))
		case <-tick.C:
		}
	}
}

func (p *Plane) missingDefaults(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := p.client.CoreV1().Namespaces().Get(ctx, metav1.NamespaceDefault, metav1.GetOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return "no namespace default yet"
		}
		return "get namespace default: " + err.Error()
	}
	if _, err := p.client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return "no ServiceAccount default in namespace default yet"
		}
		return "get ServiceAccount default: " + err.Error()
	}
	return ""
}

// exited returns an error for the first program that is no longer running.
func (p *Plane) exited() error {
	p.mu.Lock()
	procs := append([]*process.Process(nil), p.processes...)
	p.mu.Unlock()
	for _, proc := range procs {
		if err := proc.Exited(); err != nil {
			return err
		}
	}
	return nil
}

func (p *Plane) processByName(n binaries.Name) *process.Process {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, proc := range p.processes {
		if proc.Name == string(n) {
			return proc
		}
	}
	return &process.Process{Name: string(n)}
}

// stopOnSignal stops the plane when this process gets SIGINT, SIGTERM or
// SIGHUP, then lets the signal take its course: handled by whoever else
// listens for it, or ending the process once no one does.
func (p *Plane) stopOnSignal() {
	sigs := make(chan os.Signal, 1)
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP} {
		if !signal.Ignored(s) { // a nohup'd process keeps ignoring SIGHUP
			signal.Notify(sigs, s)
		}
	}
	go func() {
		select {
		case s := <-sigs:
			_ = p.Stop()
			signal.Stop(sigs)
			if sig, ok := s.(syscall.Signal); ok {
				_ = syscall.Kill(os.Getpid(), sig)
			}
		case <-p.stopped:
			signal.Stop(sigs)
		}
	}()
}

// Stop stops every program, last started first, and removes the work
// directory. It is safe to call more than once and concurrently.
func (p *Plane) Stop() error {
	p.stopOnce.Do(func() {
		p.mu.Lock()
		p.closing = true
		procs := append([]*process.Process(nil), p.processes...)
		p.mu.Unlock()
		var errs []error
		for i := len(procs) - 1; i >= 0; i-- {
			if err := procs[i].Stop(); err != nil {
				errs = append(errs, err)
			}
		}
		if err := os.RemoveAll(p.workDir); err != nil {
			errs = append(errs, err)
		}
		close(p.stopped)
		if len(errs) > 0 {
			p.stopErr = fmt.Errorf("stop control plane %q: %w", p.cfg.Name, errors.Join(errs...))
		}
	})
	return p.stopErr
}

// RESTConfig is a client configuration for the plane (a client
// certificate in system:masters).
func (p *Plane) RESTConfig() *rest.Config { return rest.CopyConfig(p.restConfig) }

// Client is a clientset for the plane.
func (p *Plane) Client() kubernetes.Interface { return p.client }

// Plan is what Start ran, with the real work directory and ports.
func (p *Plane) Plan() Plan { return p.plan }

// KubeconfigPath is the kubeconfig file in the work directory (gone after
// Stop).
func (p *Plane) KubeconfigPath() string { return filepath.Join(p.workDir, fileKubeconfig) }

// RSS is the resident memory of the plane's programs together, in bytes,
// read from /proc (Linux only).
func (p *Plane) RSS() (int64, error) {
	p.mu.Lock()
	procs := append([]*process.Process(nil), p.processes...)
	p.mu.Unlock()
	var total int64
	for _, proc := range procs {
		status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(proc.Pid()), "status"))
		if err != nil {
			return 0, fmt.Errorf("rss of %s: %w", proc.Name, err)
		}
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				if err != nil {
					return 0, fmt.Errorf("rss of %s: %q: %w", proc.Name, line, err)
				}
				total += kb << 10
			}
		}
	}
	return total, nil
}

// pickPorts sets each target to a free loopback port. Another program may
// take one before ours binds it; Start then picks again.
func pickPorts(targets ...*string) error {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for _, t := range targets {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		listeners = append(listeners, l)
		*t = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	}
	return nil
}

// KwokStages is kwok's Stage configuration the planes run with (nodes
// Ready, pods Running and Ready, a Job's pods Succeeded): also what
// keeps a virtual node elsewhere (on a kind cluster).
func KwokStages() []byte { return slices.Clone(kwokStages) }
