package model

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podOpt tweaks a test pod.
type podOpt func(*corev1.Pod)

// newTestPod builds a one-container nginx pod in namespace ns.
func newTestPod(ns, name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "nginx", Image: "nginx"}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func withLabel(k, v string) podOpt {
	return func(p *corev1.Pod) {
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels[k] = v
	}
}

func withAnnotation(k, v string) podOpt {
	return func(p *corev1.Pod) {
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		p.Annotations[k] = v
	}
}

func withHostNetwork() podOpt { return func(p *corev1.Pod) { p.Spec.HostNetwork = true } }

func withNodeSelector(k, v string) podOpt {
	return func(p *corev1.Pod) {
		if p.Spec.NodeSelector == nil {
			p.Spec.NodeSelector = map[string]string{}
		}
		p.Spec.NodeSelector[k] = v
	}
}

func withInit(name string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: name, Image: "busybox"})
	}
}

func withContainer(name string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: name, Image: name})
	}
}

func withNodeName(n string) podOpt { return func(p *corev1.Pod) { p.Spec.NodeName = n } }

// existing marks the pod as stored by the API server.
func existing() podOpt {
	return func(p *corev1.Pod) {
		p.UID = types.UID("uid-" + p.Name)
		p.CreationTimestamp = metav1.NewTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	}
}

// ownedByDeployment makes the pod look like one of Deployment d's pods.
func ownedByDeployment(d string) podOpt {
	return func(p *corev1.Pod) {
		withLabel("pod-template-hash", "6b7d8f9c4d")(p)
		p.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: "ReplicaSet", Name: d + "-6b7d8f9c4d", Controller: new(true),
		}}
	}
}

func testMesh(version string) MeshConfig {
	return MeshConfig{Version: MustASMVersion(version), Profile: ProfileASM}
}

func testCluster(kube string) ClusterInfo {
	return ClusterInfo{Name: "c1", KubeVersion: MustKubeVersion(kube), Region: "cn-beijing", Zone: "i"}
}

func labelsOf(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}
