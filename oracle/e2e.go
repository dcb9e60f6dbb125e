package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	admissionregv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/realk8s/binaries"
	"github.com/meshtwin/meshtwin/realk8s/controlplane"
)

// The end-to-end tier: upstream istiod (pilot-discovery built from the
// istio.io/istio this module requires) serves the chart's webhooks to a
// local control plane (realk8s/controlplane: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok), and random pods are
// created through the real API server. The stored pod is compared with the
// model's prediction of the same case, through compare.go, after removing
// what the API server adds on its own (apiServerAdditions).

const (
	istioNamespace = "istio-system"
	// generationLabel is set on a case's namespace with its labels; the
	// sync policy tells when the API server's admission sees it.
	generationLabel = "oracle.meshtwin.io/generation"
	syncLabel       = "oracle.meshtwin.io/sync"
	syncPolicy      = "oracle-e2e-namespace-sync"
	// nodeName is the cluster's one node (kwok's); its kubelet version
	// is what istiod's ENABLE_NATIVE_SIDECARS=auto reads.
	nodeName = "oracle-node"
)

// e2eBatch is a run of cases one set of istiods serves: istiod's
// ENABLE_NATIVE_SIDECARS is a process setting, and with auto it reads the
// nodes' kubelet versions (native from 1.33, DetectNativeSidecar in
// pkg/kube/inject/webhook.go), so the cases are run grouped by setting and,
// for auto, by which side of 1.33 the node is on; istiod is restarted
// between batches.
type e2eBatch struct {
	native   string
	modern   bool // auto only: kubelet 1.33 or later
	cases    []Case
	position []int // the cases' indexes in the drawn order
}

func batchKey(c Case) (string, bool) {
	if c.Native != "auto" {
		return c.Native, false
	}
	return c.Native, c.KubeMinor >= 33
}

// e2eCases draws n cases and names each pod after its index (a real
// server keeps them all), grouped into batches in a fixed order.
func e2eCases(n, seed int) []*e2eBatch {
	gen := caseGen()
	byKey := map[string]*e2eBatch{}
	var order []string
	for i := range n {
		c := gen.Example(seed + i)
		if c.Pod.Name != "" {
			c.Pod.Name = fmt.Sprintf("web-%d", i)
		}
		// A real server refuses a label value over 63 characters; the
		// long app name is cut to the longest it keeps.
		if app := c.Pod.Labels["app"]; len(app) > 63 {
			c.Pod.Labels["app"] = app[:63]
		}
		// On the host's network a container port is also a host port
		// (the API server's default), and two containers cannot take
		// the same one: a later container's repeat is left out.
		if c.Pod.Spec.HostNetwork {
			taken := map[int32]bool{}
			for j := range c.Pod.Spec.Containers {
				ct := &c.Pod.Spec.Containers[j]
				ct.Ports = slices.DeleteFunc(ct.Ports, func(p corev1.ContainerPort) bool { return taken[p.ContainerPort] })
				for _, p := range ct.Ports {
					taken[p.ContainerPort] = true
				}
				if len(ct.Ports) == 0 {
					ct.Ports = nil
				}
			}
		}
		native, modern := batchKey(c)
		key := fmt.Sprintf("%s/%t", native, modern)
		b := byKey[key]
		if b == nil {
			b = &e2eBatch{native: native, modern: modern}
			byKey[key] = b
			order = append(order, key)
		}
		b.cases = append(b.cases, c)
		b.position = append(b.position, i)
	}
	sort.Strings(order)
	out := make([]*e2eBatch, 0, len(order))
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out
}

// e2e is one run of the tier: the plane, the istiods, the namespaces as
// they are labelled now.
type e2e struct {
	u          *upstream
	client     kubernetes.Interface
	istiods    []*istiod
	generation int
	nsLabels   map[string]map[string]string // namespace -> labels last applied (nil: not made yet)
	nodeMinor  int
	progress   io.Writer
}

