package backend

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPhaseTimesAddUpByPhaseLongestFirst(t *testing.T) {
	t.Parallel()
	pt := newPhaseTimes()
	now := time.Now()
	pt.since("reset", now.Add(-3*time.Second))
	pt.since("advance", now.Add(-1*time.Second))
	pt.since("reset", now.Add(-2*time.Second))
	var b strings.Builder
	if err := pt.write(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(strings.TrimSpace(lines[0]), "reset") || !strings.Contains(lines[0], "2 times") ||
		!strings.HasPrefix(strings.TrimSpace(lines[1]), "advance") {
		t.Fatalf("want reset (2 times, 5s) then advance, got:\n%s", b.String())
	}
	if !regexp.MustCompile(`\s5(\.\d+)?s total`).MatchString(lines[0]) {
		t.Errorf("reset's total is not 5s:\n%s", lines[0])
	}
}
