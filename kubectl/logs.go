package kubectl

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
)

// logs is `kubectl logs POD -c istio-proxy`. No container runs in the
// twin, so no real log exists: for the mesh's proxy it prints a short
// startup log that says plainly that it is simulated, made of what the
// pod's status records (when the proxy started and became ready);
// other containers are refused with the twin's wording.
func (k *kubectlRun) logs(args []string) error {
	fs := k.newFlags("kubectl logs")
	container := fs.StringP("container", "c", "", "Print the logs of this container")
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	if len(pos) == 0 {
		return k.usageErrorf("expected POD or TYPE/NAME is a required argument for the logs command")
	}
	if len(pos) > 2 {
		return k.usageErrorf("expected POD or TYPE/NAME is a required argument for the logs command")
	}
	name := pos[0]
	if typ, n, ok := strings.Cut(name, "/"); ok {
		if typ != "pod" && typ != "pods" && typ != "po" {
			return notEmulated("kubectl logs "+name, "kubectl logs POD -c "+model.ProxyContainerName)
		}
		name = n
	}
	if len(pos) == 2 && *container == "" {
		*container = pos[1]
	}
	cs, err := k.client()
	if err != nil {
		return err
	}
	pod, err := cs.CoreV1().Pods(k.namespace()).Get(k.ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if *container == "" {
		return notEmulated("kubectl logs "+name+" without -c", "kubectl logs POD -c "+model.ProxyContainerName)
	}
	ctr, status := findPodContainer(pod, *container)
	if ctr == nil {
		return fmt.Errorf("container %s is not valid for pod %s out of: %s", *container, pod.Name, allContainerNames(pod))
	}
	if *container != model.ProxyContainerName {
		return notEmulated("kubectl logs "+name+" -c "+*container, "kubectl logs POD -c "+model.ProxyContainerName)
	}
	if status == nil || (status.State.Running == nil && status.State.Terminated == nil && status.LastTerminationState.Terminated == nil) {
		reason := "ContainerCreating"
		if status != nil && status.State.Waiting != nil && status.State.Waiting.Reason != "" {
			reason = status.State.Waiting.Reason
		}
		return apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: %s", *container, pod.Name, reason))
	}
	started := time.Time{}
	if r := status.State.Running; r != nil {
		started = r.StartedAt.Time
	} else if t := status.State.Terminated; t != nil {
		started = t.StartedAt.Time
	}
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
	mode := "traditional sidecar (a regular container)"
	if ctr.RestartPolicy != nil && *ctr.RestartPolicy == corev1.ContainerRestartPolicyAlways {
		mode = "native sidecar (an init container with restartPolicy Always)"
	}
	fmt.Fprintf(k.out, "%s\tinfo\tmeshtwin\tsimulated log: no proxy runs in meshtwin; these lines are made from the pod's status\n", stamp(started))
	fmt.Fprintf(k.out, "%s\tinfo\tmeshtwin\tistio-proxy started as a %s, image %s\n", stamp(started), mode, ctr.Image)
	if status.Ready {
		ready := started
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.ContainersReady && c.Status == corev1.ConditionTrue {
				ready = c.LastTransitionTime.Time
			}
		}
		fmt.Fprintf(k.out, "%s\tinfo\tmeshtwin\tistio-proxy ready (readiness probe on :15021/healthz/ready passes)\n", stamp(ready))
	}
	if t := status.State.Terminated; t != nil {
		fmt.Fprintf(k.out, "%s\tinfo\tmeshtwin\tistio-proxy exited with code %d (%s)\n", stamp(t.FinishedAt.Time), t.ExitCode, t.Reason)
	}
	return nil
}

// findPodContainer finds a container (or init container) of pod by name,
// with its status.
func findPodContainer(pod *corev1.Pod, name string) (*corev1.Container, *corev1.ContainerStatus) {
	for _, group := range []struct {
		ctrs     []corev1.Container
		statuses []corev1.ContainerStatus
	}{{pod.Spec.Containers, pod.Status.ContainerStatuses}, {pod.Spec.InitContainers, pod.Status.InitContainerStatuses}} {
		for i := range group.ctrs {
			if group.ctrs[i].Name != name {
				continue
			}
			for j := range group.statuses {
				if group.statuses[j].Name == name {
					return &group.ctrs[i], &group.statuses[j]
				}
			}
			return &group.ctrs[i], nil
		}
	}
	return nil, nil
}

// allContainerNames is podcmd.AllContainerNames: containers, then init
// containers marked "(init)".
func allContainerNames(pod *corev1.Pod) string {
	var names []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names = append(names, c.Name+" (ephem)")
	}
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name+" (init)")
	}
	return strings.Join(names, ", ")
}
