package sim

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/apimachinery/pkg/watch"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/meshtwin/meshtwin/model"
)

// apiServer answers a clientset's requests the way a kube-apiserver
// would: defaulting, validation, admission, typed errors, then storage in
// the tracker, then the effects the cluster's components would have
// (scheduling, controllers, cascading deletes).
type apiServer struct {
	sim     *Sim
	context string
	tracker *Tracker
	// cluster is nil for the mesh control plane, which serves
	// namespaces only.
	cluster *cluster
	// pods lets the pods of one controller share their equal parts.
	pods podSharer
	// validMetas are the last metadata validateMeta found valid;
	// nextValidMeta is the one to replace next.
	validMetas    [16]validMeta
	nextValidMeta int
	// lastNamespace is the last namespace name found valid.
	lastNamespace string
}

func newAPIServer(s *Sim, context string, c *cluster) *apiServer {
	return &apiServer{sim: s, context: context, tracker: NewTracker(scheme.Scheme), cluster: c}
}

// newClientset assembles a fake clientset whose every request is
// answered by this API server. With push, namespace edits are pushed to
// the data plane by the mesh instance once stored.
func (a *apiServer) newClientset(push bool) *fake.Clientset {
	// NewSimpleClientset wires discovery; its own tracker is left
	// unused: the reactors below replace the default ones.
	cs := fake.NewSimpleClientset()
	cs.ReactionChain = nil
	cs.WatchReactionChain = nil
	cs.AddReactor("*", "*", func(action testing.Action) (bool, runtime.Object, error) {
		return a.react(action, push)
	})
	cs.PrependReactor("*", "*", a.reactFault)
	cs.AddWatchReactor("*", a.reactWatch)
	cs.Resources = a.discoveryResources()
	if d, ok := cs.Discovery().(*fakediscovery.FakeDiscovery); ok {
		d.FakedServerVersion = a.serverVersion()
	}
	return cs
}

func (a *apiServer) serverVersion() *version.Info {
	kv := model.KubeVersion{Major: 1, Minor: 30}
	if a.cluster != nil {
		kv = a.cluster.info.KubeVersion
	}
	return &version.Info{
		Major:      fmt.Sprint(kv.Major),
		Minor:      fmt.Sprint(kv.Minor),
		GitVersion: fmt.Sprintf("v%d.%d.1-aliyun.1", kv.Major, kv.Minor),
		Platform:   "linux/amd64",
	}
}

func (a *apiServer) discoveryResources() []*metav1.APIResourceList {
	all := metav1.Verbs{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	res := func(name, kind string, namespaced bool, short ...string) metav1.APIResource {
		return metav1.APIResource{Name: name, Kind: kind, Namespaced: namespaced, Verbs: all, ShortNames: short}
	}
	core := &metav1.APIResourceList{GroupVersion: "v1", APIResources: []metav1.APIResource{
		res("namespaces", "Namespace", false, "ns"), res("events", "Event", true, "ev"),
	}}
	if a.cluster == nil {
		return []*metav1.APIResourceList{core}
	}
	core.APIResources = append(core.APIResources,
		res("pods", "Pod", true, "po"), res("nodes", "Node", false, "no"),
		res("services", "Service", true, "svc"), res("configmaps", "ConfigMap", true, "cm"),
		res("secrets", "Secret", true), res("serviceaccounts", "ServiceAccount", true, "sa"),
		res("persistentvolumeclaims", "PersistentVolumeClaim", true, "pvc"))
	return []*metav1.APIResourceList{
		core,
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
			res("deployments", "Deployment", true, "deploy"), res("replicasets", "ReplicaSet", true, "rs"),
			res("statefulsets", "StatefulSet", true, "sts"), res("daemonsets", "DaemonSet", true, "ds"),
		}},
		{GroupVersion: "batch/v1", APIResources: []metav1.APIResource{res("jobs", "Job", true), res("cronjobs", "CronJob", true, "cj")}},
		{GroupVersion: "admissionregistration.k8s.io/v1", APIResources: []metav1.APIResource{
			res("mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false),
		}},
		{GroupVersion: "discovery.k8s.io/v1", APIResources: []metav1.APIResource{res("endpointslices", "EndpointSlice", true)}},
	}
}

// serves reports whether this API server has the resource.
func (a *apiServer) serves(gvr schema.GroupVersionResource) bool {
	gr := gvr.GroupResource()
	return a.cluster != nil || gr == gvrNamespaces.GroupResource() || gr == gvrEvents.GroupResource()
}

func errNoResource(verb string, gvr schema.GroupVersionResource, name string) error {
	return apierrors.NewGenericServerResponse(http.StatusNotFound, httpVerb(verb), gvr.GroupResource(), name, "", 0, false)
}

func httpVerb(verb string) string {
	switch verb {
	case "create":
		return "POST"
	case "update":
		return "PUT"
	case "patch":
		return "PATCH"
	case "delete", "delete-collection":
		return "DELETE"
	}
	return "GET"
}

