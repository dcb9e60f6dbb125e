package sim

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The CronJob controller, as kube-controller-manager's
// (pkg/controller/cronjob, v2): at each scheduled time on the virtual
// clock it creates the Job <cronjob>-<scheduled minutes since the epoch>,
// unless concurrencyPolicy Forbid finds one still active (it starts once
// that one finishes) or Replace deletes the active ones first; finished
// Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit are
// deleted, oldest first, with their pods.

// cronSchedule parses a CronJob's schedule as the API server and the
// controller do (robfig/cron's standard parser: five fields or a
// descriptor such as @hourly), in its time zone (UTC when unset, the
// controller manager's zone here).
func cronSchedule(cj *batchv1.CronJob) (cron.Schedule, *time.Location, error) {
	sched, err := parseCron(cj.Spec.Schedule)
	if err != nil {
		return nil, nil, err
	}
	loc := time.UTC
	if tz := cj.Spec.TimeZone; tz != nil {
		if loc, err = time.LoadLocation(*tz); err != nil {
			return nil, nil, err
		}
	}
	return sched, loc, nil
}

// parseCron is ParseCronScheduleWithPanicRecovery.
func parseCron(schedule string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("invalid schedule format: %v", r)
		}
	}()
	return cron.ParseStandard(schedule)
}

// cronJobName is getJobName: the scheduled time in minutes since the
// epoch, so that one scheduled time makes one Job.
func cronJobName(cj *batchv1.CronJob, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, scheduled.Unix()/60)
}

// lastDue is the latest scheduled time in (earliest, now], if any.
func lastDue(sched cron.Schedule, loc *time.Location, earliest, now time.Time) (time.Time, bool) {
	var due time.Time
	for t := sched.Next(earliest.In(loc)); !t.After(now); t = sched.Next(t) {
		due = t
	}
	return due, !due.IsZero()
}

// nextCronWake is the earliest scheduled time of any CronJob after now;
// Advance stops the clock there so that the schedule fires on time.
func (c *cluster) nextCronWake(now time.Time) (time.Time, bool) {
	var next time.Time
	for _, obj := range c.tracker.items(gvrCronJobs, "") {
		cj := obj.(*batchv1.CronJob)
		if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
			continue
		}
		sched, loc, err := cronSchedule(cj)
		if err != nil {
			continue
		}
		if t := sched.Next(now.In(loc)); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next, !next.IsZero()
}

// enqueueCronJobs wakes every CronJob (the clock moved).
func (c *cluster) enqueueCronJobs() {
	for _, obj := range c.tracker.items(gvrCronJobs, "") {
		cj := obj.(*batchv1.CronJob)
		c.enqueue(gvrCronJobs, cj.Namespace, cj.Name)
	}
}

