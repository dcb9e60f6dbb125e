package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/meshtwin/meshtwin/script"
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
	// OnFailure, when set, is called with each failing command's error
	// as it fails, before the run goes on (KeepGoing) or stops.
	OnFailure func(*script.ExitError)
	// OnCommand, when set, is called before each command runs, with the
	// command, its position (1-based) and how many commands the script has.
	OnCommand func(c script.Command, n, total int)
	// Name names the script in errors (`demo.sh:4: unterminated quote`);
	// empty means "script".
	Name string
}

// Exec runs one command line, which may be a pipeline (`a | b | grep X`)
// and may carry a heredoc. What the real tool prints on standard output
// goes to out, what it prints on standard error to errOut. A failure
// returns an *script.ExitError whose text was already written to errOut, once.
// stdin feeds the first stage of the pipeline (nil reads as empty).
func (s *Session) Exec(ctx context.Context, line string, stdin io.Reader, out, errOut io.Writer) error {
	cmds, err := script.Parse("", line)
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
// opts.KeepGoing) and returns an *script.ExitError naming that command's line.
func (s *Session) RunScript(ctx context.Context, text string, opts ScriptOptions, out, errOut io.Writer) error {
	name := opts.Name
	if name == "" {
		name = "script"
	}
	cmds, err := script.Parse(name, text)
	if err != nil {
		return reportParseError(err, errOut)
	}
	var failed error
	tail := &lastByteWriter{w: out, last: '\n'}
	if opts.Echo {
		out = tail
	}
	for i, c := range cmds {
		if opts.OnCommand != nil {
			opts.OnCommand(c, i+1, len(cmds))
		}
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
			var ee *script.ExitError
			if opts.OnFailure != nil && errors.As(err, &ee) {
				opts.OnFailure(ee)
			}
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
	var pe *script.ParseError
	if errors.As(err, &pe) {
		line = pe.Line
	}
	return &script.ExitError{Code: 2, Line: line, Err: err}
}

// runCommand runs one pipeline. Each stage's standard output feeds the
// next stage's standard input; standard error is never piped. As in a
// shell without pipefail, the pipeline's status is its last stage's.
func (s *Session) runCommand(ctx context.Context, c script.Command, stdin io.Reader, out, errOut io.Writer) error {
	if err := ctx.Err(); err != nil {
		fmt.Fprintf(errOut, "error: %v\n", err)
		return &script.ExitError{Code: 130, Line: c.Line, Err: err}
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
		stages = append([]script.Stage{first}, stages[1:]...)
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
		return &script.ExitError{Code: 1, Line: c.Line, Err: err}
	}
	if status == nil {
		return nil
	}
	e := &script.ExitError{Code: 1, Line: c.Line, Err: status}
	var ee *script.ExitError
	if errors.As(status, &ee) {
		e.Code, e.Err = ee.Code, ee.Err
	}
	return e
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

// CheckTranscript runs a transcript on the session, step by step, and
// returns every step whose output (standard output and errors together,
// as a terminal shows them) or exit status differs from the transcript:
// script.Check with the session's Exec.
func (s *Session) CheckTranscript(ctx context.Context, name, text string) []script.Mismatch {
	return script.Check(name, text, func(command string) (string, int) {
		var buf bytes.Buffer
		status := exitStatus(s.Exec(ctx, command, nil, &buf, &buf))
		return buf.String(), status
	})
}

// exitStatus is the status a shell would show for a command's outcome.
func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	var ee *script.ExitError
	if errors.As(err, &ee) && ee.Code != 0 {
		return ee.Code
	}
	return 1
}
