package model

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// ModelledKubeVersions is the range of Kubernetes releases the twin
// models: from 1.21, the first release that serves every API the twin's
// objects use at v1 (batch/v1 CronJob), to 1.37, the release of the
// Kubernetes libraries the twin is built with (k8s.io/* v0.37). A cluster
// of another version is refused rather than simulated with rules that
// are not its own.
func ModelledKubeVersions() (oldest, newest KubeVersion) {
	return KubeVersion{Major: 1, Minor: 21}, KubeVersion{Major: 1, Minor: 37}
}

// CheckModelledKubeVersion refuses a Kubernetes version outside
// ModelledKubeVersions.
func CheckModelledKubeVersion(v KubeVersion) error {
	oldest, newest := ModelledKubeVersions()
	if v.Compare(oldest) < 0 || v.Compare(newest) > 0 {
		return fmt.Errorf("Kubernetes %s is not modelled: meshtwin models Kubernetes %s to %s", v, oldest, newest)
	}
	return nil
}

// featureGateSpan is when a feature gate exists in Kubernetes and from
// which release it is locked to true (GA); a zero lockedFrom means never.
type featureGateSpan struct {
	since, lockedFrom KubeVersion
}

// modelledFeatureGates are the feature gates the twin models, with the
// releases that know them (SidecarContainers: alpha in 1.28, beta in
// 1.29, GA and locked to true in 1.33).
func modelledFeatureGates() map[string]featureGateSpan {
	return map[string]featureGateSpan{
		FeatureGateSidecarContainers: {since: KubeVersion{1, 28}, lockedFrom: KubeVersion{1, 33}},
	}
}

// ModelledFeatureGates lists, sorted, the feature gates the twin models.
func ModelledFeatureGates() []string {
	return slices.Sorted(maps.Keys(modelledFeatureGates()))
}

// UnrecognizedFeatureGateError is a --feature-gates entry that Kubernetes
// v does not know (or the twin does not model): a real component refuses
// to start with it.
type UnrecognizedFeatureGateError struct {
	Gate string
	// Since is the first release with the gate, when the twin models the
	// gate and v is older; zero otherwise.
	Since KubeVersion
}

func (e *UnrecognizedFeatureGateError) Error() string {
	return "unrecognized feature gate: " + e.Gate
}

// CheckFeatureGates checks gates as a Kubernetes v component checks its
// --feature-gates, with the components' own words: an unknown gate is
// "unrecognized", and a GA gate cannot be set against its locked value.
// Every problem is reported, in gate name order.
func CheckFeatureGates(v KubeVersion, gates map[string]bool) error {
	known := modelledFeatureGates()
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(gates)) {
		span, ok := known[name]
		switch {
		case !ok:
			errs = append(errs, &UnrecognizedFeatureGateError{Gate: name})
		case v.Compare(span.since) < 0:
			errs = append(errs, &UnrecognizedFeatureGateError{Gate: name, Since: span.since})
		case !span.lockedFrom.IsZero() && v.Compare(span.lockedFrom) >= 0 && !gates[name]:
			errs = append(errs, fmt.Errorf("cannot set feature gate %s to %t, feature is locked to true", name, gates[name]))
		}
	}
	return errors.Join(errs...)
}
