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

// image is the one image, as blobs by digest and its manifest.
type image struct {
	manifest       []byte
	manifestDigest string
	blobs          map[string][]byte
}

// buildImage makes the image of the program at path.
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
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config": map[string]any{
			"Entrypoint": []string{Entrypoint},
			"Env":        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{digest(raw.Bytes())}},
	})
	if err != nil {
		return nil, err
	}
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaManifest,
		"config":        map[string]any{"mediaType": mediaConfig, "size": len(config), "digest": digest(config)},
		"layers":        []map[string]any{{"mediaType": mediaLayer, "size": gz.Len(), "digest": digest(gz.Bytes())}},
	})
	if err != nil {
		return nil, err
	}
	return &image{
		manifest:       manifest,
		manifestDigest: digest(manifest),
		blobs:          map[string][]byte{digest(config): config, digest(gz.Bytes()): gz.Bytes()},
	}, nil
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
		if strings.HasPrefix(ref, "sha256:") && ref != s.img.manifestDigest {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Docker-Content-Digest", s.img.manifestDigest)
		writeBody(w, r, mediaManifest, s.img.manifest)
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
