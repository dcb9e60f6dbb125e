package model

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func running(name string, ready bool, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Ready: ready, Started: new(true), RestartCount: restarts,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func waiting(name, reason string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Started: new(false), State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
}

func terminated(name string, code int32, reason string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Started: new(false), State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason}}}
}

func withRestarts(s corev1.ContainerStatus, n int32) corev1.ContainerStatus {
	s.RestartCount = n
	return s
}

func TestPodColumns(t *testing.T) {
	t.Parallel()
	always := corev1.ContainerRestartPolicyAlways
	native := func(p *corev1.Pod) {
		p.Spec.InitContainers = []corev1.Container{{Name: InitContainerName}, {Name: ProxyContainerName, RestartPolicy: &always}}
	}
	trad := func(p *corev1.Pod) {
		p.Spec.InitContainers = []corev1.Container{{Name: InitContainerName}}
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: ProxyContainerName})
	}
	readyCond := func(v corev1.ConditionStatus) []corev1.PodCondition {
		return []corev1.PodCondition{{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}, {Type: corev1.PodReady, Status: v}}
	}
	tests := []struct {
		name         string
		spec         podOpt
		status       corev1.PodStatus
		deleting     bool
		wantReady    string
		wantStatus   string
		wantRestarts int
	}{
		{name: "running 1/1", status: corev1.PodStatus{Phase: corev1.PodRunning,
			ContainerStatuses: []corev1.ContainerStatus{running("nginx", true, 0)}}, wantReady: "1/1", wantStatus: "Running"},
		{name: "pending no status", status: corev1.PodStatus{Phase: corev1.PodPending}, wantReady: "0/1", wantStatus: "Pending"},
		{name: "container creating", status: corev1.PodStatus{Phase: corev1.PodPending,
			ContainerStatuses: []corev1.ContainerStatus{waiting("nginx", "ContainerCreating")}}, wantReady: "0/1", wantStatus: "ContainerCreating"},
		{name: "image pull", status: corev1.PodStatus{Phase: corev1.PodPending,
			ContainerStatuses: []corev1.ContainerStatus{waiting("nginx", "ErrImagePull")}}, wantReady: "0/1", wantStatus: "ErrImagePull"},
		{name: "traditional 2/2", spec: trad, status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: readyCond(corev1.ConditionTrue),
			InitContainerStatuses: []corev1.ContainerStatus{terminated(InitContainerName, 0, "Completed")},
			ContainerStatuses:     []corev1.ContainerStatus{running("nginx", true, 1), running(ProxyContainerName, true, 2)}},
			wantReady: "2/2", wantStatus: "Running", wantRestarts: 3},
		{name: "native 2/2 counts the sidecar", spec: native, status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: readyCond(corev1.ConditionTrue),
			InitContainerStatuses: []corev1.ContainerStatus{terminated(InitContainerName, 0, "Completed"), running(ProxyContainerName, true, 4)},
			ContainerStatuses:     []corev1.ContainerStatus{running("nginx", true, 1)}},
			wantReady: "2/2", wantStatus: "Running", wantRestarts: 5},
		{name: "native init 1/2", spec: native, status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{terminated(InitContainerName, 0, "Completed"), waiting(ProxyContainerName, "PodInitializing")},
			ContainerStatuses:     []corev1.ContainerStatus{waiting("nginx", "PodInitializing")}},
			wantReady: "0/2", wantStatus: "Init:1/2"},
		{name: "init error", spec: trad, status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{withRestarts(terminated(InitContainerName, 1, "Error"), 3)},
			ContainerStatuses:     []corev1.ContainerStatus{withRestarts(waiting("nginx", "PodInitializing"), 7)}},
			wantReady: "0/2", wantStatus: "Init:Error", wantRestarts: 3},
		{name: "init exit code", spec: trad, status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{terminated(InitContainerName, 2, "")}},
			wantReady: "0/2", wantStatus: "Init:ExitCode:2"},
		{name: "init crash loop", spec: trad, status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{waiting(InitContainerName, "CrashLoopBackOff")}},
			wantReady: "0/2", wantStatus: "Init:CrashLoopBackOff"},
		{name: "pod initializing", spec: trad, status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{terminated(InitContainerName, 0, "Completed")},
			ContainerStatuses:     []corev1.ContainerStatus{waiting("nginx", "PodInitializing"), waiting(ProxyContainerName, "PodInitializing")}},
			wantReady: "0/2", wantStatus: "PodInitializing"},
		{name: "completed", status: corev1.PodStatus{Phase: corev1.PodSucceeded,
			ContainerStatuses: []corev1.ContainerStatus{terminated("nginx", 0, "Completed")}}, wantReady: "0/1", wantStatus: "Completed"},
		{name: "error", status: corev1.PodStatus{Phase: corev1.PodFailed,
			ContainerStatuses: []corev1.ContainerStatus{terminated("nginx", 1, "Error")}}, wantReady: "0/1", wantStatus: "Error"},
		{name: "signal", status: corev1.PodStatus{Phase: corev1.PodFailed,
			ContainerStatuses: []corev1.ContainerStatus{{Name: "nginx", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Signal: 9}}}}},
			wantReady: "0/1", wantStatus: "Signal:9"},
		{name: "job with traditional sidecar is NotReady", spec: trad, status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: readyCond(corev1.ConditionFalse),
			InitContainerStatuses: []corev1.ContainerStatus{terminated(InitContainerName, 0, "Completed")},
			ContainerStatuses:     []corev1.ContainerStatus{terminated("nginx", 0, "Completed"), running(ProxyContainerName, true, 0)}},
			wantReady: "1/2", wantStatus: "NotReady"},
		{name: "completed but running with Ready true", spec: trad, status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: readyCond(corev1.ConditionTrue),
			InitContainerStatuses: []corev1.ContainerStatus{terminated(InitContainerName, 0, "Completed")},
			ContainerStatuses:     []corev1.ContainerStatus{terminated("nginx", 0, "Completed"), running(ProxyContainerName, true, 0)}},
			wantReady: "1/2", wantStatus: "Running"},
		{name: "first container's reason wins", spec: withTwo(), status: corev1.PodStatus{Phase: corev1.PodRunning,
			ContainerStatuses: []corev1.ContainerStatus{waiting("nginx", "CrashLoopBackOff"), waiting("two", "ImagePullBackOff")}},
			wantReady: "0/2", wantStatus: "CrashLoopBackOff"},
		{name: "terminating", deleting: true, status: corev1.PodStatus{Phase: corev1.PodRunning,
			ContainerStatuses: []corev1.ContainerStatus{running("nginx", true, 0)}}, wantReady: "1/1", wantStatus: "Terminating"},
		{name: "terminating but succeeded", deleting: true, status: corev1.PodStatus{Phase: corev1.PodSucceeded,
			ContainerStatuses: []corev1.ContainerStatus{terminated("nginx", 0, "Completed")}}, wantReady: "0/1", wantStatus: "Completed"},
		{name: "node lost", deleting: true, status: corev1.PodStatus{Phase: corev1.PodRunning, Reason: "NodeLost"}, wantReady: "0/1", wantStatus: "Unknown"},
		{name: "evicted", status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}, wantReady: "0/1", wantStatus: "Evicted"},
		{name: "scheduling gated", status: corev1.PodStatus{Phase: corev1.PodPending,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated}}},
			wantReady: "0/1", wantStatus: "SchedulingGated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := []podOpt{}
			if tt.spec != nil {
				opts = append(opts, tt.spec)
			}
			pod := newTestPod("d", "p", opts...)
			pod.Status = tt.status
			if tt.deleting {
				now := metav1.Now()
				pod.DeletionTimestamp = &now
			}
			if got := PodReadyText(pod); got != tt.wantReady {
				t.Errorf("READY = %s, want %s", got, tt.wantReady)
			}
			if got := PodStatusText(pod); got != tt.wantStatus {
				t.Errorf("STATUS = %s, want %s", got, tt.wantStatus)
			}
			if got := PodRestarts(pod); got != tt.wantRestarts {
				t.Errorf("RESTARTS = %d, want %d", got, tt.wantRestarts)
			}
		})
	}
}

func withTwo() podOpt { return withContainer("two") }

func TestPodColumnsNil(t *testing.T) {
	t.Parallel()
	if r, tot := PodReady(nil); r != 0 || tot != 0 {
		t.Error("PodReady(nil)")
	}
	if PodStatusText(nil) != "" || PodRestarts(nil) != 0 {
		t.Error("nil pod")
	}
}
