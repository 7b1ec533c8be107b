package probe

import (
	"context"
	"math"
	"testing"
)

// refL2 fits ½(||w||² + b²) + c Σ_i log(1+exp(-y_i(w·x_i + b))) by Newton's
// method in float64 on dense rows x (n, d), an implementation independent of
// Fit, and returns (w, b).
func refL2(x [][]float64, y []int, c float64) ([]float64, float64) {
	d := len(x[0]) + 1 // last coordinate is the bias
	w := make([]float64, d)
	row := func(i int) []float64 { return append(append([]float64{}, x[i]...), 1) }
	for it := 0; it < 100; it++ {
		g := make([]float64, d)
		h := make([][]float64, d)
		for a := range h {
			h[a] = make([]float64, d)
			h[a][a] = 1
			g[a] = w[a]
		}
		for i := range x {
			xi := row(i)
			yi := float64(2*y[i] - 1)
			m := 0.0
			for a := range xi {
				m += w[a] * xi[a]
			}
			sig := 1 / (1 + math.Exp(yi*m)) // σ(-y m)
			for a := range xi {
				g[a] -= c * yi * sig * xi[a]
				for b := range xi {
					h[a][b] += c * sig * (1 - sig) * xi[a] * xi[b]
				}
			}
		}
		step := solve(h, g)
		norm := 0.0
		for a := range w {
			w[a] -= step[a]
			norm += step[a] * step[a]
		}
		if norm < 1e-24 {
			break
		}
	}
	return w[:d-1], w[d-1]
}

// solve solves a x = b by Gaussian elimination with partial pivoting.
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	m := make([][]float64, n)
	for i := range m {
		m[i] = append(append([]float64{}, a[i]...), b[i])
	}
	for k := 0; k < n; k++ {
		p := k
		for i := k + 1; i < n; i++ {
			if math.Abs(m[i][k]) > math.Abs(m[p][k]) {
				p = i
			}
		}
		m[k], m[p] = m[p], m[k]
		for i := k + 1; i < n; i++ {
			f := m[i][k] / m[k][k]
			for j := k; j <= n; j++ {
				m[i][j] -= f * m[k][j]
			}
		}
	}
	out := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := m[i][n]
		for j := i + 1; j < n; j++ {
			s -= m[i][j] * out[j]
		}
		out[i] = s / m[i][i]
	}
	return out
}

// TestStandardizedHeldOut checks the restricted L2 classifier's held-out
// margins against a float64 Newton fit on columns standardised with the
// training fold's statistics, computed here from scratch.
func TestStandardizedHeldOut(t *testing.T) {
	x, y, _ := Planted(60, 30, 3, 11)
	cols := []int{4, 9, 17, 25}
	fold := make([]int, x.Rows)
	for i := range fold {
		fold[i] = i % 3
	}
	fold[7] = -1 // an unused row
	const c = 0.7
	got, err := standardizedHeldOut(context.Background(), x, y, cols, fold, 3, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	maxDiff := 0.0
	for f := 0; f < 3; f++ {
		var tr []int
		for i, g := range fold {
			if g >= 0 && g != f {
				tr = append(tr, i)
			}
		}
		mean := make([]float64, len(cols))
		sd := make([]float64, len(cols))
		for q, col := range cols {
			for _, i := range tr {
				mean[q] += float64(x.At(i, col)) / float64(len(tr))
			}
			for _, i := range tr {
				d := float64(x.At(i, col)) - mean[q]
				sd[q] += d * d / float64(len(tr))
			}
			sd[q] = math.Sqrt(sd[q])
		}
		z := func(i int) []float64 {
			v := make([]float64, len(cols))
			for q, col := range cols {
				v[q] = (float64(x.At(i, col)) - mean[q]) / sd[q]
			}
			return v
		}
		var xs [][]float64
		var ys []int
		for _, i := range tr {
			xs, ys = append(xs, z(i)), append(ys, y[i])
		}
		w, b := refL2(xs, ys, c)
		for i, g := range fold {
			if g != f {
				continue
			}
			m := b
			for q, v := range z(i) {
				m += w[q] * v
			}
			maxDiff = math.Max(maxDiff, math.Abs(m-got[i]))
		}
	}
	t.Logf("max |held-out margin - float64 Newton reference| = %.2e", maxDiff)
	if maxDiff > 2e-3 || got[7] != 0 {
		t.Fatalf("max diff %v, unused row margin %v", maxDiff, got[7])
	}
}

// TestBaselineNoSignal: with labels independent of every column, the
// H-Neuron subset (any fixed columns) and random subsets must score alike,
// near chance.
func TestBaselineNoSignal(t *testing.T) {
	x, y, _ := Planted(400, 200, 0, 21)
	hcols := []int{3, 30, 60, 90, 120, 150, 180, 199}
	b, err := Baseline(context.Background(), &Dataset{X: x, Labels: y}, nil, hcols, BaselineOptions{Seeds: 5, Folds: 5, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("no signal: H acc %.3f±%.3f AUROC %.3f±%.3f, random acc %.3f±%.3f AUROC %.3f±%.3f", b.HNeuronAccuracy, b.HNeuronAccuracyStd,
		b.HNeuronAUROC, b.HNeuronAUROCStd, b.RandomAccuracyMean, b.RandomAccuracyStd, b.RandomAUROCMean, b.RandomAUROCStd)
	if math.Abs(float64(b.HNeuronAccuracy-b.RandomAccuracyMean)) > 0.08 || math.Abs(float64(b.HNeuronAUROC-b.RandomAUROCMean)) > 0.08 {
		t.Fatalf("H-Neurons and random differ without signal: %+v", b)
	}
	if math.Abs(float64(b.HNeuronAccuracy)-0.5) > 0.08 || math.Abs(float64(b.RandomAUROCMean)-0.5) > 0.08 {
		t.Fatalf("far from chance without signal: %+v", b)
	}
	if !b.Standardized || b.C != 1 || b.Classifier != BaselineL2 || len(b.Random) != 5 {
		t.Fatalf("result description %+v", b)
	}
	if _, err := Baseline(context.Background(), &Dataset{X: x, Labels: y}, nil, hcols, BaselineOptions{Seeds: 1, Folds: 2, Classifier: "l7"}); err == nil {
		t.Fatal("unknown classifier accepted")
	}
}
