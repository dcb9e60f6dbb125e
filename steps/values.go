package steps

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// A scenario can keep what a command prints under a NAME (Given "NAME"
// is what "COMMAND" prints) and use it in later commands as ${NAME}, or
// as ${NAME/N}: the value, a Kubernetes quantity (a node's allocatable
// cpu, "4" or "3900m"), divided by N, to the millicore. So a scenario
// can size requests by what the backend's nodes offer, read through
// kubectl, instead of assuming the twin's 4-CPU nodes.

// valueName is a value's name: capitals, digits and "_".
const valueName = `[A-Z][A-Z0-9_]*`

// valueRef is ${NAME} or ${NAME/N}.
var valueRef = regexp.MustCompile(`\$\{(` + valueName + `)(?:/([1-9][0-9]*))?\}`)

// setValue runs command and keeps what it printed, without the
// surrounding blanks, under name. The command must succeed and print
// something.
func (w *World) setValue(ctx context.Context, name, command string) error {
	command, err := w.expand(command)
	if err != nil {
		return err
	}
	var out, errOut bytes.Buffer
	if gerr := w.guard(ctx, fmt.Sprintf("running %q", command), func(ctx context.Context) {
		err = w.session.Exec(ctx, command, nil, &out, &errOut)
	}); gerr != nil {
		return gerr
	}
	if err != nil {
		return fmt.Errorf("expected %q to succeed, got %v\n%s", command, err, showStreams(out.String(), errOut.String()))
	}
	value := strings.TrimSpace(out.String())
	if value == "" {
		return fmt.Errorf("expected %q to print a value for %s, got nothing\n%s", command, name, showStreams(out.String(), errOut.String()))
	}
	if w.values == nil {
		w.values = map[string]string{}
	}
	w.values[name] = value
	return nil
}

// expand replaces each ${NAME} and ${NAME/N} in text by its value; a
// name the scenario has not set, or a value that is no quantity where
// one is divided, is an error.
func (w *World) expand(text string) (string, error) {
	var errs []string
	out := valueRef.ReplaceAllStringFunc(text, func(ref string) string {
		m := valueRef.FindStringSubmatch(ref)
		value, ok := w.values[m[1]]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s: no value named %s (set one first with: Given %q is what \"COMMAND\" prints)", ref, m[1], m[1]))
			return ref
		}
		if m[2] == "" {
			return value
		}
		q, err := resource.ParseQuantity(value)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %s's value %q is not a quantity: %v", ref, m[1], value, err))
			return ref
		}
		n, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: divisor: %v", ref, err))
			return ref
		}
		return resource.NewMilliQuantity(q.MilliValue()/n, q.Format).String()
	})
	if len(errs) > 0 {
		return "", fmt.Errorf("expected every value used to be set: %s", strings.Join(errs, "; "))
	}
	return out, nil
}
