// Package registry is a read-only container registry (the Docker
// Registry HTTP API v2, as containerd pulls) that answers every
// repository and tag with one layer: cmd/meshtwin-workload, with sleep,
// sh, bash and pilot-agent linked to it. The image's configuration is
// the program as entrypoint, except where a repository's real image
// runs something else without a command (busybox: sh). The kind nodes'
// containerd uses it as the mirror of every registry (MirrorPatch), so
// a scenario's nginx, busybox or Istio proxyv2 "pulls" here: nothing
// leaves the machine, and imagePullPolicy Always works as on a cluster
// with a registry.
package registry
