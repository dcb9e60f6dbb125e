package sim

import (
	"crypto/x509/pkix"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync/atomic"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/meshtwin/meshtwin/model"
)

// AnnotationWebhookLegacy marks, on the MutatingWebhookConfiguration of
// a webhook installed with InstallWebhook, that it is built on old
// Kubernetes libraries (model.Webhook.Legacy).
const AnnotationWebhookLegacy = model.AnnotationWebhookLegacy

// podKey names a pod in one cluster.
type podKey struct{ ns, name string }

// podState is what the scheduler and kubelet remember about a pod.
type podState struct {
	uid         types.UID
	isJob       bool
	bound       bool
	terminal    bool
	node        string
	virtual     bool
	scheduledAt time.Time
	ip          string
	notes       map[noteKey]bool
	// wake is when the kubelet must next look at the pod: its status
	// is the same until then (model.NextPodStatusChange), as long as
	// the pod is still at resourceVersion wakeRV and the nodes are as
	// they were at wakeNodes.
	wake      time.Time
	wakeRV    string
	wakeNodes int
	// life is the pod's lifecycle as planned from its version lifeRV;
	// the kubelet's own status updates keep it (they change only the
	// status), any other update plans it again.
	life   *model.Lifecycle
	lifeRV string
}

type noteKey struct {
	at                         time.Duration
	container, reason, message string
}

// workItem is an object a controller must reconcile.
type workItem struct {
	gvr      schema.GroupVersionResource
	ns, name string
}

type nodeInfo struct {
	ip      string
	virtual bool
	// namesContainers: its kubelet's events name the container
	// (model.KubeletNamesContainers).
	namesContainers bool
}

// cluster is one data-plane cluster: its API server (tracker +
// reactors), and the state of its scheduler, kubelets and controllers.
// Everything here is guarded by the Sim's mutex.
type cluster struct {
	sim     *Sim
	name    string
	index   int
	info    model.ClusterInfo
	spec    model.ClusterSpec
	api     *apiServer
	tracker *Tracker
	cs      *fake.Clientset
	// meshClient is the mesh instance's own client of the cluster
	// (direct.go), given to it when the cluster joins.
	meshClient meshClient

	joined bool

	nodes       []corev1.Node // sorted by name, what DecidePlacement sees
	placement   model.Nodes   // nodes prepared for the scheduler
	nodeInfo    map[string]nodeInfo
	podsPerNode map[string]int
	// requested sums the PodRequests of the pods of podsPerNode, by node.
	requested map[string]model.Resources
	// freed: a bound pod finished or went away since the pending pods
	// were last tried.
	freed   bool
	nodeSeq int
	// nodesSeen counts the changes of the node list (nodesChanged).
	nodesSeen int

	pods    map[podKey]*podState
	active  orderedSet[podKey] // bound, not terminal, not yet settled: the kubelet's work
	pending orderedSet[podKey] // unschedulable, retried when nodes change
	queue   orderedSet[workItem]
	failed  orderedSet[workItem] // controllers whose last pod creation failed

	events *eventLog
	// kubeletTexts are the texts of the kubelet's container events.
	kubeletTexts kubeletTexts
	// statuses lets the pods of one controller share their equal
	// status parts.
	statuses statusSharer
	// admitted is the admission of the last pod made of a template;
	// lastHandedOut the last pod admitPod made of it.
	admitted      *admissionMemo
	lastHandedOut *corev1.Pod
	// lastUnschedulable is the last FailedScheduling message stored, so
	// that equal messages are one string.
	lastUnschedulable string
	// webhooks are the stored MutatingWebhookConfigurations' webhooks
	// compiled (model.CompileWebhooks), by stored object: a stored object
	// is never modified in place, so an update is a new key.
	webhooks map[*admissionregistrationv1.MutatingWebhookConfiguration]*model.CompiledWebhooks

	// unreachable cuts the API server off from outside clients
	// (SetReachable); read without the simulator's lock.
	unreachable atomic.Bool

	podIPs *ipPool
	eciIPs *ipPool

	// system draws what the cluster's own controllers make (Service
	// addresses and node ports, the UIDs of kube-root-ca.crt and the
	// like, its CA): a stream apart from the simulator's, seeded from
	// the run's seed and the cluster's index.
	system     *rand.Rand
	serviceIPs *serviceIPs
	nodePorts  map[int32]bool
	// rootCA is the cluster CA's certificate in PEM (kube-root-ca.crt).
	rootCA string
	// meshVersion is the version of the mesh the cluster joined: which
	// namespaces its istiod writes istio-ca-root-cert into.
	meshVersion model.ASMVersion
}

