package model

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hneurons/hneurons/kernels"
)

// The tiny models under testdata/tiny were written, with their reference
// logits, by testdata/make_reference.py (a float64 PyTorch forward written
// from the Hugging Face modeling code of each family).
var tinyFamilies = []string{"llama", "mistral", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "phi3_longrope"}

type reference struct {
	tokens []int
	logits []float32 // [T, V]
	post   []float32 // [T, F] last layer down_proj input
}

func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func loadReference(t *testing.T, name string) (*Model, reference) {
	t.Helper()
	dir := filepath.Join("testdata", "tiny", name)
	m, err := Load(dir)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	t.Cleanup(func() { m.Close() })
	var ref reference
	b, err := os.ReadFile(filepath.Join(dir, "ref_tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ref.tokens); err != nil {
		t.Fatal(err)
	}
	ref.logits = readF32(t, filepath.Join(dir, "ref_logits.f32"))
	ref.post = readF32(t, filepath.Join(dir, "ref_post.f32"))
	return m, ref
}

// relErr returns max|got-want| / max|want|.
func relErr(got, want []float32) float64 {
	var num, den float64
	for i := range want {
		num = math.Max(num, math.Abs(float64(got[i])-float64(want[i])))
		den = math.Max(den, math.Abs(float64(want[i])))
	}
	return num / den
}

func TestReferenceLogits(t *testing.T) {
	for _, name := range tinyFamilies {
		t.Run(name, func(t *testing.T) {
			m, ref := loadReference(t, name)
			V := m.Config.Vocab
			r := m.NewRunner()
			var post []float32
			r.AddTap(&Tap{MLPPost: func(l int, z []float32, rows int) {
				if l == m.Config.NLayers-1 {
					post = append(post[:0], z...)
				}
			}})
			logits, err := r.Forward(context.Background(), []Segment{{Cache: m.NewCache(4), Tokens: ref.tokens}}, true)
			if err != nil {
				t.Fatal(err)
			}
			if e := relErr(logits, ref.logits); e > 1e-4 || math.IsNaN(e) {
				t.Errorf("prefill logits: relative error %.3g > 1e-4", e)
			} else {
				t.Logf("prefill logits: relative error %.3g", e)
			}
			if e := relErr(post, ref.post); e > 1e-4 || math.IsNaN(e) {
				t.Errorf("mlp.hook_post of the last layer: relative error %.3g > 1e-4", e)
			}

			// Prefill part, then decode token by token through the cache.
			cache := m.NewCache(2)
			split := 5
			got := make([]float32, 0, len(ref.logits))
			lg, err := r.Forward(context.Background(), []Segment{{Cache: cache, Tokens: ref.tokens[:split]}}, true)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, lg...)
			for _, id := range ref.tokens[split:] {
				lg, err := r.Forward(context.Background(), []Segment{{Cache: cache, Tokens: []int{id}}}, false)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, lg[:V]...)
			}
			if e := relErr(got, ref.logits); e > 1e-4 || math.IsNaN(e) {
				t.Errorf("prefill+decode logits: relative error %.3g > 1e-4", e)
			}
		})
	}
}

// Several sequences decoded in one call give the logits each gives alone.
func TestBatchedSegments(t *testing.T) {
	m, ref := loadReference(t, "gemma2")
	V := m.Config.Vocab
	r := m.NewRunner()
	ctx := context.Background()
	prompt := ref.tokens[:6]
	base := m.NewCache(16)
	if _, err := r.Forward(ctx, []Segment{{Cache: base, Tokens: prompt}}, false); err != nil {
		t.Fatal(err)
	}
	forks := []*Cache{base.Fork(), base.Fork(), base.Fork()}
	conts := [][]int{ref.tokens[6:9], ref.tokens[9:10], {3, 4}}
	segs := make([]Segment, len(forks))
	for i := range forks {
		segs[i] = Segment{Cache: forks[i], Tokens: conts[i]}
	}
	batched, err := r.Forward(ctx, segs, false)
	if err != nil {
		t.Fatal(err)
	}
	batched = append([]float32(nil), batched...)
	for i := range forks {
		solo := base.Fork()
		lg, err := r.Forward(ctx, []Segment{{Cache: solo, Tokens: conts[i]}}, false)
		if err != nil {
			t.Fatal(err)
		}
		if e := relErr(batched[i*V:(i+1)*V], lg[:V]); e > 1e-6 {
			t.Errorf("sequence %d: batched vs alone relative error %.3g", i, e)
		}
		if forks[i].Len() != 6+len(conts[i]) {
			t.Errorf("sequence %d: cache length %d", i, forks[i].Len())
		}
	}
	if base.Len() != 6 {
		t.Errorf("forking changed the prompt cache: length %d", base.Len())
	}
	// The first continuation's logits match the reference at its last position.
	if e := relErr(batched[:V], ref.logits[8*V:9*V]); e > 1e-4 {
		t.Errorf("forked continuation vs reference: relative error %.3g", e)
	}
}

