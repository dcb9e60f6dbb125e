package sim_test

// Tests of Kubernetes rules that the simulator follows and that no other
// test noticed when they broke (a mutation run of model, asm and sim).
// Each goes through client-go against sim.New, as a user's code would.

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
)

// onlyNode returns the cluster's one node.
func (e *env) onlyNode() *corev1.Node {
	e.t.Helper()
	list, err := e.cs.CoreV1().Nodes().List(e.ctx, metav1.ListOptions{})
	e.must(err)
	if len(list.Items) != 1 {
		e.t.Fatalf("%d nodes, want 1", len(list.Items))
	}
	return &list.Items[0]
}

// taint replaces the taints of the cluster's one node.
func (e *env) taint(taints ...corev1.Taint) {
	e.t.Helper()
	n := e.onlyNode()
	n.Spec.Taints = taints
	_, err := e.cs.CoreV1().Nodes().Update(e.ctx, n, metav1.UpdateOptions{})
	e.must(err)
}

// podEvents lists the events about one pod with a given reason.
func (e *env) podEvents(ns, name, reason string) []corev1.Event {
	e.t.Helper()
	list, err := e.cs.CoreV1().Events(ns).List(e.ctx, metav1.ListOptions{
		FieldSelector: "involvedObject.kind=Pod,involvedObject.name=" + name + ",reason=" + reason,
	})
	e.must(err)
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Message < list.Items[j].Message })
	return list.Items
}

// A NoExecute taint keeps pods that do not tolerate it off the node, as a
// NoSchedule taint does (kube-scheduler's TaintToleration filter checks
// both effects).
func TestNoExecuteTaintKeepsUntoleratingPodsOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{nodes: 1})
	e.taint(corev1.Taint{Key: "dedicated", Value: "infra", Effect: corev1.TaintEffectNoExecute})
	e.namespace("demo")

	_, err := e.createPod(newPod("demo", "plain"))
	require.NoError(t, err)
	tolerating := newPod("demo", "tolerating")
	tolerating.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "infra", Effect: corev1.TaintEffectNoExecute}}
	_, err = e.createPod(tolerating)
	require.NoError(t, err)
	e.advance(time.Minute)

	plain := e.pod("demo", "plain")
	assert.Empty(t, plain.Spec.NodeName)
	assert.Equal(t, "Pending", model.PodStatusText(plain))
	ev := e.podEvents("demo", "plain", "FailedScheduling")
	require.Len(t, ev, 1)
	assert.Contains(t, ev[0].Message, "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}.")

	ok := e.pod("demo", "tolerating")
	assert.Equal(t, e.onlyNode().Name, ok.Spec.NodeName)
	assert.Equal(t, "Running", model.PodStatusText(ok))
}

// The same event recorded again about the same object is one event whose
// count grows and whose lastTimestamp moves, as client-go's event
// correlator aggregates it; a different message is a new event.
func TestIdenticalEventsAreAggregated(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{nodes: 1})
	a := corev1.Taint{Key: "a", Value: "x", Effect: corev1.TaintEffectNoSchedule}
	// The other message is a cordon's.
	// The node is cordoned and untainted, or tainted again and
	// uncordoned, in one update each.
	cordon := func(on bool) {
		n := e.onlyNode()
		n.Spec.Taints, n.Spec.Unschedulable = []corev1.Taint{a}, false
		if on {
			n.Spec.Taints, n.Spec.Unschedulable = nil, true
		}
		_, err := e.cs.CoreV1().Nodes().Update(e.ctx, n, metav1.UpdateOptions{})
		e.must(err)
	}
	e.taint(a)
	e.namespace("demo")
	_, err := e.createPod(newPod("demo", "web"))
	require.NoError(t, err)
	first := e.s.Now()

	e.advance(time.Minute)
	cordon(true)
	e.advance(time.Minute)
	cordon(false)
	last := e.s.Now()

	ev := e.podEvents("demo", "web", "FailedScheduling")
	require.Len(t, ev, 2, "one event per distinct message")
	assert.Contains(t, ev[0].Message, "untolerated taint {a: x}")
	assert.EqualValues(t, 2, ev[0].Count)
	assert.True(t, ev[0].FirstTimestamp.Time.Equal(first), "firstTimestamp %s, want %s", ev[0].FirstTimestamp, first)
	assert.True(t, ev[0].LastTimestamp.Time.Equal(last), "lastTimestamp %s, want %s", ev[0].LastTimestamp, last)
	assert.Contains(t, ev[1].Message, "node(s) were unschedulable")
	assert.EqualValues(t, 1, ev[1].Count)
}

