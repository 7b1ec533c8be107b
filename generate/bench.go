package generate

import (
	"context"
	"fmt"
	"time"

	"github.com/hneurons/hneurons/model"
)

// BenchResult holds measured throughputs.
type BenchResult struct {
	PromptTokens    int     `json:"prompt_tokens"`
	GenTokens       int     `json:"gen_tokens"`
	Sequences       int     `json:"sequences"`
	PrefillTokensPS float64 `json:"prefill_tokens_per_s"`
	DecodeTokensPS  float64 `json:"decode_tokens_per_s"`
	PrefillSeconds  float64 `json:"prefill_s"`
	DecodeSeconds   float64 `json:"decode_s"`
	// PrefillGFLOPs is the rate of the prefill's matrix products
	// (model.PrefillFLOPs over the best prefill time), GFLOP/s.
	PrefillGFLOPs float64 `json:"prefill_gflop_s"`
	// DecodeWeightGBs is the rate at which decoding streams weights: the
	// weight bytes of one step (model.DecodeWeightBytes; read once per step
	// for all sequences) times the steps, over the best decode time, GB/s.
	DecodeWeightGBs float64 `json:"decode_weight_gb_s"`
}

// Bench measures prefill (one forward call over promptTokens tokens) and
// greedy decoding (genTokens single-token calls) on r, repeating each part
// until at least minTime has passed and keeping the best run. With
// sequences > 1 the prompt's cache is forked and that many sequences decode
// together (as GenerateN does); decode tokens per second then counts the
// tokens of all sequences. Token ids are drawn deterministically from the
// vocabulary.
func Bench(ctx context.Context, r *model.Runner, promptTokens, genTokens, sequences int, minTime time.Duration) (BenchResult, error) {
	if promptTokens <= 0 || genTokens <= 0 || sequences <= 0 {
		return BenchResult{}, fmt.Errorf("generate: bench needs positive counts, got %d prompt, %d generated tokens, %d sequences", promptTokens, genTokens, sequences)
	}
	m := r.Model()
	V := m.Config.Vocab
	prompt := make([]int, promptTokens)
	for i := range prompt {
		prompt[i] = (i*7919 + 13) % V
	}
	res := BenchResult{PromptTokens: promptTokens, GenTokens: genTokens, Sequences: sequences}
	cache := m.NewCache(promptTokens + genTokens)
	seg := []model.Segment{{Cache: cache}}
	forks := make([]*model.Cache, sequences)
	for i := range forks {
		forks[i] = m.NewCache(promptTokens + genTokens)
	}
	segs := make([]model.Segment, sequences)
	toks := make([]int, sequences)
	best := func(f func() error) (float64, error) {
		bestS := 0.0
		start := time.Now()
		for runs := 0; runs == 0 || time.Since(start) < minTime; runs++ {
			t0 := time.Now()
			if err := f(); err != nil {
				return 0, err
			}
			if s := time.Since(t0).Seconds(); runs == 0 || s < bestS {
				bestS = s
			}
		}
		return bestS, nil
	}
	var logits []float32
	prefill := func() error {
		cache.Reset()
		seg[0].Tokens = prompt
		var err error
		logits, err = r.Forward(ctx, seg, false)
		return err
	}
	var err error
	if res.PrefillSeconds, err = best(prefill); err != nil {
		return res, err
	}
	decode := func() error {
		if err := prefill(); err != nil {
			return err
		}
		for i := range segs {
			forks[i].CopyFrom(cache)
			toks[i] = Argmax(logits[:V])
			segs[i] = model.Segment{Cache: forks[i], Tokens: toks[i : i+1]}
		}
		t0 := time.Now()
		for step := 0; step < genTokens; step++ {
			lg, err := r.Forward(ctx, segs, false)
			if err != nil {
				return err
			}
			for i := range segs {
				toks[i] = (Argmax(lg[i*V:(i+1)*V]) + i) % V // keep the sequences apart
			}
		}
		res.DecodeSeconds = time.Since(t0).Seconds()
		return nil
	}
	bestDecode := 0.0
	start := time.Now()
	for runs := 0; runs == 0 || time.Since(start) < minTime; runs++ {
		if err := decode(); err != nil {
			return res, err
		}
		if runs == 0 || res.DecodeSeconds < bestDecode {
			bestDecode = res.DecodeSeconds
		}
	}
	res.DecodeSeconds = bestDecode
	res.PrefillTokensPS = float64(promptTokens) / res.PrefillSeconds
	res.DecodeTokensPS = float64(genTokens*sequences) / res.DecodeSeconds
	res.PrefillGFLOPs = m.PrefillFLOPs(promptTokens, 0) / res.PrefillSeconds / 1e9
	res.DecodeWeightGBs = float64(m.DecodeWeightBytes()) * float64(genTokens) / res.DecodeSeconds / 1e9
	return res, nil
}
