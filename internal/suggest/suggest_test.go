package suggest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDistanceAndClosest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"kubeclt", "kubectl", 1}, {"kitten", "sitting", 3}, {"mesh", "mesh", 0}, {"ca", "abc", 3},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Distance(tt.a, tt.b), "Distance(%q, %q)", tt.a, tt.b)
	}
	names := []string{"advance", "analyze", "asm", "cluster", "kubectl", "mesh"}
	for word, want := range map[string]string{"kubeclt": "kubectl", "msh": "mesh", "analyse": "analyze", "clu": "cluster", "zzzzzz": ""} {
		assert.Equal(t, want, Closest(word, names), "Closest(%q)", word)
	}
}
