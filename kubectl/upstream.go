package kubectl

import (
	"slices"
	"strings"
)

// upstreamResource is a resource type a Kubernetes 1.30+ API server
// serves (kubectl api-resources on a plain cluster) that this emulation
// does not: asking for it gets notEmulated rather than "the server
// doesn't have a resource type", which a real server would never say.
type upstreamResource struct {
	plural, singular string
	short            []string
	kind             string
	apiVersion       string
}

// upstreamResources are the built-in types of kube-apiserver that
// kubeResourceTable lacks; a type that gets emulated leaves this list
// (lookupKubeResource is asked first anyway).
var upstreamResources = []upstreamResource{
	{"componentstatuses", "componentstatus", []string{"cs"}, "ComponentStatus", "v1"},
	{"endpoints", "endpoints", []string{"ep"}, "Endpoints", "v1"},
	{"limitranges", "limitrange", []string{"limits"}, "LimitRange", "v1"},
	{"persistentvolumeclaims", "persistentvolumeclaim", []string{"pvc"}, "PersistentVolumeClaim", "v1"},
	{"persistentvolumes", "persistentvolume", []string{"pv"}, "PersistentVolume", "v1"},
	{"podtemplates", "podtemplate", nil, "PodTemplate", "v1"},
	{"replicationcontrollers", "replicationcontroller", []string{"rc"}, "ReplicationController", "v1"},
	{"resourcequotas", "resourcequota", []string{"quota"}, "ResourceQuota", "v1"},
	{"secrets", "secret", nil, "Secret", "v1"},
	{"validatingwebhookconfigurations", "validatingwebhookconfiguration", nil, "ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1"},
	{"validatingadmissionpolicies", "validatingadmissionpolicy", nil, "ValidatingAdmissionPolicy", "admissionregistration.k8s.io/v1"},
	{"validatingadmissionpolicybindings", "validatingadmissionpolicybinding", nil, "ValidatingAdmissionPolicyBinding", "admissionregistration.k8s.io/v1"},
	{"customresourcedefinitions", "customresourcedefinition", []string{"crd", "crds"}, "CustomResourceDefinition", "apiextensions.k8s.io/v1"},
	{"apiservices", "apiservice", nil, "APIService", "apiregistration.k8s.io/v1"},
	{"controllerrevisions", "controllerrevision", nil, "ControllerRevision", "apps/v1"},
	{"daemonsets", "daemonset", []string{"ds"}, "DaemonSet", "apps/v1"},
	{"statefulsets", "statefulset", []string{"sts"}, "StatefulSet", "apps/v1"},
	{"horizontalpodautoscalers", "horizontalpodautoscaler", []string{"hpa"}, "HorizontalPodAutoscaler", "autoscaling/v2"},
	{"cronjobs", "cronjob", []string{"cj"}, "CronJob", "batch/v1"},
	{"certificatesigningrequests", "certificatesigningrequest", []string{"csr"}, "CertificateSigningRequest", "certificates.k8s.io/v1"},
	{"leases", "lease", nil, "Lease", "coordination.k8s.io/v1"},
	{"endpointslices", "endpointslice", nil, "EndpointSlice", "discovery.k8s.io/v1"},
	{"flowschemas", "flowschema", nil, "FlowSchema", "flowcontrol.apiserver.k8s.io/v1"},
	{"prioritylevelconfigurations", "prioritylevelconfiguration", nil, "PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io/v1"},
	{"ingressclasses", "ingressclass", nil, "IngressClass", "networking.k8s.io/v1"},
	{"ingresses", "ingress", []string{"ing"}, "Ingress", "networking.k8s.io/v1"},
	{"networkpolicies", "networkpolicy", []string{"netpol"}, "NetworkPolicy", "networking.k8s.io/v1"},
	{"runtimeclasses", "runtimeclass", nil, "RuntimeClass", "node.k8s.io/v1"},
	{"poddisruptionbudgets", "poddisruptionbudget", []string{"pdb"}, "PodDisruptionBudget", "policy/v1"},
	{"clusterrolebindings", "clusterrolebinding", nil, "ClusterRoleBinding", "rbac.authorization.k8s.io/v1"},
	{"clusterroles", "clusterrole", nil, "ClusterRole", "rbac.authorization.k8s.io/v1"},
	{"rolebindings", "rolebinding", nil, "RoleBinding", "rbac.authorization.k8s.io/v1"},
	{"roles", "role", nil, "Role", "rbac.authorization.k8s.io/v1"},
	{"priorityclasses", "priorityclass", []string{"pc"}, "PriorityClass", "scheduling.k8s.io/v1"},
	{"csidrivers", "csidriver", nil, "CSIDriver", "storage.k8s.io/v1"},
	{"csinodes", "csinode", nil, "CSINode", "storage.k8s.io/v1"},
	{"csistoragecapacities", "csistoragecapacity", nil, "CSIStorageCapacity", "storage.k8s.io/v1"},
	{"storageclasses", "storageclass", []string{"sc"}, "StorageClass", "storage.k8s.io/v1"},
	{"volumeattachments", "volumeattachment", nil, "VolumeAttachment", "storage.k8s.io/v1"},
}

// isUpstreamResource reports whether word names (by plural, singular or
// short name, optionally with ".group") a built-in type of the API server.
func isUpstreamResource(word string) bool {
	w := strings.ToLower(word)
	return slices.ContainsFunc(upstreamResources, func(r upstreamResource) bool {
		group, _, _ := strings.Cut(r.apiVersion, "/")
		if !strings.Contains(r.apiVersion, "/") {
			group = ""
		}
		for _, n := range append([]string{r.plural, r.singular}, r.short...) {
			if w == n || (group != "" && strings.HasPrefix(w, n+".") && strings.HasSuffix(w, "."+group)) {
				return true
			}
		}
		return false
	})
}

// isUpstreamKind reports whether a manifest's apiVersion and kind are a
// built-in type of the API server.
func isUpstreamKind(apiVersion, kind string) bool {
	return slices.ContainsFunc(upstreamResources, func(r upstreamResource) bool {
		return r.apiVersion == apiVersion && r.kind == kind
	})
}

// emulatedResourceNames are the plural names of every emulated type.
func emulatedResourceNames() []string {
	names := make([]string, 0, len(kubeResourceTable))
	for _, r := range kubeResourceTable {
		names = append(names, r.plural)
	}
	slices.Sort(names)
	return names
}

// EmulatedResources are the resource types the emulation serves, by
// plural name, sorted (for help texts).
func EmulatedResources() []string { return emulatedResourceNames() }

// EmulatedCommands are the kubectl commands the emulation runs, sorted.
func EmulatedCommands() []string { return slices.Clone(kubectlEmulated) }

// emulatedKinds are the kinds of every emulated type, for manifests.
func emulatedKinds() []string {
	kinds := make([]string, 0, len(kubeResourceTable))
	for _, r := range kubeResourceTable {
		kinds = append(kinds, r.kind)
	}
	slices.Sort(kinds)
	return kinds
}
