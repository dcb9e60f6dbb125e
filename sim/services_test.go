package sim

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
)

// TestServiceIPsAreUniqueInRangeAndSeeded: every Service gets its own
// address of the cluster's range, the same ones for the same seed; a
// deleted Service's address is free again; a full range is an error.
func TestServiceIPsAreUniqueInRangeAndSeeded(t *testing.T) {
	t.Parallel()
	ips := func(seed int64) []string {
		ctx := t.Context()
		s := New(Options{Seed: seed})
		require.NoError(t, s.CreateCluster(ctx, model.ClusterSpec{Name: "c1"}))
		require.NoError(t, s.CreateCluster(ctx, model.ClusterSpec{Name: "c2"}))
		var out []string
		for _, c := range []string{"c1", "c2"} {
			cs, err := s.Client(c)
			require.NoError(t, err)
			for i := range 50 {
				svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("s%d", i), Namespace: "default"},
					Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
				got, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{})
				require.NoError(t, err)
				assert.Equal(t, corev1.ServiceTypeClusterIP, got.Spec.Type)
				assert.Equal(t, corev1.ProtocolTCP, got.Spec.Ports[0].Protocol)
				assert.Equal(t, int32(80), got.Spec.Ports[0].TargetPort.IntVal)
				out = append(out, c+" "+got.Spec.ClusterIP)
			}
		}
		return out
	}
	a := ips(7)
	assert.Equal(t, a, ips(7), "the same seed gives the same addresses")
	assert.NotEqual(t, a, ips(8), "another seed draws others")
	seen := map[string]bool{}
	for _, entry := range a {
		require.False(t, seen[entry], "address given twice: %s", entry)
		seen[entry] = true
		var cluster, ip string
		_, err := fmt.Sscan(entry, &cluster, &ip)
		require.NoError(t, err)
		prefix := model.ServiceCIDR(map[string]int{"c1": 0, "c2": 1}[cluster])
		addr := netip.MustParseAddr(ip)
		assert.True(t, prefix.Contains(addr), "%s in %s", ip, prefix)
		assert.NotEqual(t, prefix.Addr().Next(), addr, "the first address is the kubernetes Service's")
	}
}

func TestServiceIPAllocator(t *testing.T) {
	t.Parallel()
	p := newServiceIPs(netip.MustParsePrefix("10.0.0.0/28"), rand.New(rand.NewPCG(1, 2)))
	got := map[string]bool{}
	for range 14 { // 16 addresses less network and broadcast
		ip, err := p.allocate("")
		require.NoError(t, err)
		require.False(t, got[ip], ip)
		got[ip] = true
	}
	_, err := p.allocate("")
	require.ErrorContains(t, err, "range is full")
	p.release("10.0.0.5")
	ip, err := p.allocate("")
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.5", ip)
	_, err = p.allocate("10.0.0.5")
	assert.ErrorContains(t, err, "provided IP is already allocated")
	_, err = p.allocate("10.0.1.5")
	assert.ErrorContains(t, err, "provided IP is not in the valid range. The range of valid IPs is 10.0.0.0/28")
	_, err = p.allocate("10.0.0.15")
	assert.ErrorContains(t, err, "not in the valid range")
}
