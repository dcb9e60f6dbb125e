package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/meshtwin/meshtwin/internal/suggest"
	"github.com/meshtwin/meshtwin/kubectl"
	"github.com/meshtwin/meshtwin/script"
)

// cmdEnv is what a command runs with: its positional arguments (flags
// already parsed), streams, and the flag set (to ask whether a flag was
// given).
type cmdEnv struct {
	ctx    context.Context
	s      *Session
	args   []string
	stdin  io.Reader
	out    io.Writer
	errOut io.Writer
	fs     *pflag.FlagSet
}

// runner runs a command once its flags are parsed. An error it returns
// that is not an *script.ExitError is printed as `error: ...` by the dispatcher.
type runner func(e *cmdEnv) error

// commandSpec is one row of the command table: everything help shows,
// and how to run the command.
type commandSpec struct {
	// path is the command's words, e.g. "asm namespace create".
	path string
	// synopsis is the positional part of the usage line, e.g. "NAME".
	synopsis string
	// short is one line for the command list; long, when set, follows it
	// in the command's own help.
	short, long string
	// example is one or more example lines.
	example string
	// minArgs and maxArgs bound the positional arguments; maxArgs < 0
	// means no limit.
	minArgs, maxArgs int
	// raw commands get every argument unparsed (kubectl, grep, advance
	// parse their own); flags then only document them.
	raw bool
	// flags declares the command's flags on fs and returns the runner
	// that reads them.
	flags func(fs *pflag.FlagSet) runner
}

// noFlags is the flags of a command that declares none: it always runs run.
func noFlags(run runner) func(fs *pflag.FlagSet) runner {
	return func(*pflag.FlagSet) runner { return run }
}

// dryRunFlag is the flags of a command whose only flag is --dry-run: run
// gets its value.
func dryRunFlag(run func(e *cmdEnv, dryRun bool) error) func(fs *pflag.FlagSet) runner {
	return func(fs *pflag.FlagSet) runner {
		var dryRun bool
		fs.BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
		return func(e *cmdEnv) error { return run(e, dryRun) }
	}
}

// explainWorkloadFlags is the flags of `explain KIND NAME` for a workload.
func explainWorkloadFlags(kind string) func(fs *pflag.FlagSet) runner {
	return func(fs *pflag.FlagSet) runner {
		var o explainOptions
		fs.StringVarP(&o.namespace, "namespace", "n", "", "namespace of the "+kind+" (default: default)")
		fs.StringVar(&o.context, "context", "", "cluster of the "+kind+" (default: the current context)")
		return func(e *cmdEnv) error { return e.s.explainWorkload(e, kind, o) }
	}
}

