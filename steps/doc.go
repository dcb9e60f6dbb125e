// Package steps is the godog vocabulary for meshtwin features: a team
// registers it in its own godog suite and writes scenarios in the words a
// user types (kubectl, istioctl, the mesh console) and the text they read
// back.
//
// Every step talks to the mesh only through shell.Session and the
// shell.Backend interface, so the same feature files run unchanged on
// every backend. Each scenario gets a fresh World (a new backend and a new
// session); nothing is shared between scenarios, which may run
// concurrently.
package steps
