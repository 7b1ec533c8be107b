package tokenizer

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tokenizer converts text to token ids and back. It is safe for concurrent
// use once loaded.
type Tokenizer struct {
	vocab []string         // (V) id -> token spelling
	ids   map[string]int32 // token spelling -> id (model vocabulary and added tokens)

	model model
	norm  normalizer   // nil: none
	pre   preTokenizer // nil: the whole segment is one word
	dec   decoder
	fast  matcher // set when pre is one Isolated split: words are cut without building segs

	added        []addedToken // matched in the raw text before anything else
	addedByFirst [256][]int32 // first byte -> indexes into added, longest first
	addedIndex   map[int32]int
	special      map[int32]bool // skipped by Decode(skipSpecial)

	prefix, suffix []int32 // post-processor: ids around the text when adding special tokens

	bos, eos         int32 // -1 when absent
	bosText, eosText string
	eog              []int
	addBOS, addEOS   bool
	chatTemplate     string
}

// addedToken is a token cut out of the text before normalization
// (Hugging Face added_tokens; GGUF CONTROL and USER_DEFINED tokens).
type addedToken struct {
	content        string
	id             int32
	special        bool
	lstrip, rstrip bool
	singleWord     bool
}

// finish builds the lookup tables after a loader has filled the fields.
func (t *Tokenizer) finish() {
	if t.ids == nil {
		t.ids = make(map[string]int32, len(t.vocab))
		for i, s := range t.vocab {
			if _, dup := t.ids[s]; !dup {
				t.ids[s] = int32(i)
			}
		}
	}
	t.addedIndex = make(map[int32]int, len(t.added))
	if t.special == nil {
		t.special = map[int32]bool{}
	}
	for i, a := range t.added {
		t.addedIndex[a.id] = i
		if a.special {
			t.special[a.id] = true
		}
		if int(a.id) < len(t.vocab) && t.vocab[a.id] == "" {
			t.vocab[a.id] = a.content
		}
		if a.content != "" {
			t.ids[a.content] = a.id
		}
	}
	for i := range t.addedByFirst {
		t.addedByFirst[i] = nil
	}
	for i, a := range t.added {
		if a.content == "" {
			continue
		}
		c := a.content[0]
		t.addedByFirst[c] = append(t.addedByFirst[c], int32(i))
	}
	for c := range t.addedByFirst {
		l := t.addedByFirst[c]
		sort.SliceStable(l, func(i, j int) bool { return len(t.added[l[i]].content) > len(t.added[l[j]].content) })
	}
	if t.dec == nil {
		t.dec = decJoin{}
	}
	t.fast = fastMatcher(t.pre)
	if t.bos >= 0 && t.bosText == "" {
		t.bosText = t.Token(int(t.bos))
	}
	if t.eos >= 0 && t.eosText == "" {
		t.eosText = t.Token(int(t.eos))
	}
}

// piece of the input: an added token (id >= 0) or text to tokenize (id < 0).
type piece struct {
	id   int32
	a, b int
}

// splitAdded cuts the added tokens out of text (leftmost, then longest);
// with literal, special ones are left in the text.
func (t *Tokenizer) splitAdded(text string, literal bool) []piece {
	var out []piece
	last := 0
	for i := 0; i < len(text); i++ {
		cands := t.addedByFirst[text[i]]
		if len(cands) == 0 {
			continue
		}
		for _, ci := range cands {
			a := &t.added[ci]
			if literal && a.special || !strings.HasPrefix(text[i:], a.content) {
				continue
			}
			s, e := i, i+len(a.content)
			if a.singleWord && !(wordBoundary(text, s, true) && wordBoundary(text, e, false)) {
				continue
			}
			if a.lstrip {
				for s > last {
					r, n := utf8.DecodeLastRuneInString(text[last:s])
					if !unicode.IsSpace(r) {
						break
					}
					s -= n
				}
			}
			if a.rstrip {
				for e < len(text) {
					r, n := utf8.DecodeRuneInString(text[e:])
					if !unicode.IsSpace(r) {
						break
					}
					e += n
				}
			}
			if s > last {
				out = append(out, piece{-1, last, s})
			}
			out = append(out, piece{a.id, s, e})
			last = e
			i = e - 1
			break
		}
	}
	if last < len(text) {
		out = append(out, piece{-1, last, len(text)})
	}
	return out
}

// wordBoundary reports whether position i of text is not inside a word
// (before: looking at the rune before i; otherwise the rune at i).
func wordBoundary(text string, i int, before bool) bool {
	if before {
		if i == 0 {
			return true
		}
		r, _ := utf8.DecodeLastRuneInString(text[:i])
		return !isWordRune(r)
	}
	if i >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return !isWordRune(r)
}

// maxCachedWord bounds the words kept in the per-word cache.
const maxCachedWord = 128

