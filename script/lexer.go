package script

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxCommands is the most commands a script may have. A longer one is
// refused before anything runs, as soon as the lexer counts past it: a
// runaway generated script fails in well under a second instead of
// running for minutes and holding its whole parse in memory. At the
// simulator's 22 ms per 1,000 commands, a script at the limit runs in
// seconds; a larger scenario is split into several scripts.
const MaxCommands = 100_000

// ParseError is a script that cannot be split into commands: an open
// quote, a heredoc without its closing word, shell syntax this shell does
// not run. It names the script and the 1-based line.
type ParseError struct {
	// Name is the script's name as given to Parse; empty for
	// a single command line run by Exec.
	Name string
	// Line is where the problem starts (the line of an unclosed quote, of
	// an unterminated heredoc's command).
	Line int
	// Msg says what is wrong, in a shell's words.
	Msg string
	// Incomplete is true when more text could complete the script (open
	// quote, trailing backslash or pipe, heredoc still open): a
	// transcript reader uses it to take in the next line.
	Incomplete bool
}

func (e *ParseError) Error() string {
	if e.Name == "" {
		if e.Line > 1 {
			return fmt.Sprintf("syntax error on line %d: %s", e.Line, e.Msg)
		}
		return "syntax error: " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg)
}

// Command is one command of a script: a pipeline of one or more
// stages, where it starts and how it was written.
type Command struct {
	// Line is the 1-based line of the command's first word.
	Line int
	// Text is the command as written, from its first word to the end of
	// its last line: continuation lines and heredoc bodies included.
	Text   string
	Stages []Stage
}

// Stage is one command of a pipeline.
type Stage struct {
	Args []string
	// Heredoc is the body of a `<<WORD` on this stage: it replaces the
	// stage's standard input. Nil when the stage has none.
	Heredoc *string
}

// pendingHeredoc is a `<<WORD` whose body starts after the current line.
type pendingHeredoc struct {
	stage     int
	delim     string
	stripTabs bool
	line      int
}

// lexer splits a script into commands. It follows the POSIX shell where
// scripts of this kind need it (quoting, escapes, comments, continuations,
// pipelines, heredocs) and refuses, with a clear message, the syntax it
// does not run (redirections, `;`, `&&`, command substitution).
type lexer struct {
	name string
	src  string
	pos  int
	line int

	cmds []Command

	// the command being read
	started   bool
	startLine int
	startPos  int
	stages    []Stage
	args      []string
	word      strings.Builder
	inWord    bool
	afterPipe bool
	heredocs  []pendingHeredoc
	// bodies holds heredoc bodies read so far, by stage index.
	bodies map[int]string
}

// Parse splits a script into commands; name is used in errors. It
// parses everything before anything runs, so a syntax error runs nothing.
func Parse(name, text string) ([]Command, error) {
	if err := checkText(name, text); err != nil {
		return nil, err
	}
	lx := &lexer{name: name, src: strings.ReplaceAll(text, "\r\n", "\n"), line: 1}
	if err := lx.run(); err != nil {
		return nil, err
	}
	return lx.cmds, nil
}

// checkText refuses what is not text: bytes that are not UTF-8, and
// control characters other than tab, newline and carriage return (a NUL
// from a binary file pasted or redirected in). It names the first one's
// line and column (in bytes, 1-based), so nothing of such a file runs.
func checkText(name, text string) error {
	line, col := 1, 1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return &ParseError{Name: name, Line: line, Msg: fmt.Sprintf("column %d: byte 0x%02x is not UTF-8: scripts and transcripts are UTF-8 text", col, text[i])}
		case r == '\n':
			line, col = line+1, 0
		case r < 0x20 && r != '\t' && r != '\r', r == 0x7f:
			return &ParseError{Name: name, Line: line, Msg: fmt.Sprintf("column %d: control character 0x%02x: scripts and transcripts are text, not binary data", col, r)}
		}
		i += size
		col += size
	}
	return nil
}

