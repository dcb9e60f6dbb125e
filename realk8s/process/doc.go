// Package process supervises one child program of a local control plane:
// it starts it in its own process group, polls its health URL while also
// waiting for it to exit (so a crash fails the start at once, not at a
// timeout), keeps the tail of what it printed for error messages, and stops
// it with SIGTERM to the whole group, then SIGKILL.
//
// A start that fails carries the program's command line and the last lines
// of its output (StartError); one that failed because a port was taken
// wraps ErrPortInUse, so the caller can pick another port and try again.
package process
