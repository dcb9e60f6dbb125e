package kubectl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// kubeLabelCommand says whether label or annotate runs.
type kubeLabelCommand int

const (
	kubeLabelMode kubeLabelCommand = iota
	kubeAnnotateMode
)

// label is `kubectl label` and `kubectl annotate`: TYPE NAME... (or
// TYPE/NAME, --all, -l) followed by key=value and key- updates.
func (k *kubectlRun) label(args []string, mode kubeLabelCommand) error {
	word, field := "label", "labels"
	if mode == kubeAnnotateMode {
		word, field = "annotate", "annotations"
	}
	fs := k.newFlags("kubectl " + word)
	overwrite := fs.Bool("overwrite", false, "If true, allow "+field+" to be overwritten, otherwise reject updates that overwrite existing "+field+".")
	all := fs.Bool("all", false, "Select all resources, in the namespace of the specified resource types")
	allNS := fs.BoolP("all-namespaces", "A", false, "If true, check the specified action in all namespaces.")
	selector := fs.StringP("selector", "l", "", "Selector (label query) to filter on")
	var list *bool
	if mode == kubeLabelMode {
		list = fs.Bool("list", false, "If true, display the labels for a given resource.")
	} else {
		list = fs.Bool("list", false, "If true, display the annotations for a given resource.")
	}
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	var resArgs, specs []string
	for _, a := range pos {
		pair := (strings.Contains(a, "=") && a[0] != '=') || (strings.HasSuffix(a, "-") && a != "-")
		switch {
		case pair:
			specs = append(specs, a)
		case len(specs) > 0:
			return fmt.Errorf("all resources must be specified before %s changes: %s", strings.TrimSuffix(field, "s"), a)
		default:
			resArgs = append(resArgs, a)
		}
	}
	if len(resArgs) == 0 {
		return errors.New("one or more resources must be specified as <resource> <name> or <resource>/<name>")
	}
	if len(specs) == 0 && !*list {
		return fmt.Errorf("at least one %s update is required", strings.TrimSuffix(field, "s"))
	}
	var set map[string]string
	var remove []string
	if mode == kubeLabelMode {
		set, remove, err = parseLabelSpecs(specs)
	} else {
		set, remove, err = parseAnnotationSpecs(specs)
	}
	if err != nil {
		return err
	}
	cs, rargs, err := k.clientAndResources(resArgs)
	if err != nil {
		return err
	}
	for _, a := range rargs {
		if a.res.meshConfig {
			return fmt.Errorf("meshtwin does not emulate \"kubectl %s\" on asmmeshconfigs", word)
		}
	}
	named := anyNamed(rargs)
	if !named && !*all && *selector == "" {
		return k.usageErrorf("resource(s) were provided, but no name was specified")
	}
	sections, missing, err := k.fetch(cs, rargs, kubeQuery{allNamespaces: *allNS, selector: *selector})
	if err != nil {
		return err
	}
	if *list {
		for _, s := range sections {
			for _, obj := range s.objs {
				m := kubeMetaMap(kubeMeta(obj), mode)
				for _, key := range kubeSortedKeys(m) {
					fmt.Fprintf(k.out, "%s=%s\n", key, m[key])
				}
			}
		}
		return joinKubectlErrors(missing)
	}

	// Check every object before changing any: a refused overwrite or an
	// invalid key leaves everything as it was.
	var problems []error
	for _, s := range sections {
		for _, obj := range s.objs {
			if err := checkLabelUpdate(s.res, obj, mode, set, *overwrite); err != nil {
				problems = append(problems, err)
			}
		}
	}
	if len(problems) > 0 {
		return joinKubectlErrors(problems)
	}

	var errs []error
	for _, s := range sections {
		for _, obj := range s.objs {
			m := kubeMeta(obj)
			cur := kubeMetaMap(m, mode)
			if mode == kubeLabelMode {
				for _, key := range remove {
					if _, ok := cur[key]; !ok {
						fmt.Fprintf(k.out, "label %q not found.\n", key)
					}
				}
			}
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
			// kubectl label says what changed; annotate does not.
			verb := "annotated"
			if mode == kubeLabelMode {
				verb = labelChangeVerb(patch)
			}
			if len(patch) > 0 {
				body, err := json.Marshal(map[string]any{"metadata": map[string]any{field: patch}})
				if err != nil {
					return err
				}
				c := kubeClientFor(cs, s.res, m.GetNamespace())
				if _, err := c.Patch(k.ctx, m.GetName(), types.MergePatchType, body); err != nil {
					errs = append(errs, err)
					continue
				}
			}
			fmt.Fprintf(k.out, "%s/%s %s\n", s.res.nameKind(), m.GetName(), verb)
		}
	}
	return joinKubectlErrors(append(missing, errs...))
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
