package kernels

import (
	"context"
	"fmt"
	"sync"
	"time"
	"unsafe"
)

// Peaks are measured limits of this machine for the kernels' two bounds:
// the rate of streaming reads from memory and the rate of fused
// multiply-adds, each with Threads() goroutines.
type Peaks struct {
	ReadGBs    float64 `json:"read_gb_s"`    // best read rate of a buffer larger than the caches, GB/s
	ReadBytes  int64   `json:"read_bytes"`   // size of that buffer
	FMAGFLOPs  float64 `json:"fma_gflop_s"`  // best rate of independent register FMAs, GFLOP/s
	FMAWidth   int     `json:"fma_bits"`     // vector width of those FMAs (512, 256; 0: no probe)
	PeakThread int     `json:"peak_threads"` // goroutines of both measurements
}

// MeasurePeaks measures Peaks: the best of reps sequential reads of a
// buffer of bytes bytes split over the threads like MatMul's rows (with
// AVX-512 a probe that adds 64-byte lines into integer accumulators,
// prefetching 2 KiB ahead; else a dot product of the buffer with itself;
// bytes should exceed the last-level cache, or the figure is the cache's) and the best of 50 runs of the FMA probe on
// every thread at once (512-bit FMAs where the kernels use AVX-512,
// 256-bit with AVX2; none in pure Go).
func MeasurePeaks(ctx context.Context, bytes int64, reps int) (Peaks, error) {
	t := Threads()
	p := Peaks{ReadBytes: bytes, PeakThread: t}
	n := int(bytes / 4)
	if n < 4096*t {
		return p, fmt.Errorf("kernels: measure peaks: a read of %d bytes is too small", bytes)
	}
	buf := make([]float32, n)
	for i := range buf {
		buf[i] = float32(i & 7)
	}
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), 4*n)
	sums := make([]float32, 64)
	for r := 0; r < max(reps, 1); r++ {
		if err := ctx.Err(); err != nil {
			return p, err
		}
		t0 := time.Now()
		parallelRows(n, 4096, 1<<30, func(j0, j1 int, _ *scratch) {
			// The AVX-512 probe where there is one, else the dot product.
			if j1%64 == 0 {
				if s, ok := readProbe(raw[4*j0 : 4*j1]); ok {
					sums[(j0/4096)%len(sums)] += float32(s & 1)
					return
				}
			}
			sums[(j0/4096)%len(sums)] += Dot(buf[j0:j1], buf[j0:j1])
		})
		if gb := float64(4*n) / time.Since(t0).Seconds() / 1e9; gb > p.ReadGBs {
			p.ReadGBs = gb
		}
	}
	probe, flops := fmaPeak512, 24*32
	p.FMAWidth = 512
	if !use512() {
		probe, flops, p.FMAWidth = fmaPeak, 12*16, 256
	}
	if !probe(1) {
		p.FMAWidth = 0
		return p, nil
	}
	const iters = 200000 // about 1 ms per run
	for r := 0; r < 50; r++ {
		var wg sync.WaitGroup
		t0 := time.Now()
		for g := 0; g < t; g++ {
			wg.Add(1)
			go func() { defer wg.Done(); probe(iters) }()
		}
		wg.Wait()
		if gf := float64(t*flops*iters) / time.Since(t0).Seconds() / 1e9; gf > p.FMAGFLOPs {
			p.FMAGFLOPs = gf
		}
	}
	return p, nil
}