func newCluster(s *Sim, spec model.ClusterSpec, index int) (*cluster, error) {
	c := &cluster{
		sim:   s,
		name:  spec.Name,
		index: index,
		spec:  spec,
		info: model.ClusterInfo{
			Name:         spec.Name,
			KubeVersion:  spec.KubeVersion,
			Region:       spec.Region,
			Zone:         spec.Zone,
			FeatureGates: maps.Clone(spec.FeatureGates),
		},
		nodeInfo:    map[string]nodeInfo{},
		podsPerNode: map[string]int{},
		requested:   map[string]model.Resources{},
		pods:        map[podKey]*podState{},
		podIPs:      newIPPool([4]byte{10, byte(index % 64 * 4), 0, 0}, 1<<18),
		eciIPs:      newIPPool([4]byte{192, 168, 128, 0}, 1<<15),
		system:      rand.New(rand.NewPCG(s.seed, uint64(index)^0x73797374656d)),
		nodePorts:   map[int32]bool{},
	}
	c.serviceIPs = newServiceIPs(model.ServiceCIDR(index), c.system)
	rootCA, err := caBundlePEM(c.system, pkix.Name{CommonName: "kubernetes"}, s.clock.Now())
	if err != nil {
		return nil, err
	}
	c.rootCA = rootCA
	c.api = newAPIServer(s, spec.Name, c)
	c.tracker = c.api.tracker
	c.events = newEventLog(s, c.tracker)
	c.cs = c.api.newClientset(false)
	c.meshClient = newMeshClient(c.api.newClientset(false))
	for _, ns := range model.BuiltinNamespaces() {
		if _, err := c.api.createBuiltinNamespace(ns); err != nil {
			return nil, err
		}
	}
	// The API server's own ConfigMaps in kube-system, from a stream of
	// their own so that they draw nothing from the cluster's.
	apiserverRNG := rand.New(rand.NewPCG(s.seed, uint64(index)^0x6b7562652d617069))
	cms, err := apiserverConfigMaps(apiserverRNG, rootCA, s.clock.Now())
	if err != nil {
		return nil, err
	}
	for _, cm := range cms {
		if _, err := c.api.create(&request{uids: apiserverRNG}, gvrConfigMaps, metav1.NamespaceSystem, cm, false); err != nil {
			return nil, err
		}
	}
	// The API server's own Service, on the first address of the range.
	first := model.ServiceCIDR(index).Addr().Next().String()
	if _, err := c.api.create(c.systemRequest(), gvrServices, metav1.NamespaceDefault, kubernetesService(first), false); err != nil {
		return nil, err
	}
	// And its endpoint, as the API server's endpoint reconciler writes
	// it; its UID from the API server's stream.
	slice := model.KubernetesEndpointSlice(model.APIServerIP, model.APIServerPort)
	if _, err := c.api.create(&request{uids: apiserverRNG}, gvrEndpointSlices, metav1.NamespaceDefault, slice, false); err != nil {
		return nil, err
	}
	req := &request{}
	for range spec.Nodes {
		ip := c.nextNodeIP()
		node := model.NewNode(fmt.Sprintf("%s.%s", spec.Region, ip))
		model.DecorateNode(node, c.info, ip, false, c.sim.clock.Now())
		if err := c.addNode(req, node); err != nil {
			return nil, err
		}
	}
	if spec.VirtualNode {
		if err := c.addVirtualNode(req); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *cluster) infoCopy() model.ClusterInfo {
	info := c.info
	info.FeatureGates = maps.Clone(c.info.FeatureGates)
	return info
}

func (c *cluster) nextNodeIP() string {
	n := c.nodeSeq
	c.nodeSeq++
	return model.NodeIP(n)
}

// addVirtualNode deploys ack-virtual-node: one virtual-kubelet node.
func (c *cluster) addVirtualNode(req *request) error {
	name := model.VirtualNodeName(c.info.Region, c.info.Zone)
	if c.tracker.peek(gvrNodes, "", name) != nil {
		return fmt.Errorf("node %q already exists", name)
	}
	node := model.NewVirtualNode(c.info.Region, c.info.Zone)
	model.DecorateNode(node, c.info, c.nextNodeIP(), true, c.sim.clock.Now())
	if err := c.addNode(req, node); err != nil {
		return err
	}
	if c.tracker.peek(gvrMWCs, "", model.ECIConfigurationName) == nil {
		if _, err := c.api.create(&request{}, gvrMWCs, "", model.ECIWebhookConfiguration(), false); err != nil {
			return fmt.Errorf("register the ECI webhook: %w", err)
		}
	}
	c.info.VirtualNodeComponent = true
	return nil
}

// addNode registers a node the way its kubelet does: the Node object and
// its heartbeat Lease in kube-node-lease.
func (c *cluster) addNode(req *request, node *corev1.Node) error {
	if _, err := c.api.create(req, gvrNodes, "", node, false); err != nil {
		return fmt.Errorf("add node %q: %w", node.Name, err)
	}
	holder := node.Name
	renew := metav1.NewMicroTime(c.sim.clock.Now())
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: node.Name, Namespace: corev1.NamespaceNodeLease},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       &holder,
			LeaseDurationSeconds: new(int32(40)),
			RenewTime:            &renew,
		},
	}
	if _, err := c.api.create(req, gvrLeases, corev1.NamespaceNodeLease, lease, false); err != nil {
		return fmt.Errorf("add lease of node %q: %w", node.Name, err)
	}
	return nil
}

