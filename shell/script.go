package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// ScriptOptions configure RunScript.
type ScriptOptions struct {
	// Echo prints each command as `$ command` (as written, continuation
	// lines and heredoc included) before its output: the run's output is
	// then a transcript that `sim check` can replay.
	Echo bool
	// KeepGoing runs every command even after one failed; RunScript then
	// returns the last failure.
	KeepGoing bool
	// Name names the script in errors (`demo.sh:4: unterminated quote`);
	// empty means "script".
	Name string
}

// Exec runs one command line, which may be a pipeline (`a | b | grep X`)
// and may carry a heredoc. What the real tool prints on standard output
// goes to out, what it prints on standard error to errOut. A failure
// returns an *ExitError whose text was already written to errOut, once.
// stdin feeds the first stage of the pipeline (nil reads as empty).
func (s *Session) Exec(ctx context.Context, line string, stdin io.Reader, out, errOut io.Writer) error {
	cmds, err := parseScript("", line)
	if err != nil {
		return reportParseError(err, errOut)
	}
	for i, c := range cmds {
		in := stdin
		if i > 0 {
			in = nil
		}
		if err := s.runCommand(ctx, c, in, out, errOut); err != nil {
			return err
		}
	}
	return nil
}

// RunScript runs a scenario script: one command a line, `#` comments,
// blank lines, `\` continuations, shell quoting, pipelines and heredocs.
// The whole script is parsed before anything runs, so a syntax error runs
// nothing. The run stops at the first failing command (unless
// opts.KeepGoing) and returns an *ExitError naming that command's line.
func (s *Session) RunScript(ctx context.Context, script string, opts ScriptOptions, out, errOut io.Writer) error {
	name := opts.Name
	if name == "" {
		name = "script"
	}
	cmds, err := parseScript(name, script)
	if err != nil {
		return reportParseError(err, errOut)
	}
	var failed error
	tail := &lastByteWriter{w: out, last: '\n'}
	if opts.Echo {
		out = tail
	}
	for _, c := range cmds {
		if opts.Echo {
			// Output without a final newline (kubectl's jsonpath) must
			// not swallow the next prompt, or the transcript breaks.
			if tail.last != '\n' {
				fmt.Fprintln(out)
			}
			fmt.Fprintf(out, "$ %s\n", c.Text)
		}
		if err := s.runCommand(ctx, c, nil, out, errOut); err != nil {
			failed = err
			if !opts.KeepGoing || ctx.Err() != nil {
				return err
			}
		}
	}
	return failed
}

// reportParseError writes a syntax error and returns it as the exit
// status a shell gives one (2).
func reportParseError(err error, errOut io.Writer) error {
	fmt.Fprintln(errOut, err)
	line := 0
	var pe *ParseError
	if errors.As(err, &pe) {
		line = pe.Line
	}
	return &ExitError{Code: 2, Line: line, Err: err}
}

// runCommand runs one pipeline. Each stage's standard output feeds the
// next stage's standard input; standard error is never piped. As in a
// shell without pipefail, the pipeline's status is its last stage's.
func (s *Session) runCommand(ctx context.Context, c scriptCommand, stdin io.Reader, out, errOut io.Writer) error {
	if err := ctx.Err(); err != nil {
		fmt.Fprintf(errOut, "error: %v\n", err)
		return &ExitError{Code: 130, Line: c.Line, Err: err}
	}
	in := stdin
	if in == nil {
		in = strings.NewReader("")
	}
	stages := c.Stages
	// `! pipeline` expects the pipeline to fail, as in a POSIX shell: a
	// script can show an error and go on.
	negate := len(stages) > 0 && len(stages[0].Args) > 1 && stages[0].Args[0] == "!"
	if negate {
		first := stages[0]
		first.Args = first.Args[1:]
		stages = append([]scriptStage{first}, stages[1:]...)
	}
	var status error
	for i, st := range stages {
		if st.Heredoc != nil {
			in = strings.NewReader(*st.Heredoc)
		}
		var stageOut io.Writer = out
		var buf *bytes.Buffer
		if i < len(stages)-1 {
			buf = new(bytes.Buffer)
			stageOut = buf
		}
		status = s.dispatch(ctx, st.Args, in, stageOut, errOut)
		if buf != nil {
			in = buf
		}
	}
	if negate {
		if status != nil {
			return nil
		}
		err := errors.New("the command succeeded, but '!' expected it to fail")
		fmt.Fprintf(errOut, "error: %v\n", err)
		return &ExitError{Code: 1, Line: c.Line, Err: err}
	}
	if status == nil {
		return nil
	}
	e := &ExitError{Code: 1, Line: c.Line, Err: status}
	var ee *ExitError
	if errors.As(status, &ee) {
		e.Code, e.Err = ee.Code, ee.Err
	}
	return e
}

