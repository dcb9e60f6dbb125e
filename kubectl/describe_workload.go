package kubectl

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/client-go/kubernetes"
)

// describePodTemplate is kubectl's DescribePodTemplate.
func describePodTemplate(w *describeWriter, tmpl *corev1.PodTemplateSpec) {
	w.write(0, "Pod Template:\n")
	w.labelsBlock("  Labels", tmpl.Labels)
	if len(tmpl.Annotations) > 0 {
		w.annotationsBlock("  Annotations", tmpl.Annotations)
	}
	if tmpl.Spec.ServiceAccountName != "" {
		w.write(1, "Service Account:\t%s\n", tmpl.Spec.ServiceAccountName)
	}
	if len(tmpl.Spec.InitContainers) > 0 {
		describeContainers(w, "  ", "Init Containers", nil, tmpl.Spec.InitContainers, nil)
	}
	describeContainers(w, "  ", "Containers", nil, tmpl.Spec.Containers, nil)
	describeVolumes(w, "  ", tmpl.Spec.Volumes)
	if tmpl.Spec.PriorityClassName != "" {
		w.write(1, "Priority Class Name:\t%s\n", tmpl.Spec.PriorityClassName)
	}
	w.labelsBlock("  Node-Selectors", tmpl.Spec.NodeSelector)
	describeTolerations(w, "  Tolerations", tmpl.Spec.Tolerations)
}

// controllerPodCounts is getPodStatusForController: the pods selector
// matches that uid controls, by phase.
func (k *kubectlRun) controllerPodCounts(cs kubernetes.Interface, ns string, selector labels.Selector, uid types.UID) (running, waiting, succeeded, failed int) {
	list, err := cs.CoreV1().Pods(ns).List(k.ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return
	}
	for i := range list.Items {
		p := &list.Items[i]
		if ref := metav1.GetControllerOf(p); ref == nil || ref.UID != uid {
			continue
		}
		switch p.Status.Phase {
		case corev1.PodRunning:
			running++
		case corev1.PodPending:
			waiting++
		case corev1.PodSucceeded:
			succeeded++
		case corev1.PodFailed:
			failed++
		}
	}
	return
}

// describeStatefulSet is kubectl's describeStatefulSet.
func (k *kubectlRun) describeStatefulSet(cs kubernetes.Interface, set *appsv1.StatefulSet, now time.Time, showEvents bool) string {
	w := newDescribeWriter()
	selector, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil {
		selector = labels.Nothing()
	}
	w.write(0, "Name:\t%s\n", set.Name)
	w.write(0, "Namespace:\t%s\n", set.Namespace)
	w.write(0, "CreationTimestamp:\t%s\n", formatDescribeTime(set.CreationTimestamp.Time))
	w.write(0, "Selector:\t%s\n", selector)
	w.labelsBlock("Labels", set.Labels)
	w.annotationsBlock("Annotations", set.Annotations)
	if set.Spec.ServiceName != "" {
		w.write(0, "Service Name:\t%s\n", set.Spec.ServiceName)
	}
	if set.Spec.PodManagementPolicy != "" {
		w.write(0, "Pod Management Policy:\t%s\n", set.Spec.PodManagementPolicy)
	}
	w.write(0, "Replicas:\t%d desired | %d total\n", derefReplicas(set.Spec.Replicas), set.Status.Replicas)
	w.write(0, "Update Strategy:\t%s\n", set.Spec.UpdateStrategy.Type)
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		w.write(1, "Partition:\t%d\n", *ru.Partition)
		if ru.MaxUnavailable != nil {
			w.write(1, "MaxUnavailable:\t%s\n", ru.MaxUnavailable.String())
		}
	}
	if p := set.Spec.PersistentVolumeClaimRetentionPolicy; p != nil {
		w.write(0, "Persistent Volume Claim Retention Policy:\n")
		w.write(1, "WhenDeleted:\t%s\n", p.WhenDeleted)
		w.write(1, "WhenScaled:\t%s\n", p.WhenScaled)
	}
	running, waiting, succeeded, failed := k.controllerPodCounts(cs, set.Namespace, selector, set.UID)
	w.write(0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n", running, waiting, succeeded, failed)
	describePodTemplate(w, &set.Spec.Template)
	if len(set.Spec.VolumeClaimTemplates) == 0 {
		w.write(0, "Volume Claims:\t<none>\n")
	} else {
		w.write(0, "Volume Claims:\n")
		for _, pvc := range set.Spec.VolumeClaimTemplates {
			w.write(1, "Name:\t%s\n", pvc.Name)
			class, ok := pvc.Annotations[corev1.BetaStorageClassAnnotation]
			if !ok && pvc.Spec.StorageClassName != nil {
				class = *pvc.Spec.StorageClassName
			}
			w.write(1, "StorageClass:\t%s\n", class)
			w.labelsBlock("  Labels", pvc.Labels)
			w.labelsBlock("  Annotations", pvc.Annotations)
			if q, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
				w.write(1, "Capacity:\t%s\n", q.String())
			} else {
				w.write(1, "Capacity:\t%s\n", "<default>")
			}
			w.write(1, "Access Modes:\t%s\n", pvc.Spec.AccessModes)
		}
	}
	if showEvents {
		w.events(k.objectEvents(cs, set.Namespace, set.Name, "StatefulSet", string(set.UID)), now)
	}
	return w.String()
}

