package script

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// lexed is a command as the tests describe it: its line, and each stage's
// words with "<<" and the heredoc body appended when it has one.
type lexed struct {
	line   int
	stages [][]string
}

func flatten(cmds []Command) []lexed {
	out := make([]lexed, 0, len(cmds))
	for _, c := range cmds {
		l := lexed{line: c.Line}
		for _, st := range c.Stages {
			words := append([]string(nil), st.Args...)
			if st.Heredoc != nil {
				words = append(words, "<<", *st.Heredoc)
			}
			l.stages = append(l.stages, words)
		}
		out = append(out, l)
	}
	return out
}

func one(line int, words ...string) lexed { return lexed{line: line, stages: [][]string{words}} }

func TestParseScript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []lexed
	}{
		{"empty", "", []lexed{}},
		{"blank lines and comments", "\n  \n# a comment\n   # indented\n", []lexed{}},
		{"words", "kubectl get pods -n demo", []lexed{one(1, "kubectl", "get", "pods", "-n", "demo")}},
		{"line numbers", "\n# c\nmesh create\n\ncluster create c1\n", []lexed{one(3, "mesh", "create"), one(5, "cluster", "create", "c1")}},
		{"single quotes are literal", `kubectl patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'`,
			[]lexed{one(1, "kubectl", "patch", "asmmeshconfig", "default", "--type=merge", `--patch={"spec":{"enableNativeSidecar":false}}`)}},
		{"single quotes keep backslashes and dollars", `grep 'a\b$c'`, []lexed{one(1, "grep", `a\b$c`)}},
		{"double quote escapes", `grep "say \"hi\" \\ \$x \n"`, []lexed{one(1, "grep", `say "hi" \ $x \n`)}},
		{"backslash outside quotes", `grep a\ b\|c`, []lexed{one(1, "grep", `a b|c`)}},
		{"empty quoted word", `kubectl label ns demo foo='' ""`, []lexed{one(1, "kubectl", "label", "ns", "demo", "foo=", "")}},
		{"adjacent quoting joins", `a'b'"c"d`, []lexed{one(1, "abcd")}},
		{"hash inside a word", "grep a#b # comment", []lexed{one(1, "grep", "a#b")}},
		{"quoted hash", `grep '#x' "#y"`, []lexed{one(1, "grep", "#x", "#y")}},
		{"continuation", "kubectl get pods \\\n  -n demo \\\n  -o wide\nadvance 1s", []lexed{one(1, "kubectl", "get", "pods", "-n", "demo", "-o", "wide"), one(4, "advance", "1s")}},
		{"continuation inside a word", "kube\\\nctl", []lexed{one(1, "kubectl")}},
		{"multi-line single quote", "kubectl x 'a\nb'\nadvance 1s", []lexed{one(1, "kubectl", "x", "a\nb"), one(3, "advance", "1s")}},
		{"crlf", "mesh create\r\nadvance 1s\r\n", []lexed{one(1, "mesh", "create"), one(2, "advance", "1s")}},
		{"pipeline", "kubectl get pods | grep nginx | grep -v Running",
			[]lexed{{1, [][]string{{"kubectl", "get", "pods"}, {"grep", "nginx"}, {"grep", "-v", "Running"}}}}},
		{"pipe without spaces", "a|b", []lexed{{1, [][]string{{"a"}, {"b"}}}}},
		{"quoted pipe", "grep 'a|b'", []lexed{one(1, "grep", "a|b")}},
		{"pipe at line end continues", "kubectl get pods |\n  grep x\nadvance 1s", []lexed{{1, [][]string{{"kubectl", "get", "pods"}, {"grep", "x"}}}, one(3, "advance", "1s")}},
		{"heredoc", "kubectl apply -f - <<EOF\napiVersion: v1\nkind: Namespace\nEOF\nadvance 1s\n",
			[]lexed{one(1, "kubectl", "apply", "-f", "-", "<<", "apiVersion: v1\nkind: Namespace\n"), one(5, "advance", "1s")}},
		{"heredoc quoted word keeps $ and backslashes", "kubectl apply -f - <<'EOF'\na: $x \\\nEOF\n",
			[]lexed{one(1, "kubectl", "apply", "-f", "-", "<<", "a: $x \\\n")}},
		{"heredoc double-quoted word and space", "kubectl apply -f - << \"END\"\nx\nEND", []lexed{one(1, "kubectl", "apply", "-f", "-", "<<", "x\n")}},
		{"heredoc strips tabs with <<-", "kubectl apply -f - <<-EOF\n\ta: 1\n\t  b: 2\n\tEOF\n", []lexed{one(1, "kubectl", "apply", "-f", "-", "<<", "a: 1\n  b: 2\n")}},
		{"heredoc keeps tabs with <<", "kubectl apply -f - <<EOF\n\ta\nEOF\n", []lexed{one(1, "kubectl", "apply", "-f", "-", "<<", "\ta\n")}},
		{"empty heredoc", "kubectl apply -f - <<EOF\nEOF\n", []lexed{one(1, "kubectl", "apply", "-f", "-", "<<", "")}},
		{"heredoc delimiter must be the whole line", "x <<EOF\n EOF\nEOF-not\nEOF\n", []lexed{one(1, "x", "<<", " EOF\nEOF-not\n")}},
		{"heredoc then pipe", "kubectl apply -f - <<EOF | grep created\nbody\nEOF\n",
			[]lexed{{1, [][]string{{"kubectl", "apply", "-f", "-", "<<", "body\n"}, {"grep", "created"}}}}},
		{"heredoc in a later stage", "a | b <<EOF\nx\nEOF\n", []lexed{{1, [][]string{{"a"}, {"b", "<<", "x\n"}}}}},
		{"two heredocs", "a <<A | b <<B\n1\nA\n2\nB\nc", []lexed{{1, [][]string{{"a", "<<", "1\n"}, {"b", "<<", "2\n"}}}, one(6, "c")}},
		{"comment hash in heredoc body is kept", "a <<EOF\n# not a comment\nEOF\n", []lexed{one(1, "a", "<<", "# not a comment\n")}},
		{"dollar without paren is literal", "grep $x", []lexed{one(1, "grep", "$x")}},
		{"utf-8", "grep ✔", []lexed{one(1, "grep", "✔")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmds, err := Parse("t.sh", tt.src)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.src, err)
			}
			if got := flatten(cmds); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.src, got, tt.want)
			}
		})
	}
}

