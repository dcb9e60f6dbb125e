// Package backend is the real-Kubernetes backend of the command layer: a
// shell.Backend whose clusters and mesh instance are local control planes
// (package controlplane: real etcd, kube-apiserver, controller-manager and
// scheduler, with kwok's nodes), reached with client-go.
//
// A Fleet owns the control planes of a process: it starts one when a
// scenario needs one more than it has idle, and each Backend (one per
// scenario) takes the planes it needs from it and hands them back reset
// when it is closed (namespaces, nodes, webhook configurations and custom
// objects the scenario created are deleted), so a run of many scenarios
// starts a few planes once. Fleet.Stop stops them all; each plane also
// stops on SIGINT and SIGTERM.
//
// The mesh instance is asm's code (asm.Instance) on a plane of its own:
// its namespaces are real namespaces there, and its asmmeshconfig is a
// real custom resource (asmmeshconfigs.istio.alibabacloud.com, object
// "default") with a structural schema, so a patch goes through the real
// API server's validation. An informer on the instance's namespaces
// pushes the edits other clients make (plain kubectl with the plane's
// kubeconfig) to the clusters, as the console does its own.
//
// Time is the wall clock: Advance(d) waits until every cluster has settled
// (no pod pending or changing, controllers caught up) or d has passed.
package backend
