package kernels

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// TestMinTimeMatVecShapes prints best-of-n weight bandwidths of the bf16
// matrix-vector path (m = 1, exact and rounded activations) on the
// matrices of the Qwen2.5-0.5B shape, beside a plain read of as many bytes
// (the dot product of a float32 buffer with itself), with Threads() as
// set by -cpu or GOMAXPROCS (set HNEURONS_MINTIME=1); it asserts nothing.
func TestMinTimeMatVecShapes(t *testing.T) {
	if os.Getenv("HNEURONS_MINTIME") == "" {
		t.Skip("set HNEURONS_MINTIME=1 to print best-of-n kernel rates")
	}
	defer SetExactActivations(true)
	r := rand.New(rand.NewPCG(67, 68))
	for _, nk := range [][2]int{{896, 896}, {9728, 896}, {896, 4864}, {151936, 896}} {
		n, k := nk[0], nk[1]
		src := make([]byte, 2*n*k)
		for i := 0; i < len(src); i += 2 {
			h := ToBF16(2*r.Float32() - 1)
			src[i], src[i+1] = byte(h), byte(h>>8)
		}
		w, err := Pack(src, BF16, n, k)
		if err != nil {
			t.Fatal(err)
		}
		a, c := randF32(r, k), make([]float32, n)
		buf := make([]float32, n*k/2)
		for i := range buf {
			buf[i] = float32(i & 7)
		}
		sums := make([]float32, 64)
		reps := max(5, int(2e9/float64(len(src))))
		gb := func(f func()) float64 { return float64(len(src)) / minTime(reps, f).Seconds() / 1e9 }
		SetExactActivations(true)
		exact := gb(func() { MatMul(c, a, 1, w) })
		SetExactActivations(false)
		round := gb(func() { MatMul(c, a, 1, w) })
		read := gb(func() {
			parallelRows(len(buf), 4096, 1<<30, func(j0, j1 int, _ *scratch) {
				sums[(j0/4096)%64] = Dot(buf[j0:j1], buf[j0:j1])
			})
		})
		t.Logf("%dx%d bf16 (%d MB), %d threads: matvec exact %.1f GB/s, rounded %.1f GB/s, plain read %.1f GB/s", k, n, len(src)>>20, Threads(), exact, round, read)
	}
}

// TestDotRx4BF16PF checks the exact prefetching bf16 kernels (every row
// count) against float64 sums at awkward lengths, strides and offsets, with
// guard values, and bit for bit against the rows of dot6x4 (the kernel
// they replace in MatMul); and kern1x4BF16PF bit for bit against
// kern1x4BF16.
func TestDotRx4BF16PF(t *testing.T) {
	r := rand.New(rand.NewPCG(69, 70))
	if !hasBF16PF(16) {
		t.Log("no AVX-512 here: the Go twin only")
	}
	for rows := 1; rows <= 6; rows++ {
		for _, k := range []int{16, 32, 48, 64, 80, 896, 912, 7, 33} {
			for _, off := range []int{0, 1, 3} {
				lda, ldw := k+off+4, k+2*off
				a := make([]float32, off+6*lda)[off:]
				for i := range a {
					a[i] = 2*r.Float32() - 1
				}
				w := make([]uint16, off+8*ldw)[off:]
				for i := range w {
					w[i] = ToBF16(4*r.Float32() - 2)
				}
				buf, check := guarded(t, 24)
				out := (*[24]float32)(buf)
				dotRx4BF16PF(out, rows, a, lda, w, ldw, k, w[4*ldw:])
				check()
				for i := 4 * rows; i < 24; i++ {
					if math.Float32bits(out[i]) != 0x7fc0beef {
						t.Fatalf("rows=%d k=%d: out[%d] written", rows, k, i)
					}
				}
				var six [24]float32
				dot6x4(&six, a, lda, BF16, nil, w, ldw, k)
				for i := 0; i < rows; i++ {
					for j := 0; j < 4; j++ {
						var s, g float64
						for p := 0; p < k; p++ {
							v := float64(a[i*lda+p]) * refBF16(w[j*ldw+p])
							s += v
							g += math.Abs(v)
						}
						got := out[4*i+j]
						if d := math.Abs(float64(got) - s); d > dpSumBound(k)*g {
							t.Fatalf("rows=%d k=%d off=%d [%d,%d] = %g, want %g", rows, k, off, i, j, got, s)
						}
						if hasBF16PF(k) && math.Float32bits(got) != math.Float32bits(six[4*i+j]) {
							t.Fatalf("rows=%d k=%d off=%d [%d,%d] = %g, dot6x4 %g", rows, k, off, i, j, got, six[4*i+j])
						}
					}
				}
				if rows == 1 && k%16 == 0 {
					c0 := [4]float32{0.25, -1, 3, 0}
					c1 := c0
					if kern1x4BF16PF(c0[:], a, w, ldw, k, w[4*ldw:]) {
						kern1x4BF16(c1[:], a, w, ldw, k)
						if c0 != c1 {
							t.Fatalf("k=%d off=%d: kern1x4BF16PF %v, kern1x4BF16 %v", k, off, c0, c1)
						}
					}
				}
			}
		}
	}
}

