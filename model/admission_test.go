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
	chain := AdmissionChain{ECIWebhook(), InjectorWebhook(), Webhook{Name: "audit", Legacy: true}.AsMutatingWebhook()}
	in := chainPod(map[string]string{LabelECI: "true"})
	out, err := chain.Admit(AdmissionRequest{Pod: in, NamespaceLabels: map[string]string{LabelInjection: "enabled"}, Mesh: mesh, Cluster: cluster})
	require.NoError(t, err)
	assert.Equal(t, NodeTypeVirtualKubelet, out.Spec.NodeSelector[NodeLabelType], "ECI webhook")
	assert.Equal(t, RuleNamespaceInjectionEnabled, out.Annotations[AnnotationInjection], "injector")
	assert.True(t, IsInjected(out))
	assert.Equal(t, "audit", out.Annotations[AnnotationMutatedBy], "third-party webhook, last")
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
	assert.EqualError(t, err, `failed calling webhook "deny.example.com": boom`)
}
