package model

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Lifecycle note reasons.
const (
	NoteNoNetwork               = "NoNetwork"
	NoteJobNeverCompletes       = "JobNeverCompletes"
	NoteLifecycleSettingIgnored = "LifecycleSettingIgnored"
	NoteSidecarStopped          = "SidecarStopped"
	NoteProxyStoppedFirst       = "ProxyStoppedFirst"
)

// DefaultTiming is the lifecycle the simulator uses unless told otherwise.
func DefaultTiming() Timing {
	return Timing{
		InitContainerRun: 1 * time.Second,
		ContainerStart:   2 * time.Second,
		AppReady:         1 * time.Second,
		ProxyReady:       3 * time.Second,
		JobRun:           5 * time.Second,
	}
}

// LifecycleNote records something about the pod's lifecycle that a user
// would not see in its status, such as a container without network (B32).
// At is the time since the pod was scheduled.
type LifecycleNote struct {
	At        time.Duration
	Container string
	Reason    string
	Message   string
}

// never marks a step that does not happen.
const never = time.Duration(math.MaxInt64)

// ctrPlan is when one container starts, becomes started/ready and ends,
// relative to the time the pod was scheduled.
type ctrPlan struct {
	name, image string
	init        bool
	sidecar     bool // restartable init container
	start       time.Duration
	started     time.Duration // Started turns true (sidecars wait for their startup probe)
	ready       time.Duration // never for run-to-completion init containers
	end         time.Duration
}

type podPlan struct {
	inits, ctrs []ctrPlan
	initDone    time.Duration
	hasInit     bool
	notes       []LifecycleNote
}

// podFacts is what planPod reads of the pod besides its containers.
type podFacts struct {
	injected, traditional, native bool
	hold                          bool // holdApplicationUntilProxyStarts
	isJob                         bool
}

// planPod lays out the pod's lifecycle on the virtual clock.
func planPod(pod *corev1.Pod, t Timing, isJob bool) podPlan {
	mode, injected := PodSidecarMode(pod)
	f := podFacts{
		injected:    injected,
		traditional: injected && mode == ModeTraditional,
		native:      injected && mode == ModeNative,
		hold:        HoldsApplication(pod),
		isJob:       isJob,
	}
	p := podPlan{hasInit: len(pod.Spec.InitContainers) > 0}
	p.planInitContainers(pod.Spec.InitContainers, t, f)
	p.planContainers(pod.Spec.Containers, t, f)
	p.noteTraditionalProxy(f)
	p.planSidecarStop(f)
	p.sortNotes()
	return p
}

// planInitContainers runs the init containers one after the other:
// a run-to-completion one until it ends, a restartable one (a sidecar)
// until it has started.
func (p *podPlan) planInitContainers(inits []corev1.Container, t Timing, f podFacts) {
	cursor := time.Duration(0)
	redirected := false // istio-init has set up the traffic redirection
	for _, c := range inits {
		cp := ctrPlan{name: c.Name, image: c.Image, init: true, start: cursor + t.ContainerStart, end: never}
		if IsRestartableInit(c) {
			cp.sidecar = true
			readyAfter := t.AppReady
			if c.Name == ProxyContainerName {
				readyAfter = t.ProxyReady
			}
			cp.started = cp.start
			if c.StartupProbe != nil {
				cp.started = cp.start + readyAfter
			}
			cp.ready = readyAt(c, cp.start, cp.started, readyAfter)
			cursor = cp.started
		} else {
			cp.started = cp.start
			cp.ready = never
			cp.end = cp.start + t.InitContainerRun
			cursor = cp.end
			if f.traditional && redirected {
				p.notes = append(p.notes, LifecycleNote{At: cp.start, Container: c.Name, Reason: NoteNoNetwork,
					Message: fmt.Sprintf("init container %q runs before istio-proxy starts, but istio-init already redirects its traffic to the proxy, so it has no network", c.Name)})
			}
			if c.Name == InitContainerName {
				redirected = true
			}
		}
		p.inits = append(p.inits, cp)
	}
	p.initDone = cursor
}

