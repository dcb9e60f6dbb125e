package binaries

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"
)

// component is one unit of building: a module at a version and the
// binaries one build of it produces.
type component struct {
	name     string // the cache directory's prefix
	version  string
	binaries []Name
	estimate string // what a cold build costs, for the progress line
}

func (c component) dirName() string { return c.name + "-" + c.version }

func components() []component {
	return []component{
		{name: "etcd", version: EtcdVersion, binaries: []Name{Etcd}, estimate: "about 3 minutes cold"},
		{name: "kubernetes", version: KubernetesVersion, binaries: []Name{KubeAPIServer, KubeControllerManager, KubeScheduler}, estimate: "about 12 minutes cold on 2 cores"},
		{name: "kwok", version: KwokVersion, binaries: []Name{Kwok}, estimate: "about 3 minutes cold"},
	}
}

// nodeComponent builds what a kind node runs besides the control plane:
// its own directory, so that the control plane's cache stays valid.
func nodeComponent() component {
	return component{name: "kubernetes-node", version: KubernetesVersion, binaries: NodeNames(), estimate: "about 5 minutes cold on 2 cores"}
}

func componentOf(n Name) component {
	for _, c := range append(components(), nodeComponent()) {
		for _, b := range c.binaries {
			if b == n {
				return c
			}
		}
	}
	panic(fmt.Sprintf("binaries: no component builds %q", n))
}

// Options configure Ensure.
type Options struct {
	// CacheDir holds the built binaries; default CacheDir().
	CacheDir string
	// Progress receives one line when a build starts and one when it ends;
	// default io.Discard.
	Progress io.Writer
	// Go is the go command; default "go" from $PATH.
	Go string
	// Getenv reads the environment; default os.Getenv.
	Getenv Lookup
}

func (o Options) withDefaults() (Options, error) {
	if o.CacheDir == "" {
		dir, err := CacheDir()
		if err != nil {
			return o, err
		}
		o.CacheDir = dir
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Go == "" {
		o.Go = "go"
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	return o, nil
}

// EnsureNode returns the directory holding kubelet, kubeadm and kubectl at
// KubernetesVersion, building them into the cache first when missing
// (os.UserCacheDir()/meshtwin/bin/kubernetes-node-<version>/).
func EnsureNode(ctx context.Context, opts Options) (string, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return "", err
	}
	c := nodeComponent()
	if err := ensureComponent(ctx, c, opts); err != nil {
		return "", err
	}
	return filepath.Join(opts.CacheDir, c.dirName()), nil
}

// Ensure returns every binary, first building into the cache each
// component that is missing there. Binaries chosen by environment variable
// are never built: if one is missing, Ensure fails as Find does.
func Ensure(ctx context.Context, opts Options) (Set, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Set{}, err
	}
	if opts.Getenv(DirEnvVar) == "" {
		for _, c := range components() {
			if overridden(c, opts.Getenv) {
				continue
			}
			if err := ensureComponent(ctx, c, opts); err != nil {
				return Set{}, err
			}
		}
	}
	return Find(opts.CacheDir, opts.Getenv)
}

func overridden(c component, getenv Lookup) bool {
	for _, b := range c.binaries {
		if getenv(b.EnvVar()) == "" {
			return false
		}
	}
	return true
}

func present(dir string, c component) bool {
	for _, b := range c.binaries {
		if checkExecutable(filepath.Join(dir, string(b))) != nil {
			return false
		}
	}
	return true
}

