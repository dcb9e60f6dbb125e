package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshtwin/meshtwin/script"
)

// update is the -update flag of every test binary that uses this package.
// It is set once, when the test binary parses its flags, and only read.
var update = flag.Bool("update", false, "rewrite the .golden files from the current output")

// Each runs produce on every file matching pattern (a filepath.Glob), in
// a parallel subtest named after the file without its extension, and
// compares what it returns with the .golden file next to the input (the
// same name, extension .golden). A pattern that matches nothing fails, so
// a moved testdata folder cannot pass by running no case.
func Each(t *testing.T, pattern string, produce func(t *testing.T, input string) string) {
	t.Helper()
	inputs, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatalf("golden inputs %s: %v", pattern, err)
	}
	if len(inputs) == 0 {
		t.Fatalf("no golden inputs match %s", pattern)
	}
	for _, input := range inputs {
		base := strings.TrimSuffix(input, filepath.Ext(input))
		t.Run(filepath.Base(base), func(t *testing.T) {
			t.Parallel()
			Compare(t, base+".golden", produce(t, input))
		})
	}
}

// Compare checks got against the golden file at path, byte for byte; on a
// difference it fails with a unified diff from the file to got. With
// -update it writes got to path instead.
func Compare(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatalf("update golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if string(want) == got {
		return
	}
	_, diff := script.MatchOutput(string(want), got)
	if diff == "" {
		diff = "(only spacing differs)\n"
	}
	t.Errorf("output differs from %s (run the test with -update if the change is intended, then check every changed line against the real tool):\n%s", path, diff)
}
