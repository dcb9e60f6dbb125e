package kubectl

import (
	"errors"
	"fmt"
	"io"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
)

// kubeSection is the objects of one resource type a command fetched.
type kubeSection struct {
	res  *kubeResource
	objs []runtime.Object
}

// kubeQuery is what get (and describe, label, delete) fetch: objects by
// name, or every object matching the selectors.
type kubeQuery struct {
	allNamespaces bool
	selector      string
	fieldSelector string
	ignoreMissing bool
}

// fetch gets the objects the arguments name, grouped by resource type in
// the order asked. NotFound errors are returned after the objects found.
func (k *kubectlRun) fetch(cs kubernetes.Interface, args []resourceArg, q kubeQuery) ([]kubeSection, []error, error) {
	sel, err := labels.Parse(q.selector)
	if err != nil {
		return nil, nil, err
	}
	fsel, err := fields.ParseSelector(q.fieldSelector)
	if err != nil {
		return nil, nil, err
	}
	ns := k.namespace()
	if q.allNamespaces {
		ns = metav1.NamespaceAll
	}
	var sections []kubeSection
	var missing []error
	add := func(r *kubeResource, objs ...runtime.Object) {
		for i := range sections {
			if sections[i].res == r {
				sections[i].objs = append(sections[i].objs, objs...)
				return
			}
		}
		sections = append(sections, kubeSection{res: r, objs: objs})
	}
	for _, a := range args {
		if a.res.meshConfig {
			obj, err := k.meshConfigObject(a.name)
			if err != nil {
				if apierrors.IsNotFound(err) && q.ignoreMissing {
					continue
				}
				if apierrors.IsNotFound(err) {
					missing = append(missing, err)
					continue
				}
				return nil, nil, err
			}
			if a.name == "" && !(sel.Matches(labels.Set(kubeMeta(obj).GetLabels())) && kubeFieldsMatch(fsel, a.res, obj)) {
				add(a.res)
				continue
			}
			add(a.res, obj)
			continue
		}
		rns := ns
		if !a.res.namespaced {
			rns = ""
		}
		c := a.res.client(cs, rns)
		if a.name != "" {
			obj, err := c.Get(k.ctx, a.name)
			if err != nil {
				if apierrors.IsNotFound(err) {
					if !q.ignoreMissing {
						missing = append(missing, err)
					}
					continue
				}
				return nil, nil, err
			}
			add(a.res, obj)
			continue
		}
		objs, err := c.List(k.ctx, metav1.ListOptions{LabelSelector: q.selector, FieldSelector: q.fieldSelector})
		if err != nil {
			return nil, nil, err
		}
		var kept []runtime.Object
		for _, obj := range objs {
			if sel.Matches(labels.Set(kubeMeta(obj).GetLabels())) && kubeFieldsMatch(fsel, a.res, obj) {
				kept = append(kept, obj)
			}
		}
		sortKubeObjects(kept)
		add(a.res, kept...)
	}
	return sections, missing, nil
}

// kubeFieldsMatch applies a field selector to an object on the client
// side too, since not every backend filters by fields (on a real API
// server the list is already filtered and this changes nothing).
func kubeFieldsMatch(sel fields.Selector, r *kubeResource, obj runtime.Object) bool {
	if sel.Empty() {
		return true
	}
	m, err := kubeObjectMap(r, obj)
	if err != nil {
		return true
	}
	for _, req := range sel.Requirements() {
		var cur any = m
		for _, part := range strings.Split(req.Field, ".") {
			mm, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur = mm[part]
		}
		val := ""
		if cur != nil {
			val = fmt.Sprint(cur)
		}
		switch req.Operator {
		case "=", "==":
			if val != req.Value {
				return false
			}
		case "!=":
			if val == req.Value {
				return false
			}
		}
	}
	return true
}

