// Command meshtwin-pause is the pod sandbox's process in the air-gapped
// kind node image (realk8s/kindnode), standing in for registry.k8s.io/pause,
// which cannot be pulled there. As the upstream pause container does, it
// holds the pod's namespaces open by doing nothing, reaps the children
// that a shared process namespace hands it as PID 1, and exits 0 on
// SIGINT or SIGTERM.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println("meshtwin-pause")
		return
	}
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
