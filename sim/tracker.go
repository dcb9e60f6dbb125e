package sim

import (
	"fmt"
	"sort"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/testing"
)

// objectRef names one stored object.
type objectRef struct {
	GVR       schema.GroupVersionResource
	Namespace string
	Name      string
}

func (r objectRef) less(o objectRef) bool {
	if r.GVR != o.GVR {
		return r.GVR.String() < o.GVR.String()
	}
	if r.Namespace != o.Namespace {
		return r.Namespace < o.Namespace
	}
	return r.Name < o.Name
}

// Tracker is an indexed object store that satisfies
// k8s.io/client-go/testing.ObjectTracker. Unlike the tracker behind
// fake.NewSimpleClientset it keeps objects per resource and per
// namespace, so listing one namespace costs what that namespace holds,
// and it indexes objects by owner UID. It deep-copies objects in and
// out (events are kept packed, see packedEvent, and unpacked on every
// read), stamps metadata.resourceVersion from one counter (like etcd's
// revision), refuses stale updates with a Conflict and answers with
// typed NotFound and AlreadyExists errors.
//
// The simulator's API server layer sits in front of it; used alone (for
// example with testing.ObjectReaction) it stores what it is given, with
// no defaulting or validation.
type Tracker struct {
	scheme *runtime.Scheme

	mu      sync.RWMutex
	rv      int64
	objects map[schema.GroupVersionResource]map[string]map[string]runtime.Object
	owners  map[types.UID]map[objectRef]struct{}
	watches map[schema.GroupVersionResource][]*watcher
	// shapes are the shared parts of the stored events (packedEvent).
	shapes eventShapes
	// order is the sorted names of the namespaces listed so far.
	order nameOrder

	// failPut, when set (by this package's tests), is asked before each
	// put and fails it with the error it returns: a store that fails.
	failPut func(gvr schema.GroupVersionResource, obj runtime.Object) error
}

var _ testing.ObjectTracker = (*Tracker)(nil)

// NewTracker returns an empty tracker whose objects are known to scheme
// (which it only reads).
func NewTracker(scheme *runtime.Scheme) *Tracker {
	return &Tracker{
		scheme:  scheme,
		objects: map[schema.GroupVersionResource]map[string]map[string]runtime.Object{},
		owners:  map[types.UID]map[objectRef]struct{}{},
		watches: map[schema.GroupVersionResource][]*watcher{},
		shapes:  eventShapes{},
	}
}

