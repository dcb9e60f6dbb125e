package shell_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

// kubeInjectOut runs istioctl kube-inject on a manifest in a fresh mesh
// and returns what it prints.
func kubeInjectOut(t *testing.T, manifest string) string {
	t.Helper()
	s := shell.NewSession(sim.New(sim.Options{Seed: 1}), shell.Options{Seed: 1, Dir: t.TempDir()})
	for _, line := range []string{"mesh create --profile istio --version 1.28.0", "cluster create c1", "mesh add-cluster c1"} {
		var out, errOut bytes.Buffer
		require.NoError(t, s.Exec(t.Context(), line, strings.NewReader(""), &out, &errOut), errOut.String())
	}
	var out, errOut bytes.Buffer
	require.NoError(t, s.Exec(t.Context(), "istioctl kube-inject -f -", strings.NewReader(manifest), &out, &errOut), errOut.String())
	return out.String()
}

// Divergence 8: istioctl kube-inject reads and writes a CronJob's injection
// metadata on spec.jobTemplate.metadata (upstream's IntoObject special-cases
// CronJob so), and injects a ReplicationController's template, which the
// twin passed through before.
func TestDivergenceKubeInjectCronJobAndReplicationController(t *testing.T) {
	t.Parallel()
	t.Run("CronJob", func(t *testing.T) {
		t.Parallel()
		out := kubeInjectOut(t, `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: default
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    metadata:
      annotations:
        proxy.istio.io/config: "holdApplicationUntilProxyStarts: true"
    spec:
      template:
        metadata:
          labels:
            app: nightly
        spec:
          restartPolicy: Never
          containers:
          - name: job
            image: busybox
`)
		var cj batchv1.CronJob
		require.NoError(t, yaml.Unmarshal([]byte(out), &cj))
		require.Contains(t, cj.Spec.JobTemplate.Annotations, "sidecar.istio.io/status", "the status goes on the job template's metadata")
		require.NotContains(t, cj.Spec.JobTemplate.Spec.Template.Annotations, "sidecar.istio.io/status", "not on the pod template's")
		require.Equal(t, "nightly", cj.Spec.JobTemplate.Spec.Template.Labels["app"], "the pod template's labels stay")
		containers := cj.Spec.JobTemplate.Spec.Template.Spec.Containers
		require.Equal(t, "istio-proxy", containers[0].Name, "the job template's proxy.istio.io/config is the one read: the app is held")
	})
	t.Run("ReplicationController", func(t *testing.T) {
		t.Parallel()
		out := kubeInjectOut(t, `apiVersion: v1
kind: ReplicationController
metadata:
  name: legacy
  namespace: default
spec:
  replicas: 1
  selector:
    app: legacy
  template:
    metadata:
      labels:
        app: legacy
    spec:
      containers:
      - name: web
        image: nginx
`)
		var rc corev1.ReplicationController
		require.NoError(t, yaml.Unmarshal([]byte(out), &rc))
		require.NotNil(t, rc.Spec.Template)
		require.Contains(t, rc.Spec.Template.Annotations, "sidecar.istio.io/status")
		var names []string
		for _, c := range rc.Spec.Template.Spec.Containers {
			names = append(names, c.Name)
		}
		require.Equal(t, []string{"web", "istio-proxy"}, names)
	})
}
