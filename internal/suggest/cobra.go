package suggest

import "strings"

// Levenshtein is the edit distance cobra's suggestions use: insertions,
// deletions and substitutions cost one (a swap of neighbours costs two),
// case ignored.
func Levenshtein(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// CobraMinimumDistance is cobra's default SuggestionsMinimumDistance,
// which kubectl keeps.
const CobraMinimumDistance = 2

// Cobra returns the names cobra suggests for a mistyped command, in the
// order given (the order the commands were added): every name within
// CobraMinimumDistance edits of word, or that starts with it, case
// ignored (cobra's Command.SuggestionsFor).
func Cobra(word string, names []string) []string {
	var out []string
	for _, n := range names {
		if Levenshtein(word, n) <= CobraMinimumDistance || strings.HasPrefix(strings.ToLower(n), strings.ToLower(word)) {
			out = append(out, n)
		}
	}
	return out
}
