package steps

import (
	"bytes"
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/meshtwin/meshtwin/shell"
)

// World is the state of one scenario: the backend and the shell session
// running on it, what the last `When` step printed and returned, and the
// snapshot of the whole observable state taken just before the latest
// block of `When` steps.
type World struct {
	backend shell.Backend
	session *shell.Session

	// ran is true once a `When` step ran; command is what it ran.
	ran     bool
	command string
	stdout  string
	stderr  string
	err     error

	// before is the state before the latest block of When steps; beforeErr
	// says why it could not be taken.
	before    *Snapshot
	beforeErr error
	// inWhen is true while consecutive When (or And/But after When)
	// steps run, so one snapshot covers the whole block; snapshotDue says
	// the block's snapshot is still to be taken.
	inWhen      bool
	snapshotDue bool

	// timeout bounds every call into the backend.
	timeout time.Duration

	// values are what commands printed, kept by name (values.go).
	values map[string]string
}

// DefaultStepTimeout bounds how long one step may wait for the backend.
const DefaultStepTimeout = 2 * time.Minute

// NewWorld returns a world on backend b with a fresh session; a step that
// waits longer than timeout for the backend fails (0 means
// DefaultStepTimeout).
func NewWorld(b shell.Backend, opts shell.Options, timeout time.Duration) *World {
	if timeout <= 0 {
		timeout = DefaultStepTimeout
	}
	return &World{backend: b, session: shell.NewSession(b, opts), timeout: timeout}
}

// Backend is the scenario's backend.
func (w *World) Backend() shell.Backend { return w.backend }

// Session is the scenario's shell session.
func (w *World) Session() *shell.Session { return w.session }

// Stdout is what the last `When` step wrote on standard output.
func (w *World) Stdout() string { return w.stdout }

// Stderr is what the last `When` step wrote on standard error.
func (w *World) Stderr() string { return w.stderr }

// Err is the error the last `When` step's command returned, nil when it
// succeeded.
func (w *World) Err() error { return w.err }

// worldKey is the context key a scenario's World is stored under.
type worldKey struct{}

// WithWorld returns a context carrying w.
func WithWorld(ctx context.Context, w *World) context.Context {
	return context.WithValue(ctx, worldKey{}, w)
}

// FromContext returns the World of the scenario ctx belongs to, so a
// team's own steps can share it.
func FromContext(ctx context.Context) (*World, bool) {
	w, ok := ctx.Value(worldKey{}).(*World)
	return w, ok && w != nil
}

func worldOf(ctx context.Context) (*World, error) {
	w, ok := FromContext(ctx)
	if !ok {
		return nil, fmt.Errorf("steps: no World in the scenario's context: register the vocabulary with steps.Register")
	}
	return w, nil
}

// beginWhen is called before every When step: the first of a block
// marks that the snapshot for `Then nothing changed` is due. It is taken
// when that step runs, so a step skipped after a failure touches nothing.
func (w *World) beginWhen() {
	if w.inWhen {
		return
	}
	w.inWhen = true
	w.snapshotDue = true
}

// endWhen marks the end of a block of When steps.
func (w *World) endWhen() { w.inWhen = false }

// takeDueSnapshot takes the snapshot of the state before the current block
// of When steps, once per block.
func (w *World) takeDueSnapshot(ctx context.Context) error {
	if !w.snapshotDue {
		return nil
	}
	w.snapshotDue = false
	var snap *Snapshot
	var snapErr error
	if err := w.guard(ctx, "taking a snapshot of the state", func(ctx context.Context) { snap, snapErr = TakeSnapshot(ctx, w.backend) }); err != nil {
		return err
	}
	w.before, w.beforeErr = snap, snapErr
	return nil
}

