package backend_test

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

// BenchmarkPodsThroughTheFullPath creates b.N pods in a namespace with
// injection enabled, as kubectl does, and lets the cluster settle: the
// injection webhook, the scheduler and the pod's start, in memory (sim)
// and on a local control plane (local: the API server calls the
// admission server, kube-scheduler binds, kwok runs the pod). It reports
// pods/s. The local half skips without the binaries. Run it as
//
//	go test -run '^$' -bench PodsThroughTheFullPath -benchtime 100x ./realk8s/backend
func BenchmarkPodsThroughTheFullPath(b *testing.B) {
	backends := []struct {
		name string
		new  func(b *testing.B) shell.Backend
	}{
		{"sim", func(*testing.B) shell.Backend { return sim.New(sim.Options{Seed: 1}) }},
		{"local", func(b *testing.B) shell.Backend { return realFleet(b).New() }},
	}
	for _, tc := range backends {
		b.Run(tc.name, func(b *testing.B) {
			be := tc.new(b)
			if c, ok := be.(io.Closer); ok {
				b.Cleanup(func() { require.NoError(b, c.Close()) })
			}
			ctx := b.Context()
			version, err := model.ParseASMVersion("1.22.2.35")
			require.NoError(b, err)
			require.NoError(b, be.CreateMesh(ctx, model.MeshConfig{Version: version}))
			require.NoError(b, be.CreateCluster(ctx, model.ClusterSpec{Name: "c1", Nodes: 4})) // room for 100 pods of 100m CPU each (4 CPUs a node)
			require.NoError(b, be.JoinCluster(ctx, "c1"))
			client, err := be.Client("c1")
			require.NoError(b, err)
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench", Labels: map[string]string{model.LabelInjection: "enabled"}}}
			_, err = client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
			require.NoError(b, err)
			require.NoError(b, be.Advance(ctx, time.Minute))

			b.ResetTimer()
			for i := range b.N {
				pod := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Namespace: "bench"},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
				}
				_, err := client.CoreV1().Pods("bench").Create(ctx, pod, metav1.CreateOptions{})
				require.NoError(b, err)
			}
			require.NoError(b, be.Advance(ctx, 10*time.Minute))
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pods/s")

			pods, err := client.CoreV1().Pods("bench").List(ctx, metav1.ListOptions{})
			require.NoError(b, err)
			require.Len(b, pods.Items, b.N)
			for _, p := range pods.Items {
				require.Equal(b, corev1.PodRunning, p.Status.Phase, "pod %s", p.Name)
				injected := false
				for _, c := range p.Spec.InitContainers {
					injected = injected || c.Name == "istio-proxy"
				}
				require.True(b, injected, "pod %s is injected (istio-proxy, a native sidecar)", p.Name)
			}
		})
	}
}
