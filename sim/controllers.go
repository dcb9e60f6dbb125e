package sim

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Deployment, ReplicaSet and Job controllers (StatefulSet and DaemonSet
// in their own files), run synchronously after
// every request and every clock step until nothing is left to do.

const (
	labelPodTemplateHash      = appsv1.DefaultDeploymentUniqueLabelKey // pod-template-hash
	annotationRevision        = "deployment.kubernetes.io/revision"
	annotationDesiredReplicas = "deployment.kubernetes.io/desired-replicas"
	annotationMaxReplicas     = "deployment.kubernetes.io/max-replicas"
)

// templateHash names a pod template: 10 characters of the name alphabet
// from a hash of the template, so the same template always maps to the
// same ReplicaSet.
func templateHash(t *corev1.PodTemplateSpec) string {
	data, _ := json.Marshal(t)
	h := fnv.New64a()
	_, _ = h.Write(data)
	v := h.Sum64()
	b := make([]byte, 10)
	for i := range b {
		b[i] = nameAlphabet[v%uint64(len(nameAlphabet))]
		v /= uint64(len(nameAlphabet))
	}
	return string(b)
}

func controllerRef(obj metav1.Object, kind, apiVersion string) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: apiVersion, Kind: kind, Name: obj.GetName(), UID: obj.GetUID(),
		Controller: new(true), BlockOwnerDeletion: new(true),
	}
}

func isControlledBy(obj metav1.Object, uid types.UID) bool {
	ref := metav1.GetControllerOfNoCopy(obj)
	return ref != nil && ref.UID == uid
}

