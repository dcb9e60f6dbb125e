package sim_test

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/sim"
)

// A mesh with one cluster: a pod created in a namespace labelled for
// injection gets its sidecar and, once the clock has moved, is 2/2
// Running.
func Example() {
	ctx := context.Background()
	s := sim.New(sim.Options{Seed: 42})
	_ = s.CreateMesh(ctx, model.MeshConfig{Version: model.MustASMVersion("1.22.2.35")})
	_ = s.CreateCluster(ctx, model.ClusterSpec{Name: "c1"})
	_ = s.JoinCluster(ctx, "c1")
	cs, _ := s.Client("c1")

	_, _ = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: "demo", Labels: map[string]string{model.LabelInjection: "enabled"},
	}}, metav1.CreateOptions{})
	_, _ = cs.CoreV1().Pods("demo").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx"}}},
	}, metav1.CreateOptions{})
	_ = s.Advance(ctx, 30*time.Second)

	pod, _ := cs.CoreV1().Pods("demo").Get(ctx, "nginx", metav1.GetOptions{})
	ready, total := model.PodReady(pod)
	fmt.Printf("%s %d/%d %s %s\n", pod.Name, ready, total, model.PodStatusText(pod), pod.Spec.NodeName)
	fmt.Println(pod.Annotations[model.AnnotationInjection], pod.Annotations[model.AnnotationSidecarMode])
	// Output:
	// nginx 2/2 Running cn-beijing.192.168.0.1
	// namespace-injection-enabled native
}
