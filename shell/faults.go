package shell

import (
	"errors"
	"fmt"
	"strings"

	"github.com/meshtwin/meshtwin/asm"
	"github.com/meshtwin/meshtwin/model"
)

// FaultInjector is what the `fault` commands need of a backend: the
// simulator makes API requests fail on demand; a backend of real clusters
// has no such switch and does not implement it.
type FaultInjector interface {
	InjectFault(f model.Fault) error
	ClearFaults()
	Faults() []model.Fault
}

type faultOptions struct {
	fault model.Fault
	kind  string
}

func (s *Session) faults() (FaultInjector, error) {
	fi, ok := s.backend.(FaultInjector)
	if !ok {
		return nil, errors.New("this backend cannot inject faults (only the simulator can)")
	}
	return fi, nil
}

// faultInject is `fault inject --context C --verb V --resource R --error E [--count N] [--rate P]`.
func (s *Session) faultInject(e *cmdEnv, o faultOptions) error {
	fi, err := s.faults()
	if err != nil {
		return err
	}
	f := o.fault
	f.Kind = model.FaultKind(o.kind)
	if err := fi.InjectFault(f); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "fault injected: %s\n", describeFault(f))
	return nil
}

// faultClear is `fault clear`.
func (s *Session) faultClear(e *cmdEnv) error {
	fi, err := s.faults()
	if err != nil {
		return err
	}
	n := len(fi.Faults())
	fi.ClearFaults()
	fmt.Fprintf(e.out, "faults cleared (%d active)\n", n)
	return nil
}

// faultList is `fault list`.
func (s *Session) faultList(e *cmdEnv) error {
	fi, err := s.faults()
	if err != nil {
		return err
	}
	fs := fi.Faults()
	if len(fs) == 0 {
		fmt.Fprintln(e.out, "no faults")
	}
	for _, f := range fs {
		fmt.Fprintln(e.out, f.String())
	}
	return nil
}

// describeFault says in words which requests a fault fails.
func describeFault(f model.Fault) string {
	var b strings.Builder
	switch {
	case f.Rate > 0 && f.Rate < 1:
		fmt.Fprintf(&b, "a share %g of the", f.Rate)
	case f.Count > 0:
		fmt.Fprintf(&b, "the next %d", f.Count)
	default:
		b.WriteString("every")
	}
	if f.Verb != "" {
		b.WriteString(" " + f.Verb)
	}
	b.WriteString(" request")
	if f.Resource != "" {
		b.WriteString(" on " + f.Resource)
	}
	if f.Context != "" {
		b.WriteString(" in " + f.Context)
	}
	fmt.Fprintf(&b, " fails with %s", f.Kind)
	return b.String()
}

// reportPartial prints, for an operation that was carried out on some
// clusters and failed on others (*asm.PartialError), what failed, one line
// a place, and returns the error the command exits with. Any other error
// is returned as it is.
func reportPartial(e *cmdEnv, what string, err error) error {
	var pe *asm.PartialError
	if !errors.As(err, &pe) {
		return err
	}
	for _, f := range pe.Failed {
		fmt.Fprintf(e.errOut, "%s\n", f)
	}
	for _, c := range pe.NotApplied.Changes {
		fmt.Fprintf(e.errOut, "%s: not applied (stopped at the first failure)\n", c)
	}
	return fmt.Errorf("%s: failed in %s; what was done is kept and nothing was removed: run it again to complete it",
		what, strings.Join(pe.Places(), ", "))
}
