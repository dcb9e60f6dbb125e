package sim

import (
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/meshtwin/meshtwin/model"
)

// Defaulting and validation for the kinds the simulator gives behaviour
// to: a subset of what the API server does, enough that objects read back
// look like a real cluster's and bad requests fail the same way.

func derefInt32(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

// defaultPodSpec applies the defaults every pod spec (and pod template)
// gets.
func defaultPodSpec(spec *corev1.PodSpec) {
	if spec.RestartPolicy == "" {
		spec.RestartPolicy = corev1.RestartPolicyAlways
	}
	if spec.DNSPolicy == "" {
		spec.DNSPolicy = corev1.DNSClusterFirst
	}
	if spec.SchedulerName == "" {
		spec.SchedulerName = corev1.DefaultSchedulerName
	}
	if spec.TerminationGracePeriodSeconds == nil {
		spec.TerminationGracePeriodSeconds = new(int64(30))
	}
	if spec.SecurityContext == nil {
		spec.SecurityContext = &corev1.PodSecurityContext{}
	}
	for i := range spec.InitContainers {
		defaultContainer(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		defaultContainer(&spec.Containers[i])
	}
}

func defaultContainer(c *corev1.Container) {
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = corev1.PullIfNotPresent
		if imageTagIsLatest(c.Image) {
			c.ImagePullPolicy = corev1.PullAlways
		}
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		defaultProbe(p)
	}
}

func imageTagIsLatest(image string) bool {
	if strings.Contains(image, "@") {
		return false
	}
	last := image[strings.LastIndex(image, "/")+1:]
	i := strings.LastIndex(last, ":")
	return i < 0 || last[i+1:] == "latest"
}

func defaultProbe(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	if p.HTTPGet != nil && p.HTTPGet.Scheme == "" {
		p.HTTPGet.Scheme = corev1.URISchemeHTTP
	}
}

// defaultPod applies what the API server and its built-in admission
// plugins add to a pod (service account, priority, default tolerations).
func defaultPod(pod *corev1.Pod) {
	defaultPodSpec(&pod.Spec)
	spec := &pod.Spec
	if spec.ServiceAccountName == "" {
		spec.ServiceAccountName = "default"
	}
	//nolint:staticcheck // the deprecated field is still filled by the API server
	spec.DeprecatedServiceAccount = spec.ServiceAccountName
	if spec.EnableServiceLinks == nil {
		spec.EnableServiceLinks = new(true)
	}
	if spec.Priority == nil {
		spec.Priority = new(int32(0))
	}
	if spec.PreemptionPolicy == nil {
		spec.PreemptionPolicy = new(corev1.PreemptLowerPriority)
	}
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		found := false
		for _, t := range spec.Tolerations {
			if t.Key == key && (t.Effect == corev1.TaintEffectNoExecute || t.Effect == "") {
				found = true
			}
		}
		if !found {
			spec.Tolerations = append(spec.Tolerations, corev1.Toleration{
				Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute,
				TolerationSeconds: new(int64(300)),
			})
		}
	}
}

// validatePodSpec checks what every pod must have: containers with
// unique DNS-label names and images.
func validatePodSpec(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), ""))
	}
	names := sets.New[string]()
	check := func(cs []corev1.Container, cp *field.Path) {
		for i, c := range cs {
			ip := cp.Index(i)
			switch {
			case c.Name == "":
				errs = append(errs, field.Required(ip.Child("name"), ""))
			case names.Has(c.Name):
				errs = append(errs, field.Duplicate(ip.Child("name"), c.Name))
			default:
				for _, msg := range model.DNS1123LabelProblems(c.Name) {
					errs = append(errs, field.Invalid(ip.Child("name"), c.Name, msg))
				}
			}
			names.Insert(c.Name)
			if strings.TrimSpace(c.Image) == "" {
				errs = append(errs, field.Required(ip.Child("image"), ""))
			}
		}
	}
	check(spec.InitContainers, p.Child("initContainers"))
	check(spec.Containers, p.Child("containers"))
	return errs
}