// Add stores obj (or each item of a list) under the resource guessed
// from its kind, replacing an object of the same name.
func (t *Tracker) Add(obj runtime.Object) error {
	if meta.IsListType(obj) {
		items, err := meta.ExtractList(obj)
		if err != nil {
			return err
		}
		for _, item := range items {
			if err := t.Add(item); err != nil {
				return err
			}
		}
		return nil
	}
	gvks, _, err := t.scheme.ObjectKinds(obj)
	if err != nil {
		return fmt.Errorf("add %T: %w", obj, err)
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	for _, gvk := range gvks {
		gvr, _ := meta.UnsafeGuessKindToResource(gvk)
		if gvr.Version == runtime.APIVersionInternal {
			gvr.Version = ""
		}
		t.mu.Lock()
		_, err := t.store(gvr, obj.DeepCopyObject(), m.GetNamespace(), storeUpsert)
		t.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// Get returns a copy of the named object.
func (t *Tracker) Get(gvr schema.GroupVersionResource, ns, name string, _ ...metav1.GetOptions) (runtime.Object, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	obj := t.peekLocked(gvr, ns, name)
	if obj == nil {
		return nil, apierrors.NewNotFound(gvr.GroupResource(), name)
	}
	return obj.DeepCopyObject(), nil
}

// Create stores a copy of obj; an object of the same name is an
// AlreadyExists error.
func (t *Tracker) Create(gvr schema.GroupVersionResource, obj runtime.Object, ns string, _ ...metav1.CreateOptions) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.store(gvr, obj.DeepCopyObject(), ns, storeCreate)
	return err
}

// Update replaces the named object with a copy of obj. A resourceVersion
// on obj that is not the stored one is a Conflict; an empty one updates
// unconditionally.
func (t *Tracker) Update(gvr schema.GroupVersionResource, obj runtime.Object, ns string, _ ...metav1.UpdateOptions) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.store(gvr, obj.DeepCopyObject(), ns, storeUpdate)
	return err
}

// Patch stores an already patched object, like Update.
func (t *Tracker) Patch(gvr schema.GroupVersionResource, obj runtime.Object, ns string, _ ...metav1.PatchOptions) error {
	return t.Update(gvr, obj, ns)
}

// Apply merges an apply configuration into the stored object (as a
// strategic merge patch; field ownership is not tracked), creating the
// object when it does not exist.
func (t *Tracker) Apply(gvr schema.GroupVersionResource, applyConfiguration runtime.Object, ns string, _ ...metav1.PatchOptions) error {
	m, err := meta.Accessor(applyConfiguration)
	if err != nil {
		return err
	}
	data, err := jsonOf(applyConfiguration)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := t.peekLocked(gvr, ns, m.GetName())
	if cur == nil {
		u, ok := applyConfiguration.(*unstructured.Unstructured)
		if !ok {
			_, err := t.store(gvr, applyConfiguration.DeepCopyObject(), ns, storeCreate)
			return err
		}
		typed, err := t.scheme.New(u.GroupVersionKind())
		if err != nil {
			return fmt.Errorf("apply %s %q: %w", gvr.Resource, m.GetName(), err)
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
			return fmt.Errorf("apply %s %q: %w", gvr.Resource, m.GetName(), err)
		}
		_, err = t.store(gvr, typed, ns, storeCreate)
		return err
	}
	patched, err := applyPatch(cur, types.StrategicMergePatchType, data)
	if err != nil {
		return err
	}
	_, err = t.store(gvr, patched, ns, storeUpdate)
	return err
}

// List returns the objects of one resource in ns ("" for every
// namespace), sorted by namespace and name, filtered by the label and
// field selectors of opts.
func (t *Tracker) List(gvr schema.GroupVersionResource, gvk schema.GroupVersionKind, ns string, opts ...metav1.ListOptions) (runtime.Object, error) {
	var o metav1.ListOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	sel, err := parseSelectors(o.LabelSelector, o.FieldSelector)
	if err != nil {
		return nil, err
	}
	return t.buildList(gvr, gvk, ns, sel, true)
}

// buildList makes a list of gvk's list kind holding the objects of gvr
// in ns that sel selects, with the store's revision: the items are
// shallow copies of the stored structs, sharing their maps and slices,
// unless deep, which detaches the whole list from the store.
func (t *Tracker) buildList(gvr schema.GroupVersionResource, gvk schema.GroupVersionKind, ns string, sel selectors, deep bool) (runtime.Object, error) {
	listGVK := gvk
	listGVK.Kind += "List"
	if listGVK.Version == "" {
		listGVK.Version = runtime.APIVersionInternal
	}
	list, err := t.scheme.New(listGVK)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", gvr.Resource, err)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	objs := t.listLocked(gvr, ns, sel)
	if nl, ok := list.(*corev1.NamespaceList); ok {
		// What meta.SetList does, without reflection: a sync lists
		// every namespace of the mesh.
		nl.Items = make([]corev1.Namespace, len(objs))
		for i, obj := range objs {
			nl.Items[i] = *obj.(*corev1.Namespace)
		}
	} else if err := meta.SetList(list, objs); err != nil {
		return nil, err
	}
	if deep {
		list = list.DeepCopyObject()
	}
	if lm, err := meta.ListAccessor(list); err == nil {
		lm.SetResourceVersion(strconv.FormatInt(max(t.rv, 1), 10))
	}
	return list, nil
}

// Delete removes the named object; a missing one is a NotFound error.
func (t *Tracker) Delete(gvr schema.GroupVersionResource, ns, name string, _ ...metav1.DeleteOptions) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.remove(gvr, ns, name) == nil {
		return apierrors.NewNotFound(gvr.GroupResource(), name)
	}
	return nil
}