func runE2E(ctx context.Context, w, progress io.Writer, n, seed int, knownPath string) (int, error) {
	known, u, err := openRun(knownPath)
	if err != nil {
		return 0, err
	}
	defer u.close()
	bin, err := ensurePilotDiscovery(ctx, u.releaseModule, progress)
	if err != nil {
		return 0, err
	}
	set, err := binaries.Ensure(ctx, binaries.Options{Progress: progress})
	if err != nil {
		return 0, err
	}
	began := time.Now()
	plane, err := controlplane.Start(ctx, controlplane.Config{Name: "oracle-e2e", Binaries: set, Progress: progress})
	if err != nil {
		return 0, err
	}
	defer func() {
		if err := plane.Stop(); err != nil {
			fmt.Fprintln(progress, "oracle e2e: stop the control plane:", err)
		}
	}()
	e := &e2e{u: u, client: plane.Client(), nsLabels: map[string]map[string]string{}, progress: progress}
	for _, in := range u.installs {
		ports, err := pickIstiodPorts()
		if err != nil {
			return 0, err
		}
		e.istiods = append(e.istiods, &istiod{bin: bin, kubeconfig: plane.KubeconfigPath(), revision: in.revision, deployment: in.deployment, ports: ports})
	}
	defer func() {
		for _, d := range e.istiods {
			if err := d.stop(); err != nil {
				fmt.Fprintln(progress, "oracle e2e:", err)
			}
		}
	}()
	if err := e.setup(ctx); err != nil {
		return 0, err
	}
	fmt.Fprintf(w, "upstream: istiod (pilot-discovery) of %s %s (Istio %s) on a local control plane (kube-apiserver %s); model: mesh create --profile istio --version %s\n",
		istioModule, u.releaseModule, u.release, binaries.KubernetesVersion, u.release)

	results := make([]caseResult, n)
	for _, b := range e2eCases(n, seed) {
		if err := e.startIstiods(ctx, b); err != nil {
			return 0, err
		}
		for i, c := range b.cases {
			r, err := e.compare(ctx, c)
			if err != nil {
				return 0, fmt.Errorf("case %d:\n%s: %w", b.position[i], c, err)
			}
			results[b.position[i]] = r
		}
		if err := e.checkNodeClass(ctx, b); err != nil {
			return 0, err
		}
	}
	elapsed := time.Since(began)

	var t tally
	for _, r := range results {
		t.add(r)
	}
	byClass, disagreements, injected, native, rejected := t.byClass, t.disagreements, t.injected, t.native, t.rejected
	classes := slices.Sorted(maps.Keys(byClass))
	var unknown []string
	for _, cl := range classes {
		status := "known"
		if !known[cl] {
			status = "NOT in " + knownPath
			unknown = append(unknown, cl)
		}
		fmt.Fprintf(w, "=== %s: %d pods (%s)\n", cl, len(byClass[cl]), status)
		printReproducer(w, byClass[cl][0])
	}
	fmt.Fprintf(w, "upstream istiod injected %d of %d pods (%d native), the API server refused %d\n", injected, n, native, rejected)
	fmt.Fprintf(w, "%d classes of disagreement, %d not listed in %s; %s with the plane's and istiods' starts\n",
		len(classes), len(unknown), knownPath, elapsed.Round(time.Second))
	fmt.Fprintf(w, "oracle e2e: %d pods, %d disagreements\n", n, disagreements)
	if len(unknown) > 0 {
		return 1, nil
	}
	return 0, nil
}

// setup applies what the chart's install leaves in a cluster before
// istiod starts, as far as the injector reads it: the istio-system
// namespace, each revision's mesh and injector ConfigMaps and its
// MutatingWebhookConfiguration (with a URL on the revision's istiod in
// place of the Service, the plane having no Service network); the node;
// the namespace sync policy.
func (e *e2e) setup(ctx context.Context) error {
	if err := e.ensureNamespace(ctx, istioNamespace, nil); err != nil {
		return err
	}
	for i, in := range e.u.installs {
		for _, cm := range []*corev1.ConfigMap{in.meshCM, in.injectorCM} {
			cm = cm.DeepCopy()
			cm.Namespace = istioNamespace
			if _, err := e.client.CoreV1().ConfigMaps(istioNamespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("apply ConfigMap %s: %w", cm.Name, err)
			}
		}
		mwc := webhookConfigurationOn(in.webhooks, e.istiods[i].ports.https)
		if _, err := e.client.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, mwc, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("apply MutatingWebhookConfiguration %s: %w", mwc.Name, err)
		}
	}
	// A node may be created with its status (kwok keeps the nodeInfo
	// it was registered with).
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeName}}
	node.Status.NodeInfo.KubeletVersion = "v1.33.0"
	if _, err := e.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create node: %w", err)
	}
	e.nodeMinor = 33
	return e.installSyncPolicy(ctx)
}

// webhookConfigurationOn is the chart's configuration with every webhook
// calling istiod on 127.0.0.1:port at the Service's path. Its caBundle is
// left for istiod to fill in: the configuration carries istio.io/rev, which
// is what istiod's webhook patcher looks for.
func webhookConfigurationOn(mwc *admissionregv1.MutatingWebhookConfiguration, port int) *admissionregv1.MutatingWebhookConfiguration {
	out := mwc.DeepCopy()
	out.ResourceVersion = ""
	for i := range out.Webhooks {
		path := "/inject"
		if s := out.Webhooks[i].ClientConfig.Service; s != nil && s.Path != nil && *s.Path != "" {
			path = *s.Path
		}
		url := fmt.Sprintf("https://127.0.0.1:%d%s", port, path)
		out.Webhooks[i].ClientConfig = admissionregv1.WebhookClientConfig{URL: &url}
	}
	return out
}