// The same tiny llama weights as GGUF (q/k permuted for the interleaved RoPE
// layout, llama3 scaling as a rope_freqs tensor) and as safetensors (rotate-half)
// give the same logits.
func TestGGUFMatchesSafetensors(t *testing.T) {
	_, ref := loadReference(t, "llama")
	g, err := Load(filepath.Join("testdata", "tiny", "llama", "llama.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if g.Config.RopeLayout != RopeInterleaved || g.Format != "gguf" {
		t.Fatalf("gguf config: layout %v format %s", g.Config.RopeLayout, g.Format)
	}
	logits, err := g.NewRunner().Forward(context.Background(), []Segment{{Cache: g.NewCache(4), Tokens: ref.tokens}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if e := relErr(logits, ref.logits); e > 1e-4 {
		t.Errorf("gguf logits: relative error %.3g > 1e-4", e)
	}
}

// Teacher-forced log-probabilities match the reference logits, also when the
// sequence is scored in several chunks.
func TestLogProbs(t *testing.T) {
	m, ref := loadReference(t, "phi3")
	V := m.Config.Vocab
	for _, chunk := range []int{256, 5} {
		old := scoreChunk
		scoreChunk = chunk
		lp, err := m.NewRunner().LogProbs(context.Background(), ref.tokens)
		scoreChunk = old
		if err != nil {
			t.Fatal(err)
		}
		if len(lp) != len(ref.tokens)-1 {
			t.Fatalf("%d logprobs for %d tokens", len(lp), len(ref.tokens))
		}
		for i, got := range lp {
			want := LogSoftmaxAt(ref.logits[i*V:(i+1)*V], ref.tokens[i+1])
			if math.Abs(got-want) > 1e-4 || got > 0 {
				t.Errorf("chunk %d: logprob %d = %g, want %g", chunk, i, got, want)
			}
		}
	}
}

// Long prompts take the blocked matrix-product attention; it agrees with
// token-by-token decoding (the row path), sliding windows included.
func TestBlockedAttentionMatchesRows(t *testing.T) {
	for _, name := range []string{"gemma2", "qwen3"} {
		m, _ := loadReference(t, name)
		V := m.Config.Vocab
		toks := make([]int, 150)
		for i := range toks {
			toks[i] = (i*29 + 3) % V
		}
		r := m.NewRunner()
		// split so that a second prefill starts mid-sequence, as a follow-up turn would
		a := m.NewCache(1)
		all, err := r.Forward(context.Background(), []Segment{{Cache: a, Tokens: toks[:70]}}, true)
		if err != nil {
			t.Fatal(err)
		}
		all = append([]float32(nil), all...)
		more, err := r.Forward(context.Background(), []Segment{{Cache: a, Tokens: toks[70:]}}, true)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, more...)
		b := m.NewCache(1)
		var rows []float32
		for _, id := range toks {
			lg, err := r.Forward(context.Background(), []Segment{{Cache: b, Tokens: []int{id}}}, false)
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, lg[:V]...)
		}
		if e := relErr(all, rows); e > 1e-5 {
			t.Errorf("%s: blocked prefill vs row-by-row decode: relative error %.3g", name, e)
		}
	}
}

// A GGUF mixing tensor types as llama.cpp's Q4_K_M files do (Q4_K and Q6_K
// down projections, Q8_0 elsewhere, an F16 embedding, a BF16 value
// projection, llama q/k permuted) matches the reference computed from the
// same dequantised values.
func TestGGUFMixedQuants(t *testing.T) {
	dir := filepath.Join("testdata", "tiny", "llama_kquant")
	g, err := Load(filepath.Join(dir, "model.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	var tokens []int
	b, _ := os.ReadFile(filepath.Join(dir, "ref_tokens.json"))
	if err := json.Unmarshal(b, &tokens); err != nil {
		t.Fatal(err)
	}
	want := readF32(t, filepath.Join(dir, "ref_logits.f32"))
	r := g.NewRunner()
	logits, err := r.Forward(context.Background(), []Segment{{Cache: g.NewCache(4), Tokens: tokens}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if e := relErr(logits, want); e > 1e-4 || math.IsNaN(e) {
		t.Errorf("mixed-quant logits: relative error %.3g > 1e-4", e)
	}
	// Decoding through the matrix-vector path agrees as well.
	V := g.Config.Vocab
	c := g.NewCache(1)
	var rows []float32
	for _, id := range tokens {
		lg, err := r.Forward(context.Background(), []Segment{{Cache: c, Tokens: []int{id}}}, false)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, lg[:V]...)
	}
	if e := relErr(rows, want); e > 1e-4 {
		t.Errorf("mixed-quant decode logits: relative error %.3g > 1e-4", e)
	}
	// Column norms of a Q4_K W_down decode the blocks too.
	if n := g.DownColumnNorms(0); len(n) != 256 || n[0] <= 0 {
		t.Errorf("Q4_K column norms: %d values, first %g", len(n), n[0])
	}
}

// generation_config.json and config.json give the sampling defaults.
func TestGenerationDefaults(t *testing.T) {
	m, _ := loadReference(t, "llama")
	g := m.Gen
	if g.Temperature != 0.6 || g.TopP != 0.9 || g.BOS != 1 || len(g.EOS) != 2 || g.EOS[0] != 2 || g.EOS[1] != 3 {
		t.Errorf("llama defaults %+v", g)
	}
	m2, _ := loadReference(t, "qwen2")
	if g := m2.Gen; g.BOS != -1 || len(g.EOS) != 1 || g.EOS[0] != 2 || g.Temperature != 0 {
		t.Errorf("qwen2 defaults %+v", g)
	}
	if !m2.Config.TiedEmbeddings || m.Config.TiedEmbeddings {
		t.Errorf("tied: qwen2 %v llama %v", m2.Config.TiedEmbeddings, m.Config.TiedEmbeddings)
	}
}

// Every family loads from a Q8_0 GGUF laid out as llama.cpp's converter
// writes it (names, metadata keys, Gemma norms stored as 1 + w, llama q/k
// permuted, phi3 fused) and matches the reference of the dequantised weights.
func TestGGUFFamilies(t *testing.T) {
	for _, name := range tinyFamilies {
		if name == "llama" || name == "mistral" {
			continue // GGUF arch llama: TestGGUFMatchesSafetensors, TestGGUFMixedQuants
		}
		t.Run(name, func(t *testing.T) {
			hf, ref := loadReference(t, name)
			dir := filepath.Join("testdata", "tiny", name)
			g, err := Load(filepath.Join(dir, "model_q8_0.gguf"))
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			if g.Config.Arch != hf.Config.Arch && !(name == "mistral" && g.Config.Arch == "llama") {
				t.Errorf("arch %s, want %s", g.Config.Arch, hf.Config.Arch)
			}
			want := readF32(t, filepath.Join(dir, "ref_logits_gguf_q8_0.f32"))
			logits, err := g.NewRunner().Forward(context.Background(), []Segment{{Cache: g.NewCache(4), Tokens: ref.tokens}}, true)
			if err != nil {
				t.Fatal(err)
			}
			if e := relErr(logits, want); e > 1e-4 || math.IsNaN(e) {
				t.Errorf("gguf logits: relative error %.3g > 1e-4", e)
			}
		})
	}
}

// Wide heads (Dh >= 32) take the vectorised dot/axpy row path; it agrees
// with the blocked matrix-product path, with and without a sliding window.
func TestWideHeadAttention(t *testing.T) {
	cfg := Config{Arch: "llama", DModel: 128, NLayers: 2, DFF: 96, NHeads: 4, NKVHeads: 2, HeadDim: 64,
		Vocab: 50, NormEps: 1e-5, RopeTheta: 10000}
	for _, window := range []int{0, 9} {
		c := cfg
		if window > 0 {
			c.SlidingWindow, c.SlidingLayers = window, []bool{true, false}
		}
		m, err := RandomInit(c, kernels.F32, 5)
		if err != nil {
			t.Fatal(err)
		}
		toks := make([]int, 40)
		for i := range toks {
			toks[i] = (i*13 + 1) % c.Vocab
		}
		r := m.NewRunner()
		all := forwardAll(t, r, toks)
		cache := m.NewCache(1)
		var rows []float32
		for _, id := range toks {
			lg, err := r.Forward(context.Background(), []Segment{{Cache: cache, Tokens: []int{id}}}, false)
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, lg[:c.Vocab]...)
		}
		if e := relErr(all, rows); e > 1e-5 {
			t.Errorf("window %d: blocked vs row attention: relative error %.3g", window, e)
		}
	}
}