// validatePodUpdate enforces the pod spec's immutability: only images,
// activeDeadlineSeconds and added tolerations may change.
func validatePodUpdate(old, pod *corev1.Pod) field.ErrorList {
	defaultPodSpec(&pod.Spec)
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = old.Spec.ServiceAccountName
		//nolint:staticcheck // the deprecated field is still filled by the API server
		pod.Spec.DeprecatedServiceAccount = old.Spec.DeprecatedServiceAccount
	}
	if pod.Spec.NodeName == "" {
		pod.Spec.NodeName = old.Spec.NodeName
	}
	a := old.Spec.DeepCopy()
	b := pod.Spec.DeepCopy()
	for _, s := range []*corev1.PodSpec{a, b} {
		for i := range s.Containers {
			s.Containers[i].Image = ""
		}
		for i := range s.InitContainers {
			s.InitContainers[i].Image = ""
		}
		s.ActiveDeadlineSeconds = nil
		s.Tolerations = nil
	}
	if !apiequality.Semantic.DeepEqual(a, b) {
		return field.ErrorList{field.Forbidden(field.NewPath("spec"),
			"pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")}
	}
	return nil
}

func defaultDeployment(d *appsv1.Deployment) {
	if d.Spec.Replicas == nil {
		d.Spec.Replicas = new(int32(1))
	}
	if d.Spec.Strategy.Type == "" {
		d.Spec.Strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if d.Spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if d.Spec.Strategy.RollingUpdate == nil {
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		if d.Spec.Strategy.RollingUpdate.MaxSurge == nil {
			d.Spec.Strategy.RollingUpdate.MaxSurge = new(intstr.FromString("25%"))
		}
		if d.Spec.Strategy.RollingUpdate.MaxUnavailable == nil {
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = new(intstr.FromString("25%"))
		}
	}
	if d.Spec.RevisionHistoryLimit == nil {
		d.Spec.RevisionHistoryLimit = new(int32(10))
	}
	if d.Spec.ProgressDeadlineSeconds == nil {
		d.Spec.ProgressDeadlineSeconds = new(int32(600))
	}
	defaultPodSpec(&d.Spec.Template.Spec)
}

func defaultReplicaSet(rs *appsv1.ReplicaSet) {
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = new(int32(1))
	}
	defaultPodSpec(&rs.Spec.Template.Spec)
}

// Job labels, as the Job API server and controller set them.
const (
	labelJobName             = "batch.kubernetes.io/job-name"
	labelJobControllerUID    = "batch.kubernetes.io/controller-uid"
	labelLegacyJobName       = "job-name"
	labelLegacyControllerUID = "controller-uid"
)

func defaultJob(j *batchv1.Job) {
	if j.Spec.Parallelism == nil {
		j.Spec.Parallelism = new(int32(1))
	}
	if j.Spec.Completions == nil {
		j.Spec.Completions = new(int32(1))
	}
	if j.Spec.BackoffLimit == nil {
		j.Spec.BackoffLimit = new(int32(6))
	}
	if j.Spec.CompletionMode == nil {
		j.Spec.CompletionMode = new(batchv1.NonIndexedCompletion)
	}
	if j.Spec.Suspend == nil {
		j.Spec.Suspend = new(false)
	}
	if j.Spec.PodReplacementPolicy == nil {
		j.Spec.PodReplacementPolicy = new(batchv1.TerminatingOrFailed)
	}
	if j.Spec.ManualSelector == nil || !*j.Spec.ManualSelector {
		uid := string(j.UID)
		if j.Spec.Selector == nil {
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{labelJobControllerUID: uid}}
		}
		if j.Spec.Template.Labels == nil {
			j.Spec.Template.Labels = map[string]string{}
		}
		for k, v := range map[string]string{
			labelJobControllerUID: uid, labelJobName: j.Name,
			labelLegacyControllerUID: uid, labelLegacyJobName: j.Name,
		} {
			if _, ok := j.Spec.Template.Labels[k]; !ok {
				j.Spec.Template.Labels[k] = v
			}
		}
	}
	defaultPodSpec(&j.Spec.Template.Spec)
}

// validateSelectorTemplate checks a workload's selector against its pod
// template's labels.
func validateSelectorTemplate(sel *metav1.LabelSelector, tmpl *corev1.PodTemplateSpec, p *field.Path) field.ErrorList {
	return validateSelectorTemplateOf("deployment", sel, tmpl, p)
}

// validateSelectorTemplateOf is validateSelectorTemplate with the kind
// the API server names when the selector is empty ("empty selector is
// invalid for statefulset").
func validateSelectorTemplateOf(kind string, sel *metav1.LabelSelector, tmpl *corev1.PodTemplateSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, metav1validation.ValidateLabels(tmpl.Labels, p.Child("template", "metadata", "labels"))...)
	errs = append(errs, apivalidation.ValidateAnnotations(tmpl.Annotations, p.Child("template", "metadata", "annotations"))...)
	if sel == nil {
		return append(errs, field.Required(p.Child("selector"), ""))
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	switch {
	case err != nil:
		errs = append(errs, field.Invalid(p.Child("selector"), sel, err.Error()))
	case s.Empty():
		errs = append(errs, field.Invalid(p.Child("selector"), sel, "empty selector is invalid for "+kind))
	case !s.Matches(labels.Set(tmpl.Labels)):
		errs = append(errs, field.Invalid(p.Child("template", "metadata", "labels"), tmpl.Labels, "`selector` does not match template `labels`"))
	}
	return errs
}

