package kernels

import (
	"errors"
	"fmt"
	"math"
)

// errShape reports buffers whose sizes do not fit together.
var errShape = errors.New("buffer sizes do not match")

// checkLen panics when a buffer is shorter than n: a shape mismatch inside
// the engine is a programmer error.
func checkLen(name string, got, n int) {
	if got < n {
		panic(fmt.Sprintf("kernels: %s has %d elements, need %d", name, got, n))
	}
}

// RMSNorm writes dst[i] = x[i] / sqrt(mean(x²) + eps) * g[i] with
// g = w, or g = 1 + w when addOne is set (Gemma). dst may alias x.
// dst, x, w: [D].
func RMSNorm(dst, x, w []float32, eps float32, addOne bool) {
	n := len(x)
	checkLen("RMSNorm dst", len(dst), n)
	checkLen("RMSNorm w", len(w), n)
	if n == 0 {
		return
	}
	ss := sumSquares(x)
	inv := float32(1 / math.Sqrt(ss/float64(n)+float64(eps)))
	dst = dst[:n]
	w = w[:n]
	if addOne {
		for i, v := range x {
			dst[i] = v * inv * (1 + w[i])
		}
		return
	}
	for i, v := range x {
		dst[i] = v * inv * w[i]
	}
}

// sumSquares returns Σ x[i]² accumulated in float64.
func sumSquares(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a, b, c, d := float64(x[i]), float64(x[i+1]), float64(x[i+2]), float64(x[i+3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i]) * float64(x[i])
	}
	return s0 + s1 + s2 + s3
}

// Softmax replaces x with exp(x - max x) / Σ exp(x - max x). Entries equal
// to -Inf (masked) become 0; an all -Inf row becomes all 0.
func Softmax(x []float32) {
	if len(x) == 0 {
		return
	}
	mx := float32(math.Inf(-1))
	for _, v := range x {
		if v > mx {
			mx = v
		}
	}
	if math.IsInf(float64(mx), -1) {
		clear(x)
		return
	}
	var sum float64
	for i, v := range x {
		e := float32(math.Exp(float64(v - mx)))
		x[i] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for i := range x {
		x[i] *= inv
	}
}

// RoPEInterleaved rotates x at position pos in the interleaved (Meta/GGUF)
// layout: pairs (x[2i], x[2i+1]) of each head turn by pos*invFreq[i].
// x holds one or more heads of headDim values laid contiguously
// ([H, headDim]); invFreq has R/2 entries for a rotary width R <= headDim
// (R < headDim rotates only the first R values of each head). The caller
// builds invFreq (base^(-2i/R), with llama3 or other scaling applied).
func RoPEInterleaved(x []float32, pos int, headDim int, invFreq []float32) {
	half := checkRoPE(x, headDim, invFreq)
	for i := 0; i < half; i++ {
		s, c := math.Sincos(float64(float32(pos) * invFreq[i]))
		cs, sn := float32(c), float32(s)
		for h := 0; h < len(x); h += headDim {
			a, b := x[h+2*i], x[h+2*i+1]
			x[h+2*i] = a*cs - b*sn
			x[h+2*i+1] = a*sn + b*cs
		}
	}
}

// RoPEHalf rotates x at position pos in the Hugging Face rotate-half layout:
// pairs (x[i], x[i+R/2]) of each head turn by pos*invFreq[i], with R =
// 2*len(invFreq) <= headDim the rotary width. x holds one or more heads
// laid contiguously ([H, headDim]).
func RoPEHalf(x []float32, pos int, headDim int, invFreq []float32) {
	half := checkRoPE(x, headDim, invFreq)
	for i := 0; i < half; i++ {
		s, c := math.Sincos(float64(float32(pos) * invFreq[i]))
		cs, sn := float32(c), float32(s)
		for h := 0; h < len(x); h += headDim {
			a, b := x[h+i], x[h+i+half]
			x[h+i] = a*cs - b*sn
			x[h+i+half] = a*sn + b*cs
		}
	}
}

// checkRoPE validates the RoPE shapes and returns R/2.
func checkRoPE(x []float32, headDim int, invFreq []float32) int {
	half := len(invFreq)
	if headDim <= 0 || 2*half > headDim || len(x)%headDim != 0 {
		panic(fmt.Sprintf("kernels: RoPE: %d values, head size %d, %d frequencies", len(x), headDim, half))
	}
	return half
}

// SiLU replaces x with x * sigmoid(x).
func SiLU(x []float32) {
	for i, v := range x {
		x[i] = float32(float64(v) / (1 + math.Exp(-float64(v))))
	}
}

// GELUTanh replaces x with the tanh approximation of GELU:
// 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³))).
func GELUTanh(x []float32) {
	const c = 0.7978845608028654 // sqrt(2/π)
	for i, v := range x {
		f := float64(v)
		x[i] = float32(0.5 * f * (1 + math.Tanh(c*(f+0.044715*f*f*f))))
	}
}

// GELUErf replaces x with the exact GELU: 0.5 x (1 + erf(x / sqrt 2)).
func GELUErf(x []float32) {
	for i, v := range x {
		f := float64(v)
		x[i] = float32(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
	}
}

// Mul writes dst[i] = a[i] * b[i] for i < len(dst); dst may alias a or b.
func Mul(dst, a, b []float32) {
	n := len(dst)
	checkLen("Mul a", len(a), n)
	checkLen("Mul b", len(b), n)
	a, b = a[:n], b[:n]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// Add writes dst[i] = a[i] + b[i] for i < len(dst); dst may alias a or b.
func Add(dst, a, b []float32) {
	n := len(dst)
	checkLen("Add a", len(a), n)
	checkLen("Add b", len(b), n)
	a, b = a[:n], b[:n]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Dot returns Σ a[i]*b[i] over len(a) (b must be at least as long).
func Dot(a, b []float32) float32 {
	checkLen("Dot b", len(b), len(a))
	if len(a) == 0 {
		return 0
	}
	return dot(a, b[:len(a)])
}

// Axpy writes y[i] += alpha * x[i] for i < len(x).
func Axpy(alpha float32, x, y []float32) {
	checkLen("Axpy y", len(y), len(x))
	if len(x) == 0 {
		return
	}
	axpy(alpha, x, y[:len(x)])
}

// axpyGo is the pure-Go y[i] += alpha·x[i].
func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// Scale writes x[i] *= s.
func Scale(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

// dotGo is the pure-Go dot product with four partial sums.
func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