// encode runs the whole pipeline; offs is filled when wantOffs.
func (t *Tokenizer) encode(text string, addSpecial, wantOffs, literal bool) ([]int, [][2]int) {
	ids := make([]int, 0, len(text)/3+4)
	var offs [][2]int
	if wantOffs {
		offs = make([][2]int, 0, cap(ids))
	}
	if addSpecial {
		for _, id := range t.prefix {
			ids = append(ids, int(id))
			if wantOffs {
				offs = append(offs, [2]int{0, 0})
			}
		}
	}
	var toks []tok
	var ms [][2]int
	words := make([]seg, 0, 16)
	for _, p := range t.splitAdded(text, literal) {
		if p.id >= 0 {
			ids = append(ids, int(p.id))
			if wantOffs {
				offs = append(offs, [2]int{p.a, p.b})
			}
			continue
		}
		g := seg{s: text[p.a:p.b], base: p.a}
		if t.norm != nil {
			g = t.norm.normalize(g)
		}
		if g.s == "" {
			continue
		}
		if t.fast != nil && g.al == nil {
			ms = t.fast.matches(g.s, ms[:0])
			last := 0
			for i := 0; i <= len(ms); i++ {
				var a, b int
				if i < len(ms) {
					a, b = ms[i][0], ms[i][1]
				} else {
					a, b = len(g.s), len(g.s)
				}
				for _, r := range [2][2]int{{last, a}, {a, b}} {
					if r[1] <= r[0] {
						continue
					}
					toks = t.model.encodeWord(g.s[r[0]:r[1]], toks[:0])
					base := g.base + r[0]
					for _, tk := range toks {
						ids = append(ids, int(tk.id))
						if wantOffs {
							offs = append(offs, [2]int{base + int(tk.a), base + int(tk.b)})
						}
					}
				}
				last = b
			}
			continue
		}
		words = append(words[:0], g)
		if t.pre != nil {
			words = t.pre.split(words, p.a == 0)
		}
		for _, w := range words {
			toks = t.model.encodeWord(w.s, toks[:0])
			for _, tk := range toks {
				ids = append(ids, int(tk.id))
				if wantOffs {
					a, b := w.orig(int(tk.a), int(tk.b))
					offs = append(offs, [2]int{a, b})
				}
			}
		}
	}
	if addSpecial {
		for _, id := range t.suffix {
			ids = append(ids, int(id))
			if wantOffs {
				offs = append(offs, [2]int{len(text), len(text)})
			}
		}
	}
	return ids, offs
}

// Encode returns the token ids of text. With addSpecial the post-processor's
// special tokens (typically BOS, per add_bos_token / add_eos_token or the
// tokenizer.json template) are added. Added and special tokens written in the
// text (such as "<|im_start|>") are always recognised as single tokens.
func (t *Tokenizer) Encode(text string, addSpecial bool) []int {
	ids, _ := t.encode(text, addSpecial, false, false)
	return ids
}

// EncodeLiteral is Encode for untrusted text: special tokens written in it
// (such as "<|im_end|>" inside a question) are tokenized as ordinary text,
// like llama.cpp with parse_special=false. Non-special added tokens are still
// matched.
func (t *Tokenizer) EncodeLiteral(text string, addSpecial bool) []int {
	ids, _ := t.encode(text, addSpecial, false, true)
	return ids
}

// EncodeWithOffsets is Encode that also returns each token's byte range
// [start, end) in text. A byte-level token that carries part of a multi-byte
// character covers just the bytes it carries; tokens the post-processor adds
// have empty ranges (at 0 for prefixes, at len(text) for suffixes), and text
// a normalizer inserted (such as SentencePiece's leading "▁") has no range of
// its own.
func (t *Tokenizer) EncodeWithOffsets(text string, addSpecial bool) ([]int, [][2]int) {
	return t.encode(text, addSpecial, true, false)
}

// Decode returns the text of ids. With skipSpecial, special tokens (BOS, EOS,
// control tokens) are left out. Special tokens come out as written; the
// others go through the tokenizer's decoder, added tokens that are not
// special included (Gemma 3's white-space tokens "▁▁" decode to two
// spaces), except under a byte-level decoder, which leaves added tokens as
// written (their text is not byte-level encoded: DeepSeek's "ü"). This is
// the rule of transformers.js, checked on real tokenizers in real_test.go.
// The result holds the exact
// bytes the tokens carry, which may be invalid UTF-8 if ids ends inside a
// character.
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) string {
	var sb strings.Builder
	var run []string
	first := true
	flush := func() {
		if len(run) == 0 {
			return
		}
		for _, s := range t.dec.decode(run, first) {
			sb.WriteString(s)
		}
		run = run[:0]
		first = false
	}
	for _, id := range ids {
		if id < 0 || id >= len(t.vocab) {
			continue
		}
		if skipSpecial && t.special[int32(id)] {
			continue
		}
		if i, ok := t.addedIndex[int32(id)]; ok && (t.special[int32(id)] || byteLevel(t.dec)) {
			flush()
			sb.WriteString(t.added[i].content)
			first = false
			continue
		}
		run = append(run, t.vocab[id])
	}
	flush()
	return sb.String()
}

