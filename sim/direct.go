package sim

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/testing"
)

// meshClient is the clientset the mesh instance (asm.Instance) reads and
// writes with: its control plane's, and one per member cluster, as ASM's
// control plane holds its own connection to each. It is a fake
// clientset answered by the same API server (reactors, faults, errors)
// as the one a user gets from Sim.Client, except that its namespace
// requests skip client-go's testing.Fake.Invokes: Invokes deep-copies
// every request twice and keeps one copy in the clientset's action log
// until ClearActions, which nothing calls for these clientsets and
// nobody reads (they are not handed out). A namespace request here runs
// the reactor chain itself, under the clientset's lock as Invokes does,
// with one copy of the object an update sends (the API server takes
// ownership of what it stores) and none of the request, and records
// nothing. Its namespace creates hand the object over (no copy in, the
// stored object out), and its namespace reads (get, and list
// without selectors) answer with the stored objects themselves: the
// instance never modifies an object it read (package asm's contract,
// checked by asm's TestInstanceDoesNotModifyWhatItReads), and a stored
// object is never modified in place, so what it read stays as it was.
// Otherwise each call returns what the fake clientset would return, but
// that a failed get returns no object beside its error. It is also an
// asm.SharedNamespaceReader: its SharedNamespaces and SharedNamespace
// answer with the stored namespaces themselves, not a list of copies,
// and with nothing, not a NotFound error, for a namespace not there.
// Other resources go through the fake clientset as usual.
type meshClient struct {
	*fake.Clientset
}

var _ kubernetes.Interface = meshClient{}

func newMeshClient(cs *fake.Clientset) meshClient { return meshClient{cs} }

// SharedNamespaces lists the stored namespaces themselves, in a list's
// order (asm.SharedNamespaceReader), failing as a list would.
func (m meshClient) SharedNamespaces(_ context.Context) ([]*corev1.Namespace, error) {
	gvk := corev1.SchemeGroupVersion.WithKind("Namespace")
	obj, err := react(&m.Clientset.Fake, viewListAction{ListActionImpl: testing.NewListAction(gvrNamespaces, gvk, "", metav1.ListOptions{}), shared: true})
	if err != nil {
		return nil, err
	}
	return obj.(*sharedNamespaces).items, nil
}

// SharedNamespace reads the stored namespace itself
// (asm.SharedNamespaceReader): nil, and no error, when there is none;
// any other failure as a get's.
func (m meshClient) SharedNamespace(_ context.Context, name string) (*corev1.Namespace, error) {
	obj, err := react(&m.Clientset.Fake, viewGetAction{GetActionImpl: testing.NewGetAction(gvrNamespaces, "", name), absentIsNil: true})
	if err != nil || obj == nil {
		return nil, err
	}
	return obj.(*corev1.Namespace), nil
}

// sharedNamespaces is the answer to a shared viewListAction: the stored
// namespaces, in a list's order.
type sharedNamespaces struct{ items []*corev1.Namespace }

func (l *sharedNamespaces) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

func (l *sharedNamespaces) DeepCopyObject() runtime.Object {
	out := &sharedNamespaces{items: make([]*corev1.Namespace, len(l.items))}
	for k, ns := range l.items {
		out.items[k] = ns.DeepCopy()
	}
	return out
}

// CoreV1 is the fake clientset's, with direct namespace requests.
func (m meshClient) CoreV1() corev1client.CoreV1Interface {
	return directCoreV1{CoreV1Interface: m.Clientset.CoreV1(), fake: &m.Clientset.Fake}
}

type directCoreV1 struct {
	corev1client.CoreV1Interface
	fake *testing.Fake
}

func (c directCoreV1) Namespaces() corev1client.NamespaceInterface {
	return directNamespaces{NamespaceInterface: c.CoreV1Interface.Namespaces(), fake: c.fake}
}

// directNamespaces answers the namespace requests the mesh instance
// makes (get, list without a label selector, create, update, patch,
// delete) through the reactor chain directly; the rest through the fake.
type directNamespaces struct {
	corev1client.NamespaceInterface
	fake *testing.Fake
}

