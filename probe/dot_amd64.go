//go:build !noasm

package probe

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2+FMA kernel when the CPU has it.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotAVX2 is dotGo with 16 lanes of float32->float64 conversion and fused
// multiply-add; it needs len(r) >= len(x).
//
//go:noescape
func dotAVX2(x []float32, r []float64) float64

// dot returns Σ x[i]*r[i] accumulated in float64 (len(r) >= len(x)).
func dot(x []float32, r []float64) float64 {
	if useAVX2 {
		return dotAVX2(x, r[:len(x)])
	}
	return dotGo(x, r)
}

// dot2AVX2 is dot2Go in AVX2+FMA; len(r), len(d) >= len(x).
//
//go:noescape
func dot2AVX2(x []float32, r, d []float64) (gs, hs float64)

// dot3AVX2 is dot3Go in AVX2+FMA; len(d), len(v) >= len(x).
//
//go:noescape
func dot3AVX2(x []float32, d, v []float64) float64

// axpyAVX2 is axpyGo in AVX2+FMA; len(y) >= len(x).
//
//go:noescape
func axpyAVX2(a float64, x []float32, y []float64)

// dot2 returns Σ x[i]*r[i] and Σ x[i]²*d[i] (len(r), len(d) >= len(x)).
func dot2(x []float32, r, d []float64) (g, h float64) {
	if useAVX2 {
		return dot2AVX2(x, r[:len(x)], d[:len(x)])
	}
	return dot2Go(x, r, d)
}

// dot3 returns Σ x[i]*d[i]*v[i] (len(d), len(v) >= len(x)).
func dot3(x []float32, d, v []float64) float64 {
	if useAVX2 {
		return dot3AVX2(x, d[:len(x)], v[:len(x)])
	}
	return dot3Go(x, d, v)
}

// axpy does y[i] += a*x[i] (len(y) >= len(x)).
func axpy(a float64, x []float32, y []float64) {
	if useAVX2 {
		axpyAVX2(a, x, y[:len(x)])
		return
	}
	axpyGo(a, x, y)
}
