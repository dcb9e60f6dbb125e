package shell_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

// TestKubectlGolden runs each testdata/kubectl/*.sh on a fresh simulator
// (seed 1), echoing each command and keeping going past failures, with
// standard output and errors interleaved as a terminal shows them, and
// compares with the .golden file next to it. Relative -f paths resolve in
// testdata/kubectl. `go test ./shell/ -run TestKubectlGolden -update`
// rewrites the golden files (the -update flag is golden_test.go's).
func TestKubectlGolden(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "kubectl")
	scripts, err := filepath.Glob(filepath.Join(dir, "*.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) == 0 {
		t.Fatal("no scripts in testdata/kubectl")
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".sh")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			text, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			got := runKubectlScript(t, dir, filepath.Base(script), string(text))
			golden := strings.TrimSuffix(script, ".sh") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(want) != got {
				_, diff := shell.MatchOutput(string(want), got)
				t.Errorf("%s differs from %s (run with -update if the change is intended):\n%s", script, golden, diff)
			}
		})
	}
}

// runKubectlScript runs a script as `sim run --echo --keep-going` does
// and returns what it printed, with its final status.
func runKubectlScript(t *testing.T, dir, name, text string) string {
	t.Helper()
	s := shell.NewSession(sim.New(sim.Options{Seed: 1}), shell.Options{Seed: 1, Dir: dir})
	var buf bytes.Buffer
	err := s.RunScript(context.Background(), text, shell.ScriptOptions{Echo: true, KeepGoing: true, Name: name}, &buf, &buf)
	if err != nil {
		buf.WriteString("# last failure: " + err.Error() + "\n")
	} else {
		buf.WriteString("# every command succeeded\n")
	}
	return buf.String()
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
	a := runKubectlScript(t, dir, "inject.sh", string(text))
	b := runKubectlScript(t, dir, "inject.sh", string(text))
	if a != b {
		_, diff := shell.MatchOutput(a, b)
		t.Errorf("two runs with seed 1 differ:\n%s", diff)
	}
}