func validateReplicas(r *int32, p *field.Path) field.ErrorList {
	if r != nil && *r < 0 {
		return field.ErrorList{field.Invalid(p, *r, "must be greater than or equal to 0")}
	}
	return nil
}

func validateRestartPolicy(tmpl *corev1.PodTemplateSpec, p *field.Path, allowed ...corev1.RestartPolicy) field.ErrorList {
	got := tmpl.Spec.RestartPolicy
	for _, a := range allowed {
		if got == a {
			return nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return field.ErrorList{field.NotSupported(p.Child("template", "spec", "restartPolicy"), got, names)}
}

func validateDeployment(d, old *appsv1.Deployment) field.ErrorList {
	p := field.NewPath("spec")
	errs := validateReplicas(d.Spec.Replicas, p.Child("replicas"))
	errs = append(errs, validateSelectorTemplate(d.Spec.Selector, &d.Spec.Template, p)...)
	errs = append(errs, validateRestartPolicy(&d.Spec.Template, p, corev1.RestartPolicyAlways)...)
	errs = append(errs, validatePodSpec(&d.Spec.Template.Spec, p.Child("template", "spec"))...)
	switch d.Spec.Strategy.Type {
	case appsv1.RollingUpdateDeploymentStrategyType, appsv1.RecreateDeploymentStrategyType:
	default:
		errs = append(errs, field.NotSupported(p.Child("strategy", "type"), d.Spec.Strategy.Type,
			[]string{string(appsv1.RecreateDeploymentStrategyType), string(appsv1.RollingUpdateDeploymentStrategyType)}))
	}
	if old != nil && !apiequality.Semantic.DeepEqual(old.Spec.Selector, d.Spec.Selector) {
		errs = append(errs, field.Invalid(p.Child("selector"), d.Spec.Selector, "field is immutable"))
	}
	return errs
}

func validateReplicaSet(rs, old *appsv1.ReplicaSet) field.ErrorList {
	p := field.NewPath("spec")
	errs := validateReplicas(rs.Spec.Replicas, p.Child("replicas"))
	errs = append(errs, validateSelectorTemplate(rs.Spec.Selector, &rs.Spec.Template, p)...)
	errs = append(errs, validateRestartPolicy(&rs.Spec.Template, p, corev1.RestartPolicyAlways)...)
	errs = append(errs, validatePodSpec(&rs.Spec.Template.Spec, p.Child("template", "spec"))...)
	if old != nil && !apiequality.Semantic.DeepEqual(old.Spec.Selector, rs.Spec.Selector) {
		errs = append(errs, field.Invalid(p.Child("selector"), rs.Spec.Selector, "field is immutable"))
	}
	return errs
}

func validateJob(j, old *batchv1.Job) field.ErrorList {
	p := field.NewPath("spec")
	var errs field.ErrorList
	for name, v := range map[string]*int32{"parallelism": j.Spec.Parallelism, "completions": j.Spec.Completions, "backoffLimit": j.Spec.BackoffLimit} {
		if v != nil && *v < 0 {
			errs = append(errs, field.Invalid(p.Child(name), *v, "must be greater than or equal to 0"))
		}
	}
	errs = append(errs, validateSelectorTemplate(j.Spec.Selector, &j.Spec.Template, p)...)
	errs = append(errs, validateRestartPolicy(&j.Spec.Template, p, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)...)
	errs = append(errs, validatePodSpec(&j.Spec.Template.Spec, p.Child("template", "spec"))...)
	if old != nil {
		if !apiequality.Semantic.DeepEqual(old.Spec.Selector, j.Spec.Selector) {
			errs = append(errs, field.Invalid(p.Child("selector"), j.Spec.Selector, "field is immutable"))
		}
		if !apiequality.Semantic.DeepEqual(old.Spec.Template, j.Spec.Template) {
			errs = append(errs, field.Invalid(p.Child("template"), fmt.Sprintf("%s/%s", j.Namespace, j.Name), "field is immutable"))
		}
	}
	return errs
}

// defaultStatefulSet is SetDefaults_StatefulSet; maxUnavailable is
// defaulted from Kubernetes 1.37, where MaxUnavailableStatefulSet is on
// by default.
func (a *apiServer) defaultStatefulSet(set *appsv1.StatefulSet) {
	if set.Spec.PodManagementPolicy == "" {
		set.Spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	if set.Spec.UpdateStrategy.Type == "" {
		set.Spec.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
		if set.Spec.UpdateStrategy.RollingUpdate == nil {
			set.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
	}
	if ru := set.Spec.UpdateStrategy.RollingUpdate; set.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType && ru != nil {
		if ru.Partition == nil {
			ru.Partition = new(int32(0))
		}
		if ru.MaxUnavailable == nil && a.cluster != nil && a.cluster.info.KubeVersion.AtLeast(1, 37) {
			ru.MaxUnavailable = new(intstr.FromInt32(1))
		}
	}
	if set.Spec.PersistentVolumeClaimRetentionPolicy == nil {
		set.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	if p := set.Spec.PersistentVolumeClaimRetentionPolicy; p.WhenDeleted == "" {
		p.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if p := set.Spec.PersistentVolumeClaimRetentionPolicy; p.WhenScaled == "" {
		p.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if set.Spec.Replicas == nil {
		set.Spec.Replicas = new(int32(1))
	}
	if set.Spec.RevisionHistoryLimit == nil {
		set.Spec.RevisionHistoryLimit = new(int32(10))
	}
	for i := range set.Spec.VolumeClaimTemplates {
		defaultClaimSpec(&set.Spec.VolumeClaimTemplates[i].Spec)
	}
	defaultPodSpec(&set.Spec.Template.Spec)
}

// defaultDaemonSet is SetDefaults_DaemonSet.
func defaultDaemonSet(set *appsv1.DaemonSet) {
	st := &set.Spec.UpdateStrategy
	if st.Type == "" {
		st.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if st.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if st.RollingUpdate == nil {
			st.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		if st.RollingUpdate.MaxUnavailable == nil {
			st.RollingUpdate.MaxUnavailable = new(intstr.FromInt32(1))
		}
		if st.RollingUpdate.MaxSurge == nil {
			st.RollingUpdate.MaxSurge = new(intstr.FromInt32(0))
		}
	}
	if set.Spec.RevisionHistoryLimit == nil {
		set.Spec.RevisionHistoryLimit = new(int32(10))
	}
	defaultPodSpec(&set.Spec.Template.Spec)
}

func defaultClaimSpec(spec *corev1.PersistentVolumeClaimSpec) {
	if spec.VolumeMode == nil {
		spec.VolumeMode = new(corev1.PersistentVolumeFilesystem)
	}
}

// pendClaim is a new claim as the API server stores it and the
// persistent volume controller leaves it on ACK, which marks no
// StorageClass as the default: no PersistentVolume is there to bind it
// and nothing provisions one, so it stays Pending (its spec defaulted).
func pendClaim(pvc *corev1.PersistentVolumeClaim) {
	defaultClaimSpec(&pvc.Spec)
	pvc.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
}

// claimPendingEvent is the event the persistent volume controller
// (pv_controller.go syncUnboundClaim) records on a claim it cannot bind:
// its type, reason and message.
func claimPendingEvent(pvc *corev1.PersistentVolumeClaim) (string, string, string) {
	if class := pvc.Spec.StorageClassName; class != nil && *class != "" {
		return corev1.EventTypeWarning, "ProvisioningFailed", fmt.Sprintf("storageclass.storage.k8s.io %q not found", *class)
	}
	return corev1.EventTypeNormal, "FailedBinding", "no persistent volumes available for this claim and no storage class is set"
}

// validateStatefulSet is ValidateStatefulSetSpec (and, with old, the
// update's immutable fields), in its order, for what the simulator
// reads.
func validateStatefulSet(set, old *appsv1.StatefulSet) field.ErrorList {
	p := field.NewPath("spec")
	var errs field.ErrorList
	switch set.Spec.PodManagementPolicy {
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.Invalid(p.Child("podManagementPolicy"), set.Spec.PodManagementPolicy,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement)))
	}
	switch set.Spec.UpdateStrategy.Type {
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil && *ru.Partition < 0 {
			errs = append(errs, field.Invalid(p.Child("updateStrategy", "rollingUpdate", "partition"), *ru.Partition, "must be greater than or equal to 0"))
		}
	case appsv1.OnDeleteStatefulSetStrategyType:
		if set.Spec.UpdateStrategy.RollingUpdate != nil {
			errs = append(errs, field.Invalid(p.Child("updateStrategy").Child("rollingUpdate"), set.Spec.UpdateStrategy.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType)))
		}
	default:
		errs = append(errs, field.Invalid(p.Child("updateStrategy"), set.Spec.UpdateStrategy,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType)))
	}
	errs = append(errs, validateReplicas(set.Spec.Replicas, p.Child("replicas"))...)
	if name := set.Spec.ServiceName; name != "" {
		for _, msg := range validation.IsDNS1123Label(name) {
			errs = append(errs, field.Invalid(p.Child("serviceName"), name, msg))
		}
	}
	if sel := set.Spec.Selector; sel == nil {
		errs = append(errs, field.Required(p.Child("selector"), ""))
	} else {
		errs = append(errs, validateSelectorTemplateOf("statefulset", sel, &set.Spec.Template, p)...)
	}
	errs = append(errs, validateRestartPolicy(&set.Spec.Template, p, corev1.RestartPolicyAlways)...)
	errs = append(errs, validatePodSpec(&set.Spec.Template.Spec, p.Child("template", "spec"))...)
	if old != nil {
		for _, f := range []struct {
			name     string
			old, new any
		}{
			{"selector", old.Spec.Selector, set.Spec.Selector},
			{"volumeClaimTemplates", old.Spec.VolumeClaimTemplates, set.Spec.VolumeClaimTemplates},
			{"serviceName", old.Spec.ServiceName, set.Spec.ServiceName},
			{"podManagementPolicy", old.Spec.PodManagementPolicy, set.Spec.PodManagementPolicy},
		} {
			if !apiequality.Semantic.DeepEqual(f.old, f.new) {
				errs = append(errs, field.Invalid(p.Child(f.name), f.new, "field is immutable"))
			}
		}
	}
	return errs
}

// validateDaemonSet is ValidateDaemonSetSpec (and, with old, the
// immutable selector), for what the simulator reads.
func validateDaemonSet(set, old *appsv1.DaemonSet) field.ErrorList {
	p := field.NewPath("spec")
	errs := validateSelectorTemplateOf("daemonset", set.Spec.Selector, &set.Spec.Template, p)
	errs = append(errs, validateRestartPolicy(&set.Spec.Template, p, corev1.RestartPolicyAlways)...)
	errs = append(errs, validatePodSpec(&set.Spec.Template.Spec, p.Child("template", "spec"))...)
	switch set.Spec.UpdateStrategy.Type {
	case appsv1.RollingUpdateDaemonSetStrategyType, appsv1.OnDeleteDaemonSetStrategyType:
	default:
		errs = append(errs, field.NotSupported(p.Child("updateStrategy", "type"), set.Spec.UpdateStrategy.Type,
			[]string{string(appsv1.OnDeleteDaemonSetStrategyType), string(appsv1.RollingUpdateDaemonSetStrategyType)}))
	}
	if old != nil && !apiequality.Semantic.DeepEqual(old.Spec.Selector, set.Spec.Selector) {
		errs = append(errs, field.Invalid(p.Child("selector"), set.Spec.Selector, "field is immutable"))
	}
	return errs
}

// defaultMutatingWebhookConfiguration sets what the API server defaults
// in admissionregistration/v1 (pkg/apis/admissionregistration/v1/
// defaults.go): failurePolicy Fail, matchPolicy Equivalent, empty
// namespace and object selectors, timeoutSeconds 10, reinvocationPolicy
// Never, rule scope "*", service port 443.
func defaultMutatingWebhookConfiguration(c *admissionregistrationv1.MutatingWebhookConfiguration) {
	for i := range c.Webhooks {
		w := &c.Webhooks[i]
		if w.FailurePolicy == nil {
			w.FailurePolicy = new(admissionregistrationv1.Fail)
		}
		if w.MatchPolicy == nil {
			w.MatchPolicy = new(admissionregistrationv1.Equivalent)
		}
		if w.NamespaceSelector == nil {
			w.NamespaceSelector = &metav1.LabelSelector{}
		}
		if w.ObjectSelector == nil {
			w.ObjectSelector = &metav1.LabelSelector{}
		}
		if w.TimeoutSeconds == nil {
			w.TimeoutSeconds = new(int32(10))
		}
		if w.ReinvocationPolicy == nil {
			w.ReinvocationPolicy = new(admissionregistrationv1.NeverReinvocationPolicy)
		}
		for j := range w.Rules {
			if w.Rules[j].Scope == nil {
				w.Rules[j].Scope = new(admissionregistrationv1.AllScopes)
			}
		}
		if s := w.ClientConfig.Service; s != nil && s.Port == nil {
			s.Port = new(int32(443))
		}
	}
}
