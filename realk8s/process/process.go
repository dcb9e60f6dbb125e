package process

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Sentinel causes of a failed start, for errors.Is.
var (
	// ErrExited: the program exited before it was healthy.
	ErrExited = errors.New("exited before it was ready")
	// ErrNotReady: the program ran but was not healthy in time.
	ErrNotReady = errors.New("not ready in time")
	// ErrPortInUse: the program could not bind one of its ports.
	ErrPortInUse = errors.New("port in use")
)

// Process is one child program. Fill in the fields, then Start and Stop;
// a Process is started at most once.
type Process struct {
	// Name says which component this is in errors, e.g. "etcd".
	Name string
	// Path and Args make the command line (Args without the program).
	Path string
	Args []string
	// Env is the child's whole environment; nil inherits the parent's.
	Env []string
	// Dir is the working directory; empty is the parent's.
	Dir string
	// HealthURL, if set, is polled with GET until it answers 200.
	HealthURL string
	// TLS configures the health client for an https HealthURL.
	TLS *tls.Config
	// StartTimeout bounds the wait for health; default 60s.
	StartTimeout time.Duration
	// StopTimeout is how long SIGTERM has before SIGKILL; default 10s.
	StopTimeout time.Duration
	// Log, if set, also receives everything the program prints.
	Log io.Writer

	mu      sync.Mutex
	cmd     *exec.Cmd
	output  *tail
	done    chan struct{} // closed when the program has exited
	waitErr error         // cmd.Wait's result, set before done closes
	stopped bool
	pid     int // set once the child runs
}

// Start runs the program and returns when its health URL answers 200 (at
// once if there is none). If the program exits first, the context ends or
// StartTimeout passes, Start stops the program and returns a *StartError.
func (p *Process) Start(ctx context.Context) error {
	p.mu.Lock()
	if p.cmd != nil {
		p.mu.Unlock()
		return fmt.Errorf("start %s: already started", p.Name)
	}
	p.output = newTail(64 << 10)
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Env = p.Env
	cmd.Dir = p.Dir
	var w io.Writer = p.output
	if p.Log != nil {
		w = io.MultiWriter(p.output, p.Log)
	}
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.SysProcAttr = sysProcAttr()
	p.cmd = cmd
	p.done = make(chan struct{})
	p.mu.Unlock()

	// Start and Wait run on one locked OS thread that lives as long as the
	// child: Pdeathsig fires when the thread that started the child ends.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			p.mu.Lock()
			p.stopped = true
			p.mu.Unlock()
			close(p.done)
			started <- err
			return // the locked thread ends with nothing left to kill
		}
		p.mu.Lock()
		p.pid = cmd.Process.Pid
		if p.stopped { // Stop came while the child was starting
			_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		}
		p.mu.Unlock()
		started <- nil
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return p.startError(err)
	}

	if err := p.waitHealthy(ctx); err != nil {
		_ = p.Stop()
		return p.startError(err)
	}
	return nil
}

func (p *Process) waitHealthy(ctx context.Context) error {
	timeout := p.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	if p.HealthURL == "" {
		select {
		case <-p.done:
			return p.exitError()
		default:
			return nil
		}
	}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: p.TLS, DisableKeepAlives: true}}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	lastProblem := "no answer yet"
	for {
		select {
		case <-p.done:
			return p.exitError()
		case <-ctx.Done():
			return fmt.Errorf("%w: %w (last health check: %s)", ErrNotReady, context.Cause(ctx), lastProblem)
		case <-deadline.C:
			return fmt.Errorf("%w: not healthy after %s (last health check: %s)", ErrNotReady, timeout, lastProblem)
		case <-tick.C:
			problem := check(ctx, client, p.HealthURL)
			if problem == "" {
				return nil
			}
			lastProblem = problem
		}
	}
}

// check GETs url and returns "" on 200, else what went wrong.
func check(ctx context.Context, client *http.Client, url string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode == http.StatusOK {
		return ""
	}
	return fmt.Sprintf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(lastLines(string(body), 5)))
}

func (p *Process) exitError() error {
	p.mu.Lock()
	err := p.waitErr
	p.mu.Unlock()
	if err == nil {
		err = errors.New("exit status 0")
	}
	if p.output.contains("address already in use") {
		return fmt.Errorf("%w: %w (%v)", ErrExited, ErrPortInUse, err)
	}
	return fmt.Errorf("%w (%v)", ErrExited, err)
}

// Done is closed when the program has exited (or never started).
func (p *Process) Done() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		d := make(chan struct{})
		close(d)
		return d
	}
	return p.done
}

// Exited reports, if the program has exited, an error saying so with its
// command line and last output; nil while it runs.
func (p *Process) Exited() error {
	select {
	case <-p.Done():
		return p.startError(p.exitError())
	default:
		return nil
	}
}

// Tail returns the last n lines the program printed.
func (p *Process) Tail(n int) string {
	p.mu.Lock()
	out := p.output
	p.mu.Unlock()
	if out == nil {
		return ""
	}
	return lastLines(out.String(), n)
}

// Stop sends SIGTERM to the program's process group, waits StopTimeout,
// then sends SIGKILL, and waits for the exit. It is safe to call more than
// once, concurrently, and on a Process that never started.
func (p *Process) Stop() error {
	p.mu.Lock()
	pid, done := p.pid, p.done
	first := !p.stopped
	p.stopped = true
	p.mu.Unlock()
	if pid == 0 {
		return nil
	}
	if first {
		_ = syscall.Kill(-pid, syscall.SIGTERM)
	}
	timeout := p.StopTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	select {
	case <-done:
		return fmt.Errorf("stop %s: killed after it ignored SIGTERM for %s", p.Name, timeout)
	case <-time.After(timeout):
		return fmt.Errorf("stop %s: pid %d still running after SIGKILL", p.Name, pid)
	}
}

// Argv is the command line, program first.
func (p *Process) Argv() []string {
	return append([]string{p.Path}, p.Args...)
}

// StartError says which program failed to start, how, with its command
// line and the last lines of its output.
type StartError struct {
	Name string
	Argv []string
	Err  error
	Tail string
}

func (e *StartError) Error() string {
	var s strings.Builder
	fmt.Fprintf(&s, "start %s: %v\n  command: %s", e.Name, e.Err, strings.Join(e.Argv, " "))
	if e.Tail != "" {
		s.WriteString("\n  last lines of its output:\n    ")
		s.WriteString(strings.ReplaceAll(e.Tail, "\n", "\n    "))
	} else {
		s.WriteString("\n  it printed nothing")
	}
	return s.String()
}

func (e *StartError) Unwrap() error { return e.Err }

func (p *Process) startError(err error) error {
	return &StartError{Name: p.Name, Argv: p.Argv(), Err: err, Tail: p.Tail(20)}
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func (t *tail) contains(s string) bool { return strings.Contains(t.String(), s) }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Pid is the program's process id, 0 before it runs.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}
