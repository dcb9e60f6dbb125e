package sim

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/meshtwin/meshtwin/model"
)

// admissionChain is the cluster's mutating webhooks as the API server
// calls them (model.NewAdmissionChain: by configuration name), one link per
// MutatingWebhookConfiguration the cluster holds, called for the pods its
// webhooks' rules and selectors take (model.CalledWebhooks): the ECI
// webhook's (model.ECIWebhookConfiguration, where ack-virtual-node runs,
// B21); a mesh injector's (model.InjectorRevisionOf) as that revision's
// injector, in clusters of the mesh; any other as a third-party webhook
// (model.ThirdPartyWebhookOf). Deleting a configuration takes its webhook
// out of the chain.
func (c *cluster) admissionChain(req *request) model.AdmissionChain {
	var hooks []model.MutatingWebhook
	items := c.tracker.items(gvrMWCs, "")
	if len(c.webhooks) > 2*len(items)+8 {
		// Forget the configurations updated or deleted since.
		c.webhooks = nil
	}
	for _, obj := range items {
		mwc, ok := obj.(*admissionregistrationv1.MutatingWebhookConfiguration)
		if !ok {
			continue
		}
		var hook model.MutatingWebhook
		if rev, ok := model.InjectorRevisionOf(mwc); ok {
			if !c.joined || req == nil || !req.meshOK {
				continue
			}
			hook = model.InjectorWebhook(rev)
		} else if mwc.Name == model.ECIConfigurationName {
			hook = model.ECIWebhook()
		} else {
			hook = model.ThirdPartyWebhookOf(mwc).AsMutatingWebhook()
		}
		hook.Webhooks = mwc.Webhooks
		if mwc.Webhooks != nil {
			hook.Compiled = c.compiledWebhooks(mwc)
		}
		hooks = append(hooks, hook)
	}
	return model.NewAdmissionChain(hooks...)
}

// compiledWebhooks returns the stored configuration's webhooks compiled,
// compiling them on first use.
func (c *cluster) compiledWebhooks(mwc *admissionregistrationv1.MutatingWebhookConfiguration) *model.CompiledWebhooks {
	if cw := c.webhooks[mwc]; cw != nil {
		return cw
	}
	if c.webhooks == nil {
		c.webhooks = map[*admissionregistrationv1.MutatingWebhookConfiguration]*model.CompiledWebhooks{}
	}
	cw := model.CompileWebhooks(mwc.Webhooks)
	c.webhooks[mwc] = cw
	return cw
}

// admitPod runs a pod CREATE through the API server's admission:
// defaulting, the mutating webhooks (admissionChain), defaulting again
// (webhook output is decoded with defaulting), then validation. A pod a
// controller makes of its template (req.template, createPodFor) is
// admitted as the previous pod of the same template was, when nothing
// the admission reads has changed since (admissionMemo).
func (c *cluster) admitPod(req *request, pod *corev1.Pod) (*corev1.Pod, error) {
	if req == nil || req.template == nil {
		return c.admitPodAfresh(req, pod)
	}
	in := c.admissionInputs(req, pod)
	if m := c.admitted; m != nil && m.inputs.same(&in) {
		if m.pod == nil {
			return c.admitPodAfresh(req, pod.DeepCopy())
		}
		out := withIdentityOf(m.pod, pod)
		c.lastHandedOut = out
		return out, nil
	}
	c.admitted = nil
	pod = pod.DeepCopy() // it shares the template's parts
	twin := pod.DeepCopy()
	out, err := c.admitPodAfresh(req, pod)
	if err != nil {
		return nil, err
	}
	// The admission of the same pod under another identity tells
	// whether the result can be handed to the template's next pods.
	otherIdentity(twin)
	m := &admissionMemo{inputs: in}
	if twinOut, err := c.admitPodAfresh(req, twin); err == nil && podEqual(withIdentityOf(out, twin), twinOut) {
		snap := *out
		m.pod = &snap
	}
	c.admitted = m
	return out, nil
}

// handedOut reports whether pod is the last admission admitPod handed
// out again (admissionMemo), whose parts are a stored pod's.
func (c *cluster) handedOut(pod *corev1.Pod) bool {
	out := c.lastHandedOut == pod
	c.lastHandedOut = nil
	return out
}

// admissionMemo is the admission of the last pod made of a controller's
// template. Admission is a function of the pod and of admissionInputs'
// other fields (the namespace's labels, the cluster, the mesh, the
// webhook configurations); the pods of one template differ only in their
// identity (name, UID, creation time), so while those inputs stay the
// same (the stored objects they point to are never modified in place)
// the template's next pod is admitted as the last was: the same labels,
// annotations, spec and status, shared with it (as podSharer would share
// them), and its own identity. Whether the admission depends on the
// identity is checked once per memo, by admitting a twin of the first pod
// under another identity; if it does (an annotation that names the pod),
// pod is nil and every pod is admitted afresh.
type admissionMemo struct {
	inputs admissionInputs
	// pod is the first pod's admission as admitPod returned it (a
	// shallow copy: the parts it shares with the stored pod are never
	// modified), or nil.
	pod *corev1.Pod
}

