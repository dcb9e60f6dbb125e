package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// Media types of the image it serves.
const (
	mediaManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaConfig   = "application/vnd.docker.container.image.v1+json"
	mediaLayer    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

// Entrypoint is where the program is in the image.
const Entrypoint = "/meshtwin-workload"

// links are the names the program answers to, as symbolic links.
var links = []string{"bin/sleep", "bin/sh", "bin/bash", "usr/local/bin/pilot-agent"}

// imageConfig is what an image runs when a container names no command:
// the real image's Entrypoint and Cmd, played by the program.
type imageConfig struct {
	Entrypoint []string
	Cmd        []string
}

// configFor is the configuration of the image of a repository
// ("library/busybox", "acs/proxyv2"), by its last path element: as the
// real image where a scenario relies on what it runs without a command,
// else the program itself, which then runs until stopped (nginx's
// server, Istio's proxy called by its arguments).
//
//   - busybox: no entrypoint, Cmd ["sh"] (the official image's), so a
//     container without a command runs sh, which reads commands from its
//     standard input (none under a kubelet) and exits 0 at once: a
//     `kubectl create job --image busybox` completes.
func configFor(repository string) imageConfig {
	switch path.Base(repository) {
	case "busybox":
		return imageConfig{Cmd: []string{"sh"}}
	}
	return imageConfig{Entrypoint: []string{Entrypoint}}
}

// manifest is one image's manifest and its digest.
type manifest struct {
	body   []byte
	digest string
}

// image is the images it serves: one layer, a configuration and a
// manifest per imageConfig, blobs by digest.
type image struct {
	manifests map[string]manifest // by configFor's answer, as JSON
	layer     []byte              // gzipped
	diffID    string              // the uncompressed layer's digest
	blobs     map[string][]byte
}

// buildImage makes the layer of the program and the images of the
// configurations configFor knows.
func buildImage(program []byte) (*image, error) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	epoch := time.Unix(0, 0)
	for _, d := range []string{"bin/", "etc/", "tmp/", "usr/", "usr/local/", "usr/local/bin/", "var/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: epoch}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(Entrypoint, "/"), Mode: 0o755, Size: int64(len(program)), ModTime: epoch}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(program); err != nil {
		return nil, err
	}
	for _, l := range links {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: l, Linkname: Entrypoint, Mode: 0o777, ModTime: epoch}); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	img := &image{
		manifests: map[string]manifest{},
		layer:     gz.Bytes(),
		diffID:    digest(raw.Bytes()),
		blobs:     map[string][]byte{digest(gz.Bytes()): gz.Bytes()},
	}
	// A repository of each case of configFor.
	for _, repo := range []string{"library/nginx", "library/busybox"} {
		if _, err := img.manifestOf(configFor(repo)); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// manifestOf is the manifest of the image of configuration cfg, made
// with its configuration blob on first use; buildImage makes every one
// before the server answers, which then only reads them.
func (img *image) manifestOf(cfg imageConfig) (manifest, error) {
	key, err := json.Marshal(cfg)
	if err != nil {
		return manifest{}, err
	}
	if m, ok := img.manifests[string(key)]; ok {
		return m, nil
	}
	run := map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}
	if cfg.Entrypoint != nil {
		run["Entrypoint"] = cfg.Entrypoint
	}
	if cfg.Cmd != nil {
		run["Cmd"] = cfg.Cmd
	}
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       run,
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{img.diffID}},
	})
	if err != nil {
		return manifest{}, err
	}
	body, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaManifest,
		"config":        map[string]any{"mediaType": mediaConfig, "size": len(config), "digest": digest(config)},
		"layers":        []map[string]any{{"mediaType": mediaLayer, "size": len(img.layer), "digest": digest(img.layer)}},
	})
	if err != nil {
		return manifest{}, err
	}
	img.blobs[digest(config)] = config
	m := manifest{body: body, digest: digest(body)}
	img.manifests[string(key)] = m
	return m, nil
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Server is the registry. Make it with Start; Stop it.
type Server struct {
	img  *image
	addr string
	http *http.Server
	done chan error
}

// Start serves the image of the program at programPath on addr
// (host:port).
func Start(ctx context.Context, addr, programPath string) (*Server, error) {
	program, err := os.ReadFile(programPath)
	if err != nil {
		return nil, fmt.Errorf("start registry: %w", err)
	}
	img, err := buildImage(program)
	if err != nil {
		return nil, fmt.Errorf("start registry: build the image: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start registry: %w", err)
	}
	s := &Server{img: img, addr: ln.Addr().String(), done: make(chan error, 1)}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.done <- s.http.Serve(ln) }()
	return s, nil
}

// Addr is the address it listens on.
func (s *Server) Addr() string { return s.addr }

// Stop stops it.
func (s *Server) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// ServeHTTP answers /v2/, manifests of any name and reference (a
// digest must be the manifest's), and the image's blobs.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "read-only registry", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	p := r.URL.Path
	if p == "/v2/" || p == "/v2" {
		writeBody(w, r, "application/json", []byte("{}"))
		return
	}
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if i := strings.LastIndex(rest, "/manifests/"); i > 0 {
		ref := rest[i+len("/manifests/"):]
		m, ok := s.manifest(rest[:i])
		if !ok || strings.HasPrefix(ref, "sha256:") && ref != m.digest {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Docker-Content-Digest", m.digest)
		writeBody(w, r, mediaManifest, m.body)
		return
	}
	if i := strings.LastIndex(rest, "/blobs/"); i > 0 {
		blob, ok := s.img.blobs[rest[i+len("/blobs/"):]]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Docker-Content-Digest", rest[i+len("/blobs/"):])
		writeBody(w, r, "application/octet-stream", blob)
		return
	}
	http.NotFound(w, r)
}

// manifest is the manifest of repository's image; buildImage made
// every one configFor can answer.
func (s *Server) manifest(repository string) (manifest, bool) {
	key, err := json.Marshal(configFor(repository))
	if err != nil {
		return manifest{}, false
	}
	m, ok := s.img.manifests[string(key)]
	return m, ok
}

func writeBody(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// MirrorPatch is the containerd configuration patch (kind's
// containerdConfigPatches) that makes endpoint (http://host:port) the
// mirror of every registry. containerd 1.6's CRI plugin reads the "*"
// mirror for any registry without its own.
func MirrorPatch(endpoint string) string {
	return fmt.Sprintf("[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"*\"]\n  endpoint = [%q]\n", endpoint)
}
