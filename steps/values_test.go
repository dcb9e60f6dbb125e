package steps

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

func TestExpandValues(t *testing.T) {
	t.Parallel()
	w := NewWorld(sim.New(sim.Options{Seed: 1}), shell.Options{Seed: 1}, 0)
	w.values = map[string]string{"CPU": "4", "MILLI": "3900m", "WORD": "web"}
	tests := []struct{ in, want string }{
		{"cpu: ${CPU}", "cpu: 4"},
		{"cpu: \"${CPU/2}\"", "cpu: \"2\""},
		{"${CPU/8} ${MILLI/2} ${MILLI/3}", "500m 1950m 1300m"},
		{"kubectl get pod ${WORD}", "kubectl get pod web"},
		{"$CPU ${cpu} ${CPU/0}", "$CPU ${cpu} ${CPU/0}"}, // not references
	}
	for _, tc := range tests {
		got, err := w.expand(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	_, err := w.expand("${NONE} and ${WORD/2}")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "${NONE}: no value named NONE")
	assert.Contains(t, err.Error(), `${WORD/2}: WORD's value "web" is not a quantity`)
}

// TestValueFromCommand: a value is what a command printed; a command
// that fails or prints nothing sets none.
func TestValueFromCommand(t *testing.T) {
	t.Parallel()
	w := NewWorld(sim.New(sim.Options{Seed: 1}), shell.Options{Seed: 1}, 0)
	require.NoError(t, w.runCommands(t.Context(), "cluster create c1"))
	require.NoError(t, w.setValue(t.Context(), "CPU", "kubectl --context c1 get node cn-beijing.192.168.0.1 -o jsonpath='{.status.allocatable.cpu}'"))
	assert.Equal(t, "4", w.values["CPU"])
	require.NoError(t, w.runCommands(t.Context(), `kubectl --context c1 apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx
    resources:
      requests:
        cpu: "${CPU/4}"
EOF`))
	require.NoError(t, w.record(t.Context(), "kubectl --context c1 get pod web -o jsonpath='{.spec.containers[0].resources.requests.cpu}'", false))
	assert.Equal(t, "1", w.Stdout())

	assert.ErrorContains(t, w.setValue(t.Context(), "X", "kubectl --context c1 get node none"), `expected "kubectl --context c1 get node none" to succeed`)
	assert.ErrorContains(t, w.setValue(t.Context(), "X", "kubectl --context c1 get node cn-beijing.192.168.0.1 -o jsonpath='{.metadata.labels.none}'"), "to print a value for X, got nothing")
	assert.NotContains(t, w.values, "X")
}
