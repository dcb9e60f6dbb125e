// Package kindcluster provisions kind clusters with kind's own Go
// library (sigs.k8s.io/kind/pkg/cluster, the docker provider): create
// one from a kindcfg configuration, reuse one left by an earlier run
// when asked to keep them, delete one, and clean up one left
// half-created (kind deletes the nodes of a creation that fails; a run
// killed meanwhile leaves them, and the next Ensure of that name finds
// a cluster whose API server or nodes do not answer and deletes it
// before creating it again).
//
// Nothing here pulls an image: the configuration names a node image
// built locally (package kindnode) and kind's default CNI is off.
// Kubeconfigs go to a file of the cache directory, never to the user's
// ~/.kube/config.
//
// CheckRuntime says, in a sentence a user can act on, why no container
// runtime answers; callers skip the kind tests with that reason.
package kindcluster
