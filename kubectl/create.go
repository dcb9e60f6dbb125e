package kubectl

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
)

// kubectlCreateCommands are kubectl's `create` subcommands, for
// suggestions; namespace, deployment and job are emulated.
var kubectlCreateCommands = []string{
	"clusterrole", "clusterrolebinding", "configmap", "cronjob", "deployment",
	"ingress", "job", "namespace", "poddisruptionbudget", "priorityclass",
	"quota", "role", "rolebinding", "secret", "service", "serviceaccount", "token",
}

// create is `kubectl create -f FILE` or `kubectl create namespace|deployment|job`.
func (k *kubectlRun) create(args []string) error {
	name, rest, ok := kubectlSplitCommand(args)
	if !ok {
		return k.createFromFiles(args)
	}
	switch name {
	case "namespace", "ns":
		return k.createNamespace(rest)
	case "deployment", "deploy":
		return k.createDeployment(rest)
	case "job":
		return k.createJob(rest)
	}
	if slices.Contains(kubectlCreateCommands, name) {
		return notEmulated("kubectl create "+name, "namespace", "deployment", "job", "-f FILE")
	}
	k.newFlags("kubectl create")
	return k.usageErrorf("Unexpected args: %v", append([]string{name}, rest...))
}

// kubeCreateFlags are the flags every generator shares.
type kubeCreateFlags struct {
	dryRun *string
	output *string
}

func (k *kubectlRun) addCreateFlags() kubeCreateFlags {
	return kubeCreateFlags{
		dryRun: k.fs.String("dry-run", "none", `Must be "none", "server", or "client". If client strategy, only print the object that would be sent`),
		output: k.fs.StringP("output", "o", "", "Output format. One of: (json, yaml, name)."),
	}
}

// checkCreateFlags reads --dry-run and -o as kubectl does: a bare
// --dry-run means client, and only the printers of single objects are
// allowed.
func (k *kubectlRun) checkCreateFlags(f kubeCreateFlags) (string, kubeOutput, error) {
	dry := *f.dryRun
	if dry == "" {
		dry = "client"
	}
	if dry != "none" && dry != "client" && dry != "server" {
		return "", kubeOutput{}, fmt.Errorf("Invalid dry-run value (%s). Must be \"none\", \"server\", or \"client\".", *f.dryRun)
	}
	out, err := parseKubeOutput(*f.output)
	if err != nil {
		return "", kubeOutput{}, err
	}
	if out.format == "wide" || out.format == "custom-columns" {
		return "", kubeOutput{}, fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,jsonpath,name,yaml", *f.output)
	}
	return dry, out, nil
}

// serverDryRun is the request's dryRun for a --dry-run value.
func serverDryRun(dry string) []string {
	if dry == "server" {
		return []string{metav1.DryRunAll}
	}
	return nil
}

// dryRunSuffix is what kubectl appends to "created" and the like.
func dryRunSuffix(dry string) string {
	switch dry {
	case "client":
		return " (dry run)"
	case "server":
		return " (server dry run)"
	}
	return ""
}

// createGenerated sends (or, with --dry-run=client, only prints) an
// object a generator built, and reports it as kubectl does.
func (k *kubectlRun) createGenerated(res *kubeResource, ns string, obj runtime.Object, f kubeCreateFlags) error {
	cs, err := k.client()
	if err != nil {
		return err
	}
	return k.createObject(cs, res, ns, obj, f)
}

