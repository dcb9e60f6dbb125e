package kindnode

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
)

// ImageOptions configure EnsureImage.
type ImageOptions struct {
	// KubernetesVersion of the node; default binaries.KubernetesVersion,
	// the only version realk8s/binaries builds.
	KubernetesVersion string
	// Progress receives a line per build step; default io.Discard.
	Progress io.Writer
}

// ImageRepository is the repository of the node images built here.
const ImageRepository = "meshtwin/kind-node"

// recipeRevision changes whenever the way an image is made changes in a
// way the hashed inputs do not show.
const recipeRevision = "1"

// EnsureImage returns the reference of a node image for
// opts.KubernetesVersion, building it first when Docker does not have it
// (see the package documentation). It needs a Docker engine (EnsureEngine).
func EnsureImage(ctx context.Context, opts ImageOptions) (string, error) {
	if opts.KubernetesVersion == "" {
		opts.KubernetesVersion = binaries.KubernetesVersion
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.KubernetesVersion != binaries.KubernetesVersion {
		return "", fmt.Errorf("node image: Kubernetes %s cannot be built here: realk8s/binaries builds %s only", opts.KubernetesVersion, binaries.KubernetesVersion)
	}
	cache, err := cacheDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("node image: %w", err)
	}
	ref, kindFiles, err := imageRef(ctx, opts.KubernetesVersion)
	if err != nil {
		return "", err
	}
	if imageExists(ctx, ref) {
		return ref, nil
	}
	unlock, err := binaries.LockFile(filepath.Join(cache, ".image.lock"))
	if err != nil {
		return "", fmt.Errorf("node image: %w", err)
	}
	defer unlock()
	if imageExists(ctx, ref) { // built by another process while we waited
		return ref, nil
	}
	began := time.Now()
	fmt.Fprintf(opts.Progress, " • Building kind node image %s from Debian packages and Go sources ...\n", ref)
	if err := buildImage(ctx, cache, ref, opts, kindFiles); err != nil {
		fmt.Fprintf(opts.Progress, " ✗ Building %s failed after %s\n", ref, time.Since(began).Round(time.Second))
		return "", fmt.Errorf("node image %s: %w\nretry with: make kind-image", ref, err)
	}
	fmt.Fprintf(opts.Progress, " ✓ Built %s in %s\n", ref, time.Since(began).Round(time.Second))
	return ref, nil
}

// imageRef names the image of a version and the current recipe, with
// kind's base files the recipe uses.
func imageRef(ctx context.Context, version string) (string, []file, error) {
	kindDir, err := moduleDir(ctx, KindModule)
	if err != nil {
		return "", nil, fmt.Errorf("node image: %w", err)
	}
	kindFiles, err := kindBaseFiles(kindDir)
	if err != nil {
		return "", nil, fmt.Errorf("node image: %w", err)
	}
	return ImageRepository + ":" + version + "-" + recipeHash(version, kindFiles), kindFiles, nil
}

