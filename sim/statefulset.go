package sim

import (
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The StatefulSet controller, as kube-controller-manager's
// (pkg/controller/statefulset): pods named <set>-<ordinal>, created in
// ordinal order; with OrderedReady the next one only once the previous
// is Running and Ready; scale-down and rolling update from the highest
// ordinal, one pod at a time; a claim per volumeClaimTemplate and
// ordinal, <template>-<set>-<ordinal>.

// statefulOrdinal is the ordinal of a pod of set, or -1.
func statefulOrdinal(set, pod string) int {
	rest, ok := strings.CutPrefix(pod, set+"-")
	if !ok || rest == "" {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || strconv.Itoa(n) != rest {
		return -1
	}
	return n
}

// statefulRevision names the revision of a set's template, as the
// controller-revision-hash label carries it: <set>-<hash>.
func statefulRevision(name string, tmpl *corev1.PodTemplateSpec) string {
	return name + "-" + templateHash(tmpl)
}

func runningAndReady(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodRunning && podIsReady(p)
}

func (c *cluster) syncStatefulSet(req *request, item workItem) {
	set, ok := c.tracker.peek(gvrStatefulSets, item.ns, item.name).(*appsv1.StatefulSet)
	if !ok {
		return
	}
	ref := refTo(set, "StatefulSet", "apps/v1")
	replicas := int(derefInt32(set.Spec.Replicas, 1))
	updateRev := statefulRevision(set.Name, &set.Spec.Template)
	ordered := set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement

	byOrdinal := map[int]*corev1.Pod{}
	var condemned []*corev1.Pod
	for _, p := range c.ownedPods(set.UID, true) {
		switch ord := statefulOrdinal(set.Name, p.Name); {
		case ord < 0:
		case ord < replicas:
			byOrdinal[ord] = p
		default:
			condemned = append(condemned, p)
		}
	}
	sort.Slice(condemned, func(i, j int) bool {
		return statefulOrdinal(set.Name, condemned[i].Name) > statefulOrdinal(set.Name, condemned[j].Name)
	})

	var createErr error
	progress := true
	for i := 0; i < replicas && progress; i++ {
		p := byOrdinal[i]
		if p != nil && p.Status.Phase == corev1.PodFailed {
			// A failed pod is deleted and recreated.
			c.api.remove(req, objectRef{GVR: gvrPods, Namespace: p.Namespace, Name: p.Name}, true)
			c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulDelete", fmt.Sprintf("delete Pod %s in StatefulSet %s successful", p.Name, set.Name), "statefulset-controller", "")
			p = nil
			delete(byOrdinal, i)
		}
		if p == nil {
			created, err := c.createStatefulPod(req, set, ref, i, updateRev)
			if err != nil {
				createErr = err
				break
			}
			byOrdinal[i] = created
			p = created
		}
		if ordered && !runningAndReady(p) {
			progress = false
		}
	}
	if createErr != nil {
		c.failed.add(item)
	} else {
		c.failed.remove(item)
	}
	healthy := createErr == nil && progress
	if healthy && ordered {
		for _, p := range byOrdinal {
			if !runningAndReady(p) {
				healthy = false
			}
		}
	}
	switch {
	case len(condemned) > 0 && (healthy || !ordered):
		// Scale down from the highest ordinal; the deletion wakes this
		// controller for the next one.
		p := condemned[0]
		c.api.remove(req, objectRef{GVR: gvrPods, Namespace: p.Namespace, Name: p.Name}, true)
		c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulDelete", fmt.Sprintf("delete Pod %s in StatefulSet %s successful", p.Name, set.Name), "statefulset-controller", "")
		condemned = condemned[1:]
	case len(condemned) == 0 && healthy && set.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType:
		c.rollStatefulSet(req, set, ref, byOrdinal, replicas, updateRev)
	}

	set, _ = c.tracker.peek(gvrStatefulSets, item.ns, item.name).(*appsv1.StatefulSet)
	if set == nil {
		return
	}
	c.updateStatefulSetStatus(item, set, updateRev)
}

// rollStatefulSet deletes the pod with the highest ordinal that is not at
// the update revision (at or above the partition), once every pod above
// it is Running and Ready; the next sync recreates it from the new
// template.
func (c *cluster) rollStatefulSet(req *request, set *appsv1.StatefulSet, ref corev1.ObjectReference, byOrdinal map[int]*corev1.Pod, replicas int, updateRev string) {
	partition := 0
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		partition = int(*ru.Partition)
	}
	for i := replicas - 1; i >= partition; i-- {
		p := byOrdinal[i]
		if p == nil {
			return
		}
		if p.Labels[appsv1.ControllerRevisionHashLabelKey] != updateRev {
			c.api.remove(req, objectRef{GVR: gvrPods, Namespace: p.Namespace, Name: p.Name}, true)
			c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulDelete", fmt.Sprintf("delete Pod %s in StatefulSet %s successful", p.Name, set.Name), "statefulset-controller", "")
			return
		}
		if !runningAndReady(p) {
			return
		}
	}
}

// createStatefulPod creates the claims and then the pod of one ordinal.
func (c *cluster) createStatefulPod(req *request, set *appsv1.StatefulSet, ref corev1.ObjectReference, ordinal int, revision string) (*corev1.Pod, error) {
	name := fmt.Sprintf("%s-%d", set.Name, ordinal)
	pod := podFromTemplate(set, "StatefulSet", "apps/v1", &set.Spec.Template)
	pod.GenerateName = ""
	pod.Name = name
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[appsv1.StatefulSetPodNameLabel] = name
	pod.Labels[appsv1.PodIndexLabel] = strconv.Itoa(ordinal)
	pod.Labels[appsv1.ControllerRevisionHashLabelKey] = revision
	pod.Spec.Hostname = name
	pod.Spec.Subdomain = set.Spec.ServiceName
	claims := map[string]bool{}
	var volumes []corev1.Volume
	for _, tmpl := range set.Spec.VolumeClaimTemplates {
		claim := fmt.Sprintf("%s-%s-%d", tmpl.Name, set.Name, ordinal)
		if err := c.createStatefulClaim(req, set, ref, &tmpl, claim, name); err != nil {
			return nil, err
		}
		claims[tmpl.Name] = true
		volumes = append(volumes, corev1.Volume{Name: tmpl.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}})
	}
	for _, v := range pod.Spec.Volumes {
		if !claims[v.Name] {
			volumes = append(volumes, v)
		}
	}
	pod.Spec.Volumes = volumes
	obj, err := c.api.create(req, gvrPods, set.Namespace, pod, false)
	if err != nil {
		c.recordEvent(ref, corev1.EventTypeWarning, "FailedCreate", fmt.Sprintf("create Pod %s in StatefulSet %s failed error: %v", name, set.Name, err), "statefulset-controller", "")
		return nil, err
	}
	c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulCreate", fmt.Sprintf("create Pod %s in StatefulSet %s successful", name, set.Name), "statefulset-controller", "")
	return obj.(*corev1.Pod), nil
}

