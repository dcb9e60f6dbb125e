package kubectl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	serializerjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// kubeManifest is one object read from -f: the map as written (with the
// namespace filled in) and its strict typed decoding.
type kubeManifest struct {
	res       *kubeResource
	raw       map[string]any
	obj       runtime.Object
	name      string
	namespace string
	source    string
}

// readManifests reads and checks every object of every -f file before
// anything is sent, so that a bad document changes nothing: YAML syntax,
// apiVersion and kind, the resource mapping, unknown or mistyped fields,
// a namespace that contradicts -n. needName refuses objects without a
// metadata.name (replace, delete need one; create can generate).
func (k *kubectlRun) readManifests(files []string, needName bool, verb string) ([]kubeManifest, error) {
	out, errs, err := k.scanManifests(files, needName, false)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, joinKubectlErrors(errs)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no objects passed to %s", verb)
	}
	return out, nil
}

// readManifestsContinuing reads the -f files as kubectl apply's resource
// builder does with ContinueOnError (k8s.io/cli-runtime pkg/resource,
// StreamVisitor and EagerVisitorList): it returns every object it could
// read and, apart, every problem. A YAML or schema error ends its file's
// stream (the documents before it are kept, those after it are not
// read); an unknown kind, a namespace that contradicts -n, a missing name
// or a strict decoding error skips only that object. A file that cannot
// be read is the one error, with no object, as the builder fails before
// visiting anything.
func (k *kubectlRun) readManifestsContinuing(files []string, needName bool) ([]kubeManifest, []error) {
	out, errs, err := k.scanManifests(files, needName, true)
	if err != nil {
		return nil, []error{err}
	}
	return out, errs
}

// scanManifests reads every document of every -f file. A file that
// cannot be read is err. Problems with documents are errs; a YAML error
// is err too unless continueOnError, when it ends only its file, as does
// a schema error (no apiVersion or kind).
func (k *kubectlRun) scanManifests(files []string, needName, continueOnError bool) (out []kubeManifest, errs []error, err error) {
	for _, f := range k.expandManifestPaths(files) {
		data, source, err := k.readFile(f)
		if err != nil {
			return nil, nil, err
		}
		ms, merrs, err := k.scanDocuments(data, source, needName, continueOnError)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, ms...)
		errs = append(errs, merrs...)
	}
	return out, errs, nil
}

// scanDocuments reads the documents of one file in order (see
// scanManifests).
func (k *kubectlRun) scanDocuments(data []byte, source string, needName, continueOnError bool) ([]kubeManifest, []error, error) {
	var out []kubeManifest
	var errs []error
	stop := func(err error) ([]kubeManifest, []error, error) {
		if !continueOnError {
			return nil, nil, err
		}
		return out, append(errs, err), nil
	}
	docs, err := splitYAMLDocuments(data)
	for _, doc := range docs {
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return stop(fmt.Errorf("error parsing %s: error converting YAML to JSON: %v", source, err))
		}
		if t := strings.TrimSpace(string(j)); t == "null" || t == "" {
			continue
		}
		m, err := kubeJSONMap(j)
		if err != nil {
			return stop(fmt.Errorf("error parsing %s: error unmarshaling JSON: %v", source, err))
		}
		ms, merrs := k.manifestsOf(m, source, needName)
		out = append(out, ms...)
		for _, e := range merrs {
			var se *schemaError
			if errors.As(e, &se) && continueOnError {
				return out, append(errs, e), nil
			}
			errs = append(errs, e)
		}
	}
	if err != nil {
		return stop(fmt.Errorf("error parsing %s: %v", source, err))
	}
	return out, errs, nil
}

// schemaError is a document that fails kubectl's client-side schema check
// (no apiVersion or kind): it ends the stream it is in.
type schemaError struct{ err error }

func (e *schemaError) Error() string { return e.err.Error() }
func (e *schemaError) Unwrap() error { return e.err }

// expandManifestPaths replaces each folder among -f values by the
// .yaml, .yml and .json files directly in it, in name order, as kubectl
// does without --recursive.
func (k *kubectlRun) expandManifestPaths(files []string) []string {
	var out []string
	for _, f := range files {
		if f == "-" {
			out = append(out, f)
			continue
		}
		path := f
		if !filepath.IsAbs(path) && k.host.Dir() != "" {
			path = filepath.Join(k.host.Dir(), path)
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			out = append(out, f) // a file, or missing: readFile says which
			continue
		}
		for _, e := range entries {
			switch filepath.Ext(e.Name()) {
			case ".yaml", ".yml", ".json":
				if !e.IsDir() {
					out = append(out, filepath.Join(f, e.Name()))
				}
			}
		}
	}
	return out
}

// splitYAMLDocuments splits a stream at its `---` lines. On a read error
// it returns the documents before it with the error.
func splitYAMLDocuments(data []byte) ([][]byte, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		docs = append(docs, doc)
	}
}