func (lx *lexer) errorf(line int, format string, args ...any) *ParseError {
	// A heredoc read to the end of a text without a final newline leaves
	// the line count one past the last line.
	line = min(line, strings.Count(lx.src, "\n")+1)
	return &ParseError{Name: lx.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (lx *lexer) incompletef(line int, format string, args ...any) *ParseError {
	e := lx.errorf(line, format, args...)
	e.Incomplete = true
	return e
}

// begin marks the start of a command at the current position.
func (lx *lexer) begin() {
	if !lx.started {
		lx.started = true
		lx.startLine = lx.line
		lx.startPos = lx.pos
	}
}

func (lx *lexer) addByte(c byte) {
	lx.begin()
	lx.word.WriteByte(c)
	lx.inWord = true
}

func (lx *lexer) addString(s string) {
	lx.begin()
	lx.word.WriteString(s)
	lx.inWord = true
}

func (lx *lexer) endWord() {
	if lx.inWord {
		lx.args = append(lx.args, lx.word.String())
		lx.afterPipe = false
	}
	lx.word.Reset()
	lx.inWord = false
}

func (lx *lexer) run() error {
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == '\n':
			if err := lx.newline(); err != nil {
				return err
			}
		case c == ' ' || c == '\t' || c == '\r':
			lx.endWord()
			lx.pos++
		case c == '#' && !lx.inWord:
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' {
				lx.pos++
			}
		case c == '\\':
			if err := lx.backslash(); err != nil {
				return err
			}
		case c == '\'':
			if err := lx.singleQuote(); err != nil {
				return err
			}
		case c == '"':
			if err := lx.doubleQuote(); err != nil {
				return err
			}
		case c == '|':
			if err := lx.pipe(); err != nil {
				return err
			}
		case c == '<':
			if err := lx.heredocOperator(); err != nil {
				return err
			}
		case c == '>':
			return lx.errorf(lx.line, "output redirection (>) is not supported: commands print to the terminal")
		case c == ';':
			return lx.errorf(lx.line, "';' is not supported: write one command per line")
		case c == '&':
			return lx.errorf(lx.line, "'&' and '&&' are not supported: write one command per line (a script stops at the first failing command)")
		case c == '`':
			return lx.errorf(lx.line, "command substitution (`...`) is not supported")
		case c == '$' && lx.peek(1) == '(':
			return lx.errorf(lx.line, "command substitution ($(...)) is not supported")
		default:
			lx.addByte(c)
			lx.pos++
		}
	}
	return lx.finish(true)
}

func (lx *lexer) peek(n int) byte {
	if lx.pos+n < len(lx.src) {
		return lx.src[lx.pos+n]
	}
	return 0
}

func (lx *lexer) backslash() error {
	switch {
	case lx.pos+1 >= len(lx.src):
		lx.begin()
		return lx.incompletef(lx.line, "unexpected end of script after '\\'")
	case lx.src[lx.pos+1] == '\n' && lx.pos+2 >= len(lx.src):
		// A continuation on the last line: a line was lost, most likely.
		lx.begin()
		return lx.incompletef(lx.line, "unexpected end of script after '\\': the last line goes on to a next line, and there is none")
	case lx.src[lx.pos+1] == '\n':
		// A continuation: both characters vanish, the word goes on.
		lx.pos += 2
		lx.line++
	default:
		lx.addByte(lx.src[lx.pos+1])
		lx.pos += 2
	}
	return nil
}

func (lx *lexer) singleQuote() error {
	lx.begin()
	open := lx.line
	end := strings.IndexByte(lx.src[lx.pos+1:], '\'')
	if end < 0 {
		return lx.incompletef(open, "unterminated quote: the ' opened on this line is never closed")
	}
	body := lx.src[lx.pos+1 : lx.pos+1+end]
	lx.addString(body)
	lx.line += strings.Count(body, "\n")
	lx.pos += end + 2
	return nil
}

func (lx *lexer) doubleQuote() error {
	lx.begin()
	open := lx.line
	lx.inWord = true
	i := lx.pos + 1
	for i < len(lx.src) {
		c := lx.src[i]
		switch c {
		case '"':
			lx.pos = i + 1
			return nil
		case '\\':
			if i+1 >= len(lx.src) {
				i++
				continue
			}
			switch n := lx.src[i+1]; n {
			case '"', '\\', '$', '`':
				lx.word.WriteByte(n)
			case '\n':
				lx.line++
			default:
				lx.word.WriteByte('\\')
				lx.word.WriteByte(n)
			}
			i += 2
		case '`':
			return lx.errorf(lx.line, "command substitution (`...`) is not supported")
		case '$':
			if i+1 < len(lx.src) && lx.src[i+1] == '(' {
				return lx.errorf(lx.line, "command substitution ($(...)) is not supported")
			}
			lx.word.WriteByte(c)
			i++
		case '\n':
			lx.line++
			lx.word.WriteByte(c)
			i++
		default:
			lx.word.WriteByte(c)
			i++
		}
	}
	return lx.incompletef(open, "unterminated quote: the \" opened on this line is never closed")
}

func (lx *lexer) pipe() error {
	lx.begin()
	lx.endWord()
	if lx.peek(1) == '|' {
		return lx.errorf(lx.line, "'||' is not supported: write one command per line")
	}
	if len(lx.args) == 0 {
		return lx.errorf(lx.line, "syntax error near unexpected token '|': a pipe needs a command on its left")
	}
	lx.stages = append(lx.stages, Stage{Args: lx.args})
	lx.args = nil
	lx.afterPipe = true
	lx.pos++
	return nil
}

