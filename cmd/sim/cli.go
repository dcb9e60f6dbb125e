package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/meshtwin/meshtwin/internal/suggest"
	"github.com/meshtwin/meshtwin/realk8s/backend"
	"github.com/meshtwin/meshtwin/realk8s/kindcluster"
	"github.com/meshtwin/meshtwin/script"
	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

// version is the release of this build of the sim CLI.
const version = "v0.1.0"

// backendConstructor builds a fresh backend for one script run; what it
// starts that outlives the run (control planes) it leaves in env.
type backendConstructor func(ctx context.Context, seed int64, env *backendEnv) (shell.Backend, error)

// backends is the table the --backend flag chooses from.
func backends() map[string]backendConstructor {
	return map[string]backendConstructor{
		"sim": func(_ context.Context, seed int64, _ *backendEnv) (shell.Backend, error) {
			return sim.New(sim.Options{Seed: seed}), nil
		},
		// local: each cluster and the mesh instance on a local control
		// plane of real Kubernetes programs (realk8s/backend), built into
		// the cache on first use.
		"local": func(ctx context.Context, _ int64, env *backendEnv) (shell.Backend, error) {
			if env.fleet == nil {
				fleet, err := backend.EnsureFleet(ctx, env.progress)
				if err != nil {
					return nil, err
				}
				env.fleet = fleet
			}
			return env.fleet.New(), nil
		},
		// kind: each cluster and the mesh instance on a kind cluster
		// with real kubelets (realk8s/backend on realk8s/kindcluster);
		// the Docker engine and the node image are made on first use.
		"kind": func(ctx context.Context, _ int64, env *backendEnv) (shell.Backend, error) {
			if env.fleet == nil {
				fleet, err := backend.EnsureKindFleet(ctx, env.progress, env.keepClusters || os.Getenv(kindcluster.KeepEnv) == "1")
				if err != nil {
					return nil, err
				}
				env.fleet = fleet
			}
			return env.fleet.New(), nil
		},
	}
}

// backendEnv is what the backends of one command share: the local
// backend's control planes, started once and stopped at the end.
type backendEnv struct {
	progress     io.Writer
	fleet        *backend.Fleet
	keepClusters bool // --keep-clusters: the kind backend's clusters outlive the command
}

