package model

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// nodeUnreachableReason is the pod status reason the node lifecycle
// controller sets when a pod's node stops answering.
const nodeUnreachableReason = "NodeLost"

// initContainerByName finds an init container of the pod's spec.
func initContainerByName(pod *corev1.Pod, name string) (corev1.Container, bool) {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return c, true
		}
	}
	return corev1.Container{}, false
}

func restartableInit(pod *corev1.Pod, name string) bool {
	c, ok := initContainerByName(pod, name)
	return ok && IsRestartableInit(c)
}

// podColumns computes kubectl's READY, STATUS and RESTARTS for a pod.
type podColumns struct {
	ready, total int
	status       string
	restarts     int
}

// computePodColumns follows kubectl's printPod: the phase (or reason) as
// a start, then the init containers, then the app containers, then
// deletion have their say on STATUS.
func computePodColumns(pod *corev1.Pod) podColumns {
	col := podColumns{total: podContainerTotal(pod)}
	status := podBaseStatus(pod)
	initStatus, initializing, restarts, sidecarRestarts, sidecarsReady := initContainerColumns(pod)
	if initializing {
		status = initStatus
	}
	col.ready = sidecarsReady
	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		var ready int
		status, ready, restarts = appContainerColumns(pod, status, sidecarRestarts)
		col.ready += ready
	}
	col.status = deletionStatus(pod, status)
	col.restarts = restarts
	return col
}

// podContainerTotal is READY's denominator: the app containers and the
// sidecars (restartable init containers).
func podContainerTotal(pod *corev1.Pod) int {
	total := len(pod.Spec.Containers)
	for _, c := range pod.Spec.InitContainers {
		if IsRestartableInit(c) {
			total++
		}
	}
	return total
}

// podBaseStatus is STATUS before the containers speak: the reason, else
// the phase, and SchedulingGated while a scheduling gate holds the pod.
func podBaseStatus(pod *corev1.Pod) string {
	status := string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		status = pod.Status.Reason
	}
	for _, cond := range pod.Status.Conditions {
		if cond.Type == corev1.PodScheduled && cond.Reason == corev1.PodReasonSchedulingGated {
			status = corev1.PodReasonSchedulingGated
		}
	}
	return status
}

// initContainerColumns walks the init containers in order; the first one
// that is neither done nor a started sidecar says where initialisation
// stands (status, with initializing true). It counts the restarts of the
// init containers walked, those of the sidecars apart, and the ready
// started sidecars.
func initContainerColumns(pod *corev1.Pod) (status string, initializing bool, restarts, sidecarRestarts, sidecarsReady int) {
	nInit := len(pod.Spec.InitContainers)
	for i, st := range pod.Status.InitContainerStatuses {
		restarts += int(st.RestartCount)
		sidecar := restartableInit(pod, st.Name)
		if sidecar {
			sidecarRestarts += int(st.RestartCount)
		}
		term, wait := st.State.Terminated, st.State.Waiting
		switch {
		case term != nil && term.ExitCode == 0:
			continue
		case sidecar && st.Started != nil && *st.Started:
			if st.Ready {
				sidecarsReady++
			}
			continue
		case term != nil:
			switch {
			case term.Reason != "":
				status = "Init:" + term.Reason
			case term.Signal != 0:
				status = fmt.Sprintf("Init:Signal:%d", term.Signal)
			default:
				status = fmt.Sprintf("Init:ExitCode:%d", term.ExitCode)
			}
		case wait != nil && wait.Reason != "" && wait.Reason != "PodInitializing":
			status = "Init:" + wait.Reason
		default:
			status = fmt.Sprintf("Init:%d/%d", i, nInit)
		}
		return status, true, restarts, sidecarRestarts, sidecarsReady
	}
	return "", false, restarts, sidecarRestarts, sidecarsReady
}

