package shell

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
)

// describe is `kubectl describe TYPE [NAME_PREFIX...]` for pods,
// namespaces and nodes.
func (k *kubectlRun) describe(args []string) error {
	fs := k.newFlags("kubectl describe")
	selector := fs.StringP("selector", "l", "", "Selector (label query) to filter on")
	allNS := fs.BoolP("all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces.")
	showEvents := fs.Bool("show-events", true, "If true, display events related to the described object.")
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	if len(pos) == 0 {
		return errors.New("You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.")
	}
	cs, rargs, err := k.clientAndResources(pos)
	if err != nil {
		return err
	}
	for _, a := range rargs {
		switch a.res.kind {
		case "Pod", "Namespace", "Node":
		default:
			return fmt.Errorf("meshtwin does not emulate \"kubectl describe %s\"; emulated: pods, namespaces, nodes", a.res.plural)
		}
	}
	var objs []kubeSection
	var errs []error
	for _, a := range rargs {
		sections, missing, err := k.fetch(cs, []resourceArg{a}, kubeQuery{allNamespaces: *allNS, selector: *selector})
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			// kubectl describe also takes a name prefix.
			byPrefix, _, err := k.fetch(cs, []resourceArg{{res: a.res}}, kubeQuery{allNamespaces: *allNS})
			if err != nil {
				return err
			}
			found := false
			for _, s := range byPrefix {
				var kept []runtime.Object
				for _, obj := range s.objs {
					if strings.HasPrefix(kubeMeta(obj).GetName(), a.name) {
						kept = append(kept, obj)
					}
				}
				if len(kept) > 0 {
					found = true
					sections = append(sections, kubeSection{res: s.res, objs: kept})
				}
			}
			if !found {
				errs = append(errs, missing...)
			}
		}
		objs = append(objs, sections...)
	}
	if len(errs) == 0 && kubeCount(objs) == 0 {
		if *allNS || !rargs[0].res.namespaced {
			fmt.Fprintln(k.errOut, "No resources found")
		} else {
			fmt.Fprintf(k.errOut, "No resources found in %s namespace.\n", k.namespace())
		}
	}
	now := k.s.backend.Now()
	first := true
	for _, s := range objs {
		for _, obj := range s.objs {
			var text string
			switch v := obj.(type) {
			case *corev1.Pod:
				text = k.describePod(cs, v, now, *showEvents)
			case *corev1.Namespace:
				text = k.describeNamespace(cs, v)
			case *corev1.Node:
				text = k.describeNode(cs, v, now, *showEvents)
			}
			if !first {
				fmt.Fprint(k.out, "\n\n")
			}
			first = false
			fmt.Fprint(k.out, text)
		}
	}
	return joinKubectlErrors(errs)
}

