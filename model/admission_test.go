package model

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func chainPod(labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "demo", Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
	}
}

// TestAdmissionChain: each webhook sees what the one before it returned,
// the injector records its decision, the caller's pod is never changed,
// and a failure names the webhook.
func TestAdmissionChain(t *testing.T) {
	t.Parallel()
	mesh := MeshConfig{Version: MustASMVersion("1.22.2.35"), Profile: ProfileASM}
	cluster := ClusterInfo{KubeVersion: MustKubeVersion("1.30")}
	chain := NewAdmissionChain(Webhook{Name: "zz-audit", Legacy: true}.AsMutatingWebhook(), InjectorWebhook(""), ECIWebhook())
	in := chainPod(map[string]string{LabelECI: "true"})
	out, err := chain.Admit(AdmissionRequest{Pod: in, NamespaceLabels: map[string]string{LabelInjection: "enabled"}, Mesh: mesh, Cluster: cluster})
	require.NoError(t, err)
	assert.Equal(t, NodeTypeVirtualKubelet, out.Spec.NodeSelector[NodeLabelType], "ECI webhook")
	assert.Equal(t, RuleNamespaceInjectionEnabled, out.Annotations[AnnotationInjection], "injector")
	assert.True(t, IsInjected(out))
	assert.Equal(t, "zz-audit", out.Annotations[AnnotationMutatedBy], "third-party webhook, last")
	for _, c := range out.Spec.InitContainers {
		assert.Nil(t, c.RestartPolicy, "the legacy webhook ran after the injector")
	}
	assert.Empty(t, in.Annotations, "the caller's pod is unchanged")

	boom := errors.New("boom")
	failing := AdmissionChain{ECIWebhook(), {Name: "deny.example.com", Admit: func(AdmissionRequest) (AdmissionResult, error) {
		return AdmissionResult{}, boom
	}}}
	_, err = failing.Admit(AdmissionRequest{Pod: chainPod(nil)})
	var we *WebhookError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, "deny.example.com", we.Webhook)
	assert.ErrorIs(t, err, boom)
	assert.EqualError(t, err, `admission webhook "deny.example.com" denied the request: boom`)
}

// TestAdmissionChainNameOrder (B15, B33): configurations run in the order
// of their names, whatever order they were given in: a legacy webhook
// named to sort before istio-sidecar-injector never sees the native
// sidecar, one that sorts after it drops its restartPolicy.
func TestAdmissionChainNameOrder(t *testing.T) {
	t.Parallel()
	mesh := MeshConfig{Version: MustASMVersion("1.22.2.35"), Profile: ProfileASM}
	cluster := ClusterInfo{KubeVersion: MustKubeVersion("1.30")}
	tests := []struct {
		name       string
		legacy     string
		dropsNativ bool
	}{
		{name: "sorts before the injector", legacy: "aaa-legacy", dropsNativ: false},
		{name: "sorts after the injector", legacy: "zz-legacy", dropsNativ: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			chain := NewAdmissionChain(Webhook{Name: tt.legacy, Legacy: true}.AsMutatingWebhook(), InjectorWebhook(""))
			out, err := chain.Admit(AdmissionRequest{Pod: chainPod(nil), NamespaceLabels: map[string]string{LabelInjection: "enabled"}, Mesh: mesh, Cluster: cluster})
			require.NoError(t, err)
			require.True(t, IsInjected(out))
			var policy *corev1.ContainerRestartPolicy
			for _, c := range out.Spec.InitContainers {
				if c.Name == ProxyContainerName {
					policy = c.RestartPolicy
				}
			}
			assert.Equal(t, tt.dropsNativ, policy == nil)
		})
	}
}

// TestInjectorRevisions (B15): each served revision's webhook injects the
// pods that select it; a revision the mesh does not serve injects nothing.
func TestInjectorRevisions(t *testing.T) {
	t.Parallel()
	mesh := MeshConfig{Version: MustASMVersion("1.22.2.35"), Profile: ProfileASM, Revisions: []string{"canary"}}
	cluster := ClusterInfo{KubeVersion: MustKubeVersion("1.30")}
	chain := NewAdmissionChain(InjectorWebhook("canary"), InjectorWebhook(""))
	assert.Equal(t, "istio-sidecar-injector", chain[0].Configuration)
	assert.Equal(t, "istio-sidecar-injector-canary", chain[1].Configuration)
	tests := []struct {
		rev    string
		inject bool
		rule   string
	}{
		{rev: "canary", inject: true, rule: RuleNamespaceRevision},
		{rev: "default", inject: true, rule: RuleNamespaceRevision},
		{rev: "canary-typo", inject: false, rule: RuleUnknownRevision},
	}
	for _, tt := range tests {
		t.Run(tt.rev, func(t *testing.T) {
			t.Parallel()
			out, err := chain.Admit(AdmissionRequest{Pod: chainPod(nil), NamespaceLabels: map[string]string{LabelRevision: tt.rev}, Mesh: mesh, Cluster: cluster})
			require.NoError(t, err)
			assert.Equal(t, tt.inject, IsInjected(out))
			assert.Equal(t, tt.rule, out.Annotations[AnnotationInjection])
		})
	}
	// Without the canary revision's webhook (its configuration deleted),
	// nothing injects a canary pod.
	out, err := NewAdmissionChain(InjectorWebhook("")).Admit(AdmissionRequest{Pod: chainPod(nil), NamespaceLabels: map[string]string{LabelRevision: "canary"}, Mesh: mesh, Cluster: cluster})
	require.NoError(t, err)
	assert.False(t, IsInjected(out))
	rev, ok := InjectorRevisionOf(InjectorWebhookConfiguration("canary"))
	assert.True(t, ok)
	assert.Equal(t, "canary", rev)
	assert.Len(t, InjectorWebhookConfiguration("").Webhooks, 4)
	assert.Len(t, InjectorWebhookConfiguration("canary").Webhooks, 2)
}