// grepOptions are the grep flags a scenario needs.
type grepOptions struct {
	invert, ignoreCase, extended, fixed, word, line, count, quiet bool
	patterns                                                      []string
	// before and after are the lines of context (-B, -A, -C).
	before, after int
}

// runGrep is `grep [-v] [-i] [-E] [-F] [-w] [-x] [-c] [-q] PATTERN`,
// reading its standard input (the previous stage of the pipe). As grep,
// it exits 1 when no line is selected and 2 on a usage error.
func runGrep(e *cmdEnv) error {
	fail := func(format string, args ...any) error {
		err := fmt.Errorf(format, args...)
		fmt.Fprintf(e.errOut, "grep: %v\n", err)
		return &ExitError{Code: 2, Err: err}
	}
	o, rest, err := parseGrepArgs(e.args)
	if err != nil {
		return fail("%v\nUsage: grep [-v] [-i] [-E] [-F] [-w] [-x] [-c] [-q] [-A N] [-B N] [-C N] PATTERN (see 'grep --help')", err)
	}
	if len(o.patterns) == 0 {
		if len(rest) == 0 {
			return fail("no PATTERN given\nUsage: grep [-v] [-i] [-E] [-F] [-w] [-x] [-c] [-q] [-A N] [-B N] [-C N] PATTERN (see 'grep --help')")
		}
		o.patterns, rest = rest[:1], rest[1:]
	}
	if len(rest) > 0 {
		return fail("%s: grep here reads only what is piped into it, not files", strings.Join(rest, " "))
	}
	re, err := grepRegexp(o)
	if err != nil {
		return fail("invalid pattern: %v", err)
	}
	data, err := io.ReadAll(e.stdin)
	if err != nil {
		return fail("read standard input: %v", err)
	}
	text := strings.TrimSuffix(string(data), "\n")
	var lines []string
	if text != "" || len(data) > 0 {
		lines = strings.Split(text, "\n")
	}
	var matched []int
	for i, l := range lines {
		if re.MatchString(l) != o.invert {
			matched = append(matched, i)
		}
	}
	selected := len(matched)
	if !o.count && !o.quiet {
		printGrepLines(e.out, lines, matched, o.before, o.after)
	}
	if o.count && !o.quiet {
		fmt.Fprintln(e.out, selected)
	}
	if selected == 0 {
		return &ExitError{Code: 1, Err: errors.New("grep: no line selected")}
	}
	return nil
}

// parseGrepArgs reads grep's flags wherever they appear (as GNU grep
// does) until "--"; the other arguments are returned in order.
func parseGrepArgs(args []string) (grepOptions, []string, error) {
	var o grepOptions
	var rest []string
	long := map[string]*bool{
		"invert-match": &o.invert, "ignore-case": &o.ignoreCase, "extended-regexp": &o.extended,
		"fixed-strings": &o.fixed, "word-regexp": &o.word, "line-regexp": &o.line,
		"count": &o.count, "quiet": &o.quiet, "silent": &o.quiet,
	}
	short := map[byte]*bool{
		'v': &o.invert, 'i': &o.ignoreCase, 'E': &o.extended, 'F': &o.fixed,
		'w': &o.word, 'x': &o.line, 'c': &o.count, 'q': &o.quiet,
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			return o, rest, nil
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			if name == "regexp" {
				if !hasVal {
					if i+1 >= len(args) {
						return o, nil, errors.New("option '--regexp' requires an argument")
					}
					i++
					val = args[i]
				}
				o.patterns = append(o.patterns, val)
				continue
			}
			if ctxp := grepContextLong(&o, name); ctxp != nil {
				if !hasVal {
					if i+1 >= len(args) {
						return o, nil, fmt.Errorf("option '--%s' requires an argument", name)
					}
					i++
					val = args[i]
				}
				if err := setGrepContext(ctxp, val); err != nil {
					return o, nil, err
				}
				continue
			}
			p, ok := long[name]
			if !ok || hasVal {
				return o, nil, fmt.Errorf("unrecognized option '%s'", a)
			}
			*p = true
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for j := 1; j < len(a); j++ {
				if a[j] == 'e' {
					val := a[j+1:]
					if val == "" {
						if i+1 >= len(args) {
							return o, nil, errors.New("option requires an argument -- 'e'")
						}
						i++
						val = args[i]
					}
					o.patterns = append(o.patterns, val)
					break
				}
				if a[j] == 'A' || a[j] == 'B' || a[j] == 'C' {
					val := a[j+1:]
					if val == "" {
						if i+1 >= len(args) {
							return o, nil, fmt.Errorf("option requires an argument -- '%c'", a[j])
						}
						i++
						val = args[i]
					}
					if err := setGrepContext(grepContextShort(&o, a[j]), val); err != nil {
						return o, nil, err
					}
					break
				}
				p, ok := short[a[j]]
				if !ok {
					return o, nil, fmt.Errorf("invalid option -- '%c'", a[j])
				}
				*p = true
			}
		default:
			rest = append(rest, a)
		}
	}
	return o, rest, nil
}

