package kindnode

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// KindModule is the sigs.k8s.io/kind release whose base image files
// (images/base/files: the entrypoint, systemd units, containerd's
// configuration, ...) the node image carries.
const KindModule = "sigs.k8s.io/kind@v0.33.0"

// kindBaseFiles reads images/base/files of kind's module directory, with
// the modes kind's base Dockerfile gives them: executables in
// /usr/local/bin and /kind/bin, everything else 0644.
func kindBaseFiles(kindDir string) ([]file, error) {
	root := filepath.Join(kindDir, "images", "base", "files")
	var files []file
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f := file{path: "/" + filepath.ToSlash(rel), mode: 0o644, data: data}
		if strings.HasPrefix(f.path, "/usr/local/bin/") || strings.HasPrefix(f.path, "/kind/bin/") {
			f.mode = 0o755
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kind's base image files in %s: %w", root, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("kind's base image files: none in %s", root)
	}
	return files, nil
}

const containerdConfigPath = "/etc/containerd/config.toml"

var sandboxImageLine = regexp.MustCompile(`(?m)^(\s*sandbox_image\s*=\s*)"[^"]*"`)

// patchContainerdConfig adapts kind's containerd configuration to a
// registry-less node on Debian's containerd 1.6:
//   - restrict_oom_score_adj = true: a pod sandbox's negative oom_score_adj
//     needs CAP_SYS_RESOURCE, which the node lacks where the runc wrapper
//     runs it (runc fails with "can't get final child's PID from pipe");
//   - the sandbox image is the pause image built here, under kubeadm's tag;
//   - the CNI plugins are Debian's, in /usr/lib/cni.
//
// It fails when kind's file no longer has the lines it changes.
func patchContainerdConfig(config, pauseRef string) (string, error) {
	const oom = "restrict_oom_score_adj = false"
	if !strings.Contains(config, oom) {
		return "", fmt.Errorf("%s of %s: no line %q to change", containerdConfigPath, KindModule, oom)
	}
	if !sandboxImageLine.MatchString(config) {
		return "", fmt.Errorf("%s of %s: no sandbox_image line to change", containerdConfigPath, KindModule)
	}
	config = strings.Replace(config, oom, "restrict_oom_score_adj = true", 1)
	config = sandboxImageLine.ReplaceAllString(config, `${1}"`+pauseRef+`"`)
	config += `
# meshtwin: the CNI plugins of Debian's containernetworking-plugins
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "/etc/cni/net.d"
`
	return config, nil
}

// cniScript writes the node's CNI configuration when it boots: a bridge
// with host-local addresses from 10.244.<n>.0/24 (inside kind's default
// pod subnet), n being the last byte of the node's IPv4 address on its
// Docker network, so that nodes of one cluster hand out distinct pod
// addresses. It stands in for kindnetd, whose image cannot be pulled;
// pods reach each other on one node, not across nodes.
const cniScript = `#!/bin/sh
set -eu
set -- $(ip -4 -o addr show dev eth0)
addr=${4%/*}
n=${addr##*.}
mkdir -p /etc/cni/net.d
cat > /etc/cni/net.d/10-meshtwin-bridge.conflist <<EOF
{
  "cniVersion": "1.0.0",
  "name": "meshtwin",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "10.244.$n.0/24"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
`

const cniUnit = `[Unit]
Description=meshtwin: this node's bridge CNI configuration
After=network.target
Before=containerd.service kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/kind/bin/meshtwin-cni.sh

[Install]
WantedBy=multi-user.target
`

// storageManifest replaces kind's default storage (local-path-provisioner,
// whose image cannot be pulled) with its StorageClass alone, so that no
// pod of the cluster waits for an image forever.
const storageManifest = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
`

// nodeFiles are the files the node image gets beside Debian's packages:
// kind's base files (containerd's configuration patched), the Kubernetes
// version kind reads, the storage manifest, the CNI configuration unit,
// and containerd where kind's unit starts it.
func nodeFiles(kindFiles []file, version, pauseRef string) ([]file, error) {
	var files []file
	patched := false
	for _, f := range kindFiles {
		if f.path == containerdConfigPath {
			config, err := patchContainerdConfig(string(f.data), pauseRef)
			if err != nil {
				return nil, err
			}
			f.data = []byte(config)
			patched = true
		}
		files = append(files, f)
	}
	if !patched {
		return nil, fmt.Errorf("kind's base image files have no %s", containerdConfigPath)
	}
	return append(files,
		file{path: "/kind/version", mode: 0o644, data: []byte(version)},
		file{path: "/kind/manifests/default-storage.yaml", mode: 0o644, data: []byte(storageManifest)},
		file{path: "/kind/bin/meshtwin-cni.sh", mode: 0o755, data: []byte(cniScript)},
		file{path: "/etc/systemd/system/meshtwin-cni.service", mode: 0o644, data: []byte(cniUnit)},
		file{path: "/usr/local/bin/containerd", link: "/usr/bin/containerd"},
		file{path: "/etc/kubernetes/manifests", mode: 0o755, dir: true},
	), nil
}
