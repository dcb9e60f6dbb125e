package kubectl

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/kubernetes"
)

// lastAppliedAnnotation is where kubectl apply keeps what it applied.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// kubeWaitLimit bounds how long (on the backend's clock) delete and
// replace --force wait for an object to go.
const kubeWaitLimit = 2 * time.Minute

// apply is `kubectl apply -f FILE|-`: client-side apply, as kubectl does
// it by default (the last-applied annotation and a three-way strategic
// merge patch).
func (k *kubectlRun) apply(args []string) error {
	fs := k.newFlags("kubectl apply")
	files := fs.StringSliceP("filename", "f", nil, "The files that contain the configurations to apply; - reads standard input")
	f := k.addCreateFlags()
	cs, err := k.fileCommandClient(args, files)
	if err != nil || k.help {
		return err
	}
	dry, out, err := k.checkCreateFlags(f)
	if err != nil {
		return err
	}
	// As kubectl's ApplyOptions.Run: the objects that could be read are
	// applied, each on its own; every problem, reading or applying, is
	// reported at the end.
	manifests, errs := k.readManifestsContinuing(*files, true)
	if len(manifests) == 0 && len(errs) == 0 {
		return errors.New("no objects passed to apply")
	}
	for _, m := range manifests {
		obj, result, err := k.applyOne(cs, m, dry)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if out.format != "" {
			if err := k.printObjects([]kubeSection{{res: m.res, objs: []runtime.Object{obj}}}, out, true, kubeTableOptions{}); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		fmt.Fprintf(k.out, "%s/%s %s%s\n", m.res.nameKind(), m.name, result, dryRunSuffix(dry))
	}
	return joinKubectlErrors(errs)
}

// fileManifests parses the flags of a command whose objects come only from
// -f files (create -f, replace) and reads the manifests, all or nothing.
// With --help it stops after parsing and returns nothing.
func (k *kubectlRun) fileManifests(args []string, files *[]string, needName bool, verb string) (kubernetes.Interface, []kubeManifest, error) {
	cs, err := k.fileCommandClient(args, files)
	if err != nil || k.help {
		return nil, nil, err
	}
	manifests, err := k.readManifests(*files, needName, verb)
	if err != nil {
		return nil, nil, err
	}
	return cs, manifests, nil
}

// fileCommandClient parses the flags of a command whose objects come only
// from -f files: it rejects positional arguments and a missing -f, and
// returns the context's client. With --help it returns nothing.
func (k *kubectlRun) fileCommandClient(args []string, files *[]string) (kubernetes.Interface, error) {
	pos, err := k.parse(args)
	if err != nil || k.help {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, k.usageErrorf("Unexpected args: %v", pos)
	}
	if len(*files) == 0 {
		return nil, errors.New("must specify one of -f and -k")
	}
	return k.client()
}

// applyOne creates or patches one object and says which: created,
// configured or unchanged; it returns the object as the server left it
// (as kubectl would send it, with --dry-run=client).
func (k *kubectlRun) applyOne(cs kubernetes.Interface, m kubeManifest, dry string) (runtime.Object, string, error) {
	c := m.res.client(cs, m.namespace)
	modified, err := kubeWithLastApplied(m.raw)
	if err != nil {
		return nil, "", err
	}
	live, err := c.Get(k.ctx, m.name)
	if apierrors.IsNotFound(err) {
		obj, err := decodeKubeObject(modified, false)
		if err != nil {
			return nil, "", err
		}
		if dry == "client" {
			return obj, "created", nil
		}
		created, err := kubeCheckBodySize(obj)
		if err == nil {
			created, err = c.Create(k.ctx, obj, metav1.CreateOptions{DryRun: serverDryRun(dry)})
		}
		if err != nil {
			return nil, "", kubeAddSource("creating", m.source, err)
		}
		return created, "created", nil
	}
	if err != nil {
		return nil, "", kubeAddSource("retrieving current configuration of", m.source, err)
	}
	original := kubeMeta(live).GetAnnotations()[lastAppliedAnnotation]
	if original == "" {
		fmt.Fprintf(k.errOut, "Warning: resource %s/%s is missing the %s annotation which is required by kubectl apply. "+
			"kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. "+
			"The missing annotation will be patched automatically.\n", m.res.plural, m.name, lastAppliedAnnotation)
	}
	liveMap, err := kubeObjectMap(m.res, live)
	if err != nil {
		return nil, "", err
	}
	current, err := json.Marshal(liveMap)
	if err != nil {
		return nil, "", err
	}
	modJSON, err := json.Marshal(modified)
	if err != nil {
		return nil, "", err
	}
	schema, err := strategicpatch.NewPatchMetaFromStruct(m.res.newObject())
	if err != nil {
		return nil, "", err
	}
	patch, err := strategicpatch.CreateThreeWayMergePatch([]byte(original), modJSON, current, schema, true)
	if err != nil {
		return nil, "", fmt.Errorf("creating patch for %s/%s: %w", m.res.plural, m.name, err)
	}
	if string(patch) == "{}" {
		return live, "unchanged", nil
	}
	if dry == "client" {
		patched, err := strategicpatch.StrategicMergePatch(current, patch, m.res.newObject())
		if err != nil {
			return nil, "", fmt.Errorf("applying patch to %s/%s: %w", m.res.plural, m.name, err)
		}
		var pm map[string]any
		if err := json.Unmarshal(patched, &pm); err != nil {
			return nil, "", err
		}
		obj, err := decodeKubeObject(pm, false)
		if err != nil {
			return nil, "", err
		}
		return obj, "configured", nil
	}
	patchedObj, err := kubeCheckBodySize(patch)
	if err == nil {
		patchedObj, err = c.Patch(k.ctx, m.name, types.StrategicMergePatchType, patch, metav1.PatchOptions{DryRun: serverDryRun(dry)})
	}
	if err != nil {
		return nil, "", kubeAddSource("patching", m.source, err)
	}
	return patchedObj, "configured", nil
}

// maxRequestBodyBytes is the API server's limit on the body of a request
// (the generic API server's MaxRequestBodyBytes, 3 MiB).
const maxRequestBodyBytes = 3 * 1024 * 1024

// kubeCheckBodySize refuses, as the API server does before reading it, a
// request whose body (an object sent as JSON, or a patch) is over
// maxRequestBodyBytes. It returns a nil object, so that a caller can
// write `obj, err := kubeCheckBodySize(body)` before sending the body.
func kubeCheckBodySize(body any) (runtime.Object, error) {
	n := 0
	switch b := body.(type) {
	case []byte:
		n = len(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		n = len(data)
	}
	if n > maxRequestBodyBytes {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", maxRequestBodyBytes))
	}
	return nil, nil
}

// kubeWithLastApplied returns the manifest with kubectl's last-applied
// annotation set to the manifest itself (as JSON, without that
// annotation, newline-terminated like kubectl's encoder writes it).
func kubeWithLastApplied(raw map[string]any) (map[string]any, error) {
	m := runtime.DeepCopyJSON(raw)
	md, _ := m["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	if ann != nil {
		delete(ann, lastAppliedAnnotation)
		if len(ann) == 0 {
			delete(md, "annotations")
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	ann, _ = md["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		md["annotations"] = ann
	}
	ann[lastAppliedAnnotation] = string(data) + "\n"
	return m, nil
}

// createFromFiles is `kubectl create -f FILE|-`.
func (k *kubectlRun) createFromFiles(args []string) error {
	fs := k.newFlags("kubectl create")
	files := fs.StringSliceP("filename", "f", nil, "Filename or - to use to create the resource")
	save := fs.Bool("save-config", false, "If true, the configuration of current object will be saved in its annotation")
	f := k.addCreateFlags()
	// As kubectl: --dry-run is checked before the files are read.
	cs, err := k.fileCommandClient(args, files)
	if err != nil || k.help {
		return err
	}
	if _, _, err := k.checkCreateFlags(f); err != nil {
		return err
	}
	manifests, err := k.readManifests(*files, false, "create")
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range manifests {
		obj := m.obj
		if *save {
			mm, err := kubeWithLastApplied(m.raw)
			if err == nil {
				obj, err = decodeKubeObject(mm, false)
			}
			if err != nil {
				return err
			}
		}
		if err := k.createObject(cs, m.res, m.namespace, obj, f); err != nil {
			errs = append(errs, kubeAddSource("creating", m.source, err))
		}
	}
	return joinKubectlErrors(errs)
}

// replace is `kubectl replace [--force] -f FILE|-`. With --force it
// deletes each object, waits until it is gone and creates it anew, so
// admission (sidecar injection, ECI scheduling) runs again.
func (k *kubectlRun) replace(args []string) error {
	fs := k.newFlags("kubectl replace")
	files := fs.StringSliceP("filename", "f", nil, "The files that contain the configurations to replace; - reads standard input")
	force := fs.Bool("force", false, "If true, immediately remove resources from API and bypass graceful deletion; then re-create them")
	grace := fs.Int("grace-period", -1, "Period of time in seconds given to the resource to terminate gracefully (with --force)")
	cs, manifests, err := k.fileManifests(args, files, true, "replace")
	if err != nil || k.help {
		return err
	}
	var errs []error
	for _, m := range manifests {
		c := m.res.client(cs, m.namespace)
		if !*force {
			obj := m.obj
			if kubeMeta(obj).GetResourceVersion() == "" {
				live, err := c.Get(k.ctx, m.name)
				if err != nil {
					errs = append(errs, kubeAddSource("replacing", m.source, err))
					continue
				}
				kubeMeta(obj).SetResourceVersion(kubeMeta(live).GetResourceVersion())
			}
			_, err := kubeCheckBodySize(obj)
			if err == nil {
				_, err = c.Update(k.ctx, obj)
			}
			if err != nil {
				errs = append(errs, kubeAddSource("replacing", m.source, err))
				continue
			}
			fmt.Fprintf(k.out, "%s/%s replaced\n", m.res.nameKind(), m.name)
			continue
		}
		err := c.Delete(k.ctx, m.name, kubeDeleteOptions(*grace, false))
		switch {
		case err == nil:
			fmt.Fprintf(k.out, "%s %q deleted\n", m.res.nameKind(), m.name)
			if err := k.waitGone(c, m.name, kubeWaitLimit); err != nil {
				errs = append(errs, err)
				continue
			}
		case !apierrors.IsNotFound(err):
			errs = append(errs, err)
			continue
		}
		obj, err := decodeKubeObject(freshObjectMap(m.raw), false)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// As kubectl: the object is already deleted when the API server
		// refuses the new one.
		_, err = kubeCheckBodySize(obj)
		if err == nil {
			_, err = c.Create(k.ctx, obj, metav1.CreateOptions{})
		}
		if err != nil {
			errs = append(errs, kubeAddSource("creating", m.source, err))
			continue
		}
		fmt.Fprintf(k.out, "%s/%s replaced\n", m.res.nameKind(), m.name)
	}
	return joinKubectlErrors(errs)
}

// deleteTarget is one object delete removes.
type deleteTarget struct {
	res       *kubeResource
	namespace string
	name      string
}

// deleteOptions are the flags of kubectl delete.
type deleteOptions struct {
	files          []string
	selector       string
	all, allNS     bool
	grace          int
	force, now     bool
	wait           bool
	ignoreNotFound bool
}

// delete is `kubectl delete TYPE NAME...|TYPE/NAME...|-f FILE|-l SEL|--all`.
// Like kubectl it waits (on the backend's clock) for the objects to go.
func (k *kubectlRun) delete(args []string) error {
	o := k.deleteFlags()
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	if o.now {
		o.grace = 1
	}
	cs, err := k.client()
	if err != nil {
		return err
	}
	targets, done, err := k.deleteTargets(cs, pos, o)
	if err != nil || done {
		return err
	}
	immediate := o.grace == 0 || (o.force && o.grace < 0)
	if immediate {
		fmt.Fprintln(k.errOut, "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.")
	}
	deleted, errs := k.deleteEach(cs, targets, o, immediate)
	if o.wait {
		errs = append(errs, k.waitAllGone(cs, deleted)...)
	}
	return joinKubectlErrors(errs)
}

// deleteFlags declares the flags of kubectl delete.
func (k *kubectlRun) deleteFlags() *deleteOptions {
	o := &deleteOptions{}
	fs := k.newFlags("kubectl delete")
	fs.StringSliceVarP(&o.files, "filename", "f", nil, "containing the resource to delete")
	fs.StringVarP(&o.selector, "selector", "l", "", "Selector (label query) to filter on")
	fs.BoolVar(&o.all, "all", false, "Delete all resources, in the namespace of the specified resource types")
	fs.BoolVarP(&o.allNS, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces")
	fs.IntVar(&o.grace, "grace-period", -1, "Period of time in seconds given to the resource to terminate gracefully")
	fs.BoolVar(&o.force, "force", false, "If true, immediately remove resources from API and bypass graceful deletion")
	fs.BoolVar(&o.now, "now", false, "If true, resources are signaled for immediate shutdown (same as --grace-period=1)")
	fs.BoolVar(&o.wait, "wait", true, "If true, wait for resources to be gone before returning")
	fs.BoolVar(&o.ignoreNotFound, "ignore-not-found", false, "Treat \"resource not found\" as a successful delete")
	return o
}

// deleteTargets says what to delete: the objects of -f files, the named
// objects, or those that --all or -l select. done is true when there is
// nothing to delete and that was already said.
func (k *kubectlRun) deleteTargets(cs kubernetes.Interface, pos []string, o *deleteOptions) (targets []deleteTarget, done bool, err error) {
	if len(o.files) > 0 {
		if len(pos) > 0 {
			return nil, false, k.usageErrorf("Unexpected args: %v", pos)
		}
		targets, err := k.fileDeleteTargets(o.files)
		return targets, false, err
	}
	if len(pos) == 0 {
		return nil, false, errors.New("You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
	}
	rargs, err := k.parseResourceArgs(pos)
	if err != nil {
		return nil, false, err
	}
	named := anyNamed(rargs)
	if err := checkDeleteSelection(rargs, named, o); err != nil {
		return nil, false, err
	}
	if named {
		return k.namedDeleteTargets(rargs), false, nil
	}
	return k.selectedDeleteTargets(cs, rargs, o)
}

// fileDeleteTargets are the objects of the -f files, all read and checked
// first.
func (k *kubectlRun) fileDeleteTargets(files []string) ([]deleteTarget, error) {
	manifests, err := k.readManifests(files, true, "delete")
	if err != nil {
		return nil, err
	}
	var targets []deleteTarget
	for _, m := range manifests {
		targets = append(targets, deleteTarget{res: m.res, namespace: m.namespace, name: m.name})
	}
	return targets, nil
}

// checkDeleteSelection refuses resource arguments that name nothing
// without --all or -l, names with a selector, and asmmeshconfigs.
func checkDeleteSelection(rargs []resourceArg, named bool, o *deleteOptions) error {
	if !named && !o.all && o.selector == "" {
		return fmt.Errorf("resource(s) were provided, but no name was specified")
	}
	if named && (o.all || o.selector != "") {
		return fmt.Errorf("name cannot be provided when a selector is specified")
	}
	for _, a := range rargs {
		if a.res.meshConfig {
			return fmt.Errorf("asmmeshconfigs cannot be deleted: the mesh instance owns its asmmeshconfig")
		}
	}
	return nil
}

// namedDeleteTargets are the named objects, in -n's namespace when
// namespaced.
func (k *kubectlRun) namedDeleteTargets(rargs []resourceArg) []deleteTarget {
	var targets []deleteTarget
	for _, a := range rargs {
		ns := ""
		if a.res.namespaced {
			ns = k.namespace()
		}
		targets = append(targets, deleteTarget{res: a.res, namespace: ns, name: a.name})
	}
	return targets
}

// selectedDeleteTargets lists the objects --all or -l select; when there
// are none it says so, as kubectl does, and done is true.
func (k *kubectlRun) selectedDeleteTargets(cs kubernetes.Interface, rargs []resourceArg, o *deleteOptions) (targets []deleteTarget, done bool, err error) {
	sections, _, err := k.fetch(cs, rargs, kubeQuery{allNamespaces: o.allNS, selector: o.selector})
	if err != nil {
		return nil, false, err
	}
	for _, s := range sections {
		for _, obj := range s.objs {
			m := kubeMeta(obj)
			targets = append(targets, deleteTarget{res: s.res, namespace: m.GetNamespace(), name: m.GetName()})
		}
	}
	if len(targets) > 0 {
		return targets, false, nil
	}
	// kubectl's DeleteResult, whatever the namespace (delete.go).
	fmt.Fprintln(k.out, "No resources found")
	return nil, true, nil
}

// deleteEach deletes each target and prints it; a target already gone is
// an error unless --ignore-not-found.
func (k *kubectlRun) deleteEach(cs kubernetes.Interface, targets []deleteTarget, o *deleteOptions, immediate bool) (deleted []deleteTarget, errs []error) {
	verb := "deleted"
	if immediate {
		verb = "force deleted"
	}
	for _, t := range targets {
		err := t.res.client(cs, t.namespace).Delete(k.ctx, t.name, kubeDeleteOptions(o.grace, o.force))
		if err != nil {
			if apierrors.IsNotFound(err) && o.ignoreNotFound {
				continue
			}
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(k.out, "%s %q %s\n", t.res.nameKind(), t.name, verb)
		deleted = append(deleted, t)
	}
	return deleted, errs
}

// waitAllGone waits, on the backend's clock, for each deleted object to
// go (--wait).
func (k *kubectlRun) waitAllGone(cs kubernetes.Interface, deleted []deleteTarget) []error {
	var errs []error
	for _, t := range deleted {
		if err := k.waitGone(t.res.client(cs, t.namespace), t.name, kubeWaitLimit); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