// Watch streams changes to one resource in ns ("" for every namespace).
// With options, objects stored after opts.ResourceVersion (every object
// when it is empty or "0") are delivered first as ADDED events. The
// event buffer is unbounded: a slow reader never makes a writer fail.
func (t *Tracker) Watch(gvr schema.GroupVersionResource, ns string, opts ...metav1.ListOptions) (watch.Interface, error) {
	var (
		o           metav1.ListOptions
		addExisting = len(opts) > 0
		fromRV      int64
	)
	if addExisting {
		o = opts[0]
		if o.ResourceVersion != "" {
			rv, err := strconv.ParseInt(o.ResourceVersion, 10, 64)
			if err != nil {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid resourceVersion %q: %v", o.ResourceVersion, err))
			}
			fromRV = rv
		}
	}
	sel, err := parseSelectors(o.LabelSelector, o.FieldSelector)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	w := newWatcher(ns, sel, func(w *watcher) { t.dropWatch(gvr, w) })
	if addExisting {
		for _, obj := range t.listLocked(gvr, ns, sel) {
			if resourceVersionOf(obj) > fromRV {
				w.send(watch.Event{Type: watch.Added, Object: obj.DeepCopyObject()})
			}
		}
	}
	t.watches[gvr] = append(t.watches[gvr], w)
	return w, nil
}

func (t *Tracker) dropWatch(gvr schema.GroupVersionResource, w *watcher) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ws := t.watches[gvr]
	for i := range ws {
		if ws[i] == w {
			t.watches[gvr] = append(ws[:i:i], ws[i+1:]...)
			return
		}
	}
}

// ---- internal API used by the simulator (caller holds no tracker lock) ----

// has reports whether the named object is stored.
func (t *Tracker) has(gvr schema.GroupVersionResource, ns, name string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.objects[gvr][ns][name] != nil
}

// peek returns the stored object itself (a packed event unpacked):
// callers must not modify it.
func (t *Tracker) peek(gvr schema.GroupVersionResource, ns, name string) runtime.Object {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.peekLocked(gvr, ns, name)
}

// put stores obj without copying it: the caller hands it over.
func (t *Tracker) put(gvr schema.GroupVersionResource, obj runtime.Object, mode storeMode) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failPut != nil {
		if err := t.failPut(gvr, obj); err != nil {
			return nil, err
		}
	}
	return t.store(gvr, obj, m.GetNamespace(), mode)
}

// createEvent stores a new event given in packed form, as put with
// storeCreate would store the event p unpacks to (whose shape is
// shape): the event recorder makes its events packed, never whole. p's
// shape and resourceVersion are set here.
func (t *Tracker) createEvent(p *packedEvent, shape eventShape) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failPut != nil {
		if err := t.failPut(gvrEvents, p); err != nil {
			return err
		}
	}
	byNS := t.objects[gvrEvents]
	if byNS == nil {
		byNS = map[string]map[string]runtime.Object{}
		t.objects[gvrEvents] = byNS
	}
	objs := byNS[p.namespace]
	if objs[p.name] != nil {
		return apierrors.NewAlreadyExists(gvrEvents.GroupResource(), p.name)
	}
	if objs == nil {
		objs = map[string]runtime.Object{}
		byNS[p.namespace] = objs
	}
	t.rv++
	p.rv = t.rv
	p.shape = t.shapes.intern(shape)
	objs[p.name] = p
	t.order.changed(gvrEvents, p.namespace)
	// An event has no owner references: nothing to index.
	if ws := t.watches[gvrEvents]; len(ws) > 0 {
		ev := p.unpack()
		for _, w := range ws {
			w.offer(watch.Added, p.namespace, ev)
		}
	}
	return nil
}

// take removes the named object and returns it, or nil.
func (t *Tracker) take(gvr schema.GroupVersionResource, ns, name string) runtime.Object {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.remove(gvr, ns, name)
}

// items returns the stored objects (not copies) of a resource in ns, sorted.
func (t *Tracker) items(gvr schema.GroupVersionResource, ns string) []runtime.Object {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.listLocked(gvr, ns, selectors{})
}

