package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randF32 returns n values uniform in [-1, 1).
func randF32(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = 2*r.Float32() - 1
	}
	return x
}

// refGemm64 returns ref[i*n+j] = Σ a[i*k+p]·w[j*k+p] and the matching
// Σ |a·w| bound, both in float64. w is given in float64.
func refGemm64(a []float32, w []float64, m, n, k int) (ref, mag []float64) {
	ref = make([]float64, m*n)
	mag = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, g float64
			for p := 0; p < k; p++ {
				v := float64(a[i*k+p]) * w[j*k+p]
				s += v
				g += math.Abs(v)
			}
			ref[i*n+j] = s
			mag[i*n+j] = g
		}
	}
	return ref, mag
}

// checkClose fails when got differs from ref by more than tol·mag.
func checkClose(t *testing.T, name string, got []float32, ref, mag []float64, tol float64) {
	t.Helper()
	bad := 0
	for i := range ref {
		d := math.Abs(float64(got[i]) - ref[i])
		if !(d <= tol*mag[i]+1e-30) {
			if bad < 5 {
				t.Errorf("%s: [%d] = %g, want %g (diff %g, bound %g)", name, i, got[i], ref[i], d, tol*mag[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values out of tolerance", name, bad, len(ref))
	}
}

// guarded returns a buffer of n values between guard regions of NaN-coded
// sentinels, and a function that checks the guards are intact.
func guarded(t *testing.T, n int) ([]float32, func()) {
	const g = 37
	buf := make([]float32, g+n+g)
	sentinel := math.Float32frombits(0x7fc0beef)
	for i := range buf {
		buf[i] = sentinel
	}
	return buf[g : g+n : g+n], func() {
		t.Helper()
		for i := 0; i < g; i++ {
			if math.Float32bits(buf[i]) != 0x7fc0beef || math.Float32bits(buf[g+n+i]) != 0x7fc0beef {
				t.Fatalf("guard overwritten near %d", i)
			}
		}
	}
}

var gemmSizes = []struct{ m, n, k int }{
	{1, 1, 1}, {1, 7, 5}, {3, 5, 17}, {7, 13, 33}, {1, 50, 300}, {3, 49, 257},
	{7, 97, 513}, {8, 61, 100}, {9, 3, 8}, {4, 3, 8}, {13, 101, 259}, {17, 50, 517},
	{64, 96, 256}, {33, 145, 1000},
	// K a multiple of 16 and 2 <= m <= 24: the small-batch dot kernel
	{2, 7, 32}, {3, 50, 256}, {10, 33, 512}, {16, 9, 64}, {24, 13, 48}, {6, 4, 16},
	// beyond the AVX-512 GEMM's row block (512) and weight-row group (480)
	{530, 50, 40}, {40, 1100, 70},
}

func TestMatMulF32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, threads := range []int{1, 2, 3} {
		SetThreads(threads)
		for _, sz := range gemmSizes {
			m, n, k := sz.m, sz.n, sz.k
			a := randF32(r, m*k)
			w := randF32(r, n*k)
			w64 := make([]float64, len(w))
			for i, v := range w {
				w64[i] = float64(v)
			}
			ref, mag := refGemm64(a, w64, m, n, k)
			c, check := guarded(t, m*n)
			MatMul(c, a, m, PackF32(w, n, k))
			check()
			checkClose(t, fmt.Sprintf("t%d %dx%dx%d", threads, m, k, n), c, ref, mag, 1e-5)
		}
	}
	SetThreads(2)
}

// encode16 writes vals through conv as little-endian 16-bit bytes and
// returns them with the exact decoded float64 values.
func encode16(vals []float32, conv func(float32) uint16, dec func(uint16) float64) ([]byte, []float64) {
	b := make([]byte, 2*len(vals))
	d := make([]float64, len(vals))
	for i, v := range vals {
		h := conv(v)
		binary.LittleEndian.PutUint16(b[2*i:], h)
		d[i] = dec(h)
	}
	return b, d
}

func TestMatMul16(t *testing.T) {
	defer SetExactActivations(true)
	for _, exact := range []bool{false, true} {
		SetExactActivations(exact)
		testMatMul16(t)
	}
}

// roundsActivations reports whether MatMul rounds the activations of an
// m x k product with a bf16 matrix to bf16 (see SetExactActivations).
func roundsActivations(dt DType, m, k int) bool {
	lo, hi := smallRange()
	if dt == BF16 && useBF16Dot() && m >= dpMinM && m <= dpMaxM {
		return true // the VDPBF16PS dot path (bf16_gemm.go)
	}
	return dt == BF16 && useBF16Dot() && m <= matvecMaxM && !(m >= lo && m <= hi && k%16 == 0)
}

// roundedBF16 returns a with every value rounded to bf16.
func roundedBF16(a []float32) []float32 {
	out := make([]float32, len(a))
	for i, v := range a {
		out[i] = FromBF16(ToBF16(v))
	}
	return out
}

func testMatMul16(t *testing.T) {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	for _, dt := range []DType{BF16, F16} {
		conv, dec := ToBF16, refBF16
		if dt == F16 {
			conv, dec = ToF16, refF16
		}
		for _, sz := range gemmSizes {
			m, n, k := sz.m, sz.n, sz.k
			a := randF32(r, m*k)
			src, w64 := encode16(randF32(r, n*k), conv, dec)
			// misaligned copy too: Pack must copy then.
			mis := make([]byte, len(src)+1)[1:]
			copy(mis, src)
			for _, s := range [][]byte{src, mis} {
				w, err := Pack(s, dt, n, k)
				if err != nil {
					t.Fatal(err)
				}
				ref, mag := refGemm64(a, w64, m, n, k)
				c, check := guarded(t, m*n)
				MatMul(c, a, m, w)
				check()
				name := fmt.Sprintf("%v %dx%dx%d", dt, m, k, n)
				if roundsActivations(dt, m, k) {
					// the exact reference within the rounding of the
					// activations (2^-9 relative each), the reference of
					// the rounded activations to f32 rounding
					checkClose(t, name+" rounded vs exact", c, ref, mag, 1.0/256)
					ref, mag = refGemm64(roundedBF16(a), w64, m, n, k)
					name += " rounded"
				}
				checkClose(t, name, c, ref, mag, 1e-5)
			}
		}
	}
}

func TestRow(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	n, k := 5, 37
	src, w64 := encode16(randF32(r, n*k), ToBF16, refBF16)
	w, err := Pack(src, BF16, n, k)
	if err != nil {
		t.Fatal(err)
	}
	row, check := guarded(t, k)
	for i := 0; i < n; i++ {
		w.Row(i, row)
		check()
		for p := range row {
			if float64(row[p]) != w64[i*k+p] {
				t.Fatalf("row %d col %d = %g, want %g", i, p, row[p], w64[i*k+p])
			}
		}
	}
}

func TestPackErrors(t *testing.T) {
	if _, err := Pack(make([]byte, 10), F32, 2, 2); err == nil {
		t.Error("F32 with wrong byte count: no error")
	}
	if _, err := Pack(make([]byte, 34), Q8_0, 1, 31); err == nil {
		t.Error("Q8_0 with K not a multiple of 32: no error")
	}
	if _, err := Pack(nil, DType(99), 1, 1); err == nil {
		t.Error("unknown dtype: no error")
	}
	if _, err := Pack(make([]byte, 144), Q4_K, 1, 256); err != nil {
		t.Errorf("valid Q4_K: %v", err)
	}
}

// sgemmSizes adds matrix-vector shapes and shapes beyond Sgemm's blocking
// (m > 512, k > 2048, n > 4096) to gemmSizes.
var sgemmSizes = append([]struct{ m, n, k int }{
	{5, 1, 40}, {300, 1, 17}, {1, 300, 17}, {2, 2, 3}, {520, 13, 2100}, {3, 4100, 20},
}, gemmSizes...)

func TestSgemm(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, sz := range sgemmSizes {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			m, n, k := sz.m, sz.n, sz.k
			ta, tb := tr[0], tr[1]
			alpha, beta := float32(0.75), float32(-0.5)
			// op(A)[i,p], op(B)[p,j] as float64 for the reference.
			lda, ldb, ldc := k+3, n+2, n+5
			ar, ac := m, k
			if ta {
				ar, ac, lda = k, m, m+3
			}
			br, bc := k, n
			if tb {
				br, bc, ldb = n, k, k+2
			}
			_ = ac
			_ = bc
			a := randF32(r, ar*lda)
			b := randF32(r, br*ldb)
			c0 := randF32(r, m*ldc)
			cbuf, check := guarded(t, m*ldc)
			copy(cbuf, c0)
			Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, cbuf, ldc)
			check()
			bad := 0
			for i := 0; i < m; i++ {
				for j := 0; j < ldc; j++ {
					got := float64(cbuf[i*ldc+j])
					if j >= n { // padding between rows untouched
						if cbuf[i*ldc+j] != c0[i*ldc+j] {
							t.Fatalf("Sgemm wrote C padding at [%d,%d]", i, j)
						}
						continue
					}
					var s, g float64
					for p := 0; p < k; p++ {
						var av, bv float64
						if ta {
							av = float64(a[p*lda+i])
						} else {
							av = float64(a[i*lda+p])
						}
						if tb {
							bv = float64(b[j*ldb+p])
						} else {
							bv = float64(b[p*ldb+j])
						}
						s += av * bv
						g += math.Abs(av * bv)
					}
					want := float64(alpha)*s + float64(beta)*float64(c0[i*ldc+j])
					bound := 1e-5*(math.Abs(float64(alpha))*g+math.Abs(float64(beta*c0[i*ldc+j]))) + 1e-30
					if math.Abs(got-want) > bound {
						bad++
						if bad < 4 {
							t.Errorf("Sgemm(%v,%v) %dx%dx%d [%d,%d] = %g, want %g", ta, tb, m, n, k, i, j, got, want)
						}
					}
				}
			}
		}
	}
}

func TestSgemmBetaZeroIgnoresNaN(t *testing.T) {
	c := []float32{float32(math.NaN()), float32(math.NaN())}
	Sgemm(false, false, 1, 2, 1, 1, []float32{2}, 1, []float32{3, 4}, 2, 0, c, 2)
	if c[0] != 6 || c[1] != 8 {
		t.Fatalf("got %v, want [6 8]", c)
	}
}