// commandTable is every command a script can run, in help order.
func commandTable() []commandSpec {
	return []commandSpec{
		{
			path: "mesh create", short: "Create the mesh instance (the ASM control plane)",
			long: "There is at most one mesh. Its version decides which features exist (ECI from 1.7.5.41,\n" +
				"homing clusters from 1.17.2.37, native sidecars by default from 1.22).",
			example: "mesh create --version 1.22.2.35 --profile asm",
			flags: func(fs *pflag.FlagSet) runner {
				var o meshCreateOptions
				fs.StringVar(&o.version, "version", defaultASMVersion, "version of the instance: ASM's four numbers, or with --profile istio Istio's three (default "+defaultIstioVersion+")")
				fs.StringVar(&o.profile, "profile", "asm", "whose rules to follow: asm (Alibaba Cloud ASM) or istio (upstream Istio >= 1.27)")
				fs.StringVar(&o.nativeSidecar, "enable-native-sidecar", "", "set asmmeshconfig spec.enableNativeSidecar: true or false (unset: the version's default)")
				return func(e *cmdEnv) error { return e.s.meshCreate(e, o) }
			},
		},
		{
			path: "mesh revision add", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short: "Serve another istiod revision: its injector webhook (istio-sidecar-injector-NAME) in every cluster",
			long: "Only a served revision injects: istio.io/rev naming any other matches no webhook. The mesh\n" +
				"always serves its default revision (istio-injection=enabled, or istio.io/rev=default).",
			example: "mesh revision add canary",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.meshRevision(e, true) }),
		},
		{
			path: "mesh revision remove", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short:   "Stop serving a revision: its injector webhook configuration is deleted from every cluster",
			example: "mesh revision remove canary",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.meshRevision(e, false) }),
		},
		{
			path: "mesh add-cluster", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short:   "Add a created cluster to the mesh (its data plane)",
			long:    "The first cluster added becomes the current kubectl context when none is set.",
			example: "mesh add-cluster c1",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.meshAddCluster(e) }),
		},
		{
			path: "mesh upgrade", maxArgs: 0,
			short: "Upgrade the mesh instance in place to a newer release",
			long: "Running pods keep their sidecars (and its mode) until they are recreated; pods created afterwards\n" +
				"are injected by the new release. With --dry-run nothing changes: a table lists, per workload, what\n" +
				"its pods have now and what a restart would give them, with the rule that decides.",
			example: "mesh upgrade --version 1.22.2.35 --dry-run",
			flags: func(fs *pflag.FlagSet) runner {
				var version string
				var dryRun bool
				fs.StringVar(&version, "version", "", "the newer release, numbered as the mesh's product does: four numbers for ASM, three for --profile istio (required)")
				fs.BoolVar(&dryRun, "dry-run", false, "print what a restart would change and change nothing")
				return func(e *cmdEnv) error { return e.s.meshUpgrade(e, version, dryRun) }
			},
		},
		{
			path: "mesh remove-cluster", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short: "Remove a cluster from the mesh: it leaves every namespace's homing; namespaces and labels stay",
			long: "The mesh's sidecar injector leaves the cluster, so pods created there afterwards get no sidecar;\n" +
				"running pods keep theirs.",
			example: "mesh remove-cluster c2",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.meshRemoveCluster(e) }),
		},
		{
			path: "cluster create", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short:   "Create a Kubernetes cluster (ACK) with nodes, optionally an ECI virtual node",
			example: "cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i --virtual-node",
			flags: func(fs *pflag.FlagSet) runner {
				var o clusterCreateOptions
				fs.StringVar(&o.kubeVersion, "kubernetes-version", "1.30", "Kubernetes version, MAJOR.MINOR")
				fs.StringVar(&o.region, "region", "cn-beijing", "region of the cluster")
				fs.StringVar(&o.zone, "zone", "i", "zone of the cluster inside its region")
				fs.IntVar(&o.nodes, "nodes", 2, "number of regular worker nodes")
				fs.BoolVar(&o.virtualNode, "virtual-node", false, "deploy ack-virtual-node: one ECI virtual node, virtual-kubelet-REGION-ZONE")
				fs.StringVar(&o.featureGates, "feature-gates", "", "comma-separated GATE=true|false, e.g. SidecarContainers=true")
				return func(e *cmdEnv) error { return e.s.clusterCreate(e, o) }
			},
		},
		{
			path: "cluster upgrade", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short: "Upgrade a cluster to the next Kubernetes minor version in place",
			long: "Running pods keep what they have; pods created afterwards follow the new version (native sidecars\n" +
				"need 1.28 or later). With --dry-run nothing changes: a table lists what a restart would change.",
			example: "cluster upgrade c1 --kubernetes-version 1.31 --dry-run",
			flags: func(fs *pflag.FlagSet) runner {
				var version string
				var dryRun bool
				fs.StringVar(&version, "kubernetes-version", "", "the next minor version, MAJOR.MINOR (required)")
				fs.BoolVar(&dryRun, "dry-run", false, "print what a restart would change and change nothing")
				return func(e *cmdEnv) error { return e.s.clusterUpgrade(e, version, dryRun) }
			},
		},
		{
			path: "cluster delete", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short:   "Delete a cluster that is not in the mesh, with everything in it",
			example: "cluster delete c2",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.clusterDelete(e) }),
		},
		{
			path: "asm namespace create", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short:   "Create a global namespace in the mesh instance (no cluster gets one)",
			example: "asm namespace create demo --label team=shop",
			flags: func(fs *pflag.FlagSet) runner {
				var labels []string
				fs.StringArrayVar(&labels, "label", nil, "a label KEY=VALUE; repeat the flag for more")
				return func(e *cmdEnv) error { return e.s.asmNamespaceCreate(e, labels) }
			},
		},
		{
			path: "asm namespace delete", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short:   "Delete a global namespace from the mesh instance (clusters keep theirs)",
			example: "asm namespace delete demo",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.asmNamespaceDelete(e) }),
		},
		{
			path: "asm namespace enable-injection", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short:   "Enable automatic sidecar injection: label istio-injection=enabled, pushed to the namespace's clusters",
			example: "asm namespace enable-injection demo",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.asmNamespaceInjection(e, true) }),
		},
		{
			path: "asm namespace disable-injection", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short:   "Disable automatic sidecar injection: label istio-injection=disabled, pushed to the namespace's clusters",
			example: "asm namespace disable-injection demo",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.asmNamespaceInjection(e, false) }),
		},
		{
			path: "asm namespace set-homing", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short:   "Set the homing clusters of a global namespace (ASM >= 1.17.2.37)",
			example: "asm namespace set-homing demo --clusters c1,c2",
			flags: func(fs *pflag.FlagSet) runner {
				var clusters []string
				fs.StringSliceVar(&clusters, "clusters", nil, "comma-separated clusters of the mesh the namespace belongs to (required)")
				return func(e *cmdEnv) error { return e.s.asmNamespaceSetHoming(e, clusters) }
			},
		},
		{
			path: "asm namespace list", maxArgs: 0,
			short: "List the global namespaces as the console's Global Namespace page shows them",
			long: "LABELS leaves out kubernetes.io/metadata.name, which every namespace has. HOMING CLUSTERS is <all>\n" +
				"when none is set: the namespace then belongs to every cluster of the mesh. ACTION is the injection\n" +
				"button the console offers, the opposite of the current state. A Warning line after the table names each\n" +
				"cluster that has not taken an edit yet (its push failed; it is retried on the next edit and advance).",
			example: "asm namespace list",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.asmNamespaceList(e) }),
		},
		{
			path: "asm sync from-cluster", synopsis: "CLUSTER", minArgs: 1, maxArgs: 1,
			short: "Sync sidecar auto-injection labels from a cluster to the mesh instance",
			long: "Creates the namespaces the instance lacks, copies istio-injection and istio.io/rev, and adds\n" +
				"the cluster to the homing clusters of every namespace it has. Prints the plan it carried out.",
			example: "asm sync from-cluster c1 --dry-run",
			flags:   dryRunFlag(func(e *cmdEnv, dryRun bool) error { return e.s.asmSyncFrom(e, dryRun) }),
		},
		{
			path: "asm sync to-clusters", maxArgs: 0,
			short: "Sync sidecar auto-injection labels from the mesh instance to its clusters",
			long: "Creates missing namespaces and copies istio-injection and istio.io/rev, in the homing clusters\n" +
				"of each namespace only, where they differ. Never deletes a namespace or removes a label.",
			example: "asm sync to-clusters --dry-run",
			flags:   dryRunFlag(func(e *cmdEnv, dryRun bool) error { return e.s.asmSyncTo(e, dryRun) }),
		},
		{
			path: "kubectl", synopsis: "COMMAND [ARGS]", maxArgs: -1, raw: true,
			short:   "Run kubectl against the current context (a cluster, or --context asm for the mesh instance)",
			example: "kubectl get pods -n demo -o wide",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.kubectl(e.ctx, e.args, e.stdin, e.out, e.errOut) }),
		},
		{
			path: "istioctl kube-inject", maxArgs: 0,
			short:   "Inject the sidecar into the pods of a manifest, as the webhook would (ignores namespace labels)",
			example: "istioctl kube-inject -f pod.yaml | kubectl apply -f -",
			flags: func(fs *pflag.FlagSet) runner {
				var o kubeInjectOptions
				fs.StringVarP(&o.filename, "filename", "f", "", "manifest to inject: a file, or - for standard input (required)")
				fs.StringVar(&o.context, "context", "", "cluster whose version and feature gates decide the sidecar mode (default: the current context)")
				return func(e *cmdEnv) error { return e.s.kubeInject(e, o) }
			},
		},
		{
			path: "explain pod", synopsis: "NAME", maxArgs: 1,
			short: "Say which rule decided a pod's injection, sidecar mode and node (like istioctl x check-inject)",
			long: "NAME is an existing pod; with -f, the pod of a manifest as if it were created now (NAME then\n" +
				"picks one pod of the manifest).",
			example: "explain pod nginx -n demo",
			flags: func(fs *pflag.FlagSet) runner {
				var o explainOptions
				fs.StringVarP(&o.namespace, "namespace", "n", "", "namespace of the pod (default: default, or the manifest's)")
				fs.StringVar(&o.context, "context", "", "cluster of the pod (default: the current context)")
				fs.StringVarP(&o.filename, "filename", "f", "", "explain the pod of a manifest about to be created: a file, or - for standard input")
				return func(e *cmdEnv) error { return e.s.explainPod(e, o) }
			},
		},
		{
			path: "explain deployment", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short: "Say what a pod of a workload created now would get, and what its pods have",
			long: "The pod its template would create now is explained as `explain pod -f` does; then its pods are\n" +
				"counted by what they have (sidecar or not, mode, proxy release). explain job NAME likewise.",
			example: "explain deployment web -n demo",
			flags:   explainWorkloadFlags("deployment"),
		},
		{
			path: "explain job", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short:   "Say what a pod of a Job created now would get, and what its pods have",
			example: "explain job migrate -n demo",
			flags:   explainWorkloadFlags("job"),
		},
		{
			path: "analyze", maxArgs: 0,
			short:   "Look for injection problems across the mesh (like istioctl analyze)",
			long:    "Reports namespaces without an injection label, pods missing their proxy, conflicting labels, and drift\nbetween the mesh instance and its clusters.",
			example: "analyze --context c1",
			flags: func(fs *pflag.FlagSet) runner {
				var o analyzeOptions
				fs.StringVar(&o.context, "context", "", "analyze this cluster only (default: every cluster of the mesh)")
				fs.StringVarP(&o.namespace, "namespace", "n", "", "report findings for this namespace only (default: all)")
				return func(e *cmdEnv) error { return e.s.analyze(e, o) }
			},
		},
		{
			path: "webhook install", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short:   "Install a third-party mutating webhook; webhook configurations run in name order on pod creation",
			example: "webhook install logsidecar-injector --cluster c1 --legacy",
			flags: func(fs *pflag.FlagSet) runner {
				var o webhookOptions
				fs.StringVar(&o.cluster, "cluster", "", "cluster to install it in (default: the current context)")
				fs.BoolVar(&o.legacy, "legacy", false, "built on old Kubernetes libraries: drops initContainers[].restartPolicy")
				return func(e *cmdEnv) error { return e.s.webhookInstall(e, o) }
			},
		},
		{
			path: "fault inject", maxArgs: 0,
			short: "Make API requests fail: by context, verb and resource (simulator only)",
			long: "Until 'fault clear' (or --count requests), matching requests fail with the error: conflict (409),\n" +
				"timeout (504), server-error (500) or unreachable (connection refused). An empty filter matches all.\n" +
				"With --rate, only that share of the matching requests fails, drawn from --seed.",
			example: "fault inject --context c2 --verb update --resource namespaces --error timeout --count 3",
			flags: func(fs *pflag.FlagSet) runner {
				var o faultOptions
				fs.StringVar(&o.fault.Context, "context", "", "cluster, or asm for the mesh instance (default: every context)")
				fs.StringVar(&o.fault.Verb, "verb", "", "get, list, create, update, patch or delete (default: every verb)")
				fs.StringVar(&o.fault.Resource, "resource", "", "resource, as in the API path: namespaces, pods, ... (default: every resource)")
				fs.StringVar(&o.kind, "error", "", "conflict, timeout, server-error or unreachable (required)")
				fs.IntVar(&o.fault.Count, "count", 0, "fail this many requests, then stop (default: until 'fault clear')")
				fs.Float64Var(&o.fault.Rate, "rate", 0, "fail only this share (0 to 1) of the matching requests")
				return func(e *cmdEnv) error { return e.s.faultInject(e, o) }
			},
		},
		{
			path: "fault clear", maxArgs: 0,
			short:   "Remove every injected fault",
			example: "fault clear",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.faultClear(e) }),
		},
		{
			path: "fault list", maxArgs: 0,
			short:   "List the injected faults still active",
			example: "fault list",
			flags:   noFlags(func(e *cmdEnv) error { return e.s.faultList(e) }),
		},
		{
			path: "advance", synopsis: "DURATION", minArgs: 1, maxArgs: 1, raw: true,
			short:   "Move the virtual clock forward; controllers, schedulers and kubelets catch up",
			example: "advance 2m30s",
			flags:   func(fs *pflag.FlagSet) runner { return func(e *cmdEnv) error { return e.s.advance(e) } },
		},
		{
			path: "grep", synopsis: "[-vicqEFwx] PATTERN", minArgs: 1, maxArgs: 1, raw: true,
			short:   "Keep the lines of a pipe that match (exit status 1 when none does)",
			example: "kubectl get pods -o wide | grep -v Running",
			flags: func(fs *pflag.FlagSet) runner {
				fs.BoolP("invert-match", "v", false, "keep the lines that do not match")
				fs.BoolP("ignore-case", "i", false, "ignore case")
				fs.BoolP("extended-regexp", "E", false, "PATTERN is an extended regular expression")
				fs.BoolP("fixed-strings", "F", false, "PATTERN is a plain string")
				fs.BoolP("word-regexp", "w", false, "match whole words only")
				fs.BoolP("line-regexp", "x", false, "match whole lines only")
				fs.BoolP("count", "c", false, "print the number of matching lines instead")
				fs.BoolP("quiet", "q", false, "print nothing; only the exit status tells")
				fs.StringP("regexp", "e", "", "the PATTERN (for patterns that start with -)")
				return func(e *cmdEnv) error { return script.Grep(e.args, e.stdin, e.out, e.errOut) }
			},
		},
	}
}