// dependents returns the objects that name uid among their owners, sorted.
func (t *Tracker) dependents(uid types.UID) []objectRef {
	t.mu.RLock()
	defer t.mu.RUnlock()
	set := t.owners[uid]
	refs := make([]objectRef, 0, len(set))
	for r := range set {
		refs = append(refs, r)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].less(refs[j]) })
	return refs
}

// namespaceContents returns every object stored in ns, sorted.
func (t *Tracker) namespaceContents(ns string) []objectRef {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var refs []objectRef
	for gvr, byNS := range t.objects {
		for name := range byNS[ns] {
			refs = append(refs, objectRef{GVR: gvr, Namespace: ns, Name: name})
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].less(refs[j]) })
	return refs
}

// ---- locked helpers ----

type storeMode int

const (
	storeCreate storeMode = iota
	storeUpdate
	storeUpsert
)

func (t *Tracker) peekLocked(gvr schema.GroupVersionResource, ns, name string) runtime.Object {
	if obj := t.objects[gvr][ns][name]; obj != nil {
		return unpacked(obj)
	}
	return nil
}

func (t *Tracker) listLocked(gvr schema.GroupVersionResource, ns string, sel selectors) []runtime.Object {
	byNS := t.objects[gvr]
	var namespaces []string
	if ns == metav1.NamespaceAll {
		for n := range byNS {
			namespaces = append(namespaces, n)
		}
		sort.Strings(namespaces)
	} else {
		namespaces = []string{ns}
	}
	var out []runtime.Object
	if len(namespaces) == 1 && sel.empty() {
		out = make([]runtime.Object, 0, len(byNS[namespaces[0]]))
	}
	for _, n := range namespaces {
		objs := byNS[n]
		for _, name := range t.order.sorted(gvr, n, objs) {
			if obj := unpacked(objs[name]); sel.matches(obj) {
				out = append(out, obj)
			}
		}
	}
	return out
}

// store puts obj (owned by the tracker from now on) under gvr.
func (t *Tracker) store(gvr schema.GroupVersionResource, obj runtime.Object, ns string, mode storeMode) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	if m.GetNamespace() == "" {
		m.SetNamespace(ns)
	}
	if m.GetNamespace() != ns {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the namespace of the provided object (%q) does not match the namespace sent on the request (%q)", m.GetNamespace(), ns))
	}
	name := m.GetName()
	gr := gvr.GroupResource()
	byNS := t.objects[gvr]
	if byNS == nil {
		byNS = map[string]map[string]runtime.Object{}
		t.objects[gvr] = byNS
	}
	objs := byNS[ns]
	var old runtime.Object
	if o := objs[name]; o != nil {
		old = unpacked(o)
	}
	switch {
	case mode == storeCreate && old != nil:
		return nil, apierrors.NewAlreadyExists(gr, name)
	case mode == storeUpdate && old == nil:
		return nil, apierrors.NewNotFound(gr, name)
	case mode == storeUpdate:
		if rv := m.GetResourceVersion(); rv != "" && rv != mustAccessor(old).GetResourceVersion() {
			return nil, apierrors.NewConflict(gr, name, fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
		}
	}
	if objs == nil {
		objs = map[string]runtime.Object{}
		byNS[ns] = objs
	}
	t.rv++
	m.SetResourceVersion(strconv.FormatInt(t.rv, 10))
	ref := objectRef{GVR: gvr, Namespace: ns, Name: name}
	if old != nil {
		t.unindex(ref, old)
	} else {
		t.order.changed(gvr, ns)
	}
	objs[name] = obj
	if ev, ok := obj.(*corev1.Event); ok {
		if p := t.shapes.pack(ev); p != nil {
			objs[name] = p
		}
	}
	t.index(ref, obj)
	if ws := t.watches[gvr]; len(ws) > 0 {
		typ := watch.Added
		if old != nil {
			typ = watch.Modified
		}
		for _, w := range ws {
			w.offer(typ, ns, obj)
		}
	}
	return obj, nil
}

