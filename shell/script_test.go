package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/script"
)

// clockBackend is a Backend with only a clock, for tests of the script
// runner itself: it records each Advance.
type clockBackend struct {
	advanced []time.Duration
}

var _ Backend = (*clockBackend)(nil)

var errNoMesh = errors.New("no mesh instance")

func (b *clockBackend) Now() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }
func (b *clockBackend) Advance(_ context.Context, d time.Duration) error {
	b.advanced = append(b.advanced, d)
	return nil
}
func (b *clockBackend) CreateMesh(context.Context, model.MeshConfig) error     { return errNoMesh }
func (b *clockBackend) Mesh() (Mesh, error)                                    { return nil, errNoMesh }
func (b *clockBackend) CreateCluster(context.Context, model.ClusterSpec) error { return errNoMesh }
func (b *clockBackend) JoinCluster(context.Context, string) error              { return errNoMesh }
func (b *clockBackend) Clusters() []string                                     { return nil }
func (b *clockBackend) ClusterInfo(name string) (model.ClusterInfo, error) {
	return model.ClusterInfo{}, fmt.Errorf("cluster %q not found", name)
}
func (b *clockBackend) Client(name string) (kubernetes.Interface, error) {
	return nil, fmt.Errorf("cluster %q not found", name)
}
func (b *clockBackend) InstallWebhook(context.Context, string, model.Webhook) error { return errNoMesh }
func (b *clockBackend) UpgradeCluster(context.Context, string, model.KubeVersion) error {
	return errNoMesh
}
func (b *clockBackend) LeaveCluster(context.Context, string) ([]string, []string, error) {
	return nil, nil, errNoMesh
}
func (b *clockBackend) DeleteCluster(context.Context, string) error { return errNoMesh }

func runScriptForTest(t *testing.T, script string, opts ScriptOptions) (*clockBackend, string, string, error) {
	t.Helper()
	b := &clockBackend{}
	s := NewSession(b, Options{Seed: 1})
	var out, errOut bytes.Buffer
	err := s.RunScript(context.Background(), script, opts, &out, &errOut)
	return b, out.String(), errOut.String(), err
}

func exitOf(t *testing.T, err error) *script.ExitError {
	t.Helper()
	var ee *script.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v (%T) is not an *script.ExitError", err, err)
	}
	return ee
}

func TestRunScriptStopsAtFirstFailure(t *testing.T) {
	t.Parallel()
	b, out, errOut, err := runScriptForTest(t, "advance 1s\n\n# wrong\nadvance -1s\nadvance 2s\n", ScriptOptions{Name: "demo.sh"})
	ee := exitOf(t, err)
	if ee.Code != 1 || ee.Line != 4 {
		t.Errorf("exit = code %d line %d, want code 1 line 4", ee.Code, ee.Line)
	}
	if len(b.advanced) != 1 || b.advanced[0] != time.Second {
		t.Errorf("advanced %v, want only [1s]: nothing after the failure may run", b.advanced)
	}
	if out != "" {
		t.Errorf("stdout = %q, want empty", out)
	}
	want := "error: advance: invalid duration \"-1s\": the clock only moves forward\n"
	if errOut != want {
		t.Errorf("stderr = %q, want %q (once)", errOut, want)
	}
}

func TestRunScriptKeepGoing(t *testing.T) {
	t.Parallel()
	b, _, errOut, err := runScriptForTest(t, "advance x\nadvance 1s\nnosuch\nadvance 2s\n", ScriptOptions{KeepGoing: true})
	ee := exitOf(t, err)
	if ee.Line != 3 {
		t.Errorf("KeepGoing returned line %d, want the last failure's, 3", ee.Line)
	}
	if len(b.advanced) != 2 {
		t.Errorf("advanced %v, want [1s 2s]", b.advanced)
	}
	if strings.Count(errOut, "error:") != 2 {
		t.Errorf("stderr = %q, want two errors", errOut)
	}
}

func TestRunScriptParseErrorRunsNothing(t *testing.T) {
	t.Parallel()
	b, _, errOut, err := runScriptForTest(t, "advance 1s\nadvance 2s\ngrep 'x\n", ScriptOptions{Name: "s.sh"})
	ee := exitOf(t, err)
	if ee.Code != 2 || ee.Line != 3 {
		t.Errorf("exit = code %d line %d, want code 2 line 3", ee.Code, ee.Line)
	}
	if len(b.advanced) != 0 {
		t.Errorf("advanced %v: a script with a syntax error must run nothing", b.advanced)
	}
	if want := "s.sh:3: unterminated quote: the ' opened on this line is never closed\n"; errOut != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
}

