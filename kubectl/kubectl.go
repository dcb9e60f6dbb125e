package kubectl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/internal/suggest"
	"github.com/meshtwin/meshtwin/model"
)

// kubectlCommandNames are kubectl's own available top-level commands in
// the order kubectl v1.37 adds them (k8s.io/kubectl pkg/cmd/cmd.go: its
// help groups, then config, plugin, version, api-versions, api-resources,
// options and kuberc; "alpha" has no commands and is hidden), which is the
// order of cobra's "did you mean" suggestions. Only some are emulated
// (see kubectlCommands).
var kubectlCommandNames = []string{
	"create", "expose", "run", "set", "explain", "get", "edit", "delete",
	"rollout", "scale", "autoscale", "certificate", "cluster-info", "top",
	"cordon", "uncordon", "drain", "taint", "describe", "logs", "attach",
	"exec", "port-forward", "proxy", "cp", "auth", "debug", "events", "diff",
	"apply", "patch", "replace", "wait", "kustomize", "label", "annotate",
	"completion", "config", "plugin", "version", "api-versions",
	"api-resources", "options", "kuberc",
}

// kubectlCommands are the commands this emulation runs.
var kubectlCommands = map[string]func(k *kubectlRun, args []string) error{
	"get":      (*kubectlRun).get,
	"describe": (*kubectlRun).describe,
	"create":   (*kubectlRun).create,
	"run":      (*kubectlRun).runPod,
	"apply":    (*kubectlRun).apply,
	"replace":  (*kubectlRun).replace,
	"delete":   (*kubectlRun).delete,
	"label": func(k *kubectlRun, args []string) error {
		return k.label(args, kubeLabelMode)
	},
	"annotate": func(k *kubectlRun, args []string) error {
		return k.label(args, kubeAnnotateMode)
	},
	"rollout": (*kubectlRun).rollout,
	"patch":   (*kubectlRun).patch,
	"scale":   (*kubectlRun).scale,
	"config":  (*kubectlRun).config,
	"wait":    (*kubectlRun).wait,
	"logs":    (*kubectlRun).logs,
}

// kubectlEmulated are the names of kubectlCommands, sorted, for help.
var kubectlEmulated = slices.Sorted(maps.Keys(kubectlCommands))

// Run runs one kubectl command line (args excludes the word "kubectl")
// against host's client for the current context (or --context). On
// failure it writes kubectl's own error text to errOut, once, and returns
// the error; the caller must not print it again. Package doc (go doc
// ./kubectl) lists where it waits on the host's clock and where it
// deliberately differs from kubectl.
func Run(ctx context.Context, host Host, args []string, stdin io.Reader, out, errOut io.Writer) error {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	k := &kubectlRun{host: host, ctx: ctx, stdin: stdin, out: out, errOut: errOut}
	err := k.run(args)
	if err == nil {
		return nil
	}
	io.WriteString(errOut, kubectlErrorText(err))
	return err
}

// kubectlRun is one kubectl invocation: its streams, its flags and the
// global flags (--context, -n) wherever they appeared on the line.
type kubectlRun struct {
	host   Host
	ctx    context.Context
	stdin  io.Reader
	out    io.Writer
	errOut io.Writer

	// path is the command path usage messages name ("kubectl label").
	path string
	fs   *pflag.FlagSet

	contextFlag   string
	namespaceFlag string
	help          bool

	// served caches discovery: group/version -> resource -> served; nil
	// when the server's discovery says nothing (then every type is tried).
	served map[string]map[string]bool
}

func (k *kubectlRun) run(args []string) error {
	name, rest, ok := kubectlSplitCommand(args)
	if !ok {
		// kubectl and kubectl --help print one help text.
		fs := k.newFlags("kubectl")
		if err := fs.Parse(args); err != nil {
			return &kubectlFlagError{path: k.path, err: err}
		}
		k.writeRootHelp()
		return nil
	}
	if cmd, ok := kubectlCommands[name]; ok {
		return cmd(k, rest)
	}
	if slices.Contains(kubectlCommandNames, name) {
		return notEmulated("kubectl "+name, kubectlEmulated...)
	}
	return kubectlUnknownCommand(name, "kubectl", kubectlCommandNames)
}

// notEmulated is the one error for anything kubectl does that this
// emulation does not: what names it as the user typed it, emulated lists
// what is emulated in its place.
func notEmulated(what string, emulated ...string) error {
	return fmt.Errorf("meshtwin does not emulate %q; emulated: %s", what, strings.Join(emulated, ", "))
}

// kubectlUnknownCommand is cobra's error for a word that names no
// command, with its suggestions (suggest.Cobra: Levenshtein distance <= 2,
// or a prefix).
func kubectlUnknownCommand(word, parent string, commands []string) error {
	msg := fmt.Sprintf("unknown command %q for %q", word, parent)
	if close := suggest.Cobra(word, commands); len(close) > 0 {
		msg += "\n\nDid you mean this?\n"
		for _, c := range close {
			msg += "\t" + c + "\n"
		}
	}
	return errors.New(msg)
}

