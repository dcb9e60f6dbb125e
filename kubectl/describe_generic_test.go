package kubectl

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSmartLabelFor: the labels kubectl's generic describer gives field
// names (smartLabelFor in k8s.io/kubectl pkg/describe/describe.go).
func TestSmartLabelFor(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"apiVersion":              "API Version",
		"uid":                     "UID",
		"creationTimestamp":       "Creation Timestamp",
		"admissionReviewVersions": "Admission Review Versions",
		"caBundle":                "Ca Bundle",
		"url":                     "URL",
		"istio-injection":         "Istio - Injection",
		"istio.io/rev":            "istio.io/rev",
		"v1beta1":                 "v1beta1",
		// Capitals run together with the word after them, as upstream's
		// own cases have it.
		"HTTPSProxy":  "HTTPSProxy",
		"respectPDBs": "Respect PDBs",
		"apiURL":      "API URL",
		"customCRDs":  "Custom CRDs",
	}
	for field, want := range tests {
		t.Run(field, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, want, smartLabelFor(field))
		})
	}
}