func TestRunScriptEcho(t *testing.T) {
	t.Parallel()
	_, out, errOut, err := runScriptForTest(t, "advance \\\n  1s\nhelp grep | grep '^Usage'\n", ScriptOptions{Echo: true})
	if err != nil {
		t.Fatalf("RunScript: %v (stderr %q)", err, errOut)
	}
	want := "$ advance \\\n  1s\n$ help grep | grep '^Usage'\nUsage:\n"
	if out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
}

func TestExec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		line       string
		stdin      string
		wantOut    string
		wantErrOut string
		wantCode   int // -1: success
	}{
		{"stdin feeds the first stage", "grep b", "a\nb\nab\n", "b\nab\n", "", -1},
		{"heredoc feeds its stage", "grep x <<EOF\nax\nb\nEOF", "", "ax\n", "", -1},
		{"heredoc beats stdin", "grep x <<EOF\nx1\nEOF", "x2\n", "x1\n", "", -1},
		{"pipeline", "grep a | grep -v b | grep -c .", "a\nab\nac\nd\n", "2\n", "", -1},
		{"grep no match exits 1 silently", "grep zzz", "a\n", "", "", 1},
		{"grep on empty input", "grep .", "", "", "", 1},
		{"status is the last stage's", "nosuch | grep -c x", "", "0\n", "error: unknown command \"nosuch\"", 1},
		{"failing first stage, succeeding last", "nosuch | help grep", "", "Keep the lines", "error: unknown command \"nosuch\"", -1},
		{"blank", "   ", "", "", "", -1},
		{"comment", "# nothing", "", "", "", -1},
		{"unknown command with suggestion", "kubeclt get pods", "", "", "error: unknown command \"kubeclt\" (did you mean \"kubectl\"?)\n", 1},
		{"unknown command near istioctl", "istioctl2 kube-inject", "", "", "(did you mean \"istioctl\"?)", 1},
		{"unknown command lists commands", "frobnicate", "", "", "error: unknown command \"frobnicate\"; commands are: advance, analyze, asm, cluster, explain, fault, grep, help, istioctl, kubectl, mesh, webhook\n", 1},
		{"unknown subcommand", "mesh crate", "", "", "error: unknown command \"crate\" for \"mesh\" (did you mean \"create\"?)\nSee 'mesh --help' for usage.\n", 1},
		{"unknown nested subcommand", "asm namespace enable", "", "", "error: unknown command \"enable\" for \"asm namespace\" (did you mean \"enable-injection\"?)", 1},
		{"bad flag", "mesh create --versoin 1.22.2.35", "", "", "error: unknown flag: --versoin\nSee 'mesh create --help' for usage.\n", 1},
		{"missing argument", "mesh add-cluster", "", "", "error: mesh add-cluster needs NAME\nSee 'mesh add-cluster --help' for usage.\n", 1},
		{"extra argument", "asm namespace list extra", "", "", "error: asm namespace list takes no arguments, got extra arguments: extra\n", 1},
		{"group alone prints its commands", "asm namespace", "", "Commands under \"asm namespace\"", "", -1},
		{"group help", "istioctl --help", "", "istioctl kube-inject", "", -1},
		{"command help", "mesh create --help", "", "Usage:\n  mesh create [flags]\n", "", -1},
		{"help shows defaults", "cluster create -h", "", `(default "1.30")`, "", -1},
		{"help shows an example", "asm namespace set-homing --help", "", "Example:\n  asm namespace set-homing demo --clusters c1,c2\n", "", -1},
		{"raw command help", "advance --help", "", "Usage:\n  advance DURATION\n", "", -1},
		{"help command", "help", "", "Commands (run any of them with --help", "", -1},
		{"help of a command", "help asm sync to-clusters", "", "Usage:\n  asm sync to-clusters [flags]", "", -1},
		{"help of nothing", "help frob", "", "", "error: no help for \"frob\": it is not a command\n", 1},
		{"advance", "advance 2m30s", "", "", "", -1},
		{"advance needs a unit", "advance 30", "", "", "error: advance: invalid duration \"30\": write it like 30s, 2m or 1h30m\n", 1},
		{"advance needs one duration", "advance", "", "", "error: advance takes one DURATION", 1},
		{"no mesh yet", "asm namespace list", "", "", "error: no mesh instance\n", 1},
		{"bad mesh flags report every problem", "mesh create --version 1.2 --profile foo --enable-native-sidecar maybe", "", "",
			"error: mesh create: --version: invalid ASM version \"1.2\"", 1},
		{"syntax error", "grep 'x", "", "", "syntax error: unterminated quote", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewSession(&clockBackend{}, Options{})
			var out, errOut bytes.Buffer
			err := s.Exec(context.Background(), tt.line, strings.NewReader(tt.stdin), &out, &errOut)
			if tt.wantCode < 0 {
				if err != nil {
					t.Fatalf("Exec(%q): %v\nstderr: %s", tt.line, err, errOut.String())
				}
			} else if ee := exitOf(t, err); ee.Code != tt.wantCode {
				t.Errorf("Exec(%q) exit code = %d, want %d", tt.line, ee.Code, tt.wantCode)
			}
			if !strings.Contains(out.String(), tt.wantOut) || (tt.wantOut == "" && out.Len() > 0) {
				t.Errorf("Exec(%q) stdout = %q, want it to contain %q", tt.line, out.String(), tt.wantOut)
			}
			if !strings.Contains(errOut.String(), tt.wantErrOut) || (tt.wantErrOut == "" && errOut.Len() > 0) {
				t.Errorf("Exec(%q) stderr = %q, want it to contain %q", tt.line, errOut.String(), tt.wantErrOut)
			}
		})
	}
}

func TestMeshCreateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	s := NewSession(&clockBackend{}, Options{})
	var out, errOut bytes.Buffer
	_ = s.Exec(context.Background(), "mesh create --version 1.2 --profile foo --enable-native-sidecar maybe", nil, &out, &errOut)
	for _, want := range []string{"--version", "--profile: unknown profile \"foo\"", "--enable-native-sidecar: want true or false, got \"maybe\""} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr = %q, want it to mention %q", errOut.String(), want)
		}
	}
}

func TestExecCanceled(t *testing.T) {
	t.Parallel()
	b := &clockBackend{}
	s := NewSession(b, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	err := s.RunScript(ctx, "advance 1s\nadvance 2s", ScriptOptions{KeepGoing: true}, &out, &errOut)
	if ee := exitOf(t, err); ee.Line != 1 || !errors.Is(ee.Err, context.Canceled) {
		t.Errorf("got %v, want a cancellation at line 1", err)
	}
	if len(b.advanced) != 0 {
		t.Errorf("advanced %v after cancellation", b.advanced)
	}
}

func TestCheckTranscript(t *testing.T) {
	t.Parallel()
	text := `$ advance 1s
$ grep x <<EOF
ax
b
EOF
ax
$ ! nosuch
error: unknown command "nosuch"; commands are: advance, analyze, asm, cluster, ...
$ grep -c x <<EOF
x
EOF
2
$ help asm sync to-clusters
Sync sidecar auto-injection labels from the mesh instance to its clusters.
`
	s := NewSession(&clockBackend{}, Options{})
	ms := s.CheckTranscript(t.Context(), "t.txt", text)
	require.Len(t, ms, 2)
	assert.Equal(t, 9, ms[0].Line)
	assert.Equal(t, "1\n", ms[0].Actual)
	assert.Equal(t, "t.txt:9: $ grep -c x <<EOF ...\n--- expected\n+++ actual\n@@ -1 +1 @@\n-2\n+1", ms[0].String())
	assert.Equal(t, 13, ms[1].Line)
	assert.Contains(t, ms[1].Diff, "+Creates missing namespaces")

	bad := s.CheckTranscript(t.Context(), "bad.txt", "oops\n")
	require.Len(t, bad, 1)
	assert.Equal(t, "bad.txt:1: a transcript starts with a `$ command` line, got \"oops\"", bad[0].String())
}

func TestEchoedRunIsATranscript(t *testing.T) {
	t.Parallel()
	script := "advance 1s\ngrep a <<EOF\na1\nb\nEOF\nhelp grep | grep '^Usage'\n"
	_, out, _, err := runScriptForTest(t, script, ScriptOptions{Echo: true})
	require.NoError(t, err)
	s := NewSession(&clockBackend{}, Options{})
	assert.Empty(t, s.CheckTranscript(t.Context(), "echoed", out), "the echoed run does not check against itself:\n%s", out)
}

func TestCommandHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	help := CommandHelp()
	for _, c := range commandTable() {
		if !strings.Contains(help, usageLine(c)) {
			t.Errorf("CommandHelp lacks %q", usageLine(c))
		}
		if c.example == "" || !strings.Contains(help, "e.g. "+strings.Split(c.example, "\n")[0]) {
			t.Errorf("CommandHelp lacks an example for %q", c.path)
		}
		if !strings.HasPrefix(c.example, c.path) && !strings.Contains(c.example, c.path+" ") {
			t.Errorf("the example of %q does not use it: %q", c.path, c.example)
		}
	}
}
