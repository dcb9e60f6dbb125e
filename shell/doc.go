// Package shell is the command layer shared by the sim CLI and the
// feature steps: it parses a command line or a whole scenario script in
// the words users already know (kubectl, the mesh console, istioctl) and
// runs it against a Backend, printing what the real tools would print.
package shell
