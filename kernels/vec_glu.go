package kernels

import "math"

// SwiGLU writes gate[i] = silu(gate[i])·up[i], silu(x) = x / (1 + e^-x),
// for i < len(gate), with a float32 e^x of relative error below 3e-7 (the
// model package's expf: x = n ln2 + r, a degree-6 polynomial of r, 2^n
// through the exponent bits; 0 for arguments below -87). With AVX-512 the
// same operations run 16 values at a time, giving the same bits as the
// scalar loop.
func SwiGLU(gate, up []float32) {
	up = up[:len(gate)]
	n16 := 0
	if use512() {
		n16 = len(gate) &^ 15
		if n16 > 0 {
			swiGLUAVX512(&gate[0], &up[0], n16)
		}
	}
	swiGLUGo(gate[n16:], up[n16:])
}

// swiGLUGo is SwiGLU's scalar loop (and the twin of swiGLUAVX512).
func swiGLUGo(gate, up []float32) {
	up = up[:len(gate)]
	for i, x := range gate {
		var s float32
		if x >= 0 {
			s = x / (1 + Expf(-x))
		} else {
			e := Expf(x)
			s = x * e / (1 + e)
		}
		gate[i] = s * up[i]
	}
}

// Expf returns e^x in float32 for x <= 0 (softmax and SiLU arguments), with
// relative error below 3e-7 (model's TestExpf): x = n ln2 + r with
// |r| <= ln2/2, e^r by a degree-6 Taylor polynomial in Estrin's scheme,
// scaled by 2^n through the exponent bits. Arguments below -87 (whose result
// is under the smallest normal float32) give 0. It is the one exponential of
// the engine: the model's softmax and SwiGLU and these kernels' Go twins.
func Expf(x float32) float32 {
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
	r2 := r * r
	p := (1 + r) + r2*((0.5+r*(1.0/6))+r2*((1.0/24+r*(1.0/120))+r2*(1.0/720)))
	return p * math.Float32frombits(uint32(ni+127)<<23)
}
