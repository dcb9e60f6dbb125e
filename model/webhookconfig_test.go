package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"pgregory.net/rapid"
)

// TestInjectorSelectorsAsTheChart (B15): which webhook of which revision's
// configuration the API server calls, read off the istiod chart's
// mutatingwebhook.yaml for the default revision and for "canary".
func TestInjectorSelectorsAsTheChart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		ns, pod     map[string]string
		def, canary []string
	}{
		{"namespace enabled", map[string]string{LabelInjection: "enabled"}, nil,
			[]string{"namespace.sidecar-injector.istio.io"}, nil},
		{"namespace enabled, pod opts out", map[string]string{LabelInjection: "enabled"}, map[string]string{LabelSidecarInject: "false"}, nil, nil},
		{"namespace enabled, pod says False (not the exact string)", map[string]string{LabelInjection: "enabled"}, map[string]string{LabelSidecarInject: "False"},
			[]string{"namespace.sidecar-injector.istio.io"}, nil},
		{"namespace enabled beats its revision", map[string]string{LabelInjection: "enabled", LabelRevision: "canary"}, nil,
			[]string{"namespace.sidecar-injector.istio.io"}, nil},
		{"namespace disabled", map[string]string{LabelInjection: "disabled"}, map[string]string{LabelSidecarInject: "true"}, nil, nil},
		{"namespace unrecognized value", map[string]string{LabelInjection: "yes"}, nil, nil, nil},
		{"namespace revision canary", map[string]string{LabelRevision: "canary"}, map[string]string{LabelRevision: "default"},
			nil, []string{"rev.namespace.sidecar-injector.istio.io"}},
		{"namespace revision default", map[string]string{LabelRevision: "default"}, nil,
			[]string{"rev.namespace.sidecar-injector.istio.io"}, nil},
		{"namespace revision typo", map[string]string{LabelRevision: "canary-typo"}, map[string]string{LabelSidecarInject: "true"}, nil, nil},
		{"pod opts in", nil, map[string]string{LabelSidecarInject: "true"},
			[]string{"object.sidecar-injector.istio.io"}, nil},
		{"pod revision", nil, map[string]string{LabelRevision: "canary", LabelSidecarInject: "true"},
			nil, []string{"rev.object.sidecar-injector.istio.io"}},
		{"pod revision typo", nil, map[string]string{LabelRevision: "canary-typo", LabelSidecarInject: "true"}, nil, nil},
		{"no labels", nil, nil, nil, nil},
	}
	def, canary := InjectorWebhookConfiguration(""), InjectorWebhookConfiguration("canary")
	assert.Equal(t, "istio-sidecar-injector", def.Name)
	assert.Equal(t, "istio-sidecar-injector-canary", canary.Name)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.def, CalledWebhooks(def.Webhooks, tt.pod, tt.ns), "default revision")
			assert.Equal(t, tt.canary, CalledWebhooks(canary.Webhooks, tt.pod, tt.ns), "canary")
		})
	}
}

var injectionLabelValues = map[string][]string{
	LabelInjection:     {"", "enabled", "disabled", "yes"},
	LabelRevision:      {"", "default", "canary", "canary-typo"},
	LabelSidecarInject: {"", "true", "false", "False", "yes"},
	LabelECI:           {"", "true", "false", "TRUE"},
}

func drawLabels(t *rapid.T, name string, keys ...string) map[string]string {
	l := map[string]string{}
	for _, k := range keys {
		if v := rapid.SampledFrom(injectionLabelValues[k]).Draw(t, name+" "+k); v != "" {
			l[k] = v
		}
	}
	return l
}