func podFinished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// ownedPods returns the pods uid controls, sorted by name; finished pods
// only with withFinished.
func (c *cluster) ownedPods(uid types.UID, withFinished bool) []*corev1.Pod {
	var out []*corev1.Pod
	for _, r := range c.tracker.dependents(uid) {
		if r.GVR != gvrPods {
			continue
		}
		p, ok := c.tracker.peek(gvrPods, r.Namespace, r.Name).(*corev1.Pod)
		if !ok || !isControlledBy(p, uid) || (!withFinished && podFinished(p)) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func (c *cluster) ownedReplicaSets(uid types.UID) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, r := range c.tracker.dependents(uid) {
		if r.GVR != gvrReplicaSets {
			continue
		}
		if rs, ok := c.tracker.peek(gvrReplicaSets, r.Namespace, r.Name).(*appsv1.ReplicaSet); ok && isControlledBy(rs, uid) {
			out = append(out, rs)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		ti, tj := out[i].CreationTimestamp, out[j].CreationTimestamp
		if !ti.Equal(&tj) {
			return ti.Before(&tj)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// podFromTemplate is the pod a controller makes of its template: named
// after the owner (generateName), controlled by it.
func podFromTemplate(owner metav1.Object, kind, apiVersion string, tmpl *corev1.PodTemplateSpec) *corev1.Pod {
	pod := templatePod(owner, kind, apiVersion, tmpl)
	pod.Labels, pod.Annotations = maps.Clone(tmpl.Labels), maps.Clone(tmpl.Annotations)
	pod.Spec = *tmpl.Spec.DeepCopy()
	return pod
}

// templatePod is podFromTemplate sharing the template's labels,
// annotations and spec: it must be copied before it is changed.
func templatePod(owner metav1.Object, kind, apiVersion string, tmpl *corev1.PodTemplateSpec) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    owner.GetName() + "-",
			Namespace:       owner.GetNamespace(),
			Labels:          tmpl.Labels,
			Annotations:     tmpl.Annotations,
			OwnerReferences: []metav1.OwnerReference{controllerRef(owner, kind, apiVersion)},
		},
		Spec: tmpl.Spec,
	}
}

// createPodFor creates one pod from a controller's template, through the
// API server's whole create path (admission included), and returns the
// stored pod: the caller must not modify it. The pod sent shares the
// template's parts until admission copies it (request.template), and
// needs no copy when the template's previous pod's admission is handed
// out again.
func (c *cluster) createPodFor(req *request, owner metav1.Object, kind, apiVersion string, tmpl *corev1.PodTemplateSpec) (*corev1.Pod, error) {
	var pod *corev1.Pod
	if req != nil {
		r := *req
		r.template = tmpl
		req = &r
		pod = templatePod(owner, kind, apiVersion, tmpl)
	} else {
		pod = podFromTemplate(owner, kind, apiVersion, tmpl)
	}
	obj, err := c.api.createStored(req, gvrPods, owner.GetNamespace(), pod)
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Pod), nil
}

// ---- ReplicaSet ----

func (c *cluster) syncReplicaSet(req *request, item workItem) {
	rs, ok := c.tracker.peek(gvrReplicaSets, item.ns, item.name).(*appsv1.ReplicaSet)
	if !ok {
		return
	}
	ref := refTo(rs, "ReplicaSet", "apps/v1")
	pods := c.ownedPods(rs.UID, false)
	want := int(derefInt32(rs.Spec.Replicas, 1))
	var createErr error
	for len(pods) < want {
		pod, err := c.createPodFor(req, rs, "ReplicaSet", "apps/v1", &rs.Spec.Template)
		if err != nil {
			createErr = err
			c.recordEvent(ref, corev1.EventTypeWarning, "FailedCreate", "Error creating: "+err.Error(), "replicaset-controller", "")
			break
		}
		c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: "+pod.Name, "replicaset-controller", "")
		pods = append(pods, pod)
	}
	if len(pods) > want {
		sort.SliceStable(pods, func(i, j int) bool { return deleteBefore(pods[i], pods[j]) })
		for _, p := range pods[:len(pods)-want] {
			c.api.remove(req, objectRef{GVR: gvrPods, Namespace: p.Namespace, Name: p.Name}, true)
			c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: "+p.Name, "replicaset-controller", "")
		}
		pods = pods[len(pods)-want:]
	}
	if createErr != nil {
		c.failed.add(item)
	} else {
		c.failed.remove(item)
	}

	// Status.
	rs, _ = c.tracker.peek(gvrReplicaSets, item.ns, item.name).(*appsv1.ReplicaSet)
	if rs == nil {
		return
	}
	var ready int32
	for _, p := range pods {
		if podIsReady(p) {
			ready++
		}
	}
	status := appsv1.ReplicaSetStatus{
		Replicas:             int32(len(pods)),
		FullyLabeledReplicas: int32(len(pods)),
		ReadyReplicas:        ready,
		AvailableReplicas:    ready,
		ObservedGeneration:   rs.Generation,
	}
	if createErr != nil {
		status.Conditions = []appsv1.ReplicaSetCondition{{
			Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate",
			Message: createErr.Error(), LastTransitionTime: metav1.NewTime(c.sim.clock.Now()),
		}}
		if old := rs.Status.Conditions; len(old) == 1 && old[0].Message == createErr.Error() {
			status.Conditions[0].LastTransitionTime = old[0].LastTransitionTime
		}
	}
	if !apiequality.Semantic.DeepEqual(rs.Status, status) {
		next := rs.DeepCopy()
		next.Status = status
		c.putStatus(item, gvrReplicaSets, next)
	}
	c.enqueueController(rs)
}

// deleteBefore ranks pods for scale-down: unscheduled, then pending,
// then not ready, then newest first.
func deleteBefore(a, b *corev1.Pod) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if pa, pb := a.Status.Phase == corev1.PodPending, b.Status.Phase == corev1.PodPending; pa != pb {
		return pa
	}
	if ra, rb := podIsReady(a), podIsReady(b); ra != rb {
		return !ra
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return b.CreationTimestamp.Before(&a.CreationTimestamp)
	}
	return a.Name > b.Name
}

// ---- Deployment ----

type rsView struct {
	rs        *appsv1.ReplicaSet // stored, read-only
	replicas  int32              // spec.replicas after this sync
	pods      int32
	available int32
}