// react is the clientset's only reactor.
func (a *apiServer) react(action testing.Action, push bool) (bool, runtime.Object, error) {
	switch action.(type) {
	case testing.GetActionImpl, testing.ListActionImpl, testing.CreateActionImpl, testing.UpdateActionImpl,
		testing.PatchActionImpl, testing.DeleteActionImpl, testing.DeleteCollectionActionImpl,
		viewGetAction, viewListAction, handOverCreateAction:
	default:
		// Not a resource request (discovery's server version, proxy):
		// left to the fake clientset's defaults.
		return false, nil, nil
	}
	gvr := action.GetResource()
	if !a.serves(gvr) {
		name := ""
		if n, ok := action.(interface{ GetName() string }); ok {
			name = n.GetName()
		}
		return true, nil, errNoResource(action.GetVerb(), gvr, name)
	}
	if a.cluster != nil && a.cluster.unreachable.Load() {
		return true, nil, a.errUnreachable(action)
	}
	var req *request
	switch action.GetVerb() {
	case "get", "list", "watch":
	default:
		if a.cluster == nil {
			// The control plane admits no pod: its writes read no
			// mesh config.
			req = &request{}
			break
		}
		// Read outside the simulator's lock (see Sim.mu).
		req = a.sim.request()
	}
	s := a.sim
	obj, edit, err := a.handleLocked(req, action, push)
	if edit != nil {
		if inst := s.mesh.Load(); inst != nil {
			// The edit is stored: it is answered as stored whatever the
			// push does. A cluster that fails is recorded as an event,
			// listed by the console (asm namespace list) and pushed
			// again (asm.Instance.Push).
			_, _ = inst.Push(context.Background(), edit.before, edit.after)
		}
	}
	return true, obj, err
}

// namespaceEdit is an edit of a control-plane namespace, to push (B06).
type namespaceEdit struct {
	before map[string]string // the labels before the edit
	after  *corev1.Namespace
}

// handleLocked serves one request under the simulator's lock, released
// even if a reactor panics, and returns the edit to push (B06) when a
// control-plane namespace was updated or patched.
func (a *apiServer) handleLocked(req *request, action testing.Action, push bool) (runtime.Object, *namespaceEdit, error) {
	s := a.sim
	s.mu.Lock()
	defer s.mu.Unlock()
	edit := push && (action.GetVerb() == "update" || action.GetVerb() == "patch") && action.GetResource() == gvrNamespaces
	var before map[string]string
	if edit {
		name := ""
		if n, ok := action.(interface{ GetName() string }); ok {
			name = n.GetName()
		}
		if u, ok := action.(testing.UpdateAction); ok {
			if m, err := meta.Accessor(u.GetObject()); err == nil {
				name = m.GetName()
			}
		}
		if old, ok := a.tracker.peek(gvrNamespaces, "", name).(*corev1.Namespace); ok {
			before = maps.Clone(old.Labels)
		}
	}
	obj, err := a.handle(req, action)
	if a.cluster != nil && req != nil {
		a.cluster.settle(req)
	}
	if !edit || err != nil {
		return obj, nil, err
	}
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return obj, nil, err
	}
	return obj, &namespaceEdit{before: before, after: ns.DeepCopy()}, nil
}

func (a *apiServer) reactWatch(action testing.Action) (bool, watch.Interface, error) {
	if a.cluster != nil && a.cluster.unreachable.Load() {
		return true, nil, a.errUnreachable(action)
	}
	gvr := action.GetResource()
	if !a.serves(gvr) {
		return true, nil, errNoResource("watch", gvr, "")
	}
	var opts []metav1.ListOptions
	if w, ok := action.(testing.WatchActionImpl); ok {
		opts = append(opts, w.ListOptions)
	}
	ns := action.GetNamespace()
	if clusterScoped(gvr.Resource) {
		ns = ""
	}
	w, err := a.tracker.Watch(gvr, ns, opts...)
	if err != nil {
		return true, nil, err
	}
	return true, w, nil
}

func (a *apiServer) handle(req *request, action testing.Action) (runtime.Object, error) {
	gvr := action.GetResource()
	ns := action.GetNamespace()
	if clusterScoped(gvr.Resource) {
		ns = ""
	}
	switch act := action.(type) {
	case viewGetAction:
		if act.Subresource != "" {
			return a.get(gvr, ns, act.Name, act.Subresource)
		}
		if obj := a.tracker.peek(gvr, ns, act.Name); obj != nil {
			return obj, nil
		}
		if act.absentIsNil {
			return nil, nil
		}
		return nil, apierrors.NewNotFound(gvr.GroupResource(), act.Name)
	case viewListAction:
		if act.shared {
			if gvr != gvrNamespaces {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("a shared list reads namespaces, not %s", gvr.Resource))
			}
			return a.tracker.sharedNamespaces()
		}
		if act.ListOptions.LabelSelector != "" || act.ListOptions.FieldSelector != "" {
			return a.tracker.List(gvr, act.Kind, ns, act.ListOptions)
		}
		return a.tracker.viewList(gvr, act.Kind, ns)
	case testing.GetActionImpl:
		return a.get(gvr, ns, act.Name, act.Subresource)
	case testing.ListActionImpl:
		return a.tracker.List(gvr, act.Kind, ns, act.ListOptions)
	case handOverCreateAction:
		if act.Subresource == "" && !isDryRun(act.CreateOptions.DryRun) {
			return a.createStored(req, gvr, ns, act.Object)
		}
		return a.handle(req, act.CreateActionImpl)
	case testing.CreateActionImpl:
		dry := isDryRun(act.CreateOptions.DryRun)
		switch act.Subresource {
		case "":
			return a.create(req, gvr, ns, act.Object, dry)
		case "eviction":
			if gvr == gvrPods {
				name := act.Name
				if ev, ok := act.Object.(*policyv1.Eviction); ok && name == "" {
					name = ev.Name
				}
				if _, err := a.delete(req, gvr, ns, name, metav1.DeleteOptions{DryRun: act.CreateOptions.DryRun}); err != nil {
					return nil, err
				}
				return &metav1.Status{Status: metav1.StatusSuccess}, nil
			}
		case "binding":
			if b, ok := act.Object.(*corev1.Binding); ok && gvr == gvrPods && a.cluster != nil {
				return nil, a.cluster.bindRequest(ns, b)
			}
		}
	case testing.UpdateActionImpl:
		dry := isDryRun(act.UpdateOptions.DryRun)
		switch act.Subresource {
		case "", "status":
			return a.update(req, gvr, ns, "", act.Object, act.Subresource, dry)
		case "scale":
			if s, ok := act.Object.(*autoscalingv1.Scale); ok {
				return a.setScale(req, gvr, ns, s.Name, s, dry)
			}
		}
	case testing.PatchActionImpl:
		return a.patch(req, gvr, ns, act)
	case testing.DeleteActionImpl:
		if act.Subresource != "" {
			break
		}
		return a.delete(req, gvr, ns, act.Name, act.DeleteOptions)
	case testing.DeleteCollectionActionImpl:
		return nil, a.deleteCollection(req, gvr, ns, act.DeleteOptions, act.ListOptions)
	}
	return nil, apierrors.NewMethodNotSupported(gvr.GroupResource(), strings.TrimSpace(action.GetVerb()+" "+action.GetSubresource()))
}