func TestParseScriptText(t *testing.T) {
	t.Parallel()
	src := "# setup\n  kubectl apply -f - <<EOF  # manifest\nkind: Pod\nEOF\nkubectl get pods \\\n  -o wide\n"
	cmds, err := Parse("t.sh", src)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"kubectl apply -f - <<EOF  # manifest\nkind: Pod\nEOF",
		"kubectl get pods \\\n  -o wide",
	}
	if len(cmds) != len(want) {
		t.Fatalf("got %d commands, want %d", len(cmds), len(want))
	}
	for i, c := range cmds {
		if c.Text != want[i] {
			t.Errorf("command %d text = %q, want %q", i, c.Text, want[i])
		}
	}
}

func TestParseScriptErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		src        string
		want       string
		incomplete bool
	}{
		{"unterminated single quote names its line", "mesh create\n\nkubectl x\nkubectl patch --patch='{\nadvance 1s\n", "t.sh:4: unterminated quote", true},
		{"unterminated double quote", "grep \"abc", "t.sh:1: unterminated quote", true},
		{"unterminated heredoc", "mesh create\nkubectl apply -f - <<EOF\nkind: Pod\n", "t.sh:2: here-document is not terminated: no line \"EOF\" closes it", true},
		{"heredoc at end of script", "kubectl apply -f - <<EOF", "t.sh:1: here-document is not terminated", true},
		{"trailing backslash", "kubectl get \\", "t.sh:1: unexpected end of script after '\\'", true},
		{"trailing backslash on the last line", "mesh create\nkubectl get \\\n", "t.sh:2: unexpected end of script after '\\': the last line goes on to a next line, and there is none", true},
		{"trailing pipe", "kubectl get pods |", "t.sh:1: unexpected end of script after '|'", true},
		{"pipe first", "| grep x", "t.sh:1: syntax error near unexpected token '|'", false},
		{"empty stage", "a | | b", "t.sh:1: syntax error near unexpected token '|'", false},
		{"or", "a || b", "t.sh:1: '||' is not supported", false},
		{"and", "a && b", "t.sh:1: '&' and '&&' are not supported", false},
		{"semicolon", "a; b", "t.sh:1: ';' is not supported", false},
		{"redirect out", "\na > f", "t.sh:2: output redirection", false},
		{"redirect in", "a < f", "t.sh:1: input redirection (<) is not supported", false},
		{"here-string", "a <<< x", "t.sh:1: here-strings", false},
		{"heredoc without word", "a <<\n", "t.sh:1: a heredoc (<<) needs a closing word", false},
		{"command substitution", "a $(b)", "t.sh:1: command substitution ($(...))", false},
		{"backticks", "a `b`", "t.sh:1: command substitution (`...`)", false},
		{"substitution in double quotes", `a "$(b)"`, "t.sh:1: command substitution", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("t.sh", tt.src)
			if err == nil {
				t.Fatalf("Parse(%q): no error, want %q", tt.src, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %q, want prefix %q", tt.src, err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			if pe.Incomplete != tt.incomplete {
				t.Errorf("Incomplete = %v, want %v", pe.Incomplete, tt.incomplete)
			}
		})
	}
}

func TestParseErrorWithoutName(t *testing.T) {
	t.Parallel()
	_, err := Parse("", "grep 'x")
	if got, want := err.Error(), "syntax error: unterminated quote: the ' opened on this line is never closed"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	_, err = Parse("", "a\nb 'x")
	if got, want := err.Error(), "syntax error on line 2: unterminated quote: the ' opened on this line is never closed"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}