// heredocOperator reads `<<WORD`, `<<-WORD`, `<<'WORD'` and `<<"WORD"`.
func (lx *lexer) heredocOperator() error {
	if lx.peek(1) != '<' {
		return lx.errorf(lx.line, "input redirection (<) is not supported: use -f FILE, or -f - with a heredoc (<<EOF)")
	}
	if lx.peek(2) == '<' {
		return lx.errorf(lx.line, "here-strings (<<<) are not supported: use a heredoc (<<EOF)")
	}
	lx.begin()
	lx.endWord()
	lx.pos += 2
	h := pendingHeredoc{stage: len(lx.stages), line: lx.line}
	if lx.peek(0) == '-' {
		h.stripTabs = true
		lx.pos++
	}
	for lx.pos < len(lx.src) && (lx.src[lx.pos] == ' ' || lx.src[lx.pos] == '\t') {
		lx.pos++
	}
	var delim strings.Builder
loop:
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch c {
		case ' ', '\t', '\n', '|', ';', '&', '<', '>':
			break loop
		case '\'', '"':
			end := strings.IndexByte(lx.src[lx.pos+1:], c)
			if end < 0 {
				return lx.incompletef(lx.line, "unterminated quote in the heredoc word")
			}
			delim.WriteString(lx.src[lx.pos+1 : lx.pos+1+end])
			lx.pos += end + 2
		case '\\':
			if lx.pos+1 < len(lx.src) && lx.src[lx.pos+1] != '\n' {
				delim.WriteByte(lx.src[lx.pos+1])
				lx.pos += 2
				continue
			}
			break loop
		default:
			delim.WriteByte(c)
			lx.pos++
		}
	}
	h.delim = delim.String()
	if h.delim == "" {
		// An empty quoted word (<<'') would close the body at its first
		// empty line, which a command's text cannot keep: refused too.
		return lx.errorf(lx.line, "a heredoc (<<) needs a closing word, as in <<EOF")
	}
	lx.heredocs = append(lx.heredocs, h)
	return nil
}

// newline ends the current line: heredoc bodies are read, and the command
// ends unless a pipe is waiting for its right-hand side.
func (lx *lexer) newline() error {
	lx.endWord()
	lx.pos++
	lx.line++
	if len(lx.heredocs) > 0 {
		if err := lx.readHeredocs(); err != nil {
			return err
		}
	}
	if lx.afterPipe && len(lx.args) == 0 {
		return nil // `a |` at the end of a line continues on the next one
	}
	return lx.finish(false)
}

func (lx *lexer) readHeredocs() error {
	for _, h := range lx.heredocs {
		var body strings.Builder
		closed := false
		for lx.pos < len(lx.src) {
			end := strings.IndexByte(lx.src[lx.pos:], '\n')
			text := lx.src[lx.pos:]
			next := len(lx.src)
			if end >= 0 {
				text = lx.src[lx.pos : lx.pos+end]
				next = lx.pos + end + 1
			}
			if h.stripTabs {
				text = strings.TrimLeft(text, "\t")
			}
			lx.pos = next
			lx.line++
			if text == h.delim {
				closed = true
				break
			}
			body.WriteString(text)
			body.WriteByte('\n')
		}
		if !closed {
			return lx.incompletef(h.line, "here-document is not terminated: no line %q closes it", h.delim)
		}
		if lx.bodies == nil {
			lx.bodies = map[int]string{}
		}
		lx.bodies[h.stage] = body.String()
	}
	lx.heredocs = nil
	return nil
}

// finish ends the current command, if any; eof says the script ended.
func (lx *lexer) finish(eof bool) error {
	lx.endWord()
	if eof && len(lx.heredocs) > 0 {
		h := lx.heredocs[0]
		return lx.incompletef(h.line, "here-document is not terminated: no line %q closes it", h.delim)
	}
	if lx.afterPipe && len(lx.args) == 0 {
		return lx.incompletef(lx.line, "unexpected end of script after '|': a pipe needs a command on its right")
	}
	if len(lx.args) > 0 {
		lx.stages = append(lx.stages, Stage{Args: lx.args})
	}
	if len(lx.stages) > 0 {
		for i, body := range lx.bodies {
			b := body
			lx.stages[i].Heredoc = &b
		}
		if len(lx.cmds) == MaxCommands {
			return lx.errorf(lx.startLine, "more than %d commands: a script may have at most %d; split it into several scripts", MaxCommands, MaxCommands)
		}
		lx.cmds = append(lx.cmds, Command{
			Line:   lx.startLine,
			Text:   trimCommandText(lx.src[lx.startPos:lx.pos]),
			Stages: lx.stages,
		})
	}
	lx.started = false
	lx.stages, lx.args, lx.bodies = nil, nil, nil
	lx.afterPipe = false
	return nil
}

// trimCommandText drops the blanks, newlines and line continuations that
// end a command's text, but not a blank escaped with `\` (an argument's
// last character): the text must parse again to the same words.
func trimCommandText(t string) string {
	for len(t) > 0 {
		last := t[len(t)-1]
		if last != ' ' && last != '\t' && last != '\n' {
			return t
		}
		slashes := 0
		for k := len(t) - 2; k >= 0 && t[k] == '\\'; k-- {
			slashes++
		}
		switch {
		case slashes%2 == 0:
			t = t[:len(t)-1]
		case last == '\n':
			t = t[:len(t)-2] // a continuation onto nothing
		default:
			return t
		}
	}
	return t
}