func (c *cluster) syncCronJob(req *request, item workItem) {
	cj, ok := c.tracker.peek(gvrCronJobs, item.ns, item.name).(*batchv1.CronJob)
	if !ok {
		return
	}
	ref := refTo(cj, "CronJob", "batch/v1")
	now := c.sim.clock.Now()
	status := *cj.Status.DeepCopy()

	// The Jobs it owns: the active ones its status lists, and finished
	// ones by outcome. An unfinished Job it did not start (one from
	// kubectl create job --from) is not counted as active, as upstream.
	inStatus := map[types.UID]bool{}
	for _, a := range cj.Status.Active {
		inStatus[a.UID] = true
	}
	var active, succeeded, failed []*batchv1.Job
	for _, r := range c.tracker.dependents(cj.UID) {
		if r.GVR != gvrJobs {
			continue
		}
		j, ok := c.tracker.peek(gvrJobs, r.Namespace, r.Name).(*batchv1.Job)
		if !ok || !isControlledBy(j, cj.UID) {
			continue
		}
		switch {
		case jobHasConditionTrue(j, batchv1.JobComplete):
			succeeded = append(succeeded, j)
		case jobHasConditionTrue(j, batchv1.JobFailed):
			failed = append(failed, j)
		case inStatus[j.UID]:
			active = append(active, j)
		default:
			c.recordEvent(ref, corev1.EventTypeWarning, "UnexpectedJob", "Saw a job that the controller did not create or forgot: "+j.Name, "cronjob-controller", "")
		}
	}
	// Jobs that finished since the last sync leave the active list.
	for _, a := range cj.Status.Active {
		for _, group := range []struct {
			jobs []*batchv1.Job
			cond batchv1.JobConditionType
		}{{succeeded, batchv1.JobComplete}, {failed, batchv1.JobFailed}} {
			for _, j := range group.jobs {
				if j.UID != a.UID {
					continue
				}
				c.recordEvent(ref, corev1.EventTypeNormal, "SawCompletedJob", fmt.Sprintf("Saw completed job: %s, condition: %v", j.Name, group.cond), "cronjob-controller", "")
				if group.cond == batchv1.JobComplete && j.Status.CompletionTime != nil &&
					(status.LastSuccessfulTime == nil || status.LastSuccessfulTime.Before(j.Status.CompletionTime)) {
					status.LastSuccessfulTime = j.Status.CompletionTime.DeepCopy()
				}
			}
		}
	}

	if cj.Spec.Suspend == nil || !*cj.Spec.Suspend {
		active = c.fireCronJob(req, cj, ref, active, &status, now)
	}

	status.Active = nil
	sort.Slice(active, func(i, j int) bool { return active[i].Name < active[j].Name })
	for _, j := range active {
		status.Active = append(status.Active, corev1.ObjectReference{Kind: "Job", Namespace: j.Namespace, Name: j.Name,
			UID: j.UID, APIVersion: "batch/v1", ResourceVersion: j.ResourceVersion})
	}
	c.pruneCronJobHistory(req, cj, ref, succeeded, derefInt32(cj.Spec.SuccessfulJobsHistoryLimit, 3))
	c.pruneCronJobHistory(req, cj, ref, failed, derefInt32(cj.Spec.FailedJobsHistoryLimit, 1))

	cj, _ = c.tracker.peek(gvrCronJobs, item.ns, item.name).(*batchv1.CronJob)
	if cj == nil || apiequality.Semantic.DeepEqual(cj.Status, status) {
		return
	}
	next := cj.DeepCopy()
	next.Status = status
	c.putStatus(item, gvrCronJobs, next)
}

// fireCronJob starts the Job of the latest scheduled time that has none
// yet, as the concurrency policy allows, and returns the active Jobs.
func (c *cluster) fireCronJob(req *request, cj *batchv1.CronJob, ref corev1.ObjectReference, active []*batchv1.Job, status *batchv1.CronJobStatus, now time.Time) []*batchv1.Job {
	sched, loc, err := cronSchedule(cj)
	if err != nil {
		return active
	}
	earliest := cj.CreationTimestamp.Time
	if status.LastScheduleTime != nil {
		earliest = status.LastScheduleTime.Time
	}
	due, ok := lastDue(sched, loc, earliest, now)
	if !ok {
		return active
	}
	name := cronJobName(cj, due)
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.ForbidConcurrent:
		if len(active) > 0 {
			c.recordEvent(ref, corev1.EventTypeNormal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid", "cronjob-controller", "")
			return active
		}
	case batchv1.ReplaceConcurrent:
		for _, j := range active {
			c.api.remove(req, objectRef{GVR: gvrJobs, Namespace: j.Namespace, Name: j.Name}, true)
			c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job "+j.Name, "cronjob-controller", "")
		}
		active = nil
	}
	annotations := maps.Clone(cj.Spec.JobTemplate.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[batchv1.CronJobScheduledTimestampAnnotation] = due.In(loc).Format(time.RFC3339)
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: cj.Namespace,
			Labels:          maps.Clone(cj.Spec.JobTemplate.Labels),
			Annotations:     annotations,
			OwnerReferences: []metav1.OwnerReference{controllerRef(cj, "CronJob", "batch/v1")},
		},
		Spec: *cj.Spec.JobTemplate.Spec.DeepCopy(),
	}
	obj, err := c.api.create(req, gvrJobs, cj.Namespace, job, false)
	switch {
	case apierrors.IsAlreadyExists(err):
		// This scheduled time was handled already.
	case err != nil:
		c.recordEvent(ref, corev1.EventTypeWarning, "FailedCreate", fmt.Sprintf("Error creating job: %v", err), "cronjob-controller", "")
		return active
	default:
		c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulCreate", "Created job "+name, "cronjob-controller", "")
		active = append(active, obj.(*batchv1.Job))
	}
	t := metav1.NewTime(due)
	status.LastScheduleTime = &t
	return active
}