// startIstiods (re)starts every revision's istiod for a batch, the node at
// the batch's first kubelet version first, and returns once the API server
// has each inject a pod.
func (e *e2e) startIstiods(ctx context.Context, b *e2eBatch) error {
	for _, d := range e.istiods {
		if err := d.stop(); err != nil {
			fmt.Fprintln(e.progress, "oracle e2e:", err)
		}
	}
	if err := e.setNodeMinor(ctx, b.cases[0].KubeMinor); err != nil {
		return err
	}
	began := time.Now()
	for _, d := range e.istiods {
		if err := d.start(ctx, b.native); err != nil {
			return err
		}
	}
	for _, in := range e.u.installs {
		if err := e.awaitInjection(ctx, in.revision); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.progress, " ✓ istiod (%d revisions, ENABLE_NATIVE_SIDECARS=%s, node kubelet v1.%d) injecting in %s; %d pods follow\n",
		len(e.istiods), b.native, e.nodeMinor, time.Since(began).Round(time.Millisecond), len(b.cases))
	return nil
}

// awaitInjection dry-runs a pod in a namespace that selects the revision
// until it comes back injected by it: istiod serves and the API server
// trusts it (istiod has patched the caBundle).
func (e *e2e) awaitInjection(ctx context.Context, revision string) error {
	ns := "oracle-probe" + revisionSuffix(revision)
	labels := map[string]string{"istio-injection": "enabled"}
	if revision != "" {
		labels = map[string]string{"istio.io/rev": revision}
	}
	if err := e.ensureNamespace(ctx, ns, labels); err != nil {
		return err
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: ns},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}
	want := revision
	if want == "" {
		want = "default"
	}
	deadline := time.Now().Add(2 * time.Minute)
	var last string
	for time.Now().Before(deadline) {
		got, err := e.client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		switch {
		case err != nil:
			last = err.Error()
		case strings.Contains(got.Annotations["sidecar.istio.io/status"], `"revision":"`+want+`"`):
			return nil
		default:
			last = "not injected by revision " + want
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
	return fmt.Errorf("istiod of revision %q did not inject a pod through the API server within 2 minutes (last: %s)", revision, last)
}

// setNodeMinor sets the node's kubelet version to 1.minor.0.
func (e *e2e) setNodeMinor(ctx context.Context, minor int) error {
	if e.nodeMinor == minor {
		return nil
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := e.client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		node.Status.NodeInfo.KubeletVersion = fmt.Sprintf("v1.%d.0", minor)
		_, err = e.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("set the node's kubelet version: %w", err)
	}
	e.nodeMinor = minor
	return nil
}

// checkNodeClass fails when the node's kubelet version is no longer on the
// batch's side of 1.33 (something else wrote the node's status), which would
// make istiod's auto-detection differ from what the batch's cases say.
func (e *e2e) checkNodeClass(ctx context.Context, b *e2eBatch) error {
	if b.native != "auto" {
		return nil
	}
	node, err := e.client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read node: %w", err)
	}
	v := node.Status.NodeInfo.KubeletVersion
	var minor int
	if _, err := fmt.Sscanf(v, "v1.%d.", &minor); err != nil || (minor >= 33) != b.modern {
		return fmt.Errorf("the node's kubelet version is %q, not on the batch's side of 1.33 (modern=%t)", v, b.modern)
	}
	return nil
}

// ensureNamespace makes a namespace with the given labels, or relabels it,
// and waits until admission sees the labels (the API server's webhooks
// read namespaces from an informer; only a namespace it has never seen is
// read from storage).
func (e *e2e) ensureNamespace(ctx context.Context, name string, labels map[string]string) error {
	want := map[string]string{"kubernetes.io/metadata.name": name}
	maps.Copy(want, labels)
	if cur, ok := e.nsLabels[name]; ok && maps.Equal(cur, want) {
		return nil
	}
	e.nsLabels[name] = maps.Clone(want)
	e.generation++
	want[generationLabel] = strconv.Itoa(e.generation)
	api := e.client.CoreV1().Namespaces()
	ns, err := api.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: want}}
		if _, err := api.Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
	case err != nil:
		return fmt.Errorf("read namespace %s: %w", name, err)
	default:
		ns.Labels = want
		if _, err := api.Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("label namespace %s: %w", name, err)
		}
	}
	// The pods' service account: made here rather than waited for from
	// the controller-manager.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: name}}
	if _, err := e.client.CoreV1().ServiceAccounts(name).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create the default service account of %s: %w", name, err)
	}
	return e.awaitNamespaceSync(ctx, name, e.generation)
}