// manifestsOf checks one decoded document (a List yields its items).
func (k *kubectlRun) manifestsOf(m map[string]any, source string, needName bool) ([]kubeManifest, []error) {
	apiVersion, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	var missing []string
	if apiVersion == "" {
		missing = append(missing, "apiVersion not set")
	}
	if kind == "" {
		missing = append(missing, "kind not set")
	}
	if len(missing) > 0 {
		what := missing[0]
		if len(missing) > 1 {
			what = "[" + strings.Join(missing, ", ") + "]"
		}
		return nil, []error{&schemaError{fmt.Errorf("error validating %q: error validating data: %s; if you choose to ignore these errors, turn validation off with --validate=false", source, what)}}
	}
	if kind == "List" && apiVersion == "v1" {
		items, _ := m["items"].([]any)
		var out []kubeManifest
		var errs []error
		for _, it := range items {
			im, ok := it.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Errorf("error parsing %s: a List item is not an object", source))
				continue
			}
			ms, e := k.manifestsOf(im, source, needName)
			out = append(out, ms...)
			errs = append(errs, e...)
		}
		return out, errs
	}
	md, _ := m["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		m["metadata"] = md
	}
	name, _ := md["name"].(string)
	ns, _ := md["namespace"].(string)
	res, ok := lookupKubeKind(apiVersion, kind)
	if !ok && isUpstreamKind(apiVersion, kind) {
		return nil, []error{notEmulated("kind "+kind, emulatedKinds()...)}
	}
	if !ok || res.meshConfig || !k.serves(res) {
		return nil, []error{fmt.Errorf("resource mapping not found for name: %q namespace: %q from %q: no matches for kind %q in version %q\nensure CRDs are installed first",
			name, ns, source, kind, apiVersion)}
	}
	if res.namespaced {
		switch {
		case ns == "":
			ns = k.namespace()
			md["namespace"] = ns
		case k.namespaceFlag != "" && ns != k.namespaceFlag:
			return nil, []error{fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. You must pass '--namespace=%s' to perform this operation.", ns, k.namespaceFlag, ns)}
		}
	} else {
		ns = ""
	}
	if name == "" && needName {
		return nil, []error{fmt.Errorf("error when retrieving current configuration of:\nResource: %q, GroupVersionKind: %q\nName: \"\", Namespace: %q\nfrom server for: %q: resource name may not be empty",
			res.group+"/"+res.version+", Resource="+res.plural, res.group+"/"+res.version+", Kind="+res.kind, ns, source)}
	}
	obj, err := decodeKubeObject(m, true)
	if err != nil {
		verb := "creating"
		return nil, []error{apierrors.NewBadRequest(fmt.Sprintf("error when %s %q: %s in version %q cannot be handled as a %s: %v", verb, source, kind, res.version, kind, err))}
	}
	return []kubeManifest{{res: res, raw: m, obj: obj, name: name, namespace: ns, source: source}}, nil
}

// decodeKubeObject decodes a manifest map into its typed object; strict
// refuses unknown and duplicate fields, as the API server's strict field
// validation does.
func decodeKubeObject(m map[string]any, strict bool) (runtime.Object, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	s := serializerjson.NewSerializerWithOptions(serializerjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
		serializerjson.SerializerOptions{Strict: strict})
	obj, _, err := s.Decode(data, nil, nil)
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// kubeAddSource prefixes a server error with what kubectl was doing to
// which file, keeping its reason: `error when creating "STDIN": ...`.
func kubeAddSource(verb, source string, err error) error {
	var se *apierrors.StatusError
	if errors.As(err, &se) {
		cp := *se
		cp.ErrStatus.Message = fmt.Sprintf("error when %s %q: %s", verb, source, se.ErrStatus.Message)
		return &cp
	}
	return fmt.Errorf("error when %s %q: %w", verb, source, err)
}

// freshObjectMap strips what the API server set on an object (identity,
// timestamps, status, the node binding) so it can be created anew.
func freshObjectMap(m map[string]any) map[string]any {
	m = runtime.DeepCopyJSON(m)
	if md, ok := m["metadata"].(map[string]any); ok {
		for _, f := range []string{"uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
			"deletionGracePeriodSeconds", "generation", "managedFields", "selfLink"} {
			delete(md, f)
		}
	}
	delete(m, "status")
	if m["kind"] == "Pod" {
		if spec, ok := m["spec"].(map[string]any); ok {
			delete(spec, "nodeName")
		}
	}
	return m
}

// waitGone waits, on the backend's clock, until the object is gone: what
// kubectl's --wait does on a real cluster. It gives up silently after
// limit, as the object may legitimately linger (finalizers).
func (k *kubectlRun) waitGone(c kubeObjectClient, name string, limit time.Duration) error {
	for waited := time.Duration(0); ; waited += time.Second {
		_, err := c.Get(k.ctx, name)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if waited >= limit {
			return nil
		}
		if err := k.host.Advance(k.ctx, time.Second); err != nil {
			return err
		}
	}
}

// kubeDeleteOptions are kubectl's --grace-period and --force.
func kubeDeleteOptions(gracePeriod int, force bool) metav1.DeleteOptions {
	var opts metav1.DeleteOptions
	if force && gracePeriod < 0 {
		gracePeriod = 0
	}
	if gracePeriod >= 0 {
		g := int64(gracePeriod)
		opts.GracePeriodSeconds = &g
	}
	return opts
}
