// Package binaries builds, caches and finds the programs the local control
// plane runs: etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and kwok, each compiled from Go sources at a pinned version.
//
// A build happens once per component and version, in a scratch module made
// in a temporary directory, and lands in the user's cache directory
// (os.UserCacheDir()/meshtwin/bin/<component>-<version>/). It needs only the
// go command and the module proxy. Builds by concurrent processes are
// serialized by a lock file next to the component's directory.
//
// Find looks, per binary, at an environment variable (MESHTWIN_ETCD,
// MESHTWIN_KUBE_APISERVER, ...), then at a shared directory
// (MESHTWIN_BIN_DIR), then at the cache, and names every missing binary at
// once. Ensure builds what is missing from the cache first.
package binaries