func isDryRun(dryRun []string) bool {
	for _, d := range dryRun {
		if d == metav1.DryRunAll {
			return true
		}
	}
	return false
}

func (a *apiServer) get(gvr schema.GroupVersionResource, ns, name, sub string) (runtime.Object, error) {
	switch sub {
	case "", "status":
		return a.tracker.Get(gvr, ns, name)
	case "scale":
		cur := a.tracker.peek(gvr, ns, name)
		if cur == nil {
			return nil, apierrors.NewNotFound(gvr.GroupResource(), name)
		}
		if s := scaleOf(cur); s != nil {
			return s, nil
		}
	}
	return nil, apierrors.NewMethodNotSupported(gvr.GroupResource(), "get "+sub)
}

// ---- create ----

// createBuiltinNamespace creates one of the namespaces every cluster
// starts with.
func (a *apiServer) createBuiltinNamespace(name string) (runtime.Object, error) {
	return a.create(&request{}, gvrNamespaces, "", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, false)
}

// create stores a new object and returns a copy of it for the caller;
// obj is owned by the API server from here on.
func (a *apiServer) create(req *request, gvr schema.GroupVersionResource, ns string, obj runtime.Object, dryRun bool) (runtime.Object, error) {
	return a.createObject(req, gvr, ns, obj, dryRun, true)
}

// createStored is create for the simulator's own controllers: it returns
// the stored object itself, which the caller must not modify. A
// ReplicaSet that creates 100,000 pods keeps each while it counts them;
// copies would double the pods' memory until it is done.
func (a *apiServer) createStored(req *request, gvr schema.GroupVersionResource, ns string, obj runtime.Object) (runtime.Object, error) {
	return a.createObject(req, gvr, ns, obj, false, false)
}

func (a *apiServer) createObject(req *request, gvr schema.GroupVersionResource, ns string, obj runtime.Object, dryRun, copyOut bool) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	gk := a.groupKind(obj, gvr)
	if clusterScoped(gvr.Resource) {
		ns = ""
		m.SetNamespace("")
	} else {
		if ns == "" {
			ns = m.GetNamespace()
		}
		if ns == "" {
			return nil, apierrors.NewBadRequest("an empty namespace may not be set during creation")
		}
		if m.GetNamespace() != "" && m.GetNamespace() != ns {
			return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
		m.SetNamespace(ns)
		if a.tracker.peek(gvrNamespaces, "", ns) == nil {
			return nil, apierrors.NewNotFound(gvrNamespaces.GroupResource(), ns)
		}
	}
	if m.GetResourceVersion() != "" {
		return nil, apierrors.NewInternalError(errors.New("resourceVersion should not be set on objects to be created"))
	}
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(a.generateName(gvr, ns, m.GetGenerateName()))
	}
	s := a.sim
	now := metav1.NewTime(s.clock.Now())
	if req.uids != nil {
		m.SetUID(drawUID(req.uids))
	} else {
		m.SetUID(s.newUID())
	}
	m.SetCreationTimestamp(now)
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetManagedFields(nil)
	m.SetSelfLink("")
	m.SetGeneration(0)
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	if errs := a.validateMeta(gvr, m); len(errs) > 0 {
		return nil, apierrors.NewInvalid(gk, m.GetName(), errs)
	}
	if a.tracker.peek(gvr, ns, m.GetName()) != nil {
		return nil, apierrors.NewAlreadyExists(gvr.GroupResource(), m.GetName())
	}
	obj, err = a.prepareCreate(req, gvr, gk, obj)
	if err != nil {
		return nil, err
	}
	if dryRun {
		return obj, nil
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		if a.cluster != nil && a.cluster.handedOut(pod) {
			// Its parts are the template's previous pod's, stored:
			// sharing would write into them.
			a.pods.remember(pod)
		} else {
			a.pods.share(pod)
		}
	}
	stored, err := a.tracker.put(gvr, obj, storeCreate)
	if err != nil {
		return nil, err
	}
	out := stored
	if copyOut {
		out = stored.DeepCopyObject()
	}
	a.afterCreate(req, gvr, stored)
	return out, nil
}

func (a *apiServer) generateName(gvr schema.GroupVersionResource, ns, prefix string) string {
	const maxPrefix = 63 - 5
	if len(prefix) > maxPrefix {
		prefix = prefix[:maxPrefix]
	}
	for {
		name := prefix + a.sim.randSuffix(5)
		if a.tracker.peek(gvr, ns, name) == nil {
			return name
		}
	}
}

