package sim

import (
	"math/rand/v2"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/randfill"
)

// equalCase checks one comparison function against reflect.DeepEqual on
// random values of T: a value against its deep copy, then against the copy
// with one part, at any depth, refilled at random.
func equalCase[T any](t *testing.T, eq func(a, b *T) bool, deepCopy func(*T) *T) {
	t.Helper()
	f := randfill.NewWithSeed(7).NilChance(0.4).NumElements(0, 2).MaxDepth(6)
	rng := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < 5000; i++ {
		var a T
		f.Fill(&a)
		b := deepCopy(&a)
		if !reflect.DeepEqual(&a, b) {
			t.Fatalf("case %d: a deep copy is not DeepEqual", i)
		}
		if !eq(&a, b) {
			t.Fatalf("case %d: equal values called unequal: %+v", i, a)
		}
		refill(f, rng, reflect.ValueOf(b).Elem())
		if want, got := reflect.DeepEqual(&a, b), eq(&a, b); want != got {
			t.Fatalf("case %d: DeepEqual says %v, the comparison %v:\n%+v\n%+v", i, want, got, a, *b)
		}
		if want, got := reflect.DeepEqual(b, &a), eq(b, &a); want != got {
			t.Fatalf("case %d (swapped): DeepEqual says %v, the comparison %v", i, want, got)
		}
	}
}

// refill replaces one part of v, a struct: a field, or a part of a
// field's value (a struct field, a pointer's target, a slice element)
// picked at random, with a random value.
func refill(f *randfill.Filler, rng *rand.Rand, v reflect.Value) {
	v = v.Field(rng.IntN(v.NumField()))
	for {
		var next reflect.Value
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				next = v.Elem()
			}
		case reflect.Struct:
			if v.NumField() > 0 {
				next = v.Field(rng.IntN(v.NumField()))
			}
		case reflect.Slice:
			if v.Len() > 0 {
				next = v.Index(rng.IntN(v.Len()))
			}
		}
		if !next.IsValid() || !next.CanSet() || rng.IntN(3) == 0 {
			break
		}
		v = next
	}
	fresh := reflect.New(v.Type())
	f.Fill(fresh.Interface())
	v.Set(fresh.Elem())
}

// The comparisons podSharer uses agree with reflect.DeepEqual, the
// comparison sharing must not loosen: nothing unequal is shared.
func TestEqualsAgreeWithDeepEqual(t *testing.T) {
	t.Parallel()
	t.Run("Container", func(t *testing.T) {
		equalCase(t, containerEqual, (*corev1.Container).DeepCopy)
	})
	t.Run("VolumeSource", func(t *testing.T) {
		equalCase(t, volumeSourceEqual, (*corev1.VolumeSource).DeepCopy)
	})
	t.Run("EnvVar", func(t *testing.T) {
		equalCase(t, envVarEqual, (*corev1.EnvVar).DeepCopy)
	})
	t.Run("Probe", func(t *testing.T) {
		equalCase(t, probeEqual, (*corev1.Probe).DeepCopy)
	})
	t.Run("VolumeMount", func(t *testing.T) {
		equalCase(t, volumeMountEqual, (*corev1.VolumeMount).DeepCopy)
	})
	t.Run("SecurityContext", func(t *testing.T) {
		equalCase(t, securityContextEqual, (*corev1.SecurityContext).DeepCopy)
	})
	t.Run("OwnerReferences", func(t *testing.T) {
		type refs struct{ Items []metav1.OwnerReference }
		equalCase(t, func(a, b *refs) bool { return ownerReferencesEqual(a.Items, b.Items) },
			func(r *refs) *refs { return &refs{Items: deepCopySlice(r.Items)} })
	})
	t.Run("Projected", func(t *testing.T) {
		equalCase(t, projectedEqual, (*corev1.ProjectedVolumeSource).DeepCopy)
	})
	t.Run("VolumeProjection", func(t *testing.T) {
		equalCase(t, volumeProjectionEqual, (*corev1.VolumeProjection).DeepCopy)
	})
	t.Run("DownwardAPIVolume", func(t *testing.T) {
		equalCase(t, downwardAPIVolumeEqual, (*corev1.DownwardAPIVolumeSource).DeepCopy)
	})
	t.Run("Tolerations", func(t *testing.T) {
		type tols struct{ Items []corev1.Toleration }
		equalCase(t, func(a, b *tols) bool { return tolerationsEqual(a.Items, b.Items) },
			func(r *tols) *tols { return &tols{Items: deepCopySlice(r.Items)} })
	})
	t.Run("EmptyDir", func(t *testing.T) {
		equalCase(t, emptyDirEqual, (*corev1.EmptyDirVolumeSource).DeepCopy)
	})
	t.Run("ConfigMapVolume", func(t *testing.T) {
		equalCase(t, configMapVolumeEqual, (*corev1.ConfigMapVolumeSource).DeepCopy)
	})
	t.Run("Pod", func(t *testing.T) {
		equalCase(t, podEqual, (*corev1.Pod).DeepCopy)
	})
}

// TestContainerEqualNamesEveryField: a field added to corev1.Container by
// a newer k8s.io/api would be left out of containerEqual, which would then
// share containers that differ in it; this lists the fields it compares.
func TestContainerEqualNamesEveryField(t *testing.T) {
	t.Parallel()
	compared := []string{"Name", "Image", "Command", "Args", "WorkingDir", "Ports", "EnvFrom", "Env",
		"Resources", "ResizePolicy", "RestartPolicy", "RestartPolicyRules", "VolumeMounts", "VolumeDevices",
		"LivenessProbe", "ReadinessProbe", "StartupProbe", "Lifecycle", "TerminationMessagePath",
		"TerminationMessagePolicy", "ImagePullPolicy", "SecurityContext", "Stdin", "StdinOnce", "TTY"}
	var fields []string
	for f := range reflect.TypeFor[corev1.Container]().Fields() {
		fields = append(fields, f.Name)
	}
	if !reflect.DeepEqual(fields, compared) {
		t.Fatalf("corev1.Container has fields %v; containerEqual compares %v", fields, compared)
	}
}

// deepCopySlice deep-copies a slice of an API type, as its generated
// DeepCopy would: nil stays nil.
func deepCopySlice[T any, PT interface {
	*T
	DeepCopyInto(*T)
}](in []T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i := range in {
		PT(&in[i]).DeepCopyInto(&out[i])
	}
	return out
}
