package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/testing"

	"github.com/meshtwin/meshtwin/model"
)

// faultTable holds the injected faults of a Sim. It has its own lock: a
// request is checked against it before the API server takes the
// simulator's.
type faultTable struct {
	mu     sync.Mutex
	rng    *rand.Rand
	faults []*activeFault
}

// activeFault is an injected fault and how many requests it may still
// fail (-1: no limit).
type activeFault struct {
	model.Fault
	left int
}

func newFaultTable(seed uint64) *faultTable {
	return &faultTable{rng: rand.New(rand.NewPCG(seed, seed^0x6661756c7473))}
}

// InjectFault makes the API requests the fault matches fail with its
// error, from the next request on (model.Fault). Faults add up; the first
// that matches a request answers it.
func (s *Sim) InjectFault(f model.Fault) error {
	if err := model.ValidateFault(f); err != nil {
		return fmt.Errorf("inject fault: %w", err)
	}
	if f.Context != "" {
		if _, err := s.Client(f.Context); err != nil {
			return fmt.Errorf("inject fault: %w", err)
		}
	}
	left := f.Count
	if left == 0 {
		left = -1
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults = append(s.faults.faults, &activeFault{Fault: f, left: left})
	return nil
}

// ClearFaults removes every injected fault.
func (s *Sim) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults = nil
}

// Faults lists the injected faults still active, in injection order,
// with the count each has left.
func (s *Sim) Faults() []model.Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := make([]model.Fault, 0, len(s.faults.faults))
	for _, f := range s.faults.faults {
		g := f.Fault
		if f.left > 0 {
			g.Count = f.left
		}
		out = append(out, g)
	}
	return out
}

// reactFault is the first reactor of every clientset: a request an
// injected fault matches fails with its error before the API server sees
// it.
func (a *apiServer) reactFault(action testing.Action) (bool, runtime.Object, error) {
	switch action.(type) {
	case testing.GetActionImpl, testing.ListActionImpl, testing.CreateActionImpl, testing.UpdateActionImpl,
		testing.PatchActionImpl, testing.DeleteActionImpl, testing.DeleteCollectionActionImpl,
		viewGetAction, viewListAction, handOverCreateAction:
	default:
		return false, nil, nil // discovery: never fails
	}
	verb := action.GetVerb()
	if verb == "delete-collection" {
		verb = "delete"
	}
	kind, ok := a.sim.faults.take(a.context, verb, action.GetResource().Resource)
	if !ok {
		return false, nil, nil
	}
	return true, nil, faultError(kind, a.host(), action)
}

// take finds the first fault that matches a request, counts it, and draws
// whether it strikes this time.
func (t *faultTable) take(context, verb, resource string) (model.FaultKind, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, f := range t.faults {
		if (f.Context != "" && f.Context != context) || (f.Verb != "" && f.Verb != verb) || (f.Resource != "" && f.Resource != resource) {
			continue
		}
		if f.Rate > 0 && f.Rate < 1 && t.rng.Float64() >= f.Rate {
			return "", false
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				t.faults = append(t.faults[:i:i], t.faults[i+1:]...)
			}
		}
		return f.Kind, true
	}
	return "", false
}

// faultError is the error a client sees for a request a fault fails, in
// client-go's and the API server's words.
func faultError(kind model.FaultKind, host string, action testing.Action) error {
	gr := action.GetResource().GroupResource()
	name := ""
	if n, ok := action.(interface{ GetName() string }); ok {
		name = n.GetName()
	}
	if o, ok := action.(interface{ GetObject() runtime.Object }); ok && name == "" {
		if m, err := meta.Accessor(o.GetObject()); err == nil {
			name = m.GetName()
		}
	}
	switch kind {
	case model.FaultConflict:
		return apierrors.NewConflict(gr, name, errors.New("the object has been modified; please apply your changes to the latest version and try again"))
	case model.FaultTimeout:
		return apierrors.NewTimeoutError("request did not complete within requested timeout - context deadline exceeded", 0)
	case model.FaultServerError:
		return apierrors.NewInternalError(errors.New("etcdserver: request timed out"))
	default:
		return errRefused(host, action, name)
	}
}

// resourcePath is the request's path on the API server.
func resourcePath(action testing.Action, name string) string {
	gvr := action.GetResource()
	p := "/api/" + gvr.Version
	if gvr.Group != "" {
		p = "/apis/" + gvr.Group + "/" + gvr.Version
	}
	if ns := action.GetNamespace(); ns != "" {
		p += "/namespaces/" + ns
	}
	p += "/" + gvr.Resource
	if name != "" {
		p += "/" + name
	}
	return p
}
