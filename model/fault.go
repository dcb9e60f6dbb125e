package model

import (
	"fmt"
	"slices"
	"strings"
)

// FaultKind is the API error an injected fault answers a request with.
type FaultKind string

// The API errors a fault can inject: what a mesh control plane meets when
// it writes to many clusters.
const (
	// FaultConflict is 409 Conflict: someone wrote the object since it
	// was read.
	FaultConflict FaultKind = "conflict"
	// FaultTimeout is 504 Timeout: the request did not complete in time.
	FaultTimeout FaultKind = "timeout"
	// FaultServerError is 500 Internal Server Error.
	FaultServerError FaultKind = "server-error"
	// FaultUnreachable is no answer at all: the connection is refused.
	FaultUnreachable FaultKind = "unreachable"
)

// FaultKinds lists every FaultKind, in help order.
func FaultKinds() []FaultKind {
	return []FaultKind{FaultConflict, FaultTimeout, FaultServerError, FaultUnreachable}
}

// FaultVerbs are the request verbs a fault can be limited to.
func FaultVerbs() []string {
	return []string{"get", "list", "create", "update", "patch", "delete"}
}

// Fault makes some API requests fail: those to Context (a cluster, or
// ContextASM for the mesh instance) with Verb on Resource; an empty field
// matches every value. Count limits how many requests fail (0: all until
// the faults are cleared); Rate, when above 0 and below 1, fails only that
// share of the matching requests, drawn from the backend's seed.
type Fault struct {
	Context  string
	Verb     string
	Resource string
	Kind     FaultKind
	Count    int
	Rate     float64
}

// String renders the fault as the script command that injects it.
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString("fault inject")
	for _, kv := range [][2]string{{"context", f.Context}, {"verb", f.Verb}, {"resource", f.Resource}, {"error", string(f.Kind)}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " --%s %s", kv[0], kv[1])
		}
	}
	if f.Count > 0 {
		fmt.Fprintf(&b, " --count %d", f.Count)
	}
	if f.Rate > 0 && f.Rate < 1 {
		fmt.Fprintf(&b, " --rate %g", f.Rate)
	}
	return b.String()
}

// ValidateFault checks a fault's kind, verb, count and rate; the
// backend checks that its context exists.
func ValidateFault(f Fault) error {
	kinds := make([]string, 0, len(FaultKinds()))
	for _, k := range FaultKinds() {
		kinds = append(kinds, string(k))
	}
	if f.Kind == "" {
		return fmt.Errorf("--error is required: one of %s", strings.Join(kinds, ", "))
	}
	if !slices.Contains(FaultKinds(), f.Kind) {
		return fmt.Errorf("unknown fault error %q (known: %s)", f.Kind, strings.Join(kinds, ", "))
	}
	if f.Verb != "" && !slices.Contains(FaultVerbs(), f.Verb) {
		return fmt.Errorf("unknown verb %q (known: %s)", f.Verb, strings.Join(FaultVerbs(), ", "))
	}
	if f.Count < 0 {
		return fmt.Errorf("--count must be 0 (until cleared) or more, got %d", f.Count)
	}
	if f.Rate < 0 || f.Rate > 1 {
		return fmt.Errorf("--rate must be between 0 and 1, got %g", f.Rate)
	}
	return nil
}
