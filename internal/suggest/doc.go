// Package suggest finds the likely meant word for a mistyped one, for the
// "did you mean" hints of the shell's commands, kubectl and the sim CLI.
package suggest
