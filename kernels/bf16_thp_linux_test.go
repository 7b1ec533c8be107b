//go:build linux

package kernels

import (
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
)

// TestMinTimeHugePages prints best-of-n bandwidths of bf16 matrix-vector
// products streaming 700 MB of matrices of the Qwen2.5-0.5B shape from
// anonymous memory with transparent huge pages requested (MADV_HUGEPAGE)
// and without (MADV_NOHUGEPAGE), alternating (set HNEURONS_MINTIME=1); it
// asserts nothing.
func TestMinTimeHugePages(t *testing.T) {
	if os.Getenv("HNEURONS_MINTIME") == "" {
		t.Skip("set HNEURONS_MINTIME=1 to print best-of-n kernel rates")
	}
	const n, k, count = 4864, 896, 80 // 80 matrices of 8.7 MB
	size := 2 * n * k * count
	r := rand.New(rand.NewPCG(77, 78))
	a := randF32(r, k)
	c := make([]float32, n)
	for _, huge := range []bool{true, false, true, false} {
		mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			t.Fatal(err)
		}
		advice := syscall.MADV_NOHUGEPAGE
		if huge {
			advice = syscall.MADV_HUGEPAGE
		}
		if err := syscall.Madvise(mem, advice); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(mem); i += 2 {
			mem[i] = byte(0x3c + i&7)
		}
		ws := make([]*Matrix, count)
		for i := range ws {
			ws[i], err = Pack(mem[i*2*n*k:(i+1)*2*n*k], BF16, n, k)
			if err != nil {
				t.Fatal(err)
			}
		}
		d := minTime(5, func() {
			for _, w := range ws {
				MatMul(c, a, 1, w)
			}
		})
		t.Logf("%d MB of %dx%d bf16 matrices, huge pages requested %v, %d threads: %.1f GB/s", size>>20, k, n, huge, Threads(), float64(size)/d.Seconds()/1e9)
		syscall.Munmap(mem)
	}
}
