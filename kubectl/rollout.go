package kubectl

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

var kubectlRolloutCommands = []string{"history", "pause", "restart", "resume", "status", "undo"}

// restartedAtAnnotation is what `rollout restart` sets on the pod
// template, which makes the deployment roll out new pods.
const restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// kubeRolloutWaitLimit bounds `rollout status` without --timeout (kubectl
// would wait forever; the virtual clock needs an end).
const kubeRolloutWaitLimit = 10 * time.Minute

// rollout is `kubectl rollout restart|status`, for deployments.
func (k *kubectlRun) rollout(args []string) error {
	name, rest, ok := kubectlSplitCommand(args)
	if !ok {
		k.newFlags("kubectl rollout")
		if _, err := k.parse(args); err != nil || k.help {
			return err
		}
		fmt.Fprintf(k.out, "Manage the rollout of one or many resources.\n\nAvailable Commands:\n")
		for _, c := range kubectlRolloutCommands {
			fmt.Fprintf(k.out, "  %s\n", c)
		}
		return kubectlSilentExit{}
	}
	switch name {
	case "restart":
		return k.rolloutRestart(rest)
	case "status":
		return k.rolloutStatus(rest)
	}
	if slices.Contains(kubectlRolloutCommands, name) {
		return notEmulated("kubectl rollout "+name, "restart", "status")
	}
	k.newFlags("kubectl rollout")
	return k.nestedUnknownCommand(append([]string{name}, rest...))
}

// rolloutKinds are the kinds rollout restart and status handle.
var rolloutKinds = []string{"Deployment", "StatefulSet", "DaemonSet"}

// rolloutWorkloads parses the flags of a rollout command and resolves
// the workloads it names (with the -l selector, when the command has
// one): it returns the client, the workloads and the errors of those not
// found. With --help it returns nothing.
func (k *kubectlRun) rolloutWorkloads(args []string, selector *string, restart bool) (kubernetes.Interface, []workload, []error, error) {
	pos, err := k.parse(args)
	if err != nil || k.help {
		return nil, nil, nil, err
	}
	if len(pos) == 0 {
		return nil, nil, nil, errors.New("required resource not specified")
	}
	cs, rargs, err := k.clientAndResources(pos)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, a := range rargs {
		if slices.Contains(rolloutKinds, a.res.kind) {
			continue
		}
		if !restart {
			return nil, nil, nil, fmt.Errorf("no status viewer has been implemented for %s", a.res.kind)
		}
		gr := a.res.groupResource()
		return nil, nil, nil, fmt.Errorf("%s %q restarting is not supported", gr.String(), a.name)
	}
	sel := ""
	if selector != nil {
		sel = *selector
	}
	sections, missing, err := k.fetch(cs, rargs, kubeQuery{selector: sel})
	if err != nil {
		return nil, nil, nil, err
	}
	var out []workload
	for _, s := range sections {
		for _, obj := range s.objs {
			out = append(out, workload{res: s.res, obj: obj})
		}
	}
	return cs, out, missing, nil
}

// workload is a deployment, statefulset or daemonset a rollout names.
type workload struct {
	res *kubeResource
	obj runtime.Object
}

func (w workload) meta() metav1.Object { return kubeMeta(w.obj) }

// template is the workload's pod template.
func (w workload) template() *corev1.PodTemplateSpec {
	switch o := w.obj.(type) {
	case *appsv1.Deployment:
		return &o.Spec.Template
	case *appsv1.StatefulSet:
		return &o.Spec.Template
	case *appsv1.DaemonSet:
		return &o.Spec.Template
	}
	return &corev1.PodTemplateSpec{}
}

func (k *kubectlRun) rolloutRestart(args []string) error {
	fs := k.newFlags("kubectl rollout restart")
	selector := fs.StringP("selector", "l", "", "Selector (label query) to filter on")
	cs, objs, errs, err := k.rolloutWorkloads(args, selector, true)
	if err != nil || k.help {
		return err
	}
	if len(objs) == 0 && len(errs) == 0 {
		fmt.Fprintf(k.errOut, "No resources found in %s namespace.\n", k.namespace())
		return nil
	}
	stamp := k.host.Now().Format(time.RFC3339)
	for _, w := range objs {
		m := w.meta()
		if d, ok := w.obj.(*appsv1.Deployment); ok && d.Spec.Paused {
			errs = append(errs, fmt.Errorf("deployments.apps %q can't restart paused deployment (run rollout resume first)", d.Name))
			continue
		}
		if w.template().Annotations[restartedAtAnnotation] == stamp {
			errs = append(errs, fmt.Errorf("failed to create patch for %s: if restart has already been triggered within the past second, please wait before attempting to trigger another", m.GetName()))
			continue
		}
		patch, err := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{
			"metadata": map[string]any{"annotations": map[string]string{restartedAtAnnotation: stamp}}}}})
		if err != nil {
			return err
		}
		if _, err := w.res.client(cs, m.GetNamespace()).Patch(k.ctx, m.GetName(), types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(k.out, "%s/%s restarted\n", w.res.nameKind(), m.GetName())
	}
	return joinKubectlErrors(errs)
}

// rolloutStatusLine is kubectl's status viewer of the workload's kind
// (polymorphichelpers/rollout_status.go): the line to print and whether
// the rollout is done.
func rolloutStatusLine(obj runtime.Object) (string, bool, error) {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return deploymentRolloutStatus(o)
	case *appsv1.StatefulSet:
		return statefulSetRolloutStatus(o)
	case *appsv1.DaemonSet:
		return daemonSetRolloutStatus(o)
	}
	return "", false, fmt.Errorf("no status viewer has been implemented for %T", obj)
}

