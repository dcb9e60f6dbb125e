package steps

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/meshtwin/meshtwin/script"
	"github.com/meshtwin/meshtwin/shell"
)

// Options configure the vocabulary.
type Options struct {
	// NewBackend returns a fresh backend; it is called once per scenario.
	// Required.
	NewBackend func() shell.Backend
	// Seed is the shell session's seed (generated names, IPs); 0 means 1.
	Seed int64
	// Dir is where relative file names (kubectl apply -f FILE) are read
	// from; empty means the test's working directory.
	Dir string
	// Summary, when set, records every scenario's tags and outcome.
	Summary *Summary
	// StepTimeout bounds how long a step waits for the backend before it
	// fails; 0 means DefaultStepTimeout.
	StepTimeout time.Duration
}

// Register adds the vocabulary to sc, with a fresh backend from newBackend
// for every scenario.
func Register(sc *godog.ScenarioContext, newBackend func() shell.Backend) {
	RegisterWithOptions(sc, Options{NewBackend: newBackend})
}

// RegisterWithOptions is Register with every option.
func RegisterWithOptions(sc *godog.ScenarioContext, opts Options) {
	if opts.NewBackend == nil {
		panic("steps: Options.NewBackend is required")
	}
	seed := opts.Seed
	if seed == 0 {
		seed = 1
	}
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		b := opts.NewBackend()
		if b == nil {
			return ctx, fmt.Errorf("steps: NewBackend returned no backend")
		}
		return WithWorld(ctx, NewWorld(b, shell.Options{Seed: seed, Dir: opts.Dir}, opts.StepTimeout)), nil
	})
	sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
		w, ok := FromContext(ctx)
		if !ok {
			return ctx, nil
		}
		// A backend that holds resources (a real backend's control
		// planes) gives them back after each scenario.
		if c, ok := w.backend.(io.Closer); ok {
			if err := c.Close(); err != nil {
				return ctx, fmt.Errorf("close the backend: %w", err)
			}
		}
		return ctx, nil
	})
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		w, ok := FromContext(ctx)
		if !ok {
			return ctx, nil
		}
		if st.Type == stepTypeAction {
			w.beginWhen()
		} else {
			w.endWhen()
		}
		return ctx, nil
	})
	if opts.Summary != nil {
		opts.Summary.Register(sc)
	}

	sc.Given(`^the commands:$`, givenCommands)
	sc.Given(`^a mesh of version "([^"]*)" with clusters? ((?:"[^"]*"(?:, | and )?)+)$`, givenMesh)
	sc.Given(`^"(`+valueName+`)" is what "(.*)" prints$`, givenValue)

	sc.When(`^I run "(.*)"$`, whenRun)
	sc.When(`^I run:$`, whenRunScript)
	sc.When(`^the clock advances by (\S+)$`, whenAdvance)
	sc.Step(`^cluster "([^"]+)" is unreachable$`, func(ctx context.Context, name string) error { return setReachable(ctx, name, false) })
	sc.Step(`^cluster "([^"]+)" is reachable again$`, func(ctx context.Context, name string) error { return setReachable(ctx, name, true) })

	sc.Then(`^it succeeds$`, thenSucceeds)
	sc.Then(`^it fails$`, thenFails)
	sc.Then(`^it fails with "(.*)"$`, thenFailsWith)
	sc.Then(`^the output is:$`, thenOutputIs)
	sc.Then(`^the output contains "(.*)"$`, thenOutputContains)
	sc.Then(`^the output does not contain "(.*)"$`, thenOutputDoesNotContain)
	sc.Then(`^the output contains:$`, thenOutputContainsDoc)
	sc.Then(`^the "([^"]+)" column for "([^"]+)" is "([^"]*)"$`, thenColumn)
	sc.Then(`^the "([^"]+)" column for "([^"]+)" is one of "([^"]*)"$`, thenColumnOneOf)
	sc.Then(`^nothing changed$`, thenNothingChanged)
}

// stepTypeAction is the pickle type of a When step (and of an And or But
// that follows one).
const stepTypeAction = "Action"

func givenCommands(ctx context.Context, doc *godog.DocString) error {
	w, err := worldOf(ctx)
	if err != nil {
		return err
	}
	return w.runCommands(ctx, doc.Content)
}

var quoted = regexp.MustCompile(`"([^"]*)"`)

func givenMesh(ctx context.Context, version, clusterList string) error {
	w, err := worldOf(ctx)
	if err != nil {
		return err
	}
	var script strings.Builder
	fmt.Fprintf(&script, "mesh create --version %s\n", version)
	for _, m := range quoted.FindAllStringSubmatch(clusterList, -1) {
		fmt.Fprintf(&script, "cluster create %s --kubernetes-version 1.30 --region cn-beijing --zone i\n", m[1])
		fmt.Fprintf(&script, "mesh add-cluster %s\n", m[1])
	}
	return w.runCommands(ctx, script.String())
}

func givenValue(ctx context.Context, name, command string) error {
	w, err := worldOf(ctx)
	if err != nil {
		return err
	}
	return w.setValue(ctx, name, command)
}

func whenRun(ctx context.Context, command string) error {
	w, err := worldOf(ctx)
	if err != nil {
		return err
	}
	return w.record(ctx, command, false)
}

func whenRunScript(ctx context.Context, doc *godog.DocString) error {
	w, err := worldOf(ctx)
	if err != nil {
		return err
	}
	return w.record(ctx, doc.Content, true)
}

