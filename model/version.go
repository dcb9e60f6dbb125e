package model

import (
	"fmt"
	"strconv"
	"strings"
)

// ASMVersion is an ASM release number: four dot-separated non-negative
// integers, such as 1.22.2.35.
type ASMVersion struct{ Major, Minor, Patch, Build int }

// ParseASMVersion parses "1.22.2.35". A leading "v" is not accepted: ASM
// names its releases without one.
func ParseASMVersion(s string) (ASMVersion, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return ASMVersion{}, fmt.Errorf("invalid ASM version %q: want four dot-separated numbers like 1.22.2.35", s)
	}
	var n [4]int
	names := [4]string{"major", "minor", "patch", "build"}
	for i, p := range parts {
		v, err := parseNonNegative(p)
		if err != nil {
			return ASMVersion{}, fmt.Errorf("invalid ASM version %q: %s part %q is not a non-negative number; want four dot-separated numbers like 1.22.2.35", s, names[i], p)
		}
		n[i] = v
	}
	return ASMVersion{Major: n[0], Minor: n[1], Patch: n[2], Build: n[3]}, nil
}

// ParseIstioVersion parses an upstream Istio release number, three
// dot-separated non-negative integers such as 1.28.0, as Istio numbers its
// releases. The result is kept as an ASMVersion whose build is 0, so that
// the rules compare both products' releases alike.
func ParseIstioVersion(s string) (ASMVersion, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		hint := ""
		if _, err := ParseASMVersion(s); err == nil {
			hint = " (four numbers are an ASM release; drop --profile istio to model ASM)"
		}
		return ASMVersion{}, fmt.Errorf("invalid Istio version %q: want three dot-separated numbers like 1.28.0%s", s, hint)
	}
	var n [3]int
	names := [3]string{"major", "minor", "patch"}
	for i, p := range parts {
		v, err := parseNonNegative(p)
		if err != nil {
			return ASMVersion{}, fmt.Errorf("invalid Istio version %q: %s part %q is not a non-negative number; want three dot-separated numbers like 1.28.0", s, names[i], p)
		}
		n[i] = v
	}
	return ASMVersion{Major: n[0], Minor: n[1], Patch: n[2]}, nil
}

// ParseMeshVersion parses a release number as the profile's product
// numbers its releases: ASM's four numbers (1.22.2.35), upstream Istio's
// three (1.28.0).
func ParseMeshVersion(p Profile, s string) (ASMVersion, error) {
	if p == ProfileIstio {
		return ParseIstioVersion(s)
	}
	return ParseASMVersion(s)
}

// FormatMeshVersion renders v as the profile's product numbers its
// releases: 1.22.2.35 for ASM, 1.28.0 for upstream Istio.
func FormatMeshVersion(p Profile, v ASMVersion) string {
	if p == ProfileIstio {
		return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	}
	return v.String()
}

// VersionName is the mesh's release as its product numbers it
// (FormatMeshVersion).
func (c MeshConfig) VersionName() string { return FormatMeshVersion(c.Profile, c.Version) }

// MustASMVersion is ParseASMVersion for literals; it panics on bad input.
func MustASMVersion(s string) ASMVersion {
	v, err := ParseASMVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String renders the version as "1.22.2.35".
func (v ASMVersion) String() string {
	return fmt.Sprintf("%d.%d.%d.%d", v.Major, v.Minor, v.Patch, v.Build)
}

// IsZero reports whether v is the zero value (no version set).
func (v ASMVersion) IsZero() bool { return v == ASMVersion{} }

// Compare returns -1, 0 or 1 as v is older than, equal to or newer than o.
func (v ASMVersion) Compare(o ASMVersion) int {
	return compareInts([]int{v.Major, v.Minor, v.Patch, v.Build}, []int{o.Major, o.Minor, o.Patch, o.Build})
}

// AtLeast reports whether v >= o.
func (v ASMVersion) AtLeast(o ASMVersion) bool { return v.Compare(o) >= 0 }

// MinECIVersion is the oldest ASM release that meshes pods on ECI virtual
// nodes (B21).
func MinECIVersion() ASMVersion { return ASMVersion{1, 7, 5, 41} }

// MinHomingVersion is the oldest ASM release with homing clusters for
// global namespaces (B24).
func MinHomingVersion() ASMVersion { return ASMVersion{1, 17, 2, 37} }

// MinIstioNativeDefaultVersion is the first upstream Istio release (as a
// four-part version) that makes sidecars native by itself, where every node
// runs Kubernetes 1.33 or later (profile istio, B30).
func MinIstioNativeDefaultVersion() ASMVersion { return ASMVersion{Major: 1, Minor: 27} }

// MinIstioExactInjectVersion is the first upstream Istio release whose
// injectRequired counts only the exact values "true" and "false" of
// sidecar.istio.io/inject; older ones read y, yes, true and on (in any case)
// as yes and any other non-empty value as no (profile istio, B15).
func MinIstioExactInjectVersion() ASMVersion { return ASMVersion{Major: 1, Minor: 27} }

// MinNativeSidecarVersion is the oldest ASM release that turns native
// sidecars on by default (B30).
func MinNativeSidecarVersion() ASMVersion { return ASMVersion{1, 22, 0, 0} }

// KubeVersion is a Kubernetes minor release, such as 1.30.
type KubeVersion struct{ Major, Minor int }

// ParseKubeVersion accepts "1.30", "v1.30" and "1.30.2" (the patch is
// dropped).
func ParseKubeVersion(s string) (KubeVersion, error) {
	t := strings.TrimPrefix(s, "v")
	// strings.Split(t, ".") without its slice: the kubelet's version of
	// every node is read for every pod placed.
	var split [3]string
	count := 0
	for rest, more := t, true; more; count++ {
		if count == len(split) {
			count++
			break
		}
		split[count], rest, more = strings.Cut(rest, ".")
	}
	if count < 2 || count > 3 {
		return KubeVersion{}, fmt.Errorf("invalid Kubernetes version %q: want MAJOR.MINOR like 1.30 (a leading v and a patch, as in v1.30.2, are accepted)", s)
	}
	var n [3]int
	for i, p := range split[:count] {
		v, err := parseNonNegative(p)
		if err != nil {
			return KubeVersion{}, fmt.Errorf("invalid Kubernetes version %q: part %q is not a non-negative number; want MAJOR.MINOR like 1.30", s, p)
		}
		n[i] = v
	}
	return KubeVersion{Major: n[0], Minor: n[1]}, nil
}

// MustKubeVersion is ParseKubeVersion for literals; it panics on bad input.
func MustKubeVersion(s string) KubeVersion {
	v, err := ParseKubeVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String renders the version as "1.30".
func (v KubeVersion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// IsZero reports whether v is the zero value (no version set).
func (v KubeVersion) IsZero() bool { return v == KubeVersion{} }

// Compare returns -1, 0 or 1 as v is older than, equal to or newer than o.
func (v KubeVersion) Compare(o KubeVersion) int {
	return compareInts([]int{v.Major, v.Minor}, []int{o.Major, o.Minor})
}

// AtLeast reports whether v >= major.minor.
func (v KubeVersion) AtLeast(major, minor int) bool {
	return v.Compare(KubeVersion{Major: major, Minor: minor}) >= 0
}

func parseNonNegative(p string) (int, error) {
	if p == "" {
		return 0, fmt.Errorf("empty")
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("not a digit: %q", r)
		}
	}
	return strconv.Atoi(p)
}

func compareInts(a, b []int) int {
	for i := range a {
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return 0
}
