package probe

import (
	"context"
	"testing"
)

// BenchmarkFullPass times one gradient pass (a dot product per column) over a
// 2,000 x 16,384 matrix; b.SetBytes reports the matrix bytes read.
func BenchmarkFullPass(b *testing.B) {
	x, _, _ := Planted(2000, 16384, 1, 1)
	r := make([]float64, x.Rows)
	for i := range r {
		r[i] = float64(i%7) - 3
	}
	g := make([]float64, x.Cols)
	b.SetBytes(int64(len(x.Data)) * 4)
	for b.Loop() {
		parallelFor(x.Cols, threads(0), func(lo, hi int) {
			for k := lo; k < hi; k++ {
				g[k] = dot(x.Col(k), r)
			}
		})
	}
}

// BenchmarkFitL1 times an L1 fit on a 2,000 x 16,384 planted problem.
func BenchmarkFitL1(b *testing.B) {
	x, y, _ := Planted(2000, 16384, 20, 1)
	for b.Loop() {
		p, _ := NewProblem(x, y, nil, nil)
		if _, err := Fit(context.Background(), p, Options{Penalty: L1, C: 1}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
