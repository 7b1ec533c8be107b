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
