package model

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
	"pgregory.net/rapid"
)

// nameString draws strings near the edges of the name rules: the
// characters they treat differently, lengths around 63 and 253, empty
// parts, and a byte outside ASCII.
func nameString() *rapid.Generator[string] {
	char := rapid.SampledFrom([]string{"a", "z", "0", "9", "A", "Z", "-", "_", ".", "/", "é", " "})
	short := rapid.Custom(func(t *rapid.T) string {
		return strings.Join(rapid.SliceOfN(char, 0, rapid.SampledFrom([]int{0, 2, 8}).Draw(t, "max")).Draw(t, "chars"), "")
	})
	return rapid.Custom(func(t *rapid.T) string {
		s := short.Draw(t, "head")
		if n := rapid.SampledFrom([]int{0, 0, 55, 56, 62, 63, 64, 240, 246, 252, 253, 254}).Draw(t, "pad"); n > 0 {
			filler := rapid.SampledFrom([]string{"a", "a.", "A", "-a"}).Draw(t, "filler")
			pad := strings.Repeat(filler, n/len(filler)+1)[:n]
			s = rapid.SampledFrom([]string{s + pad, pad + s, pad}).Draw(t, "where")
		}
		return s + short.Draw(t, "tail")
	})
}

func TestNameChecksAgreeWithApimachinery(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := nameString().Draw(t, "s")
		for _, c := range []struct {
			name  string
			quick bool
			msgs  []string
		}{
			{"IsDNS1123Label", IsDNS1123Label(s), validation.IsDNS1123Label(s)},
			{"IsDNS1123Subdomain", IsDNS1123Subdomain(s), validation.IsDNS1123Subdomain(s)},
			{"IsLabelKey", IsLabelKey(s), validation.IsQualifiedName(s)},
			{"IsLabelValue", IsLabelValue(s), validation.IsValidLabelValue(s)},
		} {
			if c.quick != (len(c.msgs) == 0) {
				t.Fatalf("%s(%q) = %v, apimachinery says %q", c.name, s, c.quick, c.msgs)
			}
		}
	})
}

// TestNameChecksOnKnownCases pins the cases a draw may miss.
func TestNameChecksOnKnownCases(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s                          string
		label, subdomain, key, val bool
	}{
		{s: "demo", label: true, subdomain: true, key: true, val: true},
		{s: "istio.io/rev", key: true},
		{s: "a.b", subdomain: true, key: true, val: true},
		{s: "", val: true},
		{s: "-a", key: false},
		{s: "A", key: true, val: true},
		{s: "a/b/c"},
		{s: "/a"},
		{s: "a_b", key: true, val: true},
		{s: strings.Repeat("a", 63), label: true, subdomain: true, key: true, val: true},
		{s: strings.Repeat("a", 64), subdomain: true},
		{s: strings.Repeat("a.", 126) + "a", subdomain: true, key: false, val: false},
		{s: strings.Repeat("a.", 127)},
		{s: strings.Repeat("a.", 126) + "a/b", key: true},
	} {
		got := [4]bool{IsDNS1123Label(tt.s), IsDNS1123Subdomain(tt.s), IsLabelKey(tt.s), IsLabelValue(tt.s)}
		if want := [4]bool{tt.label, tt.subdomain, tt.key, tt.val}; got != want {
			t.Errorf("%q: label, subdomain, key, value = %v, want %v", tt.s, got, want)
		}
	}
}
