package train

import (
	"fmt"
	"testing"

	"github.com/hneurons/hneurons/kernels"
)

// BenchmarkGEMM compares the portable loops with kernels.Sgemm on the
// trainer's shapes (N = 2048 rows, C = 128, F = 512, V = 1400).
func BenchmarkGEMM(b *testing.B) {
	shapes := []struct {
		ta, tb  bool
		m, n, k int
	}{
		{false, true, 2048, 512, 128},  // forward projection
		{false, false, 2048, 128, 512}, // backward input gradient
		{true, false, 512, 128, 2048},  // weight gradient
		{false, true, 2048, 1400, 128}, // logits
	}
	for _, s := range shapes {
		a := make([]float32, s.m*s.k)
		bb := make([]float32, s.k*s.n)
		c := make([]float32, s.m*s.n)
		for i := range a {
			a[i] = float32(i%7) * 0.1
		}
		for i := range bb {
			bb[i] = float32(i%5) * 0.1
		}
		lda, ldb := s.k, s.n
		if s.ta {
			lda = s.m
		}
		if s.tb {
			ldb = s.k
		}
		flops := 2 * float64(s.m*s.n*s.k)
		name := fmt.Sprintf("%v%v_%dx%dx%d", s.ta, s.tb, s.m, s.n, s.k)
		b.Run("loops/"+name, func(b *testing.B) {
			saved := fastSgemm
			fastSgemm = nil
			defer func() { fastSgemm = saved }()
			for i := 0; i < b.N; i++ {
				gemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
		b.Run("kernels/"+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				kernels.Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
