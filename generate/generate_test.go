package generate

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/model"
)

func tinyModel(t *testing.T) *model.Model {
	t.Helper()
	cfg, err := model.Shape("stories260k")
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.RandomInit(cfg, kernels.F32, 42)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sequential decodes one sequence on its own cache, the plain way, as a
// reference for GenerateN's forked, batched decoding.
func sequential(t *testing.T, m *model.Model, prompt []int, opt Options, stream uint64) []int {
	t.Helper()
	r := m.NewRunner()
	c := m.NewCache(1)
	s := NewSampler(opt.SamplerOptions, opt.Seed, stream)
	lg, err := r.Forward(context.Background(), []model.Segment{{Cache: c, Tokens: prompt}}, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for len(out) < opt.MaxNewTokens {
		tok := s.Sample(lg)
		if slices.Contains(opt.StopTokens, tok) {
			break
		}
		out = append(out, tok)
		if lg, err = r.Forward(context.Background(), []model.Segment{{Cache: c, Tokens: []int{tok}}}, false); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestGenerateNMatchesSequential(t *testing.T) {
	m := tinyModel(t)
	prompt := []int{1, 40, 41, 42, 7}
	opt := Options{SamplerOptions: SamplerOptions{Temperature: 1.3, TopP: 0.95, TopK: 50}, MaxNewTokens: 20, Seed: 7}
	res, err := GenerateN(context.Background(), m.NewRunner(), prompt, 4, opt)
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{}
	for i, r := range res {
		want := sequential(t, m, prompt, opt, uint64(i))
		if !slices.Equal(r.Tokens, want) {
			t.Errorf("sequence %d: batched %v, sequential %v", i, r.Tokens, want)
		}
		if r.Reason != StopLength {
			t.Errorf("sequence %d: reason %q", i, r.Reason)
		}
		distinct[string(rune(r.Tokens[0]))+string(rune(r.Tokens[1]))+string(rune(r.Tokens[2]))] = true
	}
	if len(distinct) < 2 {
		t.Errorf("4 sampled sequences all alike: %v", res)
	}
	again, _ := GenerateN(context.Background(), m.NewRunner(), prompt, 4, opt)
	for i := range res {
		if !slices.Equal(res[i].Tokens, again[i].Tokens) {
			t.Errorf("same seed, different tokens for sequence %d", i)
		}
	}
	opt.Seed = 8
	other, _ := GenerateN(context.Background(), m.NewRunner(), prompt, 4, opt)
	if slices.Equal(other[0].Tokens, res[0].Tokens) && slices.Equal(other[1].Tokens, res[1].Tokens) {
		t.Errorf("different seeds gave the same tokens")
	}
}

func TestTopK1IsGreedy(t *testing.T) {
	m := tinyModel(t)
	prompt := []int{1, 5, 9}
	greedy, err := Generate(context.Background(), m.NewRunner(), prompt, Options{MaxNewTokens: 30})
	if err != nil {
		t.Fatal(err)
	}
	k1, _ := Generate(context.Background(), m.NewRunner(), prompt, Options{SamplerOptions: SamplerOptions{Temperature: 2, TopK: 1}, MaxNewTokens: 30, Seed: 3})
	if !slices.Equal(greedy.Tokens, k1.Tokens) {
		t.Errorf("top-k 1 %v != greedy %v", k1.Tokens, greedy.Tokens)
	}
	if want := sequential(t, m, prompt, Options{MaxNewTokens: 30}, 0); !slices.Equal(greedy.Tokens, want) {
		t.Errorf("greedy %v != argmax loop %v", greedy.Tokens, want)
	}
}

func TestStops(t *testing.T) {
	m := tinyModel(t)
	prompt := []int{1, 5, 9}
	full, _ := Generate(context.Background(), m.NewRunner(), prompt, Options{MaxNewTokens: 12})
	stopTok := full.Tokens[4]
	cut := slices.Index(full.Tokens, stopTok)
	res, _ := Generate(context.Background(), m.NewRunner(), prompt, Options{MaxNewTokens: 12, StopTokens: []int{stopTok}})
	if res.Reason != StopEOS || !slices.Equal(res.Tokens, full.Tokens[:cut]) {
		t.Errorf("stop token: %v %q, want %v", res.Tokens, res.Reason, full.Tokens[:cut])
	}
	decode := func(ids []int) string {
		b := make([]byte, len(ids))
		for i, id := range ids {
			b[i] = byte('a' + id%26)
		}
		return string(b)
	}
	text := decode(full.Tokens)
	stop := text[6:8]
	k := len(text)
	for i := 0; i+2 <= len(text); i++ {
		if text[i:i+2] == stop {
			k = i
			break
		}
	}
	var streamed []int
	res, err := Generate(context.Background(), m.NewRunner(), prompt, Options{MaxNewTokens: 12, StopStrings: []string{stop}, Decode: decode,
		OnToken: func(seq, tok int) error { streamed = append(streamed, tok); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reason != StopString || res.Text != text[:k] || !slices.Equal(res.Tokens, full.Tokens[:k+2]) || !slices.Equal(streamed, res.Tokens) {
		t.Errorf("stop string %q: %q %v %q (streamed %v), want text %q", stop, res.Text, res.Tokens, res.Reason, streamed, text[:k])
	}
	if _, err := Generate(context.Background(), m.NewRunner(), prompt, Options{}); err == nil {
		t.Error("MaxNewTokens 0 accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, m.NewRunner(), prompt, Options{MaxNewTokens: 3}); err == nil {
		t.Error("cancelled context ignored")
	}
}

// The sampling distribution equals a float64 computation of
// softmax(logits/T), top-k, then the top-p nucleus, renormalised.
func TestDistributionTopP(t *testing.T) {
	logits := []float32{2.0, 1.5, -0.3, 3.1, 0.0, 2.9, -2.0, 1.5, 0.7, -1.1, 2.2, 0.1}
	for _, o := range []SamplerOptions{
		{Temperature: 1, TopP: 0.8},
		{Temperature: 0.7, TopP: 0.5},
		{Temperature: 1.5, TopP: 0.9, TopK: 5},
		{Temperature: 1, TopK: 3},
		{Temperature: 1},
	} {
		want := refDistribution(logits, o)
		got := NewSampler(o, 1, 0).Distribution(logits)
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Errorf("%+v: p[%d] = %g, want %g", o, i, got[i], want[i])
			}
		}
		// Empirical frequencies of Sample follow the distribution.
		s := NewSampler(o, 99, 0)
		const n = 40000
		counts := make([]float64, len(logits))
		for i := 0; i < n; i++ {
			counts[s.Sample(logits)]++
		}
		for i := range want {
			sd := math.Sqrt(want[i]*(1-want[i])/n) + 1e-9
			if math.Abs(counts[i]/n-want[i]) > 5*sd {
				t.Errorf("%+v: token %d drawn %.4f of the time, p = %.4f", o, i, counts[i]/n, want[i])
			}
		}
	}
}

// Top-k selection on a large vocabulary (heap path) with many ties.
func TestDistributionTopKLarge(t *testing.T) {
	logits := make([]float32, 1000)
	for i := range logits {
		logits[i] = float32((i*7919)%211) / 20 // values repeat: ties everywhere
	}
	for _, o := range []SamplerOptions{{Temperature: 1, TopK: 37}, {Temperature: 0.8, TopK: 200, TopP: 0.7}, {Temperature: 1, TopK: 999}} {
		want := refDistribution(logits, o)
		got := NewSampler(o, 1, 0).Distribution(logits)
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Fatalf("%+v: p[%d] = %g, want %g", o, i, got[i], want[i])
			}
		}
	}
}

func refDistribution(logits []float32, o SamplerOptions) []float64 {
	n := len(logits)
	p := make([]float64, n)
	var z float64
	for i, v := range logits {
		p[i] = math.Exp(float64(v) / o.Temperature)
		z += p[i]
	}
	idx := make([]int, n)
	for i := range idx {
		p[i] /= z
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	keep := n
	if o.TopK > 0 && o.TopK < keep {
		keep = o.TopK
	}
	if o.TopP > 0 && o.TopP < 1 {
		var mass float64
		for _, i := range idx[:keep] {
			mass += p[i]
		}
		var acc float64
		for j, i := range idx[:keep] {
			acc += p[i] / mass
			if acc >= o.TopP {
				keep = j + 1
				break
			}
		}
	}
	out := make([]float64, n)
	var mass float64
	for _, i := range idx[:keep] {
		mass += p[i]
	}
	for _, i := range idx[:keep] {
		out[i] = p[i] / mass
	}
	return out
}

// Several prompts decoded together give what each gives alone.
func TestGenerateManyMatchesN(t *testing.T) {
	m := tinyModel(t)
	prompts := [][]int{{1, 40, 41}, {1, 7}, {1, 300, 301, 302, 303, 9}}
	opts := []Options{
		{SamplerOptions: SamplerOptions{Temperature: 1, TopP: 0.9}, MaxNewTokens: 12, Seed: 1},
		{MaxNewTokens: 5},
		{SamplerOptions: SamplerOptions{Temperature: 0.7, TopK: 20}, MaxNewTokens: 9, Seed: 2, StopTokens: []int{17}},
	}
	many, err := GenerateMany(context.Background(), m.NewRunner(), prompts, 3, opts)
	if err != nil {
		t.Fatal(err)
	}
	for p := range prompts {
		alone, err := GenerateN(context.Background(), m.NewRunner(), prompts[p], 3, opts[p])
		if err != nil {
			t.Fatal(err)
		}
		for i := range alone {
			if !slices.Equal(many[p][i].Tokens, alone[i].Tokens) || many[p][i].Reason != alone[i].Reason {
				t.Errorf("prompt %d sequence %d: together %v %s, alone %v %s", p, i, many[p][i].Tokens, many[p][i].Reason, alone[i].Tokens, alone[i].Reason)
			}
		}
	}
	if _, err := GenerateMany(context.Background(), m.NewRunner(), prompts, 3, opts[:1]); err == nil {
		t.Error("mismatched options accepted")
	}
}

// BenchmarkSample151936 samples from a Qwen-sized vocabulary.
func BenchmarkSample151936(b *testing.B) {
	logits := make([]float32, 151936)
	for i := range logits {
		logits[i] = float32((i*7919)%10007) / 1000
	}
	for _, o := range []SamplerOptions{{Temperature: 1}, {Temperature: 0.7, TopP: 0.9}, {Temperature: 0.7, TopK: 20, TopP: 0.8}} {
		b.Run(fmt.Sprintf("T%g_K%d_P%g", o.Temperature, o.TopK, o.TopP), func(b *testing.B) {
			s := NewSampler(o, 1, 0)
			for b.Loop() {
				s.Sample(logits)
			}
		})
	}
}

// Generation stops at the model's context length instead of running past it.
func TestGenerateStopsAtContext(t *testing.T) {
	path := sharedtest.Path(t, "models", "stories260K", "stories260K.gguf")
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Config.MaxSeq <= 0 {
		t.Fatalf("stories260K has no context length in its config")
	}
	prompt := []int{1, 403, 407, 261, 378}
	res, err := Generate(context.Background(), m.NewRunner(), prompt, Options{MaxNewTokens: 10 * m.Config.MaxSeq})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(prompt) + len(res.Tokens); got > m.Config.MaxSeq {
		t.Fatalf("generated to %d positions, past the context of %d", got, m.Config.MaxSeq)
	}
	long := make([]int, m.Config.MaxSeq)
	for i := range long {
		long[i] = 1
	}
	if _, err := Generate(context.Background(), m.NewRunner(), long, Options{MaxNewTokens: 4}); err == nil {
		t.Fatal("a prompt that fills the context: no error")
	}
}
