package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// randQuantRows returns four rows of nb random blocks of type dt (finite,
// modest f16 scales) placed off bytes into a buffer with ldw bytes from
// row to row (ldw >= the row size; the gaps and the tail hold random
// bytes), and the rows decoded by the Go decoders as float64.
func randQuantRows(r *rand.Rand, dt DType, nb, off, ldw int) (buf []byte, w64 []float64) {
	bb, bk := dt.BlockBytes(), dt.BlockSize()
	buf = make([]byte, off+3*ldw+nb*bb+67)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	w64 = make([]float64, 4*nb*bk)
	dst := make([]float32, nb*bk)
	for row := 0; row < 4; row++ {
		src := buf[off+row*ldw : off+row*ldw+nb*bb]
		for b := 0; b < nb; b++ {
			blk := src[b*bb:]
			switch dt {
			case Q8_0:
				blk[1] &= 0x1f
			case Q4_K:
				blk[1] &= 0x1f
				blk[3] &= 0x1f
			case Q6_K:
				blk[209] &= 0x1f
			}
		}
		var err error
		switch dt {
		case Q8_0:
			err = DequantQ8_0(dst, src)
		case Q4_K:
			err = DequantQ4_K(dst, src)
		case Q6_K:
			err = DequantQ6_K(dst, src)
		}
		if err != nil {
			panic(err)
		}
		for p, v := range dst {
			w64[row*nb*bk+p] = float64(v)
		}
	}
	return buf[off:], w64
}

// testActs returns k activation values with awkward content: zeros, one
// all-zero block of 32, a few large values.
func testActs(r *rand.Rand, k int) []float32 {
	x := randF32(r, k)
	x[3] = 0
	if k >= 96 {
		clear(x[64:96])
	}
	x[k-1] = 37
	x[k/2] = -11
	return x
}

// TestQ8Kernels checks the int8-activation kernels of Q4_K, Q6_K and Q8_0
// rows (assembly where the CPU has it, and the Go twins) against a float64
// evaluation of the same products (weights decoded by the Go decoders,
// activations q·dx), at awkward block counts, misaligned weight offsets
// and row strides that are not the row size.
func TestQ8Kernels(t *testing.T) {
	defer func() { asmEnabled = asmAvailable }()
	r := rand.New(rand.NewPCG(71, 72))
	for _, dt := range []DType{Q4_K, Q6_K, Q8_0} {
		counts := []int{1, 2, 3, 5, 7}
		if dt == Q8_0 {
			counts = []int{1, 2, 3, 7, 28, 29}
		}
		for _, nb := range counts {
			for _, off := range []int{0, 1, 3} {
				bk := dt.BlockSize()
				k := nb * bk
				ldw := nb*dt.BlockBytes() + off*5
				buf, w64 := randQuantRows(r, dt, nb, off, ldw)
				x := testActs(r, k)
				acts := getQ8Acts(x, k, 1, k)
				acts.prepare(dt)
				// float64 reference of the quantised sums
				var want, mag [4]float64
				for row := 0; row < 4; row++ {
					for p := 0; p < k; p++ {
						var xv float64
						if dt == Q8_0 {
							xv = float64(acts.zv[8*(p/32)]) * float64(acts.zq[p])
						} else {
							xv = float64(acts.kd[p/BlockK]) * float64(acts.kq[p])
						}
						want[row] += w64[row*k+p] * xv
						mag[row] += math.Abs(w64[row*k+p] * float64(x[p]))
					}
				}
				m := &Matrix{dt: dt, n: 4, k: k, q: buf, rowBytes: ldw}
				for _, asm := range []bool{false, true} {
					if asm && !(asmAvailable && vnniAvailable) {
						continue
					}
					asmEnabled = asm
					out := [4]float32{-1, -2, -3, -4}
					m.dotQ8x4(&out, acts, 0, 0, ldw)
					for row := 0; row < 4; row++ {
						if d := math.Abs(float64(out[row]) - want[row]); !(d <= 2e-6*mag[row]) {
							t.Errorf("%v nb=%d off=%d asm=%v row %d = %g, want %g (diff %g, mag %g)",
								dt, nb, off, asm, row, out[row], want[row], d, mag[row])
						}
					}
				}
				acts.release()
			}
		}
	}
}

