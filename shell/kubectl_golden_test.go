package shell_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/meshtwin/meshtwin/shell"
)

// TestKubectlGolden runs each testdata/kubectl/*.sh on a fresh simulator
// (seed 1), echoing each command and keeping going past failures, with
// standard output and errors interleaved as a terminal shows them, and
// compares with the .golden file next to it. Relative -f paths resolve in
// testdata/kubectl. `go test ./shell/ -run TestKubectlGolden -update`
// rewrites the golden files (the -update flag is golden_test.go's).
func TestKubectlGolden(t *testing.T) {
	t.Parallel()
	checkGoldenScripts(t, filepath.Join("testdata", "kubectl"))
}

// TestKubectlDeterministic runs one script twice: the same seed gives the
// same bytes (names, addresses, ages).
func TestKubectlDeterministic(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "kubectl")
	text, err := os.ReadFile(filepath.Join(dir, "inject.sh"))
	if err != nil {
		t.Fatal(err)
	}
	a := runGolden(t, dir, "inject.sh", string(text))
	b := runGolden(t, dir, "inject.sh", string(text))
	if a != b {
		_, diff := shell.MatchOutput(a, b)
		t.Errorf("two runs with seed 1 differ:\n%s", diff)
	}
}
