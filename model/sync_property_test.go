package model

import (
	"maps"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// Property tests for B28: random instance and cluster states, random edits
// on either side and syncs in any order, checked after every step.

// syncFailer is the part of testing.TB and *rapid.T the checks need.
type syncFailer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// The pools random states draw from (functions, so no test shares a
// mutable value).
func propClusterPool() []string { return []string{"c1", "c2", "c3"} }

func propNamespaces() []string {
	return []string{"default", "kube-system", "kube-node-lease", "demo", "web", "shop"}
}

func propVersions() []string { return []string{"1.17.2.36", "1.17.2.37", "1.22.2.35"} }

func propLabelValues(key string) []string {
	switch key {
	case LabelInjection:
		return []string{"enabled", "disabled"}
	case LabelRevision:
		return []string{"default", "canary"}
	case LabelProvider:
		return []string{ProviderASM, "other"}
	}
	return []string{"a", "b"}
}

func propLabelKeys() []string { return []string{LabelInjection, LabelRevision, LabelProvider, "team"} }

func genLabels() *rapid.Generator[map[string]string] {
	return rapid.Custom(func(t *rapid.T) map[string]string {
		out := map[string]string{}
		for _, k := range propLabelKeys() {
			if rapid.Bool().Draw(t, "has "+k) {
				out[k] = rapid.SampledFrom(propLabelValues(k)).Draw(t, k)
			}
		}
		return out
	})
}

func genHoming() *rapid.Generator[[]string] {
	return rapid.Custom(func(t *rapid.T) []string {
		if rapid.Bool().Draw(t, "homing unset") {
			return nil
		}
		// c9 is never a member of the mesh.
		return uniqueSorted(rapid.SliceOfN(rapid.SampledFrom(append(slices.Clone(propClusterPool()), "c9")), 0, 3).Draw(t, "homing"))
	})
}

// syncWorld is one instance and every cluster of the pool; the mesh holds a
// non-empty subset of them.
type syncWorld struct {
	inst     InstanceState
	clusters map[string]*ClusterNamespaces
}

func drawWorld(t *rapid.T) *syncWorld {
	w := &syncWorld{
		inst: InstanceState{
			Version:    MustASMVersion(rapid.SampledFrom(propVersions()).Draw(t, "version")),
			Clusters:   uniqueSorted(rapid.SliceOfNDistinct(rapid.SampledFrom(propClusterPool()), 1, 3, rapid.ID[string]).Draw(t, "mesh")),
			Namespaces: map[string]GlobalNamespace{},
		},
		clusters: map[string]*ClusterNamespaces{},
	}
	for _, name := range rapid.SliceOfDistinct(rapid.SampledFrom(propNamespaces()), rapid.ID[string]).Draw(t, "instance namespaces") {
		w.inst.Namespaces[name] = GlobalNamespace{Name: name, Labels: genLabels().Draw(t, "labels"), Homing: genHoming().Draw(t, "homing")}
	}
	for _, c := range propClusterPool() {
		cn := &ClusterNamespaces{Cluster: c, Namespaces: map[string]map[string]string{}}
		for _, name := range rapid.SliceOfDistinct(rapid.SampledFrom(propNamespaces()), rapid.ID[string]).Draw(t, c+" namespaces") {
			cn.Namespaces[name] = genLabels().Draw(t, "labels")
		}
		w.clusters[c] = cn
	}
	return w
}

func (w *syncWorld) clone() *syncWorld {
	out := &syncWorld{
		inst: InstanceState{
			Version:    w.inst.Version,
			Clusters:   slices.Clone(w.inst.Clusters),
			Namespaces: map[string]GlobalNamespace{},
		},
		clusters: map[string]*ClusterNamespaces{},
	}
	for k, g := range w.inst.Namespaces {
		out.inst.Namespaces[k] = GlobalNamespace{Name: g.Name, Labels: maps.Clone(g.Labels), Homing: slices.Clone(g.Homing)}
	}
	for k, c := range w.clusters {
		nc := &ClusterNamespaces{Cluster: c.Cluster, Namespaces: map[string]map[string]string{}}
		for n, l := range c.Namespaces {
			nc.Namespaces[n] = maps.Clone(l)
		}
		out.clusters[k] = nc
	}
	return out
}

// clusterStates lists every cluster of the pool, members or not, in a
// drawn order: sync-to must ignore the order and the non-members.
func (w *syncWorld) clusterStates(order []string) []ClusterNamespaces {
	out := make([]ClusterNamespaces, 0, len(order))
	for _, c := range order {
		out = append(out, *w.clusters[c])
	}
	return out
}

func (w *syncWorld) syncFrom(c string) Plan {
	return PlanSyncFrom(w.inst, *w.clusters[c])
}

func (w *syncWorld) syncTo(order []string) Plan {
	return PlanSyncTo(w.inst, w.clusterStates(order))
}

func (w *syncWorld) apply(p Plan) { p.ApplyTo(&w.inst, w.clusters) }

// checkPlanShape: only the four kinds, remove-label only for injection
// labels, create only for namespaces that do not exist, sorted.
func checkPlanShape(t syncFailer, w *syncWorld, p Plan) {
	t.Helper()
	for i, ch := range p.Changes {
		switch ch.Kind {
		case ChangeCreateNamespace:
			exists := false
			if ch.Where == PlanInstance {
				_, exists = w.inst.Namespaces[ch.Namespace]
			} else {
				_, exists = w.clusters[ch.Where].Namespaces[ch.Namespace]
			}
			if exists {
				t.Fatalf("plan creates namespace %s in %s, which exists:\n%s", ch.Namespace, ch.Where, p)
			}
			for k, v := range ch.Labels {
				injection := k == LabelInjection || k == LabelRevision
				provider := ch.Where != PlanInstance && k == LabelProvider && v == ProviderASM
				if !injection && !provider {
					t.Fatalf("plan creates namespace %s in %s with label %s=%s:\n%s", ch.Namespace, ch.Where, k, v, p)
				}
			}
		case ChangeSetLabel, ChangeSetHoming:
		case ChangeRemoveLabel:
			if !IsInjectionLabel(ch.Key) {
				t.Fatalf("plan removes non-injection label %s:\n%s", ch.Key, p)
			}
		default:
			t.Fatalf("plan has unexpected change kind %q:\n%s", ch.Kind, p)
		}
		if slices.Contains([]string{"kube-system", "kube-public", "kube-node-lease"}, ch.Namespace) {
			t.Fatalf("plan touches system namespace %s:\n%s", ch.Namespace, p)
		}
		if i > 0 && compareChanges(p.Changes[i-1], ch) >= 0 {
			t.Fatalf("plan is not sorted or repeats a change at %v:\n%s", ch, p)
		}
	}
}

// checkNoLoss (B27, B28 c): no namespace disappears, no non-injection label
// disappears, and labels other than the injection labels keep their value
// (provider=asm may only be added in clusters, never overwrite another
// provider). Clusters outside the mesh
// and system namespaces are untouched.
func checkNoLoss(t syncFailer, before, after *syncWorld) {
	t.Helper()
	for name, g := range before.inst.Namespaces {
		ag, ok := after.inst.Namespaces[name]
		if !ok {
			t.Fatalf("instance namespace %s was deleted", name)
		}
		for k, v := range g.Labels {
			if !IsInjectionLabel(k) && ag.Labels[k] != v {
				t.Fatalf("instance namespace %s: label %s=%s became %q", name, k, v, ag.Labels[k])
			}
		}
	}
	for c, cn := range before.clusters {
		acn := after.clusters[c]
		member := slices.Contains(before.inst.Clusters, c)
		for name, labels := range cn.Namespaces {
			al, ok := acn.Namespaces[name]
			if !ok {
				t.Fatalf("cluster %s: namespace %s was deleted", c, name)
			}
			if (!member || SyncSkipsNamespace(name)) && !maps.Equal(labels, al) {
				t.Fatalf("cluster %s: namespace %s changed (%v -> %v) though it is out of sync's reach", c, name, labels, al)
			}
			// A non-injection label keeps its value, provider included:
			// provider=asm is only ever added where provider is absent.
			for k, v := range labels {
				if !IsInjectionLabel(k) && al[k] != v {
					t.Fatalf("cluster %s: namespace %s: label %s=%s became %q", c, name, k, v, al[k])
				}
			}
			for k, v := range al {
				if _, had := labels[k]; !had && !IsInjectionLabel(k) && (k != LabelProvider || v != ProviderASM) {
					t.Fatalf("cluster %s: namespace %s gained label %s=%s", c, name, k, v)
				}
			}
		}
		if !member && len(acn.Namespaces) != len(cn.Namespaces) {
			t.Fatalf("cluster %s is not a member but got namespaces", c)
		}
	}
}

// homedOn says whether a namespace belongs to cluster c, read from its
// homing directly rather than through HomingOf (B24): unset homing is
// every member, else the members it names.
func homedOn(g GlobalNamespace, members []string, c string) bool {
	return slices.Contains(members, c) && (g.Homing == nil || slices.Contains(g.Homing, c))
}

// checkConverged (B28 d): every homing cluster of every instance namespace
// holds it, with every injection label the instance has at the instance's
// value (a label only the cluster has stays: no sync removes it).
func checkConverged(t syncFailer, w *syncWorld) {
	t.Helper()
	for name, g := range w.inst.Namespaces {
		if SyncSkipsNamespace(name) {
			continue
		}
		for _, c := range propClusterPool() {
			if !homedOn(g, w.inst.Clusters, c) {
				continue
			}
			labels, ok := w.clusters[c].Namespaces[name]
			if !ok {
				t.Fatalf("namespace %s is missing in homing cluster %s", name, c)
			}
			for k, v := range injectionLabels(g.Labels) {
				if got, ok := labels[k]; !ok || got != v {
					t.Fatalf("namespace %s in cluster %s: injection labels %v, instance has %s=%s", name, c, injectionLabels(labels), k, v)
				}
			}
		}
	}
}

// checkNoLabelRemoved (B28 revised): a sync removes no label, injection
// labels included, from any namespace of the instance or of a cluster.
func checkNoLabelRemoved(t syncFailer, p Plan, before, after *syncWorld) {
	t.Helper()
	for _, ch := range p.Changes {
		if ch.Kind == ChangeRemoveLabel {
			t.Fatalf("a sync plans to remove label %s from %s in %s:\n%s", ch.Key, ch.Namespace, ch.Where, p)
		}
	}
	for name, g := range before.inst.Namespaces {
		for k := range g.Labels {
			if !hasKey(after.inst.Namespaces[name].Labels, k) {
				t.Fatalf("instance namespace %s lost label %s", name, k)
			}
		}
	}
	for c, cn := range before.clusters {
		for name, labels := range cn.Namespaces {
			for k := range labels {
				if !hasKey(after.clusters[c].Namespaces[name], k) {
					t.Fatalf("cluster %s: namespace %s lost label %s", c, name, k)
				}
			}
		}
	}
}

// step plans with plan, checks the plan and what applying it does, and that
// planning the same step again changes nothing (B28 a). A sync (not a
// push) must also remove no label.
func (w *syncWorld) step(t syncFailer, what string, sync bool, plan func() Plan) Plan {
	t.Helper()
	p := plan()
	checkPlanShape(t, w, p)
	before := w.clone()
	w.apply(p)
	checkNoLoss(t, before, w)
	if sync {
		checkNoLabelRemoved(t, p, before, w)
	}
	if again := plan(); !again.Empty() {
		t.Fatalf("%s is not idempotent; after\n%s\nit plans\n%s", what, p, again)
	}
	return p
}

// round is sync from c then sync to every cluster; a second round must
// change nothing (B28 b) and the clusters must then match (B28 d).
func (w *syncWorld) round(t syncFailer, c string, order []string) {
	t.Helper()
	w.step(t, "sync from "+c, true, func() Plan { return w.syncFrom(c) })
	w.step(t, "sync to clusters", true, func() Plan { return w.syncTo(order) })
	if p := w.syncFrom(c); !p.Empty() {
		t.Fatalf("second sync from %s after a round plans\n%s", c, p)
	}
	if p := w.syncTo(order); !p.Empty() {
		t.Fatalf("second sync to clusters after a round plans\n%s", p)
	}
	checkConverged(t, w)
}

func TestSyncPropertyRoundConverges(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		w := drawWorld(t)
		c := rapid.SampledFrom(w.inst.Clusters).Draw(t, "from")
		order := rapid.Permutation(propClusterPool()).Draw(t, "order")
		w.round(t, c, order)
	})
}