func (c *cluster) syncDeployment(req *request, item workItem) {
	d, ok := c.tracker.peek(gvrDeployments, item.ns, item.name).(*appsv1.Deployment)
	if !ok {
		return
	}
	ref := refTo(d, "Deployment", "apps/v1")
	desired := derefInt32(d.Spec.Replicas, 1)
	hash := templateHash(&d.Spec.Template)

	var (
		newRS *rsView
		olds  []*rsView
		views []*rsView
	)
	maxRev := int64(0)
	for _, rs := range c.ownedReplicaSets(d.UID) {
		v := &rsView{rs: rs, replicas: derefInt32(rs.Spec.Replicas, 0)}
		for _, p := range c.ownedPods(rs.UID, false) {
			v.pods++
			if podIsReady(p) {
				v.available++
			}
		}
		if rev, _ := strconv.ParseInt(rs.Annotations[annotationRevision], 10, 64); rev > maxRev {
			maxRev = rev
		}
		if rs.Labels[labelPodTemplateHash] == hash {
			newRS = v
		} else {
			olds = append(olds, v)
		}
		views = append(views, v)
	}

	if !d.Spec.Paused {
		if newRS == nil {
			rs, err := c.createReplicaSet(req, d, hash, maxRev+1)
			if err != nil {
				c.recordEvent(ref, corev1.EventTypeWarning, "FailedCreate", fmt.Sprintf("Failed to create new replica set %q: %v", d.Name+"-"+hash, err), "deployment-controller", "")
				return
			}
			newRS = &rsView{rs: rs}
			views = append(views, newRS)
			maxRev++
		}
		c.planScale(d, newRS, olds, desired)
		for _, v := range views {
			c.applyScale(d, v, v == newRS, maxRev, desired)
		}
	}
	c.updateDeploymentStatus(d, newRS, views, desired)
}

func (c *cluster) createReplicaSet(req *request, d *appsv1.Deployment, hash string, revision int64) (*appsv1.ReplicaSet, error) {
	tmpl := d.Spec.Template.DeepCopy()
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[labelPodTemplateHash] = hash
	sel := d.Spec.Selector.DeepCopy()
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[labelPodTemplateHash] = hash
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:      d.Name + "-" + hash,
			Namespace: d.Namespace,
			Labels:    maps.Clone(tmpl.Labels),
			Annotations: map[string]string{
				annotationRevision: strconv.FormatInt(revision, 10),
			},
			OwnerReferences: []metav1.OwnerReference{controllerRef(d, "Deployment", "apps/v1")},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        new(int32(0)),
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        sel,
			Template:        *tmpl,
		},
	}
	obj, err := c.api.create(req, gvrReplicaSets, d.Namespace, rs, false)
	if err != nil {
		return nil, err
	}
	return obj.(*appsv1.ReplicaSet), nil
}

// planScale decides each ReplicaSet's replicas, following the rolling
// update arithmetic of the deployment controller (max surge, max
// unavailable, unhealthy old replicas first), or Recreate.
func (c *cluster) planScale(d *appsv1.Deployment, newRS *rsView, olds []*rsView, desired int32) {
	oldActive := false
	for _, o := range olds {
		if o.replicas > 0 || o.pods > 0 {
			oldActive = true
		}
	}
	if !oldActive {
		newRS.replicas = desired
		return
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		oldPods := int32(0)
		for _, o := range olds {
			o.replicas = 0
			oldPods += o.pods
		}
		if oldPods == 0 {
			newRS.replicas = desired
		}
		return
	}
	surge, unavailable := rollingParams(d, desired)
	sum := func() int32 {
		t := newRS.replicas
		for _, o := range olds {
			t += o.replicas
		}
		return t
	}
	// Scale the new ReplicaSet up within the surge.
	switch {
	case newRS.replicas > desired:
		newRS.replicas = desired
	case newRS.replicas < desired:
		if up := min(desired+surge-sum(), desired-newRS.replicas); up > 0 {
			newRS.replicas += up
		}
	}
	// Scale old ReplicaSets down while enough pods stay available.
	minAvailable := desired - unavailable
	newUnavailable := max(newRS.replicas-newRS.available, 0)
	maxDown := sum() - minAvailable - newUnavailable
	if maxDown <= 0 {
		return
	}
	cleaned := int32(0)
	for _, o := range olds {
		if cleaned >= maxDown {
			break
		}
		if unhealthy := o.replicas - o.available; o.replicas > 0 && unhealthy > 0 {
			down := min(unhealthy, maxDown-cleaned)
			o.replicas -= down
			cleaned += down
		}
	}
	available := newRS.available
	for _, o := range olds {
		available += min(o.available, o.replicas)
	}
	budget := available - minAvailable
	for _, o := range olds {
		if budget <= 0 {
			break
		}
		down := min(o.replicas, budget)
		o.replicas -= down
		budget -= down
	}
}