func (t *Tracker) remove(gvr schema.GroupVersionResource, ns, name string) runtime.Object {
	objs := t.objects[gvr][ns]
	old := objs[name]
	if old == nil {
		return nil
	}
	old = unpacked(old)
	delete(objs, name)
	t.order.changed(gvr, ns)
	if len(objs) == 0 {
		delete(t.objects[gvr], ns)
	}
	t.unindex(objectRef{GVR: gvr, Namespace: ns, Name: name}, old)
	t.rv++
	for _, w := range t.watches[gvr] {
		w.offer(watch.Deleted, ns, old)
	}
	return old
}

func (t *Tracker) index(ref objectRef, obj runtime.Object) {
	for _, o := range mustAccessor(obj).GetOwnerReferences() {
		set := t.owners[o.UID]
		if set == nil {
			set = map[objectRef]struct{}{}
			t.owners[o.UID] = set
		}
		set[ref] = struct{}{}
	}
}

func (t *Tracker) unindex(ref objectRef, obj runtime.Object) {
	for _, o := range mustAccessor(obj).GetOwnerReferences() {
		if set := t.owners[o.UID]; set != nil {
			delete(set, ref)
			if len(set) == 0 {
				delete(t.owners, o.UID)
			}
		}
	}
}

func mustAccessor(obj runtime.Object) metav1.Object {
	m, err := meta.Accessor(obj)
	if err != nil {
		panic(fmt.Sprintf("sim: stored object %T has no metadata: %v", obj, err))
	}
	return m
}

func resourceVersionOf(obj runtime.Object) int64 {
	rv, _ := strconv.ParseInt(mustAccessor(obj).GetResourceVersion(), 10, 64)
	return rv
}

// selectors are a parsed label and field selector; the zero value
// matches everything.
type selectors struct {
	labels labels.Selector
	fields fields.Selector
}

func parseSelectors(labelSel, fieldSel string) (selectors, error) {
	var s selectors
	if labelSel != "" {
		l, err := labels.Parse(labelSel)
		if err != nil {
			return s, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
		}
		s.labels = l
	}
	if fieldSel != "" {
		f, err := fields.ParseSelector(fieldSel)
		if err != nil {
			return s, apierrors.NewBadRequest(fmt.Sprintf("invalid field selector: %v", err))
		}
		s.fields = f
	}
	return s, nil
}

// empty reports whether s selects every object.
func (s selectors) empty() bool { return s.labels == nil && s.fields == nil }

func (s selectors) matches(obj runtime.Object) bool {
	if s.empty() {
		return true
	}
	m := mustAccessor(obj)
	if s.labels != nil && !s.labels.Matches(labels.Set(m.GetLabels())) {
		return false
	}
	if s.fields != nil && !s.fields.Matches(fieldSet(obj)) {
		return false
	}
	return true
}

// nameOrder keeps, for each resource and namespace that was listed, its
// objects' names sorted, until a name comes or goes: listing a namespace
// that did not change (a sync lists every namespace of every cluster)
// sorts nothing. Lists run under the tracker's read lock, so the cache
// has a lock of its own; changes run under its write lock.
type nameOrder struct {
	mu    sync.Mutex
	names map[namesKey][]string
}

type namesKey struct {
	gvr schema.GroupVersionResource
	ns  string
}

// sorted returns the names of objs (the objects of gvr in ns) sorted;
// callers only read the slice.
func (o *nameOrder) sorted(gvr schema.GroupVersionResource, ns string, objs map[string]runtime.Object) []string {
	key := namesKey{gvr, ns}
	o.mu.Lock()
	names, ok := o.names[key]
	o.mu.Unlock()
	if ok {
		return names
	}
	names = make([]string, 0, len(objs))
	for name := range objs {
		names = append(names, name)
	}
	sort.Strings(names)
	o.mu.Lock()
	if o.names == nil {
		o.names = map[namesKey][]string{}
	}
	o.names[key] = names
	o.mu.Unlock()
	return names
}

// changed forgets the order of gvr in ns: a name came or went.
func (o *nameOrder) changed(gvr schema.GroupVersionResource, ns string) {
	o.mu.Lock()
	if len(o.names) > 0 {
		delete(o.names, namesKey{gvr, ns})
	}
	o.mu.Unlock()
}
