package datasets

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
)

// Spelling is how a tokenizer writes token strings.
type Spelling int

// Token spellings.
const (
	// ByteLevel is GPT-2 byte-level BPE (Llama 3, Mistral tekken, Qwen):
	// every byte is one printable rune, e.g. "Ġ" for a space.
	ByteLevel Spelling = iota
	// SentencePiece writes a space as "▁" (Llama 2, Gemma).
	SentencePiece
)

// byteOf maps a byte-level rune back to its byte.
var byteOf = func() map[rune]byte {
	m := map[rune]byte{}
	n := 0
	for b := 0; b < 256; b++ {
		printable := (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
		if printable {
			m[rune(b)] = byte(b)
		} else {
			m[rune(256+n)] = byte(b)
			n++
		}
	}
	return m
}()

// DetectSpelling returns SentencePiece when any token of the examples holds
// "▁", else ByteLevel. Decide per file: one short response alone can be
// ambiguous.
func DetectSpelling(exs []Example) Spelling {
	for _, e := range exs {
		for _, t := range e.Tokens {
			if strings.ContainsRune(t, '▁') {
				return SentencePiece
			}
		}
	}
	return ByteLevel
}

// tokenBytes decodes one token spelling to the bytes it stands for.
func tokenBytes(tok string, sp Spelling) ([]byte, error) {
	if sp == SentencePiece {
		return []byte(strings.ReplaceAll(tok, "▁", " ")), nil
	}
	out := make([]byte, 0, len(tok))
	for _, r := range tok {
		b, ok := byteOf[r]
		if !ok {
			return nil, fmt.Errorf("token %q: rune %q is not a byte-level symbol", tok, r)
		}
		out = append(out, b)
	}
	return out, nil
}

// TokenOffsets returns each token's byte range [start, end) in Response. The
// decoded tokens must spell Response, or a prefix of it followed only by
// white space (the authors' Gemma files drop trailing newlines).
func (e Example) TokenOffsets(sp Spelling) ([][2]int, error) {
	offs := make([][2]int, len(e.Tokens))
	var all []byte
	for i, t := range e.Tokens {
		b, err := tokenBytes(t, sp)
		if err != nil {
			return nil, fmt.Errorf("datasets: example %s token %d: %w", e.ID, i, err)
		}
		offs[i] = [2]int{len(all), len(all) + len(b)}
		all = append(all, b...)
	}
	r := []byte(e.Response)
	if !bytes.HasPrefix(r, all) || len(bytes.TrimFunc(r[len(all):], unicode.IsSpace)) != 0 {
		return nil, fmt.Errorf("datasets: example %s: tokens spell %q, response is %q", e.ID, all, e.Response)
	}
	return offs, nil
}

// AnswerByteSpan returns the byte range in Response of the authors' answer
// tokens (their first contiguous occurrence, see AnswerSpan).
func (e Example) AnswerByteSpan(sp Spelling) (start, end int, err error) {
	ts, te, ok := e.AnswerSpan()
	if !ok {
		return 0, 0, fmt.Errorf("datasets: example %s: answer tokens %q do not occur in the response tokens", e.ID, e.AnswerTokens)
	}
	offs, err := e.TokenOffsets(sp)
	if err != nil {
		return 0, 0, err
	}
	return offs[ts][0], offs[te-1][1], nil
}
