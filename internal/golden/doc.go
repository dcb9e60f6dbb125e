// Package golden is the one golden-file helper of meshtwin's tests: it
// compares what a test produced with a .golden file next to its input,
// shows a unified diff when they differ, and rewrites the file when the
// tests run with -update (each changed line is then a claim to check
// against the real tool, never to accept blindly).
package golden