// planContainers starts the containers together once the init containers
// are done; a traditional proxy with holdApplicationUntilProxyStarts holds
// the others until it is ready, and a Job's containers run to completion.
func (p *podPlan) planContainers(ctrs []corev1.Container, t Timing, f podFacts) {
	base := p.initDone + t.ContainerStart
	var proxyReady time.Duration = -1
	if f.traditional && f.hold && slices.ContainsFunc(ctrs, func(c corev1.Container) bool { return c.Name == ProxyContainerName }) {
		proxyReady = base + t.ProxyReady
	}
	for _, c := range ctrs {
		cp := ctrPlan{name: c.Name, image: c.Image, start: base, end: never}
		if c.Name == ProxyContainerName {
			cp.ready = readyAt(c, cp.start, cp.start, t.ProxyReady)
		} else {
			if proxyReady >= 0 {
				// postStart of istio-proxy holds the next containers.
				cp.start = proxyReady + t.ContainerStart
			}
			cp.ready = readyAt(c, cp.start, cp.start, t.AppReady)
			if f.isJob {
				cp.end = cp.start + t.JobRun
			}
		}
		cp.started = cp.start
		p.ctrs = append(p.ctrs, cp)
	}
}

// readyAt is when a container that starts at start and counts as
// started at started turns ready, as the kubelet's prober decides: a
// container without a readiness probe is ready as soon as it has
// started; one with a probe once the probe first succeeds, not before
// its initialDelaySeconds nor before the app inside is up (warmUp after
// the start).
func readyAt(c corev1.Container, start, started, warmUp time.Duration) time.Duration {
	if c.ReadinessProbe == nil {
		return started
	}
	delay := time.Duration(c.ReadinessProbe.InitialDelaySeconds) * time.Second
	return max(start+max(warmUp, delay), started)
}

// proxy is the plan of the istio-proxy container (traditional mode), or
// nil.
func (p *podPlan) proxy() *ctrPlan {
	var proxy *ctrPlan
	for i := range p.ctrs {
		if p.ctrs[i].name == ProxyContainerName {
			proxy = &p.ctrs[i]
		}
	}
	return proxy
}

// mainEnd is when the last main (non-proxy) container that ends has
// ended; hasMain says whether there is a main container at all.
func (p *podPlan) mainEnd() (end time.Duration, hasMain bool) {
	for _, cp := range p.ctrs {
		if cp.name == ProxyContainerName {
			continue
		}
		hasMain = true
		if cp.end != never && cp.end > end {
			end = cp.end
		}
	}
	return end, hasMain
}

// noteTraditionalProxy notes what a traditional sidecar costs: app
// containers without network until the proxy is ready, and a Job whose
// proxy keeps the pod running.
func (p *podPlan) noteTraditionalProxy(f podFacts) {
	proxy := p.proxy()
	if !f.traditional || proxy == nil {
		return
	}
	if !f.hold {
		for _, cp := range p.ctrs {
			if cp.name == ProxyContainerName || cp.start >= proxy.ready {
				continue
			}
			p.notes = append(p.notes, LifecycleNote{At: cp.start, Container: cp.name, Reason: NoteNoNetwork,
				Message: fmt.Sprintf("container %q starts at %s but istio-proxy is ready only at %s, so it has no network for %s (holdApplicationUntilProxyStarts would hold it until the proxy is ready)",
					cp.name, cp.start, proxy.ready, proxy.ready-cp.start)})
		}
	}
	if mainEnd, hasMain := p.mainEnd(); f.isJob && hasMain {
		p.notes = append(p.notes, LifecycleNote{At: mainEnd, Container: ProxyContainerName, Reason: NoteJobNeverCompletes,
			Message: fmt.Sprintf("the main containers exited at %s but istio-proxy keeps running, so the pod stays Running and the Job never completes", mainEnd)})
	}
}

// planSidecarStop stops the native sidecars of a Job once its main
// containers have exited, so that the pod can complete; a native
// istio-proxy also notes that holdApplicationUntilProxyStarts is moot.
func (p *podPlan) planSidecarStop(f podFacts) {
	if f.native && f.hold {
		p.notes = append(p.notes, LifecycleNote{At: 0, Container: ProxyContainerName, Reason: NoteLifecycleSettingIgnored,
			Message: "holdApplicationUntilProxyStarts has no effect on a native sidecar: istio-proxy always starts and is ready before the app containers"})
	}
	mainEnd, hasMain := p.mainEnd()
	if !f.isJob || !hasMain || (f.injected && !f.native) {
		return
	}
	for i := range p.inits {
		if p.inits[i].sidecar {
			p.inits[i].end = mainEnd
		}
	}
	if f.native {
		p.notes = append(p.notes, LifecycleNote{At: mainEnd, Container: ProxyContainerName, Reason: NoteSidecarStopped,
			Message: fmt.Sprintf("the main containers exited at %s, so the kubelet stopped the native sidecar istio-proxy and the pod can complete", mainEnd)})
	}
}

