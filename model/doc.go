// Package model holds the rules of a managed service mesh's namespace and
// sidecar-injection control, as pure functions: name, label and version
// validation, the injection decision and the injected pod, native versus
// traditional sidecar mode, ECI scheduling, kubectl's pod status columns,
// the pod lifecycle on a virtual clock, sync plans and homing, and the
// diagnostics built on them.
//
// Nothing here talks to a client, reads a clock or draws a random number:
// callers pass in the objects, the time and the seed. Backends carry out
// what this package decides.
package model
