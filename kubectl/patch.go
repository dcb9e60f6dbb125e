package kubectl

import (
	"encoding/json"
	"fmt"
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// patch is `kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json]`;
// on the mesh instance it also patches asmmeshconfig default (B31).
func (k *kubectlRun) patch(args []string) error {
	fs := k.newFlags("kubectl patch")
	patchText := fs.StringP("patch", "p", "", "The patch to be applied to the resource JSON file.")
	patchFile := fs.String("patch-file", "", "A file containing a patch to be applied to the resource.")
	patchType := fs.String("type", "strategic", "The type of patch being provided; one of [json merge strategic]")
	output := fs.StringP("output", "o", "", "Output format. One of: (json, yaml, name).")
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	pt, ok := map[string]types.PatchType{
		"json": types.JSONPatchType, "merge": types.MergePatchType, "strategic": types.StrategicMergePatchType,
	}[*patchType]
	if !ok {
		return fmt.Errorf("--type must be one of [json merge strategic], not %q", *patchType)
	}
	body := []byte(*patchText)
	if *patchFile != "" {
		if *patchText != "" {
			return fmt.Errorf("--patch and --patch-file are mutually exclusive")
		}
		body, _, err = k.readFile(*patchFile)
		if err != nil {
			return err
		}
	}
	if len(body) == 0 {
		return fmt.Errorf("must specify --patch or --patch-file containing the contents of the patch")
	}
	if len(pos) == 0 {
		return k.usageErrorf("You must provide one or more resources by argument or filename.")
	}
	data, err := yaml.YAMLToJSON(body)
	if err != nil {
		return fmt.Errorf("unable to parse %q: %v", string(body), err)
	}
	out, err := parseKubeOutput(*output)
	if err != nil {
		return err
	}
	cs, rargs, err := k.clientAndResources(pos)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range rargs {
		if a.name == "" {
			return fmt.Errorf("resource(s) were provided, but no name was specified")
		}
		var before, after runtime.Object
		if a.res.meshConfig {
			before, err = k.meshConfigObject(a.name)
			if err == nil {
				after, err = k.patchMeshConfig(pt, data)
			}
		} else {
			c := kubeClientFor(cs, a.res, k.namespace())
			before, err = c.Get(k.ctx, a.name)
			if err == nil {
				after, err = kubeCheckBodySize(data)
			}
			if err == nil {
				after, err = c.Patch(k.ctx, a.name, pt, data, metav1.PatchOptions{})
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if out.format != "" {
			if err := k.printObjects([]kubeSection{{res: a.res, objs: []runtime.Object{after}}}, out, true, kubeTableOptions{now: k.host.Now()}); err != nil {
				return err
			}
			continue
		}
		verb := "patched"
		if kubeSameObject(a.res, before, after) {
			verb = "patched (no change)"
		}
		fmt.Fprintf(k.out, "%s/%s %s\n", a.res.nameKind(), a.name, verb)
	}
	return joinKubectlErrors(errs)
}

// patchMeshConfig patches the mesh instance's asmmeshconfig.
func (k *kubectlRun) patchMeshConfig(pt types.PatchType, data []byte) (runtime.Object, error) {
	inst, err := k.host.MeshConfig()
	if err != nil {
		return nil, err
	}
	_, warnings, err := inst.PatchConfig(pt, data)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		fmt.Fprintf(k.errOut, "Warning: %s\n", w)
	}
	return inst.MeshConfigObject(), nil
}

// kubeSameObject compares two versions of an object, ignoring what the
// server bumps on every write.
func kubeSameObject(r *kubeResource, a, b runtime.Object) bool {
	ma, errA := kubeObjectMap(r, a)
	mb, errB := kubeObjectMap(r, b)
	if errA != nil || errB != nil {
		return false
	}
	for _, m := range []map[string]any{ma, mb} {
		if md, ok := m["metadata"].(map[string]any); ok {
			delete(md, "resourceVersion")
			delete(md, "generation")
		}
	}
	ja, _ := json.Marshal(ma)
	jb, _ := json.Marshal(mb)
	return reflect.DeepEqual(ja, jb)
}

// scale is `kubectl scale deployment NAME --replicas=N`.
func (k *kubectlRun) scale(args []string) error {
	fs := k.newFlags("kubectl scale")
	replicas := fs.Int("replicas", -1, "The new desired number of replicas. Required.")
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	if !fs.Changed("replicas") {
		return fmt.Errorf("required flag(s) %q not set", "replicas")
	}
	if *replicas < 0 {
		return fmt.Errorf("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
	}
	if len(pos) == 0 {
		return k.usageErrorf("You must provide one or more resources by argument or filename.")
	}
	cs, rargs, err := k.clientAndResources(pos)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"spec": map[string]any{"replicas": *replicas}})
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range rargs {
		if a.res.kind != "Deployment" && a.res.kind != "ReplicaSet" && a.res.kind != "StatefulSet" {
			return fmt.Errorf("cannot scale %s: only deployments, replicasets and statefulsets are emulated", a.res.plural)
		}
		if a.name == "" {
			return fmt.Errorf("resource(s) were provided, but no name was specified")
		}
		if _, err := kubeClientFor(cs, a.res, k.namespace()).Patch(k.ctx, a.name, types.MergePatchType, body, metav1.PatchOptions{}); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(k.out, "%s/%s scaled\n", a.res.nameKind(), a.name)
	}
	return joinKubectlErrors(errs)
}
