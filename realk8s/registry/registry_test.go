package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServesOneImageUnderEveryName: any repository and tag gets the same
// manifest; its config and layer are served by digest, the layer holds
// the program and its links; a wrong digest or a write is refused.
func TestServesOneImageUnderEveryName(t *testing.T) {
	t.Parallel()
	prog := filepath.Join(t.TempDir(), "prog")
	require.NoError(t, os.WriteFile(prog, []byte("#!program"), 0o755))
	s, err := Start(t.Context(), "127.0.0.1:0", prog)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Stop()) })
	base := "http://" + s.Addr()

	get := func(path string) (*http.Response, []byte) {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, body
	}
	resp, _ := get("/v2/")
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	var digests []string
	for _, name := range []string{"/v2/library/nginx/manifests/latest", "/v2/acs/proxyv2/manifests/v1.22.2.35-ge64ec8af-aliyun"} {
		resp, body := get(name)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, mediaManifest, resp.Header.Get("Content-Type"))
		assert.Equal(t, digest(body), resp.Header.Get("Docker-Content-Digest"))
		digests = append(digests, digest(body))
	}
	assert.Equal(t, digests[0], digests[1])

	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	_, body := get("/v2/library/perl/manifests/" + digests[0])
	require.NoError(t, json.Unmarshal(body, &m))
	resp, cfg := get("/v2/library/perl/blobs/" + m.Config.Digest)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(cfg), Entrypoint)
	resp, layer := get("/v2/library/perl/blobs/" + m.Layers[0].Digest)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, m.Layers[0].Digest, digest(layer))

	zr, err := gzip.NewReader(bytes.NewReader(layer))
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	entries := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		entries[h.Name] = h.Linkname
	}
	assert.Contains(t, entries, "meshtwin-workload")
	assert.Equal(t, Entrypoint, entries["bin/sleep"])
	assert.Equal(t, Entrypoint, entries["usr/local/bin/pilot-agent"])

	// busybox's image runs sh without a command, as the real one:
	// the same layer, its own configuration and manifest.
	resp, body = get("/v2/library/busybox/manifests/1.28")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var bm struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	require.NoError(t, json.Unmarshal(body, &bm))
	assert.NotEqual(t, digests[0], digest(body))
	assert.Equal(t, m.Layers, bm.Layers)
	resp, bcfg := get("/v2/library/busybox/blobs/" + bm.Config.Digest)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var run struct {
		Config struct {
			Entrypoint []string
			Cmd        []string
		}
	}
	require.NoError(t, json.Unmarshal(bcfg, &run))
	assert.Nil(t, run.Config.Entrypoint)
	assert.Equal(t, []string{"sh"}, run.Config.Cmd)
	var nginx struct {
		Config struct {
			Entrypoint []string
			Cmd        []string
		}
	}
	require.NoError(t, json.Unmarshal(cfg, &nginx))
	assert.Equal(t, []string{Entrypoint}, nginx.Config.Entrypoint)
	assert.Nil(t, nginx.Config.Cmd)
	// A digest is the repository's own manifest's.
	resp, _ = get("/v2/library/busybox/manifests/" + digests[0])
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = get("/v2/library/nginx/manifests/" + digest(body))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	resp, _ = get("/v2/library/nginx/manifests/sha256:0000")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = get("/v2/library/nginx/blobs/sha256:0000")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	put, err := http.NewRequestWithContext(t.Context(), http.MethodPut, base+"/v2/x/manifests/y", nil)
	require.NoError(t, err)
	presp, err := http.DefaultClient.Do(put)
	require.NoError(t, err)
	presp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, presp.StatusCode)

	assert.Equal(t, "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"*\"]\n  endpoint = [\"http://172.18.0.1:35000\"]\n", MirrorPatch("http://172.18.0.1:35000"))
}
