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
	return ok && isRestartable(c)
}

// podColumns computes kubectl's READY, STATUS and RESTARTS for a pod.
type podColumns struct {
	ready, total int
	status       string
	restarts     int
}

func computePodColumns(pod *corev1.Pod) podColumns {
	var col podColumns
	col.total = len(pod.Spec.Containers)
	for _, c := range pod.Spec.InitContainers {
		if isRestartable(c) {
			col.total++
		}
	}
	status := string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		status = pod.Status.Reason
	}
	for _, cond := range pod.Status.Conditions {
		if cond.Type == corev1.PodScheduled && cond.Reason == corev1.PodReasonSchedulingGated {
			status = corev1.PodReasonSchedulingGated
		}
	}

	// Walk the init containers in order; the first one that is neither done
	// nor a started sidecar says where initialisation stands.
	restarts, sidecarRestarts := 0, 0
	initializing := false
	nInit := len(pod.Spec.InitContainers)
initLoop:
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
				col.ready++
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
		initializing = true
		break initLoop
	}

	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		restarts = sidecarRestarts
		running := false
		// kubectl walks the containers from last to first, so the first
		// container with a reason has the last word.
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
				col.ready++
			}
		}
		if status == "Completed" && running {
			if podConditionTrue(pod, corev1.PodReady) {
				status = string(corev1.PodRunning)
			} else {
				status = "NotReady"
			}
		}
	}

	if pod.DeletionTimestamp != nil {
		switch {
		case pod.Status.Reason == nodeUnreachableReason:
			status = "Unknown"
		case pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
			status = "Terminating"
		}
	}
	col.status = status
	col.restarts = restarts
	return col
}

func podConditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
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

// PodRestarts is kubectl's RESTARTS column: the restarts of every container
// (and sidecar init container) once the pod is initialised, of the init
// containers while it is not.
func PodRestarts(pod *corev1.Pod) int {
	if pod == nil {
		return 0
	}
	return computePodColumns(pod).restarts
}