// join marks the cluster as part of the mesh: istio-system and the
// injector's webhook configuration of every revision the mesh serves
// appear in it.
func (c *cluster) join(mesh model.MeshConfig) error {
	if c.tracker.peek(gvrNamespaces, "", model.IstioSystemNamespace) == nil {
		if _, err := c.api.createBuiltinNamespace(model.IstioSystemNamespace); err != nil {
			return err
		}
	}
	for _, rev := range mesh.ServedRevisions() {
		mwc := model.InjectorWebhookConfiguration(rev)
		if c.tracker.peek(gvrMWCs, "", mwc.Name) != nil {
			continue
		}
		if _, err := c.api.create(&request{}, gvrMWCs, "", mwc, false); err != nil {
			return err
		}
	}
	c.joined = true
	c.meshVersion = mesh.Version
	// istiod's namespace controller fills every namespace it serves.
	var nss []string
	for _, obj := range c.tracker.items(gvrNamespaces, "") {
		nss = append(nss, obj.(*corev1.Namespace).Name)
	}
	for _, ns := range nss {
		if err := c.writeIstioCARootCert(ns); err != nil {
			return err
		}
	}
	return nil
}

// systemRequest is a request of the cluster's own controllers: UIDs come
// from the cluster's stream.
func (c *cluster) systemRequest() *request {
	return &request{uids: c.system}
}

// namespaceCreated is what controllers do for every new namespace:
// kube-controller-manager's root-ca-cert-publisher writes
// kube-root-ca.crt, and the mesh's istiod (in a member cluster)
// istio-ca-root-cert.
func (c *cluster) namespaceCreated(ns *corev1.Namespace) error {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: model.KubeRootCAConfigMap, Namespace: ns.Name,
			Annotations: map[string]string{model.KubeRootCADescriptionAnnotation: model.KubeRootCADescription}},
		Data: map[string]string{"ca.crt": c.rootCA},
	}
	if _, err := c.api.create(c.systemRequest(), gvrConfigMaps, ns.Name, cm, false); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("publish %s in namespace %s: %w", model.KubeRootCAConfigMap, ns.Name, err)
	}
	if c.joined {
		return c.writeIstioCARootCert(ns.Name)
	}
	return nil
}