func rollingParams(d *appsv1.Deployment, desired int32) (surge, unavailable int32) {
	ru := d.Spec.Strategy.RollingUpdate
	ms, mu := intstr.FromString("25%"), intstr.FromString("25%")
	if ru != nil && ru.MaxSurge != nil {
		ms = *ru.MaxSurge
	}
	if ru != nil && ru.MaxUnavailable != nil {
		mu = *ru.MaxUnavailable
	}
	s, err := intstr.GetScaledValueFromIntOrPercent(&ms, int(desired), true)
	if err != nil {
		s = 1
	}
	u, err := intstr.GetScaledValueFromIntOrPercent(&mu, int(desired), false)
	if err != nil {
		u = 0
	}
	if s == 0 && u == 0 {
		s = 1
	}
	return int32(s), int32(u)
}

// applyScale writes a ReplicaSet's new replicas and revision annotations.
func (c *cluster) applyScale(d *appsv1.Deployment, v *rsView, isNew bool, maxRev int64, desired int32) {
	rs := v.rs
	cur := derefInt32(rs.Spec.Replicas, 0)
	rev := rs.Annotations[annotationRevision]
	wantRev := rev
	if isNew {
		if r, _ := strconv.ParseInt(rev, 10, 64); r < maxRev {
			wantRev = strconv.FormatInt(maxRev, 10)
		}
	}
	surge, _ := rollingParams(d, desired)
	wantDesired := strconv.Itoa(int(desired))
	wantMax := strconv.Itoa(int(desired + surge))
	if cur == v.replicas && rev == wantRev && rs.Annotations[annotationDesiredReplicas] == wantDesired && rs.Annotations[annotationMaxReplicas] == wantMax {
		return
	}
	next := rs.DeepCopy()
	next.Spec.Replicas = new(v.replicas)
	if next.Annotations == nil {
		next.Annotations = map[string]string{}
	}
	next.Annotations[annotationRevision] = wantRev
	next.Annotations[annotationDesiredReplicas] = wantDesired
	next.Annotations[annotationMaxReplicas] = wantMax
	if cur != v.replicas {
		next.Generation++
	}
	if _, err := c.tracker.put(gvrReplicaSets, next, storeUpdate); err != nil {
		return
	}
	if cur != v.replicas {
		verb := "up"
		if v.replicas < cur {
			verb = "down"
		}
		c.recordEvent(refTo(d, "Deployment", "apps/v1"), corev1.EventTypeNormal, "ScalingReplicaSet",
			fmt.Sprintf("Scaled %s replica set %s from %d to %d", verb, rs.Name, cur, v.replicas), "deployment-controller", "")
	}
	c.enqueue(gvrReplicaSets, rs.Namespace, rs.Name)
}

