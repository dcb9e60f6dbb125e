package model

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func instanceOf(version string, clusters []string, nss ...GlobalNamespace) InstanceState {
	st := InstanceState{Version: MustASMVersion(version), Clusters: clusters, Namespaces: map[string]GlobalNamespace{}}
	for _, ns := range nss {
		st.Namespaces[ns.Name] = ns
	}
	return st
}

func TestPlanSyncFrom(t *testing.T) {
	t.Parallel()
	mesh := []string{"c1", "c2"}
	cases := []struct {
		name    string
		inst    InstanceState
		cluster ClusterNamespaces
		want    string
	}{
		{
			name: "creates missing namespace with injection labels only and homes it",
			inst: instanceOf("1.22.2.35", mesh),
			cluster: ClusterNamespaces{Cluster: "c1", Namespaces: map[string]map[string]string{
				"demo": {LabelInjection: "enabled", "team": "a", LabelMetadataName: "demo"},
			}},
			want: "asm: create namespace demo (istio-injection=enabled)\n" +
				"asm: set homing of namespace demo to c1",
		},
		{
			name: "old instance never touches homing",
			inst: instanceOf("1.17.2.36", mesh, GlobalNamespace{Name: "web", Homing: []string{"c2"}}),
			cluster: ClusterNamespaces{Cluster: "c1", Namespaces: map[string]map[string]string{
				"demo": {}, "web": {},
			}},
			want: "asm: create namespace demo",
		},
		{
			name: "copies present labels and keeps absent ones",
			inst: instanceOf("1.22.2.35", mesh, GlobalNamespace{Name: "demo", Labels: map[string]string{
				LabelInjection: "disabled", LabelRevision: "canary", "team": "x",
			}}),
			cluster: ClusterNamespaces{Cluster: "c1", Namespaces: map[string]map[string]string{
				"demo": {LabelInjection: "enabled", "team": "y"},
			}},
			want: "asm: set label istio-injection=enabled on namespace demo",
		},
		{
			name: "adds the cluster to a set homing, leaves unset homing unset",
			inst: instanceOf("1.17.2.37", mesh,
				GlobalNamespace{Name: "a", Homing: []string{"c2"}},
				GlobalNamespace{Name: "b"},
				GlobalNamespace{Name: "c", Homing: []string{"c1"}},
			),
			cluster: ClusterNamespaces{Cluster: "c1", Namespaces: map[string]map[string]string{
				"a": {}, "b": {}, "c": {},
			}},
			want: "asm: set homing of namespace a to c1,c2",
		},
		{
			name: "skips system namespaces, syncs default",
			inst: instanceOf("1.22.2.35", mesh),
			cluster: ClusterNamespaces{Cluster: "c2", Namespaces: map[string]map[string]string{
				"kube-system": {}, "kube-public": {}, "kube-node-lease": {}, "default": {LabelRevision: "r1"},
			}},
			want: "asm: create namespace default (istio.io/rev=r1)\n" +
				"asm: set homing of namespace default to c2",
		},
		{
			name: "in sync",
			inst: instanceOf("1.22.2.35", mesh, GlobalNamespace{Name: "demo", Labels: map[string]string{LabelInjection: "enabled"}}),
			cluster: ClusterNamespaces{Cluster: "c1", Namespaces: map[string]map[string]string{
				"demo": {LabelInjection: "enabled"},
			}},
			want: "no changes",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := PlanSyncFrom(tc.inst, tc.cluster).String(); got != tc.want {
				t.Errorf("plan:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestPlanSyncTo(t *testing.T) {
	t.Parallel()
	mesh := []string{"c1", "c2"}
	cases := []struct {
		name     string
		inst     InstanceState
		clusters []ClusterNamespaces
		want     string
	}{
		{
			name: "creates missing namespaces in every cluster when homing is unset",
			inst: instanceOf("1.22.2.35", mesh, GlobalNamespace{Name: "demo", Labels: map[string]string{
				LabelInjection: "enabled", "team": "a",
			}}),
			clusters: []ClusterNamespaces{{Cluster: "c2"}, {Cluster: "c1"}},
			want: "cluster c1: create namespace demo (istio-injection=enabled, provider=asm)\n" +
				"cluster c2: create namespace demo (istio-injection=enabled, provider=asm)",
		},
		{
			name:     "only homing clusters, unknown homing clusters ignored",
			inst:     instanceOf("1.22.2.35", mesh, GlobalNamespace{Name: "demo", Homing: []string{"c2", "gone"}}),
			clusters: []ClusterNamespaces{{Cluster: "c1"}, {Cluster: "c2"}, {Cluster: "gone"}},
			want:     "cluster c2: create namespace demo (provider=asm)",
		},
		{
			name: "relabels: sets and marks provider, never removes (B23 revised); other labels untouched",
			inst: instanceOf("1.22.2.35", mesh, GlobalNamespace{Name: "demo", Labels: map[string]string{
				LabelInjection: "enabled",
			}}),
			clusters: []ClusterNamespaces{{Cluster: "c1", Namespaces: map[string]map[string]string{
				"demo":      {LabelInjection: "disabled", LabelRevision: "canary", "team": "x"},
				"only-here": {LabelInjection: "enabled"},
			}}},
			want: "cluster c1: set label istio-injection=enabled on namespace demo\n" +
				"cluster c1: set label provider=asm on namespace demo",
		},
		{
			name: "nothing to change leaves provider alone",
			inst: instanceOf("1.22.2.35", mesh, GlobalNamespace{Name: "demo", Labels: map[string]string{LabelRevision: "r"}}),
			clusters: []ClusterNamespaces{{Cluster: "c1", Namespaces: map[string]map[string]string{
				"demo": {LabelRevision: "r", LabelProvider: "me"},
			}}},
			want: "no changes",
		},
		{
			name: "system namespaces are skipped",
			inst: instanceOf("1.22.2.35", mesh,
				GlobalNamespace{Name: "kube-system", Labels: map[string]string{LabelInjection: "enabled"}},
				GlobalNamespace{Name: "kube-node-lease"},
			),
			clusters: []ClusterNamespaces{{Cluster: "c1", Namespaces: map[string]map[string]string{"kube-system": {}}}},
			want:     "no changes",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := PlanSyncTo(tc.inst, tc.clusters).String(); got != tc.want {
				t.Errorf("plan:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestPlanPush(t *testing.T) {
	t.Parallel()
	inst := instanceOf("1.22.2.35", []string{"c1", "c2", "c3"},
		GlobalNamespace{Name: "demo", Labels: map[string]string{LabelInjection: "disabled"}, Homing: []string{"c1", "c2"}},
	)
	clusters := []ClusterNamespaces{
		{Cluster: "c1", Namespaces: map[string]map[string]string{"demo": {LabelInjection: "enabled"}}},
		{Cluster: "c2"}, // lacks demo: never created by a push
		{Cluster: "c3", Namespaces: map[string]map[string]string{"demo": {LabelInjection: "enabled"}}},
	}
	cases := []struct {
		name, ns string
		before   map[string]string
		want     string
	}{
		{"relabels existing namespaces of homing clusters", "demo", map[string]string{LabelInjection: "enabled"},
			"cluster c1: set label istio-injection=disabled on namespace demo\n" +
				"cluster c1: set label provider=asm on namespace demo"},
		{"an edit of other labels pushes nothing", "demo", map[string]string{LabelInjection: "disabled", "team": "a"}, "no changes"},
		{"a removed label is removed where it is", "demo", map[string]string{LabelInjection: "disabled", LabelRevision: "canary"}, "no changes"},
		{"unknown namespace", "nope", nil, "no changes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := PlanPush(inst, tc.ns, tc.before, clusters).String(); got != tc.want {
				t.Errorf("plan:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestHomingOf(t *testing.T) {
	t.Parallel()
	mesh := []string{"c2", "c1"}
	cases := []struct {
		name   string
		homing []string
		want   []string
	}{
		{"unset means every cluster", nil, []string{"c1", "c2"}},
		{"intersection with the mesh", []string{"c9", "c2", "c2"}, []string{"c2"}},
		{"empty means none", []string{}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := HomingOf(GlobalNamespace{Name: "x", Homing: tc.homing}, mesh)
			if !slices.Equal(got, tc.want) {
				t.Errorf("HomingOf = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValidateHoming(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		version  string
		clusters []string
		want     []string // substrings; none means valid
	}{
		{"valid", "1.17.2.37", []string{"c2", "c1"}, nil},
		{"too old", "1.17.2.36", []string{"c1"},
			[]string{"homing clusters need ASM 1.17.2.37 or later; this instance is 1.17.2.36"}},
		{"empty", "1.22.2.35", nil, []string{"at least one cluster"}},
		{"every problem at once", "1.0.0.1", []string{"x", "c1", "y"}, []string{
			"this instance is 1.0.0.1",
			`cluster "x" is not part of the mesh (members: c1, c2)`,
			`cluster "y" is not part of the mesh (members: c1, c2)`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateHoming(instanceOf(tc.version, []string{"c2", "c1"}), tc.clusters)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("expected an error containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	t.Run("unknown cluster is typed", func(t *testing.T) {
		t.Parallel()
		err := ValidateHoming(instanceOf("1.22.2.35", []string{"a"}), []string{"b"})
		var uc *UnknownClusterError
		if !errors.As(err, &uc) || uc.Cluster != "b" {
			t.Fatalf("want *UnknownClusterError for b, got %v", err)
		}
	})
}

func TestHomingAnnotation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		annotations map[string]string
		want        []string
	}{
		{"absent", nil, nil},
		{"empty value", map[string]string{AnnotationHoming: " , "}, nil},
		{"list", map[string]string{AnnotationHoming: "c2, c1,c2"}, []string{"c1", "c2"}},
		{"one cluster", map[string]string{AnnotationHoming: " c1 "}, []string{"c1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ParseHoming(tc.annotations)
			if !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
				t.Errorf("ParseHoming = %#v, want %#v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		clusters []string
		want     string
	}{{[]string{"c2", "c1", "c2"}, "c1,c2"}, {[]string{"c1"}, "c1"}, {nil, ""}} {
		if got := FormatHoming(tc.clusters); got != tc.want {
			t.Errorf("FormatHoming(%q) = %q, want %q", tc.clusters, got, tc.want)
		}
	}
}

func TestPlanApplyTo(t *testing.T) {
	t.Parallel()
	inst := instanceOf("1.22.2.35", []string{"c1"})
	clusters := map[string]*ClusterNamespaces{"c1": {Cluster: "c1"}}
	p := Plan{Changes: []Change{
		{Where: PlanInstance, Kind: ChangeSetHoming, Namespace: "demo", Homing: []string{"c1"}},
		{Where: PlanInstance, Kind: ChangeCreateNamespace, Namespace: "demo", Labels: map[string]string{LabelInjection: "enabled"}},
		{Where: "c1", Kind: ChangeCreateNamespace, Namespace: "demo", Labels: map[string]string{LabelRevision: "r"}},
		{Where: "c1", Kind: ChangeRemoveLabel, Namespace: "demo", Key: LabelRevision},
		{Where: "c2", Kind: ChangeSetLabel, Namespace: "x", Key: "k", Value: "v"},
	}}
	p.ApplyTo(&inst, clusters)
	g := inst.Namespaces["demo"]
	if g.Labels[LabelInjection] != "enabled" || !slices.Equal(g.Homing, []string{"c1"}) {
		t.Errorf("instance namespace = %+v", g)
	}
	if l, ok := clusters["c1"].Namespaces["demo"]; !ok || len(l) != 0 {
		t.Errorf("c1 demo = %v (exists %v)", l, ok)
	}
	if clusters["c2"].Namespaces["x"]["k"] != "v" {
		t.Errorf("c2 not added: %+v", clusters["c2"])
	}
}

func TestPlanPushTouchesOnlyTheEditedLabels(t *testing.T) {
	t.Parallel()
	inst := instanceOf("1.22.2.35", []string{"c1", "c2"},
		GlobalNamespace{Name: "shop", Labels: map[string]string{LabelInjection: "enabled", "team": "payments"}},
	)
	clusters := []ClusterNamespaces{
		{Cluster: "c1", Namespaces: map[string]map[string]string{"shop": {LabelRevision: "canary", LabelProvider: "team-x"}}},
		{Cluster: "c2", Namespaces: map[string]map[string]string{"shop": {LabelInjection: "enabled", LabelRevision: "stable"}}},
	}
	// The edit enabled injection: c1 gets it, keeps its revision and its
	// own provider; c2 already has it.
	got := PlanPush(inst, "shop", map[string]string{"team": "payments"}, clusters).String()
	want := "cluster c1: set label istio-injection=enabled on namespace shop"
	if got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
	// The edit removed the revision: removed where present, nothing else.
	got = PlanPush(inst, "shop", map[string]string{LabelInjection: "enabled", LabelRevision: "stable", "team": "payments"}, clusters).String()
	want = "cluster c1: remove label istio.io/rev from namespace shop\n" +
		"cluster c2: remove label istio.io/rev from namespace shop\n" +
		"cluster c2: set label provider=asm on namespace shop"
	if got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
}