// sortNotes orders the notes by time, container and reason.
func (p *podPlan) sortNotes() {
	sort.SliceStable(p.notes, func(i, j int) bool {
		a, b := p.notes[i], p.notes[j]
		if a.At != b.At {
			return a.At < b.At
		}
		if a.Container != b.Container {
			return a.Container < b.Container
		}
		return a.Reason < b.Reason
	})
}

// breakpoints lists every time at which something in the plan changes.
func (p podPlan) breakpoints() []time.Duration {
	out := make([]time.Duration, 1, 1+4*(len(p.inits)+len(p.ctrs)))
	for _, list := range [2][]ctrPlan{p.inits, p.ctrs} {
		for _, c := range list {
			for _, x := range [4]time.Duration{c.start, c.started, c.ready, c.end} {
				if x != never {
					out = append(out, x)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// condValue is a pod condition's value at one instant.
type condValue struct {
	status          corev1.ConditionStatus
	reason, message string
}

// podState is the plan evaluated at one instant.
type podState struct {
	phase                                  corev1.PodPhase
	initialized, containersReady, podReady condValue
}

func (p podPlan) stateAt(e time.Duration) podState {
	return p.evaluate(e, true)
}

// evaluate is the plan at e; without messages the conditions carry
// their status and reason only (what the transition times compare),
// and nothing is allocated.
func (p podPlan) evaluate(e time.Duration, messages bool) podState {
	var s podState
	var incomplete, unready []string
	nUnready := 0
	for _, c := range p.inits {
		if c.sidecar {
			if e < c.started || e >= c.end {
				if messages {
					incomplete = append(incomplete, c.name)
				}
			}
			if e < c.ready || e >= c.end {
				nUnready++
				if messages {
					unready = append(unready, c.name)
				}
			}
			continue
		}
		if e < c.end {
			if messages {
				incomplete = append(incomplete, c.name)
			}
		}
	}
	allDone := len(p.ctrs) > 0
	anyStarted := false
	for _, c := range p.ctrs {
		if e < c.ready || e >= c.end {
			nUnready++
			if messages {
				unready = append(unready, c.name)
			}
		}
		if e >= c.start {
			anyStarted = true
		}
		if e < c.end {
			allDone = false
		}
	}
	initDone := e >= p.initDone
	switch {
	case initDone && allDone:
		s.phase = corev1.PodSucceeded
	case initDone && anyStarted:
		s.phase = corev1.PodRunning
	default:
		s.phase = corev1.PodPending
	}
	if s.phase == corev1.PodSucceeded {
		done := condValue{status: corev1.ConditionFalse, reason: "PodCompleted"}
		s.initialized = condValue{status: corev1.ConditionTrue, reason: "PodCompleted"}
		s.containersReady, s.podReady = done, done
		return s
	}
	if initDone {
		s.initialized = condValue{status: corev1.ConditionTrue}
	} else {
		s.initialized = condValue{status: corev1.ConditionFalse, reason: "ContainersNotInitialized"}
		if messages {
			s.initialized.message = "containers with incomplete status: [" + strings.Join(incomplete, " ") + "]"
		}
	}
	if nUnready == 0 {
		s.containersReady = condValue{status: corev1.ConditionTrue}
	} else {
		s.containersReady = condValue{status: corev1.ConditionFalse, reason: "ContainersNotReady"}
		if messages {
			s.containersReady.message = "containers with unready status: [" + strings.Join(unready, " ") + "]"
		}
	}
	s.podReady = s.containersReady
	return s
}

func (c ctrPlan) status(e time.Duration, base time.Time, waitingReason string) corev1.ContainerStatus {
	at := func(d time.Duration) metav1.Time { return metav1.NewTime(base.Add(d)) }
	st := corev1.ContainerStatus{Name: c.name, Image: c.image, Started: new(false)}
	switch {
	case e < c.start:
		st.State.Waiting = &corev1.ContainerStateWaiting{Reason: waitingReason}
	case e < c.end:
		st.State.Running = &corev1.ContainerStateRunning{StartedAt: at(c.start)}
		st.Started = new(e >= c.started)
		st.Ready = e >= c.ready
	default:
		st.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed",
			StartedAt: at(c.start), FinishedAt: at(c.end)}
	}
	return st
}

// PodStatusAt computes the pod's whole status at now, for a pod scheduled
// at scheduledAt (B32): phase, conditions, init and container statuses and
// start time. Init containers run one after another, a native istio-proxy
// must be started before the next init container, then the containers
// start together (after a traditional istio-proxy is ready when the pod
// holds the application). For a Job (isJob) the main containers exit 0
// after Timing.JobRun. The notes say what the status does not show (a
// container without network, a Job that never completes), up to now.
// Host and pod IPs are left to the caller.
func PodStatusAt(pod *corev1.Pod, scheduledAt time.Time, now time.Time, t Timing, isJob bool) (corev1.PodStatus, []LifecycleNote) {
	if pod == nil {
		return corev1.PodStatus{}, nil
	}
	return PlanLifecycle(pod, t, isJob).StatusAt(scheduledAt, now)
}

// Lifecycle is a pod's lifecycle laid out once, for a kubelet that looks
// at the pod at many instants: StatusAt and NextChange answer what
// PodStatusAt and NextPodStatusChange answer for the pod, timing and
// isJob it was planned with, without planning again. It reads nothing of
// the pod after PlanLifecycle: a pod whose spec or annotations change
// needs a new one.
type Lifecycle struct {
	plan podPlan
	qos  corev1.PodQOSClass
}

// PlanLifecycle lays out pod's lifecycle (see PodStatusAt).
func PlanLifecycle(pod *corev1.Pod, t Timing, isJob bool) *Lifecycle {
	return &Lifecycle{plan: planPod(pod, t, isJob), qos: QOSClass(pod)}
}

// StatusAt is PodStatusAt for the pod planned, scheduled at scheduledAt.
func (l *Lifecycle) StatusAt(scheduledAt, now time.Time) (corev1.PodStatus, []LifecycleNote) {
	e := now.Sub(scheduledAt)
	if e < 0 {
		e = 0
	}
	p := &l.plan

	// Each condition's last transition is the latest breakpoint up to
	// now at which its status changed: one pass over the breakpoints,
	// the plan evaluated once at each without the messages (only
	// statuses are compared).
	var lastInitialized, lastReady, lastContainersReady time.Duration
	var prev podState
	for i, x := range p.breakpoints() {
		if x > e {
			break // breakpoints are sorted
		}
		s := p.evaluate(x, false)
		if i > 0 {
			if s.initialized.status != prev.initialized.status {
				lastInitialized = x
			}
			if s.podReady.status != prev.podReady.status {
				lastReady = x
			}
			if s.containersReady.status != prev.containersReady.status {
				lastContainersReady = x
			}
		}
		prev = s
	}
	cur := p.stateAt(e)
	cond := func(t corev1.PodConditionType, v condValue, last time.Duration) corev1.PodCondition {
		return corev1.PodCondition{Type: t, Status: v.status, Reason: v.reason, Message: v.message,
			LastTransitionTime: metav1.NewTime(scheduledAt.Add(last))}
	}
	sched := metav1.NewTime(scheduledAt)
	status := corev1.PodStatus{
		Phase: cur.phase,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue, LastTransitionTime: sched},
			cond(corev1.PodInitialized, cur.initialized, lastInitialized),
			cond(corev1.PodReady, cur.podReady, lastReady),
			cond(corev1.ContainersReady, cur.containersReady, lastContainersReady),
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: sched},
		},
		StartTime: &sched,
		QOSClass:  l.qos,
	}
	if len(p.inits) > 0 {
		status.InitContainerStatuses = make([]corev1.ContainerStatus, 0, len(p.inits))
	}
	if len(p.ctrs) > 0 {
		status.ContainerStatuses = make([]corev1.ContainerStatus, 0, len(p.ctrs))
	}
	for _, c := range p.inits {
		status.InitContainerStatuses = append(status.InitContainerStatuses, c.status(e, scheduledAt, "PodInitializing"))
	}
	waiting := "ContainerCreating"
	if p.hasInit {
		waiting = "PodInitializing"
	}
	for _, c := range p.ctrs {
		status.ContainerStatuses = append(status.ContainerStatuses, c.status(e, scheduledAt, waiting))
	}
	var notes []LifecycleNote
	for _, n := range p.notes {
		if n.At <= e {
			notes = append(notes, n)
		}
	}
	return status, notes
}

// NextPodStatusChange returns the first instant after now at which
// PodStatusAt's status or notes for the pod can differ from those at
// now, and false when they never will: between two of the plan's
// instants (a container starting, becoming started or ready, ending;
// the init containers done; a note due) both are constant. A kubelet
// need not look at the pod again before then, unless the pod changes.
func NextPodStatusChange(pod *corev1.Pod, scheduledAt time.Time, now time.Time, t Timing, isJob bool) (time.Time, bool) {
	if pod == nil {
		return time.Time{}, false
	}
	return PlanLifecycle(pod, t, isJob).NextChange(scheduledAt, now)
}

// NextChange is NextPodStatusChange for the pod planned, scheduled at
// scheduledAt.
func (l *Lifecycle) NextChange(scheduledAt, now time.Time) (time.Time, bool) {
	e := max(now.Sub(scheduledAt), 0)
	p := &l.plan
	next := never
	consider := func(x time.Duration) {
		if x > e && x < next {
			next = x
		}
	}
	for _, list := range [][]ctrPlan{p.inits, p.ctrs} {
		for _, c := range list {
			consider(c.start)
			consider(c.started)
			consider(c.ready)
			consider(c.end)
		}
	}
	consider(p.initDone)
	for _, n := range p.notes {
		consider(n.At)
	}
	if next == never {
		return time.Time{}, false
	}
	return scheduledAt.Add(next), true
}

// UnschedulablePodStatus is the status of a pod the scheduler could not
// place: Pending, with PodScheduled False and the FailedScheduling message.
func UnschedulablePodStatus(pod *corev1.Pod, at time.Time, message string) corev1.PodStatus {
	return corev1.PodStatus{
		Phase: corev1.PodPending,
		Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
			Reason: corev1.PodReasonUnschedulable, Message: message,
			LastTransitionTime: metav1.NewTime(at),
		}},
		QOSClass: QOSClass(pod),
	}
}