// Deleting the injector's MutatingWebhookConfiguration stops injection:
// the API server no longer calls the webhook.
func TestDeletedInjectorWebhookInjectsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("demo", "istio-injection", "enabled")
	require.NoError(t, e.cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(e.ctx, model.InjectorConfigurationName(""), metav1.DeleteOptions{}))

	_, err := e.createPod(newPod("demo", "web"))
	require.NoError(t, err)
	p := e.pod("demo", "web")
	assert.Equal(t, []string{"app"}, containerNames(p.Spec.Containers))
	assert.Empty(t, p.Spec.InitContainers)
	assert.NotContains(t, p.Annotations, model.AnnotationSidecarStatus)
	e.advance(time.Minute)
	assert.Equal(t, "1/1", ready(e.pod("demo", "web")))
}

// A pod recreated from what the API returned for an injected pod (kubectl
// get -o yaml | kubectl replace --force) carries the simulator's decision
// annotations of its first admission; an injector that admits it again
// drops them and records only its own decision. One that the selectors
// keep from the injector (its namespace now disabled) is admitted as it
// is, annotations and sidecar included, as a real API server admits it.
func TestRecreatedPodLosesStaleDecisionAnnotations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("demo", "istio-injection", "enabled")
	_, err := e.createPod(newPod("demo", "web"))
	require.NoError(t, err)
	e.advance(time.Minute)
	old := e.pod("demo", "web")
	require.Equal(t, "native", old.Annotations[model.AnnotationSidecarMode])
	require.NotEmpty(t, old.Annotations[model.AnnotationSidecarModeRule])
	recreate := func(labels ...string) *corev1.Pod {
		t.Helper()
		require.NoError(t, e.cs.CoreV1().Pods("demo").Delete(e.ctx, "web", metav1.DeleteOptions{}))
		again := old.DeepCopy()
		again.ResourceVersion, again.UID, again.Spec.NodeName = "", "", ""
		again.Status = corev1.PodStatus{}
		for i := 0; i+1 < len(labels); i += 2 {
			again.Labels[labels[i]] = labels[i+1]
		}
		_, err = e.createPod(again)
		require.NoError(t, err)
		return e.pod("demo", "web")
	}

	// The asm profile reads "no" as an opt-out; the selectors only keep
	// out the exact "false", so the injector is called and decides.
	p := recreate("sidecar.istio.io/inject", "no")
	assert.Equal(t, model.RulePodOptOutLabel, p.Annotations[model.AnnotationInjection])
	assert.NotContains(t, p.Annotations, model.AnnotationSidecarMode)
	assert.NotContains(t, p.Annotations, model.AnnotationSidecarModeRule)

	e.label("demo", "istio-injection", "disabled")
	p = recreate()
	assert.Equal(t, old.Annotations, p.Annotations, "no webhook was called")
	assert.True(t, model.IsInjected(p))
}

// A ReplicaSet whose pod creation failed tries again later, as the
// controller requeues the ReplicaSet with a backoff: once the cause is
// gone, the pods appear without any edit of the workload.
func TestFailedPodCreationsAreRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	const hook = "logsidecar-injector"
	require.NoError(t, e.s.InstallWebhook(e.ctx, "c1", model.Webhook{Name: hook, Legacy: true}))
	e.namespace("demo", "istio-injection", "enabled")
	e.createDeployment(newDeployment("demo", "sleep", 2))
	e.advance(30 * time.Second)
	require.Empty(t, e.pods("demo", "app=sleep"), "the legacy webhook breaks every pod creation")

	require.NoError(t, e.cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(e.ctx, hook, metav1.DeleteOptions{}))
	e.advance(time.Second)
	require.Len(t, e.pods("demo", "app=sleep"), 2, "the replica set tried again")
	e.advance(time.Minute)
	pods := e.pods("demo", "app=sleep")
	require.Len(t, pods, 2)
	for i := range pods {
		assert.Equal(t, "2/2", ready(&pods[i]), pods[i].Name)
	}
}

