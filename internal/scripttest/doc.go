// Package scripttest runs a meshtwin script in a test the way
// `sim run --echo --keep-going` runs it on a fresh simulator, so that the
// golden tests of the command layer's packages share one runner.
package scripttest
