package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckModelledKubeVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v, err string
	}{
		{"1.21", ""}, {"1.30", ""}, {"1.37", ""},
		{"1.20", "Kubernetes 1.20 is not modelled: meshtwin models Kubernetes 1.21 to 1.37"},
		{"1.38", "Kubernetes 1.38 is not modelled: meshtwin models Kubernetes 1.21 to 1.37"},
		{"2.0", "Kubernetes 2.0 is not modelled: meshtwin models Kubernetes 1.21 to 1.37"},
	} {
		t.Run(tc.v, func(t *testing.T) {
			t.Parallel()
			err := CheckModelledKubeVersion(MustKubeVersion(tc.v))
			if tc.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tc.err)
		})
	}
}

func TestCheckFeatureGates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		v     string
		gates map[string]bool
		err   string
	}{
		{"none", "1.30", nil, ""},
		{"alpha on 1.28", "1.28", map[string]bool{"SidecarContainers": true}, ""},
		{"beta off on 1.32", "1.32", map[string]bool{"SidecarContainers": false}, ""},
		{"GA on on 1.33", "1.33", map[string]bool{"SidecarContainers": true}, ""},
		{"GA off on 1.33", "1.33", map[string]bool{"SidecarContainers": false},
			"cannot set feature gate SidecarContainers to false, feature is locked to true"},
		{"before the gate", "1.27", map[string]bool{"SidecarContainers": true}, "unrecognized feature gate: SidecarContainers"},
		{"misspelled, each reported in name order", "1.30", map[string]bool{"SidecarContainer": true, "Foo": false},
			"unrecognized feature gate: Foo\nunrecognized feature gate: SidecarContainer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckFeatureGates(MustKubeVersion(tc.v), tc.gates)
			if tc.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tc.err)
		})
	}
}
