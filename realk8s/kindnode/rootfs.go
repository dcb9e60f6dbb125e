package kindnode

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Suite is the Debian release of the node's root file system.
const Suite = "bookworm"

// basePackages are installed by debootstrap besides the minbase variant:
// what kind's base Dockerfile installs that the node needs here, plus
// containerd, runc and the CNI plugins, which kind builds from source and
// Debian packages.
var basePackages = []string{
	"systemd", "systemd-sysv", "dbus",
	"iptables", "iproute2", "conntrack", "ethtool", "kmod", "mount", "procps",
	"ca-certificates", "jq", "libseccomp2",
	"containerd", "runc", "containernetworking-plugins",
}

// baseRef names the imported root file system by suite and package list.
func baseRef() string {
	sum := sha256.Sum256([]byte(Suite + "\n" + strings.Join(basePackages, ",")))
	return "meshtwin/kind-base:" + Suite + "-" + hex.EncodeToString(sum[:])[:12]
}

// ensureBase imports, once, a Debian root file system made by debootstrap
// into Docker; debootstrap itself is installed with apt-get when absent.
func ensureBase(ctx context.Context, cache string, progress io.Writer) (string, error) {
	ref := baseRef()
	if imageExists(ctx, ref) {
		return ref, nil
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		fmt.Fprintln(progress, " • Installing Debian's debootstrap with apt-get ...")
		if err := aptInstall(ctx, "debootstrap"); err != nil {
			return "", fmt.Errorf("node base: %w", err)
		}
	}
	began := time.Now()
	fmt.Fprintf(progress, " • Making a Debian %s root file system with debootstrap (about 2 minutes) ...\n", Suite)
	dir, err := os.MkdirTemp(cache, ".rootfs-")
	if err != nil {
		return "", fmt.Errorf("node base: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if _, err := run(ctx, nil, "debootstrap", "--variant=minbase", "--include="+strings.Join(basePackages, ","), Suite, dir, "http://deb.debian.org/debian"); err != nil {
		return "", fmt.Errorf("node base: %w", err)
	}
	for _, junk := range []string{"var/cache/apt/archives/*.deb", "var/lib/apt/lists/*_*", "var/log/*.log"} {
		matches, _ := filepath.Glob(filepath.Join(dir, junk))
		for _, m := range matches {
			_ = os.RemoveAll(m)
		}
	}
	fmt.Fprintf(progress, " • Importing it into Docker as %s ...\n", ref)
	if err := importDir(ctx, dir, ref); err != nil {
		return "", fmt.Errorf("node base: %w", err)
	}
	fmt.Fprintf(progress, " ✓ Base %s in %s\n", ref, time.Since(began).Round(time.Second))
	return ref, nil
}

// importDir makes an image of a directory: tar | docker import.
func importDir(ctx context.Context, dir, ref string) error {
	tarCmd := exec.CommandContext(ctx, "tar", "--numeric-owner", "-C", dir, "-c", ".")
	importCmd := exec.CommandContext(ctx, "docker", "import", "-", ref)
	pipe, err := tarCmd.StdoutPipe()
	if err != nil {
		return err
	}
	importCmd.Stdin = pipe
	var tarErr, importOut strings.Builder
	tarCmd.Stderr = &tarErr
	importCmd.Stdout = &importOut
	importCmd.Stderr = &importOut
	if err := tarCmd.Start(); err != nil {
		return err
	}
	importErr := importCmd.Run()
	if err := tarCmd.Wait(); err != nil {
		return fmt.Errorf("tar -C %s: %w: %s", dir, err, tarErr.String())
	}
	if importErr != nil {
		return fmt.Errorf("docker import %s: %w: %s", ref, importErr, importOut.String())
	}
	return nil
}

func imageExists(ctx context.Context, ref string) bool {
	_, err := run(ctx, nil, "docker", "image", "inspect", "--format", "{{.Id}}", ref)
	return err == nil
}
