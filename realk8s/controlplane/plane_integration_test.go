package controlplane_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/internal/realtest"
	"github.com/meshtwin/meshtwin/realk8s/binaries"
	"github.com/meshtwin/meshtwin/realk8s/controlplane"
	"github.com/meshtwin/meshtwin/realk8s/process"
)

func TestIntegrationPlaneRunsAPodOnAKwokNode(t *testing.T) {
	bins := realtest.Binaries(t)
	ctx := t.Context()

	began := time.Now()
	plane, err := controlplane.Start(ctx, controlplane.Config{Name: "it", Binaries: bins, TempDir: t.TempDir(), Progress: realtest.LogWriter{T: t}})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, plane.Stop()) })
	startTime := time.Since(began)
	rss, err := plane.RSS()
	require.NoError(t, err)
	t.Logf("measured: control plane usable in %s, RSS of its 5 programs %d MiB", startTime.Round(10*time.Millisecond), rss>>20)

	client := plane.Client()
	version, err := client.Discovery().ServerVersion()
	require.NoError(t, err)
	assert.Equal(t, binaries.KubernetesVersion, version.GitVersion, "the server reports the version stamped at build time")

	_, err = client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "twin-it"}}, metav1.CreateOptions{})
	require.NoError(t, err)

	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "kwok-node-0", Labels: map[string]string{"type": "kwok"}},
		Status: corev1.NodeStatus{
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110")},
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110")},
		},
	}
	_, err = client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		n, err := client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
		require.NoError(c, err)
		assert.Equal(c, corev1.ConditionTrue, condition(n.Status.Conditions, corev1.NodeReady), "kwok reports the node Ready")
	}, time.Minute, 100*time.Millisecond)

	podBegan := time.Now()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "twin-it"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
	}
	_, err = client.CoreV1().Pods("twin-it").Create(ctx, pod, metav1.CreateOptions{})
	require.NoError(t, err, "the default ServiceAccount exists, so the API server admits the pod")
	var got *corev1.Pod
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got, err = client.CoreV1().Pods("twin-it").Get(ctx, "web", metav1.GetOptions{})
		require.NoError(c, err)
		assert.Equal(c, corev1.PodRunning, got.Status.Phase)
		assert.Equal(c, corev1.ConditionTrue, podCondition(got.Status.Conditions, corev1.PodReady))
	}, time.Minute, 100*time.Millisecond)
	t.Logf("measured: pod created to Running and Ready in %s", time.Since(podBegan).Round(time.Millisecond))
	assert.Equal(t, "kwok-node-0", got.Spec.NodeName, "kube-scheduler bound the pod")
	assert.Equal(t, "default", got.Spec.ServiceAccountName)
	assert.NotEmpty(t, got.Status.PodIP)
	require.Len(t, got.Status.ContainerStatuses, 1)
	assert.NotNil(t, got.Status.ContainerStatuses[0].State.Running)

	// Stop removes the work directory and the server goes away.
	kubeconfig := plane.KubeconfigPath()
	require.FileExists(t, kubeconfig)
	require.NoError(t, plane.Stop())
	assert.NoFileExists(t, kubeconfig)
	_, err = client.Discovery().ServerVersion()
	assert.Error(t, err, "the API server is stopped")
}

func condition(cs []corev1.NodeCondition, typ corev1.NodeConditionType) corev1.ConditionStatus {
	for _, c := range cs {
		if c.Type == typ {
			return c.Status
		}
	}
	return corev1.ConditionUnknown
}

func podCondition(cs []corev1.PodCondition, typ corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range cs {
		if c.Type == typ {
			return c.Status
		}
	}
	return corev1.ConditionStatus(fmt.Sprintf("no %s condition", typ))
}