// guard runs fn, which talks to the backend, and turns a panic into an
// error and a backend that does not answer within the step timeout into a
// failed step instead of a hung suite. fn gets a context that is cancelled
// at the timeout, and guard waits for fn to return even then, so no step
// leaves work behind that still changes the backend while the next one
// runs. The time a shell.SetupTimer spends making control planes
// meanwhile (a kind cluster: minutes) is not counted: the timeout is
// moved on by it, as long as the making goes on.
func (w *World) guard(ctx context.Context, what string, fn func(ctx context.Context)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("%s panicked: %v\n%s", what, r, debug.Stack())
			}
		}()
		fn(ctx)
		done <- nil
	}()
	setupAtStart := w.setupTime()
	var credited time.Duration // setup time the deadline was moved by
	timer := time.NewTimer(w.timeout)
	defer timer.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-timer.C:
			if more := w.setupTime() - setupAtStart - credited; more > 0 {
				credited += more
				timer.Reset(more)
				continue
			}
			cancel()
			// Timed out: wait for the work to stop before the step fails.
			if err := <-done; err != nil {
				return err
			}
			if credited > 0 {
				return fmt.Errorf("%s did not finish within %s (besides %s spent making control planes): the backend seems stuck", what, w.timeout, credited.Round(time.Millisecond))
			}
			return fmt.Errorf("%s did not finish within %s: the backend seems stuck", what, w.timeout)
		case <-ctx.Done():
			// Cancelled from outside: wait for the work to stop.
			if err := <-done; err != nil {
				return err
			}
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
	}
}

// setupTime is how long the backend has spent making control planes,
// when it says (shell.SetupTimer); 0 otherwise.
func (w *World) setupTime() time.Duration {
	if st, ok := w.backend.(shell.SetupTimer); ok {
		return st.SetupTime()
	}
	return 0
}

// runCommands runs a script for a Given step: every command must succeed.
func (w *World) runCommands(ctx context.Context, script string) error {
	script, err := w.expand(script)
	if err != nil {
		return err
	}
	var out, errOut bytes.Buffer
	if gerr := w.guard(ctx, "the Given commands", func(ctx context.Context) {
		err = w.session.RunScript(ctx, script, shell.ScriptOptions{Echo: true, Name: "Given the commands"}, &out, &errOut)
	}); gerr != nil {
		return gerr
	}
	if err != nil {
		return fmt.Errorf("expected every command to succeed, got %v\n%s", err, showStreams(out.String(), errOut.String()))
	}
	return nil
}

// record runs one command line or a script for a When step and keeps
// what it printed; the command failing is not a step failure.
func (w *World) record(ctx context.Context, command string, script bool) error {
	command, err := w.expand(command)
	if err != nil {
		return err
	}
	if err := w.takeDueSnapshot(ctx); err != nil {
		return err
	}
	var out, errOut bytes.Buffer
	if gerr := w.guard(ctx, fmt.Sprintf("running %q", command), func(ctx context.Context) {
		if script {
			err = w.session.RunScript(ctx, command, shell.ScriptOptions{Name: "When I run"}, &out, &errOut)
		} else {
			err = w.session.Exec(ctx, command, nil, &out, &errOut)
		}
	}); gerr != nil {
		return gerr
	}
	w.ran = true
	w.command = command
	w.stdout = out.String()
	w.stderr = errOut.String()
	w.err = err
	return nil
}

// advance moves the backend's clock for a When step.
func (w *World) advance(ctx context.Context, d time.Duration) error {
	if err := w.takeDueSnapshot(ctx); err != nil {
		return err
	}
	var err error
	if gerr := w.guard(ctx, "advancing the clock", func(ctx context.Context) { err = w.backend.Advance(ctx, d) }); gerr != nil {
		return gerr
	}
	w.ran = true
	w.command = "advance " + d.String()
	w.stdout, w.stderr = "", ""
	w.err = err
	if err != nil {
		w.stderr = err.Error() + "\n"
	}
	return nil
}

// requireRan fails a Then step that has no When step to look at.
func (w *World) requireRan() error {
	if !w.ran {
		return fmt.Errorf("no command ran yet: a Then step needs a preceding `When I run ...` step")
	}
	return nil
}

// ranWorld is the scenario's World once a command has run: what every step
// that checks the last command starts with.
func ranWorld(ctx context.Context) (*World, error) {
	w, err := worldOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := w.requireRan(); err != nil {
		return nil, err
	}
	return w, nil
}

// shown is the last command with what it printed, for step failures.
func (w *World) shown() string {
	status := "succeeded"
	if w.err != nil {
		status = fmt.Sprintf("failed: %v", w.err)
	}
	return fmt.Sprintf("command: %s\nresult: %s\n%s", w.command, status, showStreams(w.stdout, w.stderr))
}

// showStreams renders both output streams, indented, for error messages.
func showStreams(stdout, stderr string) string {
	return "stdout:\n" + indent(stdout) + "stderr:\n" + indent(stderr)
}

func indent(s string) string {
	if s == "" {
		return "    (empty)\n"
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("    | ")
		b.WriteString(line)
		b.WriteString("\n")
	}
	return b.String()
}
