package backend

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/meshtwin/meshtwin/asm"
	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/shell"
)

// meshInstance is the mesh instance on its own plane: asm's code with a
// client of the plane, the asmmeshconfig custom resource, and an
// informer that pushes other clients' namespace edits.
type meshInstance struct {
	plane   Plane
	inst    *asm.Instance
	user    kubernetes.Interface // kubectl --context asm: pushes each namespace edit
	asm     kubernetes.Interface // asm's own client
	dynamic dynamic.Interface

	stopInformer context.CancelFunc
}

// meshConfigGVR is asmmeshconfigs.istio.alibabacloud.com, served as v1beta1.
func meshConfigGVR() schema.GroupVersionResource {
	gr := asm.MeshConfigGroupResource()
	return schema.GroupVersionResource{Group: gr.Group, Version: "v1beta1", Resource: gr.Resource}
}

// CreateMesh creates the mesh instance on a plane of the fleet: its
// namespaces (istio-system besides Kubernetes' own), the asmmeshconfig
// definition and its object "default".
func (b *Backend) CreateMesh(ctx context.Context, cfg model.MeshConfig) error {
	if cfg.Version.IsZero() {
		return errors.New("create mesh: a version is required (for example 1.22.2.35)")
	}
	if cfg.Profile == "" {
		cfg.Profile = model.ProfileASM
	}
	b.mu.Lock()
	err := b.usableLocked()
	if err == nil && b.instance != nil {
		err = fmt.Errorf("a mesh already exists (version %s)", b.instance.inst.Config().VersionName())
	}
	b.mu.Unlock()
	if err != nil {
		return err
	}
	defer b.fleet.times.since("create mesh", time.Now())
	plane, err := b.acquire(ctx, PlaneRequest{Instance: true})
	if err != nil {
		return fmt.Errorf("create mesh: %w", err)
	}
	m, err := startInstance(ctx, plane, cfg)
	if err != nil {
		return errors.Join(fmt.Errorf("create mesh: %w", err), b.fleet.release(plane, resetInstance(ctx, plane)))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.instance != nil || b.closed {
		m.stop()
		return errors.Join(errors.New("create mesh: a mesh was created meanwhile"), b.fleet.release(plane, resetInstance(ctx, plane)))
	}
	b.instance = m
	return nil
}

func startInstance(ctx context.Context, plane Plane, cfg model.MeshConfig) (*meshInstance, error) {
	asmCfg := plane.RESTConfig()
	asmCfg.UserAgent = userAgentASM
	asmCfg.WarningHandler = rest.NoWarnings{}
	asmClient, err := kubernetes.NewForConfig(asmCfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(plane.RESTConfig())
	if err != nil {
		return nil, err
	}
	userCfg := plane.RESTConfig()
	userCfg.UserAgent = userAgentKubectl
	userCfg.WarningHandler = rest.NoWarnings{}
	userClient, err := kubernetes.NewForConfig(userCfg)
	if err != nil {
		return nil, err
	}
	if err := ensureMeshConfigDefinition(ctx, dyn); err != nil {
		return nil, err
	}
	if err := ensureNamespace(ctx, asmClient, model.IstioSystemNamespace); err != nil {
		return nil, err
	}
	inst := asm.New(asmClient, cfg)
	obj := inst.MeshConfigObject()
	if _, err := dyn.Resource(meshConfigGVR()).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create %s %q: %w", asm.MeshConfigResource, asm.MeshConfigName, err)
	}
	m := &meshInstance{plane: plane, inst: inst, asm: asmClient, dynamic: dyn}
	m.user = pushingClient{Interface: userClient, push: m.pushEdit}
	inst.OnPushFailure(m.recordPushFailure)
	if err := m.watchNamespaces(asmClient); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *meshInstance) stop() {
	if m.stopInformer != nil {
		m.stopInformer()
	}
}

// Mesh returns the mesh instance as the command layer uses it: asm's
// operations, with the asmmeshconfig read from and patched on the real
// API server.
func (b *Backend) Mesh() (shell.Mesh, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.instance == nil {
		return nil, model.ErrNoMesh
	}
	return meshView{Instance: b.instance.inst, dynamic: b.instance.dynamic, rest: b.instance.plane.RESTConfig()}, nil
}

// meshView is asm.Instance with its asmmeshconfig on the real server.
type meshView struct {
	*asm.Instance
	dynamic dynamic.Interface
	rest    *rest.Config
}

// requestTimeout bounds one request the command layer makes without a
// context of its own.
const requestTimeout = 30 * time.Second

// MeshConfigObject is the asmmeshconfig "default" as the server has it.
func (v meshView) MeshConfigObject() *unstructured.Unstructured {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	obj, err := v.dynamic.Resource(meshConfigGVR()).Get(ctx, asm.MeshConfigName, metav1.GetOptions{})
	if err != nil {
		// The interface has no error here: what the instance holds is
		// the same object as last written.
		return v.Instance.MeshConfigObject()
	}
	return obj
}

// PatchConfig patches the asmmeshconfig on the server, which validates
// it against its schema under kubectl's default field validation (Warn: a
// field the schema lacks is dropped and named in a warning, which is
// returned), then hands the patched spec.enableNativeSidecar to the
// instance.
func (v meshView) PatchConfig(patchType types.PatchType, patch []byte) (model.MeshConfig, []string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	warnings := &warningRecorder{}
	cfg := rest.CopyConfig(v.rest)
	cfg.WarningHandler = warnings
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return v.Config(), nil, err
	}
	obj, err := dyn.Resource(meshConfigGVR()).Patch(ctx, asm.MeshConfigName, patchType, patch,
		metav1.PatchOptions{FieldValidation: metav1.FieldValidationWarn, FieldManager: "kubectl-patch"})
	if err != nil {
		return v.Config(), nil, err
	}
	native, found, err := unstructured.NestedBool(obj.Object, "spec", "enableNativeSidecar")
	if err != nil {
		return v.Config(), nil, fmt.Errorf("patch %s %q: %w", asm.MeshConfigResource, asm.MeshConfigName, err)
	}
	value := "null"
	if found {
		value = fmt.Sprint(native)
	}
	got, _, err := v.Instance.PatchConfig(types.MergePatchType, []byte(`{"spec":{"enableNativeSidecar":`+value+`}}`))
	return got, warnings.list(), err
}

