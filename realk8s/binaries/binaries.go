package binaries

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Pinned versions. The Kubernetes staging modules (k8s.io/api, ...) are
// released as v0.X.Y alongside k8s.io/kubernetes v1.X.Y.
const (
	EtcdVersion       = "v3.6.16"
	KubernetesVersion = "v1.37.2"
	StagingVersion    = "v0.37.2"
	KwokVersion       = "v0.8.0"
)

// Name is the file name of one binary.
type Name string

// The binaries a control plane runs.
const (
	Etcd                  Name = "etcd"
	KubeAPIServer         Name = "kube-apiserver"
	KubeControllerManager Name = "kube-controller-manager"
	KubeScheduler         Name = "kube-scheduler"
	Kwok                  Name = "kwok"
)

// The binaries a kind node runs, beside the control plane's: built by
// EnsureNode, not by Ensure, and not looked up by Find.
const (
	Kubelet Name = "kubelet"
	Kubeadm Name = "kubeadm"
	Kubectl Name = "kubectl"
)

// NodeNames lists the binaries of a kind node.
func NodeNames() []Name {
	return []Name{Kubelet, Kubeadm, Kubectl}
}

// Names lists every binary of a control plane, in the order a control plane starts them.
func Names() []Name {
	return []Name{Etcd, KubeAPIServer, KubeControllerManager, KubeScheduler, Kwok}
}

// EnvVar is the environment variable that points at one binary, as
// MESHTWIN_KUBE_APISERVER for kube-apiserver.
func (n Name) EnvVar() string {
	return "MESHTWIN_" + strings.ToUpper(strings.ReplaceAll(string(n), "-", "_"))
}

// DirEnvVar names a directory holding all the binaries; it comes after the
// per-binary variables and before the cache.
const DirEnvVar = "MESHTWIN_BIN_DIR"

// Set holds the path of every binary.
type Set struct {
	Etcd                  string
	KubeAPIServer         string
	KubeControllerManager string
	KubeScheduler         string
	Kwok                  string
}

// Path returns the path of the binary n.
func (s Set) Path(n Name) string {
	switch n {
	case Etcd:
		return s.Etcd
	case KubeAPIServer:
		return s.KubeAPIServer
	case KubeControllerManager:
		return s.KubeControllerManager
	case KubeScheduler:
		return s.KubeScheduler
	case Kwok:
		return s.Kwok
	}
	return ""
}

func (s *Set) set(n Name, path string) {
	switch n {
	case Etcd:
		s.Etcd = path
	case KubeAPIServer:
		s.KubeAPIServer = path
	case KubeControllerManager:
		s.KubeControllerManager = path
	case KubeScheduler:
		s.KubeScheduler = path
	case Kwok:
		s.Kwok = path
	}
}

// InDir returns the set of binaries named as in Names, all in dir.
func InDir(dir string) Set {
	var s Set
	for _, n := range Names() {
		s.set(n, filepath.Join(dir, string(n)))
	}
	return s
}

// ErrMissing is wrapped by Find's error when a binary is not where it was
// looked for.
var ErrMissing = errors.New("real-cluster binaries missing")

// RetryCommand is what a user runs to build the binaries by hand.
const RetryCommand = "make real-deps (or: go run ./cmd/real-deps)"

// CacheDir is where built binaries are kept by default:
// os.UserCacheDir()/meshtwin/bin.
func CacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("the user's cache directory: %w", err)
	}
	return filepath.Join(dir, "meshtwin", "bin"), nil
}

// Lookup reads one environment variable; os.Getenv in production, a map in
// tests.
type Lookup func(key string) string

// Find returns the path of every binary: from its own environment variable
// if set, else from $MESHTWIN_BIN_DIR if set, else from the cache directory
// cacheDir. Each path is checked to be an executable file; the error names
// every binary that is not, with where it was looked for.
func Find(cacheDir string, getenv Lookup) (Set, error) {
	var (
		set     Set
		missing []string
	)
	dir := getenv(DirEnvVar)
	for _, n := range Names() {
		path, from := "", ""
		switch {
		case getenv(n.EnvVar()) != "":
			path, from = getenv(n.EnvVar()), "$"+n.EnvVar()
		case dir != "":
			path, from = filepath.Join(dir, string(n)), "$"+DirEnvVar
		default:
			path, from = filepath.Join(cacheDir, componentOf(n).dirName(), string(n)), "the cache"
		}
		if err := checkExecutable(path); err != nil {
			missing = append(missing, fmt.Sprintf("%s (%s, from %s)", n, err, from))
			continue
		}
		set.set(n, path)
	}
	if len(missing) > 0 {
		return Set{}, fmt.Errorf("%w: %s; build them with %s", ErrMissing, strings.Join(missing, "; "), RetryCommand)
	}
	return set, nil
}

func checkExecutable(path string) error {
	if path == "" {
		return errors.New("no path given")
	}
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no file %s", path)
		}
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	if info.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not executable", path)
	}
	return nil
}

// Check names every binary of s that is not an executable file.
func (s Set) Check() error {
	var missing []string
	for _, n := range Names() {
		if err := checkExecutable(s.Path(n)); err != nil {
			missing = append(missing, fmt.Sprintf("%s (%s)", n, err))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s; build them with %s", ErrMissing, strings.Join(missing, "; "), RetryCommand)
	}
	return nil
}
