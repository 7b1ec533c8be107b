package kernels

import (
	"fmt"
	"testing"
)

// transposeScatter is the plain row-by-row scatter transposeBlock replaced,
// kept as the benchmark's reference.
func transposeScatter(dst, src []float32, ld, rows, cols int) {
	for p := 0; p < rows; p++ {
		row := src[p*ld : p*ld+cols]
		for j, v := range row {
			dst[j*rows+p] = v
		}
	}
}

func TestTransposeBlock(t *testing.T) {
	for _, sz := range [][3]int{{1, 1, 1}, {3, 5, 7}, {17, 33, 40}, {64, 16, 16}, {40, 129, 131}} {
		rows, cols, ld := sz[0], sz[1], sz[2]
		src := make([]float32, rows*ld)
		for i := range src {
			src[i] = float32(i)
		}
		dst := make([]float32, rows*cols+1)
		dst[rows*cols] = -1 // guard
		transposeBlock(dst, src, ld, rows, cols)
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				if got, want := dst[c*rows+r], src[r*ld+c]; got != want {
					t.Fatalf("%dx%d ld %d: dst[%d][%d] = %v, want %v", rows, cols, ld, c, r, got, want)
				}
			}
		}
		if dst[rows*cols] != -1 {
			t.Fatalf("%dx%d: wrote past the block", rows, cols)
		}
	}
}

// BenchmarkTranspose compares transposeBlock with the row scatter on the
// organism trainer's shapes (tokens x d_ff, tokens x d_model, vocab x d_model).
func BenchmarkTranspose(b *testing.B) {
	for _, sz := range [][2]int{{2048, 512}, {2048, 128}, {1220, 128}} {
		rows, cols := sz[0], sz[1]
		src := make([]float32, rows*cols)
		dst := make([]float32, rows*cols)
		for _, v := range []struct {
			name string
			f    func(dst, src []float32, ld, rows, cols int)
		}{{"tiles", transposeBlock}, {"scatter", transposeScatter}} {
			b.Run(fmt.Sprintf("%s-%dx%d", v.name, rows, cols), func(b *testing.B) {
				b.SetBytes(int64(8 * len(src)))
				for i := 0; i < b.N; i++ {
					v.f(dst, src, cols, rows, cols)
				}
			})
		}
	}
}
