package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// span is a byte range [a, b) of the original input text.
type span struct{ a, b int32 }

// seg is a piece of (possibly normalized) text together with where each of
// its bytes came from in the original input. When al is nil, byte i of s is
// byte base+i of the input; otherwise al[i] is the input range that produced
// byte i (empty for inserted text such as a prepended "▁").
type seg struct {
	s    string
	base int
	al   []span // (len(s)) or nil
}

// orig returns the input byte range covered by s[a:b].
func (g seg) orig(a, b int) (int, int) {
	if g.al == nil {
		return g.base + a, g.base + b
	}
	if a >= b {
		if a < len(g.al) {
			return int(g.al[a].a), int(g.al[a].a)
		}
		if len(g.al) > 0 {
			return int(g.al[len(g.al)-1].b), int(g.al[len(g.al)-1].b)
		}
		return g.base, g.base
	}
	lo, hi := int(g.al[a].a), int(g.al[b-1].b)
	// Inserted bytes have empty ranges; widen over the run so that a token
	// made of inserted and real bytes covers the real ones.
	for i := a; i < b; i++ {
		if g.al[i].a < g.al[i].b {
			lo = min(lo, int(g.al[i].a))
			break
		}
	}
	for i := b - 1; i >= a; i-- {
		if g.al[i].a < g.al[i].b {
			hi = max(hi, int(g.al[i].b))
			break
		}
	}
	return lo, hi
}

// sub returns s[a:b] with its alignment.
func (g seg) sub(a, b int) seg {
	if g.al == nil {
		return seg{s: g.s[a:b], base: g.base + a}
	}
	return seg{s: g.s[a:b], al: g.al[a:b]}
}

// aligned returns the explicit per-byte alignment of g.
func (g seg) aligned() []span {
	if g.al != nil {
		return g.al
	}
	al := make([]span, len(g.s))
	for i := range al {
		al[i] = span{int32(g.base + i), int32(g.base + i + 1)}
	}
	return al
}

// segBuilder builds a transformed seg rune by rune.
type segBuilder struct {
	buf []byte
	al  []span
}

func (sb *segBuilder) add(s string, r span) {
	sb.buf = append(sb.buf, s...)
	for range len(s) {
		sb.al = append(sb.al, r)
	}
}

func (sb *segBuilder) seg() seg { return seg{s: string(sb.buf), al: sb.al} }

// mapRunes replaces every rune of g by f(rune); the output of one rune
// inherits that rune's input range. f returns ok=false to keep the rune.
func mapRunes(g seg, f func(r rune) (string, bool)) seg {
	changed := false
	for _, r := range g.s {
		if _, ok := f(r); ok {
			changed = true
			break
		}
	}
	if !changed {
		return g
	}
	al := g.aligned()
	var sb segBuilder
	for i := 0; i < len(g.s); {
		r, n := utf8.DecodeRuneInString(g.s[i:])
		rng := span{al[i].a, al[i+n-1].b}
		if out, ok := f(r); ok {
			sb.add(out, rng)
		} else {
			sb.buf = append(sb.buf, g.s[i:i+n]...)
			sb.al = append(sb.al, al[i:i+n]...)
		}
		i += n
	}
	return sb.seg()
}

// prependStr inserts p before g; the inserted bytes have an empty range at
// the start of g.
func prependStr(g seg, p string) seg {
	al := g.aligned()
	at := int32(g.base)
	if len(al) > 0 {
		at = al[0].a
	}
	var sb segBuilder
	sb.add(p, span{at, at})
	sb.buf = append(sb.buf, g.s...)
	sb.al = append(sb.al, al...)
	return sb.seg()
}

// replaceAll replaces every occurrence of the literal old by new; the
// replacement inherits the range of the replaced bytes.
func replaceAll(g seg, old, new string) seg {
	if old == "" || !strings.Contains(g.s, old) {
		return g
	}
	al := g.aligned()
	var sb segBuilder
	for i := 0; i < len(g.s); {
		if len(g.s)-i >= len(old) && g.s[i:i+len(old)] == old {
			sb.add(new, span{al[i].a, al[i+len(old)-1].b})
			i += len(old)
			continue
		}
		sb.buf = append(sb.buf, g.s[i])
		sb.al = append(sb.al, al[i])
		i++
	}
	return sb.seg()
}