// appContainerColumns lets the app containers speak once initialisation
// is over: kubectl walks them from last to first, so the first container
// with a reason has the last word. It returns STATUS, the ready app
// containers, and RESTARTS (the sidecars' plus the app containers').
func appContainerColumns(pod *corev1.Pod, status string, sidecarRestarts int) (string, int, int) {
	restarts, ready := sidecarRestarts, 0
	running := false
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		st := pod.Status.ContainerStatuses[i]
		restarts += int(st.RestartCount)
		term, wait := st.State.Terminated, st.State.Waiting
		switch {
		case wait != nil && wait.Reason != "":
			status = wait.Reason
		case term != nil && term.Reason != "":
			status = term.Reason
		case term != nil && term.Signal != 0:
			status = fmt.Sprintf("Signal:%d", term.Signal)
		case term != nil:
			status = fmt.Sprintf("ExitCode:%d", term.ExitCode)
		case st.Ready && st.State.Running != nil:
			running = true
			ready++
		}
	}
	if status == "Completed" && running {
		if podConditionTrue(pod, corev1.PodReady) {
			status = string(corev1.PodRunning)
		} else {
			status = "NotReady"
		}
	}
	return status, ready, restarts
}

// deletionStatus is STATUS for a pod being deleted: Unknown when its node
// is lost, Terminating unless it already finished.
func deletionStatus(pod *corev1.Pod, status string) string {
	if pod.DeletionTimestamp == nil {
		return status
	}
	switch {
	case pod.Status.Reason == nodeUnreachableReason:
		return "Unknown"
	case pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
		return "Terminating"
	}
	return status
}

func podConditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	c := FindPodCondition(pod.Status.Conditions, t)
	return c != nil && c.Status == corev1.ConditionTrue
}

// FindPodCondition returns the condition of type t in conds (pointing into
// conds, so that it can be changed in place), or nil.
func FindPodCondition(conds []corev1.PodCondition, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// PodReady is kubectl's READY column as two numbers (B13, B34): total
// counts the containers plus the restartable (sidecar) init containers;
// ready counts running, ready containers plus started, ready sidecars.
func PodReady(pod *corev1.Pod) (ready, total int) {
	if pod == nil {
		return 0, 0
	}
	c := computePodColumns(pod)
	return c.ready, c.total
}

// PodReadyText is the READY column as kubectl prints it, e.g. "2/2".
func PodReadyText(pod *corev1.Pod) string {
	r, t := PodReady(pod)
	return fmt.Sprintf("%d/%d", r, t)
}

// PodStatusText is kubectl's STATUS column: Running, Pending,
// ContainerCreating, Init:0/2, PodInitializing, Completed, NotReady, Error,
// Terminating and so on.
func PodStatusText(pod *corev1.Pod) string {
	if pod == nil {
		return ""
	}
	return computePodColumns(pod).status
}

// PodStatusTextOn is the STATUS column as the API server of Kubernetes
// version server prints it (the table printer, printPod, runs in the API
// server): up to 1.30 a pod being deleted is Terminating even when it had
// already Succeeded or Failed; from 1.31 such a pod keeps Completed or
// Error (pkg/printers/internalversion/printers.go, v1.30.0 vs v1.31.0:
// the deletionTimestamp branch gained !IsPodPhaseTerminal). A zero server
// version is taken as current.
func PodStatusTextOn(pod *corev1.Pod, server KubeVersion) string {
	if pod != nil && pod.DeletionTimestamp != nil && pod.Status.Reason != nodeUnreachableReason &&
		!server.IsZero() && !server.AtLeast(1, 31) {
		return "Terminating"
	}
	return PodStatusText(pod)
}

// PodRestarts is kubectl's RESTARTS column: the restarts of every container
// (and sidecar init container) once the pod is initialised, of the init
// containers while it is not.
func PodRestarts(pod *corev1.Pod) int {
	if pod == nil {
		return 0
	}
	return computePodColumns(pod).restarts
}
