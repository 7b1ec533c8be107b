package generate

import (
	"math"
	"math/rand/v2"
	"slices"
)

// SamplerOptions choose how the next token is drawn from the logits.
type SamplerOptions struct {
	Temperature float64 // 0 (or less): greedy (argmax)
	TopK        int     // keep the K most likely tokens; 0: all
	TopP        float64 // keep the smallest set of most likely tokens with probability >= TopP; 0 or >= 1: all
}

// Sampler draws tokens from logits. It applies, as Hugging Face's
// generate does, temperature, then top-k, then top-p, and samples from the
// renormalised distribution with its own PCG generator (math/rand/v2), so a
// given seed always gives the same tokens. Ties rank the lower token id
// first. A Sampler reuses its buffers; it is not safe for concurrent use.
type Sampler struct {
	opt  SamplerOptions
	rng  *rand.Rand
	cand []cand // [V] candidate buffer
}

type cand struct {
	id int
	p  float64 // scaled logit, then probability
}

// NewSampler returns a sampler seeded with (seed, stream): sequences that
// share a seed but differ in stream draw independent tokens.
func NewSampler(opt SamplerOptions, seed, stream uint64) *Sampler {
	return &Sampler{opt: opt, rng: rand.New(rand.NewPCG(seed, stream))}
}

// Sample returns the next token id for logits [V].
func (s *Sampler) Sample(logits []float32) int {
	if s.opt.Temperature <= 0 || s.opt.TopK == 1 {
		return Argmax(logits)
	}
	probs := s.filter(logits)
	u := s.rng.Float64()
	var acc float64
	for _, c := range probs {
		acc += c.p
		if u < acc {
			return c.id
		}
	}
	return probs[len(probs)-1].id // rounding left u at the very top
}

// Distribution returns the probability [V] Sample gives each token
// (zero for tokens top-k or top-p filtered out). It allocates; use it for
// inspection and tests.
func (s *Sampler) Distribution(logits []float32) []float64 {
	out := make([]float64, len(logits))
	if s.opt.Temperature <= 0 || s.opt.TopK == 1 {
		out[Argmax(logits)] = 1
		return out
	}
	for _, c := range s.filter(logits) {
		out[c.id] = c.p
	}
	return out
}

// filter returns the kept candidates with normalised probabilities.
func (s *Sampler) filter(logits []float32) []cand {
	V := len(logits)
	if cap(s.cand) < V {
		s.cand = make([]cand, V)
	}
	c := s.cand[:V]
	t := s.opt.Temperature
	mx := math.Inf(-1)
	for i, v := range logits {
		x := float64(v) / t
		c[i] = cand{i, x}
		mx = math.Max(mx, x)
	}
	var sum float64
	for i := range c {
		c[i].p = math.Exp(c[i].p - mx)
		sum += c[i].p
	}
	for i := range c {
		c[i].p /= sum
	}
	byProb := func(a, b cand) int {
		if a.p != b.p {
			if a.p > b.p {
				return -1
			}
			return 1
		}
		return a.id - b.id
	}
	topK := s.opt.TopK > 0 && s.opt.TopK < V
	topP := s.opt.TopP > 0 && s.opt.TopP < 1
	if !topK && !topP {
		return c
	}
	if topP && !topK {
		// Tokens below eps cannot be in the nucleus: together they hold at
		// most V*eps < 1-TopP, so the tokens above eps already exceed TopP.
		eps := (1 - s.opt.TopP) / float64(V) / 2
		n := 0
		for _, x := range c {
			if x.p >= eps {
				c[n] = x
				n++
			}
		}
		c = c[:n]
	}
	slices.SortFunc(c, byProb)
	// sum is the mass top-p measures against: all tokens (1), or the top-k set.
	sum = 1
	if topK && len(c) > s.opt.TopK {
		c = c[:s.opt.TopK]
		sum = 0
		for _, x := range c {
			sum += x.p
		}
	}
	if topP {
		// keep the shortest prefix whose probability (within the top-k set) reaches TopP
		var acc float64
		n := len(c)
		for i, x := range c {
			acc += x.p / sum
			if acc >= s.opt.TopP {
				n = i + 1
				break
			}
		}
		c = c[:n]
		sum = 0
		for _, x := range c {
			sum += x.p
		}
	}
	for i := range c {
		c[i].p /= sum
	}
	return c
}

// Argmax returns the index of the largest logit (the lowest index on ties).
func Argmax(logits []float32) int {
	best := 0
	for i, v := range logits {
		if v > logits[best] {
			best = i
		}
	}
	return best
}
