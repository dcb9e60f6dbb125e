package kubectl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/kubernetes"
)

// kubeLabelCommand says whether label or annotate runs.
type kubeLabelCommand int

const (
	kubeLabelMode kubeLabelCommand = iota
	kubeAnnotateMode
)

// labelOptions are the flags of kubectl label and annotate.
type labelOptions struct {
	mode      kubeLabelCommand
	word      string // label or annotate
	field     string // labels or annotations
	overwrite bool
	all       bool
	allNS     bool
	selector  string
	list      bool
}

// label is `kubectl label` and `kubectl annotate`: TYPE NAME... (or
// TYPE/NAME, --all, -l) followed by key=value and key- updates. Every
// object is checked before any changes, so a refused overwrite or an
// invalid key leaves everything as it was.
func (k *kubectlRun) label(args []string, mode kubeLabelCommand) error {
	o := k.labelFlags(mode)
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	resArgs, specs, err := splitLabelArgs(pos, o)
	if err != nil {
		return err
	}
	set, remove, err := parseMetaSpecs(mode, specs)
	if err != nil {
		return err
	}
	cs, sections, missing, err := k.labelTargets(resArgs, o)
	if err != nil {
		return err
	}
	if o.list {
		k.listMeta(sections, mode)
		return joinKubectlErrors(missing)
	}
	if err := checkLabelUpdates(sections, mode, set, o.overwrite); err != nil {
		return err
	}
	errs, err := k.patchMeta(cs, sections, o, set, remove)
	if err != nil {
		return err
	}
	return joinKubectlErrors(append(missing, errs...))
}

// labelFlags declares the flags of kubectl label or annotate.
func (k *kubectlRun) labelFlags(mode kubeLabelCommand) *labelOptions {
	o := &labelOptions{mode: mode, word: "label", field: "labels"}
	if mode == kubeAnnotateMode {
		o.word, o.field = "annotate", "annotations"
	}
	fs := k.newFlags("kubectl " + o.word)
	fs.BoolVar(&o.overwrite, "overwrite", false, "If true, allow "+o.field+" to be overwritten, otherwise reject updates that overwrite existing "+o.field+".")
	fs.BoolVar(&o.all, "all", false, "Select all resources, in the namespace of the specified resource types")
	fs.BoolVarP(&o.allNS, "all-namespaces", "A", false, "If true, check the specified action in all namespaces.")
	fs.StringVarP(&o.selector, "selector", "l", "", "Selector (label query) to filter on")
	if mode == kubeLabelMode {
		fs.BoolVar(&o.list, "list", false, "If true, display the labels for a given resource.")
	} else {
		fs.BoolVar(&o.list, "list", false, "If true, display the annotations for a given resource.")
	}
	return o
}

// splitLabelArgs splits the positional arguments into resources and, after
// them, key=value and key- updates.
func splitLabelArgs(pos []string, o *labelOptions) (resArgs, specs []string, err error) {
	for _, a := range pos {
		pair := (strings.Contains(a, "=") && a[0] != '=') || (strings.HasSuffix(a, "-") && a != "-")
		switch {
		case pair:
			specs = append(specs, a)
		case len(specs) > 0:
			return nil, nil, fmt.Errorf("all resources must be specified before %s changes: %s", strings.TrimSuffix(o.field, "s"), a)
		default:
			resArgs = append(resArgs, a)
		}
	}
	if len(resArgs) == 0 {
		return nil, nil, errors.New("one or more resources must be specified as <resource> <name> or <resource>/<name>")
	}
	if len(specs) == 0 && !o.list {
		return nil, nil, fmt.Errorf("at least one %s update is required", strings.TrimSuffix(o.field, "s"))
	}
	return resArgs, specs, nil
}

// parseMetaSpecs parses the updates as labels or as annotations.
func parseMetaSpecs(mode kubeLabelCommand, specs []string) (map[string]string, []string, error) {
	if mode == kubeLabelMode {
		return parseLabelSpecs(specs)
	}
	return parseAnnotationSpecs(specs)
}

