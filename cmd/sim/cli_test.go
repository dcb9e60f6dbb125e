package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/internal/golden"
)

// TestCLIGolden runs the CLI on each testdata/*.args (one argument line,
// split on spaces) and compares what it prints, both streams as a
// terminal shows them, and its exit code with testdata/*.golden.
// `go test ./cmd/sim -run TestCLIGolden -update` rewrites them.
func TestCLIGolden(t *testing.T) {
	golden.Each(t, filepath.Join("testdata", "*.args"), func(t *testing.T, input string) string {
		raw, err := os.ReadFile(input)
		require.NoError(t, err)
		args := strings.Fields(string(raw))
		// One buffer for both streams: the golden reads as a terminal
		// shows the run.
		var terminal bytes.Buffer
		code := run(t.Context(), args, strings.NewReader(""), &terminal, &terminal)
		shown := terminal.String()
		if shown != "" && !strings.HasSuffix(shown, "\n") {
			shown += "\n" // as a shell prompt would start a new line
		}
		return fmt.Sprintf("$ sim %s\n%s(exit code %d)\n", strings.Join(args, " "), shown, code)
	})
}

// TestExamplesAreTranscripts checks every shipped example with `sim
// check`, as a user would.
func TestExamplesAreTranscripts(t *testing.T) {
	examples, err := filepath.Glob("../../examples/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) < 8 {
		t.Fatalf("want one example per seed document plus the what-ifs, found %d", len(examples))
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"check"}, examples...), nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("sim check examples: exit code %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if want := fmt.Sprintf("%d passed, 0 failed", len(examples)); !strings.Contains(stdout.String(), want) {
		t.Errorf("sim check examples: want %q in\n%s", want, stdout.String())
	}
}

// TestExamplesRun runs each example as `sim run` would, from its
// transcript's commands: every command must succeed.
func TestExamplesRun(t *testing.T) {
	examples, err := filepath.Glob("../../examples/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range examples {
		t.Run(filepath.Base(ex), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"run", ex}, nil, &stdout, &stderr); code != 0 {
				t.Fatalf("sim run %s: exit code %d\n%s", ex, code, stderr.String())
			}
		})
	}
}

// TestRunReadsStdin runs a script piped to `sim run -`.
func TestRunReadsStdin(t *testing.T) {
	var stdout, stderr bytes.Buffer
	script := "mesh create --version 1.22.2.35\ncluster create c1\nmesh add-cluster c1\nkubectl get ns default\n"
	code := run(context.Background(), []string{"run", "-"}, strings.NewReader(script), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "default   Active   0s") {
		t.Errorf("want the default namespace listed, got\n%s", stdout.String())
	}
}

// TestCheckReadsStdin checks a transcript piped to `sim check -`, once
// passing and once with an unmarked failure whose text was pasted as the
// expected output: the second must fail, naming the line.
func TestCheckReadsStdin(t *testing.T) {
	t.Parallel()
	const head = "$ mesh create\nmesh created: ASM 1.22.2.35 (profile asm)\n$ cluster create c1\n" +
		"cluster \"c1\" created (Kubernetes 1.30, cn-beijing-i, 2 nodes)\n$ mesh add-cluster c1\ncluster \"c1\" added to the mesh\n"
	tests := []struct {
		name, transcript string
		code             int
		want             string
	}{
		{"pass", head + "$ ! kubectl get ns shop\nError from server (NotFound): namespaces \"shop\" not found\n", 0, "ok    STDIN\n1 passed, 0 failed\n"},
		{"unmarked failure", head + "$ kubectl get ns shop\nError from server (NotFound): namespaces \"shop\" not found\n", 1,
			"FAIL  STDIN\nSTDIN:7: $ kubectl get ns shop\nexit status 1, but the command is not marked to fail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), []string{"check", "-"}, strings.NewReader(tt.transcript), &stdout, &stderr)
			require.Equal(t, tt.code, code, stdout.String()+stderr.String())
			require.Contains(t, stdout.String(), tt.want)
			require.Empty(t, stderr.String())
		})
	}
}

// BenchmarkScript10k runs a generated script of 10,000 commands (labels,
// pod creations, gets and clock steps over 100 namespaces) through `sim
// run`, the same path a user takes. The figure to read is ns/op divided
// by 10 for the time per thousand commands.
func BenchmarkScript10k(b *testing.B) {
	script := generateScript(10_000)
	for b.Loop() {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"run", "-"}, strings.NewReader(script), &stdout, &stderr); code != 0 {
			b.Fatalf("exit code %d: %s", code, stderr.String())
		}
	}
}

// generateScript writes a script of exactly n commands.
func generateScript(n int) string {
	var sb strings.Builder
	lines := []string{
		"mesh create --version 1.22.2.35",
		"cluster create c1 --nodes 3 --virtual-node",
		"mesh add-cluster c1",
	}
	for i := 0; len(lines) < n; i++ {
		ns := fmt.Sprintf("team-%d", i%100)
		switch {
		case i < 100:
			lines = append(lines, "kubectl create namespace "+ns)
		case i%5 == 0:
			lines = append(lines, fmt.Sprintf("kubectl label namespace %s istio-injection=enabled --overwrite", ns))
		case i%5 == 1:
			lines = append(lines, fmt.Sprintf("kubectl run app-%d -n %s --image nginx", i, ns))
		case i%5 == 2:
			lines = append(lines, fmt.Sprintf("kubectl get pods -n %s", ns))
		case i%5 == 3:
			lines = append(lines, fmt.Sprintf("kubectl get namespace %s --show-labels", ns))
		default:
			lines = append(lines, "advance 1s")
		}
	}
	for _, l := range lines[:n] {
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	return sb.String()
}
