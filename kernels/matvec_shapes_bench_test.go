package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkMatVecShapes times one matrix-vector product (MatMul, m = 1,
// all threads) for the weight shapes of the Qwen2.5-1.5B decode (output
// projection 151,936 x 1,536, gate/up 8,960 x 1,536, down 1,536 x 8,960,
// K/V 256 x 1,536) in Q8_0, Q4_K, Q6_K and BF16 (random rows, finite
// scales); GB/s of weight bytes. Matrices smaller than the last-level cache
// are read from it after the first iteration, so only the output
// projection's figure is near a stream from memory; decode figures of whole
// models come from hneurons bench.
func BenchmarkMatVecShapes(b *testing.B) {
	for _, dt := range []DType{Q8_0, Q4_K, Q6_K, BF16} {
		for _, s := range [][2]int{{151936, 1536}, {8960, 1536}, {1536, 8960}, {256, 1536}} {
			n, k := s[0], s[1]
			b.Run(fmt.Sprintf("%v/%dx%d", dt, n, k), func(b *testing.B) {
				var w *Matrix
				var nbytes int
				r := rand.New(rand.NewPCG(5, 5))
				if dt != BF16 {
					src := randQuantBytes(r, dt, n, k)
					w, _ = Pack(src, dt, n, k)
					nbytes = len(src)
				} else {
					src := make([]byte, 2*n*k)
					for i := range src {
						src[i] = byte(r.Uint32())
						if i%2 == 1 {
							src[i] = 0x3c
						}
					}
					w, _ = Pack(src, dt, n, k)
					nbytes = len(src)
				}
				a, c := randF32(r, k), make([]float32, n)
				for b.Loop() {
					MatMul(c, a, 1, w)
				}
				b.ReportMetric(float64(nbytes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}
