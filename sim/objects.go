package sim

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Resources the simulator gives behaviour to. These are read-only.
var (
	gvrNamespaces     = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	gvrNodes          = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}
	gvrPods           = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	gvrEvents         = schema.GroupVersionResource{Version: "v1", Resource: "events"}
	gvrSAs            = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
	gvrServices       = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	gvrConfigMaps     = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	gvrDeployments    = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	gvrReplicaSets    = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	gvrJobs           = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}
	gvrCronJobs       = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "cronjobs"}
	gvrStatefulSets   = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"}
	gvrDaemonSets     = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "daemonsets"}
	gvrPVCs           = schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}
	gvrMWCs           = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "mutatingwebhookconfigurations"}
	gvrLeases         = schema.GroupVersionResource{Group: "coordination.k8s.io", Version: "v1", Resource: "leases"}
	gvrEndpointSlices = schema.GroupVersionResource{Group: "discovery.k8s.io", Version: "v1", Resource: "endpointslices"}
)

// clusterScoped reports whether objects of resource live outside
// namespaces.
func clusterScoped(resource string) bool {
	switch resource {
	case "namespaces", "nodes", "persistentvolumes", "clusterroles", "clusterrolebindings",
		"storageclasses", "customresourcedefinitions", "mutatingwebhookconfigurations",
		"validatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings",
		"priorityclasses", "csinodes", "csidrivers", "certificatesigningrequests", "ingressclasses",
		"runtimeclasses", "apiservices", "volumeattachments", "componentstatuses", "tokenreviews",
		"subjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews",
		"flowschemas", "prioritylevelconfigurations", "ipaddresses", "servicecidrs",
		"deviceclasses", "resourceslices":
		return true
	}
	return false
}

// fieldSet is what a field selector can match on an object, following
// the fields the real API server indexes for each kind.
func fieldSet(obj runtime.Object) fields.Set {
	m := mustAccessor(obj)
	set := fields.Set{"metadata.name": m.GetName(), "metadata.namespace": m.GetNamespace()}
	switch o := obj.(type) {
	case *corev1.Pod:
		set["spec.nodeName"] = o.Spec.NodeName
		set["spec.restartPolicy"] = string(o.Spec.RestartPolicy)
		set["spec.schedulerName"] = o.Spec.SchedulerName
		set["spec.serviceAccountName"] = o.Spec.ServiceAccountName
		set["spec.hostNetwork"] = strconv.FormatBool(o.Spec.HostNetwork)
		set["status.phase"] = string(o.Status.Phase)
		set["status.podIP"] = o.Status.PodIP
		set["status.nominatedNodeName"] = o.Status.NominatedNodeName
	case *corev1.Event:
		set["involvedObject.kind"] = o.InvolvedObject.Kind
		set["involvedObject.namespace"] = o.InvolvedObject.Namespace
		set["involvedObject.name"] = o.InvolvedObject.Name
		set["involvedObject.uid"] = string(o.InvolvedObject.UID)
		set["involvedObject.apiVersion"] = o.InvolvedObject.APIVersion
		set["involvedObject.resourceVersion"] = o.InvolvedObject.ResourceVersion
		set["involvedObject.fieldPath"] = o.InvolvedObject.FieldPath
		set["reason"] = o.Reason
		set["reportingComponent"] = o.ReportingController
		set["source"] = o.Source.Component
		set["type"] = o.Type
	case *corev1.Namespace:
		set["status.phase"] = string(o.Status.Phase)
	case *corev1.Node:
		set["spec.unschedulable"] = strconv.FormatBool(o.Spec.Unschedulable)
	case *corev1.Secret:
		set["type"] = string(o.Type)
	case *appsv1.ReplicaSet:
		set["status.replicas"] = strconv.FormatInt(int64(o.Status.Replicas), 10)
	case *batchv1.Job:
		set["status.successful"] = strconv.FormatInt(int64(o.Status.Succeeded), 10)
	}
	return set
}
