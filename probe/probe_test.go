package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/features"
)

// TestCrossValidateCounts checks the per-C neuron counts of the all-rows fits
// against scikit-learn's (fixtures for wide/l1 at C = 0.2 and 1).
func TestCrossValidateCounts(t *testing.T) {
	fx := loadFixtures(t)
	x, y := loadXY(t, "wide")
	pts, err := CrossValidate(context.Background(), &Dataset{X: x, Labels: y}, []float64{1, 0.2}, 5, Options{Penalty: L1, Tol: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	want := map[float64]int{}
	for _, c := range fx.Cases {
		if c.Data == "wide" && c.Penalty == "l1" {
			want[c.C] = c.NonZero
		}
	}
	for _, p := range pts {
		t.Logf("C=%v nnz %d h %d acc %.3f±%.3f auroc %.3f", p.C, p.NonZero, p.HNeurons, p.Accuracy, p.AccuracyStd, p.AUROC)
		if p.NonZero != want[p.C] {
			t.Errorf("C=%v: %d non-zero, sklearn %d", p.C, p.NonZero, want[p.C])
		}
		if p.Accuracy < 0.5 || p.Accuracy > 1 || p.AUROC < 0.5 {
			t.Errorf("C=%v: implausible CV metrics %+v", p.C, p)
		}
	}
	if pts[0].C != 0.2 {
		t.Fatalf("grid not sorted: %v", pts[0].C)
	}
	// Shared H-Neurons between the two C values, counted from sklearn's coefficients.
	var c02, c1 []float64
	for _, c := range fx.Cases {
		if c.Data == "wide" && c.Penalty == "l1" && c.C == 0.2 {
			c02 = c.Coef
		}
		if c.Data == "wide" && c.Penalty == "l1" && c.C == 1 {
			c1 = c.Coef
		}
	}
	shared := 0
	for j := range c02 {
		if c02[j] > 0 && c1[j] > 0 {
			shared++
		}
	}
	if pts[1].SharedWithPrev != shared || pts[0].SharedWithPrev != 0 {
		t.Errorf("shared with previous C: %d, sklearn %d", pts[1].SharedWithPrev, shared)
	}
	best, err := SelectC(context.Background(), pts, TaskCriterion{fakeTask{}})
	if err != nil {
		t.Fatal(err)
	}
	// fakeTask rewards fewer neurons strongly, so the sparse C wins.
	if pts[best].C != 0.2 {
		t.Fatalf("TaskCriterion chose C=%v", pts[best].C)
	}
	for _, p := range pts {
		want := 10 / float64(1+len(p.Neurons))
		if p.TaskAccuracy == nil || *p.TaskAccuracy != want || float64(p.Score) != float64(p.Accuracy)+want {
			t.Fatalf("C=%v: task accuracy %v score %v, want %v and %v", p.C, p.TaskAccuracy, p.Score, want, float64(p.Accuracy)+want)
		}
	}
}

type fakeTask struct{}

func (fakeTask) AccuracyWithSuppressed(_ context.Context, n []Neuron) (float64, error) {
	return 10 / float64(1+len(n)), nil
}

// storeFromPlanted writes a planted data set as a feature store with 4
// layers: answer rows carry the signal, other rows are noise.
func storeFromPlanted(t *testing.T, dir string, rows, layers, dff int, seed uint64) []int {
	x, y, inf := planted(rows, layers*dff, 5, seed)
	w, err := features.OpenWriter(dir, features.Meta{ModelFingerprint: "fp", Layers: layers, DFF: dff})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	vec := make([]float32, layers*dff)
	for i := 0; i < rows; i++ {
		for j := range vec {
			vec[j] = x.At(i, j)
		}
		if err := w.Append(features.Row{ID: fmt.Sprint(i), Label: y[i], Region: "answer"}, vec); err != nil {
			t.Fatal(err)
		}
		for j := range vec {
			vec[j] = x.At((i+1)%rows, j) * 0.01
		}
		if err := w.Append(features.Row{ID: fmt.Sprint(i), Label: y[i], Region: "other", Empty: i%10 == 0}, vec); err != nil {
			t.Fatal(err)
		}
	}
	return inf
}

func TestTrainSaveLoad(t *testing.T) {
	dir := t.TempDir()
	train, test := filepath.Join(dir, "train"), filepath.Join(dir, "test")
	inf := storeFromPlanted(t, train, 200, 4, 500, 3)
	_ = storeFromPlanted(t, test, 100, 4, 500, 3) // same planted columns (same seed)
	tr, err := LoadDataset(train, ThreeVsOne)
	if err != nil {
		t.Fatal(err)
	}
	if tr.X.Rows != 200+180 {
		t.Fatalf("3-vs-1 rows %d, want 380 (empty other rows skipped)", tr.X.Rows)
	}
	te, _ := LoadDataset(test, ThreeVsOne)
	one, _ := LoadDataset(train, OneVsOne)
	if one.X.Rows != 200 {
		t.Fatalf("1-vs-1 rows %d", one.X.Rows)
	}
	pr, err := Train(context.Background(), tr, te, ThreeVsOne, Options{Penalty: L1, C: 1}, 100)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("nnz %d, h %d, train acc %.3f, test acc %.3f auroc %.3f", len(pr.Weights), len(pr.HNeurons),
		pr.Train.Accuracy.Value, pr.Test.Accuracy.Value, pr.Test.AUROC.Value)
	if pr.Test.Accuracy.Value < 0.8 {
		t.Fatalf("test accuracy %v", pr.Test.Accuracy.Value)
	}
	isInf := map[int]bool{}
	for _, j := range inf {
		isInf[j] = true
	}
	found := 0
	for _, n := range pr.HNeurons {
		if n.Layer < 0 || n.Layer >= 4 || n.Neuron >= 500 {
			t.Fatalf("bad neuron %+v", n)
		}
		if isInf[n.Layer*500+n.Neuron] {
			found++
		}
	}
	if found < 4 {
		t.Fatalf("found %d of 5 planted neurons among %v (planted %v)", found, pr.HNeurons, inf)
	}
	p := filepath.Join(dir, "probe.json")
	if err := pr.Save(p); err != nil {
		t.Fatal(err)
	}
	back, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if back.Intercept != pr.Intercept || len(back.Weights) != len(pr.Weights) || back.HNeurons[0] != pr.HNeurons[0] {
		t.Fatal("probe did not round-trip")
	}
	if err := back.CheckShape(Shape{ModelFingerprint: "fp", Layers: 2, DFF: 1000, Columns: 2000}); err == nil ||
		!strings.Contains(err.Error(), "layers") {
		t.Fatalf("shape mismatch: %v", err)
	}
	if err := back.CheckShape(Shape{Layers: 4, DFF: 400, Columns: 1600}); err == nil {
		t.Fatal("column mismatch accepted")
	}

	hcols := make([]int, len(pr.HNeurons))
	for i, n := range pr.HNeurons {
		hcols[i] = n.Layer*500 + n.Neuron
	}
	for _, bo := range []BaselineOptions{
		{Seeds: 3, Folds: 3}, // restricted L2, the default
		{Seeds: 3, Folds: 3, Classifier: BaselineProbe, Probe: Options{Penalty: L1, C: 1}},
	} {
		b, err := Baseline(context.Background(), tr, nil, hcols, bo)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("baseline %s: H %.3f±%.3f/%.3f random %.3f±%.3f / %.3f±%.3f", b.Classifier, b.HNeuronAccuracy, b.HNeuronAccuracyStd,
			b.HNeuronAUROC, b.RandomAccuracyMean, b.RandomAccuracyStd, b.RandomAUROCMean, b.RandomAUROCStd)
		if len(b.Random) != 3 || b.HNeuronAccuracy <= b.RandomAccuracyMean+0.1 {
			t.Fatalf("baseline %+v", b)
		}
		if bo.Classifier == "" && (b.HNeuronAUROC < 0.9 || b.RandomAUROCMean > 0.7) {
			t.Fatalf("restricted L2 on planted neurons: AUROC H %v random %v", b.HNeuronAUROC, b.RandomAUROCMean)
		}
	}
}

// TestHeldOutMatchesLiblinear compares cross-validation's held-out margins
// (fits by zero row weights, warm-started along the C path) with
// scikit-learn fits on the fold's training rows (folds i % 5).
func TestHeldOutMatchesLiblinear(t *testing.T) {
	var fx struct {
		CV []struct {
			C        float64   `json:"C"`
			Folds    int       `json:"folds"`
			Decision []float64 `json:"heldout_decision"`
		} `json:"cv"`
	}
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	x, y := loadXY(t, "wide")
	fold := make([]int, x.Rows)
	for i := range fold {
		fold[i] = i % 5
	}
	var grid []float64
	for _, c := range fx.CV {
		grid = append(grid, c.C)
	}
	scores, _, err := heldOut(context.Background(), x, y, nil, fold, 5, grid, Options{Penalty: L1, Tol: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range fx.CV {
		agree, maxDiff := 0, 0.0
		for i, d := range c.Decision {
			if (scores[k][i] > 0) == (d > 0) {
				agree++
			}
			maxDiff = math.Max(maxDiff, math.Abs(scores[k][i]-d))
		}
		t.Logf("C=%v: held-out predictions agree on %d/%d rows, max |margin diff| %.2e", c.C, agree, len(c.Decision), maxDiff)
		if float64(agree) < 0.99*float64(len(c.Decision)) || maxDiff > 1e-3 {
			t.Errorf("C=%v: agree %d/%d, max diff %v", c.C, agree, len(c.Decision), maxDiff)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"cols.json":    `{"columns":0,"penalty":"l1"}`,
		"shape.json":   `{"columns":10,"layers":2,"d_ff":4,"penalty":"l1"}`,
		"pen.json":     `{"columns":10,"penalty":"l3"}`,
		"index.json":   `{"columns":10,"penalty":"l1","weights":[{"index":10,"weight":1}]}`,
		"garbage.json": `{`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v, want one naming the file", name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file loaded")
	}
}

// TestBalancedBaseline checks BalancedRows and that a row-restricted
// baseline equals the baseline on a copy of those rows.
func TestBalancedBaseline(t *testing.T) {
	x, y := loadXY(t, "wide")
	rows := BalancedRows(y, 3)
	pos := 0
	for _, i := range rows {
		pos += y[i]
	}
	if 2*pos != len(rows) {
		t.Fatalf("balanced rows: %d positive of %d", pos, len(rows))
	}
	sub := NewMatrix(len(rows), x.Cols)
	ys := make([]int, len(rows))
	for j, i := range rows {
		ys[j] = y[i]
		for c := 0; c < x.Cols; c++ {
			sub.Data[c*sub.Rows+j] = x.At(i, c)
		}
	}
	hcols := []int{1, 2, 3, 50, 60}
	for _, opt := range []BaselineOptions{
		{Seeds: 2, Folds: 4, Seed: 5},
		{Seeds: 2, Folds: 4, Seed: 5, Classifier: BaselineProbe, Probe: Options{Penalty: L1, C: 1}},
	} {
		a, err := Baseline(context.Background(), &Dataset{X: x, Labels: y}, rows, hcols, opt)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Baseline(context.Background(), &Dataset{X: sub, Labels: ys}, nil, hcols, opt)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(a.HNeuronAccuracy-b.HNeuronAccuracy)) > 1e-12 || math.Abs(float64(a.RandomAccuracyMean-b.RandomAccuracyMean)) > 1e-12 {
			t.Fatalf("row-restricted %+v, copied %+v", a, b)
		}
	}
}
