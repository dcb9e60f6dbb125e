package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/meshtwin/meshtwin/script"
)

// progress names, on standard error, the command a run is busy with once
// it has taken longer than a threshold, and again each time its running
// time doubles, so that a long what-if shows where it is without flooding
// the terminal.
type progress struct {
	w         io.Writer
	name      string
	threshold time.Duration
	done      chan struct{}
	finished  sync.WaitGroup

	mu      sync.Mutex
	current script.Command
	n       int
	total   int
	started time.Time
	next    time.Duration // running time of the next report
}

// startProgress starts the reporter; stop ends it.
func startProgress(w io.Writer, name string, threshold time.Duration) *progress {
	p := &progress{w: w, name: name, threshold: threshold, done: make(chan struct{})}
	p.finished.Add(1)
	go p.loop()
	return p
}

// command is ScriptOptions.OnCommand: c starts now.
func (p *progress) command(c script.Command, n, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.current, p.n, p.total, p.started, p.next = c, n, total, time.Now(), p.threshold
}

func (p *progress) loop() {
	defer p.finished.Done()
	tick := time.NewTicker(p.threshold / 4)
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			return
		case now := <-tick.C:
			p.report(now)
		}
	}
}

func (p *progress) report(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == 0 {
		return
	}
	if took := now.Sub(p.started); took >= p.next {
		p.next *= 2
		fmt.Fprintf(p.w, "sim: %s:%d: command %d of %d running for %s: %s\n",
			p.name, p.current.Line, p.n, p.total, took.Round(time.Second), firstLine(p.current.Text))
	}
}

func (p *progress) stop() {
	close(p.done)
	p.finished.Wait()
}

func firstLine(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
