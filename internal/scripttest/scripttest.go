package scripttest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

// Echo runs the script file path as `sim run --echo --keep-going` does, on
// a fresh simulator (seed 1) with relative paths resolving in the
// script's folder, and returns what it printed (standard output and
// errors together, as a terminal shows them) followed by a status line.
func Echo(t testing.TB, path string) string {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read script: %v", err)
	}
	s := shell.NewSession(sim.New(sim.Options{Seed: 1}), shell.Options{Seed: 1, Dir: filepath.Dir(path)})
	var buf bytes.Buffer
	err = s.RunScript(t.Context(), string(text), shell.ScriptOptions{Echo: true, KeepGoing: true, Name: filepath.Base(path)}, &buf, &buf)
	if err != nil {
		buf.WriteString("# last failure: " + err.Error() + "\n")
	} else {
		buf.WriteString("# every command succeeded\n")
	}
	return buf.String()
}