// writeIstioCARootCert writes the mesh's root certificate into ns, as
// istiod's namespace controller does, unless istiod skips ns.
func (c *cluster) writeIstioCARootCert(ns string) error {
	if !model.IstiodWritesCARootCert(ns, c.meshVersion) || c.tracker.peek(gvrConfigMaps, ns, model.IstioCARootCertConfigMap) != nil {
		return nil
	}
	root, err := c.sim.meshRootCertLocked()
	if err != nil {
		return err
	}
	if _, err := c.api.create(c.systemRequest(), gvrConfigMaps, ns, model.IstioCARootCert(ns, root), false); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("write %s in namespace %s: %w", model.IstioCARootCertConfigMap, ns, err)
	}
	return nil
}

func (c *cluster) installWebhook(w model.Webhook) error {
	if err := w.Validate(); err != nil {
		return err
	}
	if _, err := c.api.create(&request{}, gvrMWCs, "", w.WebhookConfiguration(), false); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("a mutating webhook configuration named %q already exists", w.Name)
		}
		return err
	}
	return nil
}

// nodesChanged rebuilds the scheduler's node list and retries pending
// pods.
func (c *cluster) nodesChanged() {
	c.nodesSeen++
	items := c.tracker.items(gvrNodes, "")
	c.nodes = c.nodes[:0]
	c.nodeInfo = make(map[string]nodeInfo, len(items))
	for _, obj := range items {
		n := obj.(*corev1.Node)
		c.nodes = append(c.nodes, *n)
		info := nodeInfo{virtual: n.Labels[model.NodeLabelType] == model.NodeTypeVirtualKubelet,
			namesContainers: model.KubeletNamesContainers(n)}
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				info.ip = a.Address
				break
			}
		}
		c.nodeInfo[n.Name] = info
	}
	c.placement = model.NewNodes(c.nodes)
	c.retryPending()
	c.enqueueDaemonSets()
}

// enqueue asks a controller to reconcile an object.
func (c *cluster) enqueue(gvr schema.GroupVersionResource, ns, name string) {
	c.queue.add(workItem{gvr: gvr, ns: ns, name: name})
}

// enqueueController enqueues the controller that owns obj, if any.
func (c *cluster) enqueueController(obj metav1.Object) {
	ref := metav1.GetControllerOfNoCopy(obj)
	if ref == nil {
		return
	}
	switch ref.Kind {
	case "ReplicaSet":
		c.enqueue(gvrReplicaSets, obj.GetNamespace(), ref.Name)
	case "Deployment":
		c.enqueue(gvrDeployments, obj.GetNamespace(), ref.Name)
	case "Job":
		c.enqueue(gvrJobs, obj.GetNamespace(), ref.Name)
	case "StatefulSet":
		c.enqueue(gvrStatefulSets, obj.GetNamespace(), ref.Name)
	case "DaemonSet":
		c.enqueue(gvrDaemonSets, obj.GetNamespace(), ref.Name)
	case "CronJob":
		c.enqueue(gvrCronJobs, obj.GetNamespace(), ref.Name)
	}
}

// settle runs the controllers until nothing is left to reconcile.
func (c *cluster) settle(req *request) {
	const limit = 1 << 20
	for i := 0; i < limit; i++ {
		item, ok := c.queue.popFront()
		if !ok {
			// A pod that freed room on its node lets a pending pod
			// be scheduled, whose controller may then act.
			if !c.freed || c.pending.len() == 0 {
				c.freed = false
				return
			}
			c.freed = false
			c.retryPending()
			continue
		}
		switch item.gvr {
		case gvrDeployments:
			c.syncDeployment(req, item)
		case gvrReplicaSets:
			c.syncReplicaSet(req, item)
		case gvrJobs:
			c.syncJob(req, item)
		case gvrStatefulSets:
			c.syncStatefulSet(req, item)
		case gvrDaemonSets:
			c.syncDaemonSet(req, item)
		case gvrCronJobs:
			c.syncCronJob(req, item)
		case gvrEndpointSlices:
			c.syncEndpointSlices(req, item)
		}
	}
}

// retryFailed queues again the controllers whose last pod creation failed.
func (c *cluster) retryFailed(_ *request) {
	for _, item := range c.failed.snapshot() {
		c.queue.add(item)
	}
}

// ---- small containers ----