// done closes a backend that holds resources (io.Closer).
func (e *backendEnv) done(b shell.Backend) error {
	if c, ok := b.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// stop stops what the backends started.
func (e *backendEnv) stop() error {
	if e.fleet == nil {
		return nil
	}
	return e.fleet.Stop()
}

func backendNames() []string {
	var names []string
	for n := range backends() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

const topUsage = `sim runs what-if scenarios against a simulated Alibaba Cloud Service Mesh
(ASM) and its Kubernetes clusters, in the words of kubectl, istioctl and the
mesh console.

Usage:
  sim run [FILE|-] [flags]     run a scenario script and print what the tools print
  sim check FILE|-... [flags]  run transcripts ($ command + expected output) as tests
  sim version                  print the version

Examples:
  sim run --echo examples/003-eci-virtual-nodes.txt
  sim check examples/*.txt
  echo 'mesh create' | sim run -

Run 'sim run --help' for every command a script can use.
`

// run is the whole CLI; main only supplies the process's streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return 2
	}
	switch args[0] {
	case "run":
		return runScript(ctx, args[1:], stdin, stdout, stderr)
	case "check":
		return runCheck(ctx, args[1:], stdin, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "sim %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	case "help", "-h", "--help":
		if len(args) > 1 && args[0] == "help" {
			// sim help COMMAND is COMMAND's own help.
			switch args[1] {
			case "run":
				return runScript(ctx, []string{"--help"}, stdin, stdout, stderr)
			case "check":
				return runCheck(ctx, []string{"--help"}, stdin, stdout, stderr)
			case "version":
				fmt.Fprint(stdout, "Usage: sim version\n\nPrints the version of sim, the Go release that built it, and the platform.\n")
				return 0
			}
			fmt.Fprintf(stderr, "sim: unknown help topic %q (known: run, check, version)\nRun 'sim --help' for usage.\n", args[1])
			return 2
		}
		fmt.Fprint(stdout, topUsage)
		return 0
	default:
		msg := fmt.Sprintf("sim: unknown command %q", args[0])
		if s := suggest.Closest(args[0], []string{"run", "check", "version", "help"}); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		fmt.Fprintf(stderr, "%s\nRun 'sim --help' for usage.\n", msg)
		return 2
	}
}

// commonFlags are the flags every subcommand that runs scripts takes.
type commonFlags struct {
	seed         int64
	backend      string
	keepClusters bool
	memoryLimit  memoryLimitFlag
}

func (c *commonFlags) register(fs *pflag.FlagSet) {
	fs.Int64Var(&c.seed, "seed", 1, "seed for every random choice (generated names, uids, IPs)")
	fs.StringVar(&c.backend, "backend", "sim", "backend to run against: "+strings.Join(backendNames(), ", "))
	fs.BoolVar(&c.keepClusters, "keep-clusters", false, "with --backend kind, leave the kind clusters for the next run (also MESHTWIN_KIND_KEEP=1)")
	fs.StringVar(&c.memoryLimit.value, "memory-limit", "", memoryLimitUsage)
}

func (c *commonFlags) newBackend(ctx context.Context, env *backendEnv) (shell.Backend, error) {
	mk, ok := backends()[c.backend]
	if !ok {
		return nil, fmt.Errorf("unknown backend %q (known: %s)", c.backend, strings.Join(backendNames(), ", "))
	}
	b, err := mk(ctx, c.seed, env)
	if err != nil {
		return nil, fmt.Errorf("backend %q: %w", c.backend, err)
	}
	return b, nil
}

const runUsage = `Usage: sim run [FILE|-] [flags]

Runs a scenario script, one command a line, and prints each command's output
as the real tool would. Blank lines and '#' comments are skipped, a trailing
'\' continues a line, words are quoted as in a POSIX shell, '|' pipes one
command into the next, and '<<EOF' feeds the lines up to EOF to a command.
The run stops at the first failing command, naming its line, and exits with
that command's exit code (unless --keep-going). FILE '-' or no FILE reads the
script from standard input. A transcript (commands written as '$ command',
each followed by its expected output, as 'sim check' reads them) runs too:
only its commands are run.

Flags:
`

func runScript(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("sim run", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var common commonFlags
	common.register(fs)
	echo := fs.Bool("echo", false, "print each command as '$ command' before its output (a transcript)")
	keepGoing := fs.Bool("keep-going", false, "run every command even after one fails, naming each failure's line; the last line counts them; exit with the last failure's code")
	var prof profileFlags
	prof.register(fs)
	progress := fs.Bool("progress", false, "name on standard error each command that runs longer than a second (the default when standard error is a terminal)")
	fs.Usage = func() {
		fmt.Fprint(stderr, runUsage)
		fmt.Fprint(stderr, fs.FlagUsages())
		fmt.Fprint(stderr, "\n"+shell.CommandHelp())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "sim run: %v\nRun 'sim run --help' for usage.\n", err)
		return 2
	}
	restoreLimit, err := common.memoryLimit.apply()
	if err != nil {
		fmt.Fprintf(stderr, "sim run: %v\nRun 'sim run --help' for usage.\n", err)
		return 2
	}
	defer restoreLimit()
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "sim run: one script at a time, got %d: %s\n", fs.NArg(), strings.Join(fs.Args(), " "))
		return 2
	}
	name, dir, text, err := readScript(fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "sim run: %v\n", err)
		return 2
	}
	if script.IsTranscript(text) {
		if text, err = script.TranscriptScript(text); err != nil {
			fmt.Fprintf(stderr, "sim run: %s: %v\n", name, err)
			return 2
		}
	}
	env := &backendEnv{progress: stderr, keepClusters: common.keepClusters}
	defer func() {
		if err := env.stop(); err != nil {
			fmt.Fprintf(stderr, "sim run: %v\n", err)
		}
	}()
	b, err := common.newBackend(ctx, env)
	if err != nil {
		fmt.Fprintf(stderr, "sim run: %v\n", err)
		return 2
	}
	defer func() {
		if err := env.done(b); err != nil {
			fmt.Fprintf(stderr, "sim run: %v\n", err)
		}
	}()
	stopProfiles, err := prof.start()
	if err != nil {
		fmt.Fprintf(stderr, "sim run: %v\n", err)
		return 2
	}
	s := shell.NewSession(b, shell.Options{Seed: common.seed, Dir: dir})
	opts := shell.ScriptOptions{Echo: *echo, KeepGoing: *keepGoing, Name: name}
	var failedLines []string
	if *keepGoing {
		// Each failure is named as it happens; the last line counts them.
		opts.OnFailure = func(e *script.ExitError) {
			fmt.Fprintf(stderr, "sim: %s:%d: failed: exit status %d (going on)\n", name, e.Line, statusOf(e))
			failedLines = append(failedLines, fmt.Sprint(e.Line))
		}
	}
	if *progress || isTerminal(stderr) {
		p := startProgress(stderr, name, time.Second)
		opts.OnCommand = p.command
		defer p.stop()
	}
	err = s.RunScript(ctx, text, opts, stdout, stderr)
	// The heap profile is taken while the session still holds the
	// simulated clusters, so that it shows what they keep.
	if perr := stopProfiles(); perr != nil {
		fmt.Fprintf(stderr, "sim run: %v\n", perr)
	}
	runtime.KeepAlive(s)
	if *keepGoing && len(failedLines) > 0 {
		plural := "s"
		if len(failedLines) == 1 {
			plural = ""
		}
		fmt.Fprintf(stderr, "sim: %s: %d command%s failed (line%s %s); exit status %d\n",
			name, len(failedLines), plural, plural, strings.Join(failedLines, ", "), exitStatusOf(err))
		return exitStatusOf(err)
	}
	return exitCode(name, err, stderr)
}

