package probe

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/npy"
)

// fixtures is testdata/fixtures.json, written by make_fixtures.py from
// scikit-learn's LogisticRegression(solver="liblinear").
type fixtures struct {
	Cases []struct {
		Data      string    `json:"data"`
		Penalty   string    `json:"penalty"`
		C         float64   `json:"C"`
		Coef      []float64 `json:"coef"`
		Intercept float64   `json:"intercept"`
		Objective float64   `json:"objective"`
		Decision  []float64 `json:"decision"`
		NonZero   int       `json:"nonzero"`
	} `json:"cases"`
	AUROC []struct {
		Y     []int     `json:"y"`
		Score []float64 `json:"score"`
		AUROC float64   `json:"auroc"`
	} `json:"auroc"`
}

func loadFixtures(t *testing.T) *fixtures {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixtures
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func loadXY(t *testing.T, name string) (*Matrix, []int) {
	t.Helper()
	x, err := LoadNPY(filepath.Join("testdata", "X_"+name+".npy"))
	if err != nil {
		t.Fatal(err)
	}
	y, err := npy.ReadLabels(filepath.Join("testdata", "y_"+name+".npy"))
	if err != nil {
		t.Fatal(err)
	}
	return x, y
}

func TestFitMatchesLiblinear(t *testing.T) {
	fx := loadFixtures(t)
	for _, c := range fx.Cases {
		x, y := loadXY(t, c.Data)
		p, err := NewProblem(x, y, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		pen, _ := ParsePenalty(c.Penalty)
		m, err := Fit(context.Background(), p, Options{Penalty: pen, C: c.C, Tol: 1e-8}, nil)
		if err != nil {
			t.Fatal(err)
		}
		name := c.Data + "/" + c.Penalty
		// The reference objective recomputed by our float64 code must agree with Python's.
		if ref := p.Objective(pen, c.C, c.Coef, c.Intercept); math.Abs(ref-c.Objective) > 1e-9*c.Objective {
			t.Errorf("%s C=%v: our objective of sklearn's solution %.12g, Python's %.12g", name, c.C, ref, c.Objective)
		}
		rel := (m.Objective - c.Objective) / c.Objective
		t.Logf("%s C=%v: objective %.10g (sklearn %.10g, rel %.2e), nnz %d (sklearn %d), %d newton, %d rounds",
			name, c.C, m.Objective, c.Objective, rel, m.NonZero(), c.NonZero, m.Iterations, m.Rounds)
		if math.Abs(rel) > 1e-4 {
			t.Errorf("%s C=%v: objective %.10g, sklearn %.10g", name, c.C, m.Objective, c.Objective)
		}
		if !m.Converged {
			t.Errorf("%s C=%v: not converged", name, c.C)
		}
		agree := 0
		for i := 0; i < x.Rows; i++ {
			s := m.Bias
			for j := 0; j < x.Cols; j++ {
				s += m.W[j] * float64(x.At(i, j))
			}
			if (s > 0) == (c.Decision[i] > 0) {
				agree++
			}
		}
		if float64(agree) < 0.99*float64(x.Rows) {
			t.Errorf("%s C=%v: predictions agree on %d of %d rows", name, c.C, agree, x.Rows)
		}
		if pen == L1 {
			inter, union := 0, 0
			for j := range c.Coef {
				a, b := c.Coef[j] != 0, m.W[j] != 0
				if a && b {
					inter++
				}
				if a || b {
					union++
				}
			}
			if union > 0 && float64(inter) < 0.95*float64(union) {
				t.Errorf("%s C=%v: support Jaccard %d/%d", name, c.C, inter, union)
			}
		}
	}
}

// TestWarmStartAndSubsets checks that a warm start reaches the same optimum,
// that zero row weights equal dropping rows, and that a column subset equals
// a copied sub-matrix.
func TestWarmStartAndSubsets(t *testing.T) {
	x, y := loadXY(t, "wide")
	ctx := context.Background()
	p, _ := NewProblem(x, y, nil, nil)
	opt := Options{Penalty: L1, C: 1, Tol: 1e-8}
	cold, _ := Fit(ctx, p, opt, nil)
	opt2 := opt
	opt2.C = 0.3
	prev, _ := Fit(ctx, p, opt2, nil)
	warm, err := Fit(ctx, p, opt, prev)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(warm.Objective-cold.Objective) > 1e-6*cold.Objective {
		t.Fatalf("warm %v cold %v", warm.Objective, cold.Objective)
	}

	// Row weights 0 on the second half == the first half alone.
	half := x.Rows / 2
	rw := make([]float64, x.Rows)
	for i := 0; i < half; i++ {
		rw[i] = 1
	}
	pw, _ := NewProblem(x, y, rw, nil)
	mw, _ := Fit(ctx, pw, opt, nil)
	sub := NewMatrix(half, x.Cols)
	for j := 0; j < x.Cols; j++ {
		copy(sub.Col(j), x.Col(j)[:half])
	}
	ph, _ := NewProblem(sub, y[:half], nil, nil)
	mh, _ := Fit(ctx, ph, opt, nil)
	if math.Abs(mw.Objective-mh.Objective) > 1e-6*mh.Objective {
		t.Fatalf("row weights: %v, sub-matrix %v", mw.Objective, mh.Objective)
	}

	cols := []int{7, 3, 100, 250, 399, 5}
	pc, _ := NewProblem(x, y, nil, cols)
	mc, _ := Fit(ctx, pc, opt, nil)
	cm := NewMatrix(x.Rows, len(cols))
	for k, j := range cols {
		copy(cm.Col(k), x.Col(j))
	}
	pcm, _ := NewProblem(cm, y, nil, nil)
	mcm, _ := Fit(ctx, pcm, opt, nil)
	if math.Abs(mc.Objective-mcm.Objective) > 1e-6*mcm.Objective {
		t.Fatalf("column subset: %v, copied %v", mc.Objective, mcm.Objective)
	}
}

// TestPlantedSignal hides 20 informative columns among 100,000 noise columns.
func TestPlantedSignal(t *testing.T) {
	rows, cols := 300, 100_000
	if testing.Short() {
		cols = 20_000
	}
	x, y, informative := planted(rows, cols, 20, 1)
	p, err := NewProblem(x, y, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Fit(context.Background(), p, Options{Penalty: L1, C: 0.5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, j := range informative {
		if m.W[j] != 0 {
			found++
		}
	}
	t.Logf("nnz %d, informative found %d/20, %d newton, %d rounds", m.NonZero(), found, m.Iterations, m.Rounds)
	if found < 18 {
		t.Fatalf("found %d of 20 informative columns", found)
	}
	if m.NonZero() > 60 {
		t.Fatalf("%d non-zero weights; the solution should be sparse", m.NonZero())
	}
}

// planted returns a rows x cols column-major matrix of small noise (scaled
// like CETT values) whose labels depend on `inf` columns.
func planted(rows, cols, inf int, seed uint64) (*Matrix, []int, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	informative := rng.Perm(cols)[:inf]
	x := NewMatrix(rows, cols)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64() * 0.1)
	}
	y := make([]int, rows)
	for i := range y {
		y[i] = rng.IntN(2)
		for _, j := range informative {
			if y[i] == 1 {
				x.Data[j*rows+i] += 0.1
			}
		}
	}
	return x, y, informative
}

func TestDegenerate(t *testing.T) {
	x := NewMatrix(4, 3)
	for i := range x.Data {
		x.Data[i] = float32(i % 5)
	}
	if _, err := NewProblem(x, []int{1, 1, 1, 1}, nil, nil); err == nil || !strings.Contains(err.Error(), "one class") {
		t.Fatalf("one class: %v", err)
	}
	x.Data[5] = float32(math.NaN())
	if _, err := NewProblem(x, []int{1, 0, 1, 0}, nil, nil); err == nil || !strings.Contains(err.Error(), "finite") {
		t.Fatalf("NaN: %v", err)
	}
	x.Data[5] = float32(math.Inf(1))
	if _, err := NewProblem(x, []int{1, 0, 1, 0}, nil, nil); err == nil {
		t.Fatal("Inf accepted")
	}
	// All-constant and all-zero columns are legal and give finite weights.
	c := NewMatrix(6, 3)
	for i := 0; i < 6; i++ {
		c.Data[i] = 2
	}
	for _, pen := range []Penalty{L1, L2} {
		p, err := NewProblem(c, []int{1, 0, 1, 1, 0, 1}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Fit(context.Background(), p, Options{Penalty: pen, C: 10}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range append(m.W, m.Bias, m.Objective) {
			if math.IsNaN(w) || math.IsInf(w, 0) {
				t.Fatalf("%s: non-finite result %+v", pen, m)
			}
		}
	}
	p, _ := NewProblem(c, []int{1, 0, 1, 1, 0, 1}, nil, nil)
	if _, err := Fit(context.Background(), p, Options{Penalty: L1, C: -1}, nil); err == nil {
		t.Fatal("C=-1 accepted")
	}
}
