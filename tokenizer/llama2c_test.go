package tokenizer

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

// llama2cTokenizer is the vocabulary of a llama2.c tokenizer file
// (tok512.bin): int32 max_token_length, then per token float32 score,
// int32 length and the bytes (spaces written as ' ', not '▁').
type llama2cTokenizer struct {
	vocab  []string
	scores []float32
	ids    map[string]int
}

func readLlama2c(t *testing.T, path string, n int) *llama2cTokenizer {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l := &llama2cTokenizer{ids: map[string]int{}}
	off := 4
	for i := 0; i < n; i++ {
		if off+8 > len(b) {
			t.Fatalf("%s: truncated at token %d", path, i)
		}
		score := math.Float32frombits(binary.LittleEndian.Uint32(b[off:]))
		ln := int(binary.LittleEndian.Uint32(b[off+4:]))
		off += 8
		s := string(b[off : off+ln])
		off += ln
		l.vocab = append(l.vocab, s)
		l.scores = append(l.scores, score)
		if _, dup := l.ids[s]; !dup {
			l.ids[s] = i
		}
	}
	return l
}

// encode is llama2.c's encoder, written plainly as a second implementation:
// a dummy " " first, one token per character (or its bytes + 3), then merge
// the best-scoring adjacent pair (first one on ties) until none is left.
func (l *llama2cTokenizer) encode(text string) []int {
	if text == "" {
		return nil
	}
	toks := []int{l.ids[" "]}
	for i := 0; i < len(text); {
		_, n := utf8.DecodeRuneInString(text[i:])
		if id, ok := l.ids[text[i:i+n]]; ok {
			toks = append(toks, id)
		} else {
			for k := i; k < i+n; k++ {
				toks = append(toks, int(text[k])+3)
			}
		}
		i += n
	}
	for {
		best, bestID, bestScore := -1, -1, float32(-1e10)
		for i := 0; i+1 < len(toks); i++ {
			id, ok := l.ids[l.vocab[toks[i]]+l.vocab[toks[i+1]]]
			if ok && l.scores[id] > bestScore {
				best, bestID, bestScore = i, id, l.scores[id]
			}
		}
		if best < 0 {
			return toks
		}
		toks[best] = bestID
		toks = append(toks[:best+1], toks[best+2:]...)
	}
}

// TestStoriesAgainstLlama2c compares the GGUF SentencePiece tokenizer of the
// real tiny model with llama2.c's encoder over the model's own llama2.c
// tokenizer file (an independent copy of the vocabulary and scores).
func TestStoriesAgainstLlama2c(t *testing.T) {
	tk, err := Load(sharedtest.Path(t, "models", "stories260K", "stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	ref := readLlama2c(t, sharedtest.Path(t, "models", "stories260K", "tok512.bin"), tk.VocabSize())
	texts := []string{"Once upon a time", "Lily and Tom went to the park", "The little dog",
		"  two  spaces", "Ünïcödé 🦙 and numbers 12345", "a\nb\tc"}
	if p := sharedtest.Path(t, "vocab", "ggml-vocab-llama-spm.gguf"); p != "" {
		for _, c := range readVocabCases(t, p) {
			if !strings.Contains(c.text, "<s>") && !strings.Contains(c.text, "</s>") && !strings.Contains(c.text, "<unk>") {
				texts = append(texts, c.text)
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	words := strings.Fields("the a little girl named Lily saw big red ball and they played happy sad dog cat went park tree sun ! , . ? é 你 🙂")
	for range 300 {
		var sb strings.Builder
		for k := range 1 + r.IntN(12) {
			if k > 0 && r.IntN(4) > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(words[r.IntN(len(words))])
		}
		texts = append(texts, sb.String())
	}
	exact := 0
	for _, s := range texts {
		got, want := tk.Encode(s, false), ref.encode(s)
		if !eqInts(got, want) {
			t.Errorf("%q:\n got %v\nwant %v", s, got, want)
			continue
		}
		exact++
	}
	t.Logf("stories260K vs llama2.c encoder: %d/%d texts exact", exact, len(texts))
}
