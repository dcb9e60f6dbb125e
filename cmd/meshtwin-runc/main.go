// Command meshtwin-runc is an OCI runtime for Docker on hosts whose
// capability bounding set lacks CAP_SYS_RESOURCE (some sandboxes do). Such
// a host cannot run `docker run --privileged`, which kind always asks for:
// runc fails with "unable to apply caps: operation not permitted", since a
// privileged container is given every capability and a process cannot
// gain one outside its bounding set.
//
// The wrapper removes CAP_SYS_RESOURCE from the container's process
// (every capability set) in the bundle's config.json on `create` and
// `run`, and from the process spec given with `--process` on `exec`; then
// it runs the real runc with the same arguments. Everything else passes
// through unchanged. realk8s/kindnode builds it into the cache and
// registers it as Docker's default runtime in /etc/docker/daemon.json, only
// where the capability is missing.
//
// The real runc is $MESHTWIN_REAL_RUNC, else /usr/sbin/runc, /usr/bin/runc
// or runc on $PATH.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

func main() {
	args := os.Args[1:]
	if err := strip(args); err != nil {
		fmt.Fprintln(os.Stderr, "meshtwin-runc:", err)
		os.Exit(1)
	}
	runc, err := realRunc(os.Getenv("MESHTWIN_REAL_RUNC"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "meshtwin-runc:", err)
		os.Exit(1)
	}
	if err := syscall.Exec(runc, append([]string{runc}, args...), os.Environ()); err != nil {
		fmt.Fprintf(os.Stderr, "meshtwin-runc: exec %s: %v\n", runc, err)
		os.Exit(1)
	}
}

// strip edits the spec file the command line names, if any.
func strip(args []string) error {
	call := parse(args)
	switch call.command {
	case "create", "run":
		bundle := call.bundle
		if bundle == "" {
			bundle = "."
		}
		return stripFile(filepath.Join(bundle, "config.json"), true)
	case "exec":
		if call.process != "" {
			return stripFile(call.process, false)
		}
	}
	return nil
}

func realRunc(fromEnv string) (string, error) {
	self, _ := os.Executable()
	candidates := []string{fromEnv, "/usr/sbin/runc", "/usr/bin/runc"}
	if p, err := exec.LookPath("runc"); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		if c == "" || c == self {
			continue
		}
		if info, err := os.Stat(c); err == nil && !info.IsDir() {
			return c, nil
		}
	}
	return "", errors.New("no runc found (set MESHTWIN_REAL_RUNC, or install Debian's runc package)")
}
