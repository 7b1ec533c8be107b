package tokenizer

import (
	"strconv"
	"sync"
	"unicode/utf8"
)

// tok is one token of a word: its id and byte range [a, b) in the word.
type tok struct {
	id   int32
	a, b int32
}

// model turns one pre-tokenized word into tokens.
type model interface {
	encodeWord(w string, dst []tok) []tok
}

// wordCache remembers the tokens of recently seen words.
type wordCache struct {
	mu sync.RWMutex
	m  map[string][]tok
}

const wordCacheMax = 1 << 16

func (c *wordCache) get(w string) ([]tok, bool) {
	c.mu.RLock()
	v, ok := c.m[w]
	c.mu.RUnlock()
	return v, ok
}

func (c *wordCache) put(w string, v []tok) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= wordCacheMax {
		c.m = make(map[string][]tok, 1024)
	}
	c.m[w] = v
	c.mu.Unlock()
}

// merge is one BPE merge rule: merging the pair gives id; lower rank first.
type merge struct {
	rank int32
	id   int32
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// bpeModel is rank-ordered BPE (Hugging Face "BPE", llama.cpp "gpt2").
type bpeModel struct {
	vocab        map[string]int32
	merges       map[uint64]merge
	byteLevel    bool       // words are raw bytes; symbols start as one byte each
	byteIDs      [256]int32 // byte-level: id of each byte's rune; byte fallback: id of <0xNN>; -1 if absent
	byteFallback bool
	unk          int32 // -1 if none
	fuseUnk      bool
	ignoreMerges bool // a word that is itself in the vocabulary is one token
	splitSafe    bool // SentencePiece-style vocabulary where words can be cut before "▁" (see spaceSplitSafe)
	cache        wordCache
}

func (m *bpeModel) initBytes() {
	for b := range 256 {
		m.byteIDs[b] = -1
		var key string
		if m.byteLevel {
			key = byteToStr[b]
		} else {
			key = byteTokenName(byte(b))
		}
		if id, ok := m.vocab[key]; ok {
			m.byteIDs[b] = id
		}
	}
}

// byteTokenName is the SentencePiece spelling of a byte token: <0x0A>.
func byteTokenName(b byte) string {
	const hex = "0123456789ABCDEF"
	return "<0x" + string([]byte{hex[b>>4], hex[b&15]}) + ">"
}

// parseByteToken parses <0xNN>.
func parseByteToken(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return 0, false
	}
	v, err := strconv.ParseUint(s[3:5], 16, 8)
	if err != nil {
		return 0, false
	}
	return byte(v), true
}

// symbol is a node of the doubly linked list the merge loops work on.
type symbol struct {
	id         int32
	a, b       int32 // byte range in the word
	prev, next int32 // indexes, -1 at the ends
}

// mergeScratch holds the reusable buffers of one merge loop.
type mergeScratch struct {
	syms []symbol
	heap candHeap
}

var scratchPool = sync.Pool{New: func() any { return new(mergeScratch) }}

// cand is a candidate merge of symbols left and right (lazy-deleted heap entry).
type cand struct {
	key         float64 // smaller first (rank, or -score)
	left, right int32
	lid, rid    int32
	id          int32
	pos         int32 // byte start of left, the tie-break
}

type candHeap []cand

func (h candHeap) less(i, j int) bool {
	if h[i].key != h[j].key {
		return h[i].key < h[j].key
	}
	return h[i].pos < h[j].pos
}

func (h *candHeap) push(c cand) {
	*h = append(*h, c)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *candHeap) pop() cand {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && s.less(r, l) {
			c = r
		}
		if !s.less(c, i) {
			break
		}
		s[i], s[c] = s[c], s[i]
		i = c
	}
	*h = s
	return top
}

func (m *bpeModel) encodeWord(w string, dst []tok) []tok {
	if m.splitSafe && !m.ignoreMerges {
		return encodeBySpace(w, dst, m.encodeCached)
	}
	return m.encodeCached(w, dst)
}

func (m *bpeModel) encodeCached(w string, dst []tok) []tok {
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

func (m *bpeModel) encodeUncached(w string, out []tok) []tok {
	if m.ignoreMerges {
		key := w
		if m.byteLevel {
			key = byteLevelEncode(w)
		}
		if id, ok := m.vocab[key]; ok {
			return append(out, tok{id, 0, int32(len(w))})
		}
	}
	sc := scratchPool.Get().(*mergeScratch)
	defer scratchPool.Put(sc)
	syms := sc.syms[:0]
	defer func() { sc.syms = syms[:0] }()
	add := func(id int32, a, b int) {
		if id < 0 && m.fuseUnk && len(syms) > 0 && syms[len(syms)-1].id == m.unk {
			syms[len(syms)-1].b = int32(b)
			return
		}
		if id < 0 {
			id = m.unk
		}
		syms = append(syms, symbol{id: id, a: int32(a), b: int32(b)})
	}
	if m.byteLevel {
		for i := 0; i < len(w); i++ {
			add(m.byteIDs[w[i]], i, i+1)
		}
	} else {
		for i := 0; i < len(w); {
			_, n := utf8.DecodeRuneInString(w[i:])
			if id, ok := m.vocab[w[i:i+n]]; ok {
				add(id, i, i+n)
			} else if m.byteFallback && m.byteIDs[w[i]] >= 0 {
				for k := i; k < i+n; k++ {
					add(m.byteIDs[w[k]], k, k+1)
				}
			} else {
				add(-1, i, i+n)
			}
			i += n
		}
	}
	for i := range syms {
		syms[i].prev = int32(i - 1)
		syms[i].next = int32(i + 1)
	}
	syms[len(syms)-1].next = -1
	h := sc.heap[:0]
	defer func() { sc.heap = h[:0] }()
	try := func(l int32) {
		r := syms[l].next
		if r < 0 || syms[l].id < 0 || syms[r].id < 0 {
			return
		}
		if mg, ok := m.merges[pairKey(syms[l].id, syms[r].id)]; ok {
			h.push(cand{key: float64(mg.rank), left: l, right: r, lid: syms[l].id, rid: syms[r].id, id: mg.id, pos: syms[l].a})
		}
	}
	for i := range syms[:len(syms)-1] {
		try(int32(i))
	}
	for len(h) > 0 {
		c := h.pop()
		l, r := &syms[c.left], &syms[c.right]
		if l.id != c.lid || r.id != c.rid || l.next != c.right {
			continue
		}
		// merge r into l
		l.id = c.id
		l.b = r.b
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = c.left
		}
		r.id = -2 // dead
		r.next = -1
		if l.prev >= 0 {
			try(l.prev)
		}
		try(c.left)
	}
	for i := int32(0); i >= 0; i = syms[i].next {
		s := syms[i]
		id := s.id
		if id < 0 { // unknown with no unk token: keep bytes as nothing
			continue
		}
		out = append(out, tok{id, s.a, s.b})
	}
	return out
}
