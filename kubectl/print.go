package kubectl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/yaml"

	"github.com/meshtwin/meshtwin/model"
)

// newKubeTable is kubectl's table writer: cells at least 6 wide, columns
// three spaces apart, left-aligned.
func newKubeTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 6, 4, 3, ' ', 0)
}

// writeKubeRow writes one table row.
func writeKubeRow(w io.Writer, cells []string) {
	fmt.Fprintln(w, strings.Join(cells, "\t"))
}

// kubeAge is kubectl's AGE: the human duration since t, "<unknown>" when
// t is not set.
func kubeAge(now time.Time, t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

func kubeMicroAge(now time.Time, t metav1.MicroTime) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

func kubeNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// kubeTableOptions say how a table is laid out.
type kubeTableOptions struct {
	now time.Time
	// server is the Kubernetes version of the context's API server, whose
	// table printer some columns follow (a pod's STATUS); zero when not
	// known.
	server        model.KubeVersion
	wide          bool
	withKind      bool
	withNamespace bool
	showLabels    bool
	labelColumns  []string
	noHeaders     bool
}

// kubeTableHeaders are the column titles of a resource type's table.
func kubeTableHeaders(r *kubeResource, o kubeTableOptions) []string {
	var h []string
	if o.withNamespace && r.namespaced {
		h = append(h, "NAMESPACE")
	}
	// cols are the kind's columns; wide, those -o wide adds after them.
	var cols, wide []string
	switch r.kind {
	case "Namespace":
		cols = []string{"NAME", "STATUS", "AGE"}
	case "Pod":
		cols = []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}
		wide = []string{"IP", "NODE", "NOMINATED NODE", "READINESS GATES"}
	case "Deployment":
		cols = []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}
		wide = []string{"CONTAINERS", "IMAGES", "SELECTOR"}
	case "ReplicaSet":
		cols = []string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"}
		wide = []string{"CONTAINERS", "IMAGES", "SELECTOR"}
	case "Job":
		cols = []string{"NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"}
		wide = []string{"CONTAINERS", "IMAGES", "SELECTOR"}
	case "StatefulSet":
		cols = []string{"NAME", "READY", "AGE"}
		wide = []string{"CONTAINERS", "IMAGES"}
	case "DaemonSet":
		cols = []string{"NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"}
		wide = []string{"CONTAINERS", "IMAGES", "SELECTOR"}
	case "CronJob":
		cols = []string{"NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"}
		wide = []string{"CONTAINERS", "IMAGES", "SELECTOR"}
	case "PersistentVolumeClaim":
		cols = []string{"NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"}
		wide = []string{"VOLUMEMODE"}
	case "Node":
		cols = []string{"NAME", "STATUS", "ROLES", "AGE", "VERSION"}
		wide = []string{"INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"}
	case "Event":
		// -o wide reorders the columns of events, so it is a list of its own.
		if o.wide {
			cols = []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"}
		} else {
			cols = []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}
		}
	case "Service":
		cols = []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"}
		wide = []string{"SELECTOR"}
	case "EndpointSlice":
		cols = []string{"NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"}
	case "ConfigMap":
		cols = []string{"NAME", "DATA", "AGE"}
	case "ServiceAccount":
		cols = []string{"NAME", "SECRETS", "AGE"}
	case "MutatingWebhookConfiguration":
		cols = []string{"NAME", "WEBHOOKS", "AGE"}
	default:
		cols = []string{"NAME", "AGE"}
	}
	h = append(h, cols...)
	if o.wide {
		h = append(h, wide...)
	}
	for _, key := range o.labelColumns {
		parts := strings.Split(key, "/")
		h = append(h, strings.ToUpper(parts[len(parts)-1]))
	}
	if o.showLabels {
		h = append(h, "LABELS")
	}
	return h
}

