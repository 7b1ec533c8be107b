//go:build !amd64 || noasm

package probe

// dot returns Σ x[i]*r[i] accumulated in float64 (len(r) >= len(x)).
func dot(x []float32, r []float64) float64 { return dotGo(x, r) }

// useAVX2 is false: this build has no assembly kernel.
const useAVX2 = false
