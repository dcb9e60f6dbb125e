package kubectl

import (
	"errors"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// kubeWaitDefaultTimeout is kubectl wait's default --timeout.
const kubeWaitDefaultTimeout = 30 * time.Second

// waitFor is one --for: a condition (Ready, complete, ...) and the
// status it must have, or deletion.
type waitFor struct {
	condition, status string
	delete            bool
}

// parseWaitFor reads --for as kubectl does: delete, or
// condition=NAME[=VALUE] (VALUE defaults to true).
func parseWaitFor(s string) (waitFor, error) {
	if strings.ToLower(s) == "delete" {
		return waitFor{delete: true}, nil
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

// wait is `kubectl wait --for=condition=C|delete TYPE/NAME...`. kubectl
// watches the objects until the condition holds or --timeout (default
// 30s) passes; here the wait runs on the backend's clock, one second at
// a time, and prints `KIND/NAME condition met` per object, as kubectl's
// name printer does.
func (k *kubectlRun) wait(args []string) error {
	fs := k.newFlags("kubectl wait")
	forFlags := fs.StringArray("for", nil, "The condition to wait on: [delete|condition=condition-name[=condition-value]].")
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
				for waited := time.Duration(0); ; waited += time.Second {
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
					if waited >= limit {
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