func (a *apiServer) groupKind(obj runtime.Object, gvr schema.GroupVersionResource) schema.GroupKind {
	if gvks, _, err := scheme.Scheme.ObjectKinds(obj); err == nil && len(gvks) > 0 {
		return gvks[0].GroupKind()
	}
	return schema.GroupKind{Group: gvr.Group, Kind: gvr.Resource}
}

// validateMeta checks metadata the way the API server does for every
// object: name rules per resource, namespace, labels, annotations,
// owner references. Metadata equal to metadata found valid a moment
// before but for the name (a controller's pods, a fleet's namespaces)
// is valid if its name is (validMeta).
func (a *apiServer) validateMeta(gvr schema.GroupVersionResource, m metav1.Object) field.ErrorList {
	nameFn := metaNameFunc(gvr.Resource)
	v := validMetaOf(gvr.Resource, m)
	if v != nil && m.GetName() != "" && a.validNamespace(gvr.Resource, m.GetNamespace()) {
		// Newest first: creates in a row tend to repeat the last few
		// shapes of metadata.
		n := len(a.validMetas)
		for k := 1; k <= n; k++ {
			if a.validMetas[(a.nextValidMeta-k+n)%n].same(v) {
				if len(nameFn(m.GetName(), false)) == 0 {
					return nil
				}
				break
			}
		}
	}
	errs := apivalidation.ValidateObjectMetaAccessor(m, !clusterScoped(gvr.Resource), nameFn, field.NewPath("metadata"))
	if len(errs) == 0 && v != nil {
		a.lastNamespace = m.GetNamespace()
		v.labels, v.annotations = maps.Clone(v.labels), maps.Clone(v.annotations)
		v.owners, v.finalizers = slices.Clone(v.owners), slices.Clone(v.finalizers)
		for i := range v.owners {
			v.owners[i].Controller = clonePtr(v.owners[i].Controller)
			v.owners[i].BlockOwnerDeletion = clonePtr(v.owners[i].BlockOwnerDeletion)
		}
		a.validMetas[a.nextValidMeta] = *v
		a.nextValidMeta = (a.nextValidMeta + 1) % len(a.validMetas)
	}
	return errs
}

// validNamespace reports whether ns passes validateMeta's namespace
// checks for an object of resource: none for a cluster-scoped one, a
// valid namespace name for the others.
func (a *apiServer) validNamespace(resource, ns string) bool {
	if clusterScoped(resource) {
		return ns == ""
	}
	if ns == "" {
		return false
	}
	if ns == a.lastNamespace {
		return true
	}
	if !model.IsDNS1123Label(ns) {
		return false
	}
	a.lastNamespace = ns
	return true
}

func metaNameFunc(resource string) apivalidation.ValidateNameFunc {
	switch resource {
	case "namespaces":
		return quickYes(model.IsDNS1123Label, apivalidation.ValidateNamespaceName)
	case "services":
		return apivalidation.NameIsDNS1035Label
	case "roles", "rolebindings", "clusterroles", "clusterrolebindings":
		return path.ValidatePathSegmentName
	}
	return quickYes(model.IsDNS1123Subdomain, apivalidation.NameIsDNSSubdomain)
}

// quickYes is validate, answering a whole name that quick accepts without
// it: quick accepts exactly what validate does (model's name checks), and
// validate is left the messages of a name it refuses.
func quickYes(quick func(string) bool, validate apivalidation.ValidateNameFunc) apivalidation.ValidateNameFunc {
	return func(name string, prefix bool) []string {
		if !prefix && quick(name) {
			return nil
		}
		return validate(name, prefix)
	}
}

// validMeta is metadata that apivalidation.ValidateObjectMetaAccessor
// found valid, without its name and namespace: what the validation reads
// besides them (the resource picks the name rules and whether a
// namespace is required; managed fields are left out, as metadata that
// has some is not remembered). Metadata that is the same but for a valid
// name and namespace is valid: the validation checks each of them on its
// own (the name with the resource's rules; the namespace is required and
// a valid namespace name, or absent for a cluster-scoped resource), and
// the rest without them. It holds copies, as the object may change after
// its validation (defaulting, admission).
//
// Owner references are the same to the validation when they differ
// only in the owners' names and UIDs, which it only requires (ownersSame).
// A namespace's kubernetes.io/metadata.name label (the API server sets it
// to the namespace's name) is the same in two namespaces when it is each
// one's name: a valid namespace name is a valid label value.
type validMeta struct {
	resource, name, generateName string
	generation                   int64
	labels, annotations          map[string]string
	owners                       []metav1.OwnerReference
	finalizers                   []string
}

// validMetaOf is m without its name, or nil when m has managed fields.
func validMetaOf(resource string, m metav1.Object) *validMeta {
	if len(m.GetManagedFields()) > 0 {
		return nil
	}
	return &validMeta{resource: resource, name: m.GetName(), generateName: m.GetGenerateName(),
		generation: m.GetGeneration(), labels: m.GetLabels(), annotations: m.GetAnnotations(),
		owners: m.GetOwnerReferences(), finalizers: m.GetFinalizers()}
}

func (v *validMeta) same(w *validMeta) bool {
	return v.resource != "" && v.resource == w.resource && v.generateName == w.generateName &&
		v.generation == w.generation && v.labelsSame(w) && maps.Equal(v.annotations, w.annotations) &&
		ownersSame(v.owners, w.owners) && slices.Equal(v.finalizers, w.finalizers)
}

// ownersSame reports whether a and b are the same owner references to
// the validation, which reads an owner's name and UID only to require
// them: the same but for names and UIDs that are both set or both not.
func ownersSame(a, b []metav1.OwnerReference) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.APIVersion != y.APIVersion || x.Kind != y.Kind || (x.Name == "") != (y.Name == "") ||
			(x.UID == "") != (y.UID == "") || !valueEqual(x.Controller, y.Controller) {
			return false
		}
	}
	return true
}

