// Package sim is the in-memory backend: a managed service mesh's control
// plane and its data-plane clusters, simulated on one virtual clock and
// deterministic from one seed.
//
// Each cluster, and the mesh instance's control plane (the "asm" kubectl
// context), is a k8s.io/client-go/kubernetes/fake Clientset, so any code
// written against kubernetes.Interface runs against it unchanged. Behind
// each clientset sits an indexed object tracker (Tracker) and one reactor
// that behaves like a kube-apiserver where a client can see it:
//
//   - create: generateName (five characters of Kubernetes' alphabet from
//     the seeded source), uid, creationTimestamp from the virtual clock,
//     resourceVersion, generation; per-kind defaults (pods, deployments,
//     replica sets, jobs, namespaces with kubernetes.io/metadata.name and
//     phase Active); name, label and annotation validation answered with
//     Invalid; NotFound for a namespaced create in a missing namespace;
//     AlreadyExists; a default ServiceAccount in every new namespace;
//   - update and patch (JSON, merge, strategic merge, apply): Conflict on
//     a stale resourceVersion, status kept on main-resource updates and
//     the status and scale subresources served, immutable fields
//     (pod spec, selectors, job template) refused;
//   - delete: typed NotFound, the default, kube-system and kube-public
//     namespaces refused, cascading deletes through the owner index
//     (Deployment, ReplicaSet, Job, namespace contents), orphaning on
//     request; deletecollection; watch with label and field selectors.
//
// Pod creation runs the mutating webhooks of model.AdmissionChain, the
// same functions a real admission server would serve, ordered by the name
// of their MutatingWebhookConfiguration as the API server orders them
// (model.NewAdmissionChain), each called only for the pods its webhooks'
// rules and selectors take (model.CalledWebhooks), as the API server calls
// them: the ECI webhook's (model.ECIWebhookConfiguration, registered in
// clusters that run ack-virtual-node), a mesh injector's
// (model.InjectorRevisionOf; one per served revision with the istiod
// chart's selectors, model.InjectorWebhook, its decision recorded in
// model.DecisionAnnotations) in clusters of the mesh, any other as a
// third-party webhook (model.Webhook), then validation
// (model.ValidatePod). A pod no injector's selector takes is not seen by
// any and carries no decision. The
// scheduler then places the pod with model.DecidePlacement, recording
// Scheduled or FailedScheduling events, and retries pending pods when
// nodes change. Regular pods get addresses from a per-cluster pod CIDR
// (10.0.0.0/14 for the first cluster created, 10.4.0.0/14 for the second,
// and so on); ECI pods on virtual nodes get VPC addresses
// (192.168.128.0/17); nodes are named like ACK's (cn-beijing.192.168.0.1).
// Services get the API server's defaults and a cluster IP from the
// cluster's service range (model.ServiceCIDR), the kubernetes Service
// the first one; every namespace gets kube-root-ca.crt, and in clusters
// of the mesh istio-ca-root-cert (model.IstiodWritesCARootCert).
//
// The kubelet is model.PodStatusAt on the virtual clock: Advance moves the
// clock in steps (the greatest common divisor of the lifecycle durations)
// while pods are starting, records Pulled, Created and Started events as
// containers start and a Warning event per lifecycle note (NoNetwork ...),
// and lets the Deployment, ReplicaSet, Job, StatefulSet and DaemonSet
// controllers react: rolling updates replace pods as new ones become
// ready, Jobs complete when their pod succeeds, a StatefulSet creates
// <set>-<ordinal> in order (OrderedReady: each once the previous is
// Running and Ready) and replaces them from the highest ordinal down, a
// DaemonSet runs one pod per node its pod fits, and Advance stops the
// clock at each CronJob's scheduled times so that its Jobs start on time
// (statefulset.go, daemonset.go, cronjob.go).
//
// The control plane serves namespaces and their events only; every
// namespace update or patch made through Client("asm") is pushed to the
// data plane by the mesh instance (asm.Instance.Push). The edit is
// answered as stored even when a cluster cannot take the push: a
// PushFailed Warning event on the namespace says so, and the instance
// pushes it again on the namespace's next edit and on every Advance.
// SetReachable cuts a cluster off from its outside clients.
//
// # Scope and limitations
//
// What the simulator models is what the mesh's namespace and injection
// behaviours need. It does not model, among others:
//
//   - graceful deletion: pods, namespaces and everything else are gone
//     the moment they are deleted (no Terminating phase, no grace period,
//     no finalizers), so replace --force has no window where both pods
//     exist;
//   - resources: nodes have a capacity but requests are not summed;
//     model.DecidePlacement decides from selectors, taints and pod counts;
//   - networking: pod IPs are allocated and shown, but there are no
//     Services endpoints, DNS or traffic; a Service gets no cluster IP;
//   - probes, restarts after crashes, image pulls and logs: container
//     behaviour is model.PodStatusAt's, nothing else;
//   - the garbage collector's subtleties: dependents are deleted with
//     their owner in the same request unless the Orphan policy is asked;
//   - events age: events are kept until their namespace is deleted;
//   - what a third-party webhook does: any MutatingWebhookConfiguration
//     that is not a mesh injector's is called as model.Webhook (it notes
//     itself on the pod; legacy ones, marked by AnnotationWebhookLegacy,
//     drop restartPolicy); selectors and failure policies are not read;
//   - server-side apply field ownership: an apply patch is a strategic
//     merge of the applied configuration;
//   - watch history: a watch from a resourceVersion replays the objects
//     stored after it as ADDED events, not the intermediate changes;
//   - storage: there are no PersistentVolumes or StorageClasses, as on an
//     ACK cluster whose StorageClasses mark none as the default and a
//     claim that names none: every PersistentVolumeClaim (a StatefulSet's
//     volumeClaimTemplates included) stays Pending, with one FailedBinding
//     event (the persistent volume controller repeats it every 15s), and a
//     pod that mounts one stays Pending with the VolumeBinding plugin's
//     FailedScheduling message;
//   - controller history: StatefulSets and DaemonSets keep no
//     ControllerRevisions; a pod created below a StatefulSet's partition
//     gets the current template, not the one of the older revision;
//   - authentication, authorization, quotas and rate limits.
//
// The fake clientsets Client returns record every request in their
// action log, as client-go's fakes do; Advance clears those logs so that
// a long simulation does not keep every request alive. The mesh
// instance's own clients (meshClient, direct.go) record none of its
// namespace requests. Their Tracker method
// returns an unused tracker: the objects live in the simulator's own.
package sim
