package controlplane

import (
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
)

// DefaultServiceCIDR is a plane's service range when its Config names
// none.
var DefaultServiceCIDR = netip.MustParsePrefix("10.96.0.0/16")

// Addresses inside the cluster, the same on every plane.
const (
	podCIDR = "10.244.0.0/16"
	nodeIP  = "10.0.0.1" // what kwok reports for a node without addresses
)

// Files in a plane's work directory.
const (
	dirPKI          = "pki"
	dirEtcd         = "etcd"
	dirLogs         = "logs"
	dirHome         = "home"
	fileCA          = "ca.crt"
	fileServingCert = "apiserver.crt"
	fileServingKey  = "apiserver.key"
	fileClientCert  = "admin.crt"
	fileClientKey   = "admin.key"
	fileSAKey       = "service-account.key"
	fileSAPub       = "service-account.pub"
	fileKubeconfig  = "kubeconfig"
	fileKwokConfig  = "kwok.yaml"
)

// Ports are the loopback ports a plane listens on, as strings so that a
// plan can be printed with placeholders.
type Ports struct {
	EtcdClient, EtcdPeer, APIServer, Kwok string
}

// PlaceholderPorts stand for ports picked at start.
func PlaceholderPorts() Ports {
	return Ports{EtcdClient: "<ETCD_PORT>", EtcdPeer: "<ETCD_PEER_PORT>", APIServer: "<APISERVER_PORT>", Kwok: "<KWOK_PORT>"}
}

// PlaceholderWorkDir stands for the temporary directory made at start.
const PlaceholderWorkDir = "<WORKDIR>"

// Plan is what starting a plane runs and writes.
type Plan struct {
	Name    string
	WorkDir string
	Files   []File
	Steps   []Step
}

// File is one file a plane writes before it starts its programs.
type File struct {
	Path string
	What string
}

// Step is one program of the plane, in start order.
type Step struct {
	Name binaries.Name
	Argv []string
	Env  []string
	// Health is the URL that answers 200 once the program is ready; when
	// there is none, Ready says how Start knows.
	Health string
	Ready  string
	Log    string
}

func (p Plan) step(n binaries.Name) Step {
	for _, s := range p.Steps {
		if s.Name == n {
			return s
		}
	}
	panic(fmt.Sprintf("controlplane: plan has no step %q", n))
}

