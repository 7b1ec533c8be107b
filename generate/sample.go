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
		if x > mx {
			mx = x
		}
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
	// sum is the mass top-p measures against: all tokens (1), or the top-k set.
	sum = 1
	if topK {
		c = topKFirst(c, s.opt.TopK, byProb)
		sum = 0
		for _, x := range c {
			sum += x.p
		}
	}
	if topP && !topK {
		c = nucleus(c, s.opt.TopP, byProb)
	} else {
		slices.SortFunc(c, byProb)
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

// nucleus returns, most likely first, the shortest run of the best
// candidates (in cmp order) whose probabilities add up to at least p (the
// probabilities are over the whole vocabulary, so a filtered c still
// measures against 1), plus the rest of c unordered after it; it pops a
// max-heap instead of sorting, so the cost follows the nucleus size. The
// caller cuts the run again with the same rule.
func nucleus(c []cand, p float64, cmp func(a, b cand) int) []cand {
	n := len(c)
	better := func(i, j int) bool { return cmp(c[i], c[j]) < 0 }
	down := func(i, size int) {
		for {
			l := 2*i + 1
			if l >= size {
				return
			}
			b := l
			if r := l + 1; r < size && better(r, l) {
				b = r
			}
			if !better(b, i) {
				return
			}
			c[i], c[b] = c[b], c[i]
			i = b
		}
	}
	for i := n/2 - 1; i >= 0; i-- {
		down(i, n)
	}
	// Pop the best to the end of the heap area, one by one.
	size := n
	var acc float64
	for size > 0 && acc < p {
		acc += c[0].p
		c[0], c[size-1] = c[size-1], c[0]
		size--
		down(0, size)
	}
	out := c[size:] // popped, least likely first
	slices.Reverse(out)
	return out
}

// topKFirst moves the k first candidates in cmp order to the front of c
// (in no particular order) and returns them, in O(len(c) log k): a min-heap
// (by cmp, its root the worst kept) of the best k seen so far.
func topKFirst(c []cand, k int, cmp func(a, b cand) int) []cand {
	if k >= len(c) {
		return c
	}
	h := c[:k] // heap: parent "worse or equal" than children, cmp(parent, child) >= 0
	worse := func(i, j int) bool { return cmp(h[i], h[j]) > 0 }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= k {
				return
			}
			w := l
			if r := l + 1; r < k && worse(r, l) {
				w = r
			}
			if !worse(w, i) {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, x := range c[k:] {
		if cmp(x, h[0]) < 0 { // x ranks before the worst kept
			h[0] = x
			down(0)
		}
	}
	return h
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