func (k *kubectlRun) get(args []string) error {
	fs := k.newFlags("kubectl get")
	output := fs.StringP("output", "o", "", "Output format: wide, yaml, json, name, jsonpath=TEMPLATE, custom-columns=SPEC")
	selector := fs.StringP("selector", "l", "", "Selector (label query) to filter on, e.g. -l key1=value1,key2=value2")
	fieldSelector := fs.String("field-selector", "", "Selector (field query) to filter on, e.g. --field-selector status.phase=Running")
	allNS := fs.BoolP("all-namespaces", "A", false, "List the requested objects across all namespaces")
	showLabels := fs.Bool("show-labels", false, "When printing, show all labels as the last column")
	noHeaders := fs.Bool("no-headers", false, "When using the default or custom-column output format, don't print headers")
	labelCols := fs.StringSliceP("label-columns", "L", nil, "Labels to present as columns")
	ignoreNotFound := fs.Bool("ignore-not-found", false, "If the requested object does not exist the command will return exit code 0")
	showKind := fs.Bool("show-kind", false, "If present, list the resource type for the requested object(s).")
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	out, err := parseKubeOutput(*output)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fmt.Fprintln(k.errOut, "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.")
		fmt.Fprintln(k.errOut)
		return k.usageErrorf("Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).")
	}
	cs, rargs, err := k.clientAndResources(pos)
	if err != nil {
		return err
	}
	named := anyNamed(rargs)
	if named && (*selector != "" || *fieldSelector != "") {
		return errors.New("name cannot be provided when a selector is specified")
	}
	if named && *allNS {
		return errors.New("a resource cannot be retrieved by name across all namespaces")
	}
	sections, missing, err := k.fetch(cs, rargs, kubeQuery{allNamespaces: *allNS, selector: *selector, fieldSelector: *fieldSelector, ignoreMissing: *ignoreNotFound})
	if err != nil {
		return err
	}
	single := len(rargs) == 1 && rargs[0].name != ""
	if err := k.printObjects(sections, out, single, kubeTableOptions{
		now: k.host.Now(), server: k.serverVersion(), wide: out.format == "wide", withNamespace: *allNS,
		withKind:   *showKind || multipleTypesRequested(rargs, pos),
		showLabels: *showLabels, labelColumns: *labelCols, noHeaders: *noHeaders,
	}); err != nil {
		return err
	}
	if len(missing) == 0 && (out.format == "" || out.format == "wide") && kubeCount(sections) == 0 && !*ignoreNotFound {
		allNamespaced := !*allNS
		for _, s := range rargs {
			allNamespaced = allNamespaced && s.res.namespaced
		}
		if allNamespaced {
			fmt.Fprintf(k.errOut, "No resources found in %s namespace.\n", k.namespace())
		} else {
			fmt.Fprintln(k.errOut, "No resources found")
		}
	}
	return joinKubectlErrors(missing)
}

func kubeCount(sections []kubeSection) int {
	n := 0
	for _, s := range sections {
		n += len(s.objs)
	}
	return n
}

// printObjects prints what get fetched in the -o format. single means
// one object was asked for by name: structured formats then print it
// alone rather than in a List.
func (k *kubectlRun) printObjects(sections []kubeSection, out kubeOutput, single bool, o kubeTableOptions) error {
	switch out.format {
	case "", "wide":
		first := true
		for _, s := range sections {
			if len(s.objs) == 0 {
				continue
			}
			if !first {
				fmt.Fprintln(k.out)
			}
			first = false
			if err := writeKubeTable(k.out, s, o); err != nil {
				return err
			}
		}
		return nil
	case "name":
		for _, s := range sections {
			for _, obj := range s.objs {
				fmt.Fprintf(k.out, "%s/%s\n", s.res.nameKind(), kubeMeta(obj).GetName())
			}
		}
		return nil
	}
	var items []map[string]any
	for _, s := range sections {
		for _, obj := range s.objs {
			m, err := kubeObjectMap(s.res, obj)
			if err != nil {
				return err
			}
			items = append(items, m)
		}
	}
	if out.format == "custom-columns" {
		return writeCustomColumns(k.out, out.arg, items, o.noHeaders)
	}
	var data any
	if single && len(items) == 1 {
		data = items[0]
	} else if single && len(items) == 0 {
		return nil
	} else {
		data = kubeListMap(items)
	}
	switch out.format {
	case "yaml":
		return writeKubeYAML(k.out, data)
	case "json":
		return writeKubeJSON(k.out, data)
	}
	return writeJSONPath(k.out, out.arg, data)
}

// writeKubeTable prints one resource type's table.
func writeKubeTable(w io.Writer, s kubeSection, o kubeTableOptions) error {
	tw := newKubeTable(w)
	if !o.noHeaders {
		writeKubeRow(tw, kubeTableHeaders(s.res, o))
	}
	for _, obj := range s.objs {
		writeKubeRow(tw, kubeTableRow(s.res, obj, o))
	}
	return tw.Flush()
}

// meshConfigObject is the mesh instance's asmmeshconfig; name "" means
// any (a list), otherwise it must be "default".
func (k *kubectlRun) meshConfigObject(name string) (runtime.Object, error) {
	inst, err := k.host.MeshConfig()
	if err != nil {
		return nil, err
	}
	obj := inst.MeshConfigObject()
	if name != "" && name != obj.GetName() {
		return nil, apierrors.NewNotFound(meshConfigResource().groupResource(), name)
	}
	return obj, nil
}

// meshConfigResource is the asmmeshconfigs row of the resource table.
func meshConfigResource() *kubeResource {
	for _, r := range kubeResourceTable {
		if r.meshConfig {
			return r
		}
	}
	panic("asmmeshconfigs missing from kubeResourceTable")
}