// orderedSet keeps keys in insertion order with O(1) add and remove.
type orderedSet[K comparable] struct {
	idx  map[K]int
	keys []K
	head int
}

func (s *orderedSet[K]) add(k K) bool {
	if s.idx == nil {
		s.idx = map[K]int{}
	}
	if _, ok := s.idx[k]; ok {
		return false
	}
	s.idx[k] = len(s.keys)
	s.keys = append(s.keys, k)
	return true
}

func (s *orderedSet[K]) has(k K) bool {
	_, ok := s.idx[k]
	return ok
}

func (s *orderedSet[K]) remove(k K) {
	if _, ok := s.idx[k]; !ok {
		return
	}
	delete(s.idx, k)
	if len(s.idx) == 0 {
		s.keys = s.keys[:0]
		s.head = 0
		return
	}
	if live := len(s.idx); len(s.keys)-s.head > 2*live+32 {
		s.compact()
	}
}

func (s *orderedSet[K]) len() int { return len(s.idx) }

func (s *orderedSet[K]) live(i int) bool {
	j, ok := s.idx[s.keys[i]]
	return ok && j == i
}

func (s *orderedSet[K]) popFront() (K, bool) {
	for s.head < len(s.keys) {
		i := s.head
		s.head++
		if s.live(i) {
			k := s.keys[i]
			delete(s.idx, k)
			if len(s.idx) == 0 {
				s.keys = s.keys[:0]
				s.head = 0
			}
			return k, true
		}
	}
	var zero K
	return zero, false
}

// snapshot returns the live keys in order.
func (s *orderedSet[K]) snapshot() []K {
	out := make([]K, 0, len(s.idx))
	for i := s.head; i < len(s.keys); i++ {
		if s.live(i) {
			out = append(out, s.keys[i])
		}
	}
	return out
}

func (s *orderedSet[K]) compact() {
	keys := s.snapshot()
	s.keys = keys
	s.head = 0
	for i, k := range keys {
		s.idx[k] = i
	}
}

// ipPool hands out addresses from a block, lowest free first after the
// last one given, skipping .0, .1 and .255.
type ipPool struct {
	base  [4]byte
	size  uint32
	used  []uint64
	next  uint32
	inUse uint32
	valid uint32
}

func newIPPool(base [4]byte, size uint32) *ipPool {
	p := &ipPool{base: base, size: size, used: make([]uint64, (size+63)/64)}
	if base[3] == 0 && size%256 == 0 {
		p.valid = size / 256 * 253 // every /24 loses .0, .1 and .255
		return p
	}
	for off := uint32(0); off < size; off++ {
		if p.usable(off) {
			p.valid++
		}
	}
	return p
}

func (p *ipPool) usable(off uint32) bool {
	last := p.addr(off) & 0xff
	return last != 0 && last != 1 && last != 255
}

func (p *ipPool) addr(off uint32) uint32 {
	b := uint32(p.base[0])<<24 | uint32(p.base[1])<<16 | uint32(p.base[2])<<8 | uint32(p.base[3])
	return b + off
}

// alloc returns a free address, or "" when the block is exhausted.
func (p *ipPool) alloc() string {
	if p.inUse >= p.valid {
		return ""
	}
	for i := uint32(0); i < p.size; i++ {
		off := (p.next + i) % p.size
		if !p.usable(off) || p.used[off/64]&(1<<(off%64)) != 0 {
			continue
		}
		p.used[off/64] |= 1 << (off % 64)
		p.inUse++
		p.next = off + 1
		a := p.addr(off)
		return fmt.Sprintf("%d.%d.%d.%d", a>>24, a>>16&0xff, a>>8&0xff, a&0xff)
	}
	return ""
}

func (p *ipPool) release(ip string) {
	var a, b, c, d uint32
	if _, err := fmt.Sscanf(ip, "%d.%d.%d.%d", &a, &b, &c, &d); err != nil {
		return
	}
	off := (a<<24 | b<<16 | c<<8 | d) - p.addr(0)
	if off < p.size && p.used[off/64]&(1<<(off%64)) != 0 {
		p.used[off/64] &^= 1 << (off % 64)
		p.inUse--
	}
}
