package sim

import (
	"encoding/json"
	"fmt"
	"reflect"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"
)

func jsonOf(obj any) ([]byte, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", obj, err)
	}
	return data, nil
}

// emptyLike returns a new zero object of cur's concrete type.
func emptyLike(cur runtime.Object) runtime.Object {
	return reflect.New(reflect.TypeOf(cur).Elem()).Interface().(runtime.Object)
}

// applyPatch returns a new object: cur with the patch applied. Server-side
// apply is treated as a strategic merge of the applied configuration.
func applyPatch(cur runtime.Object, pt types.PatchType, patch []byte) (runtime.Object, error) {
	old, err := jsonOf(cur)
	if err != nil {
		return nil, err
	}
	var modified []byte
	switch pt {
	case types.JSONPatchType:
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if modified, err = p.Apply(old); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	case types.MergePatchType:
		if modified, err = jsonpatch.MergePatch(old, patch); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	case types.StrategicMergePatchType, types.ApplyPatchType:
		if pt != types.StrategicMergePatchType {
			if patch, err = yaml.YAMLToJSON(patch); err != nil {
				return nil, apierrors.NewBadRequest(err.Error())
			}
		}
		if modified, err = strategicpatch.StrategicMergePatch(old, patch, emptyLike(cur)); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("patch type %q is not supported", pt))
	}
	out := emptyLike(cur)
	if err := json.Unmarshal(modified, out); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the patched object is not valid: %v", err))
	}
	return out, nil
}