// topLevelNames are the commands argv[0] can name.
func topLevelNames(table []commandSpec) []string {
	seen := map[string]bool{"help": true}
	for _, c := range table {
		seen[strings.Fields(c.path)[0]] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// dispatch runs one stage of a pipeline. It returns nil or an
// *script.ExitError whose message is already on errOut.
func (s *Session) dispatch(ctx context.Context, argv []string, stdin io.Reader, out, errOut io.Writer) error {
	if len(argv) == 0 {
		return nil
	}
	table := commandTable()
	if argv[0] == "help" {
		return s.helpCommand(table, argv[1:], out, errOut)
	}

	// The longest path that prefixes argv names the command.
	best, bestLen := -1, 0
	for i, c := range table {
		words := strings.Fields(c.path)
		if len(words) > len(argv) || len(words) <= bestLen {
			continue
		}
		if equalWords(words, argv[:len(words)]) {
			best, bestLen = i, len(words)
		}
	}
	if best < 0 {
		return s.unknownCommand(table, argv, out, errOut)
	}
	spec := table[best]
	return s.runSpec(ctx, spec, argv[bestLen:], stdin, out, errOut)
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// unknownCommand handles argv that names no command: a group alone
// (`asm namespace`, `mesh --help`) prints the group's commands; a wrong
// word is an error with a suggestion.
func (s *Session) unknownCommand(table []commandSpec, argv []string, out, errOut io.Writer) error {
	// The deepest group that prefixes argv.
	depth := 0
	for _, c := range table {
		words := strings.Fields(c.path)
		n := 0
		for n < len(words)-1 && n < len(argv) && words[n] == argv[n] {
			n++
		}
		depth = max(depth, n)
	}
	if depth == 0 {
		err := fmt.Errorf("unknown command %q%s", argv[0], suggestion(argv[0], topLevelNames(table), "; commands are: "))
		fmt.Fprintf(errOut, "error: %v\n", err)
		return &script.ExitError{Code: 1, Err: err}
	}
	group := strings.Join(argv[:depth], " ")
	subs := subcommands(table, argv[:depth])
	if depth == len(argv) || isHelpFlag(argv[depth]) {
		writeGroupHelp(out, table, group)
		return nil
	}
	hint := suggestion(argv[depth], subs, "; its commands are: ")
	if depth == 1 && slices.Contains(topLevelNames(table), argv[1]) {
		// `istioctl analyze`: this shell runs it as a command of its own.
		hint = fmt.Sprintf(": run it as %q, without %q", strings.Join(argv[1:], " "), argv[0])
	}
	err := fmt.Errorf("unknown command %q for %q%s", argv[depth], group, hint)
	fmt.Fprintf(errOut, "error: %v\nSee '%s --help' for usage.\n", err, group)
	return &script.ExitError{Code: 1, Err: err}
}

func isHelpFlag(a string) bool { return a == "-h" || a == "--help" }

// subcommands lists the words that can follow prefix.
func subcommands(table []commandSpec, prefix []string) []string {
	seen := map[string]bool{}
	var subs []string
	for _, c := range table {
		words := strings.Fields(c.path)
		if len(words) > len(prefix) && equalWords(prefix, words[:len(prefix)]) && !seen[words[len(prefix)]] {
			seen[words[len(prefix)]] = true
			subs = append(subs, words[len(prefix)])
		}
	}
	sort.Strings(subs)
	return subs
}

// suggestion renders ` (did you mean "x"?)` for the closest candidate,
// or lists every candidate after orList when none is close.
func suggestion(word string, candidates []string, orList string) string {
	if best := suggest.Closest(word, candidates); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return orList + strings.Join(candidates, ", ")
}

// runSpec parses a command's flags and runs it.
func (s *Session) runSpec(ctx context.Context, spec commandSpec, args []string, stdin io.Reader, out, errOut io.Writer) error {
	fs := newFlagSet(spec)
	run := spec.flags(fs)
	env := &cmdEnv{ctx: ctx, s: s, stdin: stdin, out: out, errOut: errOut, fs: fs}
	if spec.raw {
		if spec.path != "kubectl" && len(args) == 1 && isHelpFlag(args[0]) {
			writeSpecHelp(out, spec)
			return nil
		}
		env.args = args
	} else {
		help := fs.BoolP("help", "h", false, "help for "+spec.path)
		if err := fs.Parse(args); err != nil {
			fmt.Fprintf(errOut, "error: %v\nSee '%s --help' for usage.\n", err, spec.path)
			return &script.ExitError{Code: 1, Err: err}
		}
		if *help {
			writeSpecHelp(out, spec)
			return nil
		}
		env.args = fs.Args()
		if err := checkArgCount(spec, env.args); err != nil {
			fmt.Fprintf(errOut, "error: %v\nSee '%s --help' for usage.\n", err, spec.path)
			return &script.ExitError{Code: 1, Err: err}
		}
	}
	err := run(env)
	if err == nil {
		return nil
	}
	var ee *script.ExitError
	if errors.As(err, &ee) {
		return err
	}
	writeError(errOut, err)
	return &script.ExitError{Code: 1, Err: err}
}

// writeError prints `error: ...`; the lines after the first (every
// problem of a validation, one a line) are indented under it.
func writeError(w io.Writer, err error) {
	fmt.Fprintf(w, "error: %s\n", strings.ReplaceAll(err.Error(), "\n", "\n  "))
}

func newFlagSet(spec commandSpec) *pflag.FlagSet {
	fs := pflag.NewFlagSet(spec.path, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

func checkArgCount(spec commandSpec, args []string) error {
	want := spec.synopsis
	if want == "" {
		want = "no arguments"
	}
	switch {
	case len(args) < spec.minArgs:
		return fmt.Errorf("%s needs %s", spec.path, want)
	case spec.maxArgs >= 0 && len(args) > spec.maxArgs:
		extra := args[spec.maxArgs:]
		return fmt.Errorf("%s takes %s, got extra arguments: %s", spec.path, want, strings.Join(extra, " "))
	}
	return nil
}

// usageLine is `path SYNOPSIS [flags]`.
func usageLine(spec commandSpec) string {
	u := spec.path
	if spec.synopsis != "" {
		u += " " + spec.synopsis
	}
	if !spec.raw {
		u += " [flags]"
	}
	return u
}

// writeSpecHelp prints a command's help: what it does, usage, flags with
// their defaults, an example.
func writeSpecHelp(w io.Writer, spec commandSpec) {
	fmt.Fprintf(w, "%s.\n", spec.short)
	if spec.long != "" {
		fmt.Fprintf(w, "%s\n", spec.long)
	}
	fmt.Fprintf(w, "\nUsage:\n  %s\n", usageLine(spec))
	fs := newFlagSet(spec)
	spec.flags(fs)
	if !spec.raw || spec.path == "grep" {
		fs.BoolP("help", "h", false, "help for "+spec.path)
	}
	if usages := fs.FlagUsages(); usages != "" {
		fmt.Fprintf(w, "\nFlags:\n%s", usages)
	}
	fmt.Fprintf(w, "\nExample:\n")
	for _, ex := range strings.Split(spec.example, "\n") {
		fmt.Fprintf(w, "  %s\n", ex)
	}
}

// writeGroupHelp lists the commands under a group such as "asm namespace".
func writeGroupHelp(w io.Writer, table []commandSpec, group string) {
	fmt.Fprintf(w, "Commands under %q (each takes --help):\n", group)
	writeCommandList(w, table, group+" ")
}

func writeCommandList(w io.Writer, table []commandSpec, prefix string) {
	group := ""
	for _, c := range table {
		if !strings.HasPrefix(c.path+" ", prefix) {
			continue
		}
		if first := strings.Fields(c.path)[0]; first != group {
			fmt.Fprintln(w)
			group = first
		}
		fmt.Fprintf(w, "  %s\n      %s.\n      e.g. %s\n", usageLine(c), c.short, strings.Split(c.example, "\n")[0])
	}
}

// CommandHelp lists every command a script can run, each with what it
// does and an example; `COMMAND --help` tells more about one.
func CommandHelp() string {
	var b strings.Builder
	b.WriteString("Commands (run any of them with --help for its flags):\n")
	writeCommandList(&b, commandTable(), "")
	b.WriteString("\nCommands combine with pipes (kubectl get pod P -o yaml | kubectl replace --force -f -),\n" +
		"and heredocs feed manifests (kubectl apply -f - <<EOF ... EOF).\n")
	b.WriteString("\nkubectl commands emulated:\n" + wrapWords(kubectl.EmulatedCommands(), "  ", 78))
	b.WriteString("kubectl resource types emulated (get, describe, apply -f, delete ...; asmmeshconfigs on --context asm):\n" +
		wrapWords(kubectl.EmulatedResources(), "  ", 78))
	return b.String()
}

// wrapWords joins words with ", " in lines of at most width characters,
// each starting with indent.
func wrapWords(words []string, indent string, width int) string {
	var b strings.Builder
	line := indent
	for i, w := range words {
		item := w
		if i < len(words)-1 {
			item += ","
		}
		if line != indent && len(line)+1+len(item) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += item
	}
	b.WriteString(line + "\n")
	return b.String()
}

// helpCommand is `help [COMMAND...]`.
func (s *Session) helpCommand(table []commandSpec, args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(out, CommandHelp())
		return nil
	}
	path := strings.Join(args, " ")
	for _, c := range table {
		if c.path == path {
			writeSpecHelp(out, c)
			return nil
		}
	}
	if len(subcommands(table, args)) > 0 {
		writeGroupHelp(out, table, path)
		return nil
	}
	err := fmt.Errorf("no help for %q: it is not a command", path)
	fmt.Fprintf(errOut, "error: %v\n", err)
	return &script.ExitError{Code: 1, Err: err}
}