// ensureComponent builds c into the cache unless it is there, under a lock
// so that concurrent test processes build it once.
func ensureComponent(ctx context.Context, c component, opts Options) error {
	final := filepath.Join(opts.CacheDir, c.dirName())
	if present(final, c) {
		return nil
	}
	if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
		return fmt.Errorf("build %s %s: %w", c.name, c.version, err)
	}
	unlock, err := LockFile(filepath.Join(opts.CacheDir, "."+c.dirName()+".lock"))
	if err != nil {
		return fmt.Errorf("build %s %s: %w", c.name, c.version, err)
	}
	defer unlock()
	if present(final, c) { // another process built it while we waited
		return nil
	}
	names := make([]string, len(c.binaries))
	for i, b := range c.binaries {
		names[i] = string(b)
	}
	what := fmt.Sprintf("%s %s", strings.Join(names, ", "), c.version)
	fmt.Fprintf(opts.Progress, " • Building %s from Go sources into %s (%s) ...\n", what, final, c.estimate)
	began := time.Now()

	staging, err := os.MkdirTemp(opts.CacheDir, "."+c.dirName()+".building-")
	if err != nil {
		return fmt.Errorf("build %s: %w", what, err)
	}
	defer func() { _ = os.RemoveAll(staging) }()
	scratch, err := os.MkdirTemp("", "meshtwin-build-"+c.name+"-")
	if err != nil {
		return fmt.Errorf("build %s: %w", what, err)
	}
	defer func() { _ = os.RemoveAll(scratch) }()

	b := builder{goCmd: opts.Go, dir: scratch, out: staging}
	switch c.name {
	case "etcd":
		err = b.etcd(ctx)
	case "kubernetes", "kubernetes-node":
		err = b.kubernetes(ctx, c.binaries)
	case "kwok":
		err = b.kwok(ctx)
	}
	if err == nil && !present(staging, c) {
		err = fmt.Errorf("the build finished without producing %s in %s", strings.Join(names, ", "), staging)
	}
	if err == nil {
		err = os.Chmod(staging, 0o755) // MkdirTemp made it private
	}
	if err == nil {
		err = os.Rename(staging, final)
	}
	if err != nil {
		fmt.Fprintf(opts.Progress, " ✗ Building %s failed after %s\n", what, time.Since(began).Round(time.Second))
		return fmt.Errorf("build %s: %w\nretry with: %s", what, err, RetryCommand)
	}
	fmt.Fprintf(opts.Progress, " ✓ Built %s in %s\n", what, time.Since(began).Round(time.Second))
	return nil
}

// LockFile takes an exclusive lock on a file (made if missing), waiting
// for it, so that concurrent processes do a cached build once.
func LockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

// builder runs go commands in a scratch module dir and puts binaries in out.
type builder struct {
	goCmd string
	dir   string
	out   string
}

// buildFlags make the binaries static (no C toolchain needed) and free of
// the build machine's paths.
func buildFlags(ldflags string) []string {
	return []string{"-trimpath", "-ldflags", ldflags}
}

func (b builder) etcd(ctx context.Context) error {
	if err := b.writeGoMod("meshtwin.local/build-etcd", nil); err != nil {
		return err
	}
	if _, err := b.run(ctx, nil, "get", "go.etcd.io/etcd/server/v3@"+EtcdVersion); err != nil {
		return err
	}
	args := append([]string{"build"}, buildFlags("-s -w")...)
	args = append(args, "-o", filepath.Join(b.out, string(Etcd)), "go.etcd.io/etcd/server/v3")
	_, err := b.run(ctx, nil, args...)
	return err
}

// kubernetes builds the named commands of k8s.io/kubernetes (each is
// k8s.io/kubernetes/cmd/<name>).
func (b builder) kubernetes(ctx context.Context, names []Name) error {
	if err := b.writeGoMod("meshtwin.local/build-kubernetes", nil); err != nil {
		return err
	}
	out, err := b.run(ctx, nil, "mod", "download", "-json", "k8s.io/kubernetes@"+KubernetesVersion)
	if err != nil {
		return err
	}
	var info struct{ GoMod string }
	if err := json.Unmarshal(out, &info); err != nil || info.GoMod == "" {
		return fmt.Errorf("read go mod download's answer for k8s.io/kubernetes@%s: %v: %s", KubernetesVersion, err, out)
	}
	gomod, err := os.ReadFile(info.GoMod)
	if err != nil {
		return err
	}
	staging := StagingModules(gomod)
	if len(staging) == 0 {
		return fmt.Errorf("no staging modules in the replace block of %s", info.GoMod)
	}
	if err := b.writeGoMod("meshtwin.local/build-kubernetes", staging); err != nil {
		return err
	}
	cmds := make([]string, len(names))
	for i, n := range names {
		cmds[i] = "k8s.io/kubernetes/cmd/" + string(n)
	}
	get := []string{"get"}
	for _, c := range cmds {
		get = append(get, c+"@"+KubernetesVersion)
	}
	if _, err := b.run(ctx, nil, get...); err != nil {
		return err
	}
	args := append([]string{"build"}, buildFlags(KubernetesLDFlags())...)
	args = append(args, "-o", b.out+string(filepath.Separator))
	args = append(args, cmds...)
	_, err = b.run(ctx, nil, args...)
	return err
}

