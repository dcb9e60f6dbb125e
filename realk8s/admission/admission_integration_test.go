package admission_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/internal/realtest"
	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/realk8s/admission"
	"github.com/meshtwin/meshtwin/realk8s/controlplane"
)

// clusterFacts reads a namespace's labels from the real cluster; the mesh
// is ASM 1.22 (native sidecars on Kubernetes 1.30 and later) and the
// cluster the plane's Kubernetes 1.37.
func clusterFacts(c kubernetes.Interface, mesh model.MeshConfig, info model.ClusterInfo) admission.Facts {
	return func(ctx context.Context, _, namespace string) (model.AdmissionRequest, error) {
		ns, err := c.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
		if err != nil {
			return model.AdmissionRequest{}, err
		}
		return model.AdmissionRequest{NamespaceLabels: ns.Labels, Mesh: mesh, Cluster: info}, nil
	}
}

// installed is a configuration as both backends register it and its link
// of the simulator's chain.
type installed struct {
	mwc  *admissionregistrationv1.MutatingWebhookConfiguration
	hook model.MutatingWebhook
}

func (in installed) link() model.MutatingWebhook {
	h := in.hook
	h.Webhooks = in.mwc.Webhooks
	return h
}

// simAdmit is what the simulator's API server does with a pod CREATE
// (sim/admission.go): the chain of the installed configurations, each
// called as its selectors say, then validation; an invalid pod is refused
// with the API server's Invalid error.
func simAdmit(pod *corev1.Pod, nsLabels map[string]string, mesh model.MeshConfig, info model.ClusterInfo, hooks ...installed) (*corev1.Pod, error) {
	var links []model.MutatingWebhook
	for _, h := range hooks {
		links = append(links, h.link())
	}
	out, err := model.NewAdmissionChain(links...).Admit(model.AdmissionRequest{Pod: pod.DeepCopy(), NamespaceLabels: nsLabels, Mesh: mesh, Cluster: info})
	if err != nil {
		return nil, err
	}
	if errs := model.PodFieldErrors(out); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, pod.Name, errs)
	}
	return out, nil
}

// shape is what the comparison looks at: containers by list, the proxy's
// restartPolicy, the twin's decision and the ECI webhook's node selector.
type shape struct {
	InitContainers, Containers []string
	ProxyRestartPolicy         string
	Injection, Mode            string
	MutatedBy                  string
	NodeSelector               map[string]string
}

func shapeOf(p *corev1.Pod) shape {
	s := shape{Injection: p.Annotations[model.AnnotationInjection], Mode: p.Annotations[model.AnnotationSidecarMode],
		MutatedBy: p.Annotations[model.AnnotationMutatedBy], NodeSelector: p.Spec.NodeSelector}
	for _, c := range p.Spec.InitContainers {
		s.InitContainers = append(s.InitContainers, c.Name)
		if c.Name == model.ProxyContainerName {
			s.ProxyRestartPolicy = "<nil>"
			if c.RestartPolicy != nil {
				s.ProxyRestartPolicy = string(*c.RestartPolicy)
			}
		}
	}
	for _, c := range p.Spec.Containers {
		s.Containers = append(s.Containers, c.Name)
	}
	return s
}

