package steps

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

func TestSnapshotSeesChangesOnly(t *testing.T) {
	t.Parallel()
	setup := "mesh create --version 1.22.2.35\ncluster create c1\nmesh add-cluster c1\nkubectl create namespace demo\n"
	tests := []struct {
		name    string
		command string
		changed string // a line of the diff, "" when nothing may change
	}{
		{"a failing command", "kubectl create namespace Bad_Name", ""},
		{"a read", "kubectl get namespaces", ""},
		{"a label", "kubectl label namespace demo team=a", `+ c1 namespace demo`},
		{"an instance namespace", "asm namespace create shop", `+ mesh namespace shop`},
		{"the mesh config", `kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'`, "enableNativeSidecar=false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := sim.New(sim.Options{Seed: 1})
			s := shell.NewSession(b, shell.Options{Seed: 1})
			var out, errOut bytes.Buffer
			if err := s.RunScript(ctx, setup, shell.ScriptOptions{}, &out, &errOut); err != nil {
				t.Fatalf("setup: expected success, got %v\n%s%s", err, out.String(), errOut.String())
			}
			before, err := TakeSnapshot(ctx, b)
			if err != nil {
				t.Fatalf("expected a snapshot, got %v", err)
			}
			_ = s.Exec(ctx, tt.command, nil, &out, &errOut)
			after, err := TakeSnapshot(ctx, b)
			if err != nil {
				t.Fatalf("expected a snapshot, got %v", err)
			}
			diff := before.Diff(after)
			switch {
			case tt.changed == "" && diff != "":
				t.Errorf("expected no change, got:\n%s", diff)
			case tt.changed != "" && !strings.Contains(diff, tt.changed):
				t.Errorf("expected a change with %q, got:\n%s", tt.changed, diff)
			}
		})
	}
}