func (b builder) kwok(ctx context.Context) error {
	args := append([]string{"install"}, buildFlags("-s -w")...)
	args = append(args, "sigs.k8s.io/kwok/cmd/kwok@"+KwokVersion)
	_, err := b.run(ctx, []string{"GOBIN=" + b.out}, args...)
	return err
}

// KubernetesLDFlags stamps the version into the binaries the way
// Kubernetes' own build does (hack/lib/version.sh), so that the servers
// report v1.37.2 and not v0.0.0-master.
func KubernetesLDFlags() string {
	major, minor, _ := strings.Cut(strings.TrimPrefix(KubernetesVersion, "v"), ".")
	minor, _, _ = strings.Cut(minor, ".")
	flags := []string{"-s", "-w"}
	for _, kv := range [][2]string{
		{"gitVersion", KubernetesVersion},
		{"gitMajor", major},
		{"gitMinor", minor},
		{"gitTreeState", "clean"},
		// The release's publication time on the module proxy, so that a
		// rebuild gives the same binary.
		{"buildDate", "2026-10-27T12:01:04Z"},
	} {
		for _, pkg := range []string{"k8s.io/client-go/pkg/version", "k8s.io/component-base/version"} {
			flags = append(flags, fmt.Sprintf("-X '%s.%s=%s'", pkg, kv[0], kv[1]))
		}
	}
	return strings.Join(flags, " ")
}

var stagingReplace = regexp.MustCompile(`^\s*(k8s\.io/[A-Za-z0-9._-]+)\s+=>\s+\./staging/src/k8s\.io/[A-Za-z0-9._-]+\s*$`)

// StagingModules returns, sorted, the modules that k8s.io/kubernetes'
// go.mod replaces with a directory under ./staging: outside that
// repository they must be replaced with their published release instead.
func StagingModules(gomod []byte) []string {
	var mods []string
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "replace ")
		if m := stagingReplace.FindStringSubmatch(line); m != nil {
			mods = append(mods, m[1])
		}
	}
	sort.Strings(mods)
	return mods
}

// ScratchGoMod is the go.mod of a build module; staging modules required
// at v0.0.0 by k8s.io/kubernetes are replaced by their release.
func ScratchGoMod(module string, staging []string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "module %s\n\ngo 1.26.0\n\ngodebug default=go1.26\n", module)
	if len(staging) > 0 {
		fmt.Fprintf(&s, "\nrequire k8s.io/kubernetes %s\n\nreplace (\n", KubernetesVersion)
		for _, m := range staging {
			fmt.Fprintf(&s, "\t%s v0.0.0 => %s %s\n", m, m, StagingVersion)
		}
		s.WriteString(")\n")
	}
	return s.String()
}

func (b builder) writeGoMod(module string, staging []string) error {
	return os.WriteFile(filepath.Join(b.dir, "go.mod"), []byte(ScratchGoMod(module, staging)), 0o644)
}

// run runs the go command in the scratch module with cgo off, outside any
// workspace, allowed to update the scratch go.mod; the error carries the
// command and the last lines it printed.
func (b builder) run(ctx context.Context, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, b.goCmd, args...)
	cmd.Dir = b.dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=mod")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s (in %s): %w\n%s", strings.Join(cmd.Args, " "), b.dir, err, lastLines(stderr.String(), 20))
	}
	return stdout.Bytes(), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