// warningRecorder keeps the warnings of one request.
type warningRecorder struct {
	mu       sync.Mutex
	messages []string
}

func (w *warningRecorder) HandleWarningHeader(_ int, _ string, message string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.messages = append(w.messages, message)
}

func (w *warningRecorder) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.messages)
}

// pushEdit pushes an edit the user made through this backend's kubectl
// to the clusters at once, as the console does (B06).
func (m *meshInstance) pushEdit(ctx context.Context, before map[string]string, ns *corev1.Namespace) {
	// A failed push is recorded (recordPushFailure) and retried.
	_, _ = m.inst.Push(ctx, before, ns)
}

// watchNamespaces pushes the namespace edits that other clients make
// (plain kubectl with the plane's kubeconfig): this backend's own
// clients push theirs as they make them.
func (m *meshInstance) watchNamespaces(c kubernetes.Interface) error {
	ctx, cancel := context.WithCancel(context.Background())
	m.stopInformer = cancel
	factory := informers.NewSharedInformerFactory(c, 0)
	inf := factory.Core().V1().Namespaces().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(oldObj, newObj any) {
			old, ok1 := oldObj.(*corev1.Namespace)
			ns, ok2 := newObj.(*corev1.Namespace)
			if !ok1 || !ok2 || !injectionLabelsDiffer(old.Labels, ns.Labels) || lastWriterIsOwn(ns) {
				return
			}
			_, _ = m.inst.Push(ctx, maps.Clone(old.Labels), ns.DeepCopy())
		},
	}); err != nil {
		cancel()
		return err
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		cancel()
		return errors.New("watch the instance's namespaces: the informer did not sync")
	}
	return nil
}