// kubectlSplitCommand finds the first word that is not a flag (skipping
// the values of the global flags that take one) and returns it with the
// other arguments.
func kubectlSplitCommand(args []string) (string, []string, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return "", args, false
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			switch a {
			case "-n", "--namespace", "--context", "-f", "--filename", "-o", "--output":
				i++
			}
			continue
		}
		rest := make([]string, 0, len(args)-1)
		rest = append(rest, args[:i]...)
		rest = append(rest, args[i+1:]...)
		return a, rest, true
	}
	return "", args, false
}

// newFlags starts the flag set of a command, with the global flags.
func (k *kubectlRun) newFlags(path string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(path, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&k.contextFlag, "context", k.contextFlag, "The name of the kubeconfig context to use (a cluster, or asm for the mesh instance)")
	fs.StringVarP(&k.namespaceFlag, "namespace", "n", k.namespaceFlag, "If present, the namespace scope for this CLI request")
	fs.BoolVarP(&k.help, "help", "h", false, "help for "+strings.TrimPrefix(path, "kubectl "))
	k.fs, k.path = fs, path
	return fs
}

// parse parses the command line with the flags declared since newFlags;
// with -h it prints the command's flags (callers return when k.help).
func (k *kubectlRun) parse(args []string) ([]string, error) {
	if err := k.fs.Parse(args); err != nil {
		return nil, &kubectlFlagError{path: k.path, err: err}
	}
	if k.help {
		fmt.Fprintf(k.out, "Usage:\n  %s [flags]\n\nOptions:\n%s", k.path, k.fs.FlagUsages())
	}
	return k.fs.Args(), nil
}

// writeRootHelp is kubectl's root help in its layout (description,
// commands, usage), listing the commands meshtwin emulates.
func (k *kubectlRun) writeRootHelp() {
	fmt.Fprintf(k.out, "kubectl controls the Kubernetes cluster manager (emulated by meshtwin).\n\n"+
		"Emulated commands:\n  %s\n\nOptions:\n%s\nUsage:\n  kubectl [flags] [options]\n\n"+
		"Use \"kubectl <command> --help\" for more information about a given command.\n",
		strings.Join(kubectlEmulated, "\n  "), k.fs.FlagUsages())
}

// contextName is the context this command talks to: --context, else the
// session's current context.
func (k *kubectlRun) contextName() (string, error) {
	if k.contextFlag != "" {
		if _, err := k.host.Client(k.contextFlag); err != nil {
			// client-go's clientcmd error, as kubectl prints it.
			return "", fmt.Errorf("context was not found for specified context: %s", k.contextFlag)
		}
		return k.contextFlag, nil
	}
	if k.host.CurrentContext() == "" {
		return "", errors.New("no context is set: add a cluster to the mesh (mesh add-cluster NAME) or pass --context")
	}
	return k.host.CurrentContext(), nil
}

// client is the clientset of this command's context.
func (k *kubectlRun) client() (kubernetes.Interface, error) {
	name, err := k.contextName()
	if err != nil {
		return nil, err
	}
	cs, err := k.host.Client(name)
	if err != nil {
		return nil, fmt.Errorf("context %q: %w", name, err)
	}
	return cs, nil
}

// serves reports whether the context's API server has a resource type,
// from its discovery, as kubectl's RESTMapper decides. A server whose
// discovery lists nothing (a bare fake clientset) is taken to serve all.
func (k *kubectlRun) serves(r *kubeResource) bool {
	if r.meshConfig {
		return k.onASM()
	}
	if k.served == nil {
		k.served = map[string]map[string]bool{}
		cs, err := k.client()
		if err != nil {
			return true
		}
		if _, err := cs.Discovery().ServerResourcesForGroupVersion("v1"); err != nil {
			k.served["*"] = nil
			return true
		}
	}
	if _, all := k.served["*"]; all {
		return true
	}
	gv := r.version
	if r.group != "" {
		gv = r.group + "/" + r.version
	}
	names, ok := k.served[gv]
	if !ok {
		names = map[string]bool{}
		if cs, err := k.client(); err == nil {
			if list, err := cs.Discovery().ServerResourcesForGroupVersion(gv); err == nil {
				for _, res := range list.APIResources {
					names[res.Name] = true
				}
			}
		}
		k.served[gv] = names
	}
	return names[r.plural]
}

// serverVersion is the Kubernetes version of this command's context, zero
// when not known.
func (k *kubectlRun) serverVersion() model.KubeVersion {
	name, err := k.contextName()
	if err != nil {
		return model.KubeVersion{}
	}
	v, _ := k.host.KubeVersion(name)
	return v
}

// onASM reports whether this command talks to the mesh instance.
func (k *kubectlRun) onASM() bool {
	name, err := k.contextName()
	return err == nil && name == model.ContextASM
}

// namespace is -n, else "default".
func (k *kubectlRun) namespace() string {
	if k.namespaceFlag != "" {
		return k.namespaceFlag
	}
	return metav1.NamespaceDefault
}