func (v *validMeta) labelsSame(w *validMeta) bool {
	if len(v.labels) != len(w.labels) {
		return false
	}
	for k, a := range v.labels {
		b, ok := w.labels[k]
		switch {
		case !ok:
			return false
		case k == model.LabelMetadataName && v.resource == "namespaces" && a == v.name && b == w.name:
		case a != b:
			return false
		}
	}
	return true
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// prepareCreate defaults, admits and validates one kind of object.
func (a *apiServer) prepareCreate(req *request, gvr schema.GroupVersionResource, gk schema.GroupKind, obj runtime.Object) (runtime.Object, error) {
	switch o := obj.(type) {
	case *corev1.Namespace:
		defaultNamespace(o)
		o.Spec.Finalizers = []corev1.FinalizerName{corev1.FinalizerKubernetes}
		o.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	case *corev1.Pod:
		if a.cluster == nil {
			break
		}
		return a.cluster.admitPod(req, o)
	case *appsv1.Deployment:
		o.Generation = 1
		o.Status = appsv1.DeploymentStatus{}
		defaultDeployment(o)
		return admitted(obj, gk, o.Name, validateDeployment(o, nil))
	case *appsv1.ReplicaSet:
		o.Generation = 1
		o.Status = appsv1.ReplicaSetStatus{}
		defaultReplicaSet(o)
		return admitted(obj, gk, o.Name, validateReplicaSet(o, nil))
	case *batchv1.Job:
		o.Generation = 1
		o.Status = batchv1.JobStatus{}
		defaultJob(o)
		return admitted(obj, gk, o.Name, validateJob(o, nil))
	case *appsv1.StatefulSet:
		o.Generation = 1
		o.Status = appsv1.StatefulSetStatus{}
		a.defaultStatefulSet(o)
		return admitted(obj, gk, o.Name, validateStatefulSet(o, nil))
	case *appsv1.DaemonSet:
		o.Generation = 1
		o.Status = appsv1.DaemonSetStatus{}
		defaultDaemonSet(o)
		return admitted(obj, gk, o.Name, validateDaemonSet(o, nil))
	case *batchv1.CronJob:
		o.Generation = 1
		o.Status = batchv1.CronJobStatus{}
		defaultCronJob(o)
		return admitted(obj, gk, o.Name, validateCronJob(o))
	case *corev1.PersistentVolumeClaim:
		pendClaim(o)
	case *corev1.Event:
		if o.Count == 0 {
			o.Count = 1
		}
	case *admissionregistrationv1.MutatingWebhookConfiguration:
		o.Generation = 1
		defaultMutatingWebhookConfiguration(o)
	case *corev1.Service:
		if a.cluster != nil {
			if err := a.cluster.defaultService(o, gk); err != nil {
				return nil, err
			}
		}
	}
	return obj, nil
}

// admitted returns obj, or an Invalid error when validation found errs.
func admitted(obj runtime.Object, gk schema.GroupKind, name string, errs field.ErrorList) (runtime.Object, error) {
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(gk, name, errs)
	}
	return obj, nil
}

func defaultNamespace(ns *corev1.Namespace) {
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[model.LabelMetadataName] = ns.Name
}

func (a *apiServer) afterCreate(req *request, gvr schema.GroupVersionResource, obj runtime.Object) {
	c := a.cluster
	if c == nil {
		return
	}
	switch o := obj.(type) {
	case *corev1.Namespace:
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: o.Name}}
		if _, err := a.create(req, gvrSAs, o.Name, sa, false); err != nil && !apierrors.IsAlreadyExists(err) {
			// The namespace is stored; as the service account
			// controller would, say so where kubectl shows it.
			c.recordEvent(refTo(o, "Namespace", "v1"), corev1.EventTypeWarning, "FailedCreate",
				fmt.Sprintf("Error creating service account default: %v", err), "serviceaccount-controller", "")
		}
		if err := c.namespaceCreated(o); err != nil {
			c.recordEvent(refTo(o, "Namespace", "v1"), corev1.EventTypeWarning, "FailedCreate", err.Error(), "root-ca-cert-publisher", "")
		}
	case *corev1.Pod:
		c.podCreated(o)
	case *corev1.PersistentVolumeClaim:
		typ, reason, msg := claimPendingEvent(o)
		c.recordEvent(refTo(o, "PersistentVolumeClaim", "v1"), typ, reason, msg, "persistentvolume-controller", "")
	default:
		c.objectChanged(obj)
	}
}

// objectChanged tells the controllers that a node or a workload (a
// deployment, replica set or job) was created or updated.
func (c *cluster) objectChanged(obj runtime.Object) {
	switch o := obj.(type) {
	case *corev1.Node:
		c.nodesChanged()
	case *appsv1.Deployment:
		c.enqueue(gvrDeployments, o.Namespace, o.Name)
	case *appsv1.ReplicaSet:
		c.enqueue(gvrReplicaSets, o.Namespace, o.Name)
	case *batchv1.Job:
		c.enqueue(gvrJobs, o.Namespace, o.Name)
	case *appsv1.StatefulSet:
		c.enqueue(gvrStatefulSets, o.Namespace, o.Name)
	case *appsv1.DaemonSet:
		c.enqueue(gvrDaemonSets, o.Namespace, o.Name)
	case *batchv1.CronJob:
		c.enqueue(gvrCronJobs, o.Namespace, o.Name)
	case *corev1.Service:
		c.enqueue(gvrEndpointSlices, o.Namespace, o.Name)
	}
}

// ---- update and patch ----

