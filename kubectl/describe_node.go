package kubectl

import (
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
)

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
		if model.IsRestartableInit(c) {
			add(reqs, c.Resources.Requests)
			add(limits, c.Resources.Limits)
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if model.IsRestartableInit(c) {
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
