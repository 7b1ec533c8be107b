//go:build !amd64 || noasm

package probe

// dot returns Σ x[i]*r[i] accumulated in float64 (len(r) >= len(x)).
func dot(x []float32, r []float64) float64 { return dotGo(x, r) }

// useAVX2 is false: this build has no assembly kernel.
const useAVX2 = false

// dot2 returns Σ x[i]*r[i] and Σ x[i]²*d[i] (len(r), len(d) >= len(x)).
func dot2(x []float32, r, d []float64) (g, h float64) { return dot2Go(x, r, d) }

// dot3 returns Σ x[i]*d[i]*v[i] (len(d), len(v) >= len(x)).
func dot3(x []float32, d, v []float64) float64 { return dot3Go(x, d, v) }

// axpy does y[i] += a*x[i] (len(y) >= len(x)).
func axpy(a float64, x []float32, y []float64) { axpyGo(a, x, y) }
