//go:build purego || !amd64

package kernels

// q8Kernels reports false: the int8-activation products run in Go here.
func q8Kernels() bool { return false }

func dotQ4KxQ8x4(out *[4]float32, xq []int8, xd []float32, bm []int16, w []byte, ldw, nb int) {
	dotQ4KxQ8x4Go(out, xq, xd, bm, w, ldw, nb)
}

func dotQ6KxQ8x4(out *[4]float32, xq []int8, xd []float32, bs []int16, w []byte, ldw, nb int) {
	dotQ6KxQ8x4Go(out, xq, xd, bs, w, ldw, nb)
}

func dotQ8_0xQ8x4(out *[4]float32, xq []int8, xv []float32, xb []int32, w []byte, ldw, nb int) {
	dotQ8_0xQ8x4Go(out, xq, xv, xb, w, ldw, nb)
}

// vnniAvailable is false: no VPDPBUSD kernels on this build.
var vnniAvailable = false