// labelTargets fetches the objects to update: named ones, or all (--all)
// or those matching -l, of the given types. missing are the named objects
// that do not exist.
func (k *kubectlRun) labelTargets(resArgs []string, o *labelOptions) (kubernetes.Interface, []kubeSection, []error, error) {
	cs, rargs, err := k.clientAndResources(resArgs)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, a := range rargs {
		if a.res.meshConfig {
			return nil, nil, nil, notEmulated("kubectl "+o.word+" asmmeshconfigs", "kubectl get asmmeshconfig", "kubectl patch asmmeshconfig")
		}
	}
	if !anyNamed(rargs) && !o.all && o.selector == "" {
		return nil, nil, nil, k.usageErrorf("resource(s) were provided, but no name was specified")
	}
	sections, missing, err := k.fetch(cs, rargs, kubeQuery{allNamespaces: o.allNS, selector: o.selector})
	if err != nil {
		return nil, nil, nil, err
	}
	return cs, sections, missing, nil
}

// listMeta prints each object's labels or annotations (--list), one
// key=value a line.
func (k *kubectlRun) listMeta(sections []kubeSection, mode kubeLabelCommand) {
	for _, s := range sections {
		for _, obj := range s.objs {
			m := kubeMetaMap(kubeMeta(obj), mode)
			for _, key := range kubeSortedKeys(m) {
				fmt.Fprintf(k.out, "%s=%s\n", key, m[key])
			}
		}
	}
}

// checkLabelUpdates checks every object before any changes: a refused
// overwrite or an invalid key, on any object, is an error.
func checkLabelUpdates(sections []kubeSection, mode kubeLabelCommand, set map[string]string, overwrite bool) error {
	var problems []error
	for _, s := range sections {
		for _, obj := range s.objs {
			if err := checkLabelUpdate(s.res, obj, mode, set, overwrite); err != nil {
				problems = append(problems, err)
			}
		}
	}
	return joinKubectlErrors(problems)
}

// patchMeta sends each object the merge patch of its changed labels or
// annotations and prints what happened to it. errs are the objects the
// server refused; err is a patch that could not be built.
func (k *kubectlRun) patchMeta(cs kubernetes.Interface, sections []kubeSection, o *labelOptions, set map[string]string, remove []string) (errs []error, err error) {
	for _, s := range sections {
		for _, obj := range s.objs {
			m := kubeMeta(obj)
			cur := kubeMetaMap(m, o.mode)
			if o.mode == kubeLabelMode {
				for _, key := range remove {
					if _, ok := cur[key]; !ok {
						fmt.Fprintf(k.out, "label %q not found.\n", key)
					}
				}
			}
			patch := metaPatch(cur, set, remove)
			// kubectl label says what changed; annotate does not.
			verb := "annotated"
			if o.mode == kubeLabelMode {
				verb = labelChangeVerb(patch)
			}
			if len(patch) > 0 {
				body, err := json.Marshal(map[string]any{"metadata": map[string]any{o.field: patch}})
				if err != nil {
					return nil, err
				}
				c := kubeClientFor(cs, s.res, m.GetNamespace())
				if _, err := c.Patch(k.ctx, m.GetName(), types.MergePatchType, body, metav1.PatchOptions{}); err != nil {
					errs = append(errs, err)
					continue
				}
			}
			fmt.Fprintf(k.out, "%s/%s %s\n", s.res.nameKind(), m.GetName(), verb)
		}
	}
	return errs, nil
}

// metaPatch is what changes in cur: the keys of set whose value differs
// (or is absent), and the keys of remove that are present (mapped to nil).
func metaPatch(cur, set map[string]string, remove []string) map[string]any {
	patch := map[string]any{}
	for key, val := range set {
		if old, ok := cur[key]; !ok || old != val {
			patch[key] = val
		}
	}
	for _, key := range remove {
		if _, ok := cur[key]; ok {
			patch[key] = nil
		}
	}
	return patch
}