func (c *cluster) updateDeploymentStatus(d *appsv1.Deployment, newRS *rsView, views []*rsView, desired int32) {
	var total, ready int32
	var failure *appsv1.ReplicaSetCondition
	for _, v := range views {
		total += v.pods
		ready += v.available
		rs, _ := c.tracker.peek(gvrReplicaSets, v.rs.Namespace, v.rs.Name).(*appsv1.ReplicaSet)
		if rs == nil {
			continue
		}
		for i := range rs.Status.Conditions {
			if cond := rs.Status.Conditions[i]; cond.Type == appsv1.ReplicaSetReplicaFailure && cond.Status == corev1.ConditionTrue {
				failure = &rs.Status.Conditions[i]
			}
		}
	}
	status := appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            total,
		ReadyReplicas:       ready,
		AvailableReplicas:   ready,
		UnavailableReplicas: max(desired-ready, 0),
	}
	newName := ""
	if newRS != nil {
		status.UpdatedReplicas = newRS.pods
		newName = newRS.rs.Name
	}
	now := metav1.NewTime(c.sim.clock.Now())
	_, unavailable := rollingParams(d, desired)
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		unavailable = desired
	}
	avail := appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue,
		Reason: "MinimumReplicasAvailable", Message: "Deployment has minimum availability."}
	if ready < desired-unavailable {
		avail.Status, avail.Reason, avail.Message = corev1.ConditionFalse, "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
	}
	prog := appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue,
		Reason: "ReplicaSetUpdated", Message: fmt.Sprintf("ReplicaSet %q is progressing.", newName)}
	if newRS != nil && status.UpdatedReplicas == desired && total == desired && ready >= desired {
		prog.Reason, prog.Message = "NewReplicaSetAvailable", fmt.Sprintf("ReplicaSet %q has successfully progressed.", newName)
	}
	conds := []appsv1.DeploymentCondition{avail, prog}
	if failure != nil {
		conds = append(conds, appsv1.DeploymentCondition{Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue,
			Reason: failure.Reason, Message: failure.Message})
	}
	for i := range conds {
		conds[i].LastUpdateTime, conds[i].LastTransitionTime = now, now
		for _, old := range d.Status.Conditions {
			if old.Type != conds[i].Type {
				continue
			}
			if old.Status == conds[i].Status {
				conds[i].LastTransitionTime = old.LastTransitionTime
			}
			if old.Status == conds[i].Status && old.Reason == conds[i].Reason && old.Message == conds[i].Message {
				conds[i].LastUpdateTime = old.LastUpdateTime
			}
		}
	}
	status.Conditions = conds
	rev := ""
	if newRS != nil {
		if rs, ok := c.tracker.peek(gvrReplicaSets, newRS.rs.Namespace, newRS.rs.Name).(*appsv1.ReplicaSet); ok {
			rev = rs.Annotations[annotationRevision]
		}
	}
	if apiequality.Semantic.DeepEqual(d.Status, status) && (rev == "" || d.Annotations[annotationRevision] == rev) {
		return
	}
	next := d.DeepCopy()
	next.Status = status
	if rev != "" {
		if next.Annotations == nil {
			next.Annotations = map[string]string{}
		}
		next.Annotations[annotationRevision] = rev
	}
	c.putStatus(workItem{gvr: gvrDeployments, ns: d.Namespace, name: d.Name}, gvrDeployments, next)
}

// ---- Job ----

func (c *cluster) syncJob(req *request, item workItem) {
	j, ok := c.tracker.peek(gvrJobs, item.ns, item.name).(*batchv1.Job)
	if !ok || jobFinished(j) {
		return
	}
	completions := derefInt32(j.Spec.Completions, 1)
	backoff := derefInt32(j.Spec.BackoffLimit, 6)
	suspended := j.Spec.Suspend != nil && *j.Spec.Suspend
	ref := refTo(j, "Job", "batch/v1")
	pods := c.countJobPods(j)
	var createErr error
	if !suspended && pods.succeeded < completions && pods.failed <= backoff {
		need := min(derefInt32(j.Spec.Parallelism, 1), completions-pods.succeeded) - pods.active
		createErr = c.createJobPods(req, j, ref, need)
		pods = c.countJobPods(j)
	}
	if createErr != nil {
		c.failed.add(item)
	} else {
		c.failed.remove(item)
	}

	j, _ = c.tracker.peek(gvrJobs, item.ns, item.name).(*batchv1.Job)
	if j == nil {
		return
	}
	status := c.jobStatus(j, ref, pods, suspended, completions, backoff)
	if apiequality.Semantic.DeepEqual(j.Status, status) {
		return
	}
	next := j.DeepCopy()
	next.Status = status
	c.putStatus(item, gvrJobs, next)
	if jobFinished(next) {
		// A CronJob that owns it takes note.
		c.enqueueController(next)
	}
}