func injectionLabelsDiffer(a, b map[string]string) bool {
	for _, k := range []string{model.LabelInjection, model.LabelRevision} {
		if a[k] != b[k] {
			return true
		}
	}
	return false
}

// lastWriterIsOwn reports whether the latest write of ns was made by one
// of this backend's clients.
func lastWriterIsOwn(ns *corev1.Namespace) bool {
	var latest *metav1.ManagedFieldsEntry
	for i := range ns.ManagedFields {
		e := &ns.ManagedFields[i]
		if e.Time == nil {
			continue
		}
		if latest == nil || !e.Time.Before(latest.Time) {
			latest = e
		}
	}
	return latest != nil && isOwnManager(latest.Manager)
}

// recordPushFailure leaves a Warning event on the instance's namespace
// naming the cluster and the error, as the console shows it.
func (m *meshInstance) recordPushFailure(f model.PushFailure) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	ns, err := m.asm.CoreV1().Namespaces().Get(ctx, f.Namespace, metav1.GetOptions{})
	if err != nil {
		return
	}
	now := metav1.Now()
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: ns.Name + ".", Namespace: ns.Name},
		InvolvedObject: corev1.ObjectReference{
			Kind: "Namespace", APIVersion: "v1", Namespace: ns.Name, Name: ns.Name,
			UID: ns.UID, ResourceVersion: ns.ResourceVersion,
		},
		Type: corev1.EventTypeWarning, Reason: asm.ReasonPushFailed, Message: asm.PushFailedMessage(f),
		Source:         corev1.EventSource{Component: asm.ComponentControlPlane},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}
	// An event that cannot be written leaves the failure in
	// PushFailures, which the console lists anyway.
	_, _ = m.asm.CoreV1().Events(ns.Name).Create(ctx, ev, metav1.CreateOptions{})
}

// ensureMeshConfigDefinition installs the asmmeshconfig definition on a
// plane once and waits until it is served.
func ensureMeshConfigDefinition(ctx context.Context, dyn dynamic.Interface) error {
	crds := dyn.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	gr := asm.MeshConfigGroupResource()
	name := gr.String()
	if _, err := crds.Create(ctx, meshConfigDefinition(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("install the %s definition: %w", name, err)
	}
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		crd, err := crds.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil //nolint:nilerr // not there yet: poll again
		}
		conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
		for _, c := range conds {
			cm, _ := c.(map[string]any)
			if cm["type"] == "Established" && cm["status"] == "True" {
				_, err := dyn.Resource(meshConfigGVR()).List(ctx, metav1.ListOptions{Limit: 1})
				return err == nil, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("install the %s definition: not served within a minute: %w", name, err)
	}
	return nil
}

// meshConfigDefinition is the asmmeshconfigs CustomResourceDefinition,
// cluster-scoped, with a structural schema: spec.enableNativeSidecar is
// the one field the twin interprets; the server drops any other, with a
// warning under kubectl's default field validation (Warn), or refuses it
// under Strict.
func meshConfigDefinition() *unstructured.Unstructured {
	gr := asm.MeshConfigGroupResource()
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": gr.String()},
		"spec": map[string]any{
			"group": gr.Group,
			"scope": "Cluster",
			"names": map[string]any{
				"plural": asm.MeshConfigResource, "singular": "asmmeshconfig",
				"kind": asm.MeshConfigKind, "listKind": asm.MeshConfigKind + "List",
			},
			"versions": []any{map[string]any{
				"name": "v1beta1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"apiVersion": map[string]any{"type": "string"},
						"kind":       map[string]any{"type": "string"},
						"metadata":   map[string]any{"type": "object"},
						"spec": map[string]any{
							"type": "object",
							"properties": map[string]any{
								"enableNativeSidecar": map[string]any{"type": "boolean"},
							},
						},
					},
				}},
			}},
		},
	}}
}