// QOSClass is the pod's quality-of-service class: Guaranteed when every
// container sets equal CPU and memory requests and limits, BestEffort when
// none sets any, Burstable otherwise.
func QOSClass(pod *corev1.Pod) corev1.PodQOSClass {
	if pod == nil {
		return corev1.PodQOSBestEffort
	}
	anySet, guaranteed := false, len(pod.Spec.InitContainers)+len(pod.Spec.Containers) > 0
	check := func(ctrs []corev1.Container) {
		for i := range ctrs {
			res := &ctrs[i].Resources
			for _, r := range [...]corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, hasReq := res.Requests[r]
				lim, hasLim := res.Limits[r]
				if hasReq || hasLim {
					anySet = true
				}
				if !hasLim || (hasReq && req.Cmp(lim) != 0) {
					guaranteed = false
				}
			}
		}
	}
	check(pod.Spec.InitContainers)
	check(pod.Spec.Containers)
	switch {
	case !anySet:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

// ShutdownNotes says what a pod's containers lose when the pod is deleted
// while it runs (B32). In traditional mode istio-proxy is told to stop
// together with the app containers and exits first, so each app container
// has no network while it shuts down, unless graceful shutdown is set
// (GracefulShutdown). A native sidecar is stopped only after the app
// containers have exited: nothing is lost, whatever the sidecar's lifecycle
// settings say.
func ShutdownNotes(pod *corev1.Pod) []LifecycleNote {
	// Istio's pilot-agent drains inbound listeners on SIGTERM and lets
	// Envoy run for terminationDrainDuration (5s unless set) before it
	// exits.
	mode, injected := PodSidecarMode(pod)
	if !injected || mode == ModeNative || GracefulShutdown(pod) {
		return nil
	}
	var notes []LifecycleNote
	for _, c := range pod.Spec.Containers {
		if c.Name == ProxyContainerName {
			continue
		}
		notes = append(notes, LifecycleNote{Container: c.Name, Reason: NoteProxyStoppedFirst,
			Message: fmt.Sprintf("istio-proxy got SIGTERM together with container %q: it drains its inbound listeners at once and exits after the termination drain duration (%s by default), so %q keeps outbound traffic for about that long and has no network if it is still shutting down after it (graceful shutdown: set EXIT_ON_ZERO_ACTIVE_CONNECTIONS in %s, or use a native sidecar)",
				c.Name, DefaultTerminationDrainDuration, c.Name, AnnotationProxyConfig)})
	}
	return notes
}

// DefaultTerminationDrainDuration is Istio's default
// terminationDrainDuration (ProxyConfig): how long the proxy keeps running
// after SIGTERM while it drains.
const DefaultTerminationDrainDuration = 5 * time.Second

// GracefulShutdown reports whether the pod's proxy.istio.io/config
// annotation holds istio-proxy until the app's connections are done:
// proxyMetadata EXIT_ON_ZERO_ACTIVE_CONNECTIONS set to true, in YAML or
// JSON form.
func GracefulShutdown(pod *corev1.Pod) bool {
	return configFlagTrue(pod, exitOnZeroActiveConnections)
}

const exitOnZeroActiveConnections = "EXIT_ON_ZERO_ACTIVE_CONNECTIONS"
