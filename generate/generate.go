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
	if len(prompt) == 0 {
		return nil, errors.New("generate: empty prompt")
	}
	if n <= 0 {
		return nil, fmt.Errorf("generate: %d sequences", n)
	}
	if opt.MaxNewTokens <= 0 {
		return nil, fmt.Errorf("generate: MaxNewTokens must be positive, got %d", opt.MaxNewTokens)
	}
	if len(opt.StopStrings) > 0 && opt.Decode == nil {
		return nil, errors.New("generate: stop strings need a Decode function")
	}
	m := r.Model()
	V := m.Config.Vocab
	base := m.NewCache(len(prompt) + opt.MaxNewTokens)
	logits, err := r.Forward(ctx, []model.Segment{{Cache: base, Tokens: prompt}}, false)
	if err != nil {
		return nil, err
	}
	first := slices.Clone(logits[:V])

	type seq struct {
		cache   *model.Cache
		sampler *Sampler
		res     Result
		next    [1]int
		done    bool
	}
	seqs := make([]*seq, n)
	for i := range seqs {
		c := base
		if i < n-1 {
			c = base.Fork()
		}
		seqs[i] = &seq{cache: c, sampler: NewSampler(opt.SamplerOptions, opt.Seed, uint64(i))}
		seqs[i].res.Tokens = make([]int, 0, opt.MaxNewTokens)
	}
	// accept records a sampled token and reports whether the sequence ended.
	accept := func(i int, s *seq, tok int) (bool, error) {
		if slices.Contains(opt.StopTokens, tok) {
			s.res.Reason = StopEOS
			return true, nil
		}
		s.res.Tokens = append(s.res.Tokens, tok)
		if opt.OnToken != nil {
			if err := opt.OnToken(i, tok); err != nil {
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
	segs := make([]model.Segment, 0, n)
	live := make([]int, 0, n) // indices of sequences in segs
	for i, s := range seqs {
		tok := s.sampler.Sample(first)
		done, err := accept(i, s, tok)
		if err != nil {
			return nil, err
		}
		s.done, s.next[0] = done, tok
	}
	for {
		segs, live = segs[:0], live[:0]
		for i, s := range seqs {
			if !s.done {
				segs = append(segs, model.Segment{Cache: s.cache, Tokens: s.next[:]})
				live = append(live, i)
			}
		}
		if len(segs) == 0 {
			break
		}
		logits, err := r.Forward(ctx, segs, false)
		if err != nil {
			return nil, err
		}
		for j, i := range live {
			s := seqs[i]
			tok := s.sampler.Sample(logits[j*V : (j+1)*V])
			done, err := accept(i, s, tok)
			if err != nil {
				return nil, err
			}
			s.done, s.next[0] = done, tok
		}
	}
	out := make([]Result, n)
	for i, s := range seqs {
		out[i] = s.res
		if opt.Decode != nil && s.res.Reason != StopString {
			out[i].Text = opt.Decode(s.res.Tokens)
		}
	}
	return out, nil
}
