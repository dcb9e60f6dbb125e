package kubectl

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// describeContainers is kubectl's describeContainers: space is "" for a
// pod and "  " for a pod template, whose container names get one more
// space.
func describeContainers(w *describeWriter, space, label string, pod *corev1.Pod, containers []corev1.Container, statuses []corev1.ContainerStatus) {
	nameIndent := ""
	if space != "" {
		nameIndent = " "
	}
	byName := map[string]corev1.ContainerStatus{}
	for _, st := range statuses {
		byName[st.Name] = st
	}
	if len(containers) == 0 {
		w.write(0, "%s%s: <none>\n", space, label)
	} else {
		w.write(0, "%s%s:\n", space, label)
	}
	for _, c := range containers {
		st, ok := byName[c.Name]
		w.write(1, "%s%v:\n", nameIndent, c.Name)
		if ok {
			w.write(2, "Container ID:\t%s\n", st.ContainerID)
		}
		w.write(2, "Image:\t%s\n", c.Image)
		if ok {
			w.write(2, "Image ID:\t%s\n", st.ImageID)
		}
		ports := make([]string, len(c.Ports))
		hostPorts := make([]string, len(c.Ports))
		for i, p := range c.Ports {
			ports[i] = fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol)
			hostPorts[i] = fmt.Sprintf("%d/%s", p.HostPort, p.Protocol)
		}
		if len(ports) > 1 {
			w.write(2, "Ports:\t%s\n", strings.Join(ports, ", "))
			w.write(2, "Host Ports:\t%s\n", strings.Join(hostPorts, ", "))
		} else {
			w.write(2, "Port:\t%s\n", kubeNone(strings.Join(ports, ", ")))
			w.write(2, "Host Port:\t%s\n", kubeNone(strings.Join(hostPorts, ", ")))
		}
		if len(c.Command) > 0 {
			w.write(2, "Command:\n")
			for _, part := range c.Command {
				for _, line := range strings.Split(part, "\n") {
					w.write(3, "%s\n", line)
				}
			}
		}
		if len(c.Args) > 0 {
			w.write(2, "Args:\n")
			for _, part := range c.Args {
				for _, line := range strings.Split(part, "\n") {
					w.write(3, "%s\n", line)
				}
			}
		}
		if ok {
			describeContainerState(w, "State", st.State)
			if st.LastTerminationState.Terminated != nil {
				describeContainerState(w, "Last State", st.LastTerminationState)
			}
			ready := "False"
			if st.Ready {
				ready = "True"
			}
			w.write(2, "Ready:\t%s\n", ready)
			w.write(2, "Restart Count:\t%d\n", st.RestartCount)
		}
		describeResourceList(w, 2, "Limits", c.Resources.Limits)
		describeResourceList(w, 2, "Requests", c.Resources.Requests)
		if c.LivenessProbe != nil {
			w.write(2, "Liveness:\t%s\n", describeProbe(c.LivenessProbe))
		}
		if c.ReadinessProbe != nil {
			w.write(2, "Readiness:\t%s\n", describeProbe(c.ReadinessProbe))
		}
		if c.StartupProbe != nil {
			w.write(2, "Startup:\t%s\n", describeProbe(c.StartupProbe))
		}
		if len(c.EnvFrom) > 0 {
			w.write(2, "Environment Variables from:\n")
			for _, e := range c.EnvFrom {
				from, name, optional := "", "", false
				if e.ConfigMapRef != nil {
					from, name = "ConfigMap", e.ConfigMapRef.Name
					optional = e.ConfigMapRef.Optional != nil && *e.ConfigMapRef.Optional
				} else if e.SecretRef != nil {
					from, name = "Secret", e.SecretRef.Name
					optional = e.SecretRef.Optional != nil && *e.SecretRef.Optional
				}
				if e.Prefix == "" {
					w.write(3, "%s\t%s\tOptional: %t\n", name, from, optional)
				} else {
					w.write(3, "%s\t%s with prefix '%s'\tOptional: %t\n", name, from, e.Prefix, optional)
				}
			}
		}
		describeEnv(w, pod, c)
		if len(c.VolumeMounts) == 0 {
			w.write(2, "Mounts:\t<none>\n")
		} else {
			w.write(2, "Mounts:\n")
			mounts := append([]corev1.VolumeMount(nil), c.VolumeMounts...)
			sort.SliceStable(mounts, func(i, j int) bool { return mounts[i].MountPath < mounts[j].MountPath })
			for _, m := range mounts {
				flags := []string{"rw"}
				if m.ReadOnly {
					flags = []string{"ro"}
				}
				if m.SubPath != "" {
					flags = append(flags, fmt.Sprintf("path=%q", m.SubPath))
				}
				w.write(3, "%s from %s (%s)\n", m.MountPath, m.Name, strings.Join(flags, ","))
			}
		}
	}
}

