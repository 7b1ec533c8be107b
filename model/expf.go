package model

import "math"

// expf returns e^x in float32 for x <= 0 (softmax arguments), with relative
// error below 3e-7 (see TestExpf): x = n ln2 + r with |r| <= ln2/2, e^r by a
// degree-6 Taylor polynomial, scaled by 2^n through the exponent bits.
// Arguments below -87 (whose result is under the smallest normal float32)
// give 0.
func expf(x float32) float32 {
	if x < -87 {
		return 0
	}
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
	)
	ni := int32(x*log2e - 0.5) // round to nearest (x <= 0; truncation is towards zero)
	n := float32(ni)
	r := x - n*ln2hi - n*ln2lo
	// e^r = 1 + r + r²/2 + ... + r⁶/720 in Estrin's scheme (shorter dependency chains)
	r2 := r * r
	p := (1 + r) + r2*((0.5+r*(1.0/6))+r2*((1.0/24+r*(1.0/120))+r2*(1.0/720)))
	return p * math.Float32frombits(uint32(ni+127)<<23)
}

// swiGLU writes gate[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + e^-x),
// with expf (relative error below 3e-6, see TestGLU).
func swiGLU(gate, up []float32) {
	up = up[:len(gate)]
	for i, x := range gate {
		var s float32
		if x >= 0 {
			s = x / (1 + expf(-x))
		} else {
			e := expf(x)
			s = x * e / (1 + e)
		}
		gate[i] = s * up[i]
	}
}

// geGLU writes gate[i] = gelu_tanh(gate[i]) * up[i] with
// gelu_tanh(x) = x / 2 (1 + tanh(sqrt(2/π) (x + 0.044715 x³))), using
// 1 + tanh(y) = 2 / (1 + e^-2y).
func geGLU(gate, up []float32) {
	const c = 0.7978845608028654 // sqrt(2/π)
	up = up[:len(gate)]
	for i, x := range gate {
		y := 2 * c * (x + 0.044715*x*x*x)
		var g float32
		if y >= 0 {
			g = x / (1 + expf(-y))
		} else {
			e := expf(y)
			g = x * e / (1 + e)
		}
		gate[i] = g * up[i]
	}
}
