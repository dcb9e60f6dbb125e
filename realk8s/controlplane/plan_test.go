package controlplane_test

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/internal/golden"
	"github.com/meshtwin/meshtwin/realk8s/binaries"
	"github.com/meshtwin/meshtwin/realk8s/controlplane"
)

func TestPlanGolden(t *testing.T) {
	t.Parallel()
	plan := controlplane.NewPlan("cluster-1", binaries.InDir("<BIN>"), controlplane.PlaceholderWorkDir, controlplane.PlaceholderPorts(), netip.MustParsePrefix("172.21.16.0/20"))
	var out strings.Builder
	require.NoError(t, plan.Print(&out))
	golden.Compare(t, filepath.Join("testdata", "plan.golden"), out.String())
}

func TestPlanUsesItsOwnDirAndPorts(t *testing.T) {
	t.Parallel()
	ports := controlplane.Ports{EtcdClient: "2001", EtcdPeer: "2002", APIServer: "2003", Kwok: "2004"}
	plan := controlplane.NewPlan("c", binaries.InDir("/bin"), "/tmp/w", ports, netip.Prefix{})
	seen := map[string]bool{}
	for _, s := range plan.Steps {
		for _, a := range s.Argv[1:] {
			for _, word := range strings.FieldsFunc(a, func(r rune) bool { return r == '=' || r == ',' }) {
				if strings.HasPrefix(word, "/") {
					assert.True(t, strings.HasPrefix(word, "/tmp/w/"), "%s: %s is outside the work dir", s.Name, a)
				}
			}
			for _, p := range []string{"2001", "2002", "2003", "2004"} {
				if strings.HasSuffix(a, ":"+p) || strings.HasSuffix(a, "="+p) || strings.Contains(a, ":"+p+"/") {
					seen[p] = true
				}
			}
		}
		assert.Equal(t, []string{"HOME=/tmp/w/home"}, s.Env, "%s runs with a clean environment", s.Name)
	}
	assert.Len(t, seen, 4, "every port is used")
}
