package model

import "github.com/hneurons/hneurons/kernels"

// expf is kernels.Expf, the engine's one float32 exponential (e^x for
// x <= 0, relative error below 3e-7, see TestExpf).
func expf(x float32) float32 { return kernels.Expf(x) }

// swiGLU writes gate[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + e^-x),
// with expf (relative error below 3e-6, see TestGLU).
func swiGLU(gate, up []float32) {
	up = up[:len(gate)]
	for i, x := range gate {
		var s float32
		if x >= 0 {
			s = x / (1 + expf(-x))
		} else {
			e := expf(x)
			s = x * e / (1 + e)
		}
		gate[i] = s * up[i]
	}
}

// geGLU writes gate[i] = gelu_tanh(gate[i]) * up[i] with
// gelu_tanh(x) = x / 2 (1 + tanh(sqrt(2/π) (x + 0.044715 x³))), using
// 1 + tanh(y) = 2 / (1 + e^-2y).
func geGLU(gate, up []float32) {
	const c = 0.7978845608028654 // sqrt(2/π)
	up = up[:len(gate)]
	for i, x := range gate {
		y := 2 * c * (x + 0.044715*x*x*x)
		var g float32
		if y >= 0 {
			g = x / (1 + expf(-y))
		} else {
			e := expf(y)
			g = x * e / (1 + e)
		}
		gate[i] = g * up[i]
	}
}
