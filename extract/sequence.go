package extract

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// Sequence is a labelled response turned into the tokens of its
// teacher-forced pass, with the byte range of every response token.
type Sequence struct {
	Item
	// Offsets are the byte ranges [start, end) of the response tokens in
	// the response text as the tokens decode [R]. Tokens past the end of
	// the record's text (the newline a base prompt stopped at) lie beyond
	// it.
	Offsets [][2]int
	// Retokenised is set when the record had no response tokens and the
	// response text was encoded again (not exact; see the package doc).
	Retokenised bool
	// TextMismatch is set when the response tokens do not decode to the
	// record's response text (then the answer span may be off).
	TextMismatch bool
	// AnswerFound is false when the answer span covers no response token.
	AnswerFound bool
}

// ResponseOffsets returns each response token's byte range in the text the
// tokens decode to after prompt, decoding incrementally in the prompt's
// context as collect did (generate.Decoder): token i covers the bytes between
// the decodings of the first i and the first i+1 tokens. Where a decoder is
// not prefix-stable (a later token rewrites earlier text), the token starts
// where the two decodings first differ, so ranges can overlap but always
// cover the text that changed. It also returns the full decoded text.
func ResponseOffsets(tok *tokenizer.Tokenizer, prompt, response []int) ([][2]int, string) {
	dec := generate.Decoder(tok, prompt)
	offs := make([][2]int, len(response))
	prev := ""
	for i := range response {
		s := dec(response[:i+1])
		start := commonPrefix(prev, s)
		offs[i] = [2]int{start, len(s)}
		prev = s
	}
	return offs, prev
}

// sanitizedText returns s with invalid UTF-8 replaced by U+FFFD, as collect
// stores response text (strings.ToValidUTF8: one U+FFFD per run of invalid
// bytes) or, with perByte, as encoding/json writes it (one U+FFFD per invalid
// byte: records collected before collect sanitised its text). lo and hi
// [len(s)+1] map each byte offset of s to the result: the same offset except
// inside a run of invalid bytes replaced by one U+FFFD, where lo is the start
// of the replacement and hi its end (so a range [lo[a], hi[b]) covers every
// replacement that bytes [a, b) contributed to).
func sanitizedText(s string, perByte bool) (out string, lo, hi []int) {
	lo = make([]int, len(s)+1)
	if utf8.ValidString(s) {
		for i := range lo {
			lo[i] = i
		}
		return s, lo, lo
	}
	pos := lo
	var b strings.Builder
	inRun := false // the previous byte was invalid and already replaced
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			if perByte || !inRun {
				pos[i] = b.Len()
				b.WriteString("\uFFFD")
			} else {
				pos[i] = b.Len() - len("\uFFFD") // inside the run's replacement
			}
			inRun = true
			i++
			continue
		}
		inRun = false
		for k := 0; k < size; k++ {
			pos[i+k] = b.Len() + k
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	pos[len(s)] = b.Len()
	hi = slices.Clone(lo)
	for i := 1; i < len(s); i++ {
		if lo[i] == lo[i-1] { // byte i continues a run of invalid bytes
			hi[i] = lo[i] + len("\uFFFD")
		}
	}
	return b.String(), lo, hi
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// BuildSequence makes the teacher-forced sequence of a labelled record:
// its prompt (the record's rendered prompt, or the question rendered in the
// record's prompt format when the record has none) encoded with
// collect.PromptTokens, then its response tokens, and the answer span
// mapped to token positions.
func BuildSequence(tok *tokenizer.Tokenizer, rec record.Labelled) (Sequence, error) {
	format := rec.PromptFormat
	if format == "" {
		format = chat.FormatChat
	}
	text := rec.Prompt
	if text == "" {
		var err error
		if text, err = collect.PromptText(tok, rec.Question, format); err != nil {
			return Sequence{}, fmt.Errorf("extract: record %q: %w", rec.ID, err)
		}
	}
	prompt := collect.PromptTokens(tok, text, format)
	if len(prompt) == 0 {
		return Sequence{}, fmt.Errorf("extract: record %q: the prompt encodes to no tokens", rec.ID)
	}
	var sq Sequence
	resp := rec.ResponseTokens
	if len(resp) == 0 && rec.Response != "" {
		resp = tok.Encode(rec.Response, false)
		sq.Retokenised = true
	}
	offs, raw := ResponseOffsets(tok, prompt, resp)
	// collect stored the text with invalid UTF-8 (a character cut by the
	// token limit, stray byte tokens) replaced by U+FFFD, one per run of
	// invalid bytes; older records got one per byte from JSON. The span
	// offsets count those 3-byte replacements. The text is the decoding, or
	// a prefix of it cut before a stop string.
	isPrefix := func(d string) bool { return len(d) >= len(rec.Response) && d[:len(rec.Response)] == rec.Response }
	decoded, lo, hi := sanitizedText(raw, false)
	if !isPrefix(decoded) {
		if d, l, h := sanitizedText(raw, true); isPrefix(d) {
			decoded, lo, hi = d, l, h
		} else {
			sq.TextMismatch = true
		}
	}
	for i := range offs {
		offs[i] = [2]int{lo[offs[i][0]], hi[offs[i][1]]}
	}
	sq.Offsets = offs
	P := len(prompt)
	sq.Tokens = append(prompt[:P:P], resp...)
	sq.Prompt = P
	sq.AnswerStart, sq.AnswerEnd = P, P
	if ts, te, ok := label.CharSpanToTokenSpan(offs, rec.AnswerStart, rec.AnswerEnd); ok {
		sq.AnswerStart, sq.AnswerEnd = P+ts, P+te
		sq.AnswerFound = true
	}
	return sq, nil
}