// statusOf is a failed command's exit status, never 0.
func statusOf(e *script.ExitError) int {
	if e.Code == 0 {
		return 1
	}
	return e.Code
}

// exitStatusOf is the exit status an outcome gives the process.
func exitStatusOf(err error) int {
	if err == nil {
		return 0
	}
	var exit *script.ExitError
	if errors.As(err, &exit) {
		return statusOf(exit)
	}
	return 1
}

// exitCode turns a script's outcome into the process's exit code. The
// failing command already printed its error; this only says where the
// script stopped, or that a syntax error kept it from starting.
func exitCode(name string, err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var exit *script.ExitError
	if errors.As(err, &exit) {
		code := statusOf(exit)
		var pe *script.ParseError
		switch {
		case errors.As(err, &pe):
			fmt.Fprintf(stderr, "sim: %s: nothing was run: syntax error on line %d; exit status %d\n", name, exit.Line, code)
		case exit.Line > 0:
			fmt.Fprintf(stderr, "sim: %s:%d: stopped: exit status %d\n", name, exit.Line, code)
		}
		return code
	}
	fmt.Fprintf(stderr, "sim: %v\n", err)
	return 1
}

// readScript reads FILE, or standard input for "" and "-"; dir is where
// the script's relative file names are resolved.
func readScript(arg string, stdin io.Reader) (name, dir, text string, err error) {
	if arg == "" || arg == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return "", "", "", fmt.Errorf("read script from standard input: %w", err)
		}
		return "STDIN", "", string(data), nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return "", "", "", fmt.Errorf("read script: %w", err)
	}
	return arg, filepath.Dir(arg), string(data), nil
}

const checkUsage = `Usage: sim check FILE... [flags]

Runs transcripts as tests. A transcript is a script whose commands start with
'$ ' and are followed by the output they must print (standard output and
errors, as a terminal shows them). FILE '-' reads a transcript from standard
input. Each file runs on a fresh backend.

A command must exit 0, unless it is written '$ ! command': then it must fail.
A command that fails unmarked, or a '!' command that succeeds, fails the
transcript whatever it printed, and the diff shows both exit statuses.

In the expected output, words are compared with any run of spaces between
them, so columns need not be aligned; leading indentation must match.
  *        a word of its own matches any one word (AGE, IP, a hash)
  my-app-* inside a word, '*' matches any run of non-space characters
  ...      as the last word of a line, matches the rest of the line
Every mismatch is shown as a unified diff; the exit code is 1 when any
transcript fails (a file without any '$ ' command fails: "no commands").

Flags:
`

func runCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("sim check", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var common commonFlags
	common.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, checkUsage)
		fmt.Fprint(stderr, fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "sim check: %v\nRun 'sim check --help' for usage.\n", err)
		return 2
	}
	restoreLimit, err := common.memoryLimit.apply()
	if err != nil {
		fmt.Fprintf(stderr, "sim check: %v\nRun 'sim check --help' for usage.\n", err)
		return 2
	}
	defer restoreLimit()
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, "sim check: name at least one transcript\nRun 'sim check --help' for usage.\n")
		return 2
	}
	env := &backendEnv{progress: stderr, keepClusters: common.keepClusters}
	defer func() {
		if err := env.stop(); err != nil {
			fmt.Fprintf(stderr, "sim check: %v\n", err)
		}
	}()
	passed, failed := 0, 0
	for _, arg := range fs.Args() {
		file, dir, text, err := readScript(arg, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "sim check: %v\n", strings.Replace(err.Error(), "read script", "read transcript", 1))
			failed++
			continue
		}
		b, err := common.newBackend(ctx, env)
		if err != nil {
			fmt.Fprintf(stderr, "sim check: %v\n", err)
			return 2
		}
		s := shell.NewSession(b, shell.Options{Seed: common.seed, Dir: dir})
		mismatches := s.CheckTranscript(ctx, file, text)
		if err := env.done(b); err != nil {
			fmt.Fprintf(stderr, "sim check: %s: %v\n", file, err)
			failed++
			continue
		}
		if len(mismatches) == 0 {
			fmt.Fprintf(stdout, "ok    %s\n", file)
			passed++
			continue
		}
		fmt.Fprintf(stdout, "FAIL  %s\n", file)
		for _, m := range mismatches {
			fmt.Fprintln(stdout, m.String())
		}
		failed++
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}
