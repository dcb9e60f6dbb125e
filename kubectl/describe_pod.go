package kubectl

import (
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

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
		describeContainers(w, "", "Init Containers", pod, pod.Spec.InitContainers, pod.Status.InitContainerStatuses)
	}
	describeContainers(w, "", "Containers", pod, pod.Spec.Containers, pod.Status.ContainerStatuses)
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
	describeVolumes(w, "", pod.Spec.Volumes)
	w.write(0, "QoS Class:\t%s\n", podQOSClass(pod))
	w.labelsBlock("Node-Selectors", pod.Spec.NodeSelector)
	describeTolerations(w, "Tolerations", pod.Spec.Tolerations)
	if showEvents {
		w.events(k.objectEvents(cs, pod.Namespace, pod.Name, "", string(pod.UID)), now)
	}
	return w.String()
}

// describeVolumes is kubectl's describeVolumes: space as in
// describeContainers.
func describeVolumes(w *describeWriter, space string, volumes []corev1.Volume) {
	nameIndent := ""
	if space != "" {
		nameIndent = " "
	}
	if len(volumes) == 0 {
		w.write(0, "%sVolumes:\t<none>\n", space)
		return
	}
	w.write(0, "%sVolumes:\n", space)
	for _, v := range volumes {
		w.write(1, "%s%v:\n", nameIndent, v.Name)
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

func describeTolerations(w *describeWriter, title string, tolerations []corev1.Toleration) {
	w.write(0, "%s:\t", title)
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
