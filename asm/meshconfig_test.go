package asm

import (
	"encoding/json"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/meshtwin/meshtwin/model"
)

func TestPatchConfig(t *testing.T) {
	t.Parallel()
	yes := true
	cases := []struct {
		name      string
		initial   *bool
		patchType types.PatchType
		patches   []string
		native    string // "true", "false" or "unset" after the last patch
		spec      string // spec as JSON after the last patch
		errs      []string
		warnings  []string // of the last patch
		check     func(error) bool
	}{
		{name: "merge patch turns native off (B31)", initial: &yes, patchType: types.MergePatchType,
			patches: []string{`{"spec":{"enableNativeSidecar":false}}`}, native: "false", spec: `{"enableNativeSidecar":false}`},
		{name: "unknown fields are dropped with the API server's warning", patchType: types.MergePatchType,
			patches: []string{`{"spec":{"enableNativeSidecar":true}}`, `{"spec":{"other":{"a":1},"foo":2},"top":1}`},
			native:  "true", spec: `{"enableNativeSidecar":true}`,
			warnings: []string{`unknown field "spec.foo"`, `unknown field "spec.other"`, `unknown field "top"`}},
		{name: "null unsets", initial: &yes, patchType: types.MergePatchType,
			patches: []string{`{"spec":{"enableNativeSidecar":null}}`}, native: "unset", spec: `{}`},
		{name: "JSON patch", patchType: types.JSONPatchType,
			patches: []string{`[{"op":"add","path":"/spec/enableNativeSidecar","value":false}]`}, native: "false",
			spec: `{"enableNativeSidecar":false}`},
		{name: "wrong type changes nothing", initial: &yes, patchType: types.MergePatchType,
			patches: []string{`{"spec":{"enableNativeSidecar":"false","x":1}}`}, native: "true", spec: `{"enableNativeSidecar":true}`,
			check: apierrors.IsInvalid, errs: []string{"spec.enableNativeSidecar", "must be of type boolean, not string"}},
		{name: "renaming is refused", patchType: types.MergePatchType,
			patches: []string{`{"metadata":{"name":"other"}}`}, native: "unset", spec: `{}`,
			check: apierrors.IsInvalid, errs: []string{"metadata.name"}},
		{name: "bad JSON patch", patchType: types.JSONPatchType,
			patches: []string{`[{"op":"test","path":"/spec/enableNativeSidecar","value":true}]`}, native: "unset", spec: `{}`,
			check: apierrors.IsBadRequest, errs: []string{"invalid JSON patch"}},
		{name: "strategic merge is unsupported", patchType: types.StrategicMergePatchType,
			patches: []string{`{"spec":{"enableNativeSidecar":false}}`}, native: "unset", spec: `{}`,
			check: func(err error) bool { return apierrors.ReasonForError(err) == "UnsupportedMediaType" },
			errs:  []string{"application/merge-patch+json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inst := New(fake.NewSimpleClientset(), model.MeshConfig{Version: model.MustASMVersion("1.22.2.35"), EnableNativeSidecar: tc.initial})
			var err error
			var warnings []string
			for _, p := range tc.patches {
				if _, warnings, err = inst.PatchConfig(tc.patchType, []byte(p)); err != nil {
					break
				}
			}
			if strings.Join(warnings, "\n") != strings.Join(tc.warnings, "\n") {
				t.Errorf("warnings %q, want %q", warnings, tc.warnings)
			}
			switch {
			case tc.check == nil && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.check != nil && !tc.check(err):
				t.Fatalf("unexpected error: %v", err)
			}
			for _, w := range tc.errs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			native := "unset"
			if v := inst.Config().EnableNativeSidecar; v != nil {
				native = map[bool]string{true: "true", false: "false"}[*v]
			}
			if native != tc.native {
				t.Errorf("enableNativeSidecar %s, want %s", native, tc.native)
			}
			obj := inst.MeshConfigObject()
			spec, _ := json.Marshal(obj.Object["spec"])
			if string(spec) != tc.spec {
				t.Errorf("spec %s, want %s", spec, tc.spec)
			}
			if obj.GetAPIVersion() != MeshConfigAPIVersion || obj.GetKind() != MeshConfigKind || obj.GetName() != MeshConfigName {
				t.Errorf("object identity changed: %v", obj.Object)
			}
		})
	}
}

func TestMeshConfigObjectIsACopy(t *testing.T) {
	t.Parallel()
	inst := New(fake.NewSimpleClientset(), model.MeshConfig{Version: model.MustASMVersion("1.22.2.35")})
	obj := inst.MeshConfigObject()
	obj.Object["spec"].(map[string]any)["enableNativeSidecar"] = true
	if inst.Config().EnableNativeSidecar != nil || len(inst.MeshConfigObject().Object["spec"].(map[string]any)) != 0 {
		t.Fatal("editing the returned object changed the instance")
	}
	cfg := inst.Config()
	no := false
	cfg.EnableNativeSidecar = &no
	if inst.Config().EnableNativeSidecar != nil {
		t.Fatal("editing the returned config changed the instance")
	}
}