// TestMeasurePeaks runs the peak measurement on a small buffer: positive
// rates, the FMA probe's width as the kernel set says, and an error for a
// buffer too small to split.
func TestMeasurePeaks(t *testing.T) {
	p, err := MeasurePeaks(t.Context(), 1<<22, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !(p.ReadGBs > 0) || p.ReadBytes != 1<<22 || p.PeakThread != Threads() {
		t.Errorf("peaks %+v", p)
	}
	if want := map[bool]int{true: 512, false: 256}[use512()]; fmaPeak(1) && (p.FMAWidth != want || !(p.FMAGFLOPs > 0)) {
		t.Errorf("FMA probe %d bits %g GFLOP/s, want %d bits", p.FMAWidth, p.FMAGFLOPs, want)
	}
	if _, err := MeasurePeaks(t.Context(), 100, 1); err == nil {
		t.Error("no error for a 100-byte read")
	}
	// Pure-Go kernels (HNEURONS_KERNELS=go) use no FMA instructions: no
	// FMA peak, although the CPU has them.
	defer func(e bool) { asmEnabled = e }(asmEnabled)
	asmEnabled = false
	if p, err := MeasurePeaks(t.Context(), 1<<22, 1); err != nil || p.FMAWidth != 0 || p.FMAGFLOPs != 0 {
		t.Errorf("pure Go: peaks %+v, %v; want no FMA probe", p, err)
	}
}

// TestMinTimeDecodeStream prints best-of-n weight bandwidths of a
// decode-like sequence of bf16 matrix-vector products over matrices of the
// Qwen2.5-0.5B shape totalling more than the last-level cache (about 700
// MB: 24 layers of q, k, v, o, gate/up, down products, without the output
// matrix), so that the weights stream from memory as in decoding, with and
// without the next-rows prefetch, beside a plain read of as many bytes
// (set HNEURONS_MINTIME=1; Threads() as set by GOMAXPROCS); it asserts
// nothing.
func TestMinTimeDecodeStream(t *testing.T) {
	if os.Getenv("HNEURONS_MINTIME") == "" {
		t.Skip("set HNEURONS_MINTIME=1 to print best-of-n kernel rates")
	}
	defer func() { prefetchNextRows = true }()
	r := rand.New(rand.NewPCG(73, 74))
	type prod struct {
		ws []*Matrix
		cs [][]float32
	}
	var prods []prod
	total := 0
	mk := func(n, k int) *Matrix {
		src := make([]byte, 2*n*k)
		for i := 1; i < len(src); i += 2 {
			src[i] = byte(0x3c + r.IntN(8)) // bf16 of moderate magnitude
		}
		total += len(src)
		w, err := Pack(src, BF16, n, k)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	for l := 0; l < 24; l++ {
		for _, g := range [][][2]int{{{896, 896}, {128, 896}, {128, 896}}, {{896, 896}}, {{4864, 896}, {4864, 896}}, {{896, 4864}}} {
			var p prod
			for _, nk := range g {
				p.ws = append(p.ws, mk(nk[0], nk[1]))
				p.cs = append(p.cs, make([]float32, nk[0]))
			}
			prods = append(prods, p)
		}
	}
	a := randF32(r, 4864)
	step := func() {
		for _, p := range prods {
			MatMulN(p.cs, a[:p.ws[0].Cols()], 1, p.ws)
		}
	}
	buf := make([]float32, total/4)
	for i := range buf {
		buf[i] = float32(i & 7)
	}
	sums := make([]float32, 64)
	read := func() {
		parallelRows(len(buf), 4096, 1<<30, func(j0, j1 int, _ *scratch) {
			sums[(j0/4096)%64] += Dot(buf[j0:j1], buf[j0:j1])
		})
	}
	defer func(r, m int) { pfAheadRows, pfAheadMax = r, m }(pfAheadRows, pfAheadMax)
	for _, rows := range []int{2, 4, 8, 16} {
		pfAheadRows, pfAheadMax = rows, 1<<20
		d := minTime(5, step)
		t.Logf("prefetch %d rows ahead: %.1f GB/s", rows, float64(total)/d.Seconds()/1e9)
	}
	pfAheadRows, pfAheadMax = 4, 1<<14
	defer func(c int) { chunksPerThread = c }(chunksPerThread)
	for _, c := range []int{4, 8, 16, 32, 64} {
		chunksPerThread = c
		d := minTime(5, step)
		t.Logf("%d chunks per thread: %.1f GB/s", c, float64(total)/d.Seconds()/1e9)
	}
	chunksPerThread = 8
	for round := 0; round < 2; round++ {
		var gb [3]float64
		for i, f := range []func(){func() { prefetchNextRows = true; step() }, func() { prefetchNextRows = false; step() }, read} {
			gb[i] = float64(total) / minTime(5, f).Seconds() / 1e9
		}
		t.Logf("decode-like stream of %d MB, %d threads: next-rows prefetch %.1f GB/s, in-row prefetch %.1f GB/s, plain read %.1f GB/s", total>>20, Threads(), gb[0], gb[1], gb[2])
	}
}

// TestReadProbe checks that the read probe reads every 64-byte line: its
// checksum is the sum of the first 32-bit word of every line.
func TestReadProbe(t *testing.T) {
	r := rand.New(rand.NewPCG(75, 76))
	for _, n := range []int{256, 512, 4096 + 256} {
		b := make([]byte, n+64)[64:] // misaligned by nothing, but not the allocation start
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		got, ok := readProbe(b)
		if !ok {
			t.Skip("no AVX-512 read probe on this CPU/build")
		}
		var want uint32
		for i := 0; i < n; i += 64 {
			want += uint32(b[i]) | uint32(b[i+1])<<8 | uint32(b[i+2])<<16 | uint32(b[i+3])<<24
		}
		if got != want {
			t.Fatalf("n=%d: checksum %#x, want %#x", n, got, want)
		}
	}
}