// jobFinished reports whether the Job has its Complete or Failed
// condition: the controller leaves it alone.
func jobFinished(j *batchv1.Job) bool {
	for _, cond := range j.Status.Conditions {
		if (cond.Type == batchv1.JobComplete || cond.Type == batchv1.JobFailed) && cond.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// jobPods counts a Job's pods by phase.
type jobPods struct {
	active, ready, succeeded, failed int32
}

func (c *cluster) countJobPods(j *batchv1.Job) jobPods {
	var n jobPods
	for _, p := range c.ownedPods(j.UID, true) {
		switch p.Status.Phase {
		case corev1.PodSucceeded:
			n.succeeded++
		case corev1.PodFailed:
			n.failed++
		default:
			n.active++
			if podIsReady(p) {
				n.ready++
			}
		}
	}
	return n
}

// createJobPods creates up to need pods for the Job, stopping at the
// first failure, with the job controller's events.
func (c *cluster) createJobPods(req *request, j *batchv1.Job, ref corev1.ObjectReference, need int32) error {
	for ; need > 0; need-- {
		pod, err := c.createPodFor(req, j, "Job", "batch/v1", &j.Spec.Template)
		if err != nil {
			c.recordEvent(ref, corev1.EventTypeWarning, "FailedCreate", "Error creating: "+err.Error(), "job-controller", "")
			return err
		}
		c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: "+pod.Name, "job-controller", "")
	}
	return nil
}

// jobStatus is the Job's status for its pods: the counts, the start time
// and, once enough pods succeeded or too many failed, the final
// conditions (recording the controller's event).
func (c *cluster) jobStatus(j *batchv1.Job, ref corev1.ObjectReference, pods jobPods, suspended bool, completions, backoff int32) batchv1.JobStatus {
	now := metav1.NewTime(c.sim.clock.Now())
	status := *j.Status.DeepCopy()
	ready := pods.ready
	status.Active, status.Ready, status.Succeeded, status.Failed = pods.active, &ready, pods.succeeded, pods.failed
	if status.StartTime == nil && !suspended {
		status.StartTime = &now
	}
	if status.UncountedTerminatedPods == nil {
		status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	status.Terminating = new(int32(0))
	switch {
	case pods.succeeded >= completions:
		status.CompletionTime = &now
		if c.info.KubeVersion.AtLeast(1, 31) {
			status.Conditions = append(status.Conditions, batchv1.JobCondition{Type: batchv1.JobSuccessCriteriaMet,
				Status: corev1.ConditionTrue, Reason: "CompletionsReached", Message: "Reached expected number of succeeded pods",
				LastProbeTime: now, LastTransitionTime: now})
		}
		status.Conditions = append(status.Conditions, batchv1.JobCondition{Type: batchv1.JobComplete,
			Status: corev1.ConditionTrue, Reason: "CompletionsReached", Message: "Reached expected number of succeeded pods",
			LastProbeTime: now, LastTransitionTime: now})
		c.recordEvent(ref, corev1.EventTypeNormal, "Completed", "Job completed", "job-controller", "")
	case pods.failed > backoff:
		status.Conditions = append(status.Conditions, batchv1.JobCondition{Type: batchv1.JobFailed,
			Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit",
			LastProbeTime: now, LastTransitionTime: now})
		c.recordEvent(ref, corev1.EventTypeWarning, "BackoffLimitExceeded", "Job has reached the specified backoff limit", "job-controller", "")
	}
	return status
}

// putStatus stores a controller's new status of a workload. A write that
// fails is not lost: like a controller whose sync returned an error, the
// workload is queued to be synced again (retryFailed).
func (c *cluster) putStatus(item workItem, gvr schema.GroupVersionResource, next runtime.Object) {
	if _, err := c.tracker.put(gvr, next, storeUpdate); err != nil {
		c.failed.add(item)
	}
}
