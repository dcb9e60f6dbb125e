package shell

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

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/meshtwin/meshtwin/model"
)

// manifestDoc is one document of a YAML manifest. Objects that carry a
// pod (a Pod, or a workload with a pod template) are decoded; any other
// document is kept as written.
type manifestDoc struct {
	// raw is the document as written (JSON or YAML).
	raw []byte
	// meta is the document's apiVersion and kind.
	meta metav1.TypeMeta
	// obj is the decoded object when it carries a pod, else nil.
	obj any
	// objMeta is obj's metadata; template its pod template (for a Pod,
	// built from the pod and written back by setPod).
	objMeta  *metav1.ObjectMeta
	template *corev1.PodTemplateSpec
	// injectMeta is where the injector reads and writes the pod's labels
	// and annotations: the pod template's metadata, except for a CronJob,
	// where istioctl uses spec.jobTemplate.metadata.
	injectMeta *metav1.ObjectMeta
	isPod      bool
	// items are the documents of a kind: List.
	items []manifestDoc
}

// readManifestInput reads `-f FILE` (relative to the session's folder) or
// standard input for "-".
func (s *Session) readManifestInput(filename string, stdin io.Reader) ([]byte, string, error) {
	if filename == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, "", fmt.Errorf("read standard input: %w", err)
		}
		return data, "STDIN", nil
	}
	path := filename
	if !filepath.IsAbs(path) && s.opts.Dir != "" {
		path = filepath.Join(s.opts.Dir, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", filename, err)
	}
	return data, filename, nil
}

// decodeManifestDocs splits a manifest into documents and decodes those
// that carry pods.
func decodeManifestDocs(data []byte, source string) ([]manifestDoc, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs []manifestDoc
	for n := 1; ; n++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: read document %d: %w", source, n, err)
		}
		if len(bytes.TrimSpace(stripYAMLComments(raw))) == 0 {
			continue
		}
		js, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d is not valid YAML: %w", source, n, err)
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue
		}
		d, err := decodeManifestDoc(raw, js)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", source, n, err)
		}
		docs = append(docs, d)
	}
	return docs, nil
}