// describeDaemonSet is kubectl's describeDaemonSet.
func (k *kubectlRun) describeDaemonSet(cs kubernetes.Interface, set *appsv1.DaemonSet, now time.Time, showEvents bool) string {
	w := newDescribeWriter()
	selector, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil {
		selector = labels.Nothing()
	}
	st := set.Status
	w.write(0, "Name:\t%s\n", set.Name)
	w.write(0, "Namespace:\t%s\n", set.Namespace)
	w.write(0, "Selector:\t%s\n", selector)
	w.write(0, "Node-Selector:\t%s\n", labels.FormatLabels(set.Spec.Template.Spec.NodeSelector))
	w.labelsBlock("Labels", set.Labels)
	w.annotationsBlock("Annotations", set.Annotations)
	w.write(0, "Desired Number of Nodes Scheduled: %d\n", st.DesiredNumberScheduled)
	w.write(0, "Current Number of Nodes Scheduled: %d\n", st.CurrentNumberScheduled)
	w.write(0, "Number of Nodes Scheduled with Up-to-date Pods: %d\n", st.UpdatedNumberScheduled)
	w.write(0, "Number of Nodes Scheduled with Available Pods: %d\n", st.NumberAvailable)
	w.write(0, "Number of Nodes Misscheduled: %d\n", st.NumberMisscheduled)
	running, waiting, succeeded, failed := k.controllerPodCounts(cs, set.Namespace, selector, set.UID)
	w.write(0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n", running, waiting, succeeded, failed)
	describePodTemplate(w, &set.Spec.Template)
	if showEvents {
		w.events(k.objectEvents(cs, set.Namespace, set.Name, "DaemonSet", string(set.UID)), now)
	}
	return w.String()
}

func derefReplicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// describeDeployment is kubectl's describeDeployment; its replica sets
// are found as deploymentutil.GetAllReplicaSets finds them (the new one
// has the deployment's template, pod-template-hash aside; old ones are
// the others that still want replicas).
func (k *kubectlRun) describeDeployment(cs kubernetes.Interface, d *appsv1.Deployment, now time.Time, showEvents bool) string {
	w := newDescribeWriter()
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		selector = labels.Nothing()
	}
	w.write(0, "Name:\t%s\n", d.Name)
	w.write(0, "Namespace:\t%s\n", d.Namespace)
	w.write(0, "CreationTimestamp:\t%s\n", formatDescribeTime(d.CreationTimestamp.Time))
	w.labelsBlock("Labels", d.Labels)
	w.annotationsBlock("Annotations", d.Annotations)
	w.write(0, "Selector:\t%s\n", selector)
	st := d.Status
	w.write(0, "Replicas:\t%d desired | %d updated | %d total | %d available | %d unavailable\n",
		derefReplicas(d.Spec.Replicas), st.UpdatedReplicas, st.Replicas, st.AvailableReplicas, st.UnavailableReplicas)
	w.write(0, "StrategyType:\t%s\n", d.Spec.Strategy.Type)
	w.write(0, "MinReadySeconds:\t%d\n", d.Spec.MinReadySeconds)
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		w.write(0, "RollingUpdateStrategy:\t%s max unavailable, %s max surge\n", ru.MaxUnavailable.String(), ru.MaxSurge.String())
	}
	describePodTemplate(w, &d.Spec.Template)
	if len(st.Conditions) > 0 {
		w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
		w.write(1, "----\t------\t------\n")
		for _, c := range st.Conditions {
			w.write(1, "%v \t%v\t%v\n", c.Type, c.Status, c.Reason)
		}
	}
	olds, news := k.deploymentReplicaSets(cs, d)
	if len(olds) > 0 || len(news) > 0 {
		w.write(0, "OldReplicaSets:\t%s\n", replicaSetsCell(olds))
		w.write(0, "NewReplicaSet:\t%s\n", replicaSetsCell(news))
	}
	if showEvents {
		w.events(k.objectEvents(cs, d.Namespace, d.Name, "Deployment", string(d.UID)), now)
	}
	return w.String()
}

