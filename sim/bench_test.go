package sim_test

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
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
// The nodes have room for every pod (roomFor): a pod left Pending would
// skip the kubelet's part of the path.
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
			roomFor(b, e, n+b.N)
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
			allInjectedAndRunning(b, e, b.N)
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

// BenchmarkFullSync syncs a mesh of C clusters with N namespaces each:
// from every cluster to the instance, then from the instance to every
// cluster. The sizes grow together so that linear cost shows as ns/op
// growing like C×N (10×200, 50×2,000, 100×4,000); ns/namespace is the
// wall time per namespace of the fleet, cpu-ns/namespace the process's CPU
// time (user and system, garbage collector included) per namespace over
// the same timed part, which a loaded machine inflates far less. The
// setup (creating C×N namespaces in the clusters) is not timed; its
// wall time per namespace is setup-ns/namespace.
func BenchmarkFullSync(b *testing.B) {
	for _, size := range []struct{ clusters, namespaces int }{{10, 200}, {50, 2000}, {100, 4000}} {
		b.Run(fmt.Sprintf("clusters=%d/namespaces=%d", size.clusters, size.namespaces), func(b *testing.B) {
			benchFullSync(b, size.clusters, size.namespaces)
		})
	}
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchFullSync(b *testing.B, clusters, namespaces int) {
	ctx := context.Background()
	var cpu, setup time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		start := time.Now()
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
		setup += time.Since(start)
		b.ReportAllocs()
		cpuStart := cpuTime(b)
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
		cpu += cpuTime(b) - cpuStart
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
	per := float64(b.N * clusters * namespaces)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/namespace")
	b.ReportMetric(float64(cpu.Nanoseconds())/per, "cpu-ns/namespace")
	b.ReportMetric(float64(setup.Nanoseconds())/per, "setup-ns/namespace")
}

// BenchmarkScale measures the per-pod cost of the full path (admission
// with sidecar injection, scheduling, the kubelet to Running) at 1,000,
// 10,000 and 100,000 pods in one injected namespace, created one by one
// (pods/) or as one Deployment's replicas (deployment/). Read the
// ns/pod and B/pod columns side by side: flat cost means equal figures.
func BenchmarkScale(b *testing.B) {
	sizes := []int{1000, 10000, 100000}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("pods/n=%d", n), func(b *testing.B) {
			benchScale(b, n, func(e *env) {
				for i := range n {
					if _, err := e.cs.CoreV1().Pods("bench").Create(e.ctx, benchPod(i), metav1.CreateOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("deployment/n=%d", n), func(b *testing.B) {
			benchScale(b, n, func(e *env) {
				d := &appsv1.Deployment{
					ObjectMeta: metav1.ObjectMeta{Name: "web"},
					Spec: appsv1.DeploymentSpec{
						Replicas: new(int32(n)),
						Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
						Template: corev1.PodTemplateSpec{
							ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
							Spec:       podSpec("nginx:1.27"),
						},
					},
				}
				if _, err := e.cs.AppsV1().Deployments("bench").Create(e.ctx, d, metav1.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// roomFor gives each node of the cluster room for n pods (CPU, memory
// and pod slots), so that the scheduler places every pod of a scaling
// benchmark on the same 3 nodes: with the nodes' default 4 CPUs, 120
// injected pods fill them (Insufficient cpu) and the rest stay Pending.
func roomFor(b *testing.B, e *env, n int) {
	b.Helper()
	nodes, err := e.cs.CoreV1().Nodes().List(e.ctx, metav1.ListOptions{})
	e.must(err)
	room := corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewQuantity(int64(n), resource.DecimalSI),
		corev1.ResourceMemory: *resource.NewQuantity(int64(n)<<30, resource.BinarySI),
		corev1.ResourcePods:   *resource.NewQuantity(int64(n), resource.DecimalSI),
	}
	for i := range nodes.Items {
		node := &nodes.Items[i]
		node.Status.Capacity, node.Status.Allocatable = room.DeepCopy(), room.DeepCopy()
		_, err := e.cs.CoreV1().Nodes().UpdateStatus(e.ctx, node, metav1.UpdateOptions{})
		e.must(err)
	}
}

// benchScale times create (which makes n pods in namespace "bench") and
// two minutes of the virtual clock on a fresh simulator per iteration,
// then checks that every pod is injected and Running.
func benchScale(b *testing.B, n int, create func(*env)) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	var bytes uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b, setup{nodes: 3})
		e.namespace("bench", "istio-injection", "enabled")
		roomFor(b, e, n)
		runtime.ReadMemStats(&before)
		b.StartTimer()
		create(e)
		e.advance(2 * time.Minute)
		b.StopTimer()
		runtime.ReadMemStats(&after)
		bytes += after.TotalAlloc - before.TotalAlloc
		allInjectedAndRunning(b, e, n)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/pod")
	b.ReportMetric(float64(bytes)/float64(b.N*n), "B/pod")
}

// allInjectedAndRunning fails the benchmark unless namespace "bench"
// holds n pods, each Running 2/2 (injected).
func allInjectedAndRunning(b *testing.B, e *env, n int) {
	b.Helper()
	list, err := e.cs.CoreV1().Pods("bench").List(e.ctx, metav1.ListOptions{})
	e.must(err)
	if len(list.Items) != n {
		b.Fatalf("%d pods, want %d", len(list.Items), n)
	}
	for j := range list.Items {
		if p := &list.Items[j]; model.PodStatusText(p) != "Running" || ready(p) != "2/2" {
			b.Fatalf("pod %s is %s %s", p.Name, ready(p), model.PodStatusText(p))
		}
	}
}
