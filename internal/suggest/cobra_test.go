package suggest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLevenshteinIsCobras(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"get", "", 3}, {"GET", "get", 0}, {"kitten", "sitting", 3},
		// A swap of neighbours is two edits, not one as in Distance.
		{"gte", "get", 2}, {"dleete", "delete", 2}, {"dleet", "delete", 3},
	}
	for _, tt := range tests {
		t.Run(tt.a+"-"+tt.b, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Levenshtein(tt.a, tt.b))
			assert.Equal(t, tt.want, Levenshtein(tt.b, tt.a))
		})
	}
}

func TestCobraSuggestions(t *testing.T) {
	t.Parallel()
	names := []string{"create", "get", "delete", "describe", "label", "apply", "api-resources", "api-versions"}
	tests := []struct {
		word string
		want []string
	}{
		{"delte", []string{"delete"}},
		{"dleet", nil}, // three edits: Distance would say two
		{"ge", []string{"get"}},
		{"de", []string{"get", "delete", "describe"}},      // "get" within two edits, the others by prefix
		{"API", []string{"api-resources", "api-versions"}}, // "apply" is three edits away
		{"lable", []string{"label"}},
		{"zzzzzz", nil},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Cobra(tt.word, names))
		})
	}
}
