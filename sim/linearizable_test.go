package sim_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/sim"
)

// linOp is one operation of the concurrency test: a console operation,
// a sync or a pod creation, as a user (or a controller) sets it off.
type linOp struct {
	name string
	run  func(ctx context.Context, s *sim.Sim) error
}

func linOps() []linOp {
	createPod := func(cluster, ns, name string) func(context.Context, *sim.Sim) error {
		return func(ctx context.Context, s *sim.Sim) error {
			cs, err := s.Client(cluster)
			if err != nil {
				return err
			}
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "nginx"}}},
			}
			_, err = cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
			return err
		}
	}
	return []linOp{
		{"console: enable injection on shop", func(ctx context.Context, s *sim.Sim) error {
			m, err := s.Mesh()
			if err != nil {
				return err
			}
			return m.EnableInjection(ctx, "shop")
		}},
		{"console: create pay with injection", func(ctx context.Context, s *sim.Sim) error {
			m, err := s.Mesh()
			if err != nil {
				return err
			}
			return m.CreateNamespace(ctx, "pay", map[string]string{model.LabelInjection: "enabled"})
		}},
		{"sync to the clusters", func(ctx context.Context, s *sim.Sim) error {
			m, err := s.Mesh()
			if err != nil {
				return err
			}
			_, err = m.SyncTo(ctx)
			return err
		}},
		{"sync from c1", func(ctx context.Context, s *sim.Sim) error {
			m, err := s.Mesh()
			if err != nil {
				return err
			}
			_, err = m.SyncFrom(ctx, "c1")
			return err
		}},
		{"pod web in shop on c1", createPod("c1", "shop", "web")},
		{"pod api in pay on c2", createPod("c2", "pay", "api")},
	}
}

// linSetup is the mesh every run starts from: c1 and c2 in the mesh, the
// global namespace shop (in both clusters, no injection yet) and a
// namespace legacy in c1 only, which a sync from c1 brings in.
func linSetup(t testing.TB) *sim.Sim {
	t.Helper()
	ctx := context.Background()
	s := sim.New(sim.Options{Seed: 7})
	require.NoError(t, s.CreateMesh(ctx, model.MeshConfig{Version: model.MustASMVersion("1.22.2.35")}))
	for _, c := range []string{"c1", "c2"} {
		require.NoError(t, s.CreateCluster(ctx, model.ClusterSpec{Name: c, Nodes: 1}))
		require.NoError(t, s.JoinCluster(ctx, c))
	}
	m, err := s.Mesh()
	require.NoError(t, err)
	require.NoError(t, m.CreateNamespace(ctx, "shop", nil))
	_, err = m.SyncTo(ctx)
	require.NoError(t, err)
	c1, err := s.Client("c1")
	require.NoError(t, err)
	_, err = c1.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: "legacy", Labels: map[string]string{model.LabelInjection: "disabled"}}}, metav1.CreateOptions{})
	require.NoError(t, err)
	return s
}

// linState renders what the operations leave that they decide: each
// context's namespaces and their labels, the instance's homing, each
// pod's containers (injected or not), and which operations failed.
// Generated names, uids and node choices are left out.
func linState(t testing.TB, s *sim.Sim, failed []bool) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	for _, c := range []string{model.ContextASM, "c1", "c2"} {
		cs, err := s.Client(c)
		require.NoError(t, err)
		nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		for _, ns := range nss.Items {
			var kv []string
			for _, k := range slices.Sorted(maps.Keys(ns.Labels)) {
				kv = append(kv, k+"="+ns.Labels[k])
			}
			lines = append(lines, fmt.Sprintf("%s namespace %s %s", c, ns.Name, strings.Join(kv, ",")))
		}
		if c == model.ContextASM {
			continue
		}
		pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		for _, p := range pods.Items {
			var names []string
			for _, ct := range append(p.Spec.InitContainers, p.Spec.Containers...) {
				names = append(names, ct.Name)
			}
			lines = append(lines, fmt.Sprintf("%s pod %s/%s %s", c, p.Namespace, p.Name, strings.Join(names, ",")))
		}
	}
	m, err := s.Mesh()
	require.NoError(t, err)
	gns, err := m.Namespaces(ctx)
	require.NoError(t, err)
	for _, g := range gns {
		lines = append(lines, fmt.Sprintf("homing %s %v", g.Name, g.Homing))
	}
	for i, f := range failed {
		lines = append(lines, fmt.Sprintf("op %d failed=%t", i, f))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// permutations calls f with every order of 0..n-1.
func permutations(n int, f func([]int)) {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			f(slices.Clone(order))
			return
		}
		for i := k; i < n; i++ {
			order[k], order[i] = order[i], order[k]
			rec(k + 1)
			order[k], order[i] = order[i], order[k]
		}
	}
	rec(0)
}

// TestConcurrentOperationsAreLinearizable runs console operations,
// syncs and pod creations from one goroutine each, all at once, against
// the simulator (under -race in CI), and checks that what they leave,
// together with which of them failed, is what running the same
// operations one after another leaves in some order: every order is run
// on a fresh simulator, and the concurrent outcome must be one of them.
func TestConcurrentOperationsAreLinearizable(t *testing.T) {
	t.Parallel()
	ops := linOps()
	ctx := context.Background()

	sequential := map[string][]int{}
	permutations(len(ops), func(order []int) {
		s := linSetup(t)
		failed := make([]bool, len(ops))
		for _, k := range order {
			failed[k] = ops[k].run(ctx, s) != nil
		}
		st := linState(t, s, failed)
		if _, ok := sequential[st]; !ok {
			sequential[st] = order
		}
	})
	t.Logf("%d orders give %d distinct outcomes", factorial(len(ops)), len(sequential))

	const rounds = 8
	for round := range rounds {
		s := linSetup(t)
		failed := make([]bool, len(ops))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for k, op := range ops {
			wg.Go(func() {
				<-start
				failed[k] = op.run(ctx, s) != nil
			})
		}
		close(start)
		wg.Wait()
		st := linState(t, s, failed)
		order, ok := sequential[st]
		require.Truef(t, ok, "round %d: the concurrent operations left a state no sequential order leaves:\n%s", round, st)
		t.Logf("round %d: as in the order %v", round, order)
	}
}

func factorial(n int) int {
	if n <= 1 {
		return 1
	}
	return n * factorial(n-1)
}
