package sim

import (
	"math/rand/v2"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
)

// nameAlphabet is the alphabet Kubernetes draws generated name suffixes
// from (no vowels, no confusable characters).
const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// randSuffix draws n characters for a generated name. Callers hold s.mu.
func (s *Sim) randSuffix(n int) string {
	var b strings.Builder
	b.Grow(n)
	for range n {
		b.WriteByte(nameAlphabet[s.rng.IntN(len(nameAlphabet))])
	}
	return b.String()
}

// newUID draws a version-4 UUID. Callers hold s.mu.
func (s *Sim) newUID() types.UID { return drawUID(s.rng) }

// drawUID draws a version-4 UUID from rng.
func drawUID(rng *rand.Rand) types.UID {
	hi, lo := rng.Uint64(), rng.Uint64()
	hi = hi&^(0xf<<12) | 0x4<<12 // version 4
	lo = lo&^(0x3<<62) | 0x2<<62 // RFC 4122 variant
	// As fmt's "%08x-%04x-%04x-%04x-%012x" of hi>>32, hi>>16&0xffff,
	// hi&0xffff, lo>>48 and lo&0xffffffffffff.
	var b [36]byte
	putHex(b[0:8], hi>>32)
	b[8] = '-'
	putHex(b[9:13], hi>>16)
	b[13] = '-'
	putHex(b[14:18], hi)
	b[18] = '-'
	putHex(b[19:23], lo>>48)
	b[23] = '-'
	putHex(b[24:36], lo)
	return types.UID(b[:])
}

// putHex writes the len(dst) lowest hex digits of v into dst.
func putHex(dst []byte, v uint64) {
	const digits = "0123456789abcdef"
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = digits[v&0xf]
		v >>= 4
	}
}

// kindFor maps a resource to its kind in the client-go scheme. Callers
// hold s.mu.
func (s *Sim) kindFor(gvr schema.GroupVersionResource) (schema.GroupVersionKind, bool) {
	if s.kinds == nil {
		s.kinds = map[schema.GroupVersionResource]schema.GroupVersionKind{}
		for gvk := range scheme.Scheme.AllKnownTypes() {
			if gvk.Version == runtime.APIVersionInternal || strings.HasSuffix(gvk.Kind, "List") {
				continue
			}
			plural, _ := meta.UnsafeGuessKindToResource(gvk)
			s.kinds[plural] = gvk
		}
	}
	gvk, ok := s.kinds[gvr]
	return gvk, ok
}
