package kindnode

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodes"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
)

// requireRealEnv is set by CI, which builds the engine and the image first:
// there a missing engine or image fails the test instead of skipping it,
// and a missing one is installed or built.
const requireRealEnv = "MESHTWIN_REQUIRE_REAL"

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// nodeImage returns the node image, built; without MESHTWIN_REQUIRE_REAL
// the test skips, saying why, when no engine answers or the image was not
// built (make kind-image).
func nodeImage(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped under -short: runs kind nodes in Docker")
	}
	ctx := t.Context()
	if os.Getenv(requireRealEnv) == "" {
		if _, err := dockerInfo(ctx); err != nil {
			t.Skipf("skipped, no Docker engine answers (make kind-image installs and starts one): %v", err)
		}
		ref, _, err := imageRef(ctx, binaries.KubernetesVersion)
		require.NoError(t, err)
		if !imageExists(ctx, ref) {
			t.Skipf("skipped, no node image %s (build it with make kind-image)", ref)
		}
		return ref
	}
	require.NoError(t, EnsureEngine(ctx, testLog{t}), "%s is set", requireRealEnv)
	ref, err := EnsureImage(ctx, ImageOptions{Progress: testLog{t}})
	require.NoError(t, err, "%s is set", requireRealEnv)
	return ref
}

// docker run --privileged of the image boots systemd, as kind runs it.
func TestIntegrationNodeImageBootsSystemd(t *testing.T) {
	ref := nodeImage(t)
	ctx := t.Context()
	name := "meshtwin-kindnode-test-" + randomHex(3)
	_, err := run(ctx, nil, "docker", "run", "-d", "--name", name, "--privileged", "--security-opt", "seccomp=unconfined",
		"--tmpfs", "/tmp", "--tmpfs", "/run", "--volume", "/var", "--volume", "/lib/modules:/lib/modules:ro", ref)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = run(context.WithoutCancel(ctx), nil, "docker", "rm", "-f", "-v", name) })

	var state string
	require.Eventually(t, func() bool {
		out, _ := exec.CommandContext(ctx, "docker", "exec", name, "systemctl", "is-system-running").Output()
		state = strings.TrimSpace(string(out))
		return state == "running" || state == "degraded"
	}, 90*time.Second, time.Second, "systemctl is-system-running")
	if state != "running" {
		failed, _ := exec.CommandContext(ctx, "docker", "exec", name, "systemctl", "--failed", "--no-legend").Output()
		t.Fatalf("systemd is %s; failed units:\n%s", state, failed)
	}
	for _, unit := range []string{"containerd", "meshtwin-cni"} {
		out, err := exec.CommandContext(ctx, "docker", "exec", name, "systemctl", "is-active", unit).Output()
		assert.NoError(t, err, "%s: %s", unit, out)
	}
	out, err := run(ctx, nil, "docker", "exec", name, "ctr", "--namespace=k8s.io", "images", "list", "-q")
	require.NoError(t, err)
	assert.Contains(t, string(out), "registry.k8s.io/kube-apiserver:"+binaries.KubernetesVersion+"\n")
	conf, err := run(ctx, nil, "docker", "exec", name, "cat", "/etc/cni/net.d/10-meshtwin-bridge.conflist")
	require.NoError(t, err)
	assert.Contains(t, string(conf), `"type": "bridge"`)
}

// kind, unmodified, creates a cluster on the image without pulling
// anything, and a pod runs on its node.
func TestIntegrationKindClusterOnNodeImageRunsAPod(t *testing.T) {
	ref := nodeImage(t)
	name := "meshtwin-kindnode-" + randomHex(3)
	provider := cluster.NewProvider(cluster.ProviderWithDocker())
	cfg := &v1alpha4.Cluster{
		TypeMeta:             v1alpha4.TypeMeta{Kind: "Cluster", APIVersion: "kind.x-k8s.io/v1alpha4"},
		Nodes:                []v1alpha4.Node{{Role: v1alpha4.ControlPlaneRole, Image: ref}},
		Networking:           v1alpha4.Networking{DisableDefaultCNI: DisableDefaultCNI},
		KubeadmConfigPatches: KubeadmConfigPatches(),
	}
	began := time.Now()
	t.Cleanup(func() { assert.NoError(t, provider.Delete(name, "")) })
	require.NoError(t, provider.Create(name, cluster.CreateWithV1Alpha4Config(cfg), cluster.CreateWithWaitForReady(3*time.Minute), cluster.CreateWithDisplayUsage(false), cluster.CreateWithDisplaySalutation(false)))
	t.Logf("kind cluster %s created in %s", name, time.Since(began).Round(time.Second))
	list, err := provider.ListNodes(name)
	require.NoError(t, err)
	require.Len(t, list, 1)
	node := list[0]

	kubectl := func(stdin string, args ...string) (string, error) {
		var out strings.Builder
		cmd := node.Command("kubectl", append([]string{"--kubeconfig=/etc/kubernetes/admin.conf"}, args...)...)
		cmd.SetStdout(&out)
		cmd.SetStderr(&out)
		if stdin != "" {
			cmd.SetStdin(strings.NewReader(stdin))
		}
		err := cmd.Run()
		return out.String(), err
	}
	out, err := kubectl("", "get", "nodes", "-o", "jsonpath={.items[0].status.conditions[?(@.type==\"Ready\")].status}")
	require.NoError(t, err, out)
	assert.Equal(t, "True", out)

	pause := pauseImage(t, node)
	// Right after kubeadm init the controller-manager may not yet have made
	// the namespace's default ServiceAccount, without which the API server
	// refuses a pod (serviceaccount "default" not found): wait for it.
	assert.Eventually(t, func() bool {
		_, err := kubectl("", "get", "serviceaccount", "default", "-n", "default")
		return err == nil
	}, time.Minute, time.Second, "the default ServiceAccount")
	out, err = kubectl(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: sleeper
  namespace: default
spec:
  containers:
  - name: app
    image: %s
    imagePullPolicy: Never
`, pause), "apply", "-f", "-")
	require.NoError(t, err, out)
	var phase string
	assert.Eventually(t, func() bool {
		phase, _ = kubectl("", "get", "pod", "sleeper", "-o", "jsonpath={.status.phase}")
		return phase == "Running"
	}, 2*time.Minute, 2*time.Second, "pod phase")
	if phase != "Running" {
		describe, _ := kubectl("", "describe", "pod", "sleeper")
		t.Fatalf("pod sleeper is %q:\n%s", phase, describe)
	}
	pods, err := kubectl("", "get", "pods", "-A", "-o", "wide")
	require.NoError(t, err)
	t.Log("\n" + pods)
	assert.NotContains(t, pods, "ImagePull", "nothing waits for an image that cannot be pulled")
}

// pauseImage is the sandbox image the node's containerd is configured with.
func pauseImage(t *testing.T, node nodes.Node) string {
	t.Helper()
	var out strings.Builder
	cmd := node.Command("ctr", "--namespace=k8s.io", "images", "list", "-q")
	cmd.SetStdout(&out)
	require.NoError(t, cmd.Run())
	for _, ref := range strings.Fields(out.String()) {
		if strings.HasPrefix(ref, "registry.k8s.io/pause:") {
			return ref
		}
	}
	t.Fatalf("no pause image in the node's containerd:\n%s", out.String())
	return ""
}