// createObject creates obj (with --dry-run=server, as the server would
// admit it, storing nothing; with --dry-run=client, not at all) and
// prints it as -o asks, else as `KIND/NAME created`.
func (k *kubectlRun) createObject(cs kubernetes.Interface, res *kubeResource, ns string, obj runtime.Object, f kubeCreateFlags) error {
	dry, out, err := k.checkCreateFlags(f)
	if err != nil {
		return err
	}
	result := obj
	if dry != "client" {
		result, err = kubeCheckBodySize(obj)
		if err == nil {
			result, err = res.client(cs, ns).Create(k.ctx, obj, metav1.CreateOptions{DryRun: serverDryRun(dry)})
		}
		if err != nil {
			return err
		}
	}
	if dry == "client" && out.format == "json" {
		// kubectl prints its own object in field order, not as the server
		// would serve it (keys sorted).
		local := result.DeepCopyObject()
		local.GetObjectKind().SetGroupVersionKind(res.groupVersionKind())
		data, err := json.MarshalIndent(local, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(k.out, "%s\n", data)
		return err
	}
	if out.format != "" {
		return k.printObjects([]kubeSection{{res: res, objs: []runtime.Object{result}}}, out, true, kubeTableOptions{})
	}
	fmt.Fprintf(k.out, "%s/%s created%s\n", res.nameKind(), kubeMeta(result).GetName(), dryRunSuffix(dry))
	return nil
}

// oneName checks that a generator got exactly one NAME.
func (k *kubectlRun) oneName(pos []string) (string, error) {
	if len(pos) != 1 {
		return "", k.usageErrorf("exactly one NAME is required, got %d", len(pos))
	}
	return pos[0], nil
}

// parseNameCommand parses the flags of a generator that takes NAME [--
// COMMAND [ARGS...]] and returns the name and the command after "--". With
// --help it returns nothing.
func (k *kubectlRun) parseNameCommand(args []string) (name string, command []string, err error) {
	pos, err := k.parse(args)
	if err != nil || k.help {
		return "", nil, err
	}
	if at := k.fs.ArgsLenAtDash(); at >= 0 {
		pos, command = pos[:at], pos[at:]
	}
	name, err = k.oneName(pos)
	if err != nil {
		return "", nil, err
	}
	return name, command, nil
}

func (k *kubectlRun) createNamespace(args []string) error {
	k.newFlags("kubectl create namespace")
	f := k.addCreateFlags()
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	name, err := k.oneName(pos)
	if err != nil {
		return err
	}
	res, _ := lookupKubeResource("namespaces")
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	return k.createGenerated(res, "", ns, f)
}

// imageContainerName is the container name kubectl derives from an
// image: its last path element without tag or digest.
func imageContainerName(image string) string {
	name := image[strings.LastIndex(image, "/")+1:]
	if i := strings.IndexAny(name, ":@"); i >= 0 {
		name = name[:i]
	}
	return strings.NewReplacer("_", "-", ".", "-").Replace(name)
}

func (k *kubectlRun) createDeployment(args []string) error {
	fs := k.newFlags("kubectl create deployment")
	images := fs.StringSlice("image", nil, "Image names to run. A deployment can have multiple images set for multi-container pod.")
	replicas := fs.Int32P("replicas", "r", 1, "Number of replicas to create. Default is 1.")
	port := fs.Int32("port", -1, "The containerPort that this deployment exposes.")
	f := k.addCreateFlags()
	name, command, err := k.parseNameCommand(args)
	if err != nil || k.help {
		return err
	}
	if len(*images) == 0 {
		return fmt.Errorf("required flag(s) %q not set", "image")
	}
	if len(*images) > 1 && len(command) > 0 {
		return fmt.Errorf("cannot specify multiple --image options and command")
	}
	labels := map[string]string{"app": name}
	var containers []corev1.Container
	for _, img := range *images {
		c := corev1.Container{Name: imageContainerName(img), Image: img, Command: command}
		if *port >= 0 {
			c.Ports = []corev1.ContainerPort{{ContainerPort: *port}}
		}
		containers = append(containers, c)
	}
	ns := k.namespace()
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: k.namespaceFlag, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: containers},
			},
		},
	}
	res, _ := lookupKubeResource("deployments")
	return k.createGenerated(res, ns, d, f)
}

func (k *kubectlRun) createJob(args []string) error {
	fs := k.newFlags("kubectl create job")
	image := fs.String("image", "", "Image name to run.")
	from := fs.String("from", "", "The name of the resource to create a Job from (only CronJob is supported).")
	f := k.addCreateFlags()
	name, command, err := k.parseNameCommand(args)
	if err != nil || k.help {
		return err
	}
	if (*image == "") == (*from == "") {
		return fmt.Errorf("either --image or --from must be specified")
	}
	if len(command) > 0 && *from != "" {
		return fmt.Errorf("cannot specify --from and command")
	}
	ns := k.namespace()
	if *from != "" {
		return k.createJobFromCronJob(name, *from, f)
	}
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: k.namespaceFlag},
		Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{
					Containers:    []corev1.Container{{Name: name, Image: *image, Command: command}},
					RestartPolicy: corev1.RestartPolicyNever,
				},
			},
		},
	}
	res, _ := lookupKubeResource("jobs")
	return k.createGenerated(res, ns, job, f)
}

