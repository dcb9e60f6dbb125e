package kindnode

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// raiseInotifyLimits raises each limit below its minimum, as root; as
// another user it says on progress what to raise instead of failing.
func raiseInotifyLimits(progress io.Writer) error {
	return raiseInotifyLimitsIn("/proc/sys/fs/inotify", os.Geteuid() == 0, progress)
}

func raiseInotifyLimitsIn(dir string, root bool, progress io.Writer) error {
	// The values kind's known-issues page asks for when several clusters
	// run on one host: each node's systemd and kubelet take inotify
	// instances, and with Linux's default of 128 per user a second or
	// third cluster's kubelet fails ("too many open files") and kubeadm
	// init with it (seen here: two kind clusters created at once).
	limits := []struct {
		file string
		min  int
	}{
		{"max_user_instances", 512},
		{"max_user_watches", 524288},
	}
	for _, l := range limits {
		path := filepath.Join(dir, l.file)
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read inotify limit: %w", err)
		}
		cur, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil {
			return fmt.Errorf("read inotify limit %s: %w", path, err)
		}
		if cur >= l.min {
			continue
		}
		if !root {
			_, _ = fmt.Fprintf(progress, "warning: fs.inotify.%s is %d; several kind clusters need %d (sysctl -w fs.inotify.%s=%d as root)\n", l.file, cur, l.min, l.file, l.min)
			continue
		}
		if err := os.WriteFile(path, []byte(strconv.Itoa(l.min)), 0o644); err != nil {
			return fmt.Errorf("raise fs.inotify.%s from %d to %d: %w", l.file, cur, l.min, err)
		}
		_, _ = fmt.Fprintf(progress, "raised fs.inotify.%s from %d to %d for kind's nodes\n", l.file, cur, l.min)
	}
	return nil
}
