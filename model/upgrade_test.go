package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCheckUpgrades(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		wantErr string
	}{
		{"newer mesh", CheckMeshUpgrade(ProfileASM, MustASMVersion("1.21.6.3"), MustASMVersion("1.22.2.35")), ""},
		{"same mesh", CheckMeshUpgrade(ProfileASM, MustASMVersion("1.22.2.35"), MustASMVersion("1.22.2.35")), "already runs 1.22.2.35"},
		{"older mesh", CheckMeshUpgrade(ProfileASM, MustASMVersion("1.22.2.35"), MustASMVersion("1.21.6.3")), "1.21.6.3 is older than the mesh's 1.22.2.35"},
		{"next minor", CheckKubeUpgrade(MustKubeVersion("1.29"), MustKubeVersion("1.30")), ""},
		{"skips a minor", CheckKubeUpgrade(MustKubeVersion("1.29"), MustKubeVersion("1.31")), "skips a minor version"},
		{"older kube", CheckKubeUpgrade(MustKubeVersion("1.30"), MustKubeVersion("1.29")), "never downgraded"},
		{"next major", CheckKubeUpgrade(MustKubeVersion("1.30"), MustKubeVersion("2.0")), "skips a minor version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.wantErr == "" {
				assert.NoError(t, tt.err)
				return
			}
			require.Error(t, tt.err)
			assert.Contains(t, tt.err.Error(), tt.wantErr)
		})
	}
}

func TestPlanUpgrade(t *testing.T) {
	t.Parallel()
	old := MeshConfig{Version: MustASMVersion("1.21.6.3"), Profile: ProfileASM}
	cluster := ClusterInfo{Name: "c1", KubeVersion: MustKubeVersion("1.30")}
	template := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "demo"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
	}
	running, _, err := InjectPod(template, InjectParams{Mesh: old, Cluster: cluster})
	require.NoError(t, err)
	assert.Equal(t, "1.21.6.3", ProxyVersion(running))
	nsLabels := map[string]map[string]string{"demo": {LabelInjection: "enabled"}, "plain": nil}
	bare := template.DeepCopy()
	bare.Namespace = "plain"
	workloads := []Workload{
		{Kind: "deployment", Namespace: "demo", Name: "web", Template: template, Pods: []*corev1.Pod{running, running}},
		{Kind: "deployment", Namespace: "plain", Name: "web", Template: bare, Pods: []*corev1.Pod{bare}},
		{Kind: "job", Namespace: "demo", Name: "done", Template: template},
	}
	after := old
	after.Version = MustASMVersion("1.22.2.35")
	rows := PlanUpgrade(UpgradeSide{Mesh: after, Cluster: cluster}, nsLabels, workloads)
	require.Len(t, rows, 3)
	assert.Equal(t, UpgradeRow{Cluster: "c1", Namespace: "demo", Workload: "deployment/web", Pods: 2,
		Now: "traditional 1.21.6.3", OnRestart: SidecarState{Injected: true, Mode: ModeNative, ProxyVersion: "1.22.2.35"},
		Changes: true, Rule: ModeRuleASMDefault}, rows[0])
	assert.Equal(t, "no sidecar", rows[1].Now)
	assert.False(t, rows[1].Changes)
	assert.Equal(t, RuleNoSelectorMatched, rows[1].Rule)
	assert.Equal(t, "no pods", rows[2].Now)
	assert.False(t, rows[2].Changes, "a workload without pods has nothing to restart")

	// The same versions change nothing.
	same := PlanUpgrade(UpgradeSide{Mesh: old, Cluster: cluster}, nsLabels, workloads[:1])
	assert.False(t, same[0].Changes)
}