// deploymentRolloutStatus is kubectl's reading of a deployment's
// progress: the line to print and whether the rollout is done.
func deploymentRolloutStatus(d *appsv1.Deployment) (string, bool, error) {
	if d.Generation > d.Status.ObservedGeneration {
		return "Waiting for deployment spec update to be observed...", false, nil
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return "", false, fmt.Errorf("deployment %q exceeded its progress deadline", d.Name)
		}
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	st := d.Status
	switch {
	case st.UpdatedReplicas < want:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d out of %d new replicas have been updated...", d.Name, st.UpdatedReplicas, want), false, nil
	case st.Replicas > st.UpdatedReplicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d old replicas are pending termination...", d.Name, st.Replicas-st.UpdatedReplicas), false, nil
	case st.AvailableReplicas < st.UpdatedReplicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d of %d updated replicas are available...", d.Name, st.AvailableReplicas, st.UpdatedReplicas), false, nil
	}
	return fmt.Sprintf("deployment %q successfully rolled out", d.Name), true, nil
}

// statefulSetRolloutStatus is StatefulSetStatusViewer.Status.
func statefulSetRolloutStatus(sts *appsv1.StatefulSet) (string, bool, error) {
	if sts.Spec.UpdateStrategy.Type != appsv1.RollingUpdateStatefulSetStrategyType {
		return "", true, fmt.Errorf("rollout status is only available for %s strategy type", appsv1.RollingUpdateStatefulSetStrategyType)
	}
	if sts.Status.ObservedGeneration == 0 || sts.Generation > sts.Status.ObservedGeneration {
		return "Waiting for statefulset spec update to be observed...", false, nil
	}
	if sts.Spec.Replicas != nil && sts.Status.ReadyReplicas < *sts.Spec.Replicas {
		return fmt.Sprintf("Waiting for %d pods to be ready...", *sts.Spec.Replicas-sts.Status.ReadyReplicas), false, nil
	}
	if ru := sts.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		if sts.Spec.Replicas != nil && ru.Partition != nil && sts.Status.UpdatedReplicas < *sts.Spec.Replicas-*ru.Partition {
			return fmt.Sprintf("Waiting for partitioned roll out to finish: %d out of %d new pods have been updated...",
				sts.Status.UpdatedReplicas, *sts.Spec.Replicas-*ru.Partition), false, nil
		}
		return fmt.Sprintf("partitioned roll out complete: %d new pods have been updated...", sts.Status.UpdatedReplicas), true, nil
	}
	if sts.Status.UpdateRevision != sts.Status.CurrentRevision {
		return fmt.Sprintf("waiting for statefulset rolling update to complete %d pods at revision %s...",
			sts.Status.UpdatedReplicas, sts.Status.UpdateRevision), false, nil
	}
	return fmt.Sprintf("statefulset rolling update complete %d pods at revision %s...", sts.Status.CurrentReplicas, sts.Status.CurrentRevision), true, nil
}

// daemonSetRolloutStatus is DaemonSetStatusViewer.Status.
func daemonSetRolloutStatus(ds *appsv1.DaemonSet) (string, bool, error) {
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType {
		return "", true, fmt.Errorf("rollout status is only available for %s strategy type", appsv1.RollingUpdateStatefulSetStrategyType)
	}
	if ds.Generation > ds.Status.ObservedGeneration {
		return "Waiting for daemon set spec update to be observed...", false, nil
	}
	st := ds.Status
	if st.UpdatedNumberScheduled < st.DesiredNumberScheduled {
		return fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d out of %d new pods have been updated...", ds.Name, st.UpdatedNumberScheduled, st.DesiredNumberScheduled), false, nil
	}
	if st.NumberAvailable < st.DesiredNumberScheduled {
		return fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d of %d updated pods are available...", ds.Name, st.NumberAvailable, st.DesiredNumberScheduled), false, nil
	}
	return fmt.Sprintf("daemon set %q successfully rolled out", ds.Name), true, nil
}

// rolloutStatus is `kubectl rollout status TYPE NAME`. kubectl watches
// until the rollout is done; here the wait runs on the backend's clock,
// one second at a time, printing each new status line, until the
// rollout is done or --timeout (default: 10 minutes) passes. With
// --watch=false it prints the current line once.
func (k *kubectlRun) rolloutStatus(args []string) error {
	fs := k.newFlags("kubectl rollout status")
	watch := fs.BoolP("watch", "w", true, "Watch the status of the rollout until it's done.")
	timeout := fs.Duration("timeout", 0, "The length of time to wait before ending watch, zero means a 10m limit on the virtual clock")
	cs, objs, missing, err := k.rolloutWorkloads(args, nil, false)
	if err != nil || k.help {
		return err
	}
	if len(missing) > 0 {
		return joinKubectlErrors(missing)
	}
	if len(objs) != 1 {
		return errors.New("rollout status is only supported on individual resources and resource collections are not supported yet")
	}
	w := objs[0]
	limit := *timeout
	if limit <= 0 {
		limit = kubeRolloutWaitLimit
	}
	m := w.meta()
	c := w.res.client(cs, m.GetNamespace())
	name := m.GetName()
	obj := w.obj
	last := ""
	for waited := time.Duration(0); ; waited += time.Second {
		line, done, err := rolloutStatusLine(obj)
		if err != nil {
			return err
		}
		if line != last {
			fmt.Fprintln(k.out, line)
			last = line
		}
		if done || !*watch {
			return nil
		}
		if waited >= limit {
			return errors.New("timed out waiting for the condition")
		}
		if err := k.host.Advance(k.ctx, time.Second); err != nil {
			return err
		}
		obj, err = c.Get(k.ctx, name)
		if err != nil {
			return err
		}
	}
}
