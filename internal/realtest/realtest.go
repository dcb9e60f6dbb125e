// Package realtest is what tests on real control planes share: finding
// the real binaries or skipping (failing under MESHTWIN_REQUIRE_REAL),
// and a progress writer into the test log.
package realtest

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/realk8s/binaries"
)

// RequireRealEnv is set by CI, which builds the binaries first: there a
// missing binary fails the test instead of skipping it.
const RequireRealEnv = "MESHTWIN_REQUIRE_REAL"

// Binaries finds the real binaries or skips the test, saying why.
func Binaries(t *testing.T) binaries.Set {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped under -short: starts a real control plane")
	}
	cache, err := binaries.CacheDir()
	require.NoError(t, err)
	set, err := binaries.Find(cache, os.Getenv)
	if err != nil {
		if os.Getenv(RequireRealEnv) != "" {
			t.Fatalf("%s is set but: %v", RequireRealEnv, err)
		}
		t.Skipf("skipped, no real control-plane binaries: %v", err)
	}
	return set
}

// LogWriter sends progress lines to the test log.
type LogWriter struct{ T *testing.T }

func (w LogWriter) Write(b []byte) (int, error) {
	w.T.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