func TestSyncPropertyOperationSequences(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		w := drawWorld(t)
		pickInstanceNS := func(t *rapid.T) string {
			names := slices.Sorted(maps.Keys(w.inst.Namespaces))
			if len(names) == 0 {
				t.Skip("no instance namespace")
			}
			return rapid.SampledFrom(names).Draw(t, "namespace")
		}
		pickCluster := func(t *rapid.T) *ClusterNamespaces {
			return w.clusters[rapid.SampledFrom(propClusterPool()).Draw(t, "cluster")]
		}
		editLabel := func(t *rapid.T, labels map[string]string) {
			k := rapid.SampledFrom(propLabelKeys()).Draw(t, "key")
			if rapid.Bool().Draw(t, "remove") {
				delete(labels, k)
			} else {
				labels[k] = rapid.SampledFrom(propLabelValues(k)).Draw(t, "value")
			}
		}
		t.Repeat(map[string]func(*rapid.T){
			"edit instance label": func(t *rapid.T) {
				name := pickInstanceNS(t)
				g := w.inst.Namespaces[name]
				g.Labels = maps.Clone(g.Labels)
				if g.Labels == nil {
					g.Labels = map[string]string{}
				}
				editLabel(t, g.Labels)
				w.inst.Namespaces[name] = g
			},
			"edit cluster label": func(t *rapid.T) {
				c := pickCluster(t)
				names := slices.Sorted(maps.Keys(c.Namespaces))
				if len(names) == 0 {
					t.Skip("no cluster namespace")
				}
				editLabel(t, c.Namespaces[rapid.SampledFrom(names).Draw(t, "namespace")])
			},
			"create instance namespace": func(t *rapid.T) {
				name := rapid.SampledFrom(propNamespaces()).Draw(t, "namespace")
				if _, ok := w.inst.Namespaces[name]; ok {
					t.Skip("exists")
				}
				w.inst.Namespaces[name] = GlobalNamespace{Name: name, Labels: genLabels().Draw(t, "labels")}
			},
			"delete instance namespace": func(t *rapid.T) {
				delete(w.inst.Namespaces, pickInstanceNS(t))
			},
			"create cluster namespace": func(t *rapid.T) {
				c := pickCluster(t)
				name := rapid.SampledFrom(propNamespaces()).Draw(t, "namespace")
				if _, ok := c.Namespaces[name]; ok {
					t.Skip("exists")
				}
				c.Namespaces[name] = genLabels().Draw(t, "labels")
			},
			"delete cluster namespace": func(t *rapid.T) {
				c := pickCluster(t)
				names := slices.Sorted(maps.Keys(c.Namespaces))
				if len(names) == 0 {
					t.Skip("no cluster namespace")
				}
				delete(c.Namespaces, rapid.SampledFrom(names).Draw(t, "namespace"))
			},
			"set homing": func(t *rapid.T) {
				name := pickInstanceNS(t)
				homing := rapid.SliceOfN(rapid.SampledFrom(append(slices.Clone(propClusterPool()), "c9")), 0, 3).Draw(t, "homing")
				err := ValidateHoming(w.inst, homing)
				if !w.inst.Version.AtLeast(MinHomingVersion()) && err == nil {
					t.Fatalf("homing accepted on %s", w.inst.Version)
				}
				if err != nil {
					return
				}
				g := w.inst.Namespaces[name]
				g.Homing = uniqueSorted(homing)
				w.inst.Namespaces[name] = g
			},
			"sync from": func(t *rapid.T) {
				c := rapid.SampledFrom(w.inst.Clusters).Draw(t, "from")
				oldHoming := !w.inst.Version.AtLeast(MinHomingVersion())
				before := w.clone()
				p := w.step(t, "sync from "+c, true, func() Plan { return w.syncFrom(c) })
				checkSyncFromKeeps(t, before, w, c)
				for _, ch := range p.Changes {
					if ch.Where != PlanInstance {
						t.Fatalf("sync from changed a cluster: %v", ch)
					}
					if oldHoming && ch.Kind == ChangeSetHoming {
						t.Fatalf("sync from set homing on %s: %v", w.inst.Version, ch)
					}
				}
				for name, labels := range w.clusters[c].Namespaces {
					if SyncSkipsNamespace(name) {
						continue
					}
					g, ok := w.inst.Namespaces[name]
					if !ok {
						t.Fatalf("B22: namespace %s of %s not created in the instance", name, c)
					}
					for _, k := range InjectionLabelKeys() {
						if v, ok := labels[k]; ok && g.Labels[k] != v {
							t.Fatalf("B22: label %s=%s of %s/%s not copied: %v", k, v, c, name, g.Labels)
						}
					}
					if !oldHoming && !slices.Contains(HomingOf(g, w.inst.Clusters), c) {
						t.Fatalf("B25: %s not among the homing clusters of %s: %v", c, name, g.Homing)
					}
				}
			},
			"sync to": func(t *rapid.T) {
				order := rapid.Permutation(propClusterPool()).Draw(t, "order")
				p := w.step(t, "sync to clusters", true, func() Plan { return w.syncTo(order) })
				for _, ch := range p.Changes {
					if ch.Where == PlanInstance {
						t.Fatalf("sync to changed the instance: %v", ch)
					}
					if g := w.inst.Namespaces[ch.Namespace]; !homedOn(g, w.inst.Clusters, ch.Where) {
						t.Fatalf("B24: sync to changed cluster %s, outside the homing %v of %s: %v", ch.Where, g.Homing, ch.Namespace, ch)
					}
				}
			},
			"edit instance label, then push": func(t *rapid.T) {
				name := pickInstanceNS(t)
				g := w.inst.Namespaces[name]
				before := maps.Clone(g.Labels)
				g.Labels = maps.Clone(g.Labels)
				if g.Labels == nil {
					g.Labels = map[string]string{}
				}
				editLabel(t, g.Labels)
				w.inst.Namespaces[name] = g
				order := rapid.Permutation(propClusterPool()).Draw(t, "order")
				p := w.step(t, "push "+name, false, func() Plan { return PlanPush(w.inst, name, before, w.clusterStates(order)) })
				for _, ch := range p.Changes {
					if ch.Kind == ChangeCreateNamespace || ch.Where == PlanInstance || ch.Namespace != name {
						t.Fatalf("push made an unexpected change: %v", ch)
					}
					if !homedOn(g, w.inst.Clusters, ch.Where) {
						t.Fatalf("B24: push changed cluster %s, outside the homing %v of %s: %v", ch.Where, g.Homing, name, ch)
					}
					if IsInjectionLabel(ch.Key) && before[ch.Key] == g.Labels[ch.Key] {
						if _, had := before[ch.Key]; had == hasKey(g.Labels, ch.Key) {
							t.Fatalf("push changed %s, which the edit did not touch: %v", ch.Key, ch)
						}
					}
				}
				if SyncSkipsNamespace(name) {
					return
				}
				// B06: every existing namespace of a homing cluster now has
				// the edited labels as the instance has them.
				for _, c := range propClusterPool() {
					cn := w.clusters[c]
					if !homedOn(g, w.inst.Clusters, c) {
						continue
					}
					have, ok := cn.Namespaces[name]
					if !ok {
						continue
					}
					for _, k := range InjectionLabelKeys() {
						if before[k] == g.Labels[k] && hasKey(before, k) == hasKey(g.Labels, k) {
							continue
						}
						if have[k] != g.Labels[k] || hasKey(have, k) != hasKey(g.Labels, k) {
							t.Fatalf("B06: cluster %s namespace %s has %s=%q after the push; the instance has %q", c, name, k, have[k], g.Labels[k])
						}
					}
				}
			},
			"round": func(t *rapid.T) {
				w.round(t, rapid.SampledFrom(w.inst.Clusters).Draw(t, "from"), rapid.Permutation(propClusterPool()).Draw(t, "order"))
			},
		})
	})
}