// byteLevel reports whether a decoder is, or holds, a byte-level step.
func byteLevel(d decoder) bool {
	switch d := d.(type) {
	case decByteLevel:
		return true
	case decSequence:
		return slices.ContainsFunc(d, byteLevel)
	}
	return false
}

// TokenID returns the id of a token spelling (as in the vocabulary, e.g.
// "Ġthe" or "▁the", or an added token's content).
func (t *Tokenizer) TokenID(s string) (int, bool) {
	id, ok := t.ids[s]
	return int(id), ok
}

// Token returns the vocabulary spelling of id, or "" when out of range.
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.vocab) {
		return ""
	}
	return t.vocab[id]
}

// VocabSize returns the number of ids (model vocabulary plus added tokens).
func (t *Tokenizer) VocabSize() int { return len(t.vocab) }

// BOS returns the beginning-of-sequence id, if the tokenizer has one.
func (t *Tokenizer) BOS() (int, bool) { return int(t.bos), t.bos >= 0 }

// EOS returns the end-of-sequence id, if the tokenizer has one.
func (t *Tokenizer) EOS() (int, bool) { return int(t.eos), t.eos >= 0 }

// EOG returns every id that ends generation: EOS, end-of-turn tokens
// (<|eot_id|>, <|im_end|>, <end_of_turn>, <|end|> ...), without duplicates.
func (t *Tokenizer) EOG() []int { return append([]int(nil), t.eog...) }

// AddBOS reports whether Encode(text, true) starts with the BOS token.
func (t *Tokenizer) AddBOS() bool { return t.addBOS }

// AddEOS reports whether Encode(text, true) ends with the EOS token.
func (t *Tokenizer) AddEOS() bool { return t.addEOS }

// ChatTemplate returns the raw chat template (tokenizer_config.json
// chat_template or GGUF tokenizer.chat_template), or "" if there is none.
func (t *Tokenizer) ChatTemplate() string { return t.chatTemplate }

// BOSToken returns the text of the BOS token ("" if none).
func (t *Tokenizer) BOSToken() string { return t.bosText }

// EOSToken returns the text of the EOS token ("" if none).
func (t *Tokenizer) EOSToken() string { return t.eosText }

// IsSpecial reports whether id is a special (control) token.
func (t *Tokenizer) IsSpecial(id int) bool { return t.special[int32(id)] }

// eogNames are the spellings of end-of-turn tokens across families.
var eogNames = []string{
	"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
	"<EOT>", "<|eom_id|>", "<｜end▁of▁sentence｜>", "<|return|>", "<|call|>", "</s>",
}

// buildEOG collects EOS plus the known end-of-turn tokens present as special tokens.
func (t *Tokenizer) buildEOG(extra ...int32) {
	add := func(id int32) { t.addEOG(int(id)) }
	add(t.eos)
	for _, id := range extra {
		add(id)
	}
	for _, name := range eogNames {
		if id, ok := t.ids[name]; ok && t.special[id] {
			add(id)
		}
	}
}

// addEOG adds id to the end-of-generation ids if it is valid and new.
func (t *Tokenizer) addEOG(id int) {
	if id < 0 || id >= len(t.vocab) {
		return
	}
	for _, e := range t.eog {
		if e == id {
			return
		}
	}
	t.eog = append(t.eog, id)
}

// setPost sets the ids added around the text from the BOS/EOS flags.
func (t *Tokenizer) setPost() {
	t.prefix, t.suffix = nil, nil
	if t.addBOS && t.bos >= 0 {
		t.prefix = []int32{t.bos}
	}
	if t.addEOS && t.eos >= 0 {
		t.suffix = []int32{t.eos}
	}
}

// fastMatcher returns the matcher of a pre-tokenizer that is just one
// Isolated split (possibly followed by a ByteLevel step that only maps
// bytes), or nil.
func fastMatcher(p preTokenizer) matcher {
	switch x := p.(type) {
	case *preSplit:
		if x.beh == behIsolated && !x.invert {
			return x.m
		}
	case *preByteLevel:
		if !x.addPrefixSpace && x.useRegex {
			return x.m
		}
	case preSequence:
		if len(x) == 1 {
			return fastMatcher(x[0])
		}
		if len(x) == 2 {
			if bl, ok := x[1].(*preByteLevel); ok && !bl.addPrefixSpace && !bl.useRegex {
				return fastMatcher(x[0])
			}
		}
	}
	return nil
}

// TokensCovering returns the token indexes [i, j) whose byte ranges (from
// EncodeWithOffsets) overlap the byte range [start, end) of the text: the
// tokens that carry any byte of, for example, an answer span. Tokens with
// empty ranges (added BOS/EOS) are never included. i == j when none overlap.
func TokensCovering(offs [][2]int, start, end int) (int, int) {
	i, j := -1, -1
	for k, o := range offs {
		if o[0] < o[1] && o[0] < end && o[1] > start {
			if i < 0 {
				i = k
			}
			j = k + 1
		}
	}
	if i < 0 {
		return 0, 0
	}
	return i, j
}