func (k *kubectlRun) deploymentReplicaSets(cs kubernetes.Interface, d *appsv1.Deployment) (olds, news []*appsv1.ReplicaSet) {
	list, err := cs.AppsV1().ReplicaSets(d.Namespace).List(k.ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil
	}
	for i := range list.Items {
		rs := &list.Items[i]
		if ref := metav1.GetControllerOf(rs); ref == nil || ref.UID != d.UID {
			continue
		}
		tmpl := rs.Spec.Template.DeepCopy()
		delete(tmpl.Labels, appsv1.DefaultDeploymentUniqueLabelKey)
		if len(tmpl.Labels) == 0 {
			tmpl.Labels = nil
		}
		want := d.Spec.Template.DeepCopy()
		if len(want.Labels) == 0 {
			want.Labels = nil
		}
		switch {
		case len(news) == 0 && apiequality.Semantic.DeepEqual(tmpl, want):
			news = append(news, rs)
		case rs.Spec.Replicas == nil || *rs.Spec.Replicas != 0:
			olds = append(olds, rs)
		}
	}
	return olds, news
}

// replicaSetsCell is printReplicaSetsByLabels.
func replicaSetsCell(list []*appsv1.ReplicaSet) string {
	var out []string
	for _, rs := range list {
		out = append(out, fmt.Sprintf("%s (%d/%d replicas created)", rs.Name, rs.Status.Replicas, derefReplicas(rs.Spec.Replicas)))
	}
	if len(out) == 0 {
		return "<none>"
	}
	return strings.Join(out, ", ")
}

// controllerCell is printController: KIND/NAME of the controller, or "".
func controllerCell(obj metav1.Object) string {
	if ref := metav1.GetControllerOf(obj); ref != nil {
		return ref.Kind + "/" + ref.Name
	}
	return ""
}

// describeReplicaSet is kubectl's describeReplicaSet.
func (k *kubectlRun) describeReplicaSet(cs kubernetes.Interface, rs *appsv1.ReplicaSet, now time.Time, showEvents bool) string {
	w := newDescribeWriter()
	w.write(0, "Name:\t%s\n", rs.Name)
	w.write(0, "Namespace:\t%s\n", rs.Namespace)
	w.write(0, "Selector:\t%s\n", metav1.FormatLabelSelector(rs.Spec.Selector))
	w.labelsBlock("Labels", rs.Labels)
	w.annotationsBlock("Annotations", rs.Annotations)
	if c := controllerCell(rs); c != "" {
		w.write(0, "Controlled By:\t%s\n", c)
	}
	w.write(0, "Replicas:\t%d current / %d desired\n", rs.Status.Replicas, derefReplicas(rs.Spec.Replicas))
	selector, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		selector = labels.Nothing()
	}
	running, waiting, succeeded, failed := k.controllerPodCounts(cs, rs.Namespace, selector, rs.UID)
	w.write(0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n", running, waiting, succeeded, failed)
	describePodTemplate(w, &rs.Spec.Template)
	if len(rs.Status.Conditions) > 0 {
		w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
		w.write(1, "----\t------\t------\n")
		for _, c := range rs.Status.Conditions {
			w.write(1, "%v \t%v\t%v\n", c.Type, c.Status, c.Reason)
		}
	}
	if showEvents {
		w.events(k.objectEvents(cs, rs.Namespace, rs.Name, "ReplicaSet", string(rs.UID)), now)
	}
	return w.String()
}

