package script

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// RestOfLine, as the last word of an expected line, matches the rest of
// the actual line, whatever it is (nothing included).
const RestOfLine = "..."

// MatchOutput compares what a command printed with what was expected,
// line by line after trimming trailing spaces and trailing blank lines.
// In an expected line, a `*` token matches any run of non-space
// characters (so AGE, IP and hash columns can be written `*`; inside a
// longer token, `*` matches any, possibly empty, run), a last word `...`
// (RestOfLine) matches the rest of the line, and a run of spaces between
// tokens matches any run of spaces, so columns need not be aligned.
// Leading indentation must match. On a mismatch, diff is a unified diff
// from expected to actual.
func MatchOutput(expected, actual string) (ok bool, diff string) {
	exp, act := outputLines(expected), outputLines(actual)
	matchers := make([]*regexp.Regexp, len(exp))
	for i, l := range exp {
		matchers[i] = lineMatcher(l)
	}
	eq := func(i, j int) bool { return matchers[i].MatchString(act[j]) }
	if len(exp) == len(act) {
		same := true
		for i := range exp {
			if !eq(i, i) {
				same = false
				break
			}
		}
		if same {
			return true, ""
		}
	}
	return false, unifiedDiff(exp, act, eq)
}

// outputLines splits text into lines without trailing spaces, dropping
// the trailing blank lines.
func outputLines(s string) []string {
	s = escapeInvalidUTF8(strings.ReplaceAll(s, "\r\n", "\n"))
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// escapeInvalidUTF8 writes each byte that is not part of valid UTF-8 as
// `\xNN`, so that output with such bytes can be matched and shown in a
// diff (Go's regexps take UTF-8 only).
func escapeInvalidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// lineMatcher compiles an expected line into an anchored regexp.
func lineMatcher(line string) *regexp.Regexp {
	body := strings.TrimLeft(line, " \t")
	indent := line[:len(line)-len(body)]
	var b strings.Builder
	b.WriteString("^")
	b.WriteString(regexp.QuoteMeta(indent))
	// Words are separated by spaces and tabs only, as the `[ \t]+`
	// between them matches (a form feed is part of a word).
	toks := strings.FieldsFunc(body, func(r rune) bool { return r == ' ' || r == '\t' })
	for i, tok := range toks {
		if tok == RestOfLine && i == len(toks)-1 {
			if i == 0 {
				b.WriteString(`.*`)
			} else {
				b.WriteString(`(?:[ \t].*)?`)
			}
			break
		}
		if i > 0 {
			b.WriteString(`[ \t]+`)
		}
		if tok == "*" {
			b.WriteString(`\S+`)
			continue
		}
		parts := strings.Split(tok, "*")
		for k, p := range parts {
			if k > 0 {
				b.WriteString(`\S*`)
			}
			b.WriteString(regexp.QuoteMeta(p))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// diffOp is one line of an edit script.
type diffOp struct {
	kind byte // ' ' kept, '-' only expected, '+' only actual
	exp  int  // index in expected, for ' ' and '-'
	act  int  // index in actual, for ' ' and '+'
}

// maxDiffCells bounds the LCS table; beyond it, the diff replaces the
// whole text.
const maxDiffCells = 4_000_000

// unifiedDiff renders the shortest edit script from exp to act (by the
// longest common subsequence under eq) as a unified diff with three lines
// of context. Kept lines show the actual text.
func unifiedDiff(exp, act []string, eq func(i, j int) bool) string {
	ops := editScript(len(exp), len(act), eq)
	const context = 3
	var b strings.Builder
	b.WriteString("--- expected\n+++ actual\n")
	for start := 0; start < len(ops); {
		// Find the next change.
		first := start
		for first < len(ops) && ops[first].kind == ' ' {
			first++
		}
		if first == len(ops) {
			break
		}
		// Grow the hunk while changes are within 2*context of each other.
		lo := max(start, first-context)
		hi := first
		for k := first; k < len(ops); k++ {
			if ops[k].kind != ' ' {
				hi = k
			} else if k-hi > 2*context {
				break
			}
		}
		end := min(len(ops), hi+context+1)
		writeHunk(&b, ops[lo:end], exp, act)
		start = end
	}
	return b.String()
}

func writeHunk(b *strings.Builder, ops []diffOp, exp, act []string) {
	expStart, actStart, expN, actN := -1, -1, 0, 0
	for _, op := range ops {
		if op.kind != '+' {
			if expStart < 0 {
				expStart = op.exp
			}
			expN++
		}
		if op.kind != '-' {
			if actStart < 0 {
				actStart = op.act
			}
			actN++
		}
	}
	fmt.Fprintf(b, "@@ -%s +%s @@\n", hunkRange(expStart, expN, ops, true), hunkRange(actStart, actN, ops, false))
	for _, op := range ops {
		switch op.kind {
		case ' ':
			fmt.Fprintf(b, " %s\n", act[op.act])
		case '-':
			fmt.Fprintf(b, "-%s\n", exp[op.exp])
		case '+':
			fmt.Fprintf(b, "+%s\n", act[op.act])
		}
	}
}

// hunkRange renders "start,count" (1-based); an empty side names the line
// before the hunk, as diff -u does.
func hunkRange(start, n int, ops []diffOp, expSide bool) string {
	if n == 0 {
		// Position of the line before: derive from the first op's other
		// index bookkeeping.
		pos := 0
		if len(ops) > 0 {
			if expSide {
				pos = ops[0].exp
			} else {
				pos = ops[0].act
			}
		}
		return fmt.Sprintf("%d,0", pos)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// editScript computes an edit script from n expected lines to m actual
// lines. Every op carries both positions (for an insertion, exp is the
// next expected line; for a deletion, act is the next actual line).
func editScript(n, m int, eq func(i, j int) bool) []diffOp {
	if n*m > maxDiffCells {
		ops := make([]diffOp, 0, n+m)
		for i := 0; i < n; i++ {
			ops = append(ops, diffOp{kind: '-', exp: i})
		}
		for j := 0; j < m; j++ {
			ops = append(ops, diffOp{kind: '+', exp: n, act: j})
		}
		return ops
	}
	// lcs[i][j] is the LCS length of exp[i:] and act[j:].
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if eq(i, j) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && eq(i, j):
			ops = append(ops, diffOp{kind: ' ', exp: i, act: j})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, diffOp{kind: '+', exp: i, act: j})
			j++
		default:
			ops = append(ops, diffOp{kind: '-', exp: i, act: j})
			i++
		}
	}
	// Show deletions before insertions within a run of changes.
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		e := k
		for e < len(ops) && ops[e].kind != ' ' {
			e++
		}
		run := ops[k:e]
		sorted := make([]diffOp, 0, len(run))
		for _, op := range run {
			if op.kind == '-' {
				sorted = append(sorted, op)
			}
		}
		for _, op := range run {
			if op.kind == '+' {
				sorted = append(sorted, op)
			}
		}
		copy(run, sorted)
		k = e
	}
	return ops
}

// TranscriptStep is one command of a transcript and the output it must
// print.
type TranscriptStep struct {
	// Line is the 1-based line of the `$ command` line.
	Line int
	// Command is the command without its `$ ` prompt, continuation lines
	// and heredoc included.
	Command string
	// Expected is the output that follows the command, up to the next
	// `$ ` line.
	Expected string
}

// ParseTranscript reads a transcript: `$ command` lines (a trailing `\`
// or an open quote continues the command on the next line, and a heredoc's
// lines follow its command), each followed by the output it must print.
// Lines starting with `#` are comments, wherever they stand; before the
// first command, only blank lines and comments may appear.
//
// Like a script, a transcript is UTF-8 text of at most MaxCommands
// commands; one that is not is refused whole, naming the line.
func ParseTranscript(text string) ([]TranscriptStep, error) {
	if err := checkText("", text); err != nil {
		pe := err.(*ParseError)
		return nil, &transcriptError{line: pe.Line, msg: pe.Msg}
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var steps []TranscriptStep
	var expected []string
	flush := func() {
		if len(steps) > 0 {
			steps[len(steps)-1].Expected = strings.Join(outputLines(strings.Join(expected, "\n")), "\n")
		}
		expected = nil
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l != "$" && !strings.HasPrefix(l, "$ ") {
			if strings.HasPrefix(l, "#") {
				// A comment, anywhere: no command's output starts with '#'.
				continue
			}
			if len(steps) == 0 {
				if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
					return nil, &transcriptError{line: i + 1, msg: fmt.Sprintf("a transcript starts with a `$ command` line, got %q", l)}
				}
				continue
			}
			expected = append(expected, l)
			continue
		}
		flush()
		start := i
		if len(steps) == MaxCommands {
			return nil, &transcriptError{line: start + 1, msg: fmt.Sprintf("more than %d commands: a transcript may have at most %d; split it into several transcripts", MaxCommands, MaxCommands)}
		}
		cmd := strings.TrimPrefix(strings.TrimPrefix(l, "$"), " ")
		for {
			// Each line of a transcript ends with a newline: it is what
			// ends a command continued (`\`) onto an empty line.
			_, err := Parse("", cmd+"\n")
			var pe *ParseError
			if err == nil {
				break
			}
			if !errors.As(err, &pe) {
				return nil, &transcriptError{line: start + 1, msg: err.Error()}
			}
			if !pe.Incomplete || i+1 >= len(lines) {
				return nil, &transcriptError{line: start + pe.Line, msg: pe.Msg}
			}
			i++
			cmd += "\n" + lines[i]
		}
		steps = append(steps, TranscriptStep{Line: start + 1, Command: trimCommandText(cmd)})
	}
	flush()
	return steps, nil
}

// transcriptError is a transcript that cannot be read, at a line.
type transcriptError struct {
	line int
	msg  string
}

func (e *transcriptError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// Mismatch is a transcript step whose output or exit status differs from
// the expected.
type Mismatch struct {
	// Name names the transcript (a file name).
	Name string
	// Line is the line of the step's `$ command`; 0 when the problem is
	// the whole transcript (it has no command).
	Line    int
	Command string
	// Expected and Actual are the outputs compared; Diff is their
	// unified diff, followed by the exit statuses when they differ.
	Expected, Actual, Diff string
	// Status, when not empty, says how the exit status differs from what
	// the transcript claims.
	Status string
}

// String renders the mismatch as `name:line: $ command`, what is wrong
// with its exit status, and the diff.
func (m Mismatch) String() string {
	if m.Command == "" && m.Expected == "" && m.Actual == "" {
		// The transcript itself could not be read.
		if m.Line == 0 {
			return fmt.Sprintf("%s: %s", m.Name, m.Diff)
		}
		return fmt.Sprintf("%s:%d: %s", m.Name, m.Line, m.Diff)
	}
	cmd := m.Command
	if i := strings.IndexByte(cmd, '\n'); i >= 0 {
		cmd = cmd[:i] + " ..."
	}
	head := fmt.Sprintf("%s:%d: $ %s", m.Name, m.Line, cmd)
	if m.Status != "" {
		head += "\n" + m.Status
	}
	return head + "\n" + strings.TrimRight(m.Diff, "\n")
}

// ExpectsFailure reports whether a transcript command is marked with a
// leading `!` (expected to fail), and returns the command without it.
func ExpectsFailure(command string) (rest string, negated bool) {
	cmds, err := Parse("", command)
	if err != nil || len(cmds) != 1 || len(cmds[0].Stages) == 0 {
		return command, false
	}
	args := cmds[0].Stages[0].Args
	if len(args) < 2 || args[0] != "!" || !strings.HasPrefix(command, "!") {
		return command, false
	}
	return strings.TrimLeft(command[1:], " \t"), true
}

// Check runs a transcript's steps one by one with run, which returns what
// a command printed (standard output and errors together, as a terminal
// shows them) and its exit status, and returns every step that differs
// from the transcript: in its output, or in its exit status. A command
// must exit 0 unless it is written `$ ! command`, which must exit
// non-zero; run gets the command without its `!`. Pasting a failure's
// text as the expected output therefore does not make the failure pass.
// Every step runs, even after a mismatch. A transcript that cannot be
// read, or has no command, is one mismatch naming the line and the
// problem.
func Check(name, text string, run func(command string) (output string, status int)) []Mismatch {
	steps, err := ParseTranscript(text)
	if err != nil {
		m := Mismatch{Name: name, Diff: err.Error()}
		var te *transcriptError
		if errors.As(err, &te) {
			m.Line, m.Diff = te.line, te.msg
		}
		return []Mismatch{m}
	}
	if len(steps) == 0 {
		return []Mismatch{{Name: name, Diff: "no commands: a transcript's commands are lines that start with `$ `"}}
	}
	var out []Mismatch
	for _, st := range steps {
		command, expectFail := ExpectsFailure(st.Command)
		actual, status := run(command)
		ok, diff := MatchOutput(st.Expected, actual)
		statusText := ""
		switch {
		case status != 0 && !expectFail:
			statusText = fmt.Sprintf("exit status %d, but the command is not marked to fail (a command expected to fail is written `$ ! command`)", status)
			diff = withStatus(diff, "0", fmt.Sprint(status))
		case status == 0 && expectFail:
			statusText = "exit status 0, but the command is marked `!` (expected to fail)"
			diff = withStatus(diff, "non-zero", "0")
		}
		if ok && statusText == "" {
			continue
		}
		out = append(out, Mismatch{
			Name: name, Line: st.Line, Command: st.Command,
			Expected: st.Expected, Actual: actual, Diff: diff, Status: statusText,
		})
	}
	return out
}

// withStatus appends the exit statuses to a unified diff (which may be
// empty when only the status differs).
func withStatus(diff, want, got string) string {
	if diff == "" {
		diff = "--- expected\n+++ actual\n"
	}
	return diff + fmt.Sprintf("@@ exit status @@\n-%s\n+%s\n", want, got)
}

// IsTranscript reports whether text is a transcript rather than a plain
// script: its first line that is neither blank nor a comment starts with
// the `$ ` prompt.
func IsTranscript(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		return l == "$" || strings.HasPrefix(l, "$ ")
	}
	return false
}

// TranscriptScript turns a transcript into the script of its commands,
// dropping the expected output. Every command keeps its line number, so
// errors point into the transcript file.
func TranscriptScript(text string) (string, error) {
	steps, err := ParseTranscript(text)
	if err != nil {
		return "", err
	}
	lines := make([]string, strings.Count(text, "\n")+1)
	for _, st := range steps {
		for i, l := range strings.Split(st.Command, "\n") {
			lines[st.Line-1+i] = l
		}
	}
	return strings.Join(lines, "\n"), nil
}
