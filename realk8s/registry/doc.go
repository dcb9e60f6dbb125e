// Package registry is a read-only container registry (the Docker
// Registry HTTP API v2, as containerd pulls) that answers every
// repository and tag with one image: a single layer holding
// cmd/meshtwin-workload, with sleep, sh, bash and pilot-agent linked to
// it. The kind nodes' containerd uses it as the mirror of every
// registry (MirrorPatch), so a scenario's nginx, perl or Istio proxyv2
// "pulls" here: nothing leaves the machine, and imagePullPolicy Always
// works as on a cluster with a registry.
package registry
