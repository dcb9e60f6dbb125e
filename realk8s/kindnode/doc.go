// Package kindnode makes kind runnable where no image registry answers:
// it ensures a Docker engine, and builds kind node images from Debian
// packages and Go sources alone.
//
// EnsureEngine makes `docker info` answer: it installs Debian's docker.io
// with apt-get when dockerd is absent, starts dockerd in the background
// (its log under the cache directory), and, on a host whose capability
// bounding set lacks CAP_SYS_RESOURCE, registers cmd/meshtwin-runc as
// Docker's default runtime so that `docker run --privileged` (which kind
// always asks for) works. When it cannot, its error says what is missing
// and how to fix it.
//
// EnsureImage builds a node image for kind (kind.x-k8s.io/v1alpha4
// `image:`) without pulling anything: a Debian bookworm root file system
// made by debootstrap (systemd, containerd, runc, the CNI plugins), kind's
// base image files taken from the sigs.k8s.io/kind module, kubelet, kubeadm
// and kubectl built from k8s.io/kubernetes by realk8s/binaries, and the
// control plane's images (kube-apiserver, kube-controller-manager,
// kube-scheduler, etcd, pause), each one layer holding one binary built
// from Go sources, imported into containerd's k8s.io namespace and tagged
// as kubeadm expects them, so that kubeadm never pulls. Images are cached
// in Docker by Kubernetes version and a hash of the recipe: a second call
// answers at once.
//
// What a cluster on such an image needs from kind's configuration is in
// KubeadmConfigPatches (kubelet's failCgroupV1: false; the CoreDNS and
// kube-proxy addons skipped, their images being absent) and in
// DisableDefaultCNI (kindnetd's image is absent too: the node brings its
// own bridge CNI configuration).
//
// Everything is cached under os.UserCacheDir()/meshtwin.
package kindnode
