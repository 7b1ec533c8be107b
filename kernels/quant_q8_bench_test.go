package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkQ8Kernels times one goroutine's four-row kernels over n rows of
// k = 1536 values (the Qwen2.5-1.5B width): the f32-activation kernels
// (dotQ4Kx4, dotQ6Kx4, dotQ8_0x4), the first Q4_K int8 kernel and the new
// int8-activation ones, on a matrix that fits L2 (n = 256) and one that
// streams from memory (n = 8192); GB/s of weight bytes.
func BenchmarkQ8Kernels(b *testing.B) {
	const k = 1536
	r := rand.New(rand.NewPCG(81, 82))
	x := randF32(r, k)
	for _, n := range []int{256, 8192} {
		for _, dt := range []DType{Q4_K, Q6_K, Q8_0} {
			nb := k / dt.BlockSize()
			buf, _ := randQuantRowsN(r, dt, n, nb)
			w, err := Pack(buf, dt, n, k)
			if err != nil {
				b.Fatal(err)
			}
			acts := getQ8Acts(x, k, 1, k)
			acts.prepare(dt)
			var old *[4]float32 = new([4]float32)
			xq := make([]int8, k)
			xf := make([]float32, 16*k/BlockK)
			if dt != Q8_0 {
				quantQ8K(xq, xf, x)
			}
			run := func(name string, f func(j int)) {
				b.Run(fmt.Sprintf("%v/n=%d/%s", dt, n, name), func(b *testing.B) {
					b.SetBytes(int64(len(buf)))
					for b.Loop() {
						for j := 0; j+4 <= n; j += 4 {
							f(j)
						}
					}
				})
			}
			run("f32act", func(j int) { w.fusedDot(old, x, j) })
			if prev := prevKernel(dt); prev != nil {
				run("f32act-prev", func(j int) { prev(&x[0], &w.q[j*w.rowBytes], w.rowBytes, nb, &old[0]) })
			}
			if dt == Q4_K {
				run("int8-first", func(j int) { dotQ4KQ8x4(old, xq, xf, w.q[j*w.rowBytes:], w.rowBytes, nb) })
			}
			run("int8", func(j int) { w.dotQ8x4(old, acts, 0, j, w.rowBytes) })
		}
	}
}
