package kindnode

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
)

// RuntimeName is the name under which the runc wrapper is registered in
// /etc/docker/daemon.json.
const RuntimeName = "meshtwin-runc"

// DaemonConfig is Docker's daemon configuration file.
const DaemonConfig = "/etc/docker/daemon.json"

// capSysResource is CAP_SYS_RESOURCE's bit (linux/capability.h).
const capSysResource = 24

// EnsureEngine makes a Docker engine answer `docker info`, installing and
// starting it when needed (see the package documentation). progress gets
// one line per step taken; nil discards them.
func EnsureEngine(ctx context.Context, progress io.Writer) error {
	if progress == nil {
		progress = io.Discard
	}
	cache, err := cacheDir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return fmt.Errorf("docker engine: %w", err)
	}
	unlock, err := binaries.LockFile(filepath.Join(cache, ".engine.lock"))
	if err != nil {
		return fmt.Errorf("docker engine: %w", err)
	}
	defer unlock()

	if err := raiseInotifyLimits(progress); err != nil {
		return fmt.Errorf("docker engine: %w", err)
	}

	needWrapper, err := lacksCapSysResource()
	if err != nil {
		return fmt.Errorf("docker engine: %w", err)
	}
	if info, err := dockerInfo(ctx); err == nil {
		if needWrapper && info.DefaultRuntime != RuntimeName {
			return fmt.Errorf("docker engine: dockerd %s answers, but this host's capability bounding set lacks CAP_SYS_RESOURCE and its default runtime is %q, so `docker run --privileged` (kind's nodes) fails with \"unable to apply caps\"; stop that dockerd and call again (meshtwin then starts one with the %s runtime), or register cmd/meshtwin-runc as \"default-runtime\" in %s yourself", info.ServerVersion, info.DefaultRuntime, RuntimeName, DaemonConfig)
		}
		return nil
	}
	if os.Geteuid() != 0 {
		return errors.New("docker engine: `docker info` gets no answer and meshtwin can install and start Docker only as root; start a Docker engine (on Debian: apt-get install docker.io && dockerd &) or run as root")
	}
	if _, err := exec.LookPath("dockerd"); err != nil {
		fmt.Fprintln(progress, " • Installing Debian's docker.io with apt-get ...")
		if err := aptInstall(ctx, "docker.io"); err != nil {
			return fmt.Errorf("docker engine: %w", err)
		}
	}
	if needWrapper {
		wrapper := filepath.Join(cache, "bin", RuntimeName)
		fmt.Fprintf(progress, " • This host's capability bounding set lacks CAP_SYS_RESOURCE: registering %s as Docker's default runtime in %s\n", wrapper, DaemonConfig)
		if err := goBuildOwn(ctx, "cmd/meshtwin-runc", wrapper); err != nil {
			return fmt.Errorf("docker engine: build the runc wrapper: %w", err)
		}
		if err := registerRuntime(DaemonConfig, wrapper); err != nil {
			return fmt.Errorf("docker engine: %w", err)
		}
	}
	logPath := filepath.Join(cache, "dockerd.log")
	fmt.Fprintf(progress, " • Starting dockerd (log: %s) ...\n", logPath)
	if err := startDockerd(logPath); err != nil {
		return fmt.Errorf("docker engine: %w", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		info, err := dockerInfo(ctx)
		if err == nil {
			fmt.Fprintf(progress, " ✓ Docker %s answers (default runtime %s)\n", info.ServerVersion, info.DefaultRuntime)
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("docker engine: dockerd started but `docker info` still fails after 60 s (%v); see %s:\n%s", err, logPath, tail(logPath, 15))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

type engineInfo struct {
	ServerVersion  string
	DefaultRuntime string
}

func dockerInfo(ctx context.Context) (engineInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := run(ctx, nil, "docker", "info", "--format", "{{json .}}")
	if err != nil {
		return engineInfo{}, err
	}
	var info engineInfo
	if err := json.Unmarshal(out, &info); err != nil {
		return engineInfo{}, fmt.Errorf("docker info: %w", err)
	}
	if info.ServerVersion == "" {
		return engineInfo{}, errors.New("docker info: no server answers")
	}
	return info, nil
}

// lacksCapSysResource reads this process's capability bounding set.
func lacksCapSysResource() (bool, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false, fmt.Errorf("read the capability bounding set: %w", err)
	}
	return lacksCap(string(status), capSysResource)
}

func lacksCap(status string, bit uint) (bool, error) {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			set, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return false, fmt.Errorf("CapBnd %q: %w", strings.TrimSpace(v), err)
			}
			return set&(1<<bit) == 0, nil
		}
	}
	return false, errors.New("no CapBnd line in /proc/self/status")
}

// registerRuntime adds the wrapper to Docker's daemon configuration as the
// default runtime, keeping every other setting of the file.
func registerRuntime(path, wrapper string) error {
	conf := map[string]any{}
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &conf); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	conf = withRuntime(conf, wrapper)
	out, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o644)
}

func withRuntime(conf map[string]any, wrapper string) map[string]any {
	runtimes, _ := conf["runtimes"].(map[string]any)
	if runtimes == nil {
		runtimes = map[string]any{}
	}
	runtimes[RuntimeName] = map[string]any{"path": wrapper}
	conf["runtimes"] = runtimes
	conf["default-runtime"] = RuntimeName
	return conf
}

// startDockerd starts dockerd in its own session, so that it outlives the
// caller (the next test or run finds it answering).
func startDockerd(logPath string) error {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command("dockerd")
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start dockerd: %w", err)
	}
	return cmd.Process.Release()
}

// aptInstall installs Debian packages, updating the package lists first.
func aptInstall(ctx context.Context, pkgs ...string) error {
	env := []string{"DEBIAN_FRONTEND=noninteractive"}
	if _, err := run(ctx, env, "apt-get", "update"); err != nil {
		return err
	}
	args := append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)
	_, err := run(ctx, env, "apt-get", args...)
	return err
}

// goBuildOwn builds one of this module's commands (a path such as
// cmd/meshtwin-runc) to dest, statically.
func goBuildOwn(ctx context.Context, pkg, dest string) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	_, err := run(ctx, []string{"CGO_ENABLED=0"}, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", dest, modulePath+"/"+pkg)
	return err
}

const modulePath = "github.com/meshtwin/meshtwin"

// run runs a command; the error carries the command and the last lines of
// what it printed on standard error.
func run(ctx context.Context, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, lastLines(stderr.String(), 15))
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

func tail(path string, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return lastLines(string(raw), n)
}

func cacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("the user's cache directory: %w", err)
	}
	return filepath.Join(dir, "meshtwin", "kind"), nil
}
