package sim_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"pgregory.net/rapid"

	"github.com/meshtwin/meshtwin/asm"
	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/sim"
)

// twoClusters is a mesh with clusters c1 and c2 joined.
func twoClusters(t tb, seed int64) (*sim.Sim, *asm.Instance) {
	t.Helper()
	ctx := context.Background()
	s := sim.New(sim.Options{Seed: seed})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("setup: %v", err)
		}
	}
	must(s.CreateMesh(ctx, model.MeshConfig{Version: model.MustASMVersion("1.22.2.35")}))
	for _, c := range []string{"c1", "c2"} {
		must(s.CreateCluster(ctx, model.ClusterSpec{Name: c}))
		must(s.JoinCluster(ctx, c))
	}
	inst, err := s.Instance()
	must(err)
	return s, inst
}

func TestFaultErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind  model.FaultKind
		check func(error) bool
		text  string
	}{
		{model.FaultConflict, apierrors.IsConflict, `Operation cannot be fulfilled on namespaces "x": the object has been modified; please apply your changes to the latest version and try again`},
		{model.FaultTimeout, apierrors.IsTimeout, "Timeout: request did not complete within requested timeout - context deadline exceeded"},
		{model.FaultServerError, apierrors.IsInternalError, "Internal error occurred: etcdserver: request timed out"},
		{model.FaultUnreachable, func(err error) bool { return apierrors.ReasonForError(err) == metav1.StatusReasonUnknown },
			`Get "https://172.16.0.1:6443/api/v1/namespaces/x": dial tcp 172.16.0.1:6443: connect: connection refused`},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			s, _ := twoClusters(t, 1)
			cs, err := s.Client("c1")
			require.NoError(t, err)
			require.NoError(t, s.InjectFault(model.Fault{Context: "c1", Verb: "get", Resource: "namespaces", Kind: tt.kind, Count: 2}))
			for range 2 {
				_, err = cs.CoreV1().Namespaces().Get(t.Context(), "x", metav1.GetOptions{})
				require.Error(t, err)
				assert.True(t, tt.check(err), "%v", err)
				assert.Equal(t, tt.text, err.Error())
			}
			_, err = cs.CoreV1().Namespaces().Get(t.Context(), "x", metav1.GetOptions{})
			assert.True(t, apierrors.IsNotFound(err), "after --count requests the fault is spent: %v", err)
			other, err := s.Client("c2")
			require.NoError(t, err)
			require.NoError(t, s.InjectFault(model.Fault{Context: "c1", Kind: tt.kind}))
			_, err = other.CoreV1().Namespaces().Get(t.Context(), "x", metav1.GetOptions{})
			assert.True(t, apierrors.IsNotFound(err), "a fault in c1 leaves c2 alone: %v", err)
		})
	}
}

// TestFaultRateIsSeeded: the same seed fails the same requests.
func TestFaultRateIsSeeded(t *testing.T) {
	t.Parallel()
	pattern := func(seed int64) []bool {
		s, _ := twoClusters(t, seed)
		cs, err := s.Client("c1")
		require.NoError(t, err)
		require.NoError(t, s.InjectFault(model.Fault{Context: "c1", Kind: model.FaultServerError, Rate: 0.5}))
		var out []bool
		for range 40 {
			_, err := cs.CoreV1().Namespaces().List(t.Context(), metav1.ListOptions{})
			out = append(out, err != nil)
		}
		return out
	}
	a, b := pattern(7), pattern(7)
	assert.Equal(t, a, b)
	assert.Contains(t, a, true)
	assert.Contains(t, a, false)
}

// TestPartialSyncThenComplete: a sync that fails on one cluster applies
// to the other, reports the failure, and the next sync completes it.
func TestPartialSyncThenComplete(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, inst := twoClusters(t, 1)
	require.NoError(t, inst.CreateNamespace(ctx, "demo", map[string]string{model.LabelInjection: "enabled"}))
	require.NoError(t, s.InjectFault(model.Fault{Context: "c2", Verb: "create", Kind: model.FaultServerError}))
	done, err := inst.SyncTo(ctx)
	var pe *asm.PartialError
	require.True(t, errors.As(err, &pe), "%v", err)
	assert.Equal(t, []string{"c2"}, pe.Places())
	assert.Equal(t, "cluster c1: create namespace demo (istio-injection=enabled, provider=asm)", done.String())
	require.Len(t, pe.Failed, 1)
	assert.Equal(t, `cluster c2: create namespace demo failed: Internal error occurred: etcdserver: request timed out`, pe.Failed[0].String())
	s.ClearFaults()
	done, err = inst.SyncTo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "cluster c2: create namespace demo (istio-injection=enabled, provider=asm)", done.String())
}

