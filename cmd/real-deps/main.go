// Command real-deps builds, once, the programs the local control plane
// runs (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
// kwok) from Go sources at their pinned versions, into the user's cache
// directory, and prints where each one is.
//
//	go run ./cmd/real-deps          # or: make real-deps
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: real-deps (no arguments); MESHTWIN_BIN_DIR or MESHTWIN_<BINARY> point at binaries built elsewhere")
		os.Exit(2)
	}
	set, err := binaries.Ensure(ctx, binaries.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "real-deps:", err)
		os.Exit(1)
	}
	for _, n := range binaries.Names() {
		fmt.Printf("%-24s %s\n", n, set.Path(n))
	}
}
