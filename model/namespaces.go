package model

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// IstioSystemNamespace is where istiod and its webhook configuration live.
const IstioSystemNamespace = "istio-system"

// SystemNamespaces are the namespaces Kubernetes itself creates besides
// "default": kube-system, kube-public and kube-node-lease. Sync leaves
// them alone in both directions.
func SystemNamespaces() []string {
	return []string{metav1.NamespaceSystem, metav1.NamespacePublic, corev1.NamespaceNodeLease}
}

// IsSystemNamespace reports whether ns is one of SystemNamespaces.
func IsSystemNamespace(ns string) bool { return slices.Contains(SystemNamespaces(), ns) }

// BuiltinNamespaces are the namespaces every cluster starts with:
// "default" and the SystemNamespaces.
func BuiltinNamespaces() []string {
	return append([]string{corev1.NamespaceDefault}, SystemNamespaces()...)
}

// IgnoredNamespaces are the namespaces whose pods are never injected: the
// SystemNamespaces and local-path-storage, sorted.
func IgnoredNamespaces() []string {
	return slices.Sorted(slices.Values(append(SystemNamespaces(), "local-path-storage")))
}

// IsIgnoredNamespace reports whether ns is one of IgnoredNamespaces.
func IsIgnoredNamespace(ns string) bool { return slices.Contains(IgnoredNamespaces(), ns) }

// IsProtectedNamespace reports whether the API server refuses to delete
// ns: default, kube-system and kube-public, as in Kubernetes.
func IsProtectedNamespace(ns string) bool {
	switch ns {
	case corev1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic:
		return true
	}
	return false
}