// pruneCronJobHistory deletes the oldest finished Jobs beyond limit.
func (c *cluster) pruneCronJobHistory(req *request, cj *batchv1.CronJob, ref corev1.ObjectReference, jobs []*batchv1.Job, limit int32) {
	if int32(len(jobs)) <= limit {
		return
	}
	sort.Slice(jobs, func(i, j int) bool {
		a, b := jobs[i].Status.StartTime, jobs[j].Status.StartTime
		switch {
		case a == nil && b != nil:
			return false
		case a != nil && b == nil:
			return true
		case a != nil && b != nil && !a.Equal(b):
			return a.Before(b)
		}
		return jobs[i].Name < jobs[j].Name
	})
	for _, j := range jobs[:int32(len(jobs))-limit] {
		c.api.remove(req, objectRef{GVR: gvrJobs, Namespace: j.Namespace, Name: j.Name}, true)
		c.recordEvent(ref, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job "+j.Name, "cronjob-controller", "")
	}
}

func jobHasConditionTrue(j *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, cond := range j.Status.Conditions {
		if cond.Type == t && cond.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// defaultCronJob is SetDefaults_CronJob, with the Job template's
// defaults.
func defaultCronJob(cj *batchv1.CronJob) {
	if cj.Spec.ConcurrencyPolicy == "" {
		cj.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if cj.Spec.Suspend == nil {
		cj.Spec.Suspend = new(false)
	}
	if cj.Spec.SuccessfulJobsHistoryLimit == nil {
		cj.Spec.SuccessfulJobsHistoryLimit = new(int32(3))
	}
	if cj.Spec.FailedJobsHistoryLimit == nil {
		cj.Spec.FailedJobsHistoryLimit = new(int32(1))
	}
	spec := &cj.Spec.JobTemplate.Spec
	if spec.BackoffLimit == nil {
		spec.BackoffLimit = new(int32(6))
	}
	if spec.CompletionMode == nil {
		spec.CompletionMode = new(batchv1.NonIndexedCompletion)
	}
	if spec.Suspend == nil {
		spec.Suspend = new(false)
	}
	if spec.PodReplacementPolicy == nil {
		spec.PodReplacementPolicy = new(batchv1.TerminatingOrFailed)
	}
	defaultPodSpec(&spec.Template.Spec)
}

// validateCronJob is validateCronJobSpec, for what the simulator reads.
func validateCronJob(cj *batchv1.CronJob) field.ErrorList {
	p := field.NewPath("spec")
	var errs field.ErrorList
	switch {
	case cj.Spec.Schedule == "":
		errs = append(errs, field.Required(p.Child("schedule"), ""))
	default:
		if _, err := parseCron(cj.Spec.Schedule); err != nil {
			errs = append(errs, field.Invalid(p.Child("schedule"), cj.Spec.Schedule, err.Error()))
		}
		if strings.Contains(cj.Spec.Schedule, "TZ") {
			errs = append(errs, field.Invalid(p.Child("schedule"), cj.Spec.Schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
		}
	}
	if tz := cj.Spec.TimeZone; tz != nil {
		if _, err := time.LoadLocation(*tz); err != nil {
			errs = append(errs, field.Invalid(p.Child("timeZone"), *tz, err.Error()))
		}
	}
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
	default:
		errs = append(errs, field.NotSupported(p.Child("concurrencyPolicy"), cj.Spec.ConcurrencyPolicy,
			[]string{string(batchv1.AllowConcurrent), string(batchv1.ForbidConcurrent), string(batchv1.ReplaceConcurrent)}))
	}
	tmpl := p.Child("jobTemplate", "spec")
	errs = append(errs, validateRestartPolicy(&cj.Spec.JobTemplate.Spec.Template, tmpl, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)...)
	errs = append(errs, validatePodSpec(&cj.Spec.JobTemplate.Spec.Template.Spec, tmpl.Child("template", "spec"))...)
	for name, v := range map[string]*int32{"successfulJobsHistoryLimit": cj.Spec.SuccessfulJobsHistoryLimit, "failedJobsHistoryLimit": cj.Spec.FailedJobsHistoryLimit} {
		if v != nil && *v < 0 {
			errs = append(errs, field.Invalid(p.Child(name), *v, "must be greater than or equal to 0"))
		}
	}
	return errs
}
