package model

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

// spmVocab is a minimal SentencePiece-style encoder and decoder over a GGUF
// vocabulary, a stand-in so that this package's test does not depend on the
// tokenizer package: the prompt gets a leading space, spaces become U+2581,
// and adjacent pieces merge, highest score first, while the merged piece is
// in the vocabulary.
type spmVocab struct {
	pieces []string
	scores []float32
	ids    map[string]int
}

func (v *spmVocab) encode(text string) []int {
	text = "▁" + strings.ReplaceAll(text, " ", "▁")
	var syms []string
	for _, r := range text {
		syms = append(syms, string(r))
	}
	for {
		best, bestScore := -1, float32(0)
		for i := 0; i+1 < len(syms); i++ {
			if id, ok := v.ids[syms[i]+syms[i+1]]; ok && (best < 0 || v.scores[id] > bestScore) {
				best, bestScore = i, v.scores[id]
			}
		}
		if best < 0 {
			break
		}
		syms[best] += syms[best+1]
		syms = append(syms[:best+1], syms[best+2:]...)
	}
	out := make([]int, len(syms))
	for i, s := range syms {
		out[i] = v.ids[s]
	}
	return out
}

func (v *spmVocab) decode(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		p := v.pieces[id]
		if strings.HasPrefix(p, "<0x") && strings.HasSuffix(p, ">") && len(p) == 6 {
			n, _ := strconv.ParseUint(p[3:5], 16, 8)
			b.WriteByte(byte(n))
			continue
		}
		b.WriteString(strings.ReplaceAll(p, "▁", " "))
	}
	return b.String()
}

// The three greedy continuations llama.cpp gives for stories260K (its README)
// are reproduced exactly.
func TestStories260KGreedy(t *testing.T) {
	path := sharedtest.Path(t, "models", "stories260K", "stories260K.gguf")
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := m.Config
	if c.DModel != 64 || c.DFF != 172 || c.NLayers != 5 || c.NHeads != 8 || c.NKVHeads != 4 || c.Vocab != 512 || c.RopeLayout != RopeInterleaved {
		t.Fatalf("config %+v", c)
	}
	f := m.GGUF()
	pieces, _ := f.Strings("tokenizer.ggml.tokens")
	scores, _ := f.Float32s("tokenizer.ggml.scores")
	v := &spmVocab{pieces: pieces, scores: scores, ids: map[string]int{}}
	for i, p := range pieces {
		v.ids[p] = i
	}
	r := m.NewRunner()
	for _, tc := range sharedtest.Stories(t) {
		ids := append([]int{m.Gen.BOS}, v.encode(tc.Prompt)...)
		cache := m.NewCache(len(ids) + 64)
		logits, err := r.Forward(context.Background(), []Segment{{Cache: cache, Tokens: ids}}, false)
		if err != nil {
			t.Fatal(err)
		}
		var gen []int
		for i := 0; i < 64; i++ {
			next := argmax(logits[:c.Vocab])
			gen = append(gen, next)
			if logits, err = r.Forward(context.Background(), []Segment{{Cache: cache, Tokens: []int{next}}}, false); err != nil {
				t.Fatal(err)
			}
		}
		if got := v.decode(append(ids[1:], gen...)); got != tc.Text {
			t.Errorf("prompt %q:\n got %q\nwant %q", tc.Prompt, got, tc.Text)
		}
	}
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