// installSyncPolicy installs a ValidatingAdmissionPolicy that admits a
// probe ConfigMap only when the namespace admission sees carries the
// probe's generation (namespaceObject comes from the same informer the
// webhooks' namespace selectors read), and waits until it is in force.
func (e *e2e) installSyncPolicy(ctx context.Context) error {
	fail := admissionregv1.Fail
	policy := &admissionregv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: syncPolicy},
		Spec: admissionregv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregv1.MatchResources{
				ObjectSelector: &metav1.LabelSelector{MatchLabels: map[string]string{syncLabel: "true"}},
				ResourceRules: []admissionregv1.NamedRuleWithOperations{{RuleWithOperations: admissionregv1.RuleWithOperations{
					Operations: []admissionregv1.OperationType{admissionregv1.Create},
					Rule:       admissionregv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				}}},
			},
			Validations: []admissionregv1.Validation{{
				Expression: fmt.Sprintf("has(namespaceObject.metadata.labels) && '%[1]s' in namespaceObject.metadata.labels && namespaceObject.metadata.labels['%[1]s'] == object.data.generation", generationLabel),
				Message:    "the namespace's generation differs",
			}},
		},
	}
	if _, err := e.client.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("install the namespace sync policy: %w", err)
	}
	binding := &admissionregv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: syncPolicy},
		Spec: admissionregv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        syncPolicy,
			ValidationActions: []admissionregv1.ValidationAction{admissionregv1.Deny},
		},
	}
	if _, err := e.client.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("install the namespace sync policy's binding: %w", err)
	}
	// In force once it refuses a probe of a generation no namespace has.
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if err := e.syncProbe(ctx, metav1.NamespaceDefault, -1); err != nil && strings.Contains(err.Error(), "generation differs") {
			return nil
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
	return errors.New("the namespace sync policy was not in force within a minute")
}

func (e *e2e) syncProbe(ctx context.Context, ns string, generation int) error {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "oracle-sync", Namespace: ns, Labels: map[string]string{syncLabel: "true"}},
		Data:       map[string]string{"generation": strconv.Itoa(generation)},
	}
	_, err := e.client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	return err
}

// awaitNamespaceSync returns once admission sees the namespace at the
// generation.
func (e *e2e) awaitNamespaceSync(ctx context.Context, ns string, generation int) error {
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		if err = e.syncProbe(ctx, ns, generation); err == nil {
			return nil
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("admission did not see namespace %s's labels within 30s: %w", ns, err)
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// compare creates the case's pod through the API server and compares the
// stored pod with the model's prediction.
func (e *e2e) compare(ctx context.Context, c Case) (caseResult, error) {
	if err := e.setNodeMinor(ctx, c.KubeMinor); err != nil {
		return caseResult{}, err
	}
	if err := e.ensureNamespace(ctx, c.Namespace, c.NamespaceLabels); err != nil {
		return caseResult{}, err
	}
	sel, err := e.u.selected(c)
	if err != nil {
		return caseResult{}, err
	}
	up := outcome{Selected: sel, Pod: c.Pod.DeepCopy()}
	stored, err := e.client.CoreV1().Pods(c.Namespace).Create(ctx, c.Pod.DeepCopy(), metav1.CreateOptions{})
	var status apierrors.APIStatus
	switch {
	case errors.As(err, &status):
		up.Rejected = err.Error()
	case err != nil:
		return caseResult{}, fmt.Errorf("create pod: %w", err)
	default:
		up.Pod = stored
		_, up.Injected = stored.Annotations["sidecar.istio.io/status"]
		zero := int64(0)
		if err := e.client.CoreV1().Pods(c.Namespace).Delete(ctx, stored.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil && !apierrors.IsNotFound(err) {
			return caseResult{}, fmt.Errorf("delete pod %s: %w", stored.Name, err)
		}
	}
	tw := runTwin(c, e.u.version)
	if tw.Rejected == "" {
		// What the API server checks after admission, as the model
		// has the simulator check it.
		if err := model.ValidatePod(tw.Pod); err != nil {
			tw.Rejected = model.PodInvalidMessage(tw.Pod.Name, err)
		}
	}
	for _, o := range []*outcome{&up, &tw} {
		if o.Rejected != "" {
			o.Pod, o.Injected = c.Pod.DeepCopy(), false
		}
		o.Pod = apiServerAdditionsRemoved(o.Pod)
	}
	r := caseResult{c: c, up: up, twin: tw, diffs: diff(view(up), view(tw))}
	r.classes = classify(c, r.diffs)
	return r, nil
}
