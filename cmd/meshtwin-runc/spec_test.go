package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFindsTheSubcommandAndItsSpec(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want call
	}{
		{"create as containerd's shim calls it", []string{"--root", "/run/docker/runtime-runc/moby", "--log", "/x/log.json", "--log-format", "json", "--systemd-cgroup", "create", "--bundle", "/b", "--pid-file", "/b/init.pid", "abc"}, call{command: "create", bundle: "/b"}},
		{"run with -b=", []string{"run", "-b=/b2", "id"}, call{command: "run", bundle: "/b2"}},
		{"exec with --process", []string{"--root", "/r", "exec", "--process", "/tmp/p.json", "--detach", "id"}, call{command: "exec", process: "/tmp/p.json"}},
		{"a global flag's value is not the subcommand", []string{"--log-format", "create", "state", "id"}, call{command: "state"}},
		{"no subcommand", []string{"--version"}, call{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, parse(tc.args))
		})
	}
}

func TestStripRemovesOnlyCapSysResource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	config := `{"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},"capabilities":{"bounding":["CAP_CHOWN","CAP_SYS_RESOURCE","CAP_SYS_ADMIN"],"effective":["CAP_SYS_RESOURCE"],"permitted":["CAP_CHOWN"]},"oomScoreAdj":-999},"linux":{"resources":{"memory":{"limit":9223372036854771712}}}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600))
	require.NoError(t, strip([]string{"--root", "/r", "create", "--bundle", dir, "id"}))
	got, err := os.ReadFile(filepath.Join(dir, "config.json"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},"capabilities":{"bounding":["CAP_CHOWN","CAP_SYS_ADMIN"],"effective":[],"permitted":["CAP_CHOWN"]},"oomScoreAdj":-999},"linux":{"resources":{"memory":{"limit":9223372036854771712}}}}`, string(got))
	assert.Contains(t, string(got), "9223372036854771712", "large numbers keep every digit")
	info, err := os.Stat(filepath.Join(dir, "config.json"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestStripExecProcessSpec(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "process.json")
	require.NoError(t, os.WriteFile(p, []byte(`{"args":["sh"],"capabilities":{"bounding":["CAP_SYS_RESOURCE","CAP_KILL"]}}`), 0o644))
	require.NoError(t, strip([]string{"exec", "-p", p, "id"}))
	got, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"args":["sh"],"capabilities":{"bounding":["CAP_KILL"]}}`, string(got))
}

func TestStripLeavesOtherCommandsAndSpecsAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	untouched := `{"process": {"capabilities": {"bounding": ["CAP_KILL"]}}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(untouched), 0o644))
	require.NoError(t, strip([]string{"create", "--bundle", dir, "id"}))
	require.NoError(t, strip([]string{"delete", "id"}))
	got, err := os.ReadFile(filepath.Join(dir, "config.json"))
	require.NoError(t, err)
	assert.Equal(t, untouched, string(got), "a spec without the capability is not rewritten")
}

func TestStripReportsABrokenSpec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"process":`), 0o644))
	err := strip([]string{"run", "--bundle", dir, "id"})
	require.ErrorContains(t, err, filepath.Join(dir, "config.json")+": parse: ")
	require.ErrorContains(t, strip([]string{"create", "--bundle", filepath.Join(dir, "missing"), "id"}), "read spec: ")
}
