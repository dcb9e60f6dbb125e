package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
	"github.com/meshtwin/meshtwin/realk8s/process"
)

// pilotDiscoveryEnv names a pilot-discovery binary to use instead of the
// cached build (it must be built from the istio.io/istio this module
// requires).
const pilotDiscoveryEnv = "MESHTWIN_PILOT_DISCOVERY"

// pilotDiscoveryPackage is istiod's main package.
const pilotDiscoveryPackage = istioModule + "/pilot/cmd/pilot-discovery"

// ensurePilotDiscovery returns the path of upstream istiod built from the
// istio.io/istio this module requires (modVersion), building it into the
// user's cache first when missing: <cache>/pilot-discovery-<modVersion>/,
// under a lock so that concurrent runs build it once. The build runs in
// this module (go.mod's tool directive keeps its dependencies in go.sum),
// so it shares Go's build cache with the in-process oracle.
func ensurePilotDiscovery(ctx context.Context, modVersion string, progress io.Writer) (string, error) {
	if p := os.Getenv(pilotDiscoveryEnv); p != "" {
		return p, nil
	}
	cache, err := binaries.CacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "pilot-discovery-"+modVersion)
	bin := filepath.Join(dir, "pilot-discovery")
	if executable(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("build pilot-discovery: %w", err)
	}
	unlock, err := binaries.LockFile(filepath.Join(cache, ".pilot-discovery-"+modVersion+".lock"))
	if err != nil {
		return "", fmt.Errorf("build pilot-discovery: %w", err)
	}
	defer unlock()
	if executable(bin) { // another run built it while we waited
		return bin, nil
	}
	modDir, err := oracleModuleDir()
	if err != nil {
		return "", err
	}
	staging, err := os.MkdirTemp(cache, ".pilot-discovery-"+modVersion+".building-")
	if err != nil {
		return "", fmt.Errorf("build pilot-discovery: %w", err)
	}
	defer func() { _ = os.RemoveAll(staging) }()
	fmt.Fprintf(progress, " • Building pilot-discovery %s from Go sources into %s (about 15 CPU-minutes cold; 48 minutes at load 25) ...\n", modVersion, dir)
	began := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(staging, "pilot-discovery"), pilotDiscoveryPackage)
	cmd.Dir = modDir
	out, err := cmd.CombinedOutput()
	if err == nil {
		err = os.Chmod(staging, 0o755)
	}
	if err == nil {
		err = os.Rename(staging, dir)
	}
	if err != nil {
		fmt.Fprintf(progress, " ✗ Building pilot-discovery failed after %s\n", time.Since(began).Round(time.Second))
		return "", fmt.Errorf("build pilot-discovery (go build %s in %s): %w\n%s", pilotDiscoveryPackage, modDir, err, lastLines(string(out), 20))
	}
	fmt.Fprintf(progress, " ✓ Built pilot-discovery %s in %s\n", modVersion, time.Since(began).Round(time.Second))
	return bin, nil
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// oracleModuleDir is this module's directory: the one go.mod of the current
// directory names (make oracle-e2e runs from oracle/).
func oracleModuleDir() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the oracle module (go env GOMOD): %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	raw, err := os.ReadFile(gomod)
	if err != nil || !strings.Contains(string(raw), "module github.com/meshtwin/meshtwin/oracle\n") {
		return "", fmt.Errorf("run from the oracle module's directory (oracle/), not %q", gomod)
	}
	return filepath.Dir(gomod), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// istiodPorts are the addresses one istiod listens on, all on loopback.
type istiodPorts struct {
	http, https, grpc, secureGRPC, monitoring, ctrlz int
}

func pickIstiodPorts() (istiodPorts, error) {
	var ps [6]int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for i := range ps {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return istiodPorts{}, fmt.Errorf("pick a port for istiod: %w", err)
		}
		ls = append(ls, l)
		ps[i] = l.Addr().(*net.TCPAddr).Port
	}
	return istiodPorts{http: ps[0], https: ps[1], grpc: ps[2], secureGRPC: ps[3], monitoring: ps[4], ctrlz: ps[5]}, nil
}

