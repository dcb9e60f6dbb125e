package backend

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/meshtwin/meshtwin/model"
)

func TestEnsureKubernetesEndpointSlice(t *testing.T) {
	t.Parallel()
	want := model.KubernetesEndpointSlice(model.APIServerIP, model.APIServerPort)
	stale := want.DeepCopy()
	stale.AddressType = discoveryv1.AddressTypeIPv6
	stale.Endpoints[0].Addresses = []string{"fd00::1"}
	cases := []struct {
		name     string
		existing *discoveryv1.EndpointSlice
	}{
		{"none yet", nil},
		{"there as it should be", want.DeepCopy()},
		{"there, other (an immutable addressType)", stale},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := fake.NewClientset()
			if tc.existing != nil {
				_, err := c.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault).Create(t.Context(), tc.existing, metav1.CreateOptions{})
				require.NoError(t, err)
			}
			require.NoError(t, ensureKubernetesEndpointSlice(t.Context(), c))
			got, err := c.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault).Get(t.Context(), want.Name, metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, want.Labels, got.Labels)
			assert.Equal(t, want.AddressType, got.AddressType)
			assert.Equal(t, want.Endpoints, got.Endpoints)
			assert.Equal(t, want.Ports, got.Ports)
		})
	}
}