// labelChangeVerb is kubectl label's word for a change: "labeled" when
// labels were only added or changed, "unlabeled" when only removed,
// "label(s) changed" for both, "not labeled" for none. patch maps a key to
// its new value, or to nil for a removal.
func labelChangeVerb(patch map[string]any) string {
	added, removed := false, false
	for _, v := range patch {
		if v == nil {
			removed = true
		} else {
			added = true
		}
	}
	switch {
	case added && removed:
		return "label(s) changed"
	case added:
		return "labeled"
	case removed:
		return "unlabeled"
	}
	return "not labeled"
}

func kubeMetaMap(m interface {
	GetLabels() map[string]string
	GetAnnotations() map[string]string
}, mode kubeLabelCommand) map[string]string {
	if mode == kubeLabelMode {
		return m.GetLabels()
	}
	return m.GetAnnotations()
}

// checkLabelUpdate refuses to overwrite a different value without
// --overwrite, and refuses keys the API server would refuse (with the
// API server's own Invalid error).
func checkLabelUpdate(r *kubeResource, obj runtime.Object, mode kubeLabelCommand, set map[string]string, overwrite bool) error {
	m := kubeMeta(obj)
	cur := kubeMetaMap(m, mode)
	if !overwrite {
		var errs []error
		for _, key := range kubeSortedKeys(set) {
			if old, ok := cur[key]; ok && old != set[key] {
				errs = append(errs, fmt.Errorf("'%s' already has a value (%s), and --overwrite is false", key, old))
			}
		}
		if len(errs) > 0 {
			return joinKubectlErrors(errs)
		}
	}
	var fieldErrs field.ErrorList
	if mode == kubeLabelMode {
		fieldErrs = metav1validation.ValidateLabels(set, field.NewPath("metadata", "labels"))
	} else {
		fieldErrs = apivalidation.ValidateAnnotations(set, field.NewPath("metadata", "annotations"))
	}
	if len(fieldErrs) > 0 {
		return apierrors.NewInvalid(schema.GroupKind{Group: r.group, Kind: r.kind}, m.GetName(), fieldErrs)
	}
	return nil
}

// parseLabelSpecs reads key=value and key- as kubectl label does: values
// are checked here, keys by the API server.
func parseLabelSpecs(specs []string) (map[string]string, []string, error) {
	set := map[string]string{}
	var remove []string
	for _, spec := range specs {
		switch {
		case strings.Contains(spec, "="):
			parts := strings.Split(spec, "=")
			if len(parts) != 2 {
				return nil, nil, fmt.Errorf("invalid label spec: %v", spec)
			}
			if errs := validation.IsValidLabelValue(parts[1]); len(errs) != 0 {
				return nil, nil, fmt.Errorf("invalid label value: %q: %s", spec, strings.Join(errs, ";"))
			}
			set[parts[0]] = parts[1]
		case strings.HasSuffix(spec, "-"):
			remove = append(remove, strings.TrimSuffix(spec, "-"))
		default:
			return nil, nil, fmt.Errorf("unknown label spec: %v", spec)
		}
	}
	for _, key := range remove {
		if _, ok := set[key]; ok {
			return nil, nil, errors.New("can not both modify and remove a label in the same command")
		}
	}
	return set, remove, nil
}

// parseAnnotationSpecs reads key=value and key- as kubectl annotate does.
func parseAnnotationSpecs(specs []string) (map[string]string, []string, error) {
	set := map[string]string{}
	var remove []string
	var errs []error
	for _, spec := range specs {
		switch {
		case strings.Contains(spec, "="):
			key, val, _ := strings.Cut(spec, "=")
			if key == "" {
				errs = append(errs, fmt.Errorf("invalid annotation format: %s", spec))
				continue
			}
			set[key] = val
		case strings.HasSuffix(spec, "-"):
			remove = append(remove, strings.TrimSuffix(spec, "-"))
		default:
			errs = append(errs, fmt.Errorf("invalid annotation format: %s", spec))
		}
	}
	if len(errs) > 0 {
		return nil, nil, joinKubectlErrors(errs)
	}
	for _, key := range remove {
		if _, ok := set[key]; ok {
			return nil, nil, errors.New("can not both modify and remove an annotation in the same command")
		}
	}
	return set, remove, nil
}
