package kubectl

import (
	"context"
	"fmt"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// kubeResource is one resource type kubectl knows: its names, its kind,
// and how to reach it through a clientset.
type kubeResource struct {
	plural     string
	singular   string
	short      []string
	kind       string
	group      string
	version    string
	namespaced bool
	// meshConfig marks asmmeshconfigs, served only by the mesh instance
	// (not through a clientset).
	meshConfig bool
	client     func(cs kubernetes.Interface, ns string) kubeObjectClient
	newObject  func() runtime.Object
}

// kubeResourceTable is every resource type the emulation serves.
var kubeResourceTable = []*kubeResource{
	{plural: "namespaces", singular: "namespace", short: []string{"ns"}, kind: "Namespace", version: "v1",
		client: func(cs kubernetes.Interface, _ string) kubeObjectClient {
			return typedObjectClient[*corev1.Namespace, *corev1.NamespaceList]{cs.CoreV1().Namespaces()}
		},
		newObject: func() runtime.Object { return &corev1.Namespace{} }},
	{plural: "pods", singular: "pod", short: []string{"po"}, kind: "Pod", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*corev1.Pod, *corev1.PodList]{cs.CoreV1().Pods(ns)}
		},
		newObject: func() runtime.Object { return &corev1.Pod{} }},
	{plural: "deployments", singular: "deployment", short: []string{"deploy"}, kind: "Deployment", group: "apps", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*appsv1.Deployment, *appsv1.DeploymentList]{cs.AppsV1().Deployments(ns)}
		},
		newObject: func() runtime.Object { return &appsv1.Deployment{} }},
	{plural: "replicasets", singular: "replicaset", short: []string{"rs"}, kind: "ReplicaSet", group: "apps", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*appsv1.ReplicaSet, *appsv1.ReplicaSetList]{cs.AppsV1().ReplicaSets(ns)}
		},
		newObject: func() runtime.Object { return &appsv1.ReplicaSet{} }},
	{plural: "statefulsets", singular: "statefulset", short: []string{"sts"}, kind: "StatefulSet", group: "apps", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*appsv1.StatefulSet, *appsv1.StatefulSetList]{cs.AppsV1().StatefulSets(ns)}
		},
		newObject: func() runtime.Object { return &appsv1.StatefulSet{} }},
	{plural: "daemonsets", singular: "daemonset", short: []string{"ds"}, kind: "DaemonSet", group: "apps", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*appsv1.DaemonSet, *appsv1.DaemonSetList]{cs.AppsV1().DaemonSets(ns)}
		},
		newObject: func() runtime.Object { return &appsv1.DaemonSet{} }},
	{plural: "cronjobs", singular: "cronjob", short: []string{"cj"}, kind: "CronJob", group: "batch", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*batchv1.CronJob, *batchv1.CronJobList]{cs.BatchV1().CronJobs(ns)}
		},
		newObject: func() runtime.Object { return &batchv1.CronJob{} }},
	{plural: "persistentvolumeclaims", singular: "persistentvolumeclaim", short: []string{"pvc"}, kind: "PersistentVolumeClaim", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*corev1.PersistentVolumeClaim, *corev1.PersistentVolumeClaimList]{cs.CoreV1().PersistentVolumeClaims(ns)}
		},
		newObject: func() runtime.Object { return &corev1.PersistentVolumeClaim{} }},
	{plural: "jobs", singular: "job", kind: "Job", group: "batch", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*batchv1.Job, *batchv1.JobList]{cs.BatchV1().Jobs(ns)}
		},
		newObject: func() runtime.Object { return &batchv1.Job{} }},
	{plural: "nodes", singular: "node", short: []string{"no"}, kind: "Node", version: "v1",
		client: func(cs kubernetes.Interface, _ string) kubeObjectClient {
			return typedObjectClient[*corev1.Node, *corev1.NodeList]{cs.CoreV1().Nodes()}
		},
		newObject: func() runtime.Object { return &corev1.Node{} }},
	{plural: "events", singular: "event", short: []string{"ev"}, kind: "Event", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*corev1.Event, *corev1.EventList]{cs.CoreV1().Events(ns)}
		},
		newObject: func() runtime.Object { return &corev1.Event{} }},
	{plural: "services", singular: "service", short: []string{"svc"}, kind: "Service", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*corev1.Service, *corev1.ServiceList]{cs.CoreV1().Services(ns)}
		},
		newObject: func() runtime.Object { return &corev1.Service{} }},
	{plural: "endpointslices", singular: "endpointslice", kind: "EndpointSlice", group: "discovery.k8s.io", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*discoveryv1.EndpointSlice, *discoveryv1.EndpointSliceList]{cs.DiscoveryV1().EndpointSlices(ns)}
		},
		newObject: func() runtime.Object { return &discoveryv1.EndpointSlice{} }},
	{plural: "configmaps", singular: "configmap", short: []string{"cm"}, kind: "ConfigMap", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*corev1.ConfigMap, *corev1.ConfigMapList]{cs.CoreV1().ConfigMaps(ns)}
		},
		newObject: func() runtime.Object { return &corev1.ConfigMap{} }},
	{plural: "serviceaccounts", singular: "serviceaccount", short: []string{"sa"}, kind: "ServiceAccount", version: "v1", namespaced: true,
		client: func(cs kubernetes.Interface, ns string) kubeObjectClient {
			return typedObjectClient[*corev1.ServiceAccount, *corev1.ServiceAccountList]{cs.CoreV1().ServiceAccounts(ns)}
		},
		newObject: func() runtime.Object { return &corev1.ServiceAccount{} }},
	{plural: "mutatingwebhookconfigurations", singular: "mutatingwebhookconfiguration", kind: "MutatingWebhookConfiguration", group: "admissionregistration.k8s.io", version: "v1",
		client: func(cs kubernetes.Interface, _ string) kubeObjectClient {
			return typedObjectClient[*admissionregistrationv1.MutatingWebhookConfiguration, *admissionregistrationv1.MutatingWebhookConfigurationList]{cs.AdmissionregistrationV1().MutatingWebhookConfigurations()}
		},
		newObject: func() runtime.Object { return &admissionregistrationv1.MutatingWebhookConfiguration{} }},
	{plural: "asmmeshconfigs", singular: "asmmeshconfig", kind: "ASMMeshConfig", group: "istio.alibabacloud.com", version: "v1beta1",
		meshConfig: true},
}

