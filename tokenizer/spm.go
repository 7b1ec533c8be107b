package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// spmModel is SentencePiece BPE as llama.cpp runs it for GGUF "llama"
// vocabularies: start from single characters, repeatedly merge the adjacent
// pair whose concatenation is the highest-scoring vocabulary entry (ties: the
// leftmost), then spell each final piece as its token, or by undoing merges,
// or as <0xNN> byte tokens.
type spmModel struct {
	vocab   map[string]int32
	scores  []float32
	byteIDs [256]int32 // id of <0xNN>, -1 if absent
	unk     int32
	// splitSafe: no mergeable piece holds a "▁" right after another
	// character, so no merge can cross the point before a "▁" that follows
	// another character, and the text can be encoded word by word there
	// (with the per-word cache) with exactly the same result.
	splitSafe bool
	cache     wordCache
}

const spmSpace = "▁"

// checkSplitSafe sets splitSafe from the vocabulary.
func (m *spmModel) checkSplitSafe() { m.splitSafe = spaceSplitSafe(m.vocab) }

// spaceSplitSafe reports whether no piece of vocab holds a "▁" right after
// another character (and "▁" itself is a piece). Then, since every merged
// symbol is a piece, no merge can join the character before such a "▁" with
// the "▁", and a text can be encoded piece by piece between those points.
func spaceSplitSafe(vocab map[string]int32) bool {
	if _, ok := vocab[spmSpace]; !ok {
		return false
	}
	for s := range vocab {
		for i := 1; i+len(spmSpace) <= len(s); i++ {
			if s[i:i+len(spmSpace)] == spmSpace && !strings.HasSuffix(s[:i], spmSpace) {
				return false
			}
		}
	}
	return true
}

// encodeBySpace encodes w in pieces cut before every "▁" that follows
// another character, with enc encoding (and caching) each piece.
func encodeBySpace(w string, dst []tok, enc func(string, []tok) []tok) []tok {
	start := 0
	for i := 1; i+len(spmSpace) <= len(w); i++ {
		if w[i] == spmSpace[0] && w[i:i+len(spmSpace)] == spmSpace && !strings.HasSuffix(w[:i], spmSpace) {
			dst = encodeShifted(w[start:i], start, dst, enc)
			start = i
		}
	}
	return encodeShifted(w[start:], start, dst, enc)
}

// encodeShifted encodes w, which starts at byte off of the caller's word.
func encodeShifted(w string, off int, dst []tok, enc func(string, []tok) []tok) []tok {
	n := len(dst)
	dst = enc(w, dst)
	if off != 0 {
		for i := n; i < len(dst); i++ {
			dst[i].a += int32(off)
			dst[i].b += int32(off)
		}
	}
	return dst
}

func (m *spmModel) encodeWord(w string, dst []tok) []tok {
	if !m.splitSafe {
		return m.encodeCached(w, dst)
	}
	return encodeBySpace(w, dst, m.encodeCached)
}

func (m *spmModel) encodeCached(w string, dst []tok) []tok {
	if len(w) == 0 {
		return dst
	}
	if len(w) > maxCachedWord {
		return m.encodeUncached(w, dst)
	}
	if v, ok := m.cache.get(w); ok {
		return append(dst, v...)
	}
	out := m.encodeUncached(w, nil)
	m.cache.put(w, out)
	return append(dst, out...)
}

func (m *spmModel) encodeUncached(w string, out []tok) []tok {
	syms := make([]symbol, 0, len(w))
	for i := 0; i < len(w); {
		_, n := utf8.DecodeRuneInString(w[i:])
		syms = append(syms, symbol{a: int32(i), b: int32(i + n), prev: int32(len(syms) - 1), next: int32(len(syms) + 1)})
		i += n
	}
	syms[len(syms)-1].next = -1
	// revMerge remembers how a merged piece was built, to undo merges whose
	// result is not a token (llama.cpp's resegment).
	type pair struct{ l, r [2]int32 }
	revMerge := map[[2]int32]pair{}
	var h candHeap
	try := func(l int32) {
		if l < 0 {
			return
		}
		r := syms[l].next
		if r < 0 {
			return
		}
		text := w[syms[l].a:syms[r].b]
		id, ok := m.vocab[text]
		if !ok || int(id) >= len(m.scores) {
			return
		}
		h.push(cand{key: -float64(m.scores[id]), left: l, right: r, lid: syms[l].b, rid: syms[r].b, pos: syms[l].a})
		revMerge[[2]int32{syms[l].a, syms[r].b}] = pair{[2]int32{syms[l].a, syms[l].b}, [2]int32{syms[r].a, syms[r].b}}
	}
	for i := 1; i < len(syms); i++ {
		try(int32(i - 1))
	}
	for len(h) > 0 {
		c := h.pop()
		l, r := &syms[c.left], &syms[c.right]
		// valid only if both symbols still have the extents they had
		if l.a == l.b || r.a == r.b || l.b != c.lid || r.b != c.rid || l.next != c.right {
			continue
		}
		l.b = r.b
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = c.left
		}
		r.a, r.b = 0, 0
		try(l.prev)
		try(c.left)
	}
	var reseg func(a, b int32)
	reseg = func(a, b int32) {
		if id, ok := m.vocab[w[a:b]]; ok {
			out = append(out, tok{id, a, b})
			return
		}
		if p, ok := revMerge[[2]int32{a, b}]; ok {
			reseg(p.l[0], p.l[1])
			reseg(p.r[0], p.r[1])
			return
		}
		for k := a; k < b; k++ {
			id := m.byteIDs[w[k]]
			if id < 0 {
				id = m.unk
			}
			if id >= 0 {
				out = append(out, tok{id, k, k + 1})
			}
		}
	}
	for i := int32(0); i >= 0; i = syms[i].next {
		reseg(syms[i].a, syms[i].b)
	}
	return out
}

// wordLevelModel maps each whole word to its id, or to unk.
type wordLevelModel struct {
	vocab map[string]int32
	unk   int32
}

func (m *wordLevelModel) encodeWord(w string, dst []tok) []tok {
	if len(w) == 0 {
		return dst
	}
	id, ok := m.vocab[w]
	if !ok {
		id = m.unk
	}
	if id < 0 {
		return dst
	}
	return append(dst, tok{id, 0, int32(len(w))})
}

// wordPieceModel is greedy longest-match-first WordPiece (BERT).
type wordPieceModel struct {
	vocab    map[string]int32
	unk      int32
	prefix   string
	maxChars int
}

func (m *wordPieceModel) encodeWord(w string, dst []tok) []tok {
	if len(w) == 0 {
		return dst
	}
	unk := func() []tok {
		if m.unk < 0 {
			return dst
		}
		return append(dst, tok{m.unk, 0, int32(len(w))})
	}
	if utf8.RuneCountInString(w) > m.maxChars {
		return unk()
	}
	start := len(dst)
	for a := 0; a < len(w); {
		found := false
		for b := len(w); b > a; {
			s := w[a:b]
			if a > 0 {
				s = m.prefix + s
			}
			if id, ok := m.vocab[s]; ok {
				dst = append(dst, tok{id, int32(a), int32(b)})
				a = b
				found = true
				break
			}
			_, n := utf8.DecodeLastRuneInString(w[a:b])
			b -= n
		}
		if !found {
			dst = dst[:start]
			return unk()
		}
	}
	return dst
}