// admissionInputs is what admitting a templated pod reads besides the
// pod's identity.
type admissionInputs struct {
	template  *corev1.PodTemplateSpec
	namespace *corev1.Namespace
	mwcs      []runtime.Object
	joined    bool
	meshOK    bool
	mesh      model.MeshConfig
	info      model.ClusterInfo
}

func (c *cluster) admissionInputs(req *request, pod *corev1.Pod) admissionInputs {
	ns, _ := c.tracker.peek(gvrNamespaces, "", pod.Namespace).(*corev1.Namespace)
	return admissionInputs{
		template:  req.template,
		namespace: ns,
		mwcs:      c.tracker.items(gvrMWCs, ""),
		joined:    c.joined,
		meshOK:    req.meshOK,
		mesh:      req.mesh,
		info:      c.info,
	}
}

// same reports whether a and b are the same inputs: the same stored
// template, namespace and webhook configurations (as pointers: stored
// objects are never modified in place), an equal mesh and cluster.
func (a *admissionInputs) same(b *admissionInputs) bool {
	return a.template == b.template && a.namespace == b.namespace &&
		slices.Equal(a.mwcs, b.mwcs) && a.joined == b.joined && a.meshOK == b.meshOK &&
		meshConfigEqual(&a.mesh, &b.mesh) && clusterInfoEqual(&a.info, &b.info)
}

func meshConfigEqual(a, b *model.MeshConfig) bool {
	return a.Version == b.Version && a.Profile == b.Profile &&
		valueEqual(a.EnableNativeSidecar, b.EnableNativeSidecar) && sliceEqual(a.Revisions, b.Revisions)
}

func clusterInfoEqual(a, b *model.ClusterInfo) bool {
	return a.Name == b.Name && a.KubeVersion == b.KubeVersion && a.Region == b.Region && a.Zone == b.Zone &&
		a.VirtualNodeComponent == b.VirtualNodeComponent && (a.FeatureGates == nil) == (b.FeatureGates == nil) &&
		maps.Equal(a.FeatureGates, b.FeatureGates)
}

// withIdentityOf returns admitted with the identity of pod (a pod about
// to be admitted): what the API server set on it before admission
// (createObject) is taken from pod, the rest shared with admitted.
func withIdentityOf(admitted, pod *corev1.Pod) *corev1.Pod {
	out := *admitted
	out.TypeMeta = pod.TypeMeta
	meta, in := &out.ObjectMeta, &pod.ObjectMeta
	meta.Name, meta.GenerateName, meta.Namespace = in.Name, in.GenerateName, in.Namespace
	meta.UID, meta.ResourceVersion, meta.Generation, meta.SelfLink = in.UID, in.ResourceVersion, in.Generation, in.SelfLink
	meta.CreationTimestamp, meta.DeletionTimestamp, meta.DeletionGracePeriodSeconds = in.CreationTimestamp, in.DeletionTimestamp, in.DeletionGracePeriodSeconds
	meta.ManagedFields = in.ManagedFields
	return &out
}

// otherIdentity gives pod another name (of the same length), UID and
// creation time.
func otherIdentity(pod *corev1.Pod) {
	name := []byte(pod.Name)
	if n := len(name); n > 0 {
		if name[n-1] == 'z' {
			name[n-1] = 'y'
		} else {
			name[n-1] = 'z'
		}
	}
	pod.Name = string(name)
	pod.UID += "-twin"
	pod.CreationTimestamp = metav1.NewTime(pod.CreationTimestamp.Add(time.Second))
}

// admitPodAfresh is admitPod without the memo.
func (c *cluster) admitPodAfresh(req *request, pod *corev1.Pod) (*corev1.Pod, error) {
	var nsLabels map[string]string
	if ns, ok := c.tracker.peek(gvrNamespaces, "", pod.Namespace).(*corev1.Namespace); ok {
		nsLabels = ns.Labels
	}
	defaultPod(pod)
	ar := model.AdmissionRequest{Pod: pod, NamespaceLabels: nsLabels, Cluster: c.infoCopy()}
	if req != nil {
		ar.Mesh = req.mesh
	}
	pod, err := c.admissionChain(req).Admit(ar)
	if we := (*model.WebhookError)(nil); errors.As(err, &we) {
		// As the API server answers a webhook's allowed: false
		// (apiserver's webhook errors.ToStatusErr): 400, no reason.
		return nil, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusBadRequest, Message: we.Error()}}
	} else if err != nil {
		return nil, err
	}
	defaultPod(pod)
	if err := model.ValidatePod(pod); err != nil {
		return nil, invalidError(schema.GroupKind{Kind: "Pod"}, pod.Name, err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: model.QOSClass(pod)}
	return pod, nil
}
