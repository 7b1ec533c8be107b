package probe

import (
	"math/rand/v2"
)

// Planted builds a synthetic probe problem: a rows x cols column-major
// matrix of N(0, 0.1²) noise (a scale like CETT values) with random 0/1
// labels, where `informative` random columns are shifted by +0.1 on the rows
// labelled 1. It returns the matrix, the labels and the informative columns.
// Columns are generated in parallel blocks with their own seeds, so the
// result depends only on the arguments.
func Planted(rows, cols, informative int, seed uint64) (*Matrix, []int, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	inf := rng.Perm(cols)[:informative]
	y := make([]int, rows)
	for i := range y {
		y[i] = rng.IntN(2)
	}
	x := NewMatrix(rows, cols)
	const block = 1024
	parallelFor((cols+block-1)/block, threads(0), func(lo, hi int) {
		for b := lo; b < hi; b++ {
			r := rand.New(rand.NewPCG(seed, uint64(b)+2))
			end := min((b+1)*block, cols)
			d := x.Data[b*block*rows : end*rows]
			for i := range d {
				d[i] = float32(r.NormFloat64() * 0.1)
			}
		}
	})
	for _, j := range inf {
		c := x.Col(j)
		for i, l := range y {
			if l == 1 {
				c[i] += 0.1
			}
		}
	}
	return x, y, inf
}
