// Package controlplane starts and stops one local Kubernetes control plane
// made of real programs built from Go sources (see package binaries): etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, and kwok for
// nodes without kubelets, whose pods kwok takes to Running and Ready.
//
// Each plane lives in its own temporary directory (certificates generated
// at start, etcd's data, logs, kubeconfig) that Stop removes, listens on
// loopback ports picked at start (a start that loses a port to another
// program retries on new ones), and runs its programs as children of this
// process in their own process groups: Stop, a failed Start, and SIGINT or
// SIGTERM to this process all stop them. A plane is ready when it is
// usable: /readyz answers, and the default namespace and its default
// ServiceAccount exist (without the latter the API server refuses pods).
//
// Plan describes what Start will run, and Print prints it with <WORKDIR>
// and <..._PORT> placeholders, as kwokctl --dry-run does.
package controlplane
