package kernels

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

// minTime returns the shortest of n runs of f: on a loaded machine the
// fastest run is the one least disturbed by other processes.
func minTime(n int, f func()) time.Duration {
	best := time.Duration(1 << 62)
	for range n {
		t0 := time.Now()
		f()
		if d := time.Since(t0); d < best {
			best = d
		}
	}
	return best
}

// TestMinTimeReport prints best-of-n rates of the FMA peak probe, the
// micro-kernel and single-goroutine GEMMs (set HNEURONS_MINTIME=1); it
// asserts nothing.
func TestMinTimeReport(t *testing.T) {
	if os.Getenv("HNEURONS_MINTIME") == "" {
		t.Skip("set HNEURONS_MINTIME=1 to print best-of-n kernel rates")
	}
	if fmaPeak(1) {
		d := minTime(3000, func() { fmaPeak(1000) })
		t.Logf("FMA peak (1 goroutine): %.1f GFLOP/s", 192*1000/d.Seconds()/1e9)
	}
	if fmaPeak512(1) {
		d := minTime(3000, func() { fmaPeak512(250) })
		t.Logf("AVX-512 FMA peak (1 goroutine): %.1f GFLOP/s", 768*250/d.Seconds()/1e9)
	}
	const kc = 256
	r := rand.New(rand.NewPCG(3, 3))
	a, w, c := randF32(r, 16*kc), randF32(r, 6*kc), make([]float32, 16*6)
	d := minTime(3000, func() {
		for range 20 {
			kern16x6(a, w, kc, kc, c, 6, 16, 6)
		}
	})
	t.Logf("kern16x6 kc=%d: %.1f GFLOP/s", kc, 2*16*6*kc*20/d.Seconds()/1e9)
	if avx512Available {
		wp := randF32(r, 48*kc)
		c := make([]float32, 8*48)
		d := minTime(3000, func() {
			for range 10 {
				kern8x48(a, wp, kc, c, 48, 8, 48)
			}
		})
		t.Logf("kern8x48 (AVX-512) kc=%d: %.1f GFLOP/s", kc, 2*8*48*kc*10/d.Seconds()/1e9)
	}
	saved := Threads()
	defer SetThreads(saved)
	SetThreads(1)
	nc0, kc0 := ncBlock, kcBlock
	defer func() { ncBlock, kcBlock = nc0, kc0 }()
	for _, s := range [][3]int{{128, 896, 384}, {512, 896, 384}, {64, 4096, 384}} {
		m, k, n := s[0], s[1], s[2]
		a, wm := randF32(r, m*k), PackF32(randF32(r, n*k), n, k)
		c := make([]float32, m*n)
		saved512 := avx512Enabled
		for _, on512 := range []bool{false, true} {
			if on512 && !avx512Available {
				continue
			}
			avx512Enabled = on512
			d := minTime(60, func() { MatMul(c, a, m, wm) })
			t.Logf("MatMul %dx%dx%d (1 goroutine, %s): %.1f GFLOP/s", m, k, n, Features(), 2*float64(m*n*k)/d.Seconds()/1e9)
		}
		avx512Enabled = saved512
		src, _ := encode16(randF32(r, n*k), ToBF16, refBF16)
		wb, err := Pack(src, BF16, n, k)
		if err != nil {
			t.Fatal(err)
		}
		d := minTime(60, func() { MatMul(c, a, m, wb) })
		t.Logf("MatMul %dx%dx%d bf16 weights (1 goroutine, %s): %.1f GFLOP/s", m, k, n, Features(), 2*float64(m*n*k)/d.Seconds()/1e9)
	}
}

// BenchmarkMatMulOne is a single-goroutine MatMul for profiling.
func BenchmarkMatMulOne(b *testing.B) {
	saved := Threads()
	defer SetThreads(saved)
	SetThreads(1)
	m, k, n := 512, 896, 2432
	r := rand.New(rand.NewPCG(3, 3))
	a, wm := randF32(r, m*k), PackF32(randF32(r, n*k), n, k)
	c := make([]float32, m*n)
	for b.Loop() {
		MatMul(c, a, m, wm)
	}
}