// kubeTableRow is one object's row, matching kubeTableHeaders.
func kubeTableRow(r *kubeResource, obj runtime.Object, o kubeTableOptions) []string {
	m := kubeMeta(obj)
	var row []string
	if o.withNamespace && r.namespaced {
		row = append(row, m.GetNamespace())
	}
	name := m.GetName()
	if o.withKind {
		name = r.nameKind() + "/" + name
	}
	age := kubeAge(o.now, m.GetCreationTimestamp())
	switch v := obj.(type) {
	case *corev1.Namespace:
		phase := string(v.Status.Phase)
		if phase == "" {
			phase = string(corev1.NamespaceActive)
			if v.DeletionTimestamp != nil {
				phase = string(corev1.NamespaceTerminating)
			}
		}
		row = append(row, name, phase, age)
	case *corev1.Pod:
		row = append(row, name, model.PodReadyText(v), model.PodStatusTextOn(v, o.server), podRestartsCell(v, o.now), age)
		if o.wide {
			gates := "<none>"
			if n := len(v.Spec.ReadinessGates); n > 0 {
				ok := 0
				for _, g := range v.Spec.ReadinessGates {
					for _, c := range v.Status.Conditions {
						if c.Type == g.ConditionType && c.Status == corev1.ConditionTrue {
							ok++
						}
					}
				}
				gates = fmt.Sprintf("%d/%d", ok, n)
			}
			row = append(row, kubeNone(v.Status.PodIP), kubeNone(v.Spec.NodeName), kubeNone(v.Status.NominatedNodeName), gates)
		}
	case *appsv1.Deployment:
		want := int32(1)
		if v.Spec.Replicas != nil {
			want = *v.Spec.Replicas
		}
		row = append(row, name, fmt.Sprintf("%d/%d", v.Status.ReadyReplicas, want),
			fmt.Sprint(v.Status.UpdatedReplicas), fmt.Sprint(v.Status.AvailableReplicas), age)
		if o.wide {
			names, images := kubeContainerCells(v.Spec.Template.Spec.Containers)
			row = append(row, names, images, metav1.FormatLabelSelector(v.Spec.Selector))
		}
	case *appsv1.ReplicaSet:
		want := int32(1)
		if v.Spec.Replicas != nil {
			want = *v.Spec.Replicas
		}
		row = append(row, name, fmt.Sprint(want), fmt.Sprint(v.Status.Replicas), fmt.Sprint(v.Status.ReadyReplicas), age)
		if o.wide {
			names, images := kubeContainerCells(v.Spec.Template.Spec.Containers)
			row = append(row, names, images, metav1.FormatLabelSelector(v.Spec.Selector))
		}
	case *batchv1.Job:
		row = append(row, name, jobStatusCell(v), jobCompletionsCell(v), jobDurationCell(v, o.now), age)
		if o.wide {
			names, images := kubeContainerCells(v.Spec.Template.Spec.Containers)
			row = append(row, names, images, metav1.FormatLabelSelector(v.Spec.Selector))
		}
	case *appsv1.StatefulSet:
		want := int32(1)
		if v.Spec.Replicas != nil {
			want = *v.Spec.Replicas
		}
		row = append(row, name, fmt.Sprintf("%d/%d", v.Status.ReadyReplicas, want), age)
		if o.wide {
			names, images := kubeContainerCells(v.Spec.Template.Spec.Containers)
			row = append(row, names, images)
		}
	case *appsv1.DaemonSet:
		st := v.Status
		row = append(row, name, fmt.Sprint(st.DesiredNumberScheduled), fmt.Sprint(st.CurrentNumberScheduled), fmt.Sprint(st.NumberReady),
			fmt.Sprint(st.UpdatedNumberScheduled), fmt.Sprint(st.NumberAvailable), kubeNone(labels.FormatLabels(v.Spec.Template.Spec.NodeSelector)), age)
		if o.wide {
			names, images := kubeContainerCells(v.Spec.Template.Spec.Containers)
			row = append(row, names, images, metav1.FormatLabelSelector(v.Spec.Selector))
		}
	case *batchv1.CronJob:
		last := "<none>"
		if v.Status.LastScheduleTime != nil {
			last = kubeAge(o.now, *v.Status.LastScheduleTime)
		}
		tz := "<none>"
		if v.Spec.TimeZone != nil {
			tz = *v.Spec.TimeZone
		}
		suspend := "<unset>"
		switch {
		case v.Spec.Suspend == nil:
		case *v.Spec.Suspend:
			suspend = "True"
		default:
			suspend = "False"
		}
		row = append(row, name, v.Spec.Schedule, tz, suspend, fmt.Sprint(len(v.Status.Active)), last, age)
		if o.wide {
			names, images := kubeContainerCells(v.Spec.JobTemplate.Spec.Template.Spec.Containers)
			row = append(row, names, images, metav1.FormatLabelSelector(v.Spec.JobTemplate.Spec.Selector))
		}
	case *corev1.PersistentVolumeClaim:
		phase := string(v.Status.Phase)
		if v.DeletionTimestamp != nil {
			phase = "Terminating"
		}
		capacity, modes := "", ""
		if v.Spec.VolumeName != "" {
			modes = pvcAccessModes(v.Status.AccessModes)
			q := v.Status.Capacity[corev1.ResourceStorage]
			capacity = q.String()
		}
		class, ok := v.Annotations[corev1.BetaStorageClassAnnotation]
		if !ok && v.Spec.StorageClassName != nil {
			class = *v.Spec.StorageClassName
		}
		vac := "<unset>"
		if v.Spec.VolumeAttributesClassName != nil {
			vac = *v.Spec.VolumeAttributesClassName
		}
		row = append(row, name, phase, v.Spec.VolumeName, capacity, modes, class, vac, age)
		if o.wide {
			mode := "<unset>"
			if v.Spec.VolumeMode != nil {
				mode = string(*v.Spec.VolumeMode)
			}
			row = append(row, mode)
		}
	case *corev1.Node:
		version := v.Status.NodeInfo.KubeletVersion
		row = append(row, name, nodeStatusCell(v), kubeNodeRolesCell(v), age, version)
		if o.wide {
			row = append(row, nodeAddress(v, corev1.NodeInternalIP), nodeAddress(v, corev1.NodeExternalIP),
				kubeUnknown(v.Status.NodeInfo.OSImage), kubeUnknown(v.Status.NodeInfo.KernelVersion),
				kubeUnknown(v.Status.NodeInfo.ContainerRuntimeVersion))
		}
	case *corev1.Event:
		row = append(row, eventCells(v, o)...)
	case *corev1.Service:
		row = append(row, name, string(v.Spec.Type), kubeNone(v.Spec.ClusterIP), serviceExternalIP(v), servicePorts(v), age)
		if o.wide {
			row = append(row, kubeNone(labels.FormatLabels(v.Spec.Selector)))
		}
	case *discoveryv1.EndpointSlice:
		row = append(row, name, string(v.AddressType), endpointSlicePorts(v.Ports), endpointSliceAddresses(v.Endpoints), age)
	case *corev1.ConfigMap:
		row = append(row, name, fmt.Sprint(len(v.Data)+len(v.BinaryData)), age)
	case *corev1.ServiceAccount:
		row = append(row, name, fmt.Sprint(len(v.Secrets)), age)
	case *admissionregistrationv1.MutatingWebhookConfiguration:
		row = append(row, name, fmt.Sprint(len(v.Webhooks)), age)
	default:
		row = append(row, name, age)
	}
	lbls := m.GetLabels()
	for _, key := range o.labelColumns {
		row = append(row, lbls[key])
	}
	if o.showLabels {
		row = append(row, labels.FormatLabels(lbls))
	}
	return row
}

func kubeUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

// podRestartsCell is RESTARTS, with the time since the last restart once
// there was one: "2 (5m ago)".
func podRestartsCell(pod *corev1.Pod, now time.Time) string {
	n := model.PodRestarts(pod)
	var last time.Time
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for _, st := range list {
			if t := st.LastTerminationState.Terminated; t != nil && t.FinishedAt.After(last) {
				last = t.FinishedAt.Time
			}
		}
	}
	if n == 0 || last.IsZero() {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d (%s ago)", n, duration.HumanDuration(now.Sub(last)))
}

func kubeContainerCells(containers []corev1.Container) (string, string) {
	names := make([]string, len(containers))
	images := make([]string, len(containers))
	for i, c := range containers {
		names[i], images[i] = c.Name, c.Image
	}
	return strings.Join(names, ","), strings.Join(images, ",")
}

func jobHasCondition(job *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range job.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func jobStatusCell(job *batchv1.Job) string {
	switch {
	case jobHasCondition(job, batchv1.JobComplete):
		return "Complete"
	case jobHasCondition(job, batchv1.JobFailed):
		return "Failed"
	case job.DeletionTimestamp != nil:
		return "Terminating"
	case jobHasCondition(job, batchv1.JobSuspended):
		return "Suspended"
	case jobHasCondition(job, batchv1.JobFailureTarget):
		return "FailureTarget"
	case jobHasCondition(job, batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	}
	return "Running"
}

func jobCompletionsCell(job *batchv1.Job) string {
	switch {
	case job.Spec.Completions != nil:
		return fmt.Sprintf("%d/%d", job.Status.Succeeded, *job.Spec.Completions)
	case job.Spec.Parallelism != nil && *job.Spec.Parallelism > 1:
		return fmt.Sprintf("%d/1 of %d", job.Status.Succeeded, *job.Spec.Parallelism)
	}
	return fmt.Sprintf("%d/1", job.Status.Succeeded)
}

func jobDurationCell(job *batchv1.Job, now time.Time) string {
	switch {
	case job.Status.StartTime == nil:
		return ""
	case job.Status.CompletionTime == nil:
		return duration.HumanDuration(now.Sub(job.Status.StartTime.Time))
	}
	return duration.HumanDuration(job.Status.CompletionTime.Sub(job.Status.StartTime.Time))
}

func nodeStatusCell(node *corev1.Node) string {
	status := "Unknown"
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			status = "NotReady"
			if c.Status == corev1.ConditionTrue {
				status = "Ready"
			}
		}
	}
	if node.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	return status
}

