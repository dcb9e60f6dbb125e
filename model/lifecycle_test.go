package model

import (
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

var lifecycleBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// lifecyclePod builds an injected (or plain) pod for lifecycle tests.
func lifecyclePod(t *testing.T, mode SidecarMode, opts ...podOpt) *corev1.Pod {
	t.Helper()
	p := newTestPod("demo", "p", opts...)
	if mode == "" {
		return p
	}
	mesh := testMesh("1.22.2.35")
	mesh.EnableNativeSidecar = new(mode == ModeNative)
	out, _, err := InjectPod(p, InjectParams{Mesh: mesh, Cluster: testCluster("1.30")})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type columnsAt struct {
	at     time.Duration
	ready  string
	status string
	phase  corev1.PodPhase
	notes  []string // reasons of the notes so far, in order
}

func TestPodStatusAtTimeline(t *testing.T) {
	t.Parallel()
	hold := withAnnotation(AnnotationProxyConfig, "holdApplicationUntilProxyStarts: true")
	s := time.Second
	tests := []struct {
		name  string
		mode  SidecarMode
		opts  []podOpt
		isJob bool
		want  []columnsAt
	}{
		{
			name: "plain pod", want: []columnsAt{
				{0, "0/1", "ContainerCreating", corev1.PodPending, nil},
				// No readiness probe: ready as soon as it runs, as
				// the kubelet's prober decides (seen on kind, 1.37).
				{2 * s, "1/1", "Running", corev1.PodRunning, nil},
			},
		},
		{
			name: "plain pod with a readiness probe", opts: []podOpt{withReadiness(0)}, want: []columnsAt{
				{2 * s, "0/1", "Running", corev1.PodRunning, nil},
				{3 * s, "1/1", "Running", corev1.PodRunning, nil},
			},
		},
		{
			name: "a readiness probe's initial delay", opts: []podOpt{withReadiness(30)}, want: []columnsAt{
				{31 * s, "0/1", "Running", corev1.PodRunning, nil},
				{32 * s, "1/1", "Running", corev1.PodRunning, nil},
			},
		},
		{
			name: "plain job completes", isJob: true, want: []columnsAt{
				{3 * s, "1/1", "Running", corev1.PodRunning, nil},
				{7 * s, "0/1", "Completed", corev1.PodSucceeded, nil},
			},
		},
		{
			name: "traditional", mode: ModeTraditional, want: []columnsAt{
				{0, "0/2", "Init:0/1", corev1.PodPending, nil},
				{3 * s, "0/2", "PodInitializing", corev1.PodPending, nil},
				{5 * s, "1/2", "Running", corev1.PodRunning, []string{NoteNoNetwork}},
				{8 * s, "2/2", "Running", corev1.PodRunning, []string{NoteNoNetwork}},
			},
		},
		{
			name: "traditional with user init container", mode: ModeTraditional, opts: []podOpt{withInit("setup")}, want: []columnsAt{
				{3 * s, "0/2", "Init:1/2", corev1.PodPending, nil},
				{5 * s, "0/2", "Init:1/2", corev1.PodPending, []string{NoteNoNetwork}},
				{11 * s, "2/2", "Running", corev1.PodRunning, []string{NoteNoNetwork, NoteNoNetwork}},
			},
		},
		{
			name: "traditional hold", mode: ModeTraditional, opts: []podOpt{hold}, want: []columnsAt{
				{5 * s, "0/2", "PodInitializing", corev1.PodRunning, nil},
				{8 * s, "1/2", "PodInitializing", corev1.PodRunning, nil},
				{10 * s, "2/2", "Running", corev1.PodRunning, nil},
			},
		},
		{
			name: "traditional job never completes", mode: ModeTraditional, isJob: true, want: []columnsAt{
				{8 * s, "2/2", "Running", corev1.PodRunning, []string{NoteNoNetwork}},
				{10 * s, "1/2", "NotReady", corev1.PodRunning, []string{NoteNoNetwork, NoteJobNeverCompletes}},
				{time.Hour, "1/2", "NotReady", corev1.PodRunning, []string{NoteNoNetwork, NoteJobNeverCompletes}},
			},
		},
		{
			name: "native", mode: ModeNative, want: []columnsAt{
				{0, "0/2", "Init:0/2", corev1.PodPending, nil},
				{5 * s, "0/2", "Init:1/2", corev1.PodPending, nil},
				{8 * s, "1/2", "PodInitializing", corev1.PodPending, nil},
				{10 * s, "2/2", "Running", corev1.PodRunning, nil},
			},
		},
		{
			name: "native with user init container", mode: ModeNative, opts: []podOpt{withInit("setup")}, want: []columnsAt{
				{8 * s, "1/2", "Init:2/3", corev1.PodPending, nil},
				{14 * s, "2/2", "Running", corev1.PodRunning, nil},
			},
		},
		{
			name: "native job completes", mode: ModeNative, isJob: true, want: []columnsAt{
				{11 * s, "2/2", "Running", corev1.PodRunning, nil},
				{15 * s, "0/2", "Completed", corev1.PodSucceeded, []string{NoteSidecarStopped}},
			},
		},
		{
			name: "native ignores hold", mode: ModeNative, opts: []podOpt{hold}, want: []columnsAt{
				{0, "0/2", "Init:0/2", corev1.PodPending, []string{NoteLifecycleSettingIgnored}},
				{11 * s, "2/2", "Running", corev1.PodRunning, []string{NoteLifecycleSettingIgnored}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pod := lifecyclePod(t, tt.mode, tt.opts...)
			for _, w := range tt.want {
				st, notes := PodStatusAt(pod, lifecycleBase, lifecycleBase.Add(w.at), DefaultTiming(), tt.isJob)
				p := pod.DeepCopy()
				p.Status = st
				var reasons []string
				for _, n := range notes {
					reasons = append(reasons, n.Reason)
					if n.Message == "" || n.At > w.at {
						t.Errorf("at %s: bad note %+v", w.at, n)
					}
				}
				got := columnsAt{w.at, PodReadyText(p), PodStatusText(p), st.Phase, reasons}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("at %s: got %+v, want %+v", w.at, got, w)
				}
			}
		})
	}
}

func TestPodStatusAtConditions(t *testing.T) {
	t.Parallel()
	pod := lifecyclePod(t, ModeTraditional)
	tests := []struct {
		at   time.Duration
		want map[corev1.PodConditionType]string // status/reason@transition
	}{
		{0, map[corev1.PodConditionType]string{
			corev1.PodInitialized:  "False/ContainersNotInitialized@0s",
			corev1.ContainersReady: "False/ContainersNotReady@0s",
			corev1.PodReady:        "False/ContainersNotReady@0s",
			corev1.PodScheduled:    "True/@0s",
		}},
		{6 * time.Second, map[corev1.PodConditionType]string{
			corev1.PodInitialized:  "True/@3s",
			corev1.ContainersReady: "False/ContainersNotReady@0s",
		}},
		{9 * time.Second, map[corev1.PodConditionType]string{
			corev1.PodInitialized:  "True/@3s",
			corev1.ContainersReady: "True/@8s",
			corev1.PodReady:        "True/@8s",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.at.String(), func(t *testing.T) {
			t.Parallel()
			st, _ := PodStatusAt(pod, lifecycleBase, lifecycleBase.Add(tt.at), DefaultTiming(), false)
			for typ, want := range tt.want {
				var found bool
				for _, c := range st.Conditions {
					if c.Type != typ {
						continue
					}
					found = true
					got := string(c.Status) + "/" + c.Reason + "@" + c.LastTransitionTime.Sub(lifecycleBase).String()
					if got != want {
						t.Errorf("%s = %s, want %s", typ, got, want)
					}
				}
				if !found {
					t.Errorf("no %s condition", typ)
				}
			}
			if st.StartTime == nil || !st.StartTime.Time.Equal(lifecycleBase) {
				t.Errorf("startTime = %v", st.StartTime)
			}
		})
	}
}

func TestPodStatusAtNotReadyMessage(t *testing.T) {
	t.Parallel()
	pod := lifecyclePod(t, ModeNative)
	st, _ := PodStatusAt(pod, lifecycleBase, lifecycleBase.Add(9*time.Second), DefaultTiming(), false)
	for _, c := range st.Conditions {
		if c.Type == corev1.PodReady && c.Message != "containers with unready status: [nginx]" {
			t.Errorf("Ready message = %q", c.Message)
		}
		if c.Type == corev1.PodInitialized && c.Status != corev1.ConditionTrue {
			t.Errorf("Initialized = %s", c.Status)
		}
	}
	st, _ = PodStatusAt(pod, lifecycleBase, lifecycleBase.Add(4*time.Second), DefaultTiming(), false)
	for _, c := range st.Conditions {
		if c.Type == corev1.PodInitialized && c.Message != "containers with incomplete status: [istio-proxy]" {
			t.Errorf("Initialized message = %q", c.Message)
		}
	}
}

func TestPodStatusAtDeterministic(t *testing.T) {
	t.Parallel()
	pod := lifecyclePod(t, ModeTraditional, withInit("setup"))
	for _, at := range []time.Duration{0, 4 * time.Second, 9 * time.Second, time.Minute} {
		a, na := PodStatusAt(pod, lifecycleBase, lifecycleBase.Add(at), DefaultTiming(), true)
		b, nb := PodStatusAt(pod.DeepCopy(), lifecycleBase, lifecycleBase.Add(at), DefaultTiming(), true)
		if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(na, nb) {
			t.Fatalf("at %s: two calls differ", at)
		}
	}
	// Before scheduling counts as the moment of scheduling.
	a, _ := PodStatusAt(pod, lifecycleBase, lifecycleBase.Add(-time.Second), DefaultTiming(), false)
	b, _ := PodStatusAt(pod, lifecycleBase, lifecycleBase, DefaultTiming(), false)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("a time before scheduling differs from the scheduling time")
	}
}

func TestPodStatusAtNoteMessages(t *testing.T) {
	t.Parallel()
	pod := lifecyclePod(t, ModeTraditional)
	_, notes := PodStatusAt(pod, lifecycleBase, lifecycleBase.Add(time.Hour), DefaultTiming(), true)
	want := []string{
		`container "nginx" starts at 5s but istio-proxy is ready only at 8s, so it has no network for 3s`,
		"the main containers exited at 10s but istio-proxy keeps running, so the pod stays Running and the Job never completes",
	}
	if len(notes) != len(want) {
		t.Fatalf("notes = %+v", notes)
	}
	for i, w := range want {
		if !strings.Contains(notes[i].Message, w) {
			t.Errorf("note %d = %q, want it to contain %q", i, notes[i].Message, w)
		}
	}
}

func TestUnschedulablePodStatus(t *testing.T) {
	t.Parallel()
	pod := newTestPod("d", "p")
	pod.Status = UnschedulablePodStatus(pod, lifecycleBase, "0/1 nodes are available")
	if got := PodStatusText(pod); got != "Pending" {
		t.Errorf("status = %q", got)
	}
	if r := PodReadyText(pod); r != "0/1" {
		t.Errorf("ready = %q", r)
	}
}

func TestQOSClass(t *testing.T) {
	t.Parallel()
	guaranteed := newTestPod("d", "p", func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources = sidecarResources()
		p.Spec.Containers[0].Resources.Requests = p.Spec.Containers[0].Resources.Limits
	})
	tests := []struct {
		name string
		pod  *corev1.Pod
		want corev1.PodQOSClass
	}{
		{"best effort", newTestPod("d", "p"), corev1.PodQOSBestEffort},
		{"injected is burstable", lifecyclePod(t, ModeNative), corev1.PodQOSBurstable},
		{"guaranteed", guaranteed, corev1.PodQOSGuaranteed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := QOSClass(tt.pod); got != tt.want {
				t.Fatalf("QOSClass = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestShutdownNotes(t *testing.T) {
	t.Parallel()
	traditional := func(ann map[string]string) *corev1.Pod {
		p := newTestPod("demo", "web", func(p *corev1.Pod) { p.Annotations = ann })
		out, _, err := InjectPod(p, InjectParams{Mesh: MeshConfig{Version: MustASMVersion("1.22.2.35"), Profile: ProfileASM, EnableNativeSidecar: new(false)},
			Cluster: ClusterInfo{Name: "c1", KubeVersion: MustKubeVersion("1.30")}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	native, _, err := InjectPod(newTestPod("demo", "web"), InjectParams{Mesh: MeshConfig{Version: MustASMVersion("1.22.2.35"), Profile: ProfileASM},
		Cluster: ClusterInfo{Name: "c1", KubeVersion: MustKubeVersion("1.30")}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pod  *corev1.Pod
		want int
	}{
		{name: "traditional cuts the app off", pod: traditional(nil), want: 1},
		{name: "graceful shutdown (JSON)", pod: traditional(map[string]string{AnnotationProxyConfig: `{"proxyMetadata":{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS":"true"}}`}), want: 0},
		{name: "graceful shutdown (YAML)", pod: traditional(map[string]string{AnnotationProxyConfig: "proxyMetadata:\n  EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'true'\n"}), want: 0},
		{name: "graceful shutdown off", pod: traditional(map[string]string{AnnotationProxyConfig: `{"proxyMetadata":{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS":"false"}}`}), want: 1},
		{name: "native stops after the app", pod: native, want: 0},
		{name: "not injected", pod: newTestPod("demo", "web"), want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			notes := ShutdownNotes(tt.pod)
			if len(notes) != tt.want {
				t.Fatalf("got %d notes %+v, want %d", len(notes), notes, tt.want)
			}
			for _, n := range notes {
				if n.Reason != NoteProxyStoppedFirst || n.Container == ProxyContainerName {
					t.Errorf("unexpected note %+v", n)
				}
			}
		})
	}
}

// TestNextPodStatusChange: the status and notes are the same at every
// instant from now until the next change (checked at every 100ms, the
// finest clock step), differ at the change, and stay the same forever
// once there is no next change.
func TestNextPodStatusChange(t *testing.T) {
	t.Parallel()
	hold := withAnnotation(AnnotationProxyConfig, "holdApplicationUntilProxyStarts: true")
	cases := []struct {
		name  string
		mode  SidecarMode
		opts  []podOpt
		isJob bool
	}{
		{name: "plain pod"},
		{name: "plain job", isJob: true},
		{name: "traditional", mode: ModeTraditional},
		{name: "traditional job with an init container", mode: ModeTraditional, opts: []podOpt{withInit("setup")}, isJob: true},
		{name: "traditional holding the app", mode: ModeTraditional, opts: []podOpt{hold}},
		{name: "native", mode: ModeNative},
		{name: "native job with an init container", mode: ModeNative, opts: []podOpt{withInit("setup")}, isJob: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pod := lifecyclePod(t, tc.mode, tc.opts...)
			timing := DefaultTiming()
			at := func(e time.Duration) (corev1.PodStatus, []LifecycleNote) {
				return PodStatusAt(pod, lifecycleBase, lifecycleBase.Add(e), timing, tc.isJob)
			}
			const tick = 100 * time.Millisecond
			now, changes := time.Duration(0), 0
			for {
				status, notes := at(now)
				next, ok := NextPodStatusChange(pod, lifecycleBase, lifecycleBase.Add(now), timing, tc.isJob)
				if !ok {
					later, laterNotes := at(now + 1000*time.Hour)
					if !reflect.DeepEqual(status, later) || !reflect.DeepEqual(notes, laterNotes) {
						t.Fatalf("at %s: no next change, but the status changes later", now)
					}
					break
				}
				end := next.Sub(lifecycleBase)
				if end <= now {
					t.Fatalf("at %s: next change %s is not later", now, end)
				}
				for e := now; e < end; e += tick {
					if s, n := at(e); !reflect.DeepEqual(s, status) || !reflect.DeepEqual(n, notes) {
						t.Fatalf("status at %s differs from %s, before the next change %s", e, now, end)
					}
				}
				if s, n := at(end); reflect.DeepEqual(s, status) && reflect.DeepEqual(n, notes) {
					t.Logf("at %s: nothing visible changes (a breakpoint of the plan only)", end)
				} else {
					changes++
				}
				now = end
			}
			if changes == 0 {
				t.Fatal("the status never changed")
			}
		})
	}
}

// withReadiness gives the pod's first container a readiness probe with
// the initial delay in seconds.
func withReadiness(delay int32) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}},
			InitialDelaySeconds: delay,
		}
	}
}
