package kindnode

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRaiseInotifyLimits(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, instances, watches string) string {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "max_user_instances"), []byte(instances+"\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "max_user_watches"), []byte(watches+"\n"), 0o644))
		return dir
	}
	read := func(t *testing.T, dir, file string) string {
		b, err := os.ReadFile(filepath.Join(dir, file))
		require.NoError(t, err)
		return strings.TrimSpace(string(b))
	}

	t.Run("root raises what is below kind's minimum and leaves the rest", func(t *testing.T) {
		t.Parallel()
		dir := write(t, "128", "1048576")
		var log strings.Builder
		require.NoError(t, raiseInotifyLimitsIn(dir, true, &log))
		assert.Equal(t, "512", read(t, dir, "max_user_instances"))
		assert.Equal(t, "1048576", read(t, dir, "max_user_watches"))
		assert.Equal(t, "raised fs.inotify.max_user_instances from 128 to 512 for kind's nodes\n", log.String())
	})
	t.Run("another user gets a warning and nothing changes", func(t *testing.T) {
		t.Parallel()
		dir := write(t, "128", "8192")
		var log strings.Builder
		require.NoError(t, raiseInotifyLimitsIn(dir, false, &log))
		assert.Equal(t, "128", read(t, dir, "max_user_instances"))
		assert.Contains(t, log.String(), "sysctl -w fs.inotify.max_user_watches=524288")
	})
	t.Run("an unreadable limit is an error that names it", func(t *testing.T) {
		t.Parallel()
		dir := write(t, "many", "8192")
		err := raiseInotifyLimitsIn(dir, true, io.Discard)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "max_user_instances")
	})
}