// kubeNodeRoles are the roles a node's labels give it:
// node-role.kubernetes.io/ROLE, or kubernetes.io/role=ROLE.
func kubeNodeRoles(node *corev1.Node) []string {
	set := map[string]bool{}
	for k, v := range node.Labels {
		switch {
		case strings.HasPrefix(k, "node-role.kubernetes.io/"):
			if role := strings.TrimPrefix(k, "node-role.kubernetes.io/"); role != "" {
				set[role] = true
			}
		case k == "kubernetes.io/role" && v != "":
			set[v] = true
		}
	}
	return kubeSortedKeys(set)
}

func kubeNodeRolesCell(node *corev1.Node) string {
	roles := kubeNodeRoles(node)
	if len(roles) == 0 {
		return "<none>"
	}
	return strings.Join(roles, ",")
}

func nodeAddress(node *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range node.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return "<none>"
}

func eventCells(e *corev1.Event, o kubeTableOptions) []string {
	first := kubeAge(o.now, e.FirstTimestamp)
	if e.FirstTimestamp.IsZero() {
		first = kubeMicroAge(o.now, e.EventTime)
	}
	last := kubeAge(o.now, e.LastTimestamp)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if e.Series != nil {
		last = kubeMicroAge(o.now, e.Series.LastObservedTime)
		count = e.Series.Count
	} else if count == 0 {
		count = 1
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	msg := strings.TrimSpace(e.Message)
	if !o.wide {
		return []string{last, e.Type, e.Reason, target, msg}
	}
	source := e.Source.Component
	if source == "" {
		source = e.ReportingController
	}
	if host := kubeFirstNonEmpty(e.Source.Host, e.ReportingInstance); host != "" {
		source += ", " + host
	}
	return []string{last, e.Type, e.Reason, target, e.InvolvedObject.FieldPath, source, msg, first, fmt.Sprint(count), e.Name}
}

func kubeFirstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func serviceExternalIP(svc *corev1.Service) string {
	switch svc.Spec.Type {
	case corev1.ServiceTypeLoadBalancer:
		var ips []string
		for _, in := range svc.Status.LoadBalancer.Ingress {
			ips = append(ips, kubeFirstNonEmpty(in.IP, in.Hostname))
		}
		ips = append(ips, svc.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	case corev1.ServiceTypeExternalName:
		return svc.Spec.ExternalName
	}
	if len(svc.Spec.ExternalIPs) > 0 {
		return strings.Join(svc.Spec.ExternalIPs, ",")
	}
	return "<none>"
}

// endpointSlicePorts and endpointSliceAddresses are an EndpointSlice's
// PORTS and ENDPOINTS cells (printers.go formatDiscoveryPorts and
// formatDiscoveryEndpoints): the first three, then "+ N more...", and
// <unset> for none.
func endpointSlicePorts(ports []discoveryv1.EndpointPort) string {
	list := make([]string, 0, len(ports))
	for _, p := range ports {
		switch {
		case p.Port != nil:
			list = append(list, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			list = append(list, *p.Name)
		default:
			list = append(list, "*")
		}
	}
	return firstThree(list)
}

func endpointSliceAddresses(eps []discoveryv1.Endpoint) string {
	var list []string
	for _, ep := range eps {
		list = append(list, ep.Addresses...)
	}
	return firstThree(list)
}

func firstThree(list []string) string {
	const most = 3
	if len(list) > most {
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:most], ","), len(list)-most)
	}
	if len(list) == 0 {
		return "<unset>"
	}
	return strings.Join(list, ",")
}