// describeWriter writes kubectl describe's layout: two spaces a level,
// tab-separated cells aligned two spaces apart.
type describeWriter struct {
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newDescribeWriter() *describeWriter {
	w := &describeWriter{}
	w.tw = tabwriter.NewWriter(&w.buf, 0, 8, 2, ' ', 0)
	return w
}

func (w *describeWriter) write(level int, format string, args ...any) {
	fmt.Fprintf(w.tw, strings.Repeat("  ", level)+format, args...)
}

func (w *describeWriter) flush() { w.tw.Flush() }

func (w *describeWriter) String() string {
	w.tw.Flush()
	return w.buf.String()
}

// labelsBlock prints "Title:\tk=v" with further pairs aligned below.
func (w *describeWriter) labelsBlock(title string, m map[string]string) {
	w.write(0, "%s:\t", title)
	if len(m) == 0 {
		w.write(0, "<none>\n")
		return
	}
	for i, key := range kubeSortedKeys(m) {
		if i > 0 {
			w.write(0, "\t")
		}
		w.write(0, "%s=%s\n", key, m[key])
	}
}

// annotationsBlock prints annotations "key: value", long or multi-line
// values on their own lines, cut at 140 characters.
func (w *describeWriter) annotationsBlock(title string, m map[string]string) {
	const maxLen = 140
	w.write(0, "%s:\t", title)
	var keys []string
	for _, key := range kubeSortedKeys(m) {
		if key != lastAppliedAnnotation {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		w.write(0, "<none>\n")
		return
	}
	for i, key := range keys {
		if i > 0 {
			w.write(0, "\t")
		}
		value := strings.TrimSuffix(m[key], "\n")
		if len(value)+len(key)+2 > maxLen || strings.Contains(value, "\n") {
			w.write(0, "%s:\n", key)
			for _, line := range strings.Split(value, "\n") {
				if len(line) > maxLen-2 {
					line = line[:maxLen-2] + "..."
				}
				w.write(0, "\t  %s\n", line)
			}
			continue
		}
		w.write(0, "%s: %s\n", key, value)
	}
}

// events prints the Events table (flushed apart from what precedes it).
func (w *describeWriter) events(events []corev1.Event, now time.Time) {
	if len(events) == 0 {
		w.write(0, "Events:\t<none>\n")
		return
	}
	w.flush()
	sort.SliceStable(events, func(i, j int) bool { return kubeEventTime(&events[i]).Before(kubeEventTime(&events[j])) })
	w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
	w.write(1, "----\t------\t----\t----\t-------\n")
	for i := range events {
		e := &events[i]
		first := kubeMicroAge(now, e.EventTime)
		if e.EventTime.IsZero() {
			first = kubeAge(now, e.FirstTimestamp)
		}
		age := first
		switch {
		case e.Series != nil:
			age = fmt.Sprintf("%s (x%d over %s)", kubeMicroAge(now, e.Series.LastObservedTime), e.Series.Count, first)
		case e.Count > 1:
			age = fmt.Sprintf("%s (x%d over %s)", kubeAge(now, e.LastTimestamp), e.Count, first)
		}
		from := e.Source.Component
		if from == "" {
			from = e.ReportingController
		}
		w.write(1, "%v\t%v\t%s\t%v\t%v\n", e.Type, e.Reason, age, from, strings.TrimSpace(e.Message))
	}
}

// objectEvents lists the events about one object, asking the server to
// filter by involvedObject (and checking the answer, for backends that
// ignore field selectors).
func (k *kubectlRun) objectEvents(cs kubernetes.Interface, ns, name, kind, uid string) []corev1.Event {
	ev := cs.CoreV1().Events(ns)
	var kindPtr, uidPtr *string
	if kind != "" {
		kindPtr = &kind
	}
	if uid != "" {
		uidPtr = &uid
	}
	sel := ev.GetFieldSelector(&name, &ns, kindPtr, uidPtr)
	list, err := ev.List(k.ctx, metav1.ListOptions{FieldSelector: sel.String()})
	if err != nil {
		return nil
	}
	var out []corev1.Event
	for _, e := range list.Items {
		io := e.InvolvedObject
		if io.Name != name || io.Namespace != ns || (kind != "" && io.Kind != kind) || (uid != "" && io.UID != "" && string(io.UID) != uid) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func formatDescribeTime(t time.Time) string { return t.Format(time.RFC1123Z) }

func (k *kubectlRun) describePod(cs kubernetes.Interface, pod *corev1.Pod, now time.Time, showEvents bool) string {
	w := newDescribeWriter()
	w.write(0, "Name:\t%s\n", pod.Name)
	w.write(0, "Namespace:\t%s\n", pod.Namespace)
	if pod.Spec.Priority != nil {
		w.write(0, "Priority:\t%d\n", *pod.Spec.Priority)
	}
	if pod.Spec.PriorityClassName != "" {
		w.write(0, "Priority Class Name:\t%s\n", pod.Spec.PriorityClassName)
	}
	if pod.Spec.RuntimeClassName != nil && *pod.Spec.RuntimeClassName != "" {
		w.write(0, "Runtime Class Name:\t%s\n", *pod.Spec.RuntimeClassName)
	}
	if pod.Spec.ServiceAccountName != "" {
		w.write(0, "Service Account:\t%s\n", pod.Spec.ServiceAccountName)
	}
	if pod.Spec.NodeName == "" {
		w.write(0, "Node:\t<none>\n")
	} else {
		w.write(0, "Node:\t%s\n", pod.Spec.NodeName+"/"+pod.Status.HostIP)
	}
	if pod.Status.StartTime != nil {
		w.write(0, "Start Time:\t%s\n", formatDescribeTime(pod.Status.StartTime.Time))
	}
	w.labelsBlock("Labels", pod.Labels)
	w.annotationsBlock("Annotations", pod.Annotations)
	if pod.DeletionTimestamp != nil && pod.Status.Phase != corev1.PodFailed && pod.Status.Phase != corev1.PodSucceeded {
		w.write(0, "Status:\tTerminating (lasts %s)\n", kubeAge(now, *pod.DeletionTimestamp))
		if pod.DeletionGracePeriodSeconds != nil {
			w.write(0, "Termination Grace Period:\t%ds\n", *pod.DeletionGracePeriodSeconds)
		}
	} else {
		w.write(0, "Status:\t%s\n", pod.Status.Phase)
	}
	if pod.Status.Reason != "" {
		w.write(0, "Reason:\t%s\n", pod.Status.Reason)
	}
	if pod.Status.Message != "" {
		w.write(0, "Message:\t%s\n", pod.Status.Message)
	}
	w.write(0, "IP:\t%s\n", pod.Status.PodIP)
	if len(pod.Status.PodIPs) == 0 {
		w.write(0, "IPs:\t<none>\n")
	} else {
		w.write(0, "IPs:\n")
		for _, ip := range pod.Status.PodIPs {
			w.write(1, "IP:\t%s\n", ip.IP)
		}
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		w.write(0, "Controlled By:\t%s/%s\n", ref.Kind, ref.Name)
	}
	if pod.Status.NominatedNodeName != "" {
		w.write(0, "NominatedNodeName:\t%s\n", pod.Status.NominatedNodeName)
	}
	if len(pod.Spec.InitContainers) > 0 {
		describeContainers(w, "Init Containers", pod, pod.Spec.InitContainers, pod.Status.InitContainerStatuses)
	}
	describeContainers(w, "Containers", pod, pod.Spec.Containers, pod.Status.ContainerStatuses)
	if len(pod.Spec.ReadinessGates) > 0 {
		w.write(0, "Readiness Gates:\n  Type\tStatus\n")
		for _, g := range pod.Spec.ReadinessGates {
			status := "<none>"
			for _, c := range pod.Status.Conditions {
				if c.Type == g.ConditionType {
					status = string(c.Status)
					break
				}
			}
			w.write(1, "%v \t%v \n", g.ConditionType, status)
		}
	}
	if len(pod.Status.Conditions) > 0 {
		w.write(0, "Conditions:\n  Type\tStatus\n")
		for _, c := range pod.Status.Conditions {
			w.write(1, "%v \t%v \n", c.Type, c.Status)
		}
	}
	describeVolumes(w, pod.Spec.Volumes)
	w.write(0, "QoS Class:\t%s\n", podQOSClass(pod))
	w.labelsBlock("Node-Selectors", pod.Spec.NodeSelector)
	describeTolerations(w, pod.Spec.Tolerations)
	if showEvents {
		w.events(k.objectEvents(cs, pod.Namespace, pod.Name, "", string(pod.UID)), now)
	}
	return w.String()
}

func describeContainers(w *describeWriter, label string, pod *corev1.Pod, containers []corev1.Container, statuses []corev1.ContainerStatus) {
	byName := map[string]corev1.ContainerStatus{}
	for _, st := range statuses {
		byName[st.Name] = st
	}
	if len(containers) == 0 {
		w.write(0, "%s: <none>\n", label)
	} else {
		w.write(0, "%s:\n", label)
	}
	for _, c := range containers {
		st, ok := byName[c.Name]
		w.write(1, "%v:\n", c.Name)
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

func describeVolumes(w *describeWriter, volumes []corev1.Volume) {
	if len(volumes) == 0 {
		w.write(0, "Volumes:\t<none>\n")
		return
	}
	w.write(0, "Volumes:\n")
	for _, v := range volumes {
		w.write(1, "%v:\n", v.Name)
		src := v.VolumeSource
		switch {
		case src.HostPath != nil:
			t := "<none>"
			if src.HostPath.Type != nil {
				t = string(*src.HostPath.Type)
			}
			w.write(2, "Type:\tHostPath (bare host directory volume)\n    Path:\t%v\n    HostPathType:\t%v\n", src.HostPath.Path, t)
		case src.EmptyDir != nil:
			limit := "<unset>"
			if src.EmptyDir.SizeLimit != nil && src.EmptyDir.SizeLimit.Sign() > 0 {
				limit = src.EmptyDir.SizeLimit.String()
			}
			w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t%v\n    SizeLimit:\t%v\n", src.EmptyDir.Medium, limit)
		case src.Secret != nil:
			optional := src.Secret.Optional != nil && *src.Secret.Optional
			w.write(2, "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t%v\n    Optional:\t%v\n", src.Secret.SecretName, optional)
		case src.ConfigMap != nil:
			optional := src.ConfigMap.Optional != nil && *src.ConfigMap.Optional
			w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t%v\n    Optional:\t%v\n", src.ConfigMap.Name, optional)
		case src.PersistentVolumeClaim != nil:
			w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t%v\n    ReadOnly:\t%v\n",
				src.PersistentVolumeClaim.ClaimName, src.PersistentVolumeClaim.ReadOnly)
		case src.DownwardAPI != nil:
			w.write(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n")
			for _, it := range src.DownwardAPI.Items {
				if it.FieldRef != nil {
					w.write(3, "%v -> %v\n", it.FieldRef.FieldPath, it.Path)
				}
				if it.ResourceFieldRef != nil {
					w.write(3, "%v -> %v\n", it.ResourceFieldRef.Resource, it.Path)
				}
			}
		case src.Projected != nil:
			w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
			for _, s := range src.Projected.Sources {
				switch {
				case s.Secret != nil:
					optional := s.Secret.Optional != nil && *s.Secret.Optional
					w.write(2, "SecretName:\t%v\n    Optional:\t%v\n", s.Secret.Name, optional)
				case s.DownwardAPI != nil:
					w.write(2, "DownwardAPI:\ttrue\n")
				case s.ConfigMap != nil:
					optional := s.ConfigMap.Optional != nil && *s.ConfigMap.Optional
					w.write(2, "ConfigMapName:\t%v\n    Optional:\t%v\n", s.ConfigMap.Name, optional)
				case s.ServiceAccountToken != nil:
					exp := int64(0)
					if s.ServiceAccountToken.ExpirationSeconds != nil {
						exp = *s.ServiceAccountToken.ExpirationSeconds
					}
					w.write(2, "TokenExpirationSeconds:\t%d\n", exp)
				}
			}
		default:
			w.write(1, "<unknown>\n")
		}
	}
}

func describeTolerations(w *describeWriter, tolerations []corev1.Toleration) {
	w.write(0, "Tolerations:\t")
	if len(tolerations) == 0 {
		w.write(0, "<none>\n")
		return
	}
	ts := append([]corev1.Toleration(nil), tolerations...)
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Key < ts[j].Key })
	for i, t := range ts {
		if i > 0 {
			w.write(0, "\t")
		}
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		if t.Effect != "" {
			s += ":" + string(t.Effect)
		}
		if t.Operator == corev1.TolerationOpExists && t.Value == "" {
			if t.Key != "" || t.Effect != "" {
				s += " op=Exists"
			} else {
				s += "op=Exists"
			}
		}
		if t.TolerationSeconds != nil {
			s += fmt.Sprintf(" for %ds", *t.TolerationSeconds)
		}
		w.write(0, "%s\n", s)
	}
}

// podQOSClass is the pod's QoS class: as the kubelet recorded it, else
// computed from the containers' requests and limits.
func podQOSClass(pod *corev1.Pod) corev1.PodQOSClass {
	if pod.Status.QOSClass != "" {
		return pod.Status.QOSClass
	}
	any := false
	guaranteed := true
	containers := append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, c := range containers {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[name]
			lim, hasLim := c.Resources.Limits[name]
			if (hasReq && !req.IsZero()) || (hasLim && !lim.IsZero()) {
				any = true
			}
			if !hasLim || lim.IsZero() || (hasReq && req.Cmp(lim) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !any:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

func (k *kubectlRun) describeNamespace(cs kubernetes.Interface, ns *corev1.Namespace) string {
	w := newDescribeWriter()
	w.write(0, "Name:\t%s\n", ns.Name)
	w.labelsBlock("Labels", ns.Labels)
	w.annotationsBlock("Annotations", ns.Annotations)
	phase := ns.Status.Phase
	if phase == "" {
		phase = corev1.NamespaceActive
		if ns.DeletionTimestamp != nil {
			phase = corev1.NamespaceTerminating
		}
	}
	w.write(0, "Status:\t%s\n", phase)
	if quotas, err := cs.CoreV1().ResourceQuotas(ns.Name).List(k.ctx, metav1.ListOptions{}); err == nil {
		w.write(0, "\n")
		if len(quotas.Items) == 0 {
			w.write(0, "No resource quota.\n")
		} else {
			items := quotas.Items
			sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
			w.write(0, "Resource Quotas\n")
			for _, q := range items {
				w.write(1, "Name:\t%s\n", q.Name)
				w.write(1, "Resource\tUsed\tHard\n")
				w.write(1, "--------\t---\t---\n")
				for _, name := range kubeSortedKeys(q.Status.Hard) {
					hard := q.Status.Hard[corev1.ResourceName(name)]
					used := q.Status.Used[corev1.ResourceName(name)]
					w.write(1, "%s\t%s\t%s\n", name, used.String(), hard.String())
				}
			}
		}
	}
	if limits, err := cs.CoreV1().LimitRanges(ns.Name).List(k.ctx, metav1.ListOptions{}); err == nil {
		w.write(0, "\n")
		if len(limits.Items) == 0 {
			w.write(0, "No LimitRange resource.\n")
		} else {
			w.write(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n")
			w.write(0, " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
			for _, lr := range limits.Items {
				for _, item := range lr.Spec.Limits {
					names := map[string]bool{}
					for _, l := range []corev1.ResourceList{item.Max, item.Min, item.Default, item.DefaultRequest, item.MaxLimitRequestRatio} {
						for n := range l {
							names[string(n)] = true
						}
					}
					for _, n := range kubeSortedKeys(names) {
						cell := func(l corev1.ResourceList) string {
							if q, ok := l[corev1.ResourceName(n)]; ok {
								return q.String()
							}
							return "-"
						}
						w.write(0, " %s\t%v\t%v\t%v\t%v\t%v\t%v\n", item.Type, n, cell(item.Min), cell(item.Max), cell(item.DefaultRequest), cell(item.Default), cell(item.MaxLimitRequestRatio))
					}
				}
			}
		}
	}
	return w.String()
}

func (k *kubectlRun) describeNode(cs kubernetes.Interface, node *corev1.Node, now time.Time, showEvents bool) string {
	w := newDescribeWriter()
	w.write(0, "Name:\t%s\n", node.Name)
	w.write(0, "Roles:\t%s\n", kubeNodeRolesCell(node))
	w.labelsBlock("Labels", node.Labels)
	w.annotationsBlock("Annotations", node.Annotations)
	w.write(0, "CreationTimestamp:\t%s\n", formatDescribeTime(node.CreationTimestamp.Time))
	w.write(0, "Taints:\t")
	if len(node.Spec.Taints) == 0 {
		w.write(0, "<none>\n")
	} else {
		taints := append([]corev1.Taint(nil), node.Spec.Taints...)
		sort.SliceStable(taints, func(i, j int) bool {
			return string(taints[i].Effect)+","+taints[i].Key < string(taints[j].Effect)+","+taints[j].Key
		})
		for i, t := range taints {
			if i > 0 {
				w.write(0, "\t")
			}
			w.write(0, "%s\n", t.ToString())
		}
	}
	w.write(0, "Unschedulable:\t%v\n", node.Spec.Unschedulable)
	if lease, err := cs.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(k.ctx, node.Name, metav1.GetOptions{}); err == nil {
		w.write(0, "Lease:\n")
		holder, acquire, renew := "<unset>", "<unset>", "<unset>"
		if lease.Spec.HolderIdentity != nil {
			holder = *lease.Spec.HolderIdentity
		}
		if lease.Spec.AcquireTime != nil {
			acquire = formatDescribeTime(lease.Spec.AcquireTime.Time)
		}
		if lease.Spec.RenewTime != nil {
			renew = formatDescribeTime(lease.Spec.RenewTime.Time)
		}
		w.write(1, "HolderIdentity:\t%s\n", holder)
		w.write(1, "AcquireTime:\t%s\n", acquire)
		w.write(1, "RenewTime:\t%s\n", renew)
	} else {
		w.write(0, "Lease:\tFailed to get lease: %s\n", err)
	}
	if len(node.Status.Conditions) > 0 {
		w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
		w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
		for _, c := range node.Status.Conditions {
			w.write(1, "%v \t%v \t%s \t%s \t%v \t%v\n", c.Type, c.Status,
				formatDescribeTime(c.LastHeartbeatTime.Time), formatDescribeTime(c.LastTransitionTime.Time), c.Reason, c.Message)
		}
	}
	w.write(0, "Addresses:\n")
	for _, a := range node.Status.Addresses {
		w.write(1, "%s:\t%s\n", a.Type, a.Address)
	}
	printList := func(list corev1.ResourceList) {
		for _, n := range kubeSortedKeys(list) {
			q := list[corev1.ResourceName(n)]
			w.write(0, "  %s:\t%s\n", n, q.String())
		}
	}
	if len(node.Status.Capacity) > 0 {
		w.write(0, "Capacity:\n")
		printList(node.Status.Capacity)
	}
	if len(node.Status.Allocatable) > 0 {
		w.write(0, "Allocatable:\n")
		printList(node.Status.Allocatable)
	}
	info := node.Status.NodeInfo
	w.write(0, "System Info:\n")
	w.write(0, "  Machine ID:\t%s\n", info.MachineID)
	w.write(0, "  System UUID:\t%s\n", info.SystemUUID)
	w.write(0, "  Boot ID:\t%s\n", info.BootID)
	w.write(0, "  Kernel Version:\t%s\n", info.KernelVersion)
	w.write(0, "  OS Image:\t%s\n", info.OSImage)
	w.write(0, "  Operating System:\t%s\n", info.OperatingSystem)
	w.write(0, "  Architecture:\t%s\n", info.Architecture)
	w.write(0, "  Container Runtime Version:\t%s\n", info.ContainerRuntimeVersion)
	w.write(0, "  Kubelet Version:\t%s\n", info.KubeletVersion)
	w.write(0, "  Kube-Proxy Version:\t%s\n", info.KubeProxyVersion)
	if node.Spec.PodCIDR != "" {
		w.write(0, "PodCIDR:\t%s\n", node.Spec.PodCIDR)
	}
	if len(node.Spec.PodCIDRs) > 0 {
		w.write(0, "PodCIDRs:\t%s\n", strings.Join(node.Spec.PodCIDRs, ","))
	}
	if node.Spec.ProviderID != "" {
		w.write(0, "ProviderID:\t%s\n", node.Spec.ProviderID)
	}
	describeNodePods(w, k.nodePods(cs, node.Name), node, now)
	if showEvents {
		events := k.objectEvents(cs, "", node.Name, "Node", string(node.UID))
		events = append(events, k.objectEvents(cs, "", node.Name, "Node", node.Name)...)
		w.events(events, now)
	}
	return w.String()
}

// nodePods lists the pods bound to a node that have not terminated.
func (k *kubectlRun) nodePods(cs kubernetes.Interface, node string) []corev1.Pod {
	sel := fields.AndSelectors(
		fields.OneTermEqualSelector("spec.nodeName", node),
		fields.OneTermNotEqualSelector("status.phase", string(corev1.PodSucceeded)),
		fields.OneTermNotEqualSelector("status.phase", string(corev1.PodFailed)),
	)
	list, err := cs.CoreV1().Pods(metav1.NamespaceAll).List(k.ctx, metav1.ListOptions{FieldSelector: sel.String()})
	if err != nil {
		return nil
	}
	var pods []corev1.Pod
	for _, p := range list.Items {
		if p.Spec.NodeName == node && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			pods = append(pods, p)
		}
	}
	sort.Slice(pods, func(i, j int) bool {
		if pods[i].Namespace != pods[j].Namespace {
			return pods[i].Namespace < pods[j].Namespace
		}
		return pods[i].Name < pods[j].Name
	})
	return pods
}

// podRequestsAndLimits sums what a pod asks for: its containers and
// sidecar init containers together, or its largest plain init container
// if that is more.
func podRequestsAndLimits(pod *corev1.Pod) (corev1.ResourceList, corev1.ResourceList) {
	reqs, limits := corev1.ResourceList{}, corev1.ResourceList{}
	add := func(dst, src corev1.ResourceList) {
		for n, q := range src {
			cur := dst[n]
			cur.Add(q)
			dst[n] = cur
		}
	}
	for _, c := range pod.Spec.Containers {
		add(reqs, c.Resources.Requests)
		add(limits, c.Resources.Limits)
	}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			add(reqs, c.Resources.Requests)
			add(limits, c.Resources.Limits)
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			continue
		}
		for _, pair := range []struct{ dst, src corev1.ResourceList }{{reqs, c.Resources.Requests}, {limits, c.Resources.Limits}} {
			for n, q := range pair.src {
				if cur, ok := pair.dst[n]; !ok || q.Cmp(cur) > 0 {
					pair.dst[n] = q.DeepCopy()
				}
			}
		}
	}
	return reqs, limits
}

func kubePercent(q resource.Quantity, total resource.Quantity, milli bool) int64 {
	if milli {
		if total.MilliValue() == 0 {
			return 0
		}
		return int64(float64(q.MilliValue()) / float64(total.MilliValue()) * 100)
	}
	if total.Value() == 0 {
		return 0
	}
	return int64(float64(q.Value()) / float64(total.Value()) * 100)
}

func describeNodePods(w *describeWriter, pods []corev1.Pod, node *corev1.Node, now time.Time) {
	alloc := node.Status.Capacity
	if len(node.Status.Allocatable) > 0 {
		alloc = node.Status.Allocatable
	}
	cpuTotal, memTotal, ephTotal := alloc[corev1.ResourceCPU], alloc[corev1.ResourceMemory], alloc[corev1.ResourceEphemeralStorage]
	w.write(0, "Non-terminated Pods:\t(%d in total)\n", len(pods))
	w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
	w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
	totalReq, totalLim := corev1.ResourceList{}, corev1.ResourceList{}
	for i := range pods {
		p := &pods[i]
		req, lim := podRequestsAndLimits(p)
		for n, q := range req {
			cur := totalReq[n]
			cur.Add(q)
			totalReq[n] = cur
		}
		for n, q := range lim {
			cur := totalLim[n]
			cur.Add(q)
			totalLim[n] = cur
		}
		cr, cl, mr, ml := req[corev1.ResourceCPU], lim[corev1.ResourceCPU], req[corev1.ResourceMemory], lim[corev1.ResourceMemory]
		w.write(1, "%s\t%s\t\t%s (%d%%)\t%s (%d%%)\t%s (%d%%)\t%s (%d%%)\t%s\n", p.Namespace, p.Name,
			cr.String(), kubePercent(cr, cpuTotal, true), cl.String(), kubePercent(cl, cpuTotal, true),
			mr.String(), kubePercent(mr, memTotal, false), ml.String(), kubePercent(ml, memTotal, false),
			kubeAge(now, p.CreationTimestamp))
	}
	w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
	w.write(1, "Resource\tRequests\tLimits\n")
	w.write(1, "--------\t--------\t------\n")
	for _, row := range []struct {
		name  corev1.ResourceName
		total resource.Quantity
		milli bool
	}{{corev1.ResourceCPU, cpuTotal, true}, {corev1.ResourceMemory, memTotal, false}, {corev1.ResourceEphemeralStorage, ephTotal, false}} {
		r, l := totalReq[row.name], totalLim[row.name]
		w.write(1, "%s\t%s (%d%%)\t%s (%d%%)\n", row.name, r.String(), kubePercent(r, row.total, row.milli), l.String(), kubePercent(l, row.total, row.milli))
	}
}