// TestIntegrationRealAPIServerAgreesWithTheSimulator: a real kube-apiserver
// calls the twin's webhooks through this server, and what it admits or
// refuses is what the simulator admits or refuses (B15, B18, B29, B33).
func TestIntegrationRealAPIServerAgreesWithTheSimulator(t *testing.T) {
	bins := realtest.Binaries(t)
	ctx := t.Context()
	plane, err := controlplane.Start(ctx, controlplane.Config{Name: "admission-it", Binaries: bins, TempDir: t.TempDir(), Progress: realtest.LogWriter{T: t}})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, plane.Stop()) })
	c := plane.Client()

	version, err := c.Discovery().ServerVersion()
	require.NoError(t, err)
	kube, err := model.ParseKubeVersion(version.GitVersion)
	require.NoError(t, err)
	mesh := model.MeshConfig{Version: model.MustASMVersion("1.22.2.35"), Profile: model.ProfileASM, Revisions: []string{"canary"}}
	info := model.ClusterInfo{Name: "c1", KubeVersion: kube, VirtualNodeComponent: true}

	srv, err := admission.Start(ctx, clusterFacts(c, mesh, info))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Stop()) })

	namespaces := map[string]map[string]string{
		"meshed": {model.LabelInjection: "enabled"},
		"typo":   {model.LabelRevision: "canary-typo"},
		"plain":  nil,
		"eci":    {model.LabelECI: "true"},
		"canary": {model.LabelRevision: "canary"},
	}
	for name, labels := range namespaces {
		_, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	for name := range namespaces {
		require.EventuallyWithT(t, func(ct *assert.CollectT) {
			_, err := c.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
			assert.NoError(ct, err, "the controller-manager makes namespace %s's default ServiceAccount", name)
		}, time.Minute, 100*time.Millisecond)
	}
	// The real API server labels every namespace with its name.
	nsLabels := func(name string) map[string]string {
		ns, err := c.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		require.NoError(t, err)
		return ns.Labels
	}

	injector := installed{model.InjectorWebhookConfiguration(model.DefaultRevision), model.InjectorWebhook(model.DefaultRevision)}
	eci := installed{model.ECIWebhookConfiguration(), model.ECIWebhook()}
	legacy := model.Webhook{Name: "zz-logsidecar", Legacy: true}
	logsidecar := installed{legacy.WebhookConfiguration(), legacy.AsMutatingWebhook()}
	install := func(in installed) {
		t.Helper()
		began := time.Now()
		require.NoError(t, srv.Install(ctx, "c1", c, in.mwc, in.hook))
		t.Logf("measured: %s installed and called by the API server in %s", in.mwc.Name, time.Since(began).Round(time.Millisecond))
	}
	canary := installed{model.InjectorWebhookConfiguration("canary"), model.InjectorWebhook("canary")}
	install(injector)
	install(canary)
	install(eci)

	// Installed as given: selectors kept, each webhook calling this server.
	got, err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, injector.mwc.Name, metav1.GetOptions{})
	require.NoError(t, err)
	require.Len(t, got.Webhooks, 4)
	for i, wh := range got.Webhooks {
		assert.Equal(t, injector.mwc.Webhooks[i].NamespaceSelector, wh.NamespaceSelector, wh.Name)
		assert.Equal(t, injector.mwc.Webhooks[i].ObjectSelector, wh.ObjectSelector, wh.Name)
		require.NotNil(t, wh.ClientConfig.URL)
		assert.Equal(t, srv.URL("c1", injector.mwc.Name, wh.Name), *wh.ClientConfig.URL)
	}

	hooks := []installed{injector, canary, eci}
	seq := 0
	create := func(ns string, labels map[string]string) (*corev1.Pod, error, *corev1.Pod, error) {
		t.Helper()
		seq++
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", seq), Namespace: ns, Labels: labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
		}
		want, wantErr := simAdmit(pod, nsLabels(ns), mesh, info, hooks...)
		began := time.Now()
		real, err := c.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		t.Logf("measured: pod %s/%s through the real API server and its webhooks in %s", ns, pod.Name, time.Since(began).Round(time.Millisecond))
		return real, err, want, wantErr
	}
	always := string(corev1.ContainerRestartPolicyAlways)

	t.Run("Calls: the API server calls the webhooks the model's selectors choose", func(t *testing.T) {
		podLabelSets := []map[string]string{nil, {model.LabelSidecarInject: "true"}, {model.LabelSidecarInject: "false"}, {model.LabelECI: "true"}, {model.LabelRevision: "canary"}}
		for ns := range namespaces {
			for _, podLabels := range podLabelSets {
				var want []string
				for _, h := range hooks {
					for _, wh := range model.CalledWebhooks(h.mwc.Webhooks, podLabels, nsLabels(ns)) {
						want = append(want, h.mwc.Name+"/"+wh)
					}
				}
				slices.Sort(want)
				got, err := srv.Calls(ctx, c, ns, podLabels)
				require.NoError(t, err)
				assert.Equal(t, want, got, "namespace %s, pod labels %v", ns, podLabels)
			}
		}
		pods, err := c.CoreV1().Pods("meshed").List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		for _, p := range pods.Items {
			assert.NotContains(t, p.Annotations, admission.CallsAnnotation, "a probe is a dry run: pod %s", p.Name)
		}
	})

	t.Run("istio-injection=enabled injects a native sidecar", func(t *testing.T) {
		real, err, want, wantErr := create("meshed", nil)
		require.NoError(t, err)
		require.NoError(t, wantErr)
		assert.Equal(t, shapeOf(want), shapeOf(real))
		assert.Equal(t, []string{"istio-init", model.ProxyContainerName}, shapeOf(real).InitContainers)
		assert.Equal(t, always, shapeOf(real).ProxyRestartPolicy, "native sidecar on Kubernetes %s", kube)
		assert.Equal(t, model.RuleNamespaceInjectionEnabled, real.Annotations[model.AnnotationInjection])
		assert.Equal(t, "native", real.Annotations[model.AnnotationSidecarMode])
		assert.Equal(t, want.Annotations[model.AnnotationSidecarStatus], real.Annotations[model.AnnotationSidecarStatus])
	})
	t.Run("pod opts out with sidecar.istio.io/inject=false: no webhook called", func(t *testing.T) {
		real, err, want, wantErr := create("meshed", map[string]string{model.LabelSidecarInject: "false"})
		require.NoError(t, err)
		require.NoError(t, wantErr)
		assert.Equal(t, shapeOf(want), shapeOf(real))
		assert.Equal(t, []string{"web"}, shapeOf(real).Containers)
		assert.NotContains(t, real.Annotations, model.AnnotationInjection, "the API server did not call the injector")
	})
	t.Run("istio.io/rev=canary-typo selects no webhook", func(t *testing.T) {
		real, err, want, wantErr := create("typo", map[string]string{model.LabelSidecarInject: "true"})
		require.NoError(t, err)
		require.NoError(t, wantErr)
		assert.Equal(t, shapeOf(want), shapeOf(real))
		assert.Nil(t, shapeOf(real).InitContainers)
		assert.NotContains(t, real.Annotations, model.AnnotationInjection, "the API server did not call the injector")
	})
	t.Run("istio.io/rev=canary is injected by the canary revision's webhook", func(t *testing.T) {
		real, err, want, wantErr := create("canary", map[string]string{model.LabelRevision: "default"})
		require.NoError(t, err)
		require.NoError(t, wantErr)
		assert.Equal(t, shapeOf(want), shapeOf(real))
		assert.Equal(t, model.RuleNamespaceRevision, real.Annotations[model.AnnotationInjection])
		assert.Contains(t, real.Annotations[model.AnnotationSidecarStatus], `"revision":"canary"`)
		assert.Equal(t, want.Annotations[model.AnnotationSidecarStatus], real.Annotations[model.AnnotationSidecarStatus])
	})
	t.Run("no label, no injection", func(t *testing.T) {
		real, err, want, wantErr := create("plain", nil)
		require.NoError(t, err)
		require.NoError(t, wantErr)
		assert.Equal(t, shapeOf(want), shapeOf(real))
		assert.Nil(t, real.Annotations)
	})
	t.Run("pod opts in without namespace label", func(t *testing.T) {
		real, err, want, wantErr := create("plain", map[string]string{model.LabelSidecarInject: "true"})
		require.NoError(t, err)
		require.NoError(t, wantErr)
		assert.Equal(t, shapeOf(want), shapeOf(real))
		assert.Equal(t, model.RulePodOptInLabel, real.Annotations[model.AnnotationInjection])
	})
	t.Run("ECI by namespace label, pod label false opts out", func(t *testing.T) {
		real, err, want, wantErr := create("eci", nil)
		require.NoError(t, err)
		require.NoError(t, wantErr)
		assert.Equal(t, shapeOf(want), shapeOf(real))
		assert.Equal(t, model.NodeTypeVirtualKubelet, real.Spec.NodeSelector[model.NodeLabelType])
		assert.Contains(t, real.Spec.Tolerations, model.VirtualKubeletToleration())

		real, err, want, wantErr = create("eci", map[string]string{model.LabelECI: "false"})
		require.NoError(t, err)
		require.NoError(t, wantErr)
		assert.Equal(t, shapeOf(want), shapeOf(real))
		assert.Empty(t, real.Spec.NodeSelector)
	})

	// B33: a legacy webhook named to sort after istio-sidecar-injector drops
	// the native sidecar's restartPolicy; the API server's validation
	// refuses the pod, in the words the simulator uses.
	install(logsidecar)
	hooks = append(hooks, logsidecar)
	t.Run("a legacy webhook after the injector breaks the native sidecar", func(t *testing.T) {
		_, err, _, wantErr := create("meshed", nil)
		require.Error(t, wantErr)
		require.Error(t, err)
		assert.Equal(t, wantErr.Error(), err.Error())
		assert.True(t, apierrors.IsInvalid(err), "%v", err)
		assert.Contains(t, err.Error(), "spec.initContainers[1].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always")
	})
	t.Run("the legacy webhook still admits pods without a native sidecar", func(t *testing.T) {
		real, err, want, wantErr := create("plain", nil)
		require.NoError(t, err)
		require.NoError(t, wantErr)
		assert.Equal(t, shapeOf(want), shapeOf(real))
		assert.Equal(t, "zz-logsidecar", real.Annotations[model.AnnotationMutatedBy])
	})

	// Uninstalled, its webhook is no longer called.
	require.NoError(t, srv.Uninstall(ctx, "c1", c, logsidecar.mwc.Name))
	hooks = hooks[:len(hooks)-1]
	t.Run("after uninstalling the legacy webhook the pod is admitted", func(t *testing.T) {
		real, err, want, wantErr := create("meshed", nil)
		require.NoError(t, err)
		require.NoError(t, wantErr)
		assert.Equal(t, shapeOf(want), shapeOf(real))
		assert.Equal(t, always, shapeOf(real).ProxyRestartPolicy)
		assert.Empty(t, real.Annotations[model.AnnotationMutatedBy])
	})

	// A model error is refused as Istio's injector refuses: the API
	// server's "denied the request" with the webhook's message.
	deny := model.MutatingWebhook{Name: "deny.example.com", Configuration: "aa-deny", Admit: func(model.AdmissionRequest) (model.AdmissionResult, error) {
		return model.AdmissionResult{}, fmt.Errorf("sidecar template is broken")
	}}
	denyMWC := &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "aa-deny"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{model.PodCreateWebhook("deny.example.com", "kube-system", "deny", "/mutate")}}
	denyMWC.Webhooks[0].NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "plain"}}
	install(installed{denyMWC, deny})
	hooks = append(hooks, installed{denyMWC, deny})
	t.Run("a webhook's error is the API server's refusal", func(t *testing.T) {
		_, err, _, wantErr := create("plain", nil)
		require.Error(t, err)
		require.Error(t, wantErr)
		assert.Equal(t, `admission webhook "deny.example.com" denied the request: sidecar template is broken`, wantErr.Error())
		assert.Equal(t, wantErr.Error(), err.Error())
	})
	require.NoError(t, srv.Uninstall(ctx, "c1", c, denyMWC.Name))

	// A configuration the server does not know (installed by someone
	// else with this server's URL) is refused naming it.
	stray := logsidecar.mwc.DeepCopy()
	stray.Name, stray.Webhooks[0].Name = "stray", "stray.webhook.meshtwin.io"
	u := srv.URL("c1", "stray", stray.Webhooks[0].Name)
	stray.Webhooks[0].ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: &u, CABundle: srv.CABundle()}
	stray.Webhooks[0].NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "plain"}}
	_, err = c.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, stray, metav1.CreateOptions{})
	require.NoError(t, err)
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		_, err, _, _ := create("plain", nil)
		assert.ErrorContains(ct, err, `admission webhook "stray.webhook.meshtwin.io" denied the request: meshtwin admission server: no webhook configuration "stray" is installed for cluster "c1"`)
	}, 30*time.Second, 200*time.Millisecond)

	// Probes leave nothing behind.
	list, err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	var names []string
	for _, m := range list.Items {
		names = append(names, m.Name)
	}
	assert.Equal(t, []string{model.ECIConfigurationName, "istio-sidecar-injector", "istio-sidecar-injector-canary", "stray"}, names)

	// With the server gone, the API server refuses what its webhooks
	// select (failurePolicy Fail), in its own words.
	require.NoError(t, srv.Stop())
	_, err, _, _ = create("meshed", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "`+
		srv.URL("c1", "istio-sidecar-injector", "namespace.sidecar-injector.istio.io")+`?timeout=10s"`)
	assert.Contains(t, err.Error(), "connection refused")
	t.Logf("the webhook unreachable, the API server answers: %v", err)
}
