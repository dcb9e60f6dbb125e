package backend

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/meshtwin/meshtwin/model"
)

func TestUpdatedNamespace(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		method, target, want string
	}{
		{http.MethodPatch, "/api/v1/namespaces/demo", "demo"},
		{http.MethodPut, "/api/v1/namespaces/demo?fieldManager=kubectl", "demo"},
		{http.MethodPatch, "/api/v1/namespaces/demo?dryRun=All", ""},
		{http.MethodPost, "/api/v1/namespaces", ""},
		{http.MethodGet, "/api/v1/namespaces/demo", ""},
		{http.MethodDelete, "/api/v1/namespaces/demo", ""},
		{http.MethodPut, "/api/v1/namespaces/demo/finalize", ""},
		{http.MethodPatch, "/api/v1/namespaces/demo/pods/web", ""},
		{http.MethodPatch, "/apis/apps/v1/namespaces/demo/deployments/web", ""},
	} {
		req := httptest.NewRequest(tt.method, "https://127.0.0.1:6443"+tt.target, nil)
		assert.Equal(t, tt.want, updatedNamespace(req), "%s %s", tt.method, tt.target)
	}
}

// The injector's and the ECI webhook's configurations: the probe label
// sets include one that each objectSelector selects, and the webhooks
// they select follow the namespace's labels.
func TestProbeLabelSetsAndSelectedWebhooks(t *testing.T) {
	t.Parallel()
	mwcs := []admissionregistrationv1.MutatingWebhookConfiguration{
		*model.InjectorWebhookConfiguration(model.DefaultRevision),
		*model.ECIWebhookConfiguration(),
	}
	sets := probeLabelSets(mwcs)
	assert.Nil(t, sets[0], "the first probe has no labels")
	assert.Contains(t, sets, map[string]string{model.LabelSidecarInject: "true"})
	assert.Contains(t, sets, map[string]string{model.LabelECI: "true"})
	seen := map[string]bool{}
	for _, s := range sets {
		k := labels.Set(s).String()
		assert.False(t, seen[k], "repeated probe set %v", s)
		seen[k] = true
	}

	plain := selectedWebhooks(mwcs, nil, map[string]string{})
	meshed := selectedWebhooks(mwcs, nil, map[string]string{model.LabelInjection: "enabled"})
	assert.Empty(t, plain)
	assert.Equal(t, []string{model.InjectorConfigurationName(model.DefaultRevision) + "/namespace.sidecar-injector.istio.io"}, meshed)
}
