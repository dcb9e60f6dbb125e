package kindnode

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// file is one entry of a tar stream written into an image or a container:
// a regular file (data, or the contents of source), a directory, or a
// symbolic link (link).
type file struct {
	path   string // absolute, as in the image
	mode   int64
	data   []byte
	source string // a file on this machine, read when written
	link   string
	dir    bool
}

// epoch is the modification time of every entry: fixed, so that the same
// inputs give the same bytes.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// writeTar writes files, preceded by every parent directory not given,
// in path order.
func writeTar(w io.Writer, files []file) error {
	all := withParents(files)
	tw := tar.NewWriter(w)
	for _, f := range all {
		name := strings.TrimPrefix(f.path, "/")
		h := &tar.Header{Name: name, Mode: f.mode, ModTime: epoch, Format: tar.FormatPAX}
		switch {
		case f.dir:
			h.Typeflag, h.Name = tar.TypeDir, name+"/"
		case f.link != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, f.link
		default:
			h.Typeflag = tar.TypeReg
			if f.source != "" {
				info, err := os.Stat(f.source)
				if err != nil {
					return err
				}
				h.Size = info.Size()
			} else {
				h.Size = int64(len(f.data))
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("tar %s: %w", f.path, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if err := copyContents(tw, f); err != nil {
			return fmt.Errorf("tar %s: %w", f.path, err)
		}
	}
	return tw.Close()
}

func copyContents(w io.Writer, f file) error {
	if f.source == "" {
		_, err := w.Write(f.data)
		return err
	}
	in, err := os.Open(f.source)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = io.Copy(w, in)
	return err
}

func withParents(files []file) []file {
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.path] = true
	}
	all := append([]file(nil), files...)
	for _, f := range files {
		for dir := path.Dir(f.path); dir != "/" && dir != "."; dir = path.Dir(dir) {
			if !seen[dir] {
				seen[dir] = true
				all = append(all, file{path: dir, mode: 0o755, dir: true})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].path < all[j].path })
	return all
}

// componentImage is a one-layer image holding one static binary, as the
// node's containerd is to find it under a registry.k8s.io name.
type componentImage struct {
	ref        string   // registry.k8s.io/kube-apiserver:v1.37.2
	binary     string   // the file on this machine
	path       string   // where it is in the image
	entrypoint []string // nil: the pod's command names the binary
}

// writeDockerArchive writes img as `docker save` would (manifest.json, the
// config, one uncompressed layer), which `ctr images import` reads.
func writeDockerArchive(w io.Writer, img componentImage) error {
	var layer bytes.Buffer
	if err := writeTar(&layer, []file{
		{path: img.path, mode: 0o755, source: img.binary},
		{path: "/tmp", mode: 0o1777, dir: true},
		{path: "/etc", mode: 0o755, dir: true},
	}); err != nil {
		return err
	}
	diffID := sha256.Sum256(layer.Bytes())
	layerHex := hex.EncodeToString(diffID[:])
	config := map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      epoch.Format(time.RFC3339),
		"config": map[string]any{
			"Env":        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			"Entrypoint": img.entrypoint,
			"WorkingDir": "/",
		},
		"rootfs":  map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + layerHex}},
		"history": []map[string]any{{"created": epoch.Format(time.RFC3339), "created_by": "meshtwin realk8s/kindnode: " + path.Base(img.path) + " built from Go sources"}},
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return err
	}
	configSum := sha256.Sum256(configJSON)
	configName := hex.EncodeToString(configSum[:]) + ".json"
	manifest, err := json.Marshal([]map[string]any{{
		"Config":   configName,
		"RepoTags": []string{img.ref},
		"Layers":   []string{layerHex + "/layer.tar"},
	}})
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	for _, e := range []struct {
		name string
		data []byte
	}{
		{configName, configJSON},
		{layerHex + "/layer.tar", layer.Bytes()},
		{"manifest.json", manifest},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := tw.Write(e.data); err != nil {
			return err
		}
	}
	return tw.Close()
}