func describeContainerState(w *describeWriter, title string, s corev1.ContainerState) {
	switch {
	case s.Running != nil:
		w.write(2, "%s:\tRunning\n", title)
		w.write(3, "Started:\t%v\n", formatDescribeTime(s.Running.StartedAt.Time))
	case s.Waiting != nil:
		w.write(2, "%s:\tWaiting\n", title)
		if s.Waiting.Reason != "" {
			w.write(3, "Reason:\t%s\n", s.Waiting.Reason)
		}
	case s.Terminated != nil:
		t := s.Terminated
		w.write(2, "%s:\tTerminated\n", title)
		if t.Reason != "" {
			w.write(3, "Reason:\t%s\n", t.Reason)
		}
		if t.Message != "" {
			w.write(3, "Message:\t%s\n", t.Message)
		}
		w.write(3, "Exit Code:\t%d\n", t.ExitCode)
		if t.Signal > 0 {
			w.write(3, "Signal:\t%d\n", t.Signal)
		}
		w.write(3, "Started:\t%s\n", formatDescribeTime(t.StartedAt.Time))
		w.write(3, "Finished:\t%s\n", formatDescribeTime(t.FinishedAt.Time))
	default:
		w.write(2, "%s:\tWaiting\n", title)
	}
}

func describeResourceList(w *describeWriter, level int, title string, list corev1.ResourceList) {
	if len(list) == 0 {
		return
	}
	w.write(level, "%s:\n", title)
	names := make([]string, 0, len(list))
	for n := range list {
		names = append(names, string(n))
	}
	sort.Strings(names)
	for _, n := range names {
		q := list[corev1.ResourceName(n)]
		w.write(level+1, "%s:\t%s\n", n, q.String())
	}
}

// describeProbe renders a probe as kubectl does:
// "http-get http://:15021/healthz/ready delay=0s timeout=3s ...".
func describeProbe(p *corev1.Probe) string {
	attrs := fmt.Sprintf("delay=%ds timeout=%ds period=%ds #success=%d #failure=%d",
		p.InitialDelaySeconds, p.TimeoutSeconds, p.PeriodSeconds, p.SuccessThreshold, p.FailureThreshold)
	switch {
	case p.Exec != nil:
		return fmt.Sprintf("exec %v %s", p.Exec.Command, attrs)
	case p.HTTPGet != nil:
		u := &url.URL{Scheme: strings.ToLower(string(p.HTTPGet.Scheme)), Path: p.HTTPGet.Path}
		if port := p.HTTPGet.Port.String(); port != "" {
			u.Host = net.JoinHostPort(p.HTTPGet.Host, port)
		} else {
			u.Host = p.HTTPGet.Host
		}
		return fmt.Sprintf("http-get %s %s", u.String(), attrs)
	case p.TCPSocket != nil:
		return fmt.Sprintf("tcp-socket %s:%s %s", p.TCPSocket.Host, p.TCPSocket.Port.String(), attrs)
	case p.GRPC != nil:
		service := ""
		if p.GRPC.Service != nil {
			service = *p.GRPC.Service
		}
		return fmt.Sprintf("grpc <pod>:%d %s %s", p.GRPC.Port, service, attrs)
	}
	return "unknown " + attrs
}

