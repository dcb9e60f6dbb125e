package script

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatchOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		expected, actual string
		ok               bool
	}{
		{"equal", "a\nb\n", "a\nb\n", true},
		{"trailing spaces", "a  \nb", "a\nb   \n", true},
		{"trailing blank lines", "a\n\n\n", "a\n", true},
		{"missing final newline", "a", "a\n", true},
		{"both empty", "", "", true},
		{"empty vs text", "", "a\n", false},
		{"inner blank line counts", "a\n\nb", "a\nb", false},
		{"star column", "nginx   2/2   Running   0   *", "nginx   2/2     Running   0          8m49s", true},
		{"star needs a token", "nginx   *", "nginx", false},
		{"star is one token only", "a * c", "a b x c", false},
		{"star in a token", "my-app-*   2/2", "my-app-6b7d8f9c4d-abc12   2/2", true},
		{"star in a token may be empty", "ab*", "ab", true},
		{"star in a token stops at spaces", "a*c", "a b c", false},
		{"whitespace runs", "NAME READY STATUS", "NAME    READY   STATUS", true},
		{"tabs and spaces", "a b", "a\t\tb", true},
		{"indentation matters", "  name: x", "name: x", false},
		{"indentation kept", "  name: *", "  name: nginx", true},
		{"regexp characters are literal", "a.b (x) [y] $z ^", "a.b (x) [y] $z ^", true},
		{"dot is not a wildcard", "a.b", "axb", false},
		{"line order", "a\nb", "b\na", false},
		{"unicode", "✔ No validation issues found when analyzing the mesh.", "✔ No validation issues found when analyzing the mesh.", true},
		{"crlf", "a\r\nb\r\n", "a\nb\n", true},
		{"invalid utf-8 (fuzz finding: a regexp panic)", "a \x80", "a \x80", true},
		{"invalid utf-8 bytes differ", "\x80", "\x81", false},
		{"rest of line", "Error from server ...", "Error from server (NotFound): pods \"x\" not found", true},
		{"rest of line may be empty", "a b ...", "a b", true},
		{"rest of line alone", "...", "anything at all", true},
		{"rest of line keeps the words before it", "Error from ...", "Warning: x", false},
		{"rest of line needs a word boundary", "ab ...", "abc d", false},
		{"dots inside a line are literal", "a ... c", "a x c", false},
		{"dots inside a word are literal", "wait...", "wait!!!", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, diff := MatchOutput(tt.expected, tt.actual)
			if ok != tt.ok {
				t.Errorf("MatchOutput(%q, %q) = %v, want %v\n%s", tt.expected, tt.actual, ok, tt.ok, diff)
			}
			if ok && diff != "" {
				t.Errorf("a match has a diff: %q", diff)
			}
			if !ok && !strings.HasPrefix(diff, "--- expected\n+++ actual\n@@ ") {
				t.Errorf("a mismatch needs a unified diff, got %q", diff)
			}
		})
	}
}

func TestMatchOutputDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		expected, actual string
		diff             string
	}{
		{
			name:     "one changed line, context shows actual",
			expected: "NAME  READY\nnginx  *\nweb  1/1\n",
			actual:   "NAME   READY\nnginx  2/2\nweb   2/2\n",
			diff:     "--- expected\n+++ actual\n@@ -1,3 +1,3 @@\n NAME   READY\n nginx  2/2\n-web  1/1\n+web   2/2\n",
		},
		{
			name:     "insertion into empty",
			expected: "",
			actual:   "a\nb\n",
			diff:     "--- expected\n+++ actual\n@@ -0,0 +1,2 @@\n+a\n+b\n",
		},
		{
			name:     "deletion",
			expected: "a\nb\nc\n",
			actual:   "a\nc\n",
			diff:     "--- expected\n+++ actual\n@@ -1,3 +1,2 @@\n a\n-b\n c\n",
		},
		{
			name:     "two hunks far apart",
			expected: "x\n1\n2\n3\n4\n5\n6\n7\n8\n9\ny\n",
			actual:   "X\n1\n2\n3\n4\n5\n6\n7\n8\n9\nY\n",
			diff: "--- expected\n+++ actual\n@@ -1,4 +1,4 @@\n-x\n+X\n 1\n 2\n 3\n" +
				"@@ -8,4 +8,4 @@\n 7\n 8\n 9\n-y\n+Y\n",
		},
		{
			name:     "close changes share a hunk",
			expected: "x\n1\n2\n3\ny\n",
			actual:   "X\n1\n2\n3\nY\n",
			diff:     "--- expected\n+++ actual\n@@ -1,5 +1,5 @@\n-x\n+X\n 1\n 2\n 3\n-y\n+Y\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, diff := MatchOutput(tt.expected, tt.actual)
			if ok {
				t.Fatal("want a mismatch")
			}
			if diff != tt.diff {
				t.Errorf("diff:\n%s\nwant:\n%s", diff, tt.diff)
			}
		})
	}
}