// TestConflictsAreRetried: an update that meets conflicts is redone on
// a fresh read and goes through.
func TestConflictsAreRetried(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, inst := twoClusters(t, 1)
	require.NoError(t, inst.CreateNamespace(ctx, "demo", nil))
	_, err := inst.SyncTo(ctx)
	require.NoError(t, err)
	require.NoError(t, s.InjectFault(model.Fault{Context: "c1", Verb: "update", Resource: "namespaces", Kind: model.FaultConflict, Count: 3}))
	require.NoError(t, inst.EnableInjection(ctx, "demo"))
	cs, err := s.Client("c1")
	require.NoError(t, err)
	ns, err := cs.CoreV1().Namespaces().Get(ctx, "demo", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "enabled", ns.Labels[model.LabelInjection])
	assert.Empty(t, s.Faults(), "the three conflicts were met")
}

// state reads every context's namespaces and labels with the faults set
// aside for the read.
func state(t *rapid.T, s *sim.Sim) map[string]map[string]map[string]string {
	faults := s.Faults()
	s.ClearFaults()
	defer func() {
		for _, f := range faults {
			if err := s.InjectFault(f); err != nil {
				t.Fatalf("re-inject %v: %v", f, err)
			}
		}
	}()
	out := map[string]map[string]map[string]string{}
	for _, c := range []string{model.ContextASM, "c1", "c2"} {
		cs, err := s.Client(c)
		if err != nil {
			t.Fatal(err)
		}
		list, err := cs.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out[c] = map[string]map[string]string{}
		for _, ns := range list.Items {
			out[c][ns.Name] = maps.Clone(ns.Labels)
		}
	}
	return out
}

// TestFaultsNeverLoseAndSyncsConverge (B28 under faults): random console
// operations and syncs while random API errors strike; no namespace and
// no label is ever lost; once the faults stop, rounds of sync-from each
// cluster then sync-to reach a fixpoint where every homing cluster has the
// instance's injection labels.
func TestFaultsNeverLoseAndSyncsConverge(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		s, inst := twoClusters(t, rapid.Int64().Draw(t, "seed"))
		names := []string{"a", "b", "c"}
		clusters := []string{"c1", "c2"}
		seen := state(t, s)
		steps := rapid.IntRange(1, 12).Draw(t, "steps")
		for range steps {
			name := rapid.SampledFrom(names).Draw(t, "name")
			switch rapid.IntRange(0, 6).Draw(t, "op") {
			case 0:
				_ = inst.CreateNamespace(ctx, name, nil)
			case 1:
				_ = inst.EnableInjection(ctx, name)
			case 2:
				_ = inst.DisableInjection(ctx, name)
			case 3:
				c := rapid.SampledFrom(clusters).Draw(t, "cluster")
				cs, err := s.Client(c)
				if err != nil {
					t.Fatal(err)
				}
				labels := map[string]string{"team": name}
				if rapid.Bool().Draw(t, "labelled") {
					labels[model.LabelInjection] = rapid.SampledFrom([]string{"enabled", "disabled"}).Draw(t, "value")
				}
				_, _ = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
			case 4:
				_, _ = inst.SyncTo(ctx)
			case 5:
				_, _ = inst.SyncFrom(ctx, rapid.SampledFrom(clusters).Draw(t, "from"))
			case 6:
				f := model.Fault{
					Context:  rapid.SampledFrom([]string{"", model.ContextASM, "c1", "c2"}).Draw(t, "fault context"),
					Verb:     rapid.SampledFrom([]string{"", "get", "list", "create", "update"}).Draw(t, "fault verb"),
					Resource: "namespaces",
					Kind:     rapid.SampledFrom(model.FaultKinds()).Draw(t, "fault kind"),
					Count:    rapid.IntRange(0, 3).Draw(t, "fault count"),
				}
				if err := s.InjectFault(f); err != nil {
					t.Fatal(err)
				}
			}
			now := state(t, s)
			for c, nss := range seen {
				for ns, labels := range nss {
					cur, ok := now[c][ns]
					if !ok {
						t.Fatalf("namespace %s lost in %s", ns, c)
					}
					for k := range labels {
						if _, ok := cur[k]; !ok {
							t.Fatalf("label %s lost on namespace %s in %s", k, ns, c)
						}
					}
				}
			}
			seen = now
		}
		s.ClearFaults()
		for round := 0; ; round++ {
			if round == 4 {
				t.Fatal("no fixpoint after 4 rounds of syncs")
			}
			changed := false
			for _, c := range clusters {
				plan, err := inst.SyncFrom(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				changed = changed || !plan.Empty()
			}
			plan, err := inst.SyncTo(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !changed && plan.Empty() {
				break
			}
		}
		final := state(t, s)
		globals, err := inst.Namespaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range globals {
			ns, labels := g.Name, final[model.ContextASM][g.Name]
			if model.SyncSkipsNamespace(ns) {
				continue
			}
			for _, c := range model.HomingOf(g, clusters) {
				cl, ok := final[c][ns]
				if !ok {
					t.Fatalf("namespace %s of the instance is missing in %s after the fixpoint", ns, c)
				}
				for _, k := range model.InjectionLabelKeys() {
					if v, ok := labels[k]; ok && cl[k] != v {
						t.Fatalf("%s on %s: instance %q, %s %q", k, ns, v, c, cl[k])
					}
				}
			}
		}
	})
}
