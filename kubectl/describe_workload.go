package kubectl

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
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