// update replaces an object (sub "") or its status (sub "status"). name,
// when not empty, is the name the request addressed.
func (a *apiServer) update(req *request, gvr schema.GroupVersionResource, ns, name string, obj runtime.Object, sub string, dryRun bool) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if name != "" && m.GetName() != name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), name))
	}
	if clusterScoped(gvr.Resource) {
		m.SetNamespace("")
	} else if m.GetNamespace() == "" {
		m.SetNamespace(ns)
	}
	if m.GetNamespace() != ns {
		return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	cur := a.tracker.peek(gvr, ns, m.GetName())
	if cur == nil {
		return nil, apierrors.NewNotFound(gvr.GroupResource(), m.GetName())
	}
	cm := mustAccessor(cur)
	gr := gvr.GroupResource()
	if rv := m.GetResourceVersion(); rv != "" && rv != cm.GetResourceVersion() {
		return nil, apierrors.NewConflict(gr, m.GetName(), errors.New("the object has been modified; please apply your changes to the latest version and try again"))
	}
	if uid := m.GetUID(); uid != "" && uid != cm.GetUID() {
		return nil, apierrors.NewConflict(gr, m.GetName(), fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", cm.GetUID(), uid))
	}
	gk := a.groupKind(obj, gvr)
	if sub == "status" {
		obj = withStatus(cur.DeepCopyObject(), obj)
		m = mustAccessor(obj)
	} else {
		obj = withStatus(obj, cur)
		m.SetUID(cm.GetUID())
		m.SetCreationTimestamp(cm.GetCreationTimestamp())
		m.SetGeneration(cm.GetGeneration())
		m.SetManagedFields(nil)
		m.SetDeletionTimestamp(cm.GetDeletionTimestamp())
		m.SetGenerateName(cm.GetGenerateName())
	}
	m.SetResourceVersion(cm.GetResourceVersion())
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	if errs := a.validateMeta(gvr, m); len(errs) > 0 {
		return nil, apierrors.NewInvalid(gk, m.GetName(), errs)
	}
	if sub == "" {
		if errs := a.prepareUpdate(cur, obj); len(errs) > 0 {
			return nil, apierrors.NewInvalid(gk, m.GetName(), errs)
		}
	}
	if dryRun {
		return obj, nil
	}
	stored, err := a.tracker.put(gvr, obj, storeUpdate)
	if err != nil {
		return nil, err
	}
	out := stored.DeepCopyObject()
	a.afterUpdate(req, cur, stored)
	return out, nil
}

// withStatus returns dst with the status of src (a copy), for kinds whose
// status is a subresource.
func withStatus(dst, src runtime.Object) runtime.Object {
	switch d := dst.(type) {
	case *corev1.Pod:
		if s, ok := src.(*corev1.Pod); ok {
			d.Status = *s.Status.DeepCopy()
		}
	case *corev1.Namespace:
		if s, ok := src.(*corev1.Namespace); ok {
			d.Status = *s.Status.DeepCopy()
		}
	case *corev1.Node:
		if s, ok := src.(*corev1.Node); ok {
			d.Status = *s.Status.DeepCopy()
		}
	case *appsv1.Deployment:
		if s, ok := src.(*appsv1.Deployment); ok {
			d.Status = *s.Status.DeepCopy()
		}
	case *appsv1.ReplicaSet:
		if s, ok := src.(*appsv1.ReplicaSet); ok {
			d.Status = *s.Status.DeepCopy()
		}
	case *batchv1.Job:
		if s, ok := src.(*batchv1.Job); ok {
			d.Status = *s.Status.DeepCopy()
		}
	case *appsv1.StatefulSet:
		if s, ok := src.(*appsv1.StatefulSet); ok {
			d.Status = *s.Status.DeepCopy()
		}
	case *appsv1.DaemonSet:
		if s, ok := src.(*appsv1.DaemonSet); ok {
			d.Status = *s.Status.DeepCopy()
		}
	case *batchv1.CronJob:
		if s, ok := src.(*batchv1.CronJob); ok {
			d.Status = *s.Status.DeepCopy()
		}
	case *corev1.PersistentVolumeClaim:
		if s, ok := src.(*corev1.PersistentVolumeClaim); ok {
			d.Status = *s.Status.DeepCopy()
		}
	}
	return dst
}

// prepareUpdate applies the per-kind update rules: defaults, immutable
// fields, generation.
func (a *apiServer) prepareUpdate(cur, obj runtime.Object) field.ErrorList {
	switch o := obj.(type) {
	case *corev1.Namespace:
		defaultNamespace(o)
		o.Spec = *cur.(*corev1.Namespace).Spec.DeepCopy()
	case *corev1.Pod:
		return validatePodUpdate(cur.(*corev1.Pod), o)
	case *appsv1.Deployment:
		old := cur.(*appsv1.Deployment)
		defaultDeployment(o)
		return bumpGeneration(validateDeployment(o, old), old.Spec, o.Spec, old.Generation, &o.Generation)
	case *appsv1.ReplicaSet:
		old := cur.(*appsv1.ReplicaSet)
		defaultReplicaSet(o)
		return bumpGeneration(validateReplicaSet(o, old), old.Spec, o.Spec, old.Generation, &o.Generation)
	case *batchv1.Job:
		old := cur.(*batchv1.Job)
		defaultJob(o)
		return bumpGeneration(validateJob(o, old), old.Spec, o.Spec, old.Generation, &o.Generation)
	case *appsv1.StatefulSet:
		old := cur.(*appsv1.StatefulSet)
		a.defaultStatefulSet(o)
		return bumpGeneration(validateStatefulSet(o, old), old.Spec, o.Spec, old.Generation, &o.Generation)
	case *batchv1.CronJob:
		old := cur.(*batchv1.CronJob)
		defaultCronJob(o)
		return bumpGeneration(validateCronJob(o), old.Spec, o.Spec, old.Generation, &o.Generation)
	case *appsv1.DaemonSet:
		old := cur.(*appsv1.DaemonSet)
		defaultDaemonSet(o)
		return bumpGeneration(validateDaemonSet(o, old), old.Spec, o.Spec, old.Generation, &o.Generation)
	case *corev1.Service:
		keepAllocated(cur.(*corev1.Service), o)
	case *admissionregistrationv1.MutatingWebhookConfiguration:
		old := cur.(*admissionregistrationv1.MutatingWebhookConfiguration)
		defaultMutatingWebhookConfiguration(o)
		return bumpGeneration(nil, old.Webhooks, o.Webhooks, old.Generation, &o.Generation)
	}
	return nil
}

// bumpGeneration returns errs when an update failed validation; otherwise
// it sets *gen one past oldGen if the spec changed, and returns nil.
func bumpGeneration(errs field.ErrorList, oldSpec, newSpec any, oldGen int64, gen *int64) field.ErrorList {
	if len(errs) > 0 {
		return errs
	}
	if !apiequality.Semantic.DeepEqual(oldSpec, newSpec) {
		*gen = oldGen + 1
	}
	return nil
}

func (a *apiServer) afterUpdate(_ *request, _ runtime.Object, obj runtime.Object) {
	c := a.cluster
	if c == nil {
		return
	}
	if o, ok := obj.(*corev1.Pod); ok {
		c.enqueueController(o)
		c.enqueueServicesOf(o)
		return
	}
	c.objectChanged(obj)
}

func (a *apiServer) patch(req *request, gvr schema.GroupVersionResource, ns string, act testing.PatchActionImpl) (runtime.Object, error) {
	dry := isDryRun(act.PatchOptions.DryRun)
	cur := a.tracker.peek(gvr, ns, act.Name)
	if cur == nil {
		if act.PatchType == types.ApplyPatchType && act.Subresource == "" {
			return a.applyCreate(req, gvr, ns, act.Name, act.Patch, dry)
		}
		return nil, apierrors.NewNotFound(gvr.GroupResource(), act.Name)
	}
	switch act.Subresource {
	case "scale":
		s := scaleOf(cur)
		if s == nil {
			break
		}
		patched, err := applyPatch(s, act.PatchType, act.Patch)
		if err != nil {
			return nil, err
		}
		return a.setScale(req, gvr, ns, act.Name, patched.(*autoscalingv1.Scale), dry)
	case "", "status":
		patched, err := applyPatch(cur, act.PatchType, act.Patch)
		if err != nil {
			return nil, err
		}
		return a.update(req, gvr, ns, act.Name, patched, act.Subresource, dry)
	}
	return nil, apierrors.NewMethodNotSupported(gvr.GroupResource(), "patch "+act.Subresource)
}

// applyCreate creates an object from a server-side apply request.
func (a *apiServer) applyCreate(req *request, gvr schema.GroupVersionResource, ns, name string, patch []byte, dry bool) (runtime.Object, error) {
	gvk, ok := a.sim.kindFor(gvr)
	if !ok {
		return nil, apierrors.NewNotFound(gvr.GroupResource(), name)
	}
	obj, err := scheme.Scheme.New(gvk)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	data, err := yaml.YAMLToJSON(patch)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if err := yaml.Unmarshal(data, obj); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	m := mustAccessor(obj)
	if m.GetName() == "" {
		m.SetName(name)
	}
	return a.create(req, gvr, ns, obj, dry)
}

// scaleOf returns the scale subresource of a Deployment or ReplicaSet.
func scaleOf(obj runtime.Object) *autoscalingv1.Scale {
	var (
		m        metav1.Object
		replicas int32
		current  int32
		sel      *metav1.LabelSelector
	)
	switch o := obj.(type) {
	case *appsv1.Deployment:
		m, replicas, current, sel = o, derefInt32(o.Spec.Replicas, 1), o.Status.Replicas, o.Spec.Selector
	case *appsv1.ReplicaSet:
		m, replicas, current, sel = o, derefInt32(o.Spec.Replicas, 1), o.Status.Replicas, o.Spec.Selector
	case *appsv1.StatefulSet:
		m, replicas, current, sel = o, derefInt32(o.Spec.Replicas, 1), o.Status.Replicas, o.Spec.Selector
	default:
		return nil
	}
	selector := ""
	if s, err := metav1.LabelSelectorAsSelector(sel); err == nil {
		selector = s.String()
	}
	return &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{
			Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
			ResourceVersion: m.GetResourceVersion(), CreationTimestamp: m.GetCreationTimestamp(),
		},
		Spec:   autoscalingv1.ScaleSpec{Replicas: replicas},
		Status: autoscalingv1.ScaleStatus{Replicas: current, Selector: selector},
	}
}

