package asm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/meshtwin/meshtwin/model"
)

// The asmmeshconfig resource.
const (
	MeshConfigAPIVersion = "istio.alibabacloud.com/v1beta1"
	MeshConfigKind       = "ASMMeshConfig"
	MeshConfigName       = "default"
	// MeshConfigResource is the resource's plural name, as kubectl uses it.
	MeshConfigResource = "asmmeshconfigs"
)

// MeshConfigGroupResource is asmmeshconfigs.istio.alibabacloud.com.
func MeshConfigGroupResource() schema.GroupResource {
	return schema.GroupResource{Group: "istio.alibabacloud.com", Resource: MeshConfigResource}
}

func meshConfigGroupKind() schema.GroupKind {
	return schema.GroupKind{Group: "istio.alibabacloud.com", Kind: MeshConfigKind}
}

func newMeshConfigObject(cfg model.MeshConfig) map[string]any {
	spec := map[string]any{}
	if cfg.EnableNativeSidecar != nil {
		spec["enableNativeSidecar"] = *cfg.EnableNativeSidecar
	}
	return map[string]any{
		"apiVersion": MeshConfigAPIVersion,
		"kind":       MeshConfigKind,
		"metadata":   map[string]any{"name": MeshConfigName},
		"spec":       spec,
	}
}

// MeshConfigObject returns the asmmeshconfig "default" object, as kubectl
// prints it. The caller owns the copy.
func (i *Instance) MeshConfigObject() *unstructured.Unstructured {
	i.mu.Lock()
	defer i.mu.Unlock()
	return &unstructured.Unstructured{Object: runtime.DeepCopyJSON(i.obj)}
}

// StampMeshConfig gives the asmmeshconfig what the API server sets on
// create: its creationTimestamp, uid, generation 1 and a
// resourceVersion. A backend whose instance is not a real server calls it
// once, after New.
func (i *Instance) StampMeshConfig(created time.Time, uid types.UID, resourceVersion int64) {
	i.mu.Lock()
	defer i.mu.Unlock()
	meta := i.obj["metadata"].(map[string]any)
	meta["creationTimestamp"] = created.UTC().Format(time.RFC3339)
	meta["uid"] = string(uid)
	meta["generation"] = int64(1)
	meta["resourceVersion"] = strconv.FormatInt(resourceVersion, 10)
}

// PatchConfig patches the asmmeshconfig "default" object (B31) with a JSON
// merge patch (types.MergePatchType) or a JSON patch (types.JSONPatchType)
// and returns the resulting mesh config. Its schema, as the twin models
// it, has one spec field, enableNativeSidecar (a boolean; null or absent
// means unset). A field the schema lacks is dropped, as the API server
// drops it under its default field validation (Warn, which kubectl patch
// gets): warnings names each one (`unknown field "spec.foo"`). On any
// error nothing changes. A strategic merge patch is refused, as the API
// server refuses it for custom resources.
func (i *Instance) PatchConfig(patchType types.PatchType, patch []byte) (_ model.MeshConfig, warnings []string, _ error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	cfg, obj, warnings, err := patchMeshConfig(i.cfg, i.obj, patchType, patch)
	if err != nil {
		return copyConfig(i.cfg), nil, fmt.Errorf("patch %s %q: %w", MeshConfigResource, MeshConfigName, err)
	}
	i.cfg, i.obj = cfg, obj
	return copyConfig(cfg), warnings, nil
}

// meshConfigFields are the fields of the asmmeshconfig schema the twin
// models, by path; metadata is the object metadata every object has.
func meshConfigFields() map[string][]string {
	return map[string][]string{
		"":     {"apiVersion", "kind", "metadata", "spec"},
		"spec": {"enableNativeSidecar"},
	}
}

// pruneUnknownFields drops from a patched asmmeshconfig the fields its
// schema lacks and returns, sorted, the API server's warning for each.
func pruneUnknownFields(obj map[string]any) []string {
	var warnings []string
	for parent, fields := range meshConfigFields() {
		m := obj
		if parent != "" {
			sub, ok := obj[parent].(map[string]any)
			if !ok {
				continue
			}
			m = sub
		}
		for k := range m {
			if slices.Contains(fields, k) {
				continue
			}
			path := k
			if parent != "" {
				path = parent + "." + k
			}
			warnings = append(warnings, fmt.Sprintf("unknown field %q", path))
			delete(m, k)
		}
	}
	slices.Sort(warnings)
	return warnings
}