// readFile reads FILE (relative to the session's folder) or "-" (stdin),
// and returns the source name kubectl prints ("STDIN" or the path).
func (k *kubectlRun) readFile(name string) ([]byte, string, error) {
	if name == "-" {
		data, err := io.ReadAll(k.stdin)
		return data, "STDIN", err
	}
	if u, err := url.Parse(name); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return nil, name, notEmulated(k.path+" -f "+name, "-f FILE", "-f - (standard input)")
	}
	path := name
	if !filepath.IsAbs(path) && k.host.Dir() != "" {
		path = filepath.Join(k.host.Dir(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, name, fmt.Errorf("the path %q does not exist", name)
		}
		return nil, name, err
	}
	return data, name, nil
}

// kubectlFlagError is a flag kubectl's parser refused.
type kubectlFlagError struct {
	path string
	err  error
}

func (e *kubectlFlagError) Error() string { return e.err.Error() }
func (e *kubectlFlagError) Unwrap() error { return e.err }

// kubectlUsageError is a command line kubectl refuses after parsing its
// flags (missing or extra arguments).
type kubectlUsageError struct {
	path string
	msg  string
}

func (e *kubectlUsageError) Error() string { return e.msg }

func (k *kubectlRun) usageErrorf(format string, args ...any) error {
	return &kubectlUsageError{path: k.path, msg: fmt.Sprintf(format, args...)}
}

// kubectlSilentExit fails the command without a message, as kubectl does
// after printing a command group's help.
type kubectlSilentExit struct{}

func (kubectlSilentExit) Error() string { return "exit status 1" }

// nestedUnknownCommand is kubectl's error for words after a command
// group that name none of its commands.
func (k *kubectlRun) nestedUnknownCommand(args []string) error {
	return k.usageErrorf("unknown command %q", strings.Join(args, " "))
}

// kubectlErrors are several failures of one command, printed one a line
// after whatever succeeded.
type kubectlErrors []error

func (e kubectlErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "\n")
}

func (e kubectlErrors) Unwrap() []error { return e }

// joinKubectlErrors returns nil, the one error, or all of them.
func joinKubectlErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return kubectlErrors(errs)
}

// kubectlErrorText renders err as kubectl's CheckErr prints it.
func kubectlErrorText(err error) string {
	if errors.As(err, new(kubectlSilentExit)) {
		return ""
	}
	var many kubectlErrors
	if errors.As(err, &many) {
		var b strings.Builder
		for _, e := range many {
			b.WriteString(kubectlErrorText(e))
		}
		return b.String()
	}
	var text string
	var flagErr *kubectlFlagError
	var usageErr *kubectlUsageError
	var status apierrors.APIStatus
	var urlErr *url.Error
	switch {
	case errors.As(err, &flagErr):
		text = fmt.Sprintf("error: %s\nSee '%s --help' for usage.", flagErr.err, flagErr.path)
	case errors.As(err, &usageErr):
		text = fmt.Sprintf("error: %s\nSee '%s -h' for help and examples", usageErr.msg, usageErr.path)
	case errors.As(err, &status):
		text = kubectlStatusText(status.Status())
	case errors.As(err, &urlErr):
		text = kubectlConnectionText(urlErr)
	default:
		text = "error: " + err.Error()
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return text
}

// kubectlConnectionText is kubectl's StandardErrorMessage for a request
// that never reached the API server (k8s.io/kubectl pkg/cmd/util/helpers.go).
func kubectlConnectionText(e *url.Error) string {
	if e.Err != nil && strings.Contains(e.Err.Error(), "connection refused") {
		host := e.URL
		if server, err := url.Parse(e.URL); err == nil {
			host = server.Host
		}
		return fmt.Sprintf("The connection to the server %s was refused - did you specify the right host or port?", host)
	}
	return fmt.Sprintf("Unable to connect to the server: %v", e.Err)
}

// kubectlStatusText renders an API error: Invalid ones list their causes,
// others name their reason.
func kubectlStatusText(st metav1.Status) string {
	if st.Reason == metav1.StatusReasonInvalid && st.Details != nil && len(st.Details.Causes) > 0 {
		prefix := "The request is invalid"
		if st.Details.Kind != "" || st.Details.Name != "" {
			prefix = fmt.Sprintf("The %s %q is invalid", st.Details.Kind, st.Details.Name)
		}
		causes := st.Details.Causes
		if len(causes) == 1 {
			return fmt.Sprintf("%s: %s: %s", prefix, causes[0].Field, causes[0].Message)
		}
		var b strings.Builder
		b.WriteString(prefix + ": \n")
		for _, c := range causes {
			fmt.Fprintf(&b, "* %s: %s\n", c.Field, c.Message)
		}
		return b.String()
	}
	if st.Reason != "" {
		return fmt.Sprintf("Error from server (%s): %s", st.Reason, st.Message)
	}
	return "Error from server: " + st.Message
}

// kubeSortedKeys returns m's keys in order.
func kubeSortedKeys[K ~string, V any](m map[K]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, string(key))
	}
	sort.Strings(keys)
	return keys
}
