// Command kind-image makes kind runnable without an image registry: it
// ensures a Docker engine (installing Debian's docker.io and starting
// dockerd when none answers) and builds, once, a kind node image for the
// pinned Kubernetes version from Debian packages and Go sources, then
// prints the image's reference, for a kind configuration's `image:`.
//
//	go run ./cmd/kind-image          # or: make kind-image
//	go run ./cmd/kind-image -engine  # the engine only
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/meshtwin/meshtwin/realk8s/kindnode"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	engineOnly := flag.Bool("engine", false, "ensure the Docker engine only")
	version := flag.String("kubernetes-version", "", "the node's Kubernetes version (default: the pinned one)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: kind-image [-engine] [-kubernetes-version vX.Y.Z]")
		os.Exit(2)
	}
	if err := kindnode.EnsureEngine(ctx, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kind-image:", err)
		os.Exit(1)
	}
	if *engineOnly {
		return
	}
	ref, err := kindnode.EnsureImage(ctx, kindnode.ImageOptions{KubernetesVersion: *version, Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "kind-image:", err)
		os.Exit(1)
	}
	fmt.Println(ref)
}
