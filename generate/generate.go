package generate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hneurons/hneurons/model"
)

// Options control one generation call.
type Options struct {
	SamplerOptions
	MaxNewTokens int    // stop after this many new tokens (required, > 0)
	Seed         uint64 // sequence i samples with NewSampler(opts, Seed, i)
	StopTokens   []int  // end-of-generation ids (EOS, EOT, ...); the stop token is not returned
	// StopStrings end a sequence as soon as its decoded text contains one;
	// Result.Text is cut before it. They need Decode.
	StopStrings []string
	// Decode turns generated ids into text (for StopStrings and Result.Text);
	// may be nil.
	Decode func(ids []int) string
	// OnToken, when set, is called with each sequence's new token as it is
	// sampled (streaming); an error stops generation and is returned.
	OnToken func(seq, token int) error
}

// Stop reasons of a Result.
const (
	StopEOS    = "eos"    // a stop token was sampled
	StopString = "stop"   // a stop string appeared
	StopLength = "length" // MaxNewTokens reached
)

// Result is one generated sequence.
type Result struct {
	Tokens []int  // new tokens, without the prompt and without a final stop token
	Text   string // Decode(Tokens) cut before any stop string ("" without Decode)
	Reason string // StopEOS, StopString or StopLength
}

// Generate continues prompt with one sequence.
func Generate(ctx context.Context, r *model.Runner, prompt []int, opt Options) (Result, error) {
	res, err := GenerateN(ctx, r, prompt, 1, opt)
	if err != nil {
		return Result{}, err
	}
	return res[0], nil
}

// GenerateN continues prompt with n sequences sampled independently (sequence
// i seeded with (Seed, i)). The prompt is run once; its KV cache is then
// forked to the n sequences, which decode together, one batched forward call
// per step.
func GenerateN(ctx context.Context, r *model.Runner, prompt []int, n int, opt Options) ([]Result, error) {
	res, err := GenerateMany(ctx, r, [][]int{prompt}, n, []Options{opt})
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// GenerateMany continues several prompts at once, n sequences each, with
// opts[p] for prompt p: every prompt runs once (all in one forward call),
// its cache is forked to its n sequences, and all sequences of all prompts
// decode together, one batched forward call per step, so that the weights
// are read once per step for all of them. Result [p][i] is what GenerateN
// gives for prompt p alone, up to the rounding differences of batched
// arithmetic.
func GenerateMany(ctx context.Context, r *model.Runner, prompts [][]int, n int, opts []Options) ([][]Result, error) {
	if len(prompts) == 0 || len(opts) != len(prompts) {
		return nil, fmt.Errorf("generate: %d prompts with %d option sets", len(prompts), len(opts))
	}
	if n <= 0 {
		return nil, fmt.Errorf("generate: %d sequences", n)
	}
	// Generation never runs past the model's context: MaxNewTokens is cut to
	// the room the prompt leaves (the sequence then ends with StopLength).
	opts = append([]Options(nil), opts...)
	maxSeq := r.Model().Config.MaxSeq
	for p, opt := range opts {
		if maxSeq > 0 && opt.MaxNewTokens > 0 {
			room := maxSeq - len(prompts[p])
			if room <= 0 {
				return nil, fmt.Errorf("generate: prompt %d has %d tokens, which fills the model's context of %d", p, len(prompts[p]), maxSeq)
			}
			opts[p].MaxNewTokens = min(opt.MaxNewTokens, room)
		}
		if len(prompts[p]) == 0 {
			return nil, fmt.Errorf("generate: prompt %d is empty", p)
		}
		if opt.MaxNewTokens <= 0 {
			return nil, fmt.Errorf("generate: MaxNewTokens must be positive, got %d", opt.MaxNewTokens)
		}
		if len(opt.StopStrings) > 0 && opt.Decode == nil {
			return nil, errors.New("generate: stop strings need a Decode function")
		}
	}
	m := r.Model()
	V := m.Config.Vocab
	bases := make([]*model.Cache, len(prompts))
	segs := make([]model.Segment, len(prompts), len(prompts)*n)
	for p, prompt := range prompts {
		bases[p] = m.NewCache(len(prompt) + opts[p].MaxNewTokens)
		segs[p] = model.Segment{Cache: bases[p], Tokens: prompt}
	}
	logits, err := r.Forward(ctx, segs, false)
	if err != nil {
		return nil, err
	}
	first := slices.Clone(logits[:len(prompts)*V]) // [prompts, V]

	type seq struct {
		p, i    int // prompt, sequence within the prompt
		opt     *Options
		cache   *model.Cache
		sampler *Sampler
		res     Result
		next    [1]int
		done    bool
	}
	seqs := make([]*seq, 0, len(prompts)*n)
	for p := range prompts {
		opt := &opts[p]
		for i := 0; i < n; i++ {
			c := bases[p]
			if i < n-1 {
				c = bases[p].Fork()
			}
			s := &seq{p: p, i: i, opt: opt, cache: c, sampler: NewSampler(opt.SamplerOptions, opt.Seed, uint64(i))}
			s.res.Tokens = make([]int, 0, opt.MaxNewTokens)
			seqs = append(seqs, s)
		}
	}
	// accept records a sampled token and reports whether the sequence ended.
	accept := func(s *seq, tok int) (bool, error) {
		opt := s.opt
		if slices.Contains(opt.StopTokens, tok) {
			s.res.Reason = StopEOS
			return true, nil
		}
		s.res.Tokens = append(s.res.Tokens, tok)
		if opt.OnToken != nil {
			if err := opt.OnToken(s.i, tok); err != nil {
				return true, err
			}
		}
		if len(opt.StopStrings) > 0 {
			text := opt.Decode(s.res.Tokens)
			for _, stop := range opt.StopStrings {
				if k := strings.Index(text, stop); stop != "" && k >= 0 {
					s.res.Text = text[:k]
					s.res.Reason = StopString
					return true, nil
				}
			}
		}
		if len(s.res.Tokens) >= opt.MaxNewTokens {
			s.res.Reason = StopLength
			return true, nil
		}
		return false, nil
	}
	for _, s := range seqs {
		tok := s.sampler.Sample(first[s.p*V : (s.p+1)*V])
		done, err := accept(s, tok)
		if err != nil {
			return nil, err
		}
		s.done, s.next[0] = done, tok
	}
	live := make([]*seq, 0, len(seqs))
	for {
		segs, live = segs[:0], live[:0]
		for _, s := range seqs {
			if !s.done {
				segs = append(segs, model.Segment{Cache: s.cache, Tokens: s.next[:]})
				live = append(live, s)
			}
		}
		if len(segs) == 0 {
			break
		}
		logits, err := r.Forward(ctx, segs, false)
		if err != nil {
			return nil, err
		}
		for j, s := range live {
			tok := s.sampler.Sample(logits[j*V : (j+1)*V])
			done, err := accept(s, tok)
			if err != nil {
				return nil, err
			}
			s.done, s.next[0] = done, tok
		}
	}
	out := make([][]Result, len(prompts))
	for p := range out {
		out[p] = make([]Result, n)
	}
	for _, s := range seqs {
		res := s.res
		if s.opt.Decode != nil && res.Reason != StopString {
			res.Text = s.opt.Decode(res.Tokens)
		}
		out[s.p][s.i] = res
	}
	return out, nil
}