// NewPlan is the plan of plane name with the binaries bins, in workDir, on
// ports, its Services' addresses from serviceCIDR (the zero prefix is
// DefaultServiceCIDR). It does nothing; Start carries it out.
func NewPlan(name string, bins binaries.Set, workDir string, ports Ports, serviceCIDR netip.Prefix) Plan {
	if !serviceCIDR.IsValid() {
		serviceCIDR = DefaultServiceCIDR
	}
	in := func(parts ...string) string { return filepath.Join(append([]string{workDir}, parts...)...) }
	pki := func(f string) string { return in(dirPKI, f) }
	env := []string{"HOME=" + in(dirHome)}
	etcdURL := "http://127.0.0.1:" + ports.EtcdClient
	peerURL := "http://127.0.0.1:" + ports.EtcdPeer
	kubeconfig := in(fileKubeconfig)
	log := func(n binaries.Name) string { return in(dirLogs, string(n)+".log") }

	return Plan{
		Name:    name,
		WorkDir: workDir,
		Files: []File{
			{pki(fileCA), "the plane's certificate authority, generated at start (its key is never written)"},
			{pki(fileServingCert) + ", " + fileServingKey, "kube-apiserver's serving certificate (127.0.0.1, localhost, kubernetes.default.svc) and key"},
			{pki(fileClientCert) + ", " + fileClientKey, "a client certificate in system:masters and its key, for the components and the plane's users"},
			{pki(fileSAKey) + ", " + fileSAPub, "the key pair that signs and checks service-account tokens"},
			{kubeconfig, "the client certificate's kubeconfig, for the components"},
			{in(fileKwokConfig), "kwok's stages: nodes Ready, pods Running and Ready, Job pods Succeeded"},
		},
		Steps: []Step{
			{
				Name: binaries.Etcd,
				Argv: []string{
					bins.Etcd,
					"--name=meshtwin",
					"--data-dir=" + in(dirEtcd),
					"--listen-client-urls=" + etcdURL,
					"--advertise-client-urls=" + etcdURL,
					"--listen-peer-urls=" + peerURL,
					"--initial-advertise-peer-urls=" + peerURL,
					"--initial-cluster=meshtwin=" + peerURL,
					"--unsafe-no-fsync=true",
					"--log-level=warn",
				},
				Env:    env,
				Health: etcdURL + "/health",
				Log:    log(binaries.Etcd),
			},
			{
				Name: binaries.KubeAPIServer,
				Argv: []string{
					bins.KubeAPIServer,
					"--etcd-servers=" + etcdURL,
					"--bind-address=127.0.0.1",
					"--advertise-address=127.0.0.1",
					"--secure-port=" + ports.APIServer,
					"--endpoint-reconciler-type=none",
					"--tls-cert-file=" + pki(fileServingCert),
					"--tls-private-key-file=" + pki(fileServingKey),
					"--client-ca-file=" + pki(fileCA),
					// kubeadm's front-proxy settings, as ACK's API
					// servers run with them: they are what the server
					// publishes in kube-system's
					// extension-apiserver-authentication. The plane's
					// CA stands for the front proxy's.
					"--requestheader-client-ca-file=" + pki(fileCA),
					"--requestheader-allowed-names=front-proxy-client",
					"--requestheader-extra-headers-prefix=X-Remote-Extra-",
					"--requestheader-group-headers=X-Remote-Group",
					"--requestheader-username-headers=X-Remote-User",
					"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
					"--service-account-key-file=" + pki(fileSAPub),
					"--service-account-signing-key-file=" + pki(fileSAKey),
					"--service-cluster-ip-range=" + serviceCIDR.Masked().String(),
					"--authorization-mode=RBAC",
					"--allow-privileged=true",
					"--cert-dir=" + in(dirPKI),
					"--profiling=false",
					// From 1.35 the API server copies a node's topology
					// labels onto the pods bound to it (KEP-4742, beta
					// and on by default); the clusters the twin models
					// are older, and their pods keep their own labels.
					"--feature-gates=PodTopologyLabelsAdmission=false",
				},
				Env:    env,
				Health: "https://127.0.0.1:" + ports.APIServer + "/readyz",
				Log:    log(binaries.KubeAPIServer),
			},
			{
				Name: binaries.KubeControllerManager,
				Argv: []string{
					bins.KubeControllerManager,
					"--kubeconfig=" + kubeconfig,
					"--leader-elect=false",
					"--secure-port=0",
					"--service-account-private-key-file=" + pki(fileSAKey),
					"--root-ca-file=" + pki(fileCA),
					"--profiling=false",
				},
				Env:   env,
				Ready: "the default ServiceAccount exists in namespace default",
				Log:   log(binaries.KubeControllerManager),
			},
			{
				Name: binaries.KubeScheduler,
				Argv: []string{
					bins.KubeScheduler,
					"--kubeconfig=" + kubeconfig,
					"--leader-elect=false",
					"--secure-port=0",
					"--profiling=false",
				},
				Env:   env,
				Ready: "running (it serves no health endpoint with --secure-port=0)",
				Log:   log(binaries.KubeScheduler),
			},
			{
				Name: binaries.Kwok,
				Argv: []string{
					bins.Kwok,
					"--kubeconfig=" + kubeconfig,
					"--config=" + in(fileKwokConfig),
					"--manage-all-nodes=true",
					"--node-lease-duration-seconds=40",
					"--cidr=" + podCIDR,
					"--node-ip=" + nodeIP,
					"--server-address=127.0.0.1:" + ports.Kwok,
				},
				Env:    env,
				Health: "http://127.0.0.1:" + ports.Kwok + "/healthz",
				Log:    log(binaries.Kwok),
			},
		},
	}
}

// Print writes the plan for a reader: files, then each program's command
// line one flag a line, its environment, its readiness and its log.
func (p Plan) Print(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "control plane %q in %s (a temporary directory, removed on stop)\n", p.Name, p.WorkDir)
	b.WriteString("files written at start:\n")
	for _, f := range p.Files {
		fmt.Fprintf(&b, "  %s\n      %s\n", f.Path, f.What)
	}
	for i, s := range p.Steps {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s.Name)
		fmt.Fprintf(&b, "   $ env -i %s %s", strings.Join(s.Env, " "), s.Argv[0])
		for _, a := range s.Argv[1:] {
			fmt.Fprintf(&b, " \\\n       %s", a)
		}
		ready := s.Ready
		if s.Health != "" {
			ready = "GET " + s.Health + " answers 200"
		}
		fmt.Fprintf(&b, "\n   ready when %s\n   output to %s\n", ready, s.Log)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