// checkSyncFromKeeps checks a sync from cluster c against the state before
// it, directly: an injection label absent in c leaves the instance's value
// (B22), other namespaces are untouched, and homing is exactly what B25
// says: a created namespace is homed on c (unset before 1.17.2.37), one
// with unset homing keeps it unset, others gain c.
func checkSyncFromKeeps(t syncFailer, before, after *syncWorld, c string) {
	t.Helper()
	homing := before.inst.Version.AtLeast(MinHomingVersion())
	for name, g := range after.inst.Namespaces {
		bg, existed := before.inst.Namespaces[name]
		have, inC := before.clusters[c].Namespaces[name]
		if !inC || SyncSkipsNamespace(name) {
			if !existed || !maps.Equal(g.Labels, bg.Labels) || !slices.Equal(g.Homing, bg.Homing) || (g.Homing == nil) != (bg.Homing == nil) {
				t.Fatalf("sync from %s changed instance namespace %s, which %s lacks: %+v -> %+v", c, name, c, bg, g)
			}
			continue
		}
		for _, k := range InjectionLabelKeys() {
			if hasKey(have, k) {
				continue
			}
			if existed && (hasKey(bg.Labels, k) != hasKey(g.Labels, k) || bg.Labels[k] != g.Labels[k]) {
				t.Fatalf("B22: %s is absent in %s/%s, yet the instance's %q became %q", k, c, name, bg.Labels[k], g.Labels[k])
			}
			if !existed && hasKey(g.Labels, k) {
				t.Fatalf("B22: namespace %s created from %s with %s=%s, which %s lacks", name, c, k, g.Labels[k], c)
			}
		}
		var want []string
		switch {
		case !homing:
			want = bg.Homing
		case !existed:
			want = []string{c}
		case bg.Homing != nil:
			want = uniqueSorted(append(slices.Clone(bg.Homing), c))
		}
		if !slices.Equal(g.Homing, want) || (g.Homing == nil) != (want == nil) {
			t.Fatalf("B25: after a sync from %s on %s, namespace %s (existed: %v, homing %v) has homing %v, want %v", c, before.inst.Version, name, existed, bg.Homing, g.Homing, want)
		}
	}
}