// TestQuantActs checks the activation formats against the definitions:
// |q·dx - x| <= dx/2 with |q| <= 127, and the sub-block sums and the Q8_0
// bias recomputed from the quants.
func TestQuantActs(t *testing.T) {
	r := rand.New(rand.NewPCG(73, 74))
	const m, k, lda = 2, 512, 515
	a := make([]float32, (m-1)*lda+k)
	for i := range a {
		a[i] = float32(r.NormFloat64() * 3)
	}
	clear(a[lda : lda+256]) // row 1's first block all zero
	q := getQ8Acts(a, lda, m, k)
	defer q.release()
	q.prepare(Q6_K)
	q.prepare(Q8_0)
	for i := 0; i < m; i++ {
		x := a[i*lda : i*lda+k]
		for p, v := range x {
			for _, f := range []struct {
				name string
				q    int8
				dx   float32
			}{{"K", q.kq[i*k+p], q.kd[i*(k/256)+p/256]}, {"Q8_0", q.zq[i*k+p], q.zv[i*(k/32)*8+8*(p/32)]}} {
				if f.q == -128 || math.Abs(float64(f.q)*float64(f.dx)-float64(v)) > float64(f.dx)/2*(1+1e-5)+1e-30 {
					t.Fatalf("row %d [%d] %s: q %d dx %g for %g", i, p, f.name, f.q, f.dx, v)
				}
			}
		}
		for s := 0; s < k/16; s++ {
			var sum int
			for p := 16 * s; p < 16*s+16; p++ {
				sum += int(q.kq[i*k+p])
			}
			if int(q.kbs[i*(k/16)+s]) != sum {
				t.Fatalf("row %d: 16-sum %d = %d, want %d", i, s, q.kbs[i*(k/16)+s], sum)
			}
			if s%2 == 1 {
				b, j := s/16, (s%16)/2
				if got := int(q.kbm[i*(k/16)+16*b+8+j]); got != sum+int(q.kbs[i*(k/16)+s-1]) {
					t.Fatalf("row %d: 32-sum %d = %d", i, s/2, got)
				}
			}
		}
		for b := 0; b < k/32; b++ {
			var sum int32
			for p := 32 * b; p < 32*b+32; p++ {
				sum += int32(q.zq[i*k+p])
			}
			if got := q.zb[i*(k/32)*8+8*b]; got != -128*sum {
				t.Fatalf("row %d block %d: bias %d, want %d", i, b, got, -128*sum)
			}
		}
	}
}

// quantisesActivations reports whether MatMul(·, ·, m, w) takes the
// int8-activation path.
func quantisesActivations(w *Matrix, m int) bool {
	lo, hi := smallRange()
	return w.q8Path() && m <= matvecMaxM && !(m >= lo && m <= hi && w.k%16 == 0)
}

// q8Rounded returns the m rows of a (k values each) as the int8 path sees
// them for weights of type dt: q·dx.
func q8Rounded(a []float32, dt DType, m, k int) []float32 {
	q := getQ8Acts(a, k, m, k)
	defer q.release()
	q.prepare(dt)
	out := make([]float32, m*k)
	for p := range out {
		i, c := p/k, p%k
		if dt == Q8_0 {
			out[p] = float32(q.zq[p]) * q.zv[i*(k/32)*8+8*(c/32)]
		} else {
			out[p] = float32(q.kq[p]) * q.kd[i*(k/256)+c/256]
		}
	}
	return out
}