func TestParseTranscript(t *testing.T) {
	t.Parallel()
	text := `# A transcript: commands and what they print.

$ mesh create
mesh created: ASM 1.22.2.35 (profile asm)
$ kubectl get pods \
    -n demo
NAME    READY   STATUS    RESTARTS   AGE
nginx   2/2     Running   0          *

$ kubectl apply -f - <<EOF
apiVersion: v1
kind: Namespace
$ not a prompt inside a heredoc
EOF
namespace/x created
$ advance 1s
$
$ kubectl patch x --patch='{
  "a": 1}'
patched
`
	steps, err := ParseTranscript(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []TranscriptStep{
		{Line: 3, Command: "mesh create", Expected: "mesh created: ASM 1.22.2.35 (profile asm)"},
		{Line: 5, Command: "kubectl get pods \\\n    -n demo", Expected: "NAME    READY   STATUS    RESTARTS   AGE\nnginx   2/2     Running   0          *"},
		{Line: 10, Command: "kubectl apply -f - <<EOF\napiVersion: v1\nkind: Namespace\n$ not a prompt inside a heredoc\nEOF", Expected: "namespace/x created"},
		{Line: 16, Command: "advance 1s", Expected: ""},
		{Line: 17, Command: "", Expected: ""},
		{Line: 18, Command: "kubectl patch x --patch='{\n  \"a\": 1}'", Expected: "patched"},
	}
	if !reflect.DeepEqual(steps, want) {
		t.Errorf("ParseTranscript:\n got %#v\nwant %#v", steps, want)
	}
}

func TestParseTranscriptErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, text, want string }{
		{"text before the first command", "hello\n$ mesh create\n", "line 1: a transcript starts with a `$ command` line"},
		{"open heredoc", "$ advance 1s\n\n$ kubectl apply -f - <<EOF\nkind: Pod\n", "line 3: here-document is not terminated"},
		{"syntax error", "$ a && b\n", "line 1: '&' and '&&' are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseTranscript(tt.text)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("ParseTranscript error = %v, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	text := "$ echo a\na\n$ count\n2\n$ say x <<EOF\nx\nEOF\nx\n$ help\nHelp.\n"
	printed := map[string]string{
		"echo a":              "a\n",
		"count":               "1\n",
		"say x <<EOF\nx\nEOF": "x\n",
		"help":                "Help.\nMore.\n",
	}
	var ran []string
	ms := Check("t.txt", text, func(command string) (string, int) {
		ran = append(ran, command)
		return printed[command], 0
	})
	assert.Equal(t, []string{"echo a", "count", "say x <<EOF\nx\nEOF", "help"}, ran, "every step runs, in order, even after a mismatch")
	require.Len(t, ms, 2)
	assert.Equal(t, 3, ms[0].Line)
	assert.Equal(t, "1\n", ms[0].Actual)
	assert.Equal(t, "t.txt:3: $ count\n--- expected\n+++ actual\n@@ -1 +1 @@\n-2\n+1", ms[0].String())
	assert.Equal(t, 9, ms[1].Line)
	assert.Contains(t, ms[1].Diff, "+More.")
	assert.Equal(t, "t.txt:5: $ say x <<EOF ...", strings.SplitN(Mismatch{Name: "t.txt", Line: 5, Command: "say x <<EOF\nx\nEOF", Diff: "d"}.String(), "\n", 2)[0])

	bad := Check("bad.txt", "oops\n", func(string) (string, int) {
		t.Error("an unreadable transcript runs nothing")
		return "", 0
	})
	require.Len(t, bad, 1)
	assert.Equal(t, "bad.txt:1: a transcript starts with a `$ command` line, got \"oops\"", bad[0].String())
}

func TestCheckExitStatus(t *testing.T) {
	t.Parallel()
	// fail prints an error and exits 1; ok prints "fine" and exits 0.
	run := func(command string) (string, int) {
		if strings.HasPrefix(command, "fail") {
			return "Error: it failed\n", 1
		}
		return "fine\n", 0
	}
	tests := []struct {
		name, text string
		want       string // "" for a pass
	}{
		{"a failure pasted as output still fails", "$ fail\nError: it failed\n",
			"t.txt:1: $ fail\nexit status 1, but the command is not marked to fail (a command expected to fail is written `$ ! command`)\n--- expected\n+++ actual\n@@ exit status @@\n-0\n+1"},
		{"a marked failure passes", "$ ! fail\nError: it failed\n", ""},
		{"a marked command that succeeds fails", "$ ! ok\nfine\n",
			"t.txt:1: $ ! ok\nexit status 0, but the command is marked `!` (expected to fail)\n--- expected\n+++ actual\n@@ exit status @@\n-non-zero\n+0"},
		{"status and output both differ", "# c\n$ fail\nother\n",
			"t.txt:2: $ fail\nexit status 1, but the command is not marked to fail (a command expected to fail is written `$ ! command`)\n--- expected\n+++ actual\n@@ -1 +1 @@\n-other\n+Error: it failed\n@@ exit status @@\n-0\n+1"},
		{"a bang glued to a word is no mark", "$ !fail\nfine\n", ""},
		{"no commands", "# only a comment\n\n", "t.txt: no commands: a transcript's commands are lines that start with `$ `"},
		{"empty file", "", "t.txt: no commands: a transcript's commands are lines that start with `$ `"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ms := Check("t.txt", tt.text, run)
			if tt.want == "" {
				assert.Empty(t, ms)
				return
			}
			require.Len(t, ms, 1)
			assert.Equal(t, tt.want, ms[0].String())
		})
	}
}