// createStatefulClaim creates a pod's claim from a template unless it
// exists (claims outlive their pods, as with the Retain policy).
func (c *cluster) createStatefulClaim(req *request, set *appsv1.StatefulSet, ref corev1.ObjectReference, tmpl *corev1.PersistentVolumeClaim, name, pod string) error {
	if c.tracker.peek(gvrPVCs, set.Namespace, name) != nil {
		return nil
	}
	claim := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: set.Namespace,
			Labels:      maps.Clone(tmpl.Labels),
			Annotations: maps.Clone(tmpl.Annotations),
		},
		Spec: *tmpl.Spec.DeepCopy(),
	}
	if sel := set.Spec.Selector; sel != nil && len(sel.MatchLabels) > 0 {
		if claim.Labels == nil {
			claim.Labels = map[string]string{}
		}
		maps.Copy(claim.Labels, sel.MatchLabels)
	}
	if p := set.Spec.PersistentVolumeClaimRetentionPolicy; p != nil && p.WhenDeleted == appsv1.DeletePersistentVolumeClaimRetentionPolicyType {
		claim.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: set.Name, UID: set.UID,
			Controller: new(true), BlockOwnerDeletion: new(true)}}
	}
	if _, err := c.api.create(req, gvrPVCs, set.Namespace, claim, false); err != nil && !apierrors.IsAlreadyExists(err) {
		c.recordEvent(ref, corev1.EventTypeWarning, "FailedCreate", fmt.Sprintf("create Claim %s for Pod %s in StatefulSet %s failed error: %v", name, pod, set.Name, err), "statefulset-controller", "")
		return err
	}
	c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulCreate", fmt.Sprintf("create Claim %s Pod %s in StatefulSet %s success", name, pod, set.Name), "statefulset-controller", "")
	return nil
}

func (c *cluster) updateStatefulSetStatus(item workItem, set *appsv1.StatefulSet, updateRev string) {
	currentRev := set.Status.CurrentRevision
	if currentRev == "" {
		currentRev = updateRev
	}
	status := appsv1.StatefulSetStatus{
		ObservedGeneration: set.Generation,
		CurrentRevision:    currentRev,
		UpdateRevision:     updateRev,
		CollisionCount:     new(int32(0)),
	}
	for _, p := range c.ownedPods(set.UID, true) {
		if statefulOrdinal(set.Name, p.Name) < 0 {
			continue
		}
		status.Replicas++
		if runningAndReady(p) {
			status.ReadyReplicas++
			status.AvailableReplicas++
		}
		switch p.Labels[appsv1.ControllerRevisionHashLabelKey] {
		case updateRev:
			status.UpdatedReplicas++
			if currentRev == updateRev {
				status.CurrentReplicas++
			}
		case currentRev:
			status.CurrentReplicas++
		}
	}
	replicas := derefInt32(set.Spec.Replicas, 1)
	if currentRev != updateRev && status.UpdatedReplicas >= replicas && status.ReadyReplicas >= replicas && status.Replicas == replicas {
		status.CurrentRevision = updateRev
		status.CurrentReplicas = status.UpdatedReplicas
	}
	if apiequality.Semantic.DeepEqual(set.Status, status) {
		return
	}
	next := set.DeepCopy()
	next.Status = status
	c.putStatus(item, gvrStatefulSets, next)
}