// grepContext names the context counts a flag sets: -A after, -B
// before, -C both.
type grepContext []*int

func grepContextShort(o *grepOptions, flag byte) grepContext {
	switch flag {
	case 'A':
		return grepContext{&o.after}
	case 'B':
		return grepContext{&o.before}
	}
	return grepContext{&o.before, &o.after}
}

func grepContextLong(o *grepOptions, name string) grepContext {
	switch name {
	case "after-context":
		return grepContextShort(o, 'A')
	case "before-context":
		return grepContextShort(o, 'B')
	case "context":
		return grepContextShort(o, 'C')
	}
	return nil
}

func setGrepContext(c grepContext, val string) error {
	n, err := strconv.Atoi(val)
	if err != nil || n < 0 {
		return fmt.Errorf("%s: invalid context length argument", val)
	}
	for _, p := range c {
		*p = n
	}
	return nil
}

// printGrepLines prints the matched lines with their context, a "--"
// line between groups that do not touch, as grep does.
func printGrepLines(w io.Writer, lines []string, matched []int, before, after int) {
	last := -1 // the last line printed
	for k, m := range matched {
		from := max(m-before, last+1, 0)
		if last >= 0 && from > last+1 && (before > 0 || after > 0) {
			fmt.Fprintln(w, "--")
		}
		to := m + after
		if k+1 < len(matched) && matched[k+1] <= to {
			to = matched[k+1] - 1
		}
		to = min(to, len(lines)-1)
		for i := from; i <= to; i++ {
			fmt.Fprintln(w, lines[i])
		}
		last = max(last, to)
	}
}

// grepRegexp compiles the patterns as grep reads them: basic regular
// expressions by default, extended with -E, plain strings with -F.
func grepRegexp(o grepOptions) (*regexp.Regexp, error) {
	alts := make([]string, len(o.patterns))
	for i, p := range o.patterns {
		switch {
		case o.fixed:
			alts[i] = regexp.QuoteMeta(p)
		case o.extended:
			alts[i] = strings.NewReplacer(`\<`, `\b`, `\>`, `\b`).Replace(p)
		default:
			alts[i] = basicToGoRegexp(p)
		}
	}
	expr := "(?:" + strings.Join(alts, ")|(?:") + ")"
	if o.word {
		expr = `\b(?:` + expr + `)\b`
	}
	if o.line {
		expr = `^(?:` + expr + `)$`
	}
	if o.ignoreCase {
		expr = "(?i)" + expr
	}
	return regexp.Compile(expr)
}

// basicToGoRegexp rewrites a POSIX basic regular expression for Go: in a
// BRE, + ? | ( ) { } are literal and their backslashed forms are the
// operators.
func basicToGoRegexp(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			n := p[i+1]
			i++
			switch n {
			case '|', '+', '?', '(', ')', '{', '}':
				b.WriteByte(n)
			case '<', '>':
				b.WriteString(`\b`)
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		case c == '[':
			// Copy a bracket expression; a ] right after [ or [^ is literal.
			j := i + 1
			if j < len(p) && p[j] == '^' {
				j++
			}
			if j < len(p) && p[j] == ']' {
				j++
			}
			for j < len(p) && p[j] != ']' {
				if p[j] == '[' && j+1 < len(p) && p[j+1] == ':' {
					if end := strings.Index(p[j+2:], ":]"); end >= 0 {
						j += end + 4
						continue
					}
				}
				j++
			}
			if j >= len(p) {
				b.WriteString(regexp.QuoteMeta(p[i:]))
				return b.String()
			}
			b.WriteString(strings.ReplaceAll(p[i:j+1], `\`, `\\`))
			i = j
		case c == '*' && i == 0:
			b.WriteString(`\*`)
		case strings.IndexByte("+?|(){}", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// lastByteWriter remembers the last byte written through it.
type lastByteWriter struct {
	w    io.Writer
	last byte
}

func (l *lastByteWriter) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	if n > 0 {
		l.last = p[n-1]
	}
	return n, err
}