func whenAdvance(ctx context.Context, duration string) error {
	w, err := worldOf(ctx)
	if err != nil {
		return err
	}
	d, err := time.ParseDuration(duration)
	if err != nil || d < 0 {
		return fmt.Errorf("expected a non-negative duration like 30s or 2m, got %q", duration)
	}
	return w.advance(ctx, d)
}

// reachabilityControl is what a backend offers to cut a cluster's API
// server off from its clients (the simulator does).
type reachabilityControl interface {
	SetReachable(ctx context.Context, cluster string, reachable bool) error
}

func setReachable(ctx context.Context, cluster string, reachable bool) error {
	w, err := worldOf(ctx)
	if err != nil {
		return err
	}
	rc, ok := w.backend.(reachabilityControl)
	if !ok {
		return fmt.Errorf("the backend %T cannot make a cluster unreachable", w.backend)
	}
	return rc.SetReachable(ctx, cluster, reachable)
}

func thenSucceeds(ctx context.Context) error {
	w, err := ranWorld(ctx)
	if err != nil {
		return err
	}
	if w.err != nil {
		return fmt.Errorf("expected the command to succeed, got an error\n%s", w.shown())
	}
	return nil
}

func thenFails(ctx context.Context) error {
	w, err := ranWorld(ctx)
	if err != nil {
		return err
	}
	if w.err == nil {
		return fmt.Errorf("expected the command to fail, got success\n%s", w.shown())
	}
	return nil
}

func thenFailsWith(ctx context.Context, text string) error {
	w, err := ranWorld(ctx)
	if err != nil {
		return err
	}
	if w.err == nil {
		return fmt.Errorf("expected the command to fail with %q, got success\n%s", text, w.shown())
	}
	if !strings.Contains(w.stderr, text) {
		return fmt.Errorf("expected the error output to contain %q, got something else\n%s", text, w.shown())
	}
	return nil
}

func thenOutputIs(ctx context.Context, doc *godog.DocString) error {
	w, err := ranWorld(ctx)
	if err != nil {
		return err
	}
	if ok, diff := script.MatchOutput(doc.Content, w.stdout); !ok {
		return fmt.Errorf("expected the output to match, got a difference:\n%s\n%s", diff, w.shown())
	}
	return nil
}

func thenOutputContains(ctx context.Context, text string) error {
	w, err := ranWorld(ctx)
	if err != nil {
		return err
	}
	if !strings.Contains(w.stdout, text) {
		return fmt.Errorf("expected the output to contain %q, got output without it\n%s", text, w.shown())
	}
	return nil
}

func thenOutputDoesNotContain(ctx context.Context, text string) error {
	w, err := ranWorld(ctx)
	if err != nil {
		return err
	}
	if strings.Contains(w.stdout, text) {
		return fmt.Errorf("expected the output not to contain %q, got output with it\n%s", text, w.shown())
	}
	return nil
}

func thenOutputContainsDoc(ctx context.Context, doc *godog.DocString) error {
	w, err := ranWorld(ctx)
	if err != nil {
		return err
	}
	if !ContainsLines(w.stdout, doc.Content) {
		return fmt.Errorf("expected the output to contain these lines in this order:\n%sgot output without them\n%s", indent(doc.Content), w.shown())
	}
	return nil
}

func thenColumn(ctx context.Context, column, row, want string) error {
	w, err := ranWorld(ctx)
	if err != nil {
		return err
	}
	got, err := ColumnValues(w.stdout, column, row)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, w.shown())
	}
	for name, v := range got {
		if v != want {
			return fmt.Errorf("expected %s of %q to be %q, got %q\n%s", column, name, want, v, w.shown())
		}
	}
	return nil
}

// thenColumnOneOf checks a column against a comma-separated list of
// values, for what a real component may choose among equals (the
// scheduler picks at random among equally scored nodes).
func thenColumnOneOf(ctx context.Context, column, row, list string) error {
	w, err := ranWorld(ctx)
	if err != nil {
		return err
	}
	got, err := ColumnValues(w.stdout, column, row)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, w.shown())
	}
	var allowed []string
	for v := range strings.SplitSeq(list, ",") {
		allowed = append(allowed, strings.TrimSpace(v))
	}
	for name, v := range got {
		if !slices.Contains(allowed, v) {
			return fmt.Errorf("expected %s of %q to be one of %q, got %q\n%s", column, name, allowed, v, w.shown())
		}
	}
	return nil
}

func thenNothingChanged(ctx context.Context) error {
	w, err := ranWorld(ctx)
	if err != nil {
		return err
	}
	if w.before == nil && w.beforeErr == nil {
		return fmt.Errorf("no snapshot to compare with: `Then nothing changed` needs a preceding When step")
	}
	if w.beforeErr != nil {
		return fmt.Errorf("could not take the snapshot before the When steps: %w", w.beforeErr)
	}
	var after *Snapshot
	if gerr := w.guard(ctx, "taking a snapshot of the state", func(ctx context.Context) { after, err = TakeSnapshot(ctx, w.backend) }); gerr != nil {
		return gerr
	}
	if err != nil {
		return fmt.Errorf("could not take the snapshot after the When steps: %w", err)
	}
	if diff := w.before.Diff(after); diff != "" {
		return fmt.Errorf("expected nothing to change, got changes (- before, + after):\n%s\n%s", diff, w.shown())
	}
	return nil
}