func (a *apiServer) setScale(req *request, gvr schema.GroupVersionResource, ns, name string, s *autoscalingv1.Scale, dry bool) (runtime.Object, error) {
	cur := a.tracker.peek(gvr, ns, name)
	if cur == nil {
		return nil, apierrors.NewNotFound(gvr.GroupResource(), name)
	}
	if s.ResourceVersion != "" && s.ResourceVersion != mustAccessor(cur).GetResourceVersion() {
		return nil, apierrors.NewConflict(gvr.GroupResource(), name, errors.New("the object has been modified; please apply your changes to the latest version and try again"))
	}
	if s.Spec.Replicas < 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: "autoscaling", Kind: "Scale"}, name, field.ErrorList{
			field.Invalid(field.NewPath("spec", "replicas"), s.Spec.Replicas, "must be greater than or equal to 0"),
		})
	}
	next := cur.DeepCopyObject()
	replicas := s.Spec.Replicas
	switch o := next.(type) {
	case *appsv1.Deployment:
		o.Spec.Replicas = &replicas
	case *appsv1.ReplicaSet:
		o.Spec.Replicas = &replicas
	case *appsv1.StatefulSet:
		o.Spec.Replicas = &replicas
	default:
		return nil, apierrors.NewMethodNotSupported(gvr.GroupResource(), "update scale")
	}
	mustAccessor(next).SetResourceVersion("")
	if _, err := a.update(req, gvr, ns, name, next, "", dry); err != nil {
		return nil, err
	}
	return scaleOf(a.tracker.peek(gvr, ns, name)), nil
}