// TestSelectorsAgreeWithTheModel: the API server, through the
// configurations' selectors, calls a revision's injector exactly when
// the model decides that revision injects, or decides not to inject for a
// reason the injector itself finds (never for a pod no selector takes,
// nor a namespace's or pod's unknown revision); it calls at most one
// webhook per configuration; and the ECI webhook exactly when WantsECI
// holds.
func TestSelectorsAgreeWithTheModel(t *testing.T) {
	t.Parallel()
	mesh := MeshConfig{Version: MustASMVersion("1.22.2.35"), Profile: ProfileASM, Revisions: []string{"canary"}}
	configs := map[string][]string{}
	for _, rev := range mesh.ServedRevisions() {
		mwc := InjectorWebhookConfiguration(rev)
		configs[rev] = nil
		for _, wh := range mwc.Webhooks {
			configs[rev] = append(configs[rev], wh.Name)
		}
	}
	eci := ECIWebhookConfiguration()
	rapid.Check(t, func(t *rapid.T) {
		nsLabels := drawLabels(t, "namespace", LabelInjection, LabelRevision, LabelECI)
		podLabels := drawLabels(t, "pod", LabelSidecarInject, LabelRevision, LabelECI)
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "demo", Labels: podLabels}}
		dec := DecideInjection(InjectionRequest{NamespaceLabels: nsLabels, Pod: pod, Mesh: mesh})
		var calledRevs []string
		for _, rev := range mesh.ServedRevisions() {
			called := CalledWebhooks(InjectorWebhookConfiguration(rev).Webhooks, podLabels, nsLabels)
			require.LessOrEqual(t, len(called), 1, "revision %s calls %v", rev, called)
			if len(called) == 1 {
				calledRevs = append(calledRevs, rev)
			}
		}
		require.LessOrEqual(t, len(calledRevs), 1, "revisions called: %v", calledRevs)
		switch {
		case dec.Inject:
			rev := dec.Revision
			if IsDefaultRevision(rev) {
				rev = DefaultRevision
			}
			require.Equal(t, []string{rev}, calledRevs, "decision %s: %s", dec.Rule, dec.Reason)
		case len(calledRevs) == 0:
			require.Contains(t, []string{RuleNoSelectorMatched, RuleNamespaceInjectionDisabled, RuleNamespaceInjectionUnrecognized,
				RulePodOptOutLabel, RuleUnknownRevision}, dec.Rule, "no webhook called, decision %s: %s", dec.Rule, dec.Reason)
		default:
			require.Contains(t, []string{RulePodOptOutLabel, RulePodAnnotation}, dec.Rule, "webhook of %v called, decision %s: %s", calledRevs, dec.Rule, dec.Reason)
		}

		wants, _ := WantsECI(podLabels, nsLabels)
		called := CalledWebhooks(eci.Webhooks, podLabels, nsLabels)
		require.LessOrEqual(t, len(called), 1)
		require.Equal(t, wants, len(called) == 1, "ECI webhooks called: %v", called)
		_, changed := ApplyECIScheduling(pod, nsLabels)
		require.Equal(t, wants, changed)
	})
}

// TestThirdPartyWebhookConfiguration: the configuration both backends
// register for `webhook install`, and the webhook read back from it.
func TestThirdPartyWebhookConfiguration(t *testing.T) {
	t.Parallel()
	w := Webhook{Name: "zz-logsidecar", Legacy: true}
	require.NoError(t, w.Validate())
	mwc := w.WebhookConfiguration()
	assert.Equal(t, "zz-logsidecar", mwc.Name)
	require.Len(t, mwc.Webhooks, 1)
	assert.Equal(t, "zz-logsidecar.webhook.meshtwin.io", mwc.Webhooks[0].Name)
	assert.Nil(t, mwc.Webhooks[0].NamespaceSelector)
	assert.Equal(t, []string{"zz-logsidecar.webhook.meshtwin.io"}, CalledWebhooks(mwc.Webhooks, nil, nil), "called for every pod")
	assert.Equal(t, w, ThirdPartyWebhookOf(mwc))
	assert.Equal(t, Webhook{Name: "aa-audit"}, ThirdPartyWebhookOf(Webhook{Name: "aa-audit"}.WebhookConfiguration()))

	assert.ErrorContains(t, Webhook{Name: "Bad_Name"}.Validate(), "invalid name")
	assert.EqualError(t, Webhook{Name: "istio-sidecar-injector-x"}.Validate(),
		`the name "istio-sidecar-injector-x" belongs to the mesh's injectors (istio-sidecar-injector, istio-sidecar-injector-REVISION)`)
	assert.EqualError(t, Webhook{Name: ECIConfigurationName}.Validate(),
		`the name "ack-virtual-node-affinity-admission-controller" belongs to ack-virtual-node's ECI webhook`)
}
