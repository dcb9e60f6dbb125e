package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

// TestDrawUIDFormatsAsSprintf: drawUID writes its UUIDs by hand, as
// fmt's %x verbs of its two draws would, for the draws of a stream and
// for the extremes.
func TestDrawUIDFormatsAsSprintf(t *testing.T) {
	t.Parallel()
	want := func(hi, lo uint64) types.UID {
		hi = hi&^(0xf<<12) | 0x4<<12
		lo = lo&^(0x3<<62) | 0x2<<62
		return types.UID(fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff))
	}
	draws := rand.New(rand.NewPCG(3, 5))
	uids := rand.New(rand.NewPCG(3, 5))
	for i := 0; i < 10000; i++ {
		hi, lo := draws.Uint64(), draws.Uint64()
		if got, w := drawUID(uids), want(hi, lo); got != w {
			t.Fatalf("draw %d: %s, want %s", i, got, w)
		}
	}
	for _, v := range [][2]uint64{{0, 0}, {^uint64(0), ^uint64(0)}} {
		got := drawUID(rand.New(constSource(v)))
		if w := want(v[0], v[1]); got != w {
			t.Fatalf("%x: %s, want %s", v, got, w)
		}
	}
}

// constSource draws v[0], v[1], v[0], ...
type constSourceState struct {
	v [2]uint64
	i int
}

func constSource(v [2]uint64) rand.Source { return &constSourceState{v: v} }

func (s *constSourceState) Uint64() uint64 {
	x := s.v[s.i%2]
	s.i++
	return x
}
