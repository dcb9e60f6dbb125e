package script

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// grepOptions are the grep flags a scenario needs.
type grepOptions struct {
	invert, ignoreCase, extended, fixed, word, line, count, quiet bool
	patterns                                                      []string
	// before and after are the lines of context (-B, -A, -C).
	before, after int
}

// Grep is `grep [-v] [-i] [-E] [-F] [-w] [-x] [-c] [-q] PATTERN`
// (args excludes the word "grep"), reading stdin (the previous stage of
// the pipe). As grep, it exits 1 when no line is selected and 2 on a
// usage error, whose message it writes to errOut; the error it returns is
// then an *ExitError.
func Grep(args []string, stdin io.Reader, out, errOut io.Writer) error {
	fail := func(format string, args ...any) error {
		err := fmt.Errorf(format, args...)
		fmt.Fprintf(errOut, "grep: %v\n", err)
		return &ExitError{Code: 2, Err: err}
	}
	o, rest, err := parseGrepArgs(args)
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
	data, err := io.ReadAll(stdin)
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
		printGrepLines(out, lines, matched, o.before, o.after)
	}
	if o.count && !o.quiet {
		fmt.Fprintln(out, selected)
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