func patchMeshConfig(cur model.MeshConfig, obj map[string]any, patchType types.PatchType, patch []byte) (model.MeshConfig, map[string]any, []string, error) {
	doc, err := json.Marshal(obj)
	if err != nil {
		return cur, nil, nil, err
	}
	var out []byte
	switch patchType {
	case types.MergePatchType:
		out, err = jsonpatch.MergePatch(doc, patch)
	case types.JSONPatchType:
		var p jsonpatch.Patch
		if p, err = jsonpatch.DecodePatch(patch); err == nil {
			out, err = p.Apply(doc)
		}
	default:
		status := apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "patch", MeshConfigGroupResource(), MeshConfigName, "", 0, false)
		status.ErrStatus.Message = fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s",
			types.JSONPatchType, types.MergePatchType)
		return cur, nil, nil, status
	}
	if err != nil {
		return cur, nil, nil, apierrors.NewBadRequest(fmt.Sprintf("invalid %s patch: %v", patchName(patchType), err))
	}
	var next map[string]any
	if err := utiljson.Unmarshal(out, &next); err != nil {
		return cur, nil, nil, apierrors.NewBadRequest(fmt.Sprintf("the patched object is not a JSON object: %v", err))
	}
	native, errs := checkMeshConfigObject(next)
	if len(errs) > 0 {
		return cur, nil, nil, apierrors.NewInvalid(meshConfigGroupKind(), MeshConfigName, errs)
	}
	if _, ok := next["spec"]; !ok {
		next["spec"] = map[string]any{}
	}
	warnings := pruneUnknownFields(next)
	bumpMeta(obj, next)
	cfg := cur
	cfg.EnableNativeSidecar = native
	return cfg, next, warnings, nil
}

// bumpMeta does to a stamped object's metadata what the API server does
// on an update: a new resourceVersion when anything changed, and the
// generation one up when the spec changed. An unstamped object (a real
// server's copy) is left as it is.
func bumpMeta(old, next map[string]any) {
	meta, ok := next["metadata"].(map[string]any)
	if !ok {
		return
	}
	if rv, ok := meta["resourceVersion"].(string); ok && !equality.Semantic.DeepEqual(old, next) {
		if n, err := strconv.ParseInt(rv, 10, 64); err == nil {
			meta["resourceVersion"] = strconv.FormatInt(n+1, 10)
		}
	}
	if gen, ok := meta["generation"].(int64); ok && !equality.Semantic.DeepEqual(old["spec"], next["spec"]) {
		meta["generation"] = gen + 1
	}
}

func patchName(t types.PatchType) string {
	if t == types.JSONPatchType {
		return "JSON"
	}
	return "merge"
}

// checkMeshConfigObject checks a patched asmmeshconfig: its identity must
// not change and spec.enableNativeSidecar must be a boolean when set.
func checkMeshConfigObject(obj map[string]any) (*bool, field.ErrorList) {
	var errs field.ErrorList
	if v := obj["apiVersion"]; v != MeshConfigAPIVersion {
		errs = append(errs, field.Invalid(field.NewPath("apiVersion"), v, "must be "+MeshConfigAPIVersion))
	}
	if v := obj["kind"]; v != MeshConfigKind {
		errs = append(errs, field.Invalid(field.NewPath("kind"), v, "must be "+MeshConfigKind))
	}
	meta, ok := obj["metadata"].(map[string]any)
	if !ok {
		errs = append(errs, field.Invalid(field.NewPath("metadata"), obj["metadata"], "must be an object"))
	} else if name := meta["name"]; name != MeshConfigName {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), name, "may not be changed"))
	}
	var native *bool
	specPath := field.NewPath("spec")
	switch spec := obj["spec"].(type) {
	case nil:
	case map[string]any:
		switch v := spec["enableNativeSidecar"].(type) {
		case nil:
		case bool:
			native = &v
		default:
			errs = append(errs, field.Invalid(specPath.Child("enableNativeSidecar"), v,
				fmt.Sprintf("must be of type boolean, not %s", jsonTypeName(v))))
		}
	default:
		errs = append(errs, field.Invalid(specPath, spec, fmt.Sprintf("must be of type object, not %s", jsonTypeName(spec))))
	}
	return native, errs
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, float64, json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
