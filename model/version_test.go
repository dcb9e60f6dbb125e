package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseASMVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    ASMVersion
		wantErr string
	}{
		{in: "1.22.2.35", want: ASMVersion{1, 22, 2, 35}},
		{in: "1.7.5.41", want: ASMVersion{1, 7, 5, 41}},
		{in: "0.0.0.0", want: ASMVersion{}},
		{in: "1.22.2", wantErr: `invalid ASM version "1.22.2": want four dot-separated numbers like 1.22.2.35`},
		{in: "1.22.2.35.1", wantErr: `invalid ASM version "1.22.2.35.1": want four dot-separated numbers like 1.22.2.35`},
		{in: "", wantErr: `invalid ASM version "": want four dot-separated numbers like 1.22.2.35`},
		{in: "v1.22.2.35", wantErr: `invalid ASM version "v1.22.2.35": major part "v1" is not a non-negative number; want four dot-separated numbers like 1.22.2.35`},
		{in: "1.22.-2.35", wantErr: `invalid ASM version "1.22.-2.35": patch part "-2" is not a non-negative number; want four dot-separated numbers like 1.22.2.35`},
		{in: "1..2.35", wantErr: `invalid ASM version "1..2.35": minor part "" is not a non-negative number; want four dot-separated numbers like 1.22.2.35`},
		{in: "1.22.2.x", wantErr: `invalid ASM version "1.22.2.x": build part "x" is not a non-negative number; want four dot-separated numbers like 1.22.2.35`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseASMVersion(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseASMVersion(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseASMVersion(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseASMVersion(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Fatalf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestASMVersionCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"1.22.2.35", "1.22.2.35", 0},
		{"1.7.5.41", "1.7.5.40", 1},
		{"1.7.5.40", "1.7.5.41", -1},
		{"1.10.0.0", "1.9.9.99", 1},
		{"1.17.2.37", "1.22.0.0", -1},
		{"2.0.0.0", "1.99.99.99", 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_vs_"+tt.b, func(t *testing.T) {
			t.Parallel()
			a, b := MustASMVersion(tt.a), MustASMVersion(tt.b)
			if got := a.Compare(b); got != tt.want {
				t.Fatalf("Compare = %d, want %d", got, tt.want)
			}
			if got := b.Compare(a); got != -tt.want {
				t.Fatalf("reverse Compare = %d, want %d", got, -tt.want)
			}
			if got := a.AtLeast(b); got != (tt.want >= 0) {
				t.Fatalf("AtLeast = %v", got)
			}
		})
	}
}

func TestVersionThresholds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  ASMVersion
		want string
	}{
		{"eci", MinECIVersion(), "1.7.5.41"},
		{"homing", MinHomingVersion(), "1.17.2.37"},
		{"native", MinNativeSidecarVersion(), "1.22.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got.String() != tt.want {
				t.Fatalf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}

func TestMustASMVersionPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("MustASMVersion(\"1.2\") did not panic")
		}
	}()
	MustASMVersion("1.2")
}

func TestParseKubeVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    KubeVersion
		wantErr bool
	}{
		{in: "1.30", want: KubeVersion{1, 30}},
		{in: "v1.30", want: KubeVersion{1, 30}},
		{in: "1.30.2", want: KubeVersion{1, 30}},
		{in: "v1.28.15", want: KubeVersion{1, 28}},
		{in: "1", wantErr: true},
		{in: "1.30.2.1", wantErr: true},
		{in: "1.x", wantErr: true},
		{in: "", wantErr: true},
		{in: "vv1.30", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseKubeVersion(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseKubeVersion(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseKubeVersion(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestKubeVersionAtLeast(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v            string
		major, minor int
		want         bool
	}{
		{"1.30", 1, 30, true},
		{"1.29", 1, 30, false},
		{"1.33", 1, 28, true},
		{"2.0", 1, 99, true},
	}
	for _, tt := range tests {
		t.Run(tt.v, func(t *testing.T) {
			t.Parallel()
			v := MustKubeVersion(tt.v)
			if got := v.AtLeast(tt.major, tt.minor); got != tt.want {
				t.Fatalf("%s.AtLeast(%d,%d) = %v", v, tt.major, tt.minor, got)
			}
			if v.String() != tt.v {
				t.Fatalf("String() = %q", v.String())
			}
		})
	}
}

// Divergence 7: --profile istio takes Istio's own release numbers.
func TestDivergenceIstioVersionNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    ASMVersion
		wantErr string
	}{
		{in: "1.28.0", want: ASMVersion{Major: 1, Minor: 28}},
		{in: "1.31.2", want: ASMVersion{Major: 1, Minor: 31, Patch: 2}},
		{in: "1.28.0.0", wantErr: `invalid Istio version "1.28.0.0": want three dot-separated numbers like 1.28.0 (four numbers are an ASM release; drop --profile istio to model ASM)`},
		{in: "1.28", wantErr: `invalid Istio version "1.28": want three dot-separated numbers like 1.28.0`},
		{in: "v1.28.0", wantErr: `invalid Istio version "v1.28.0": major part "v1" is not a non-negative number; want three dot-separated numbers like 1.28.0`},
		{in: "1.28.0-beta.1", wantErr: `invalid Istio version "1.28.0-beta.1": want three dot-separated numbers like 1.28.0`},
		{in: "1.28.x", wantErr: `invalid Istio version "1.28.x": patch part "x" is not a non-negative number; want three dot-separated numbers like 1.28.0`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMeshVersion(ProfileIstio, tt.in)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, FormatMeshVersion(ProfileIstio, got), "printed as Istio numbers it")
		})
	}
	asm, err := ParseMeshVersion(ProfileASM, "1.22.2.35")
	require.NoError(t, err)
	assert.Equal(t, "1.22.2.35", MeshConfig{Version: asm, Profile: ProfileASM}.VersionName())
	require.ErrorContains(t, CheckMeshUpgrade(ProfileIstio, ASMVersion{Major: 1, Minor: 28}, ASMVersion{Major: 1, Minor: 27}), "1.27.0 is older than the mesh's 1.28.0")
}
