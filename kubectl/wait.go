package kubectl

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/jsonpath"
)

// kubeWaitDefaultTimeout is kubectl wait's default --timeout.
const kubeWaitDefaultTimeout = 30 * time.Second

// waitFor is one --for: a condition (Ready, complete, ...) and the
// status it must have, deletion, or a JSONPath expression and the value
// it must find (any value when value is "").
type waitFor struct {
	condition, status string
	delete            bool
	path              *jsonpath.JSONPath
	value             string
}

// jsonPathField is customcolumn.go's jsonRegexp: '{.a.b}', '.a.b' or 'a.b'.
var jsonPathField = regexp.MustCompile(`^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`)

// parseWaitJSONPath reads --for=jsonpath=EXPR[=VALUE] as kubectl's
// processJSONPathInput does: split on single '=' ('==' stays), the
// expression relaxed to '{.a.b}', the value trimmed of quotes.
func parseWaitJSONPath(input string) (waitFor, error) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(input); i++ {
		if input[i] == '=' {
			if i < len(input)-1 && input[i+1] == '=' {
				cur.WriteString("==")
				i++
				continue
			}
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(input[i])
	}
	parts = append(parts, cur.String())
	if len(parts) > 2 {
		return waitFor{}, errors.New("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'")
	}
	expr := parts[0]
	if expr != "" {
		m := jsonPathField.FindStringSubmatch(expr)
		if m == nil {
			return waitFor{}, errors.New("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'")
		}
		expr = "{." + m[1] + m[2] + "}"
	}
	w := waitFor{}
	if len(parts) == 2 {
		if w.value = strings.Trim(parts[1], `'"`); w.value == "" {
			return waitFor{}, errors.New("jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3")
		}
	}
	if expr == "" {
		return waitFor{}, errors.New("jsonpath expression cannot be empty")
	}
	w.path = jsonpath.New("wait").AllowMissingKeys(true)
	if err := w.path.Parse(expr); err != nil {
		return waitFor{}, err
	}
	return w, nil
}

// parseWaitFor reads --for as kubectl does: delete, or
// condition=NAME[=VALUE] (VALUE defaults to true).
func parseWaitFor(s string) (waitFor, error) {
	if strings.ToLower(s) == "delete" {
		return waitFor{delete: true}, nil
	}
	if rest, ok := strings.CutPrefix(s, "jsonpath="); ok {
		return parseWaitJSONPath(rest)
	}
	if rest, ok := strings.CutPrefix(s, "condition="); ok {
		name, value, hasValue := strings.Cut(rest, "=")
		if !hasValue {
			value = "true"
		}
		return waitFor{condition: name, status: value}, nil
	}
	return waitFor{}, fmt.Errorf("unrecognized condition: %q", s)
}

// met reports whether obj has the condition with the status asked, as
// kubectl's ConditionalWait reads status.conditions (names and values
// compared without case; a condition whose observedGeneration lags the
// object's generation does not count).
func (w waitFor) met(obj runtime.Object) (bool, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return false, err
	}
	if w.path != nil {
		return w.jsonPathMet(u)
	}
	conds, _, _ := unstructured.NestedSlice(u, "status", "conditions")
	for _, raw := range conds {
		c, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		name, _, _ := unstructured.NestedString(c, "type")
		if !strings.EqualFold(name, w.condition) {
			continue
		}
		status, _, _ := unstructured.NestedString(c, "status")
		gen, found, _ := unstructured.NestedInt64(u, "metadata", "generation")
		if observed, ok, _ := unstructured.NestedInt64(c, "observedGeneration"); found && ok && observed < gen {
			return false, nil
		}
		return strings.EqualFold(status, w.status), nil
	}
	return false, nil
}