// setReplicas scales a deployment through its scale subresource.
func (e *env) setReplicas(ns, name string, n int32) {
	e.t.Helper()
	_, err := e.cs.AppsV1().Deployments(ns).UpdateScale(e.ctx, name, &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: n},
	}, metav1.UpdateOptions{})
	e.must(err)
}

func podNames(pods []corev1.Pod) []string {
	out := make([]string, len(pods))
	for i := range pods {
		out[i] = pods[i].Name
	}
	sort.Strings(out)
	return out
}

// Scale-down deletes the pods that have been ready the shortest time and
// were created last, never the old ones (the ReplicaSet controller's
// ActivePodsWithRanks order: unscheduled, pending, not ready, then ready
// for less time, then newer).
func TestScaleDownDeletesTheNewestPodsFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("demo")
	e.createDeployment(newDeployment("demo", "web", 2))
	e.advance(time.Hour)
	oldest := podNames(e.pods("demo", "app=web"))
	require.Len(t, oldest, 2)

	e.setReplicas("demo", "web", 4)
	e.advance(time.Minute)
	require.Len(t, e.pods("demo", "app=web"), 4)
	e.setReplicas("demo", "web", 2)
	e.advance(time.Minute)
	assert.Equal(t, oldest, podNames(e.pods("demo", "app=web")), "the two pods of an hour ago stay")

	// A pod that is not ready yet goes before older ready ones.
	e.setReplicas("demo", "web", 3)
	e.setReplicas("demo", "web", 2)
	assert.Equal(t, oldest, podNames(e.pods("demo", "app=web")))
}

// A Deployment created without a strategy gets the API server's default,
// RollingUpdate with maxSurge and maxUnavailable 25%; a rolling update then
// runs at most 25% more pods than desired (rounded up) and keeps at least
// 75% available (rounded down): 8 replicas run at most 10 pods, and the
// ReplicaSets say so in deployment.kubernetes.io/max-replicas.
func TestRollingUpdateDefaultMaxSurge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.namespace("demo")
	e.createDeployment(newDeployment("demo", "web", 8))
	d, err := e.cs.AppsV1().Deployments("demo").Get(e.ctx, "web", metav1.GetOptions{})
	require.NoError(t, err)
	require.Equal(t, appsv1.RollingUpdateDeploymentStrategyType, d.Spec.Strategy.Type)
	require.NotNil(t, d.Spec.Strategy.RollingUpdate)
	assert.Equal(t, "25%", d.Spec.Strategy.RollingUpdate.MaxSurge.String())
	assert.Equal(t, "25%", d.Spec.Strategy.RollingUpdate.MaxUnavailable.String())
	e.advance(time.Minute)
	require.Len(t, e.pods("demo", "app=web"), 8)

	restart(e, "demo", "web")
	peak := len(e.pods("demo", "app=web"))
	for range 60 {
		e.advance(time.Second)
		peak = max(peak, len(e.pods("demo", "app=web")))
	}
	assert.Equal(t, 10, peak, "8 replicas + 25% surge")
	pods := e.pods("demo", "app=web")
	require.Len(t, pods, 8)
	rs := e.replicaSets("demo")
	require.Len(t, rs, 2)
	for _, r := range rs {
		assert.Equal(t, "10", r.Annotations["deployment.kubernetes.io/max-replicas"], r.Name)
	}
	d, err = e.cs.AppsV1().Deployments("demo").Get(e.ctx, "web", metav1.GetOptions{})
	require.NoError(t, err)
	assert.EqualValues(t, 8, d.Status.UpdatedReplicas)
}
