package kubectl

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
)

// describeGeneric is kubectl describe for a kind kubectl has no describer
// of its own for (MutatingWebhookConfiguration among them): kubectl's
// generic describer (k8s.io/kubectl pkg/describe/describe.go,
// genericDescriber) prints the name, namespace, labels and annotations,
// then every other field of the object as the server returns it, keys
// sorted and labelled by smartLabelFor, then its events.
func (k *kubectlRun) describeGeneric(cs kubernetes.Interface, r *kubeResource, obj runtime.Object, showEvents bool) (string, error) {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return "", fmt.Errorf("describe %s: %w", r.plural, err)
	}
	apiVersion := r.version
	if r.group != "" {
		apiVersion = r.group + "/" + r.version
	}
	content["apiVersion"], content["kind"] = apiVersion, r.kind
	m := kubeMeta(obj)
	w := newDescribeWriter()
	w.write(0, "Name:\t%s\n", m.GetName())
	w.write(0, "Namespace:\t%s\n", m.GetNamespace())
	w.labelsBlock("Labels", m.GetLabels())
	w.annotationsBlock("Annotations", m.GetAnnotations())
	w.unstructured(0, content, "", ".metadata.managedFields", ".metadata.name",
		".metadata.namespace", ".metadata.labels", ".metadata.annotations")
	if showEvents {
		w.events(k.objectEvents(cs, m.GetNamespace(), m.GetName(), r.kind, string(m.GetUID())), k.host.Now())
	}
	return w.String(), nil
}

// unstructured prints an object's fields, sorted, one level deeper per
// map; list items that are maps are printed one after another at the
// list's level plus one, other items one a line (printUnstructuredContent).
func (w *describeWriter) unstructured(level int, content map[string]any, prefix string, skip ...string) {
	fields := make([]string, 0, len(content))
	for field := range content {
		fields = append(fields, field)
	}
	sort.Strings(fields)
	for _, field := range fields {
		path := prefix + "." + field
		if slices.Contains(skip, path) {
			continue
		}
		switch v := content[field].(type) {
		case map[string]any:
			w.write(level, "%s:\n", smartLabelFor(field))
			w.unstructured(level+1, v, path, skip...)
		case []any:
			w.write(level, "%s:\n", smartLabelFor(field))
			for _, item := range v {
				if m, ok := item.(map[string]any); ok {
					w.unstructured(level+1, m, path, skip...)
					continue
				}
				w.write(level+1, "%v\n", item)
			}
		default:
			w.write(level, "%s:\t%v\n", smartLabelFor(field), v)
		}
	}
}

// smartLabelFor turns a field name into describe's label: camel case
// split into words, lower-case words capitalised, API, URL, UID and GUID
// in capitals ("apiVersion" is "API Version"); a name with characters
// other than letters and '-' is printed as it is.
func smartLabelFor(field string) string {
	if strings.IndexFunc(field, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) != -1 {
		return field
	}
	parts := splitCamelCase(field)
	merged := make([]string, 0, len(parts))
	for i := 0; i < len(parts); i++ {
		part := parts[i]
		if i < len(parts)-1 && len(part) >= 2 && isUpperWord(part) && startsUpper(parts[i+1]) {
			merged = append(merged, part+parts[i+1])
			i++
			continue
		}
		merged = append(merged, part)
	}
	words := make([]string, 0, len(merged))
	for _, part := range merged {
		if part == "_" {
			continue
		}
		switch {
		case slices.Contains([]string{"API", "URL", "UID", "GUID"}, strings.ToUpper(part)):
			part = strings.ToUpper(part)
		case strings.ToLower(part) == part:
			r := []rune(part)
			r[0] = unicode.ToTitle(r[0])
			part = string(r)
		}
		words = append(words, part)
	}
	return strings.Join(words, " ")
}

// splitCamelCase splits a word where its characters change class (lower
// case, upper case, digit, other), an upper-case run followed by lower
// case giving its last letter to the next word: "apiVersion" is "api",
// "Version"; "HTTPServer" is "HTTP", "Server"; "istio-injection" is
// "istio", "-", "injection".
func splitCamelCase(s string) []string {
	class := func(r rune) int {
		switch {
		case unicode.IsLower(r):
			return 1
		case unicode.IsUpper(r):
			return 2
		case unicode.IsDigit(r):
			return 3
		}
		return 4
	}
	var runs [][]rune
	last := 0
	for _, r := range s {
		c := class(r)
		if c == last {
			runs[len(runs)-1] = append(runs[len(runs)-1], r)
		} else {
			runs = append(runs, []rune{r})
		}
		last = c
	}
	for i := 0; i+1 < len(runs); i++ {
		if len(runs[i]) > 0 && unicode.IsUpper(runs[i][0]) && len(runs[i+1]) > 0 && unicode.IsLower(runs[i+1][0]) {
			tail := runs[i][len(runs[i])-1]
			runs[i+1] = append([]rune{tail}, runs[i+1]...)
			runs[i] = runs[i][:len(runs[i])-1]
		}
	}
	out := make([]string, 0, len(runs))
	for _, r := range runs {
		if len(r) > 0 {
			out = append(out, string(r))
		}
	}
	return out
}

func isUpperWord(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

func startsUpper(s string) bool {
	r := []rune(s)
	return len(r) > 0 && unicode.IsUpper(r[0])
}
