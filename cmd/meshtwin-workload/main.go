// Command meshtwin-workload is every container of a scenario on a kind
// node: the only program of the one image the kind backend's registry
// serves under every name (nginx, perl, busybox, Istio's proxyv2, ...),
// since no real image can be pulled where the twin runs. It plays each
// part by the name it is called with and its arguments, as far as the
// scenarios need:
//
//   - sleep N: sleeps N seconds (or forever for "infinity") and exits 0,
//     as a Job's main container does;
//   - sh -c SCRIPT: runs the script's sleep, echo, true and exit steps
//     joined by ";" or "&&" (a step it does not know is printed and
//     skipped); sh alone (busybox's image's command) runs the lines of
//     its standard input so, and exits 0 at its end, at once under a
//     kubelet that gives it none;
//   - proxy sidecar ... (Istio's proxyv2, called by its arguments):
//     serves the status port 15021 (/healthz/ready answers 200), 15020
//     and 15090, until SIGTERM;
//   - istio-iptables ... (istio-init): exits 0 at once, redirecting
//     nothing;
//   - pilot-agent wait: returns once 15021 answers 200; pilot-agent
//     request ...: exits 0 (the drain of a preStop hook);
//   - anything else, with no arguments too (nginx's entrypoint): runs
//     until SIGTERM.
//
// SIGTERM ends every part with status 0, as a well-behaved server does.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, filepath.Base(os.Args[0]), os.Args[1:], os.Stdin))
}

// run plays the part of name called with args; stdin is its standard
// input.
func run(ctx context.Context, name string, args []string, stdin io.Reader) int {
	switch name {
	case "sleep":
		return sleep(ctx, args)
	case "sh", "bash":
		return shell(ctx, args, stdin)
	case "pilot-agent":
		return pilotAgent(ctx, args)
	}
	if len(args) > 0 {
		switch args[0] {
		case "proxy":
			return proxy(ctx)
		case "istio-iptables":
			fmt.Println("meshtwin-workload: istio-iptables: nothing redirected")
			return 0
		case "sleep", "sh", "bash", "pilot-agent":
			return run(ctx, args[0], args[1:], stdin)
		}
	}
	fmt.Printf("meshtwin-workload: %s %s: running until stopped\n", name, strings.Join(args, " "))
	<-ctx.Done()
	return 0
}

func sleep(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "sleep: missing operand")
		return 1
	}
	if args[0] == "infinity" {
		<-ctx.Done()
		return 0
	}
	secs, err := strconv.ParseFloat(strings.TrimSuffix(args[0], "s"), 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sleep: invalid time interval %q\n", args[0])
		return 1
	}
	select {
	case <-ctx.Done():
	case <-time.After(time.Duration(secs * float64(time.Second))):
	}
	return 0
}

// shell runs "sh -c SCRIPT" step by step, and "sh" alone the lines of
// stdin until its end, as a shell reads commands from its standard
// input; with other arguments (a script file) it runs until stopped.
func shell(ctx context.Context, args []string, stdin io.Reader) int {
	if len(args) == 0 {
		return shellInput(ctx, stdin)
	}
	if len(args) < 2 || args[0] != "-c" {
		<-ctx.Done()
		return 0
	}
	code, _ := script(ctx, args[1])
	return code
}

// shellInput runs each line of in as a script until an exit step or
// the end of in (status 0), or until ctx ends.
func shellInput(ctx context.Context, in io.Reader) int {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return 0
		case line, ok := <-lines:
			if !ok {
				return 0
			}
			if code, exited := script(ctx, line); exited {
				return code
			}
		}
	}
}

// script runs the steps of one script; exited says an exit step, a
// failed step or the end of ctx ended it, with status code.
func script(ctx context.Context, text string) (code int, exited bool) {
	text = strings.ReplaceAll(text, "&&", ";")
	for step := range strings.SplitSeq(text, ";") {
		f := strings.Fields(step)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "sleep":
			if code := sleep(ctx, f[1:]); code != 0 {
				return code, true
			}
		case "echo":
			fmt.Println(strings.Join(f[1:], " "))
		case "true", ":":
		case "exit":
			code := 0
			if len(f) > 1 {
				code, _ = strconv.Atoi(f[1])
			}
			return code, true
		default:
			fmt.Printf("meshtwin-workload: sh: %s: not played, skipped\n", f[0])
		}
		if ctx.Err() != nil {
			return 0, true
		}
	}
	return 0, false
}

func pilotAgent(ctx context.Context, args []string) int {
	if len(args) == 0 {
		return proxy(ctx)
	}
	switch args[0] {
	case "wait":
		for ctx.Err() == nil {
			resp, err := http.Get("http://127.0.0.1:15021/healthz/ready")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return 0
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		return 1
	case "request":
		return 0
	}
	return proxy(ctx)
}

// proxy serves the ports a sidecar's probes and scrapers call.
func proxy(ctx context.Context) int {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	var servers []*http.Server
	for _, port := range []string{"15021", "15020", "15090"} {
		ln, err := net.Listen("tcp", ":"+port)
		if err != nil {
			fmt.Fprintf(os.Stderr, "meshtwin-workload: proxy: %v\n", err)
			return 1
		}
		s := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		servers = append(servers, s)
		go func() { _ = s.Serve(ln) }()
	}
	fmt.Println("meshtwin-workload: proxy: ready on 15021")
	<-ctx.Done()
	for _, s := range servers {
		_ = s.Close()
	}
	return 0
}
