//go:build amd64 && !purego

package train

// vecAsm reports whether axpy32 and dot32 run the SSE assembly (SSE2 is part
// of every amd64 CPU); tests turn it off to compare with the Go loops.
var vecAsm = true

//go:noescape
func axpy32SSE(alpha float32, x, y *float32, n int)

//go:noescape
func dot32SSE(x, y *float32, n int) float32

// axpy32 is axpyGo for float32, bit for bit.
func axpy32(alpha float32, x, y []float32) {
	if !vecAsm {
		axpyGo(alpha, x, y)
		return
	}
	if len(x) == 0 {
		return
	}
	y = y[:len(x)]
	axpy32SSE(alpha, &x[0], &y[0], len(x))
}

// dot32 is dotGo for float32, bit for bit.
func dot32(x, y []float32) float32 {
	if !vecAsm {
		return dotGo(x, y)
	}
	if len(x) == 0 {
		return 0
	}
	y = y[:len(x)]
	return dot32SSE(&x[0], &y[0], len(x))
}
