package sim_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"pgregory.net/rapid"

	"github.com/meshtwin/meshtwin/asm"
	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

// syncSim is a simulator with a mesh and clusters c1, c2, c3 beside the
// pure state the model says it must hold.
type syncSim struct {
	ctx      context.Context
	s        *sim.Sim
	mesh     shell.Mesh
	cp       kubernetes.Interface
	clients  map[string]kubernetes.Interface
	inst     model.InstanceState
	clusters map[string]*model.ClusterNamespaces
}

func syncClusterNames() []string { return []string{"c1", "c2", "c3"} }

func syncNamespaceNames() []string { return []string{"default", "kube-system", "demo", "web", "shop"} }

func syncLabelValues(key string) []string {
	switch key {
	case model.LabelInjection:
		return []string{"enabled", "disabled"}
	case model.LabelRevision:
		return []string{"default", "canary"}
	case model.LabelProvider:
		return []string{model.ProviderASM, "other"}
	}
	return []string{"a", "b"}
}

func syncLabelKeys() []string {
	return []string{model.LabelInjection, model.LabelRevision, model.LabelProvider, "team"}
}

func newSyncSim(t *rapid.T) *syncSim {
	ctx := context.Background()
	version := rapid.SampledFrom([]string{"1.17.2.36", "1.17.2.37", "1.22.2.35"}).Draw(t, "version")
	w := &syncSim{ctx: ctx, s: sim.New(sim.Options{Seed: 1}), clients: map[string]kubernetes.Interface{}}
	require.NoError(t, w.s.CreateMesh(ctx, model.MeshConfig{Version: model.MustASMVersion(version)}))
	members := rapid.SliceOfNDistinct(rapid.SampledFrom(syncClusterNames()), 1, 3, rapid.ID[string]).Draw(t, "members")
	for _, c := range syncClusterNames() {
		require.NoError(t, w.s.CreateCluster(ctx, model.ClusterSpec{Name: c, Nodes: -1}))
		if slices.Contains(members, c) {
			require.NoError(t, w.s.JoinCluster(ctx, c))
		}
		cs, err := w.s.Client(c)
		require.NoError(t, err)
		w.clients[c] = cs
	}
	var err error
	w.mesh, err = w.s.Mesh()
	require.NoError(t, err)
	w.cp, err = w.s.Client(model.ContextASM)
	require.NoError(t, err)
	w.inst, w.clusters = w.read(t)
	return w
}

// withoutMetadataName drops the label the API server adds to every
// namespace, which the sync rules never read.
func withoutMetadataName(labels map[string]string) map[string]string {
	out := maps.Clone(labels)
	delete(out, model.LabelMetadataName)
	if out == nil {
		out = map[string]string{}
	}
	return out
}

// read returns what the simulator holds, as the model's states.
func (w *syncSim) read(t *rapid.T) (model.InstanceState, map[string]*model.ClusterNamespaces) {
	list, err := w.cp.CoreV1().Namespaces().List(w.ctx, metav1.ListOptions{})
	require.NoError(t, err)
	inst := model.InstanceState{Version: w.mesh.Config().Version, Clusters: w.mesh.Clusters(), Namespaces: map[string]model.GlobalNamespace{}}
	for i := range list.Items {
		g := asm.GlobalNamespaceOf(&list.Items[i])
		g.Labels = withoutMetadataName(g.Labels)
		inst.Namespaces[g.Name] = g
	}
	clusters := map[string]*model.ClusterNamespaces{}
	for _, c := range syncClusterNames() {
		list, err := w.clients[c].CoreV1().Namespaces().List(w.ctx, metav1.ListOptions{})
		require.NoError(t, err)
		cn := &model.ClusterNamespaces{Cluster: c, Namespaces: map[string]map[string]string{}}
		for _, ns := range list.Items {
			cn.Namespaces[ns.Name] = withoutMetadataName(ns.Labels)
		}
		clusters[c] = cn
	}
	return inst, clusters
}

// check compares the simulator with the model's states.
func (w *syncSim) check(t *rapid.T, after string) {
	inst, clusters := w.read(t)
	require.Equal(t, w.inst.Namespaces, inst.Namespaces, "instance namespaces after %s", after)
	for _, c := range syncClusterNames() {
		require.Equal(t, w.clusters[c].Namespaces, clusters[c].Namespaces, "cluster %s after %s", c, after)
	}
}

func (w *syncSim) members() []model.ClusterNamespaces {
	out := make([]model.ClusterNamespaces, 0, len(w.inst.Clusters))
	for _, c := range w.inst.Clusters {
		out = append(out, *w.clusters[c])
	}
	return out
}

// push applies to the model what the simulator's push-on-edit does after
// an edit of an instance namespace whose labels were before (B06).
func (w *syncSim) push(name string, before map[string]string) {
	model.PlanPush(w.inst, name, before, w.members()).ApplyTo(&w.inst, w.clusters)
}

