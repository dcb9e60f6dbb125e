package script

import (
	"strings"
	"testing"
)

// FuzzParse feeds any text to the script lexer and parser: it never
// panics, and a script it accepts has commands on increasing lines
// within the text, each of which parses again, on its own, to the same
// stages.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"mesh create\ncluster create c1\n",
		"kubectl get pods | grep web\n",
		"! kubectl get ns 'a b' \"c\\\"d\" e\\ f\n",
		"kubectl apply -f - <<EOF\napiVersion: v1\nkind: Namespace\nEOF\n",
		"cat <<-END | grep x\n\tx\n\tEND\n",
		"a \\\n  b # comment\n# only\n\n",
		"a 'open\n", "a |\n", "a <<EOF\nno end\n", "a; b && c > d $(e) `f`\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		// Parse reads "\r\n" as "\n" once; a lone '\r' next to it would
		// make a second reading differ, which is no user's script.
		text = strings.ReplaceAll(text, "\r", "")
		cmds, err := Parse("fuzz", text)
		if err != nil {
			pe, ok := err.(*ParseError)
			if !ok {
				t.Fatalf("Parse error %T %v, want a *ParseError", err, err)
			}
			if pe.Line < 1 || pe.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("error on line %d of a %d-line text: %v", pe.Line, strings.Count(text, "\n")+1, err)
			}
			return
		}
		last := 0
		for _, c := range cmds {
			if c.Line <= last || c.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("command %q on line %d after line %d", c.Text, c.Line, last)
			}
			last = c.Line
			if len(c.Stages) == 0 {
				t.Fatalf("command %q without a stage", c.Text)
			}
			again, err := Parse("", c.Text)
			if err != nil || len(again) != 1 || !sameStages(again[0].Stages, c.Stages) {
				t.Fatalf("command %q parses on its own to %+v, %v; want %+v", c.Text, again, err, c.Stages)
			}
		}
	})
}

func sameStages(a, b []Stage) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i].Args, "\x00") != strings.Join(b[i].Args, "\x00") || (a[i].Heredoc == nil) != (b[i].Heredoc == nil) {
			return false
		}
		if a[i].Heredoc != nil && *a[i].Heredoc != *b[i].Heredoc {
			return false
		}
	}
	return true
}

// FuzzTranscript feeds any text to the transcript reader: it never
// panics; a transcript it reads keeps each command on its line in the
// script of its commands; and replaying each step with exactly its
// expected output and the exit status its mark asks for passes the check.
func FuzzTranscript(f *testing.F) {
	for _, s := range []string{
		"$ mesh create\nmesh created\n",
		"# c\n$ ! kubectl get ns x\nError from server (NotFound): namespaces \"x\" not found\n",
		"$ kubectl get pods\nNAME READY\nweb-* 2/2 ...\n",
		"$ a \\\n  b\nout\n$ c <<EOF\nx\nEOF\ny\n",
		"$\n", "oops\n$ a\n", "$ 'open\n", "  \n$ a\n  indented\n\n\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		steps, err := ParseTranscript(text)
		if err != nil {
			return
		}
		script, err := TranscriptScript(text)
		if err != nil {
			t.Fatalf("TranscriptScript fails on a transcript ParseTranscript read: %v", err)
		}
		cmds, err := Parse("t", script)
		if err != nil {
			t.Fatalf("the script of a transcript does not parse: %v\n%q", err, script)
		}
		// A bare `$` (or a `$ # comment`) is a step that runs nothing.
		var lines []int
		for _, st := range steps {
			if c, _ := Parse("", st.Command); len(c) > 0 {
				lines = append(lines, st.Line)
			}
		}
		if len(cmds) != len(lines) {
			t.Fatalf("%d commands in the script, %d steps with a command", len(cmds), len(lines))
		}
		for k := range cmds {
			// A command's line is its first word's: after a leading
			// `\` continuation, a later line of the same step.
			next := strings.Count(text, "\n") + 2
			if k+1 < len(lines) {
				next = lines[k+1]
			}
			if cmds[k].Line < lines[k] || cmds[k].Line >= next {
				t.Fatalf("step on line %d runs as line %d", lines[k], cmds[k].Line)
			}
		}
		// Check runs the steps in order, one call each: the k-th call
		// answers as the k-th step says, with its own output and the
		// exit status its mark asks for.
		k := 0
		ms := Check("t", text, func(command string) (string, int) {
			if k >= len(steps) {
				t.Fatalf("Check ran %q after the last step", command)
			}
			st := steps[k]
			k++
			cmd, fail := ExpectsFailure(st.Command)
			if cmd != command {
				t.Fatalf("Check ran %q for the step %q", command, st.Command)
			}
			if fail {
				return st.Expected, 1
			}
			return st.Expected, 0
		})
		if len(steps) > 0 && len(ms) > 0 {
			t.Fatalf("a step replayed with its own output fails:\n%s", ms[0])
		}
	})
}