// recipeHash covers everything an image is made of that its versions do
// not name: the base packages, kind's files, the files and scripts here.
func recipeHash(version string, kindFiles []file) string {
	h := sha256.New()
	for _, s := range []string{recipeRevision, version, binaries.EtcdVersion, KindModule, baseRef(), cniScript, cniUnit, storageManifest, kindSteps, importScript} {
		fmt.Fprintf(h, "%d:%s\n", len(s), s)
	}
	for _, f := range kindFiles {
		fmt.Fprintf(h, "%s %o %d:%s\n", f.path, f.mode, len(f.data), f.data)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func buildImage(ctx context.Context, cache, ref string, opts ImageOptions, kindFiles []file) error {
	base, err := ensureBase(ctx, cache, opts.Progress)
	if err != nil {
		return err
	}
	bopts := binaries.Options{Progress: opts.Progress}
	set, err := binaries.Ensure(ctx, bopts)
	if err != nil {
		return err
	}
	nodeBin, err := binaries.EnsureNode(ctx, bopts)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp(cache, ".build-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	pause := filepath.Join(work, "pause")
	if err := goBuildOwn(ctx, "cmd/meshtwin-pause", pause); err != nil {
		return fmt.Errorf("build the pause program: %w", err)
	}
	kubeadm := filepath.Join(nodeBin, string(binaries.Kubeadm))
	out, err := run(ctx, nil, kubeadm, "config", "images", "list", "--kubernetes-version", opts.KubernetesVersion)
	if err != nil {
		return err
	}
	images, skipped, err := componentImages(strings.Fields(string(out)), set, pause)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Progress, " • Control plane images made here: %s; not made (their kubeadm addons are to be skipped, see KubeadmConfigPatches): %s\n", refs(images), strings.Join(skipped, ", "))
	var pauseRef string
	files := []file{}
	for _, img := range images {
		if strings.Contains(img.ref, "/pause:") {
			pauseRef = img.ref
		}
		archive := filepath.Join(work, filepath.Base(img.path)+".tar")
		if err := writeFile(archive, func(w io.Writer) error { return writeDockerArchive(w, img) }); err != nil {
			return fmt.Errorf("image %s: %w", img.ref, err)
		}
		files = append(files, file{path: "/kind/images/" + filepath.Base(archive), mode: 0o644, source: archive})
	}
	nf, err := nodeFiles(kindFiles, opts.KubernetesVersion, pauseRef)
	if err != nil {
		return err
	}
	files = append(files, nf...)
	for _, n := range binaries.NodeNames() {
		files = append(files, file{path: "/usr/bin/" + string(n), mode: 0o755, source: filepath.Join(nodeBin, string(n))})
	}

	name := "meshtwin-kind-build-" + randomHex(4)
	if _, err := run(ctx, nil, "docker", "run", "-d", "--name", name, "--entrypoint", "sleep", "--security-opt", "seccomp=unconfined", base, "infinity"); err != nil {
		return err
	}
	defer func() { _, _ = run(context.WithoutCancel(ctx), nil, "docker", "rm", "-f", "-v", name) }()
	fmt.Fprintf(opts.Progress, " • Adding kind's base files (%s), kubelet, kubeadm, kubectl and the images in container %s ...\n", KindModule, name)
	if err := copyInto(ctx, name, files); err != nil {
		return err
	}
	if _, err := run(ctx, nil, "docker", "exec", name, "sh", "-c", kindSteps); err != nil {
		return err
	}
	spec, err := run(ctx, nil, "docker", "exec", name, "ctr", "oci", "spec")
	if err != nil {
		return err
	}
	criBase, err := criBaseSpec(spec)
	if err != nil {
		return err
	}
	if err := copyInto(ctx, name, []file{{path: "/etc/containerd/cri-base.json", mode: 0o644, data: criBase}}); err != nil {
		return err
	}
	fmt.Fprintln(opts.Progress, " • Importing the images into containerd's k8s.io namespace ...")
	listed, err := run(ctx, nil, "docker", "exec", name, "sh", "-c", importScript)
	if err != nil {
		return err
	}
	for _, img := range images {
		if !bytes.Contains(listed, []byte(img.ref+"\n")) {
			return fmt.Errorf("containerd lists no %s after the import; it lists:\n%s", img.ref, listed)
		}
	}
	changes := []string{
		"ENV container=docker",
		`ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]`,
		"CMD []",
		"LABEL io.meshtwin.kind-node.kubernetes-version=" + opts.KubernetesVersion,
	}
	args := []string{"commit"}
	for _, c := range changes {
		args = append(args, "--change", c)
	}
	committed, err := run(ctx, nil, "docker", append(args, name)...)
	if err != nil {
		return err
	}
	return withStopSignal(ctx, strings.TrimSpace(string(committed)), ref)
}

// withStopSignal tags image id as ref with kind's STOPSIGNAL (systemd
// halts on SIGRTMIN+3), which `docker commit --change` refuses before
// Docker 25; the classic builder adds it from the local image, pulling
// nothing.
func withStopSignal(ctx context.Context, id, ref string) error {
	cmd := exec.CommandContext(ctx, "docker", "build", "--quiet", "--tag", ref, "-")
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	cmd.Stdin = strings.NewReader("FROM " + id + "\nSTOPSIGNAL SIGRTMIN+3\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker build (STOPSIGNAL) from %s: %w: %s", id, err, out)
	}
	return nil
}

// kindSteps does in the build container what kind's base Dockerfile does
// after installing packages: units that make no sense in a container are
// removed, kind's units (and the CNI configuration's) enabled.
const kindSteps = `set -eu
chmod 755 /kind /kind/bin
find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete
rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \
  /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \
  /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*
echo ReadKMsg=no >> /etc/systemd/journald.conf
ln -sf /usr/lib/systemd/systemd /sbin/init
systemctl enable kubelet.service containerd.service undo-mount-hacks.service meshtwin-cni.service
systemctl mask systemd-binfmt.service
`

// importScript runs containerd in the build container long enough to
// import the image archives into the k8s.io namespace (unpacked later, by
// the node's snapshotter, when a pod first uses them), then lists them.
const importScript = `set -eu
containerd >/tmp/containerd.log 2>&1 &
pid=$!
i=0
until ctr version >/dev/null 2>&1; do
  i=$((i+1))
  if [ $i -gt 60 ]; then echo "containerd does not answer:" >&2; tail -20 /tmp/containerd.log >&2; exit 1; fi
  sleep 0.5
done
for f in /kind/images/*.tar; do
  ctr --namespace=k8s.io images import --no-unpack "$f" >/dev/null
done
ctr --namespace=k8s.io images list -q
kill $pid
while kill -0 $pid 2>/dev/null; do sleep 0.2; done
rm -rf /kind/images /tmp/containerd.log /run/containerd
`

// criBaseSpec is kind's /etc/containerd/cri-base.json: containerd's
// default OCI spec with kind's createContainer hook (which gives each pod
// its own copy of the node's product_uuid) and without rlimits.
func criBaseSpec(spec []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(spec))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("ctr oci spec: %w", err)
	}
	hooks, _ := doc["hooks"].(map[string]any)
	if hooks == nil {
		hooks = map[string]any{}
	}
	create, _ := hooks["createContainer"].([]any)
	hooks["createContainer"] = append(create, map[string]any{"path": "/kind/bin/mount-product-files.sh"})
	doc["hooks"] = hooks
	if process, ok := doc["process"].(map[string]any); ok {
		delete(process, "rlimits")
	}
	return json.MarshalIndent(doc, "", "  ")
}

