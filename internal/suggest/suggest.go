package suggest

import "strings"

// Closest returns the candidate nearest to word when it is a likely typo
// (at most two edits, a swap of neighbours counting as one, or a prefix),
// or "".
func Closest(word string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		d := Distance(word, c)
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" && len(word) >= 2 {
		for _, c := range candidates {
			if strings.HasPrefix(c, word) {
				return c
			}
		}
	}
	return best
}

// Distance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of adjacent characters cost one.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
