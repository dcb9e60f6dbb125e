package main

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The API server's own additions are removed, and the JSON the injector
// copies from a defaulted pod reads as the same JSON copied from the pod as
// written: a stored pod and the model's prediction then compare equal.
func TestAPIServerAdditionsRemovedMakesDefaultedPodsEqual(t *testing.T) {
	written := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-0", Annotations: map[string]string{
			"proxy.istio.io/overrides": `{"containers":[{"name":"istio-proxy","resources":{}}]}`,
		}},
		Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{{Name: "istio-envoy"}},
			Containers: []corev1.Container{{Name: "istio-proxy", Env: []corev1.EnvVar{{
				Name:  "ISTIO_KUBE_APP_PROBERS",
				Value: `{"/app-health/app/readyz":{"httpGet":{"path":"/ready","port":8080}}}`,
			}}}},
		},
	}
	stored := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-0", Annotations: map[string]string{
			"proxy.istio.io/overrides": `{"containers":[{"name":"istio-proxy","resources":{},` +
				`"volumeMounts":[{"name":"kube-api-access-x7k2p","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],` +
				`"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"Always"}]}`,
		}},
		Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{{Name: "istio-envoy"}, {Name: "kube-api-access-x7k2p"}},
			Containers: []corev1.Container{{
				Name:         "istio-proxy",
				VolumeMounts: []corev1.VolumeMount{{Name: "kube-api-access-x7k2p", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}},
				Env: []corev1.EnvVar{{
					Name:  "ISTIO_KUBE_APP_PROBERS",
					Value: `{"/app-health/app/readyz":{"httpGet":{"path":"/ready","port":8080,"scheme":"HTTP"},"timeoutSeconds":1}}`,
				}},
			}},
		},
	}
	a := view(outcome{Injected: true, Pod: apiServerAdditionsRemoved(written)})
	b := view(outcome{Injected: true, Pod: apiServerAdditionsRemoved(stored)})
	if d := diff(a, b); len(d) > 0 {
		t.Fatalf("differences left: %+v", d)
	}
	if len(stored.Spec.Volumes) != 2 {
		t.Fatal("apiServerAdditionsRemoved changed its argument")
	}
	// A volume of the user's stays.
	stored.Spec.Volumes = append(stored.Spec.Volumes, corev1.Volume{Name: "cache"})
	b = view(outcome{Injected: true, Pod: apiServerAdditionsRemoved(stored)})
	if d := diff(a, b); len(d) != 1 || d[0].Key != "volumes" {
		t.Fatalf("want the user's volume to differ, got %+v", d)
	}
}

// Cases run in batches one istiod setting serves: native false, true, and
// auto on either side of Kubernetes 1.33, each case once.
func TestE2ECasesBatchByIstiodSetting(t *testing.T) {
	const n = 300
	seen := map[int]bool{}
	for _, b := range e2eCases(n, 1) {
		for i, c := range b.cases {
			native, modern := batchKey(c)
			if native != b.native || modern != b.modern {
				t.Fatalf("case %d (native %s, kube 1.%d) in batch %s/%t", b.position[i], c.Native, c.KubeMinor, b.native, b.modern)
			}
			if c.Native != "auto" && b.modern {
				t.Fatalf("batch %s split by kubelet version", b.native)
			}
			if seen[b.position[i]] {
				t.Fatalf("case %d twice", b.position[i])
			}
			seen[b.position[i]] = true
		}
	}
	if len(seen) != n {
		t.Fatalf("%d of %d cases batched", len(seen), n)
	}
}
