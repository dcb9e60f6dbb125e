package shell_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/console and testdata/kubectl from the current output")

// TestConsoleGolden runs each testdata/console/*.sh on a fresh simulator
// with --echo and --keep-going, standard output and errors together as a
// terminal shows them, and compares with the .golden file next to it.
// `go test ./shell/ -run TestConsoleGolden -update` rewrites them.
func TestConsoleGolden(t *testing.T) {
	t.Parallel()
	checkGoldenScripts(t, filepath.Join("testdata", "console"))
}

// checkGoldenScripts runs each dir/*.sh, in a parallel subtest named after
// it, with runGolden (relative paths resolve in dir) and compares what it
// printed with the .golden file next to it. With -update it rewrites the
// .golden files instead.
func checkGoldenScripts(t *testing.T, dir string) {
	t.Helper()
	scripts, err := filepath.Glob(filepath.Join(dir, "*.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) == 0 {
		t.Fatal("no scripts in " + dir)
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".sh")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			text, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			got := runGolden(t, dir, filepath.Base(script), string(text))
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
				if diff == "" {
					diff = "(only spacing differs)"
				}
				t.Errorf("%s differs from %s (run with -update if the change is intended):\n%s", script, golden, diff)
			}
		})
	}
}

// runGolden runs a script the way `sim run --echo --keep-going` does, on a
// fresh simulator (seed 1) with relative paths resolving in dir, and
// returns what it printed, with its final status.
func runGolden(t *testing.T, dir, name, text string) string {
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

// TestTranscriptsCheck replays every golden output of a script that
// succeeded as a transcript: an echoed run is a transcript `sim check`
// accepts.
func TestTranscriptsCheck(t *testing.T) {
	t.Parallel()
	goldens, err := filepath.Glob(filepath.Join("testdata", "console", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, golden := range goldens {
		t.Run(filepath.Base(golden), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			// The status line is the harness's, not a command's output.
			if i := strings.LastIndex(text, "\n# "); i >= 0 {
				text = text[:i+1]
			}
			s := shell.NewSession(sim.New(sim.Options{Seed: 1}), shell.Options{Seed: 1, Dir: filepath.Join("testdata", "console")})
			for _, m := range s.CheckTranscript(context.Background(), golden, text) {
				t.Errorf("%s", m)
			}
		})
	}
}

// TestScriptStopsAtFailureOnSim checks, on the simulator, that a failing
// command stops the script: its line and exit code are returned and no
// later command changes anything.
func TestScriptStopsAtFailureOnSim(t *testing.T) {
	t.Parallel()
	b := sim.New(sim.Options{Seed: 1})
	s := shell.NewSession(b, shell.Options{Seed: 1})
	script := "mesh create\n# a bad name\nasm namespace create Demo\nasm namespace create later\n"
	var out, errOut bytes.Buffer
	err := s.RunScript(context.Background(), script, shell.ScriptOptions{Name: "stop.sh"}, &out, &errOut)
	var ee *shell.ExitError
	if !errors.As(err, &ee) || ee.Code != 1 || ee.Line != 3 {
		t.Fatalf("RunScript = %v, want exit code 1 at line 3", err)
	}
	if got := strings.Count(errOut.String(), "invalid namespace name"); got != 1 {
		t.Errorf("stderr = %q: the error must be written once", errOut.String())
	}
	var list bytes.Buffer
	if err := s.Exec(context.Background(), "asm namespace list", nil, &list, &list); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(list.String(), "later") {
		t.Errorf("a command after the failure ran:\n%s", list.String())
	}
	if got := s.CurrentContext(); got != "" {
		t.Errorf("current context = %q before any cluster joined, want empty", got)
	}
}
