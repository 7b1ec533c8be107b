package extract

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/label"
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

// jsonText returns s as encoding/json writes it (every byte of invalid UTF-8
// replaced by U+FFFD) and pos [len(s)+1], the offset in the result of each
// byte offset of s.
func jsonText(s string) (string, []int) {
	pos := make([]int, len(s)+1)
	if utf8.ValidString(s) {
		for i := range pos {
			pos[i] = i
		}
		return s, pos
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			pos[i] = b.Len()
			b.WriteString("\uFFFD")
			i++
			continue
		}
		for k := 0; k < size; k++ {
			pos[i+k] = b.Len() + k
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	pos[len(s)] = b.Len()
	return b.String(), pos
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
func BuildSequence(tok *tokenizer.Tokenizer, rec label.Labelled) (Sequence, error) {
	format := rec.PromptFormat
	if format == "" {
		format = collect.FormatChat
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
	offs, decoded := ResponseOffsets(tok, prompt, resp)
	// The record's text went through JSON, which replaced every byte of
	// invalid UTF-8 (a character cut by the token limit, stray byte tokens)
	// with U+FFFD: its span offsets count those 3-byte replacements.
	decoded, pos := jsonText(decoded)
	for i := range offs {
		offs[i] = [2]int{pos[offs[i][0]], pos[offs[i][1]]}
	}
	sq.Offsets = offs
	// The text is the decoding, or a prefix of it cut before a stop string.
	if len(decoded) < len(rec.Response) || decoded[:len(rec.Response)] != rec.Response {
		sq.TextMismatch = true
	}
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