// TestMatMulQ8 checks MatMul of Q4_K, Q6_K and Q8_0 weights on the
// int8-activation path (awkward N, guard values around the output) against
// the float64 product with the activations as quantised (q·dx), and, for
// activations without outliers, with the exact ones within the 8-bit
// rounding.
func TestMatMulQ8(t *testing.T) {
	defer SetExactActivations(true)
	SetExactActivations(false)
	r := rand.New(rand.NewPCG(75, 76))
	for _, dt := range []DType{Q4_K, Q6_K, Q8_0} {
		for _, sz := range [][3]int{{1, 13, 512}, {3, 8, 256}, {1, 6, 768}, {1, 4, 2304}} {
			m, n, k := sz[0], sz[1], sz[2]
			if dt == Q8_0 {
				k = k/256*32 + 64 // 128, 96, 160, 352: not multiples of 256
			}
			nb := k / dt.BlockSize()
			buf, w64 := randQuantRowsN(r, dt, n, nb)
			w, err := Pack(buf, dt, n, k)
			if err != nil {
				t.Fatal(err)
			}
			if m == 1 && !quantisesActivations(w, m) && q8Kernels() {
				t.Fatalf("%v %dx%dx%d: not on the int8 path", dt, m, k, n)
			}
			for _, outliers := range []bool{false, true} {
				a := randF32(r, m*k)
				if outliers {
					for i := 0; i < m; i++ {
						copy(a[i*k:], testActs(r, k))
					}
				}
				c, check := guarded(t, m*n)
				MatMul(c, a, m, w)
				check()
				name := fmt.Sprintf("%v int8 activations %dx%dx%d outliers=%v", dt, m, k, n, outliers)
				ref, mag := refGemm64(a, w64, m, n, k)
				if !outliers {
					checkClose(t, name+" vs exact", c, ref, mag, 1.0/64)
				}
				if quantisesActivations(w, m) {
					ref, mag = refGemm64(q8Rounded(a, dt, m, k), w64, m, n, k)
				}
				checkClose(t, name, c, ref, mag, 1e-5)
			}
		}
	}
}

// randQuantRowsN returns n random rows of nb blocks of type dt, packed,
// and their float64 values.
func randQuantRowsN(r *rand.Rand, dt DType, n, nb int) ([]byte, []float64) {
	rb := nb * dt.BlockBytes()
	k := nb * dt.BlockSize()
	buf := make([]byte, 0, n*rb)
	w64 := make([]float64, 0, n*k)
	for j := 0; j < n; j += 4 {
		b4, v4 := randQuantRows(r, dt, nb, 0, rb)
		rows := min(4, n-j)
		buf = append(buf, b4[:rows*rb]...)
		w64 = append(w64, v4[:rows*k]...)
	}
	return buf, w64
}

// TestQ8PathAllocs checks that the int8-activation path takes its
// activation buffers from a pool: the bytes allocated over many MatMul and
// MatMulN calls stay below half a quantised activation row per call (the
// per-call buffers of before took more than one row).
func TestQ8PathAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	defer SetExactActivations(true)
	SetExactActivations(false)
	r := rand.New(rand.NewPCG(77, 78))
	const n, k, calls = 64, 2048, 50
	for _, dt := range []DType{Q4_K, Q6_K, Q8_0} {
		buf, _ := randQuantRowsN(r, dt, n, k/dt.BlockSize())
		w, err := Pack(buf, dt, n, k)
		if err != nil {
			t.Fatal(err)
		}
		a, c, c2 := randF32(r, k), make([]float32, n), make([]float32, n)
		MatMul(c, a, 1, w)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := 0; i < calls; i++ {
			MatMul(c, a, 1, w)
			MatMulN([][]float32{c, c2}, a, 1, []*Matrix{w, w})
		}
		runtime.ReadMemStats(&after)
		// closures and goroutine hand-offs allocate some bytes a call
		if b := after.TotalAlloc - before.TotalAlloc; b > 2*calls*k/2 {
			t.Errorf("%v: %d bytes allocated by %d calls (one activation row is %d bytes)", dt, b, 2*calls, k)
		}
	}
}