// describeJob is kubectl's describeJob.
func (k *kubectlRun) describeJob(cs kubernetes.Interface, job *batchv1.Job, now time.Time, showEvents bool) string {
	w := newDescribeWriter()
	w.write(0, "Name:\t%s\n", job.Name)
	w.write(0, "Namespace:\t%s\n", job.Namespace)
	if selector, err := metav1.LabelSelectorAsSelector(job.Spec.Selector); err == nil {
		w.write(0, "Selector:\t%s\n", selector)
	} else {
		w.write(0, "Selector:\tFailed to get selector: %s\n", err)
	}
	w.labelsBlock("Labels", job.Labels)
	w.annotationsBlock("Annotations", job.Annotations)
	if c := controllerCell(job); c != "" {
		w.write(0, "Controlled By:\t%s\n", c)
	}
	s := job.Spec
	if s.Parallelism != nil {
		w.write(0, "Parallelism:\t%d\n", *s.Parallelism)
	}
	if s.Completions != nil {
		w.write(0, "Completions:\t%d\n", *s.Completions)
	} else {
		w.write(0, "Completions:\t<unset>\n")
	}
	if s.CompletionMode != nil {
		w.write(0, "Completion Mode:\t%s\n", *s.CompletionMode)
	}
	if s.Suspend != nil {
		w.write(0, "Suspend:\t%v\n", *s.Suspend)
	}
	if s.BackoffLimit != nil {
		w.write(0, "Backoff Limit:\t%v\n", *s.BackoffLimit)
	}
	if s.TTLSecondsAfterFinished != nil {
		w.write(0, "TTL Seconds After Finished:\t%v\n", *s.TTLSecondsAfterFinished)
	}
	st := job.Status
	if st.StartTime != nil {
		w.write(0, "Start Time:\t%s\n", formatDescribeTime(st.StartTime.Time))
	}
	if st.CompletionTime != nil {
		w.write(0, "Completed At:\t%s\n", formatDescribeTime(st.CompletionTime.Time))
	}
	if st.StartTime != nil && st.CompletionTime != nil {
		w.write(0, "Duration:\t%s\n", duration.HumanDuration(st.CompletionTime.Sub(st.StartTime.Time)))
	}
	if s.ActiveDeadlineSeconds != nil {
		w.write(0, "Active Deadline Seconds:\t%ds\n", *s.ActiveDeadlineSeconds)
	}
	if st.Ready == nil {
		w.write(0, "Pods Statuses:\t%d Active / %d Succeeded / %d Failed\n", st.Active, st.Succeeded, st.Failed)
	} else {
		w.write(0, "Pods Statuses:\t%d Active (%d Ready) / %d Succeeded / %d Failed\n", st.Active, *st.Ready, st.Succeeded, st.Failed)
	}
	describePodTemplate(w, &s.Template)
	if showEvents {
		w.events(k.objectEvents(cs, job.Namespace, job.Name, "Job", string(job.UID)), now)
	}
	return w.String()
}

// describeCronJob is kubectl's describeCronJob.
func (k *kubectlRun) describeCronJob(cs kubernetes.Interface, cj *batchv1.CronJob, now time.Time, showEvents bool) string {
	w := newDescribeWriter()
	s := cj.Spec
	w.write(0, "Name:\t%s\n", cj.Name)
	w.write(0, "Namespace:\t%s\n", cj.Namespace)
	w.labelsBlock("Labels", cj.Labels)
	w.annotationsBlock("Annotations", cj.Annotations)
	w.write(0, "Schedule:\t%s\n", s.Schedule)
	w.write(0, "Concurrency Policy:\t%s\n", s.ConcurrencyPolicy)
	suspend := "<unset>"
	if s.Suspend != nil {
		suspend = "False"
		if *s.Suspend {
			suspend = "True"
		}
	}
	w.write(0, "Suspend:\t%s\n", suspend)
	optional := func(title string, p *int32, unit string) {
		if p == nil {
			w.write(0, "%s:\t<unset>\n", title)
			return
		}
		w.write(0, "%s:\t%d%s\n", title, *p, unit)
	}
	if s.TimeZone != nil {
		w.write(0, "Time Zone:\t%s\n", *s.TimeZone)
	} else {
		w.write(0, "Time Zone:\t<unset>\n")
	}
	optional("Successful Job History Limit", s.SuccessfulJobsHistoryLimit, "")
	optional("Failed Job History Limit", s.FailedJobsHistoryLimit, "")
	if s.StartingDeadlineSeconds != nil {
		w.write(0, "Starting Deadline Seconds:\t%ds\n", *s.StartingDeadlineSeconds)
	} else {
		w.write(0, "Starting Deadline Seconds:\t<unset>\n")
	}
	jt := s.JobTemplate.Spec
	if jt.Selector != nil {
		if selector, err := metav1.LabelSelectorAsSelector(jt.Selector); err == nil {
			w.write(0, "Selector:\t%s\n", selector)
		} else {
			w.write(0, "Selector:\tFailed to get selector: %s\n", err)
		}
	} else {
		w.write(0, "Selector:\t<unset>\n")
	}
	optional("Parallelism", jt.Parallelism, "")
	optional("Completions", jt.Completions, "")
	if jt.ActiveDeadlineSeconds != nil {
		w.write(0, "Active Deadline Seconds:\t%ds\n", *jt.ActiveDeadlineSeconds)
	}
	describePodTemplate(w, &jt.Template)
	if t := cj.Status.LastScheduleTime; t != nil {
		w.write(0, "Last Schedule Time:\t%s\n", formatDescribeTime(t.Time))
	} else {
		w.write(0, "Last Schedule Time:\t<unset>\n")
	}
	names := make([]string, 0, len(cj.Status.Active))
	for _, j := range cj.Status.Active {
		names = append(names, j.Name)
	}
	w.write(0, "Active Jobs:\t%s\n", kubeNone(strings.Join(names, ", ")))
	if showEvents {
		w.events(k.objectEvents(cs, cj.Namespace, cj.Name, "CronJob", string(cj.UID)), now)
	}
	return w.String()
}
