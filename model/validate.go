package model

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// namespaceNameRule is the RFC 1123 label rule in words, appended to every
// namespace-name error.
const namespaceNameRule = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " +
	"start and end with an alphanumeric character, and be at most 63 characters (e.g. 'my-name')"

// maxListedCharacters caps how many offending characters one error names.
const maxListedCharacters = 3

// ValidateNamespaceName checks name against Kubernetes' namespace rule (an
// RFC 1123 label, B02). The error names the rule and, for bad characters,
// each offending character with its 1-based position.
func ValidateNamespaceName(name string) error {
	if IsDNS1123Label(name) {
		return nil
	}
	return fmt.Errorf("invalid namespace name %q: %s: %s", name, strings.Join(namespaceNameProblems(name), "; "), namespaceNameRule)
}

// namespaceNameProblems lists, in position order, what breaks the rule.
func namespaceNameProblems(name string) []string {
	if name == "" {
		return []string{"must not be empty"}
	}
	var problems []string
	runes := []rune(name)
	var bad []string
	for i, r := range runes {
		pos := i + 1
		switch {
		case isLowerAlnum(r):
		case r == '-' && i == 0:
			bad = append(bad, fmt.Sprintf("character %q at position %d is not allowed at the start", string(r), pos))
		case r == '-' && i == len(runes)-1:
			bad = append(bad, fmt.Sprintf("character %q at position %d is not allowed at the end", string(r), pos))
		case r == '-':
		default:
			bad = append(bad, fmt.Sprintf("character %q at position %d is not allowed", string(r), pos))
		}
	}
	if len(bad) > maxListedCharacters {
		more := len(bad) - maxListedCharacters
		bad = append(bad[:maxListedCharacters], fmt.Sprintf("and %d more", more))
	}
	problems = append(problems, bad...)
	if n := len(name); n > validation.DNS1123LabelMaxLength {
		problems = append(problems, fmt.Sprintf("it is %d characters long, more than %d", n, validation.DNS1123LabelMaxLength))
	}
	return problems
}

func isLowerAlnum(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')
}

// ValidateLabelKey checks a label key: an optional DNS subdomain prefix and
// "/", then a name of at most 63 characters.
func ValidateLabelKey(key string) error {
	if IsLabelKey(key) {
		return nil
	}
	if msgs := validation.IsQualifiedName(key); len(msgs) > 0 {
		return fmt.Errorf("invalid label key %q: %s", key, strings.Join(msgs, "; "))
	}
	return nil
}

// ValidateLabelValue checks the value of label key.
func ValidateLabelValue(key, value string) error {
	if IsLabelValue(value) {
		return nil
	}
	if msgs := validation.IsValidLabelValue(value); len(msgs) > 0 {
		return fmt.Errorf("invalid value %q for label %q: %s", value, key, strings.Join(msgs, "; "))
	}
	return nil
}

// ValidateLabels checks every key and value and reports every problem at
// once, sorted by key.
func ValidateLabels(labels map[string]string) error {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		if err := ValidateLabelKey(k); err != nil {
			errs = append(errs, err)
		}
		if err := ValidateLabelValue(k, labels[k]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