func servicePorts(svc *corev1.Service) string {
	if len(svc.Spec.Ports) == 0 {
		return "<none>"
	}
	parts := make([]string, len(svc.Spec.Ports))
	for i, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			parts[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		} else {
			parts[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		}
	}
	return strings.Join(parts, ",")
}

// sortKubeObjects orders a list as the API server would return it: by
// namespace, then name; events by namespace, then time.
func sortKubeObjects(objs []runtime.Object) {
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := kubeMeta(objs[i]), kubeMeta(objs[j])
		if a.GetNamespace() != b.GetNamespace() {
			return a.GetNamespace() < b.GetNamespace()
		}
		ea, okA := objs[i].(*corev1.Event)
		eb, okB := objs[j].(*corev1.Event)
		if okA && okB {
			ta, tb := kubeEventTime(ea), kubeEventTime(eb)
			if !ta.Equal(tb) {
				return ta.Before(tb)
			}
		}
		return a.GetName() < b.GetName()
	})
}

// kubeEventTime is when an event was last seen.
func kubeEventTime(e *corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

// kubeObjectMap is the object as the API server serves it as JSON: with
// apiVersion and kind, without managedFields (kubectl hides them).
func kubeObjectMap(r *kubeResource, obj runtime.Object) (map[string]any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		m := runtime.DeepCopyJSON(u.Object)
		if md, ok := m["metadata"].(map[string]any); ok {
			delete(md, "managedFields")
		}
		return m, nil
	}
	obj = obj.DeepCopyObject()
	obj.GetObjectKind().SetGroupVersionKind(r.groupVersionKind())
	kubeMeta(obj).SetManagedFields(nil)
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return kubeJSONMap(data)
}

// kubeJSONMap decodes a JSON object keeping integers exact.
func kubeJSONMap(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// kubeListMap wraps items as kubectl does when it prints several objects.
func kubeListMap(items []map[string]any) map[string]any {
	list := make([]any, len(items))
	for i, it := range items {
		list[i] = it
	}
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "List",
		"items":      list,
		"metadata":   map[string]any{"resourceVersion": ""},
	}
}

