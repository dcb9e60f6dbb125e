package sim_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/sim"
)

// BenchmarkPodCreate compares one pod create on client-go's plain fake
// clientset with the simulator's whole path (defaulting, ECI webhook,
// sidecar injection, validation, scheduling, events, and the kubelet
// bringing every pod to Running), with the store already holding N pods.
func BenchmarkPodCreate(b *testing.B) {
	for _, n := range []int{0, 10000} {
		b.Run(fmt.Sprintf("raw-fake/existing=%d", n), func(b *testing.B) {
			cs := fake.NewSimpleClientset()
			fill(b, context.Background(), cs, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := cs.CoreV1().Pods("bench").Create(context.Background(), benchPod(i), metav1.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("sim-full-path/existing=%d", n), func(b *testing.B) {
			e := newEnv(b, setup{virtual: true, nodes: 100})
			e.namespace("bench", "istio-injection", "enabled")
			e.namespace("fill")
			fill(b, e.ctx, e.cs, n)
			e.advance(time.Minute)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.cs.CoreV1().Pods("bench").Create(e.ctx, benchPod(i), metav1.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			e.advance(time.Minute)
			b.StopTimer()
			if p := e.pod("bench", "p-0"); model.PodStatusText(p) != "Running" || ready(p) != "2/2" {
				b.Fatalf("pod is %s %s", ready(p), model.PodStatusText(p))
			}
		})
	}
}

// BenchmarkListNamespace lists one namespace of 100 pods while the store
// holds N pods in all: the plain fake tracker filters every pod, the
// simulator's tracker reads one namespace.
func BenchmarkListNamespace(b *testing.B) {
	const n = 100000
	ctx := context.Background()
	run := func(b *testing.B, cs kubernetes.Interface) {
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			list, err := cs.CoreV1().Pods("fill-7").List(ctx, metav1.ListOptions{})
			if err != nil || len(list.Items) != 100 {
				b.Fatalf("%v: %d pods", err, len(list.Items))
			}
		}
	}
	b.Run(fmt.Sprintf("raw-fake/pods=%d", n), func(b *testing.B) {
		cs := fake.NewSimpleClientset()
		fill(b, ctx, cs, n)
		run(b, cs)
	})
	b.Run(fmt.Sprintf("sim/pods=%d", n), func(b *testing.B) {
		e := newEnv(b, setup{nodes: 20, noJoin: true})
		for i := 0; i < n/100; i++ {
			e.namespace(fmt.Sprintf("fill-%d", i))
		}
		fill(b, ctx, e.cs, n)
		run(b, e.cs)
	})
}

// fill creates n bare pods, 100 per namespace fill-<k> (or in "fill" when
// that namespace exists and the others do not).
func fill(b *testing.B, ctx context.Context, cs kubernetes.Interface, n int) {
	b.Helper()
	for i := 0; i < n; i++ {
		ns := fmt.Sprintf("fill-%d", i/100)
		if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
			if _, err := cs.CoreV1().Namespaces().Get(ctx, "fill", metav1.GetOptions{}); err == nil {
				ns = "fill"
			}
		}
		p := benchPod(i)
		p.Namespace = ns
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPod(i int) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%d", i), Labels: map[string]string{"app": "bench"}},
		Spec:       podSpec("nginx:1.27"),
	}
}

// BenchmarkFullSync syncs a mesh of 10 clusters with 1,000 namespaces
// each: from every cluster to the instance, then from the instance to
// every cluster.
func BenchmarkFullSync(b *testing.B) {
	const clusters, namespaces = 10, 1000
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := sim.New(sim.Options{Seed: int64(i)})
		if err := s.CreateMesh(ctx, model.MeshConfig{Version: model.MustASMVersion("1.22.2.35")}); err != nil {
			b.Fatal(err)
		}
		var names []string
		for c := 0; c < clusters; c++ {
			name := fmt.Sprintf("c%d", c)
			names = append(names, name)
			if err := s.CreateCluster(ctx, model.ClusterSpec{Name: name}); err != nil {
				b.Fatal(err)
			}
			if err := s.JoinCluster(ctx, name); err != nil {
				b.Fatal(err)
			}
			cs, _ := s.Client(name)
			for n := 0; n < namespaces; n++ {
				labels := map[string]string{}
				switch (n + c) % 3 {
				case 0:
					labels[model.LabelInjection] = "enabled"
				case 1:
					labels[model.LabelInjection] = "disabled"
				}
				ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ns-%d-%d", c, n), Labels: labels}}
				if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		}
		mesh, err := s.Instance()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.StartTimer()
		from := 0
		for _, name := range names {
			plan, err := mesh.SyncFrom(ctx, name)
			if err != nil {
				b.Fatal(err)
			}
			from += len(plan.Changes)
		}
		plan, err := mesh.SyncTo(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if i == 0 {
			b.ReportMetric(float64(from), "changes-from-clusters")
			b.ReportMetric(float64(len(plan.Changes)), "changes-to-clusters")
		}
		again, err := mesh.PlanSyncTo(ctx)
		if err != nil || len(again.Changes) != 0 {
			b.Fatalf("second round plans %d changes (%v)", len(again.Changes), err)
		}
		b.StartTimer()
	}
}