func describeEnv(w *describeWriter, pod *corev1.Pod, c corev1.Container) {
	if len(c.Env) == 0 {
		w.write(2, "Environment:\t<none>\n")
		return
	}
	w.write(2, "Environment:\n")
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			for i, line := range strings.Split(e.Value, "\n") {
				if i == 0 {
					w.write(3, "%s:\t%s\n", e.Name, line)
				} else {
					w.write(3, "\t%s\n", line)
				}
			}
			continue
		}
		vf := e.ValueFrom
		switch {
		case vf.FieldRef != nil:
			w.write(3, "%s:\t%s (%s:%s)\n", e.Name, podFieldValue(pod, vf.FieldRef.FieldPath), vf.FieldRef.APIVersion, vf.FieldRef.FieldPath)
		case vf.ResourceFieldRef != nil:
			w.write(3, "%s:\t%s (%s)\n", e.Name, containerResourceValue(c, vf.ResourceFieldRef), vf.ResourceFieldRef.Resource)
		case vf.SecretKeyRef != nil:
			optional := vf.SecretKeyRef.Optional != nil && *vf.SecretKeyRef.Optional
			w.write(3, "%s:\t<set to the key '%s' in secret '%s'>\tOptional: %t\n", e.Name, vf.SecretKeyRef.Key, vf.SecretKeyRef.Name, optional)
		case vf.ConfigMapKeyRef != nil:
			optional := vf.ConfigMapKeyRef.Optional != nil && *vf.ConfigMapKeyRef.Optional
			w.write(3, "%s:\t<set to the key '%s' of config map '%s'>\tOptional: %t\n", e.Name, vf.ConfigMapKeyRef.Key, vf.ConfigMapKeyRef.Name, optional)
		}
	}
}

// podFieldValue resolves a downward-API field path of a pod.
func podFieldValue(pod *corev1.Pod, path string) string {
	if pod == nil {
		// A pod template: kubectl has no value to resolve.
		return ""
	}
	switch path {
	case "metadata.name":
		return pod.Name
	case "metadata.namespace":
		return pod.Namespace
	case "metadata.uid":
		return string(pod.UID)
	case "spec.nodeName":
		return pod.Spec.NodeName
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName
	case "status.hostIP":
		return pod.Status.HostIP
	case "status.podIP":
		return pod.Status.PodIP
	case "status.podIPs":
		ips := make([]string, len(pod.Status.PodIPs))
		for i, ip := range pod.Status.PodIPs {
			ips[i] = ip.IP
		}
		return strings.Join(ips, ",")
	}
	for prefix, m := range map[string]map[string]string{"metadata.labels": pod.Labels, "metadata.annotations": pod.Annotations} {
		if strings.HasPrefix(path, prefix+"['") && strings.HasSuffix(path, "']") {
			return m[strings.TrimSuffix(strings.TrimPrefix(path, prefix+"['"), "']")]
		}
	}
	return ""
}

// containerResourceValue resolves a resourceFieldRef the way kubectl
// shows it ("node allocatable" for an unset CPU or memory limit).
func containerResourceValue(c corev1.Container, ref *corev1.ResourceFieldSelector) string {
	kind, name, _ := strings.Cut(ref.Resource, ".")
	list := c.Resources.Requests
	if kind == "limits" {
		list = c.Resources.Limits
	}
	q, ok := list[corev1.ResourceName(name)]
	if !ok || q.IsZero() {
		if ref.Resource == "limits.cpu" || ref.Resource == "limits.memory" {
			return "node allocatable"
		}
		return "0"
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	if name == "cpu" {
		v := (q.MilliValue() + divisor.MilliValue() - 1) / divisor.MilliValue()
		return fmt.Sprint(v)
	}
	v := (q.Value() + divisor.Value() - 1) / divisor.Value()
	return fmt.Sprint(v)
}