// TestMinTimeSmallM prints best-of-n rates of MatMul for small m (decode
// batches) with bf16 weights, matrix-vector path against GEMM path.
func TestMinTimeSmallM(t *testing.T) {
	if os.Getenv("HNEURONS_MINTIME") == "" {
		t.Skip("set HNEURONS_MINTIME=1 to print best-of-n kernel rates")
	}
	saved := Threads()
	defer SetThreads(saved)
	SetThreads(1)
	const n, k = 1024, 4096
	r := rand.New(rand.NewPCG(3, 3))
	src, _ := encode16(randF32(r, n*k), ToBF16, refBF16)
	wb, _ := Pack(src, BF16, n, k)
	saved0, saved1 := matvecMaxM, smallMaxM
	defer func() { matvecMaxM, smallMaxM = saved0, saved1 }()
	for _, m := range []int{1, 2, 4, 8, 10, 12, 16, 24, 32, 48} {
		a, c := randF32(r, m*k), make([]float32, m*n)
		for _, path := range []string{"gemm", "matvec", "dot6x4"} {
			matvecMaxM, smallMaxM = 0, 0
			switch path {
			case "matvec":
				matvecMaxM = 1 << 30
			case "dot6x4":
				smallMaxM = 1 << 20
			}
			d := minTime(50, func() { MatMul(c, a, m, wb) })
			t.Logf("MatMul m=%d %dx%d bf16 (1 goroutine, %s, %s path): %.1f GFLOP/s", m, k, n, Features(), path, 2*float64(m*n*k)/d.Seconds()/1e9)
		}
	}
}

// BenchmarkMatMulBF16Small is a single-goroutine bf16 MatMul (m=32) for
// profiling the GEMM path's per-tile costs.
func BenchmarkMatMulBF16Small(b *testing.B) {
	saved := Threads()
	defer SetThreads(saved)
	SetThreads(1)
	const m, n, k = 32, 1024, 4096
	r := rand.New(rand.NewPCG(3, 3))
	src, _ := encode16(randF32(r, n*k), ToBF16, refBF16)
	wb, _ := Pack(src, BF16, n, k)
	a, c := randF32(r, m*k), make([]float32, m*n)
	kc0 := kcBlock
	defer func() { kcBlock = kc0 }()
	for _, kc := range []int{256, 512, 1024} {
		kcBlock = kc
		b.Run(fmt.Sprint("kc", kc), func(b *testing.B) {
			for b.Loop() {
				MatMul(c, a, m, wb)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPs")
		})
	}
}

// TestMinTimePrefetch compares the GEMM with and without weight-tile
// prefetching on bf16 weights (best of n, alternating).
func TestMinTimePrefetch(t *testing.T) {
	if os.Getenv("HNEURONS_MINTIME") == "" {
		t.Skip("set HNEURONS_MINTIME=1 to print best-of-n kernel rates")
	}
	saved := Threads()
	defer SetThreads(saved)
	SetThreads(1)
	r := rand.New(rand.NewPCG(3, 3))
	for _, s := range [][3]int{{32, 4096, 1024}, {128, 4096, 1024}} {
		m, k, n := s[0], s[1], s[2]
		src, _ := encode16(randF32(r, n*k), ToBF16, refBF16)
		wb, _ := Pack(src, BF16, n, k)
		a, c := randF32(r, m*k), make([]float32, m*n)
		best := [2]time.Duration{time.Hour, time.Hour}
		for range 40 {
			for i, on := range []bool{false, true} {
				prefetchTiles = on
				best[i] = min(best[i], minTime(1, func() { MatMul(c, a, m, wb) }))
			}
		}
		prefetchTiles = true
		f := 2 * float64(m*n*k) / 1e9
		t.Logf("bf16 %dx%dx%d (1 goroutine, %s): prefetch off %.1f, on %.1f GFLOP/s", m, k, n, Features(), f/best[0].Seconds(), f/best[1].Seconds())
	}
}

// TestMinTimeBigC prints the best-of-n single-goroutine rate of a GEMM whose
// C does not fit in L2 (set HNEURONS_MINTIME=1).
func TestMinTimeBigC(t *testing.T) {
	if os.Getenv("HNEURONS_MINTIME") == "" {
		t.Skip("set HNEURONS_MINTIME=1 to print best-of-n kernel rates")
	}
	saved := Threads()
	defer SetThreads(saved)
	SetThreads(1)
	m, k, n := 512, 896, 2432
	r := rand.New(rand.NewPCG(3, 3))
	a, wm := randF32(r, m*k), PackF32(randF32(r, n*k), n, k)
	c := make([]float32, m*n)
	d := minTime(15, func() { MatMul(c, a, m, wm) })
	t.Logf("MatMul %dx%dx%d f32 (1 goroutine, %s): %.1f GFLOP/s", m, k, n, Features(), 2*float64(m*n*k)/d.Seconds()/1e9)
	for _, s := range [][3]int{{512, 4864, 448}, {512, 4096, 1024}} {
		m, k, n := s[0], s[1], s[2]
		a, wm := randF32(r, m*k), PackF32(randF32(r, n*k), n, k)
		c := make([]float32, m*n)
		for _, pre := range []bool{false, true} {
			prepackF32 = pre
			d := minTime(30, func() { MatMul(c, a, m, wm) })
			t.Logf("MatMul %dx%dx%d f32 (1 goroutine, %s, panels built once %v): %.1f GFLOP/s", m, k, n, Features(), pre, 2*float64(m*n*k)/d.Seconds()/1e9)
		}
		prepackF32 = true
	}
}