// writeKubeYAML prints v as kubectl -o yaml does (keys sorted).
func writeKubeYAML(w io.Writer, v any) error {
	data, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// writeKubeJSON prints v as kubectl -o json does (four-space indent).
func writeKubeJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	_, err = w.Write(data)
	return err
}

// kubeOutput is a parsed -o value.
type kubeOutput struct {
	format string // "", wide, yaml, json, name, jsonpath, custom-columns
	arg    string // the template of jsonpath and custom-columns
}

// parseKubeOutput reads -o, refusing formats kubectl does not have (and
// the template formats this emulation lacks).
func parseKubeOutput(o string) (kubeOutput, error) {
	format, arg, _ := strings.Cut(o, "=")
	switch format {
	case "", "wide", "yaml", "json", "name":
		if arg == "" {
			return kubeOutput{format: format}, nil
		}
	case "jsonpath", "custom-columns":
		if arg == "" {
			return kubeOutput{}, fmt.Errorf("%s template format specified but no template given", format)
		}
		return kubeOutput{format: format, arg: arg}, nil
	}
	return kubeOutput{}, fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: custom-columns,json,jsonpath,name,wide,yaml", o)
}

// writeJSONPath runs a kubectl jsonpath template over data.
func writeJSONPath(w io.Writer, template string, data any) error {
	if !strings.Contains(template, "{") {
		template = "{" + template + "}"
	}
	jp := jsonpath.New("out")
	jp.AllowMissingKeys(true)
	if err := jp.Parse(template); err != nil {
		return fmt.Errorf("error parsing jsonpath %s, %v", template, err)
	}
	if err := jp.Execute(w, data); err != nil {
		return fmt.Errorf("error executing jsonpath %q: %v", template, err)
	}
	return nil
}

// writeCustomColumns prints -o custom-columns=HEADER:.path,... over items.
func writeCustomColumns(w io.Writer, spec string, items []map[string]any, noHeaders bool) error {
	type column struct {
		header string
		jp     *jsonpath.JSONPath
	}
	var cols []column
	for _, part := range strings.Split(spec, ",") {
		header, path, ok := strings.Cut(part, ":")
		if !ok || header == "" || path == "" {
			return fmt.Errorf("unexpected custom-columns spec: %s, expected <header>:<json-path-expr>", part)
		}
		if !strings.HasPrefix(path, "{") {
			path = "{" + path + "}"
		}
		jp := jsonpath.New(header)
		jp.AllowMissingKeys(true)
		if err := jp.Parse(path); err != nil {
			return fmt.Errorf("error parsing jsonpath %s, %v", path, err)
		}
		cols = append(cols, column{header: header, jp: jp})
	}
	tw := newKubeTable(w)
	if !noHeaders {
		headers := make([]string, len(cols))
		for i, c := range cols {
			headers[i] = c.header
		}
		writeKubeRow(tw, headers)
	}
	for _, it := range items {
		cells := make([]string, len(cols))
		for i, c := range cols {
			// kubectl joins the values a column's path finds with commas.
			results, err := c.jp.FindResults(it)
			if err != nil {
				return err
			}
			var values []string
			for _, r := range results {
				for _, v := range r {
					values = append(values, fmt.Sprint(v.Interface()))
				}
			}
			cells[i] = kubeNone(strings.Join(values, ","))
		}
		writeKubeRow(tw, cells)
	}
	return tw.Flush()
}

// pvcAccessModes is helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP
// in that order, comma-separated.
func pvcAccessModes(modes []corev1.PersistentVolumeAccessMode) string {
	var out []string
	for _, m := range []struct {
		mode  corev1.PersistentVolumeAccessMode
		short string
	}{
		{corev1.ReadWriteOnce, "RWO"}, {corev1.ReadOnlyMany, "ROX"},
		{corev1.ReadWriteMany, "RWX"}, {corev1.ReadWriteOncePod, "RWOP"},
	} {
		for _, have := range modes {
			if have == m.mode {
				out = append(out, m.short)
				break
			}
		}
	}
	return strings.Join(out, ",")
}
