package kernels

import "testing"

// FuzzPack feeds Pack arbitrary shapes and bytes: it must return an error
// or a Matrix whose rows decode and multiply without panicking.
func FuzzPack(f *testing.F) {
	f.Add(uint8(0), 2, 3, make([]byte, 24))
	f.Add(uint8(3), 1, 32, make([]byte, 34))
	f.Add(uint8(4), 1, 256, make([]byte, 144))
	f.Add(uint8(5), 2, 256, make([]byte, 420))
	f.Add(uint8(2), 3, 5, make([]byte, 29))
	f.Fuzz(func(t *testing.T, dt uint8, n, k int, src []byte) {
		if n > 64 || k > 1024 { // keep each case small
			return
		}
		w, err := Pack(src, DType(dt%8), n, k)
		if err != nil {
			return
		}
		row := make([]float32, k)
		for i := 0; i < w.Rows(); i++ {
			w.Row(i, row)
		}
		if n > 0 && k > 0 {
			a := make([]float32, 3*k)
			c := make([]float32, 3*n)
			MatMul(c, a, 3, w)
		}
	})
}
