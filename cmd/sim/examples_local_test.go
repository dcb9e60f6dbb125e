package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/internal/realtest"
)

// TestIntegrationExamplesRunOnLocal runs every example with `sim run
// --backend local`: on real control planes each command must succeed, or
// fail where the transcript marks it `!`. Their outputs are checked in
// memory only (TestExamplesAreTranscripts): every transcript prints AGE
// columns, and some DURATION and "advance 8m49s" times, of the virtual
// clock, which real time does not repeat.
func TestIntegrationExamplesRunOnLocal(t *testing.T) {
	realtest.Binaries(t)
	examples, err := filepath.Glob("../../examples/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, examples)
	for _, ex := range examples {
		t.Run(filepath.Base(ex), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"run", "--backend", "local", ex}, nil, &stdout, &stderr)
			require.Equal(t, 0, code, "sim run --backend local %s\n%s", ex, stderr.String())
		})
	}
}