// runPod is `kubectl run NAME --image=I`: one pod, labelled run=NAME
// unless -l says otherwise.
func (k *kubectlRun) runPod(args []string) error {
	fs := k.newFlags("kubectl run")
	image := fs.String("image", "", "The image for the container to run.")
	labelSpec := fs.StringP("labels", "l", "", "Comma separated labels to apply to the pod. Will override previous values.")
	annotations := fs.StringArray("annotations", nil, "Annotations to apply to the pod.")
	env := fs.StringArray("env", nil, "Environment variables to set in the container.")
	port := fs.String("port", "", "The port that this container exposes.")
	restart := fs.String("restart", "Always", "The restart policy for this Pod. Legal values [Always, OnFailure, Never].")
	asCommand := fs.Bool("command", false, "If true and extra arguments are present, use them as the 'command' field in the container, rather than the 'args' field which is the default.")
	pullPolicy := fs.String("image-pull-policy", "", "The image pull policy for the container.")
	f := k.addCreateFlags()
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	if len(pos) == 0 {
		return k.usageErrorf("NAME is required for run")
	}
	name, extra := pos[0], pos[1:]
	if *image == "" {
		return fmt.Errorf("required flag(s) %q not set", "image")
	}
	policy := corev1.RestartPolicy(*restart)
	switch policy {
	case corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	default:
		return k.usageErrorf("invalid restart policy: %s", *restart)
	}
	labels := map[string]string{"run": name}
	if *labelSpec != "" {
		labels = map[string]string{}
		for _, spec := range strings.Split(*labelSpec, ",") {
			parts := strings.Split(spec, "=")
			if len(parts) != 2 {
				return fmt.Errorf("unexpected label spec: %s", spec)
			}
			if parts[0] == "" {
				return fmt.Errorf("unexpected empty label key")
			}
			labels[parts[0]] = parts[1]
		}
	}
	var ann map[string]string
	for _, a := range *annotations {
		key, val, ok := strings.Cut(a, "=")
		if !ok || key == "" {
			return fmt.Errorf("invalid annotation spec: %s", a)
		}
		if ann == nil {
			ann = map[string]string{}
		}
		ann[key] = val
	}
	c := corev1.Container{Name: name, Image: *image, ImagePullPolicy: corev1.PullPolicy(*pullPolicy)}
	if len(extra) > 0 {
		if *asCommand {
			c.Command = extra
		} else {
			c.Args = extra
		}
	}
	for _, e := range *env {
		key, val, ok := strings.Cut(e, "=")
		if !ok || key == "" {
			return fmt.Errorf("invalid env: %s", e)
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: key, Value: val})
	}
	if *port != "" {
		var p int32
		if _, err := fmt.Sscan(*port, &p); err != nil || p <= 0 {
			return fmt.Errorf("invalid port: %s", *port)
		}
		c.Ports = []corev1.ContainerPort{{ContainerPort: p}}
	}
	ns := k.namespace()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: k.namespaceFlag, Labels: labels, Annotations: ann},
		Spec: corev1.PodSpec{
			Containers:    []corev1.Container{c},
			RestartPolicy: policy,
			DNSPolicy:     corev1.DNSClusterFirst,
		},
	}
	res, _ := lookupKubeResource("pods")
	return k.createGenerated(res, ns, pod, f)
}

// kubeClientFor is a typed client of res in ns on cs.
func kubeClientFor(cs kubernetes.Interface, res *kubeResource, ns string) kubeObjectClient {
	if !res.namespaced {
		ns = ""
	}
	return res.client(cs, ns)
}

// createJobFromCronJob is `kubectl create job NAME --from=cronjob/CJ`: a
// Job from the CronJob's job template, as kubectl's
// createJobFromCronJob builds it (annotated cronjob.kubernetes.io/instantiate=manual,
// controlled by the CronJob).
func (k *kubectlRun) createJobFromCronJob(name, from string, f kubeCreateFlags) error {
	cs, rargs, err := k.clientAndResources([]string{from})
	if err != nil {
		return err
	}
	sections, missing, err := k.fetch(cs, rargs, kubeQuery{})
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return joinKubectlErrors(missing)
	}
	if kubeCount(sections) != 1 {
		return fmt.Errorf("from must be an existing cronjob")
	}
	cj, ok := sections[0].objs[0].(*batchv1.CronJob)
	if !ok {
		return fmt.Errorf("unknown object type %T", sections[0].objs[0])
	}
	annotations := map[string]string{"cronjob.kubernetes.io/instantiate": "manual"}
	maps.Copy(annotations, cj.Spec.JobTemplate.Annotations)
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: k.namespaceFlag,
			Annotations: annotations,
			Labels:      maps.Clone(cj.Spec.JobTemplate.Labels),
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: new(true),
			}},
		},
		Spec: *cj.Spec.JobTemplate.Spec.DeepCopy(),
	}
	res, _ := lookupKubeResource("jobs")
	if err := k.createObject(cs, res, k.namespace(), job, f); err != nil {
		if _, ok := err.(interface{ Status() metav1.Status }); ok {
			return fmt.Errorf("failed to create job: %v", err)
		}
		return err
	}
	return nil
}