// jsonPathMet is JSONPathWait's checkCondition: the expression must
// find one value, not a map or list, equal to the value asked (both
// trimmed), or any value when none was asked.
func (w waitFor) jsonPathMet(u map[string]any) (bool, error) {
	results, err := w.path.FindResults(u)
	if err != nil {
		return false, err
	}
	if len(results) == 0 || len(results[0]) == 0 {
		return false, nil
	}
	if len(results) > 1 {
		return false, errors.New("given jsonpath expression matches more than one list")
	}
	if len(results[0]) > 1 {
		return false, errors.New("given jsonpath expression matches more than one value")
	}
	if w.value == "" {
		return true, nil
	}
	v := results[0][0].Interface()
	switch v.(type) {
	case map[string]any, []any:
		return false, errors.New("jsonpath leads to a nested object or list which is not supported")
	}
	return strings.TrimSpace(fmt.Sprintf("%v", v)) == strings.TrimSpace(w.value), nil
}

// wait is `kubectl wait --for=condition=C|delete TYPE/NAME...`. kubectl
// watches the objects until the condition holds or --timeout (default
// 30s) passes; here the wait runs on the backend's clock, one second at
// a time, and prints `KIND/NAME condition met` per object, as kubectl's
// name printer does.
func (k *kubectlRun) wait(args []string) error {
	fs := k.newFlags("kubectl wait")
	forFlags := fs.StringArray("for", nil, "The condition to wait on: [delete|condition=condition-name[=condition-value]|jsonpath='{JSONPath expression}'=[JSONPath value]].")
	timeout := fs.Duration("timeout", kubeWaitDefaultTimeout, "The length of time to wait before giving up. Zero means check once and don't wait, negative means wait for a week.")
	selector := fs.StringP("selector", "l", "", "Selector (label query) to filter on")
	all := fs.Bool("all", false, "Select all resources in the namespace of the specified resource types")
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	if len(*forFlags) == 0 {
		return fmt.Errorf("unrecognized condition: %q", *forFlags)
	}
	var conds []waitFor
	for _, f := range *forFlags {
		w, err := parseWaitFor(f)
		if err != nil {
			return err
		}
		conds = append(conds, w)
	}
	if len(pos) == 0 {
		return k.usageErrorf("You must provide one or more resources by argument or filename.")
	}
	cs, rargs, err := k.clientAndResources(pos)
	if err != nil {
		return err
	}
	if !anyNamed(rargs) && !*all && *selector == "" {
		return errors.New("resource(s) were provided, but no name was specified")
	}
	sections, missing, err := k.fetch(cs, rargs, kubeQuery{selector: *selector})
	if err != nil {
		return err
	}
	deleting := len(conds) == 1 && conds[0].delete
	if len(missing) > 0 && !deleting {
		return joinKubectlErrors(missing)
	}
	if kubeCount(sections) == 0 && !deleting {
		return errors.New("no matching resources found")
	}
	limit := *timeout
	if limit < 0 {
		limit = 7 * 24 * time.Hour
	}
	for _, s := range sections {
		for _, obj := range s.objs {
			m := kubeMeta(obj)
			c := s.res.client(cs, m.GetNamespace())
			name := m.GetName()
			for _, w := range conds {
				// The timeout is the host's time, as kubectl's is the
				// wall clock's: on a backend with real nodes an
				// advance of a second takes longer than one.
				start := k.host.Now()
				for {
					done := false
					if w.delete {
						_, err := c.Get(k.ctx, name)
						if err != nil && !apierrors.IsNotFound(err) {
							return err
						}
						done = apierrors.IsNotFound(err)
					} else {
						if done, err = w.met(obj); err != nil {
							return err
						}
					}
					if done {
						fmt.Fprintf(k.out, "%s/%s condition met\n", s.res.nameKind(), name)
						break
					}
					if limit == 0 {
						return fmt.Errorf("condition not met for %s/%s", s.res.plural, name)
					}
					if k.host.Now().Sub(start) >= limit {
						return fmt.Errorf("timed out waiting for the condition on %s/%s", s.res.plural, name)
					}
					if err := k.host.Advance(k.ctx, time.Second); err != nil {
						return err
					}
					if !w.delete {
						if obj, err = c.Get(k.ctx, name); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}