// react runs action through the reactor chain as testing.Fake.Invokes
// does (the first reactor that handles it answers; none: nil, nil),
// without copying or recording it.
func react(f *testing.Fake, action testing.Action) (runtime.Object, error) {
	f.Lock()
	defer f.Unlock()
	for _, r := range f.ReactionChain {
		if !r.Handles(action) {
			continue
		}
		handled, ret, err := r.React(action)
		if handled {
			return ret, err
		}
	}
	return nil, nil
}

// namespaceResult is what client-go's generated fake client returns for
// a reaction: an empty namespace when the reactor returned no object.
func namespaceResult(obj runtime.Object, err error) (*corev1.Namespace, error) {
	if obj == nil {
		return &corev1.Namespace{}, err
	}
	return obj.(*corev1.Namespace), err
}

// viewGetAction and viewListAction are a get and a list that the API
// server may answer with its stored objects (Tracker.peek, viewList)
// instead of copies: the mesh instance's reads. Faults and an
// unreachable cluster fail them as they fail any get or list. A get
// with absentIsNil answers nothing, not a NotFound error, for an object
// not there; a shared list of namespaces answers a sharedNamespaces,
// the stored objects themselves, not a NamespaceList of struct copies.
type viewGetAction struct {
	testing.GetActionImpl
	absentIsNil bool
}

type viewListAction struct {
	testing.ListActionImpl
	shared bool
}

func (n directNamespaces) Get(_ context.Context, name string, opts metav1.GetOptions) (*corev1.Namespace, error) {
	obj, err := react(n.fake, viewGetAction{GetActionImpl: testing.NewGetActionWithOptions(gvrNamespaces, "", name, opts)})
	if err != nil {
		// No empty namespace beside the error, unlike the fake client:
		// asm reads nothing from a failed get, and a sync's reads of
		// the namespaces the instance lacks are most of its gets.
		return nil, err
	}
	return namespaceResult(obj, nil)
}

func (n directNamespaces) List(ctx context.Context, opts metav1.ListOptions) (*corev1.NamespaceList, error) {
	if opts.LabelSelector != "" || opts.FieldSelector != "" {
		// The fake client filters the reaction's items itself.
		return n.NamespaceInterface.List(ctx, opts)
	}
	gvk := corev1.SchemeGroupVersion.WithKind("Namespace")
	obj, err := react(n.fake, viewListAction{ListActionImpl: testing.NewListActionWithOptions(gvrNamespaces, gvk, "", opts)})
	if obj == nil {
		return &corev1.NamespaceList{}, err
	}
	// As the fake client: with no label selector, the reaction's list
	// and no error.
	return obj.(*corev1.NamespaceList), nil
}

// handOverCreateAction is a create whose object the API server stores
// as it is, answering with the stored object itself: the mesh instance's
// namespace creates. asm builds each namespace it creates afresh and
// never touches it once sent (asm/sync.go, prepareOne and send;
// Instance.CreateNamespace), and it does not modify what a create
// returns any more than what it reads.
type handOverCreateAction struct{ testing.CreateActionImpl }

func (n directNamespaces) Create(_ context.Context, ns *corev1.Namespace, opts metav1.CreateOptions) (*corev1.Namespace, error) {
	return namespaceResult(react(n.fake, handOverCreateAction{testing.NewCreateActionWithOptions(gvrNamespaces, "", ns, opts)}))
}

func (n directNamespaces) Update(_ context.Context, ns *corev1.Namespace, opts metav1.UpdateOptions) (*corev1.Namespace, error) {
	return namespaceResult(react(n.fake, testing.NewUpdateActionWithOptions(gvrNamespaces, "", ns.DeepCopy(), opts)))
}

func (n directNamespaces) Patch(_ context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (*corev1.Namespace, error) {
	return namespaceResult(react(n.fake, testing.NewPatchSubresourceActionWithOptions(gvrNamespaces, "", name, pt, data, opts, subresources...)))
}

func (n directNamespaces) Delete(_ context.Context, name string, opts metav1.DeleteOptions) error {
	_, err := react(n.fake, testing.NewDeleteActionWithOptions(gvrNamespaces, "", name, opts))
	return err
}
