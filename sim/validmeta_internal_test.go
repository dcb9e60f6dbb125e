package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestValidateMetaAgreesWithTheFullValidation: metadata validated one
// after the other, much of it the same but for the name, gets from
// validateMeta (which remembers what it found valid) what
// apivalidation.ValidateObjectMetaAccessor gives, errors included.
func TestValidateMetaAgreesWithTheFullValidation(t *testing.T) {
	t.Parallel()
	pods := schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	namespaces := schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	services := schema.GroupVersionResource{Version: "v1", Resource: "services"}
	owner := []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-1", UID: "u1", Controller: new(true)}}
	pod := func(name string, labels map[string]string) *metav1.ObjectMeta {
		return &metav1.ObjectMeta{Name: name, GenerateName: "web-1-", Namespace: "demo", Labels: labels, OwnerReferences: owner}
	}
	labels := map[string]string{"app": "web"}
	mutated := map[string]string{"app": "web2"}
	cases := []struct {
		gvr  schema.GroupVersionResource
		meta *metav1.ObjectMeta
	}{
		{pods, pod("web-1-abcde", labels)},
		{pods, pod("web-1-bcdef", labels)},
		{pods, pod("Web_1", labels)},
		{pods, &metav1.ObjectMeta{Name: "web-1-abcde", GenerateName: "web-1-", Namespace: "other", Labels: labels, OwnerReferences: owner}},
		{pods, &metav1.ObjectMeta{Name: "web-1-abcde", GenerateName: "web-1-", Namespace: "Bad_NS", Labels: labels, OwnerReferences: owner}},
		{pods, &metav1.ObjectMeta{Name: "web-1-abcde", GenerateName: "web-1-", Labels: labels, OwnerReferences: owner}}, // the name alone is invalid
		{pods, pod("web-1-cdefg", map[string]string{"app": "bad value!"})},
		{pods, pod("web-1-defgh", map[string]string{"app": "web"})},
		{services, pod("web-1-efghi", labels)}, // services' names are DNS-1035 labels
		{services, pod("1-web", labels)},       // which may not start with a digit
		{namespaces, &metav1.ObjectMeta{Name: "ns-1", Labels: labels}},
		{namespaces, &metav1.ObjectMeta{Name: "ns-2", Labels: labels}},
		{namespaces, &metav1.ObjectMeta{Name: "ns.3", Labels: labels}}, // not a DNS label
		{namespaces, &metav1.ObjectMeta{Name: "ns-4", Labels: labels, Namespace: "demo"}},
		{namespaces, &metav1.ObjectMeta{Name: "ns-5", Labels: map[string]string{"kubernetes.io/metadata.name": "ns-5"}}},
		{namespaces, &metav1.ObjectMeta{Name: "ns-6", Labels: map[string]string{"kubernetes.io/metadata.name": "ns-6"}}},
		{namespaces, &metav1.ObjectMeta{Name: "ns-7", Labels: map[string]string{"kubernetes.io/metadata.name": "ns-6"}}},
		{namespaces, &metav1.ObjectMeta{Name: "ns-8", Labels: map[string]string{"kubernetes.io/metadata.name": "ns-8!"}}},
		{namespaces, &metav1.ObjectMeta{Name: "ns-9", Labels: map[string]string{"kubernetes.io/metadata.name": "ns-9", "a": "b"}}},
		{namespaces, &metav1.ObjectMeta{Name: "ns-10", Labels: map[string]string{"kubernetes.io/metadata.name": "ns-10", "a": "b!"}}},
		{pods, &metav1.ObjectMeta{Name: "ns-11", Namespace: "demo", Labels: map[string]string{"kubernetes.io/metadata.name": "ns-11"}}},
		{pods, &metav1.ObjectMeta{Name: "ns-12", Namespace: "demo", Labels: map[string]string{"kubernetes.io/metadata.name": "ns-12"}}},
		{pods, &metav1.ObjectMeta{Name: "web-1-fghij", GenerateName: "Web_", Namespace: "demo"}},
		{pods, &metav1.ObjectMeta{Name: "web-1-ghijk", GenerateName: "Web_", Namespace: "demo"}},
		{pods, pod("web-1-hijkl", mutated)},
		{pods, &metav1.ObjectMeta{Name: "web-2-abcde", GenerateName: "web-1-", Namespace: "demo", Labels: labels, OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-2", UID: "u2", Controller: new(true)}}}},
		{pods, &metav1.ObjectMeta{Name: "web-2-bcdef", GenerateName: "web-1-", Namespace: "demo", Labels: labels, OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-2", Controller: new(true)}}}},
		{pods, &metav1.ObjectMeta{Name: "web-2-cdefg", GenerateName: "web-1-", Namespace: "demo", Labels: labels, OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", UID: "u3", Controller: new(true)}}}},
		{pods, &metav1.ObjectMeta{Name: "web-2-defgh", GenerateName: "web-1-", Namespace: "demo", Labels: labels, OwnerReferences: []metav1.OwnerReference{
			{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-2", UID: "u2", Controller: new(true)}, {APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-3", UID: "u3", Controller: new(true)}}}},
		{pods, &metav1.ObjectMeta{Name: "web-2-efghi", GenerateName: "web-1-", Namespace: "demo", Labels: labels, OwnerReferences: []metav1.OwnerReference{
			{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-4", UID: "u4", Controller: new(true)}, {APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5", UID: "u5", Controller: new(true)}}}},
		{pods, &metav1.ObjectMeta{Name: "web-1-ijklm", Namespace: "demo", Generation: -1}},
		{pods, &metav1.ObjectMeta{Name: "web-1-jklmn", Namespace: "demo", Generation: -1}},
		{pods, &metav1.ObjectMeta{Name: "", GenerateName: "web-1-", Namespace: "demo", Labels: labels, OwnerReferences: owner}},
	}
	var a apiServer
	for i, c := range cases {
		want := apivalidation.ValidateObjectMetaAccessor(c.meta, !clusterScoped(c.gvr.Resource), metaNameFunc(c.gvr.Resource), field.NewPath("metadata"))
		got := a.validateMeta(c.gvr, c.meta)
		assert.Equal(t, want, got, "case %d: %s %q", i, c.gvr.Resource, c.meta.Name)
		if c.meta.Name == "web-1-hijkl" {
			// Changed after it was found valid (as admission may
			// change what it validated): what is remembered is not.
			mutated["app"] = "bad value!"
			bad := pod("web-1-klmno", map[string]string{"app": "bad value!"})
			assert.NotEmpty(t, a.validateMeta(pods, bad), "an invalid label after the same labels were changed")
		}
	}
}