// lookupKubeResource finds a resource type by any of kubectl's names for
// it: plural, singular, short name, optionally followed by ".group".
func lookupKubeResource(word string) (*kubeResource, bool) {
	w := strings.ToLower(word)
	for _, r := range kubeResourceTable {
		names := append([]string{r.plural, r.singular}, r.short...)
		for _, n := range names {
			if w == n || (r.group != "" && (w == n+"."+r.group || w == n+"."+r.version+"."+r.group)) {
				return r, true
			}
		}
	}
	return nil, false
}

// lookupKubeKind finds the resource type of an apiVersion and kind, as a
// manifest names them.
func lookupKubeKind(apiVersion, kind string) (*kubeResource, bool) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, false
	}
	for _, r := range kubeResourceTable {
		if r.kind == kind && r.group == gv.Group && r.version == gv.Version {
			return r, true
		}
	}
	return nil, false
}

// groupResource is the resource as API errors name it: "pods",
// "deployments.apps".
func (r *kubeResource) groupResource() schema.GroupResource {
	return schema.GroupResource{Group: r.group, Resource: r.plural}
}

// nameKind is how kubectl prefixes a name in its messages: "pod",
// "deployment.apps".
func (r *kubeResource) nameKind() string {
	if r.group == "" {
		return r.singular
	}
	return r.singular + "." + r.group
}

func (r *kubeResource) groupVersionKind() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.group, Version: r.version, Kind: r.kind}
}