// TestSyncOperationSequencesThroughTheSimulator: random edits on both
// sides, through client-go and the console, with syncs in between, leave
// the simulator exactly where the pure model's plans lead: every edit of an
// instance namespace through the control plane is pushed as model.PlanPush
// says (the simulator's push-on-edit path), creating one pushes nothing
// (B01), and the syncs do what PlanSyncFromWithPush and PlanSyncTo plan.
func TestSyncOperationSequencesThroughTheSimulator(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		w := newSyncSim(t)
		pickInstanceNS := func(t *rapid.T) string {
			names := slices.Sorted(maps.Keys(w.inst.Namespaces))
			return rapid.SampledFrom(names).Draw(t, "namespace")
		}
		pickLabelEdit := func(t *rapid.T, labels map[string]string) map[string]string {
			out := maps.Clone(labels)
			if out == nil {
				out = map[string]string{}
			}
			k := rapid.SampledFrom(syncLabelKeys()).Draw(t, "key")
			if rapid.Bool().Draw(t, "remove") {
				delete(out, k)
			} else {
				out[k] = rapid.SampledFrom(syncLabelValues(k)).Draw(t, "value")
			}
			return out
		}
		// relabel writes a namespace's labels, as kubectl label does.
		relabel := func(t *rapid.T, cs kubernetes.Interface, name string, labels map[string]string) {
			ns, err := cs.CoreV1().Namespaces().Get(w.ctx, name, metav1.GetOptions{})
			require.NoError(t, err)
			ns.Labels = maps.Clone(labels)
			ns.Labels[model.LabelMetadataName] = name
			_, err = cs.CoreV1().Namespaces().Update(w.ctx, ns, metav1.UpdateOptions{})
			require.NoError(t, err)
		}
		t.Repeat(map[string]func(*rapid.T){
			"": func(t *rapid.T) { w.check(t, "the last step") },
			"kubectl label an instance namespace": func(t *rapid.T) {
				name := pickInstanceNS(t)
				g := w.inst.Namespaces[name]
				labels := pickLabelEdit(t, g.Labels)
				relabel(t, w.cp, name, labels)
				before := g.Labels
				g.Labels = labels
				w.inst.Namespaces[name] = g
				w.push(name, before)
			},
			"console enable or disable": func(t *rapid.T) {
				name := pickInstanceNS(t)
				g := w.inst.Namespaces[name]
				value := rapid.SampledFrom([]string{"enabled", "disabled"}).Draw(t, "value")
				if value == "enabled" {
					require.NoError(t, w.mesh.EnableInjection(w.ctx, name))
				} else {
					require.NoError(t, w.mesh.DisableInjection(w.ctx, name))
				}
				// The switch always pushes istio-injection.
				before := withoutMetadataName(g.Labels)
				delete(before, model.LabelInjection)
				g.Labels = maps.Clone(g.Labels)
				if g.Labels == nil {
					g.Labels = map[string]string{}
				}
				g.Labels[model.LabelInjection] = value
				w.inst.Namespaces[name] = g
				w.push(name, before)
			},
			"kubectl label a cluster namespace": func(t *rapid.T) {
				c := rapid.SampledFrom(syncClusterNames()).Draw(t, "cluster")
				names := slices.Sorted(maps.Keys(w.clusters[c].Namespaces))
				name := rapid.SampledFrom(names).Draw(t, "namespace")
				labels := pickLabelEdit(t, w.clusters[c].Namespaces[name])
				relabel(t, w.clients[c], name, labels)
				w.clusters[c].Namespaces[name] = labels
			},
			"create an instance namespace": func(t *rapid.T) {
				name := rapid.SampledFrom(syncNamespaceNames()).Draw(t, "namespace")
				if _, ok := w.inst.Namespaces[name]; ok {
					t.Skip("exists")
				}
				labels := pickLabelEdit(t, nil)
				require.NoError(t, w.mesh.CreateNamespace(w.ctx, name, labels))
				w.inst.Namespaces[name] = model.GlobalNamespace{Name: name, Labels: labels}
			},
			"delete an instance namespace": func(t *rapid.T) {
				name := pickInstanceNS(t)
				if model.IsProtectedNamespace(name) || name == model.IstioSystemNamespace {
					t.Skip("may not be deleted from the console")
				}
				require.NoError(t, w.mesh.DeleteNamespace(w.ctx, name))
				delete(w.inst.Namespaces, name)
			},
			"create a cluster namespace": func(t *rapid.T) {
				c := rapid.SampledFrom(syncClusterNames()).Draw(t, "cluster")
				name := rapid.SampledFrom(syncNamespaceNames()).Draw(t, "namespace")
				if _, ok := w.clusters[c].Namespaces[name]; ok {
					t.Skip("exists")
				}
				labels := pickLabelEdit(t, nil)
				_, err := w.clients[c].CoreV1().Namespaces().Create(w.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
				require.NoError(t, err)
				w.clusters[c].Namespaces[name] = labels
			},
			"set homing": func(t *rapid.T) {
				if !w.inst.Version.AtLeast(model.MinHomingVersion()) {
					t.Skip("no homing before 1.17.2.37")
				}
				name := pickInstanceNS(t)
				homing := rapid.SliceOfNDistinct(rapid.SampledFrom(w.inst.Clusters), 1, 3, rapid.ID[string]).Draw(t, "homing")
				require.NoError(t, w.mesh.SetHoming(w.ctx, name, homing))
				g := w.inst.Namespaces[name]
				g.Homing = slices.Sorted(slices.Values(homing))
				w.inst.Namespaces[name] = g
			},
			"sync from a cluster": func(t *rapid.T) {
				c := rapid.SampledFrom(w.inst.Clusters).Draw(t, "from")
				want := model.PlanSyncFromWithPush(w.inst, *w.clusters[c], w.members())
				got, err := w.mesh.SyncFrom(w.ctx, c)
				require.NoError(t, err)
				require.Equal(t, want.String(), got.String())
				want.ApplyTo(&w.inst, w.clusters)
			},
			"sync to the clusters": func(t *rapid.T) {
				want := model.PlanSyncTo(w.inst, w.members())
				got, err := w.mesh.SyncTo(w.ctx)
				require.NoError(t, err)
				require.Equal(t, want.String(), got.String())
				want.ApplyTo(&w.inst, w.clusters)
			},
		})
	})
}