func TestIntegrationAFaultyComponentIsNamedWithItsLastLines(t *testing.T) {
	bins := realtest.Binaries(t)
	tests := []struct {
		name      string
		component binaries.Name
		flag      string
		timeout   time.Duration
		sentinel  error
		want      []string
	}{
		{
			name:      "a flag it refuses: it exits",
			component: binaries.KubeAPIServer,
			flag:      "--feature-gates=NoSuchGate=true",
			timeout:   2 * time.Minute,
			sentinel:  process.ErrExited,
			want:      []string{`start control plane "faulty": start kube-apiserver: exited before it was ready`, "--feature-gates=NoSuchGate=true", "NoSuchGate"},
		},
		{
			// It gives up after 10 s itself; either way (its exit or the
			// plane's wait for the default ServiceAccount it makes) the
			// error names it with its last lines.
			name:      "a controller-manager that cannot reach the API server",
			component: binaries.KubeControllerManager,
			flag:      "--master=https://127.0.0.1:1",
			timeout:   30 * time.Second,
			want:      []string{`start control plane "faulty": `, "kube-controller-manager", "dial tcp 127.0.0.1:1: connect: connection refused"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			_, err := controlplane.Start(t.Context(), controlplane.Config{
				Name: "faulty", Binaries: bins, TempDir: tmp, StartTimeout: tt.timeout,
				ExtraArgs: map[binaries.Name][]string{tt.component: {tt.flag}},
			})
			require.Error(t, err)
			if tt.sentinel != nil {
				require.ErrorIs(t, err, tt.sentinel)
			}
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			t.Logf("the error, as a user reads it:\n%v", err)
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, left, "a failed start removes its work directory")
		})
	}
}

// TestIntegrationAHangingAPIServerFailsItsStartCleanly runs the real
// kube-apiserver pointed at an etcd address nobody serves (a wrapper
// rewrites its --etcd-servers): it runs but never becomes ready. The
// start fails within its timeout naming kube-apiserver, what it waited
// for and its last log lines, and leaves no process, port or directory.
func TestIntegrationAHangingAPIServerFailsItsStartCleanly(t *testing.T) {
	bins := realtest.Binaries(t)
	dead := deadAddress(t)
	wrapper := filepath.Join(t.TempDir(), "kube-apiserver")
	script := "#!/bin/sh\n" +
		"for a do\n" +
		"  shift\n" +
		"  case \"$a\" in --etcd-servers=*) a=--etcd-servers=http://" + dead + " ;; esac\n" +
		"  set -- \"$@\" \"$a\"\n" +
		"done\n" +
		"exec '" + bins.KubeAPIServer + "' \"$@\"\n"
	require.NoError(t, os.WriteFile(wrapper, []byte(script), 0o755))
	bins.KubeAPIServer = wrapper

	tmp := t.TempDir()
	// Below the 20 s after which kube-apiserver gives up on etcd and
	// exits ("etcd grpc connection not ready"), so that the plane's own
	// wait is what ends the start.
	const timeout = 10 * time.Second
	began := time.Now()
	_, err := controlplane.Start(t.Context(), controlplane.Config{Name: "hanging", Binaries: bins, TempDir: tmp, StartTimeout: timeout})
	took := time.Since(began)
	require.Error(t, err)
	t.Logf("the error, as a user reads it (after %s):\n%v", took.Round(time.Millisecond), err)
	require.ErrorIs(t, err, process.ErrNotReady)
	msg := err.Error()
	for _, want := range []string{
		`start control plane "hanging": start kube-apiserver`,
		"/readyz", // what it waited for
		dead,      // its last log lines: the etcd it cannot reach
	} {
		assert.Contains(t, msg, want)
	}
	assert.Less(t, took, timeout+30*time.Second, "the start gives up within its timeout (plus etcd's start and the stop)")

	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "a failed start removes its work directory")
	assert.Empty(t, processesUnder(t, tmp), "no program of the plane is left running")
}

// deadAddress is a loopback address nobody listens on.
func deadAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// processesUnder lists the processes whose command line names dir (a
// plane's programs name their work directory in their flags).
func processesUnder(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc to list processes: %v", err)
	}
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if strings.Contains(string(cmd), dir) {
			found = append(found, e.Name()+": "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return found
}
