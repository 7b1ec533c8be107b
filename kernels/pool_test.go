package kernels

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestParallelRowsCoverage checks that parallelRows runs every row exactly
// once, in ranges aligned to align, for several thread counts (including
// changes of SetThreads between calls), with calls far enough apart that
// the workers park in between as well as back to back.
func TestParallelRowsCoverage(t *testing.T) {
	saved := Threads()
	defer SetThreads(saved)
	for _, threads := range []int{2, 4, 1, 3, 2} {
		SetThreads(threads)
		for _, n := range []int{2, 7, 48, 100, 1000, 4099} {
			for _, align := range []int{1, 4, 48} {
				for rep := range 3 {
					hits := make([]atomic.Int32, n)
					parallelRows(n, align, parallelMin, func(j0, j1 int, s *scratch) {
						if s == nil {
							t.Errorf("nil scratch")
						}
						if j0%align != 0 || (j1 != n && j1%align != 0) || j0 >= j1 {
							t.Errorf("n=%d align=%d: bad range [%d,%d)", n, align, j0, j1)
						}
						for j := j0; j < j1; j++ {
							hits[j].Add(1)
						}
					})
					for j := range hits {
						if h := hits[j].Load(); h != 1 {
							t.Fatalf("threads=%d n=%d align=%d: row %d run %d times", threads, n, align, j, h)
						}
					}
					if rep == 1 {
						time.Sleep(2 * workerSpin) // let the workers park
					}
				}
			}
		}
	}
}

// TestParallelConcurrentMatMul runs MatMul from several goroutines at once
// (the pool serves one caller; the others must run alone, not deadlock)
// and checks every result against a float64 reference.
func TestParallelConcurrentMatMul(t *testing.T) {
	saved := Threads()
	defer SetThreads(saved)
	SetThreads(3)
	r := rand.New(rand.NewPCG(41, 42))
	const m, n, k = 40, 150, 96
	a, w := randF32(r, m*k), randF32(r, n*k)
	w64 := make([]float64, len(w))
	for i, v := range w {
		w64[i] = float64(v)
	}
	ref, mag := refGemm64(a, w64, m, n, k)
	wm := PackF32(w, n, k)
	const callers, calls = 4, 25
	results := make([][]float32, callers)
	var wg sync.WaitGroup
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := make([]float32, m*n)
			for range calls {
				clear(c)
				MatMul(c, a, m, wm)
			}
			results[g] = c
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("concurrent MatMul calls did not finish (deadlock?)")
	}
	for g, c := range results {
		checkClose(t, fmt.Sprintf("caller %d", g), c, ref, mag, 1e-5)
	}
}

// TestParallelRowsPanic checks that a panic in a chunk, on the caller's
// goroutine or a worker's, reaches parallelRows' caller (instead of crashing
// the process from a worker), only after every worker has left the job, and
// that the pool then runs the next job completely.
func TestParallelRowsPanic(t *testing.T) {
	saved := Threads()
	defer SetThreads(saved)
	SetThreads(2)
	for rep := range 50 {
		const n = 64
		bad := rep % 8 // the chunk (of 8 rows) that panics
		var inside atomic.Int32
		var leftInside atomic.Int32
		func() {
			defer func() {
				if r := recover(); r != fmt.Sprint("chunk ", bad) {
					t.Fatalf("rep %d: recovered %v, want the chunk's panic", rep, r)
				}
				leftInside.Store(inside.Load())
			}()
			pool.run(n, 8, 2, func(j0, j1 int, s *scratch) {
				inside.Add(1)
				defer inside.Add(-1)
				if j0/8 == bad {
					panic(fmt.Sprint("chunk ", bad))
				}
				time.Sleep(time.Duration(j0%3) * time.Microsecond)
			})
			t.Fatalf("rep %d: run returned normally", rep)
		}()
		if v := leftInside.Load(); v != 0 {
			t.Fatalf("rep %d: %d chunks still running when the panic reached the caller", rep, v)
		}
		hits := make([]atomic.Int32, n)
		if !pool.run(n, 8, 2, func(j0, j1 int, s *scratch) {
			for j := j0; j < j1; j++ {
				hits[j].Add(1)
			}
		}) {
			t.Fatalf("rep %d: the pool stayed busy after a panic", rep)
		}
		for j := range hits {
			if h := hits[j].Load(); h != 1 {
				t.Fatalf("rep %d: after a panic, row %d run %d times", rep, j, h)
			}
		}
	}
}

// TestParallelFor checks that ParallelFor covers [0, n) exactly once with
// aligned ranges, for small (one goroutine) and large (split) work.
func TestParallelFor(t *testing.T) {
	for _, n := range []int{1, 7, 1000, 100003} {
		for _, work := range []int{1, 1 << 30} {
			hits := make([]int32, n)
			ParallelFor(n, 16, work, func(i0, i1 int) {
				if i0%16 != 0 || i1 > n || i0 >= i1 {
					t.Errorf("n=%d: range [%d, %d)", n, i0, i1)
				}
				for i := i0; i < i1; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("n=%d work=%d: index %d run %d times", n, work, i, h)
				}
			}
		}
	}
}
