package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refDot32 is the trainer's dotGo for float32 with every product rounded
// before it is added (the explicit conversions keep a compiler from fusing
// them, as it may on arm64): the loop the shipped weights were trained with.
func refDot32(x, y []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float32(x[i] * y[i])
		s1 += float32(x[i+1] * y[i+1])
		s2 += float32(x[i+2] * y[i+2])
		s3 += float32(x[i+3] * y[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float32(x[i] * y[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// TestVecMatchesGo checks that axpy and dot on float32 (package kernels'
// bit-exact kernels, whichever implementation the build and
// HNEURONS_KERNELS select) give the Go loops' results to the bit, for every
// length up to 70 and misaligned starts, with values over a wide range of
// magnitudes and signs. Package kernels compares its assembly with its Go
// loops directly.
func TestVecMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	val := func() float32 {
		return float32((r.Float64()*2 - 1) * math.Pow(10, float64(r.IntN(9)-4)))
	}
	for n := 0; n <= 70; n++ {
		for off := 0; off < 3; off++ {
			x, y := make([]float32, n+off), make([]float32, n+off+1)
			for i := range x {
				x[i] = val()
			}
			for i := range y {
				y[i] = val()
			}
			alpha := val()
			x, y = x[off:], y[off:]
			guard := y[n]

			wantDot := refDot32(x, y[:n])
			want := append([]float32(nil), y...)
			for i, v := range x {
				want[i] += float32(alpha * v)
			}
			gotDot := dot(x, y[:n])
			got := append([]float32(nil), y...)
			axpy(alpha, x, got[:n])

			if math.Float32bits(gotDot) != math.Float32bits(wantDot) {
				t.Fatalf("n=%d off=%d: dot %v, Go loop %v", n, off, gotDot, wantDot)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("n=%d off=%d: axpy y[%d] = %v, Go loop %v", n, off, i, got[i], want[i])
				}
			}
			if got[n] != guard {
				t.Fatalf("n=%d: axpy wrote past y", n)
			}
		}
	}
}