// ---- delete ----

func (a *apiServer) delete(req *request, gvr schema.GroupVersionResource, ns, name string, opts metav1.DeleteOptions) (runtime.Object, error) {
	cur := a.tracker.peek(gvr, ns, name)
	if cur == nil {
		return nil, apierrors.NewNotFound(gvr.GroupResource(), name)
	}
	cm := mustAccessor(cur)
	if p := opts.Preconditions; p != nil {
		if p.UID != nil && *p.UID != cm.GetUID() {
			return nil, apierrors.NewConflict(gvr.GroupResource(), name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, cm.GetUID()))
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != cm.GetResourceVersion() {
			return nil, apierrors.NewConflict(gvr.GroupResource(), name, fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, cm.GetResourceVersion()))
		}
	}
	if gvr == gvrNamespaces {
		if model.IsProtectedNamespace(name) {
			return nil, apierrors.NewForbidden(gvr.GroupResource(), name, errors.New("this namespace may not be deleted"))
		}
	}
	if isDryRun(opts.DryRun) {
		return cur.DeepCopyObject(), nil
	}
	orphan := (opts.PropagationPolicy != nil && *opts.PropagationPolicy == metav1.DeletePropagationOrphan) ||
		(opts.OrphanDependents != nil && *opts.OrphanDependents)
	if orphan {
		if err := a.orphanDependents(cm.GetUID()); err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("orphan the dependents of %s %q: %w", gvr.Resource, name, err))
		}
	}
	out := cur.DeepCopyObject()
	a.remove(req, objectRef{GVR: gvr, Namespace: ns, Name: name}, true)
	return out, nil
}

// orphanDependents removes uid from the owner references of its
// dependents.
func (a *apiServer) orphanDependents(uid types.UID) error {
	var errs []error
	for _, r := range a.tracker.dependents(uid) {
		obj := a.tracker.peek(r.GVR, r.Namespace, r.Name)
		if obj == nil {
			continue
		}
		next := obj.DeepCopyObject()
		m := mustAccessor(next)
		var keep []metav1.OwnerReference
		for _, o := range m.GetOwnerReferences() {
			if o.UID != uid {
				keep = append(keep, o)
			}
		}
		m.SetOwnerReferences(keep)
		if _, err := a.tracker.put(r.GVR, next, storeUpdate); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// remove deletes an object at once (no grace period, no finalizers),
// then what depends on it: a namespace's contents, and, with cascade,
// the objects it owns.
func (a *apiServer) remove(req *request, ref objectRef, cascade bool) {
	obj := a.tracker.take(ref.GVR, ref.Namespace, ref.Name)
	if obj == nil {
		return
	}
	if a.cluster != nil {
		a.cluster.afterDelete(ref, obj)
	}
	if ref.GVR == gvrNamespaces {
		for _, r := range a.tracker.namespaceContents(ref.Name) {
			a.remove(req, r, false)
		}
	}
	if cascade {
		for _, r := range a.tracker.dependents(mustAccessor(obj).GetUID()) {
			a.remove(req, r, true)
		}
	}
}

func (a *apiServer) deleteCollection(req *request, gvr schema.GroupVersionResource, ns string, opts metav1.DeleteOptions, listOpts metav1.ListOptions) error {
	if gvr == gvrNamespaces {
		return apierrors.NewMethodNotSupported(gvr.GroupResource(), "deletecollection")
	}
	sel, err := parseSelectors(listOpts.LabelSelector, listOpts.FieldSelector)
	if err != nil {
		return err
	}
	var errs []error
	for _, obj := range a.tracker.items(gvr, ns) {
		if !sel.matches(obj) {
			continue
		}
		m := mustAccessor(obj)
		if _, err := a.delete(req, gvr, m.GetNamespace(), m.GetName(), opts); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	return utilerrors.NewAggregate(errs)
}

// invalidError turns a validation error into the API's Invalid status:
// field errors are kept as causes, anything else becomes the message.
func invalidError(gk schema.GroupKind, name string, err error) error {
	var list field.ErrorList
	ok := true
	for _, leaf := range leafErrors(err) {
		var fe *field.Error
		if errors.As(leaf, &fe) {
			list = append(list, fe)
		} else {
			ok = false
		}
	}
	if ok && len(list) > 0 {
		return apierrors.NewInvalid(gk, name, list)
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusUnprocessableEntity,
		Reason:  metav1.StatusReasonInvalid,
		Message: fmt.Sprintf("%s %q is invalid: %v", gk.Kind, name, err),
		Details: &metav1.StatusDetails{Group: gk.Group, Kind: gk.Kind, Name: name},
	}}
}

func leafErrors(err error) []error {
	if agg, ok := err.(utilerrors.Aggregate); ok {
		var out []error
		for _, e := range agg.Errors() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return []error{err}
}