// componentImages maps kubeadm's image list to the binaries that make
// them; the images no binary here makes (CoreDNS, kube-proxy) are returned
// as skipped.
func componentImages(list []string, set binaries.Set, pause string) (made []componentImage, skipped []string, err error) {
	for _, ref := range list {
		repo, _, ok := strings.Cut(ref, ":")
		if !ok {
			return nil, nil, fmt.Errorf("kubeadm config images list: %q has no tag", ref)
		}
		img := componentImage{ref: ref}
		switch name := filepath.Base(repo); name {
		case "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd":
			img.binary = set.Path(binaries.Name(name))
			img.path = "/usr/local/bin/" + name
		case "pause":
			img.binary, img.path, img.entrypoint = pause, "/pause", []string{"/pause"}
		default:
			skipped = append(skipped, ref)
			continue
		}
		made = append(made, img)
	}
	if len(made) != 5 {
		return nil, nil, fmt.Errorf("kubeadm config images list: expected kube-apiserver, kube-controller-manager, kube-scheduler, etcd and pause among %v", list)
	}
	return made, skipped, nil
}

func refs(images []componentImage) string {
	s := make([]string, len(images))
	for i, img := range images {
		s[i] = img.ref
	}
	return strings.Join(s, ", ")
}

// copyInto writes files into a container (docker cp - NAME:/).
func copyInto(ctx context.Context, container string, files []file) error {
	cmd := exec.CommandContext(ctx, "docker", "cp", "-", container+":/")
	pr, pw := io.Pipe()
	cmd.Stdin = pr
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	werr := writeTar(pw, files)
	_ = pw.CloseWithError(werr)
	err := cmd.Wait()
	if werr != nil {
		return fmt.Errorf("docker cp into %s: %w", container, werr)
	}
	if err != nil {
		return fmt.Errorf("docker cp into %s: %w: %s", container, err, out.String())
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		_ = f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// moduleDir is where the module cache holds a module (downloaded from the
// module proxy first if needed).
func moduleDir(ctx context.Context, modVersion string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", modVersion)
	cmd.Dir = os.TempDir() // outside any module
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", modVersion, info.Error)
	}
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", modVersion, err)
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no directory in %s", modVersion, out)
	}
	return info.Dir, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
