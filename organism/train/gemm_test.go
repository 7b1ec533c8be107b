package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmMatchesFloat64 checks every transpose combination, odd sizes,
// leading dimensions larger than the rows, alpha/beta and the untouched
// padding, against a float64 triple loop.
func TestGemmMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sz := range [][3]int{{1, 1, 1}, {3, 5, 7}, {9, 6, 33}, {64, 37, 70}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				ar, ac := m, k
				if ta {
					ar, ac = k, m
				}
				br, bc := k, n
				if tb {
					br, bc = n, k
				}
				lda, ldb, ldc := ac+2, bc+1, n+3
				a := randSlice(rng, ar*lda)
				b := randSlice(rng, br*ldb)
				c := randSlice(rng, m*ldc)
				c0 := append([]float32{}, c...)
				alpha, beta := float32(0.7), float32(-0.3)
				gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
				for i := 0; i < m; i++ {
					for j := 0; j < ldc; j++ {
						if j >= n {
							if c[i*ldc+j] != c0[i*ldc+j] {
								t.Fatalf("padding at (%d,%d) written", i, j)
							}
							continue
						}
						var s float64
						for p := 0; p < k; p++ {
							ai, bi := i*lda+p, p*ldb+j
							if ta {
								ai = p*lda + i
							}
							if tb {
								bi = j*ldb + p
							}
							av, bv := a[ai], b[bi]
							s += float64(av) * float64(bv)
						}
						want := float64(alpha)*s + float64(beta)*float64(c0[i*ldc+j])
						if math.Abs(float64(c[i*ldc+j])-want) > 1e-4*(1+math.Abs(want)) {
							t.Fatalf("m%d n%d k%d ta %v tb %v: C[%d,%d] = %v, want %v", m, n, k, ta, tb, i, j, c[i*ldc+j], want)
						}
					}
				}
			}
		}
	}
	// beta = 0 overwrites NaN.
	c := []float32{float32(math.NaN())}
	gemm(false, true, 1, 1, 1, 1, []float32{2}, 1, []float32{3}, 1, 0, c, 1)
	if c[0] != 6 {
		t.Errorf("beta=0 gave %v", c[0])
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}
