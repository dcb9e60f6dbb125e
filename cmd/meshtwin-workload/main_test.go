package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRunPlaysEachPart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		argv  []string
		stdin string
		want  int
	}{
		{"sleep", []string{"0"}, "", 0},
		{"sleep", []string{"x"}, "", 1},
		{"sleep", nil, "", 1},
		{"sh", []string{"-c", "echo hi && sleep 0; exit 3"}, "", 3},
		{"sh", []string{"-c", "true; unknown-step"}, "", 0},
		{"meshtwin-workload", []string{"istio-iptables", "-p", "15001"}, "", 0},
		{"pilot-agent", []string{"request", "POST", "drain"}, "", 0},
		{"meshtwin-workload", []string{"sleep", "0"}, "", 0},
		// busybox's sh without a command: its input, none under a
		// kubelet, then exit 0.
		{"sh", nil, "", 0},
		{"sh", nil, "echo hi\nexit 4\nsleep infinity\n", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, run(t.Context(), tc.name, tc.argv, strings.NewReader(tc.stdin)))
		})
	}
}

// A server part (nginx's entrypoint) runs until it is stopped, then
// exits 0.
func TestRunServesUntilStopped(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.Equal(t, 0, run(ctx, "meshtwin-workload", nil, nil))
	assert.Equal(t, 0, run(ctx, "sleep", []string{"infinity"}, nil))
	// sh whose input stays open (kubectl run -i) runs until stopped.
	r, w := io.Pipe()
	defer w.Close()
	assert.Equal(t, 0, run(ctx, "sh", nil, r))
}
