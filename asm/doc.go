// Package asm is the mesh instance of a managed service mesh: its global
// namespaces (console operations, B01–B06), homing clusters (B24–B26), sync
// between the instance and its data-plane clusters (B22–B28) and its
// asmmeshconfig (B31).
//
// An Instance is written against client-go's kubernetes.Interface, so the
// in-memory simulator (fake clientsets) and a backend of real API servers
// both reuse it. The instance's namespaces live in its control-plane
// clientset, their homing clusters in the model.AnnotationHoming annotation;
// the member clusters and the mesh config are held by the Instance itself.
// What a sync does is decided by the pure planners in package model; this
// package reads the states, plans, validates the whole plan and only then
// writes.
//
// An Instance never modifies an object it read: it changes and writes
// copies, and what it returns is its caller's own. So its clients may
// answer its reads with shared objects instead of copies, as the
// simulator's do (TestInstanceDoesNotModifyWhatItReads keeps it so),
// and may offer a SharedNamespaceReader to read without a list's copies.
package asm
