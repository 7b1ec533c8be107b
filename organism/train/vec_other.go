//go:build !amd64 || purego

package train

// vecAsm is false: there is no assembly on this platform or build.
var vecAsm = false

// axpy32 is axpyGo for float32.
func axpy32(alpha float32, x, y []float32) { axpyGo(alpha, x, y) }

// dot32 is dotGo for float32.
func dot32(x, y []float32) float32 { return dotGo(x, y) }
