package shell_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/script"
	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
	"github.com/meshtwin/meshtwin/steps"
)

// badInputSetup is the mesh every bad input meets: two clusters in the
// mesh, a global namespace with injection on, a labelled cluster
// namespace.
const badInputSetup = `mesh create
cluster create c1
cluster create c2 --kubernetes-version 1.31
mesh add-cluster c1
mesh add-cluster c2
asm namespace create demo
asm namespace enable-injection demo
asm sync to-clusters
kubectl --context c1 create namespace shop
kubectl --context c1 label namespace shop team=a
`

// How a bad input reaches the twin: one command line as the CLI runs it
// (Session.Exec, with stdin), a whole script (Session.RunScript, as `sim
// run` runs it), or a transcript (Session.CheckTranscript, as `sim check`
// runs it; what it prints is each mismatch as `sim check` prints it).
const (
	viaCommand    = "command"
	viaScript     = "script"
	viaTranscript = "transcript"
)

type badInput struct {
	name  string
	via   string
	input string // the command line, script or transcript
	stdin string
	// want is everything the user sees (standard output and errors
	// together, as a terminal shows them), exactly; status is the exit
	// status (0 for an input the twin takes with a warning and ignores).
	want   string
	status int
	// then, when set, is a command run afterwards whose output must be
	// thenWant: what the user would check to see that nothing changed
	// where the snapshot does not look.
	then, thenWant string
}

func runBadInput(ctx context.Context, s *shell.Session, tc badInput) (string, int) {
	var out bytes.Buffer
	switch tc.via {
	case viaCommand:
		err := s.Exec(ctx, tc.input, strings.NewReader(tc.stdin), &out, &out)
		return out.String(), statusOf(err)
	case viaScript:
		err := s.RunScript(ctx, tc.input, shell.ScriptOptions{Name: "bad.sh"}, &out, &out)
		return out.String(), statusOf(err)
	case viaTranscript:
		ms := s.CheckTranscript(ctx, "bad.txt", tc.input)
		for _, m := range ms {
			out.WriteString(m.String() + "\n")
		}
		if len(ms) > 0 {
			return out.String(), 1
		}
		return out.String(), 0
	}
	panic("unknown way in: " + tc.via)
}

func statusOf(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*script.ExitError); ok && ee.Code != 0 {
		return ee.Code
	}
	return 1
}

func bigConfigMap(size int) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  a: " + strings.Repeat("x", size) + "\n"
}

