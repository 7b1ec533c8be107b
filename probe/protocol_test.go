package probe

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/hneurons/hneurons/features"
)

// writeQAStore writes a feature store of n responses (every third one
// hallucinated) with an answer and an other row each; column 0 carries the
// label on answer rows (shift 2, unit noise), every other value is noise.
// Response i belongs to group "g<i/per>" when per > 0.
func writeQAStore(t *testing.T, dir string, n, per int, seed uint64) {
	t.Helper()
	w, err := features.OpenWriter(dir, features.Meta{ModelFingerprint: "fp", Layers: 2, DFF: 4})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range n {
		lab := 0
		if i%3 == 0 {
			lab = 1
		}
		row := features.Row{ID: fmt.Sprintf("q%d", i), Label: lab}
		if per > 0 {
			row.Group = fmt.Sprintf("g%d", i/per)
		}
		for _, region := range []string{features.RegionAnswer, features.RegionOther} {
			v := make([]float32, 8)
			for j := range v {
				v[j] = float32(rng.NormFloat64())
			}
			if region == features.RegionAnswer {
				v[0] += 2 * float32(lab)
			}
			row.Region = region
			if err := w.Append(row, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// Defect 1 of the foundations issue: whatever rows a probe was trained on,
// its metrics count the hallucinated-answer and faithful-answer rows only.
func TestMetricsUseAnswerRowsOnly(t *testing.T) {
	dir := t.TempDir()
	trainDir, testDir := filepath.Join(dir, "train"), filepath.Join(dir, "test")
	writeQAStore(t, trainDir, 60, 0, 1)
	writeQAStore(t, testDir, 45, 0, 2)
	train, err := LoadDataset(trainDir, ThreeVsOne)
	if err != nil {
		t.Fatal(err)
	}
	test, err := LoadDataset(testDir, ThreeVsOne)
	if err != nil {
		t.Fatal(err)
	}
	if train.X.Rows != 120 || test.X.Rows != 90 {
		t.Fatalf("3-vs-1 rows %d and %d, want 120 and 90", train.X.Rows, test.X.Rows)
	}
	ctx := context.Background()
	opt := Options{Penalty: L1, C: 1}
	pr, err := Train(ctx, train, test, ThreeVsOne, opt, 0)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Train.N != 60 || pr.Train.Positives != 20 {
		t.Errorf("train metrics on %d rows (%d positive), want the 60 answer rows (20 hallucinated)", pr.Train.N, pr.Train.Positives)
	}
	if pr.Test.N != 45 || pr.Test.Positives != 15 {
		t.Errorf("test metrics on %d rows (%d positive), want the 45 answer rows (15 hallucinated)", pr.Test.N, pr.Test.Positives)
	}
	cv, err := TrainCV(ctx, train, test, ThreeVsOne, opt, []float64{0.3, 1}, 3, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cv.Train.N != 60 || cv.Test.N != 45 {
		t.Errorf("TrainCV metrics on %d and %d rows, want 60 and 45 answer rows", cv.Train.N, cv.Test.N)
	}
	for _, balance := range []bool{false, true} {
		rep, err := Assess(ctx, pr, test, AssessOptions{Seeds: 1, Folds: 3, Balance: balance})
		if err != nil {
			t.Fatal(err)
		}
		want := 45
		if balance {
			want = 30
		}
		if rep.Metrics.N != want {
			t.Errorf("Assess (balance %v) on %d rows, want %d answer rows", balance, rep.Metrics.N, want)
		}
	}
	ev, err := LoadEvalDataset(testDir)
	if err != nil {
		t.Fatal(err)
	}
	if ev.X.Rows != 45 || len(ev.AnswerRows()) != 45 || ev.IDs[3] != "q3" || ev.GroupKey(3) != "q3" {
		t.Fatalf("eval dataset: %d rows, %d answer rows, row 3 %q group %q", ev.X.Rows, len(ev.AnswerRows()), ev.IDs[3], ev.GroupKey(3))
	}
	a, err := Assess(ctx, pr, ev, AssessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Assess(ctx, pr, test, AssessOptions{})
	if a.Metrics != b.Metrics {
		t.Errorf("Assess differs between the eval set %+v and the 3-vs-1 set %+v", a.Metrics, b.Metrics)
	}
	// A hand-built data set without flags is all answer rows, each its own group.
	plain := &Dataset{X: ev.X, Labels: ev.Labels, Shape: ev.Shape}
	if len(plain.AnswerRows()) != 45 || plain.GroupKey(1) == plain.GroupKey(2) {
		t.Fatalf("plain data set: %d answer rows, groups %q %q", len(plain.AnswerRows()), plain.GroupKey(1), plain.GroupKey(2))
	}
	if _, err := Assess(ctx, pr, &Dataset{X: ev.X, Labels: ev.Labels[:3], Shape: ev.Shape}, AssessOptions{}); err == nil {
		t.Fatal("3 labels for 45 rows accepted")
	}
}
