package probe

import "github.com/hneurons/hneurons/kernels"

// The solver's column kernels. They run package kernels' mixed-precision
// kernels (AVX2+FMA assembly where the CPU has it, pure Go with -tags
// purego, HNEURONS_KERNELS=go or elsewhere); package kernels tests them
// against their Go twins, dot_test.go checks these wrappers against plain
// loops.

// dot returns Σ x[i]*r[i] accumulated in float64 (len(r) >= len(x)).
func dot(x []float32, r []float64) float64 { return kernels.DotF32F64(x, r) }

// dot2 returns Σ x[i]*r[i] and Σ x[i]²*d[i] (len(r), len(d) >= len(x)).
func dot2(x []float32, r, d []float64) (g, h float64) { return kernels.DotAndSqDotF32F64(x, r, d) }

// dot3 returns Σ x[i]*d[i]*v[i] (len(d), len(v) >= len(x)).
func dot3(x []float32, d, v []float64) float64 { return kernels.Dot3F32F64(x, d, v) }

// axpy does y[i] += a*x[i] (len(y) >= len(x)).
func axpy(a float64, x []float32, y []float64) { kernels.AxpyF32F64(a, x, y) }
