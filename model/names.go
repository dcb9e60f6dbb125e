package model

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// The checks below accept exactly the strings that apimachinery's
// validation functions of the same names accept (TestNameChecksAgreeWithApimachinery
// draws strings to compare them), without their regular expressions,
// which were a tenth of a sync's time. Callers use them for the quick
// yes and call apimachinery's for the messages of a no.

// IsDNS1123Label reports whether s is an RFC 1123 label: at most 63
// lower-case alphanumerics or '-', starting and ending with an
// alphanumeric.
func IsDNS1123Label(s string) bool {
	return len(s) <= 63 && isLabelRun(s)
}

// DNS1123LabelProblems is apimachinery's validation.IsDNS1123Label: its
// messages for s, none for a valid label, which it answers without the
// regular expression.
func DNS1123LabelProblems(s string) []string {
	if IsDNS1123Label(s) {
		return nil
	}
	return validation.IsDNS1123Label(s)
}

// IsDNS1123Subdomain reports whether s is an RFC 1123 subdomain: at most
// 253 characters, RFC 1123 labels (of any length) joined by dots.
func IsDNS1123Subdomain(s string) bool {
	if len(s) > 253 {
		return false
	}
	for part := range strings.SplitSeq(s, ".") {
		if !isLabelRun(part) {
			return false
		}
	}
	return true
}

// IsLabelKey reports whether s is a valid label key (a qualified name):
// an optional RFC 1123 subdomain prefix and '/', then a name of at most
// 63 alphanumerics, '-', '_' or '.', starting and ending with an
// alphanumeric.
func IsLabelKey(s string) bool {
	name := s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		prefix := s[:i]
		name = s[i+1:]
		if !IsDNS1123Subdomain(prefix) {
			return false
		}
	}
	return name != "" && IsLabelValue(name)
}

// IsLabelValue reports whether s is a valid label value: empty, or at
// most 63 alphanumerics, '-', '_' or '.', starting and ending with an
// alphanumeric.
func IsLabelValue(s string) bool {
	if len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlnum(c):
		case (c == '-' || c == '_' || c == '.') && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

// isLabelRun is the RFC 1123 label pattern without its length limit.
func isLabelRun(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isLowerAlnum(rune(c)):
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