// kubeObjectClient is the verbs kubectl uses, on one resource type in one
// namespace, over any clientset.
type kubeObjectClient interface {
	Get(ctx context.Context, name string) (runtime.Object, error)
	List(ctx context.Context, opts metav1.ListOptions) ([]runtime.Object, error)
	Create(ctx context.Context, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error)
	Update(ctx context.Context, obj runtime.Object) (runtime.Object, error)
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions) (runtime.Object, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// typedAPI is the method set every typed client of client-go has.
type typedAPI[T runtime.Object, L runtime.Object] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// typedObjectClient adapts a typed client to kubeObjectClient.
type typedObjectClient[T runtime.Object, L runtime.Object] struct {
	api typedAPI[T, L]
}

func (c typedObjectClient[T, L]) Get(ctx context.Context, name string) (runtime.Object, error) {
	obj, err := c.api.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return obj, nil
}

func (c typedObjectClient[T, L]) List(ctx context.Context, opts metav1.ListOptions) ([]runtime.Object, error) {
	list, err := c.api.List(ctx, opts)
	if err != nil {
		return nil, err
	}
	return meta.ExtractList(list)
}

func (c typedObjectClient[T, L]) Create(ctx context.Context, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error) {
	t, ok := obj.(T)
	if !ok {
		return nil, fmt.Errorf("cannot create a %T with this client", obj)
	}
	created, err := c.api.Create(ctx, t, opts)
	if err != nil {
		return nil, err
	}
	return created, nil
}

func (c typedObjectClient[T, L]) Update(ctx context.Context, obj runtime.Object) (runtime.Object, error) {
	t, ok := obj.(T)
	if !ok {
		return nil, fmt.Errorf("cannot update a %T with this client", obj)
	}
	updated, err := c.api.Update(ctx, t, metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

func (c typedObjectClient[T, L]) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions) (runtime.Object, error) {
	obj, err := c.api.Patch(ctx, name, pt, data, opts)
	if err != nil {
		return nil, err
	}
	return obj, nil
}

func (c typedObjectClient[T, L]) Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	return c.api.Delete(ctx, name, opts)
}

// multipleTypesRequested is kubectl's rule for prefixing names with
// their kind: more than one type asked for, or "all".
func multipleTypesRequested(args []resourceArg, words []string) bool {
	if len(words) > 0 && !strings.Contains(words[0], "/") {
		for _, w := range strings.Split(words[0], ",") {
			if strings.ToLower(w) == "all" {
				return true
			}
		}
	}
	seen := map[*kubeResource]bool{}
	for _, a := range args {
		seen[a.res] = true
	}
	return len(seen) > 1
}

// resourceArg is one object (or, with name "", every object) a command
// line asks for.
type resourceArg struct {
	res  *kubeResource
	name string
}

// anyNamed reports whether any of rargs names one object.
func anyNamed(rargs []resourceArg) bool {
	return slices.ContainsFunc(rargs, func(a resourceArg) bool { return a.name != "" })
}

// clientAndResources returns the client of the current context and the
// resources args name (see parseResourceArgs).
func (k *kubectlRun) clientAndResources(args []string) (kubernetes.Interface, []resourceArg, error) {
	cs, err := k.client()
	if err != nil {
		return nil, nil, err
	}
	rargs, err := k.parseResourceArgs(args)
	if err != nil {
		return nil, nil, err
	}
	return cs, rargs, nil
}

// parseResourceArgs reads kubectl's two spellings: `TYPE[,TYPE...]
// [NAME...]` and `TYPE/NAME...`. It checks that every type is served by
// the context (asmmeshconfigs only by the mesh instance).
func (k *kubectlRun) parseResourceArgs(args []string) ([]resourceArg, error) {
	if len(args) == 0 {
		return nil, nil
	}
	lookup := func(word string) (*kubeResource, error) {
		r, ok := lookupKubeResource(word)
		if !ok && isUpstreamResource(word) {
			return nil, notEmulated(k.path+" "+word, emulatedResourceNames()...)
		}
		if !ok || !k.serves(r) {
			return nil, fmt.Errorf("the server doesn't have a resource type %q", word)
		}
		return r, nil
	}
	if strings.Contains(args[0], "/") {
		var out []resourceArg
		for _, a := range args {
			typ, name, ok := strings.Cut(a, "/")
			if !ok {
				return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'")
			}
			if name == "" {
				return nil, fmt.Errorf("arguments in resource/name form must have a single resource and name")
			}
			r, err := lookup(typ)
			if err != nil {
				return nil, err
			}
			out = append(out, resourceArg{res: r, name: name})
		}
		return out, nil
	}
	var types []*kubeResource
	for _, word := range strings.Split(args[0], ",") {
		if word == "" {
			continue
		}
		if strings.ToLower(word) == "all" {
			// kubectl's "all" category, as far as this emulation serves it.
			for _, name := range []string{"pods", "services", "daemonsets", "deployments", "replicasets", "statefulsets", "cronjobs", "jobs"} {
				if r, ok := lookupKubeResource(name); ok && k.serves(r) {
					types = append(types, r)
				}
			}
			continue
		}
		r, err := lookup(word)
		if err != nil {
			return nil, err
		}
		types = append(types, r)
	}
	for _, a := range args[1:] {
		if strings.Contains(a, "/") {
			return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'")
		}
	}
	var out []resourceArg
	for _, r := range types {
		if len(args) == 1 {
			out = append(out, resourceArg{res: r})
			continue
		}
		for _, name := range args[1:] {
			out = append(out, resourceArg{res: r, name: name})
		}
	}
	return out, nil
}

// kubeMeta returns the metadata of a typed object.
func kubeMeta(obj runtime.Object) metav1.Object {
	m, err := meta.Accessor(obj)
	if err != nil {
		return &metav1.ObjectMeta{}
	}
	return m
}