// istiod is upstream istiod (pilot-discovery) for one revision, run as the
// chart's Deployment runs it (its args and env), outside the cluster: it
// reaches the API server with the plane's kubeconfig, names itself
// 127.0.0.1 in its serving certificate (ISTIOD_CUSTOM_HOST) and serves its
// webhook on a loopback port the webhook configuration's URL names.
type istiod struct {
	bin        string
	kubeconfig string
	revision   string
	deployment *appsv1.Deployment
	ports      istiodPorts
	proc       *process.Process
	workDir    string
	log        *os.File
}

// start runs istiod with ENABLE_NATIVE_SIDECARS=native and returns once its
// readiness endpoint answers.
func (d *istiod) start(ctx context.Context, native string) error {
	var container *corev1.Container
	for i := range d.deployment.Spec.Template.Spec.Containers {
		if c := &d.deployment.Spec.Template.Spec.Containers[i]; c.Name == "discovery" {
			container = c
		}
	}
	if container == nil {
		return fmt.Errorf("istiod of revision %q: the chart's Deployment %s has no discovery container", d.revision, d.deployment.Name)
	}
	var err error
	// Its working directory holds what istiod writes relative to it
	// (./var/run/secrets/istio-dns); without ./etc/istio/config/mesh and
	// ./var/lib/istio/inject it reads the mesh and injector ConfigMaps.
	if d.workDir, err = os.MkdirTemp("", "oracle-istiod-"); err != nil {
		return fmt.Errorf("istiod of revision %q: %w", d.revision, err)
	}
	if d.log, err = os.Create(filepath.Join(d.workDir, "istiod.log")); err != nil {
		return fmt.Errorf("istiod of revision %q: %w", d.revision, err)
	}
	addr := func(p int) string { return "127.0.0.1:" + strconv.Itoa(p) }
	args := append([]string{}, container.Args...)
	args = append(args,
		"--httpAddr="+addr(d.ports.http), "--httpsAddr="+addr(d.ports.https),
		"--grpcAddr="+addr(d.ports.grpc), "--secureGRPCAddr="+addr(d.ports.secureGRPC),
		"--monitoringAddr="+addr(d.ports.monitoring), "--ctrlz_port="+strconv.Itoa(d.ports.ctrlz),
		"--kubeconfig="+d.kubeconfig)
	env := []string{"HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH")}
	for _, e := range container.Env {
		v := e.Value
		if f := e.ValueFrom; f != nil {
			switch {
			case f.FieldRef != nil && f.FieldRef.FieldPath == "metadata.name":
				v = d.deployment.Name + "-oracle-e2e"
			case f.FieldRef != nil && f.FieldRef.FieldPath == "metadata.namespace":
				v = d.deployment.Namespace
			case f.FieldRef != nil && f.FieldRef.FieldPath == "spec.serviceAccountName":
				v = d.deployment.Spec.Template.Spec.ServiceAccountName
			default:
				continue // resource limits (GOMAXPROCS, GOMEMLIMIT): none here
			}
		}
		if e.Name == "KUBECONFIG" {
			continue
		}
		env = append(env, e.Name+"="+v)
	}
	env = append(env, "ISTIOD_CUSTOM_HOST=127.0.0.1", "ENABLE_NATIVE_SIDECARS="+native, "KUBECONFIG="+d.kubeconfig)
	d.proc = &process.Process{
		Name:         "istiod" + revisionSuffix(d.revision),
		Path:         d.bin,
		Args:         args,
		Env:          env,
		Dir:          d.workDir,
		HealthURL:    "http://" + addr(d.ports.http) + "/ready",
		StartTimeout: 3 * time.Minute,
		StopTimeout:  20 * time.Second,
		Log:          d.log,
	}
	if err := d.proc.Start(ctx); err != nil {
		d.cleanup()
		return fmt.Errorf("istiod of revision %q: %w", d.revision, err)
	}
	return nil
}

// stop stops istiod and removes its working directory.
func (d *istiod) stop() error {
	if d.proc == nil {
		return nil
	}
	err := d.proc.Stop()
	d.proc = nil
	d.cleanup()
	if err != nil {
		return fmt.Errorf("istiod of revision %q: %w", d.revision, err)
	}
	return nil
}

func (d *istiod) cleanup() {
	if d.log != nil {
		_ = d.log.Close()
		d.log = nil
	}
	if d.workDir != "" {
		_ = os.RemoveAll(d.workDir)
		d.workDir = ""
	}
}

func revisionSuffix(rev string) string {
	if rev == "" {
		return ""
	}
	return "-" + rev
}
