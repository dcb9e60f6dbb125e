package kubectl_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/meshtwin/meshtwin/internal/golden"
	"github.com/meshtwin/meshtwin/internal/scripttest"
	"github.com/meshtwin/meshtwin/script"
)

// TestGolden runs each testdata/*.sh as `sim run --echo --keep-going`
// does, on a fresh simulator (seed 1), with standard output and errors
// interleaved as a terminal shows them, and compares with the .golden
// file next to it. Relative -f paths resolve in testdata.
// `go test ./kubectl -run TestGolden -update` rewrites the golden files.
func TestGolden(t *testing.T) {
	t.Parallel()
	golden.Each(t, filepath.Join("testdata", "*.sh"), func(t *testing.T, input string) string {
		return scripttest.Echo(t, input)
	})
}

// TestDeterministic runs one script twice: the same seed gives the same
// bytes (names, addresses, ages).
func TestDeterministic(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "inject.sh")
	a, b := scripttest.Echo(t, path), scripttest.Echo(t, path)
	_, diff := script.MatchOutput(a, b)
	assert.Equal(t, a, b, "two runs with seed 1 differ:\n%s", diff)
}