func stripYAMLComments(raw []byte) []byte {
	var b bytes.Buffer
	for _, l := range strings.Split(string(raw), "\n") {
		if t := strings.TrimSpace(l); t == "" || strings.HasPrefix(t, "#") || t == "---" {
			continue
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func decodeManifestDoc(raw, js []byte) (manifestDoc, error) {
	d := manifestDoc{raw: raw}
	if err := json.Unmarshal(js, &d.meta); err != nil {
		return d, fmt.Errorf("not a Kubernetes object: %w", err)
	}
	if d.meta.Kind == "" || d.meta.APIVersion == "" {
		return d, fmt.Errorf("not a Kubernetes object: apiVersion and kind must be set")
	}
	unmarshal := func(into any) error {
		if err := json.Unmarshal(js, into); err != nil {
			return fmt.Errorf("decode %s: %w", d.meta.Kind, err)
		}
		return nil
	}
	switch d.meta.Kind {
	case "List":
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := unmarshal(&list); err != nil {
			return d, err
		}
		for i, item := range list.Items {
			sub, err := decodeManifestDoc(item, item)
			if err != nil {
				return d, fmt.Errorf("items[%d]: %w", i, err)
			}
			d.items = append(d.items, sub)
		}
		return d, nil
	case "Pod":
		var p corev1.Pod
		if err := unmarshal(&p); err != nil {
			return d, err
		}
		d.obj, d.objMeta, d.isPod = &p, &p.ObjectMeta, true
		d.template = &corev1.PodTemplateSpec{ObjectMeta: p.ObjectMeta, Spec: p.Spec}
	case "Deployment":
		var o appsv1.Deployment
		if err := unmarshal(&o); err != nil {
			return d, err
		}
		d.obj, d.objMeta, d.template = &o, &o.ObjectMeta, &o.Spec.Template
	case "StatefulSet":
		var o appsv1.StatefulSet
		if err := unmarshal(&o); err != nil {
			return d, err
		}
		d.obj, d.objMeta, d.template = &o, &o.ObjectMeta, &o.Spec.Template
	case "DaemonSet":
		var o appsv1.DaemonSet
		if err := unmarshal(&o); err != nil {
			return d, err
		}
		d.obj, d.objMeta, d.template = &o, &o.ObjectMeta, &o.Spec.Template
	case "ReplicaSet":
		var o appsv1.ReplicaSet
		if err := unmarshal(&o); err != nil {
			return d, err
		}
		d.obj, d.objMeta, d.template = &o, &o.ObjectMeta, &o.Spec.Template
	case "Job":
		var o batchv1.Job
		if err := unmarshal(&o); err != nil {
			return d, err
		}
		d.obj, d.objMeta, d.template = &o, &o.ObjectMeta, &o.Spec.Template
	case "CronJob":
		var o batchv1.CronJob
		if err := unmarshal(&o); err != nil {
			return d, err
		}
		d.obj, d.objMeta, d.template = &o, &o.ObjectMeta, &o.Spec.JobTemplate.Spec.Template
		d.injectMeta = &o.Spec.JobTemplate.ObjectMeta
	case "ReplicationController":
		var o corev1.ReplicationController
		if err := unmarshal(&o); err != nil {
			return d, err
		}
		if o.Spec.Template == nil {
			return d, fmt.Errorf("ReplicationController %s: spec.template is required value", o.Name)
		}
		d.obj, d.objMeta, d.template = &o, &o.ObjectMeta, o.Spec.Template
	}
	if d.template != nil && d.injectMeta == nil {
		d.injectMeta = &d.template.ObjectMeta
	}
	return d, nil
}

// pod is the pod the document would create: the Pod itself, or one from
// the workload's template in the workload's namespace.
func (d *manifestDoc) pod() *corev1.Pod {
	p := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: *d.injectMeta.DeepCopy(),
		Spec:       *d.template.Spec.DeepCopy(),
	}
	if d.isPod {
		src := d.obj.(*corev1.Pod)
		p.ObjectMeta = *src.ObjectMeta.DeepCopy()
		p.Status = *src.Status.DeepCopy()
	} else {
		p.Namespace = d.objMeta.Namespace
		if p.Name == "" {
			p.Name = d.objMeta.Name
		}
	}
	return p
}

// setPod writes an injected pod back into the document.
func (d *manifestDoc) setPod(p *corev1.Pod) {
	if d.isPod {
		dst := d.obj.(*corev1.Pod)
		dst.ObjectMeta = p.ObjectMeta
		dst.Spec = p.Spec
		return
	}
	d.injectMeta.Labels = p.Labels
	d.injectMeta.Annotations = p.Annotations
	d.template.Spec = p.Spec
}

// describe names the document as "Deployment demo/web".
func (d *manifestDoc) describe() string {
	name := d.objMeta.Name
	if d.objMeta.Namespace != "" {
		name = d.objMeta.Namespace + "/" + name
	}
	return d.meta.Kind + " " + name
}

// encode renders the document as YAML: a decoded object is marshalled
// again (istioctl's output shape, creationTimestamp: null included), any
// other document is kept as written.
func (d *manifestDoc) encode() ([]byte, error) {
	if d.items != nil || d.meta.Kind == "List" {
		var items []json.RawMessage
		for i := range d.items {
			y, err := d.items[i].encode()
			if err != nil {
				return nil, err
			}
			js, err := yaml.YAMLToJSON(y)
			if err != nil {
				return nil, err
			}
			items = append(items, js)
		}
		return yaml.Marshal(map[string]any{"apiVersion": d.meta.APIVersion, "kind": d.meta.Kind, "items": items})
	}
	if d.obj == nil {
		return []byte(strings.TrimRight(string(d.raw), "\n") + "\n"), nil
	}
	return yaml.Marshal(d.obj)
}

type kubeInjectOptions struct {
	filename string
	context  string
}

// kubeInject is `istioctl kube-inject -f FILE|-` (B16): every pod of the
// manifest gets the sidecar the webhook would give it, whatever its
// namespace's labels, unless the pod opts out. The manifest is printed
// back, ready for `| kubectl apply -f -`.
func (s *Session) kubeInject(e *cmdEnv, o kubeInjectOptions) error {
	if o.filename == "" {
		return errors.New("kube-inject: -f FILE (or -f - for standard input) is required")
	}
	cluster, err := s.contextOrCurrent(o.context, "--context")
	if err != nil {
		return fmt.Errorf("kube-inject: %w", err)
	}
	if cluster == model.ContextASM {
		return fmt.Errorf("kube-inject: context %q is the mesh instance's control plane; name a cluster with --context", cluster)
	}
	info, err := s.backend.ClusterInfo(cluster)
	if err != nil {
		return fmt.Errorf("kube-inject: %w", err)
	}
	inst, err := s.mesh()
	if err != nil {
		return fmt.Errorf("kube-inject: %w", err)
	}
	data, source, err := s.readManifestInput(o.filename, e.stdin)
	if err != nil {
		return fmt.Errorf("kube-inject: %w", err)
	}
	docs, err := decodeManifestDocs(data, source)
	if err != nil {
		return fmt.Errorf("kube-inject: %w", err)
	}
	if len(docs) == 0 {
		return fmt.Errorf("kube-inject: %s holds no object", source)
	}
	params := model.InjectParams{Mesh: inst.Config(), Cluster: info}
	var out bytes.Buffer
	for i := range docs {
		if err := injectDoc(&docs[i], params, e.errOut); err != nil {
			return fmt.Errorf("kube-inject: %w", err)
		}
		y, err := docs[i].encode()
		if err != nil {
			return fmt.Errorf("kube-inject: encode %s: %w", docs[i].meta.Kind, err)
		}
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(y)
	}
	_, err = e.out.Write(out.Bytes())
	return err
}

// injectDoc injects the document's pod, if it has one that wants it;
// skipped pods are named on errOut with the reason.
func injectDoc(d *manifestDoc, params model.InjectParams, errOut io.Writer) error {
	for i := range d.items {
		if err := injectDoc(&d.items[i], params, errOut); err != nil {
			return err
		}
	}
	if d.template == nil {
		return nil
	}
	pod := d.pod()
	if model.IsInjected(pod) {
		fmt.Fprintf(errOut, "Skipping injection of %s: it already has the sidecar\n", d.describe())
		return nil
	}
	dec := model.ManualInjectionDecision(pod)
	for _, w := range dec.Warnings {
		fmt.Fprintf(errOut, "Warning: %s: %s\n", d.describe(), w)
	}
	if !dec.Inject {
		fmt.Fprintf(errOut, "Skipping injection of %s: %s\n", d.describe(), dec.Reason)
		return nil
	}
	p := params
	p.Revision = dec.Revision
	injected, _, err := model.InjectPod(pod, p)
	if err != nil {
		return fmt.Errorf("%s: %w", d.describe(), err)
	}
	if !d.isPod {
		// The template's own name and namespace stay as written.
		injected.Name = d.injectMeta.Name
		injected.Namespace = d.injectMeta.Namespace
	}
	d.setPod(injected)
	return nil
}
