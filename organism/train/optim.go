package train

import "math"

// AdamW holds the optimiser state: first and second moments laid out like
// the parameters.
type AdamW struct {
	Beta1, Beta2, Eps, WeightDecay float64
	M, V                           []float32
	// Step counts the updates applied so far (for bias correction).
	Step int
}

// NewAdamW returns zeroed AdamW state for n parameters.
func NewAdamW(n int, beta1, beta2, eps, weightDecay float64) *AdamW {
	return &AdamW{Beta1: beta1, Beta2: beta2, Eps: eps, WeightDecay: weightDecay, M: make([]float32, n), V: make([]float32, n)}
}

// Update applies one AdamW step with learning rate lr to params from grads:
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr * (m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps) + wd*p), the decay
// (decoupled) only on tensors with Decay set.
func (o *AdamW) Update(ts []Tensor, params, grads []float32, lr float64) {
	o.Step++
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	c1 := float32(1 / (1 - math.Pow(o.Beta1, float64(o.Step))))
	c2 := float32(1 / (1 - math.Pow(o.Beta2, float64(o.Step))))
	eps, lr32 := float32(o.Eps), float32(lr)
	for _, t := range ts {
		wd := float32(0)
		if t.Decay {
			wd = float32(o.WeightDecay)
		}
		for i := t.Off; i < t.Off+t.Size; i++ {
			g := grads[i]
			m := b1*o.M[i] + (1-b1)*g
			v := b2*o.V[i] + (1-b2)*g*g
			o.M[i], o.V[i] = m, v
			params[i] -= lr32 * (m*c1/(float32(math.Sqrt(float64(v*c2)))+eps) + wd*params[i])
		}
	}
}

// Schedule is a linear warm-up followed by a cosine decay.
type Schedule struct {
	Peak, Min     float64
	Warmup, Total int
}

// LR returns the learning rate of step (1-based): Peak*step/Warmup during
// warm-up, then Min + (Peak-Min)*(1+cos(pi*progress))/2.
func (s Schedule) LR(step int) float64 {
	if step <= s.Warmup {
		return s.Peak * float64(step) / float64(max(s.Warmup, 1))
	}
	p := float64(step-s.Warmup) / float64(max(s.Total-s.Warmup, 1))
	p = min(p, 1)
	return s.Min + (s.Peak-s.Min)*(1+math.Cos(math.Pi*p))/2
}

// clipGrads scales grads so that their global L2 norm is at most maxNorm
// (when maxNorm > 0) and returns the norm before clipping.
func clipGrads(grads []float32, maxNorm float64) float64 {
	var ss float64
	for _, g := range grads {
		ss += float64(g) * float64(g)
	}
	norm := math.Sqrt(ss)
	if maxNorm > 0 && norm > maxNorm {
		s := float32(maxNorm / norm)
		for i := range grads {
			grads[i] *= s
		}
	}
	return norm
}