// TestBadInput feeds the twin bad input of every kind a new user tries,
// through the path the user takes, and checks for each the exact error
// the user sees and that nothing changed: the whole observable state
// (steps.TakeSnapshot) is the same before and after.
func TestBadInput(t *testing.T) {
	t.Parallel()
	cases := []badInput{
		// Names.
		{name: "upper-case namespace name (console)", via: viaCommand, input: "asm namespace create Demo_1", status: 1,
			want: `error: create namespace "Demo_1": invalid namespace name "Demo_1": character "D" at position 1 is not allowed; character "_" at position 5 is not allowed: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', start and end with an alphanumeric character, and be at most 63 characters (e.g. 'my-name')` + "\n"},
		{name: "duplicate namespace (console)", via: viaCommand, input: "asm namespace create demo", status: 1,
			want: "error: create namespace \"demo\": namespaces \"demo\" already exists\n"},
		{name: "name of 64 characters", via: viaCommand, input: "asm namespace create " + strings.Repeat("a", 64), status: 1,
			want: "error: create namespace \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": invalid namespace name \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": it is 64 characters long, more than 63: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', start and end with an alphanumeric character, and be at most 63 characters (e.g. 'my-name')\n"},
		{name: "upper-case namespace name (kubectl)", via: viaCommand, input: "kubectl --context c1 create namespace Bad", status: 1,
			want: "The Namespace \"Bad\" is invalid: metadata.name: Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\n"},
		{name: "invalid UTF-8 in a command line", via: viaCommand, input: "asm namespace create d\xffemo", status: 2,
			want: "syntax error: column 23: byte 0xff is not UTF-8: scripts and transcripts are UTF-8 text\n"},
		// Labels.
		{name: "label key with a space", via: viaCommand, input: "asm namespace create x --label 'bad key=x'", status: 1,
			want: "error: create namespace \"x\": invalid label key \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')\n"},
		{name: "label without a value", via: viaCommand, input: "asm namespace create x --label novalue", status: 1,
			want: "error: create namespace \"x\": --label \"novalue\": want KEY=VALUE\n"},
		{name: "label value with a space (kubectl)", via: viaCommand, input: "kubectl --context c1 label namespace shop 'team=a b' --overwrite", status: 1,
			want: "error: invalid label value: \"team=a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')\n"},
		{name: "relabel without --overwrite", via: viaCommand, input: "kubectl --context c1 label namespace shop team=b", status: 1,
			want: "error: 'team' already has a value (a), and --overwrite is false\n"},
		// Versions and feature gates.
		{name: "Kubernetes 1.19 is not modelled", via: viaCommand, input: "cluster create c3 --kubernetes-version 1.19", status: 1,
			want: `error: create cluster "c3": --kubernetes-version: Kubernetes 1.19 is not modelled: meshtwin models Kubernetes 1.21 to 1.37` + "\n"},
		{name: "Kubernetes 2.0 is not modelled", via: viaCommand, input: "cluster create c3 --kubernetes-version 2.0", status: 1,
			want: `error: create cluster "c3": --kubernetes-version: Kubernetes 2.0 is not modelled: meshtwin models Kubernetes 1.21 to 1.37` + "\n"},
		{name: "Kubernetes version that is not one", via: viaCommand, input: "cluster create c3 --kubernetes-version one", status: 1,
			want: "error: create cluster \"c3\": --kubernetes-version: invalid Kubernetes version \"one\": want MAJOR.MINOR like 1.30 (a leading v and a patch, as in v1.30.2, are accepted)\n"},
		{name: "misspelled feature gate", via: viaCommand, input: "cluster create c3 --feature-gates SidecarContainer=true", status: 1,
			want: `error: create cluster "c3": --feature-gates: unrecognized feature gate: SidecarContainer (did you mean "SidecarContainers"? meshtwin models only SidecarContainers)` + "\n"},
		{name: "feature gate older than its release", via: viaCommand, input: "cluster create c3 --kubernetes-version 1.27 --feature-gates SidecarContainers=true", status: 1,
			want: "error: create cluster \"c3\": --feature-gates: unrecognized feature gate: SidecarContainers (the gate came in Kubernetes 1.28)\n"},
		{name: "GA feature gate turned off", via: viaCommand, input: "cluster create c3 --kubernetes-version 1.33 --feature-gates SidecarContainers=false", status: 1,
			want: "error: create cluster \"c3\": --feature-gates: cannot set feature gate SidecarContainers to false, feature is locked to true\n"},
		{name: "feature gate value not a boolean", via: viaCommand, input: "cluster create c3 --feature-gates SidecarContainers=maybe", status: 1,
			want: "error: create cluster \"c3\": --feature-gates: \"SidecarContainers=maybe\": the value of SidecarContainers must be true or false\n"},
		{name: "ASM version of two parts", via: viaCommand, input: "mesh upgrade --version 1.19", status: 1,
			want: "error: mesh upgrade: --version: invalid ASM version \"1.19\": want four dot-separated numbers like 1.22.2.35\n"},
		{name: "ASM downgrade", via: viaCommand, input: "mesh upgrade --version 1.21.6.97", status: 1,
			want: "error: mesh upgrade: 1.21.6.97 is older than the mesh's 1.22.2.35: an in-place upgrade only moves to a newer release\n"},
		{name: "Kubernetes upgrade that skips a minor", via: viaCommand, input: "cluster upgrade c1 --kubernetes-version 1.32", status: 1,
			want: "error: cluster upgrade c1: Kubernetes 1.32 skips a minor version: the control plane is upgraded one minor version at a time (next: 1.31)\n"},
		// Scripts.
		{name: "trailing backslash on the last line", via: viaScript, input: "asm namespace create a\nasm namespace create b \\\n", status: 2,
			want: "bad.sh:2: unexpected end of script after '\\': the last line goes on to a next line, and there is none\n"},
		{name: "script of 1,000,000 commands", via: viaScript, input: strings.Repeat("asm namespace create x\n", 1_000_000), status: 2,
			want: "bad.sh:100001: more than 100000 commands: a script may have at most 100000; split it into several scripts\n"},
		{name: "binary garbage as a script", via: viaScript, input: "asm namespace create a\n\x00\x01\xfe\xffELF\x02\n", status: 2,
			want: "bad.sh:2: column 1: control character 0x00: scripts and transcripts are text, not binary data\n"},
		{name: "invalid UTF-8 in a script", via: viaScript, input: "asm namespace create a\nasm namespace create d\xe9mo\n", status: 2,
			want: "bad.sh:2: column 23: byte 0xe9 is not UTF-8: scripts and transcripts are UTF-8 text\n"},
		{name: "unterminated quote", via: viaScript, input: "asm namespace create a\nkubectl get ns 'shop\n", status: 2,
			want: "bad.sh:2: unterminated quote: the ' opened on this line is never closed\n"},
		{name: "two commands on a line", via: viaScript, input: "asm namespace create a; asm namespace create b\n", status: 2,
			want: "bad.sh:1: ';' is not supported: write one command per line\n"},
		{name: "unterminated heredoc", via: viaScript, input: "asm namespace create a\nkubectl --context c1 apply -f - <<EOF\nkind: Namespace\n", status: 2,
			want: "bad.sh:2: here-document is not terminated: no line \"EOF\" closes it\n"},
		// Transcripts.
		{name: "transcript without commands", via: viaTranscript, input: "# nothing here\n\n", status: 1,
			want: "bad.txt: no commands: a transcript's commands are lines that start with `$ `\n"},
		{name: "transcript with text before its first command", via: viaTranscript, input: "hello\n$ asm namespace create a\n", status: 1,
			want: "bad.txt:1: a transcript starts with a `$ command` line, got \"hello\"\n"},
		{name: "binary garbage as a transcript", via: viaTranscript, input: "$ asm namespace create a\n\x00\x00\x7fELF\n", status: 1,
			want: "bad.txt:2: column 1: control character 0x00: scripts and transcripts are text, not binary data\n"},
		{name: "invalid UTF-8 in a transcript", via: viaTranscript, input: "$ asm namespace create a\nnamespace \xff\n", status: 1,
			want: "bad.txt:2: column 11: byte 0xff is not UTF-8: scripts and transcripts are UTF-8 text\n"},
		{name: "transcript command with an open quote", via: viaTranscript, input: "$ asm namespace create a\n$ kubectl get ns 'x\n", status: 1,
			want: "bad.txt:2: unterminated quote: the ' opened on this line is never closed\n"},
		// Manifests.
		{name: "10 MB manifest", via: viaCommand, input: "kubectl --context c1 apply -f -", stdin: bigConfigMap(10 << 20), status: 1,
			want: `Error from server (RequestEntityTooLarge): error when creating "STDIN": Request entity too large: limit is 3145728` + "\n"},
		{name: "binary garbage as a manifest", via: viaCommand, input: "kubectl --context c1 apply -f -", stdin: "\x7fELF\x02\x01\x01\x00\x00\x00", status: 1,
			want: "error: error parsing STDIN: error converting YAML to JSON: yaml: control characters are not allowed\n"},
		{name: "invalid UTF-8 in a manifest", via: viaCommand, input: "kubectl --context c1 apply -f -", stdin: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: d\xffmo\n", status: 1,
			want: "error: error parsing STDIN: error converting YAML to JSON: yaml: invalid leading UTF-8 octet\n"},
		{name: "manifest of an unknown kind", via: viaCommand, input: "kubectl --context c1 apply -f -", stdin: "apiVersion: v1\nkind: Pdo\nmetadata:\n  name: web\n", status: 1,
			want: "error: resource mapping not found for name: \"web\" namespace: \"\" from \"STDIN\": no matches for kind \"Pdo\" in version \"v1\"\nensure CRDs are installed first\n"},
		{name: "manifest without a name", via: viaCommand, input: "kubectl --context c1 apply -f -", stdin: "apiVersion: v1\nkind: Namespace\nmetadata: {}\n", status: 1,
			want: "error: error when retrieving current configuration of:\nResource: \"/v1, Resource=namespaces\", GroupVersionKind: \"/v1, Kind=Namespace\"\nName: \"\", Namespace: \"\"\nfrom server for: \"STDIN\": resource name may not be empty\n"},
		{name: "manifest that is not YAML", via: viaCommand, input: "kubectl --context c1 apply -f -", stdin: "apiVersion: v1\nkind: [Namespace\n", status: 1,
			want: "error: error parsing STDIN: error converting YAML to JSON: yaml: line 2: did not find expected ',' or ']'\n"},
		{name: "pod manifest with an invalid container name", via: viaCommand, input: "kubectl --context c1 apply -f -", stdin: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: Web_1\n    image: nginx\n", status: 1,
			want: "The Pod \"web\" is invalid: spec.containers[0].name: Invalid value: \"Web_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\n"},
		// Flags.
		{name: "misspelled kubectl flag", via: viaCommand, input: "kubectl --context c1 get pods --outptu wide", status: 1,
			want: "error: unknown flag: --outptu\nSee 'kubectl get --help' for usage.\n"},
		{name: "misspelled console flag", via: viaCommand, input: "asm sync to-clusters --dry-rn", status: 1,
			want: "error: unknown flag: --dry-rn\nSee 'asm sync to-clusters --help' for usage.\n"},
		{name: "negative duration", via: viaCommand, input: "advance -5s", status: 1,
			want: "error: advance: invalid duration \"-5s\": the clock only moves forward\n"},
		{name: "negative node count", via: viaCommand, input: "cluster create c3 --nodes -1", status: 1,
			want: "error: create cluster \"c3\": --nodes: want 0 or more, got -1\n"},
		{name: "unknown fault", via: viaCommand, input: "fault inject --error bogus", status: 1,
			want: "error: inject fault: unknown fault error \"bogus\" (known: conflict, timeout, server-error, unreachable)\n"},
		// Contexts.
		{name: "unknown kubectl context", via: viaCommand, input: "kubectl --context nope get ns", status: 1,
			want: "error: context was not found for specified context: nope\n"},
		{name: "pods on the mesh instance", via: viaCommand, input: "kubectl --context asm get pods", status: 1,
			want: "error: the server doesn't have a resource type \"pods\"\n"},
		{name: "sync from a cluster not in the mesh", via: viaCommand, input: "asm sync from-cluster nope", status: 1,
			want: "error: sync from cluster \"nope\": cluster \"nope\" is not part of the mesh (members: c1, c2)\n"},
		{name: "homing on an unknown cluster", via: viaCommand, input: "asm namespace set-homing demo --clusters c1,nope", status: 1,
			want: "error: set homing of namespace \"demo\": cluster \"nope\" is not part of the mesh (members: c1, c2)\n"},
		// The console and the mesh config.
		{name: "delete istio-system from the console", via: viaCommand, input: "asm namespace delete istio-system", status: 1,
			want: `error: delete namespace "istio-system": it is the mesh's system namespace (istiod and the mesh's configuration live there) and cannot be deleted from the console` + "\n"},
		{name: "delete kube-system from the console", via: viaCommand, input: "asm namespace delete kube-system", status: 1,
			want: `error: delete namespace "kube-system": namespaces "kube-system" is forbidden: this namespace may not be deleted` + "\n"},
		{name: "delete kube-public from the console", via: viaCommand, input: "asm namespace delete kube-public", status: 1,
			want: `error: delete namespace "kube-public": namespaces "kube-public" is forbidden: this namespace may not be deleted` + "\n"},
		{name: "unknown field in an asmmeshconfig patch", via: viaCommand, status: 0,
			input: `kubectl --context asm patch asmmeshconfig default --type merge -p '{"spec":{"foo":1}}'`,
			want:  "Warning: unknown field \"spec.foo\"\nasmmeshconfig.istio.alibabacloud.com/default patched (no change)\n",
			then:  "kubectl --context asm get asmmeshconfig default -o jsonpath={.spec}", thenWant: "{}"},
		{name: "asmmeshconfig field of the wrong type", via: viaCommand, status: 1,
			input: `kubectl --context asm patch asmmeshconfig default --type merge -p '{"spec":{"enableNativeSidecar":"yes"}}'`,
			want:  "The ASMMeshConfig \"default\" is invalid: spec.enableNativeSidecar: Invalid value: \"yes\": must be of type boolean, not string\n"},
	}
	require.GreaterOrEqual(t, len(cases), 40)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			b := sim.New(sim.Options{Seed: 1})
			s := shell.NewSession(b, shell.Options{Seed: 1, Dir: t.TempDir()})
			var setup bytes.Buffer
			require.NoError(t, s.RunScript(ctx, badInputSetup, shell.ScriptOptions{Name: "setup.sh"}, &setup, &setup), setup.String())
			before, err := steps.TakeSnapshot(ctx, b)
			require.NoError(t, err)

			got, status := runBadInput(ctx, s, tc)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.status, status, "exit status")

			after, err := steps.TakeSnapshot(ctx, b)
			require.NoError(t, err)
			assert.True(t, before.Equal(after), "the bad input changed the state:\n%s", before.Diff(after))
			if tc.then != "" {
				var out bytes.Buffer
				require.NoError(t, s.Exec(ctx, tc.then, nil, &out, &out), out.String())
				assert.Equal(t, tc.thenWant, out.String())
			}
		})
	}
}

// BenchmarkRefuseOversizedScript measures refusing a script of 1,000,000
// commands (script.MaxCommands is 100,000) against running a script of
// 1,000 commands in the same run: the refusal happens while parsing, so
// it costs a parse, not a run (go test ./shell -run '^$' -bench
// OversizedScript -benchmem).
func BenchmarkRefuseOversizedScript(b *testing.B) {
	huge := strings.Repeat("asm namespace create x\n", 1_000_000)
	var small strings.Builder
	small.WriteString("mesh create\n")
	for i := range 1_000 {
		fmt.Fprintf(&small, "asm namespace create ns-%d\n", i)
	}
	for _, bc := range []struct {
		name, script string
		wantErr      bool
	}{{"refuse-1000000", huge, true}, {"run-1000", small.String(), false}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s := shell.NewSession(sim.New(sim.Options{Seed: 1}), shell.Options{Seed: 1, Dir: b.TempDir()})
				err := s.RunScript(b.Context(), bc.script, shell.ScriptOptions{Name: "bench.sh"}, io.Discard, io.Discard)
				if (err != nil) != bc.wantErr {
					b.Fatalf("RunScript error = %v, want error: %v", err, bc.wantErr)
				}
			}
		})
	}
}
