package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
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

// nearDuplicates returns a data set of groups of per rows each, every row of
// a group a near copy (noise 0.02) of the group's random vector (cols,), and
// labels alternating by group and unrelated to the vectors: a classifier can
// only score above chance on a held-out row by remembering its group.
func nearDuplicates(groups, per, cols int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	n := groups * per
	ds := &Dataset{X: NewMatrix(n, cols), Labels: make([]int, n), Groups: make([]string, n), Shape: Shape{Columns: cols}}
	for g := range groups {
		base := make([]float64, cols)
		for j := range base {
			base[j] = rng.NormFloat64()
		}
		for r := range per {
			i := g*per + r
			ds.Labels[i], ds.Groups[i] = g%2, fmt.Sprintf("g%d", g)
			for j, b := range base {
				ds.X.Data[j*n+i] = float32(b + 0.02*rng.NormFloat64())
			}
		}
	}
	return ds
}

// checkGroupsWhole fails unless every group key of ds lies in one fold.
func checkGroupsWhole(t *testing.T, ds *Dataset, fold []int) {
	t.Helper()
	at := map[string]int{}
	for i, f := range fold {
		g := ds.GroupKey(i)
		if f0, ok := at[g]; ok && f0 != f {
			t.Errorf("group %s in folds %d and %d", g, f0, f)
			return
		}
		at[g] = f
	}
}

// Defect 2 of the foundations issue: folds that split a group let a fit
// remember the group, and cross-validation then reports much more than the
// data hold. With grouped folds the near-duplicate set scores near chance.
func TestCrossValidationKeepsGroupsWhole(t *testing.T) {
	ctx := context.Background()
	ds := nearDuplicates(40, 4, 60, 1)
	fold, err := GroupFolds(ds.Labels, ds.Groups, nil, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkGroupsWhole(t, ds, fold)
	pts, err := CrossValidate(ctx, ds, []float64{10}, 5, Options{Penalty: L2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("near duplicates, grouped folds: CV accuracy %.3f AUROC %.3f", pts[0].Accuracy, pts[0].AUROC)
	if pts[0].Accuracy > 0.7 || pts[0].AUROC > 0.75 {
		t.Errorf("CV accuracy %.3f, AUROC %.3f on labels unrelated to the groups' vectors: folds leak groups", pts[0].Accuracy, pts[0].AUROC)
	}
	// The random-neuron baseline cross-validates on grouped folds too.
	b, err := Baseline(ctx, ds, nil, seq(30), BaselineOptions{Seeds: 2, Folds: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("near duplicates, baseline: H accuracy %.3f random %.3f", b.HNeuronAccuracy, b.RandomAccuracyMean)
	if b.HNeuronAccuracy > 0.7 || b.RandomAccuracyMean > 0.7 {
		t.Errorf("baseline accuracy %.3f (H) and %.3f (random) on unrelated labels: folds leak groups", b.HNeuronAccuracy, b.RandomAccuracyMean)
	}
}

// TestGroupFoldsStratifiedAndChecked checks GroupFolds' balance,
// determinism and its limits on k.
func TestGroupFoldsStratifiedAndChecked(t *testing.T) {
	ds := nearDuplicates(40, 4, 3, 2) // 20 groups of each label
	fold, err := GroupFolds(ds.Labels, ds.Groups, nil, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	checkGroupsWhole(t, ds, fold)
	var pos, all [5]int
	for i, f := range fold {
		pos[f] += ds.Labels[i]
		all[f]++
	}
	if pos != [5]int{16, 16, 16, 16, 16} || all != [5]int{32, 32, 32, 32, 32} {
		t.Errorf("folds hold %v label-1 rows of %v, want 4 groups of 4 of each label per fold", pos, all)
	}
	again, _ := GroupFolds(ds.Labels, ds.Groups, nil, 5, 3)
	other, _ := GroupFolds(ds.Labels, ds.Groups, nil, 5, 4)
	if fmt.Sprint(again) != fmt.Sprint(fold) || fmt.Sprint(other) == fmt.Sprint(fold) {
		t.Error("folds not a function of the seed")
	}
	if ds.MaxFolds() != 20 {
		t.Errorf("MaxFolds %d, want 20", ds.MaxFolds())
	}
	if _, err := GroupFolds(ds.Labels, ds.Groups, nil, 20, 3); err != nil {
		t.Errorf("20 folds for 20 groups per label: %v", err)
	}
	ctx := context.Background()
	for _, k := range []int{0, 1, 21, 100000} {
		_, err := CrossValidate(ctx, ds, []float64{1}, k, Options{Penalty: L2})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("--folds %d", k)) || !strings.Contains(err.Error(), "at most 20") {
			t.Errorf("CrossValidate with %d folds: %v, want an error naming --folds and the 20 groups", k, err)
		}
		_, err = Baseline(ctx, ds, nil, []int{0}, BaselineOptions{Seeds: 1, Folds: k})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("--folds %d", k)) {
			t.Errorf("Baseline with %d folds: %v, want an error naming --folds", k, err)
		}
	}
	// Without groups every row is its own group: the limit is the rarer
	// class's row count.
	plain := &Dataset{X: ds.X, Labels: ds.Labels}
	if plain.MaxFolds() != 80 {
		t.Errorf("ungrouped MaxFolds %d, want 80", plain.MaxFolds())
	}
}

// TestCrossValidationScoresAnswerRows checks on a 3-vs-1 store with groups
// of three responses that the folds keep each group (and so each
// response's answer and other rows) whole, and that the fold accuracy and
// AUROC count the held-out answer rows only.
func TestCrossValidationScoresAnswerRows(t *testing.T) {
	dir := t.TempDir()
	writeQAStore(t, dir, 90, 3, 5)
	ds, err := LoadDataset(dir, ThreeVsOne)
	if err != nil {
		t.Fatal(err)
	}
	if ds.GroupKey(0) != "g0" || ds.GroupKey(1) != "g0" || ds.GroupKey(6) != "g1" {
		t.Fatalf("group keys %q %q %q", ds.GroupKey(0), ds.GroupKey(1), ds.GroupKey(6))
	}
	const k = 3
	opt := Options{Penalty: L1, Seed: 9}
	fold, err := GroupFolds(ds.Labels, ds.groupKeys(), ds.Answer, k, opt.Seed)
	if err != nil {
		t.Fatal(err)
	}
	checkGroupsWhole(t, ds, fold)
	grid := []float64{0.5}
	pts, err := CrossValidate(context.Background(), ds, grid, k, opt)
	if err != nil {
		t.Fatal(err)
	}
	scores, _, err := heldOut(context.Background(), ds.X, ds.Labels, nil, fold, k, grid, opt)
	if err != nil {
		t.Fatal(err)
	}
	ans := pointMetrics(scores[0], ds.Labels, ds.AnswerRows())
	all := pointMetrics(scores[0], ds.Labels, seq(ds.X.Rows))
	t.Logf("held-out accuracy: answer rows %.4f, all rows %.4f; CrossValidate %.4f", ans.acc, all.acc, pts[0].Accuracy)
	if float64(pts[0].Accuracy) != ans.acc || float64(pts[0].AUROC) != ans.auc {
		t.Errorf("CrossValidate accuracy %v AUROC %v, answer rows give %v %v", pts[0].Accuracy, pts[0].AUROC, ans.acc, ans.auc)
	}
	if ans.acc == all.acc {
		t.Fatal("the check cannot tell answer rows from all rows")
	}
}

// Defect 2 of the foundations issue (convergence): a C whose fits stopped
// before the solver's tolerance must not win the choice of C.
func TestSelectCSkipsNonConverged(t *testing.T) {
	ctx := context.Background()
	pts := []CVPoint{
		{C: 0.1, Accuracy: 0.6, Converged: true},
		{C: 1, Accuracy: 0.9},
		{C: 3, Accuracy: 0.95, Converged: true, FoldsNotConverged: 1},
	}
	best, err := SelectC(ctx, pts, nil)
	if err != nil || best != 0 {
		t.Fatalf("SelectC chose %d (%v), want the only converged point 0", best, err)
	}
	if !math.IsNaN(float64(pts[1].Score)) || !math.IsNaN(float64(pts[2].Score)) || pts[0].Score != 0.6 {
		t.Errorf("scores %v %v %v, want 0.6 and null for the points passed over", pts[0].Score, pts[1].Score, pts[2].Score)
	}
	b, _ := json.Marshal(pts[2])
	if !strings.Contains(string(b), `"converged":true`) || !strings.Contains(string(b), `"folds_not_converged":1`) {
		t.Errorf("C path entry %s does not show the convergence flags", b)
	}

	// One Newton iteration is not enough on this problem.
	x, y, _ := Planted(120, 300, 5, 4)
	ds := &Dataset{X: x, Labels: y}
	pts, err = CrossValidate(ctx, ds, []float64{0.5, 2}, 3, Options{Penalty: L1, MaxIter: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pts {
		if p.Converged || p.FoldsNotConverged != 3 {
			t.Errorf("C=%v with MaxIter 1: converged %v, %d of 3 folds not converged", p.C, p.Converged, p.FoldsNotConverged)
		}
	}
	if best, err := SelectC(ctx, pts, nil); err == nil || !strings.Contains(err.Error(), "converged") {
		t.Errorf("SelectC with no converged point chose %d (%v), want an error", best, err)
	}
	if _, err := TrainCV(ctx, ds, nil, "", Options{Penalty: L1, MaxIter: 1}, []float64{0.5, 2}, 3, 0, nil); err == nil {
		t.Error("TrainCV chose a C although no fit converged")
	}
	pts, err = CrossValidate(ctx, ds, []float64{0.5, 2}, 3, Options{Penalty: L1})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pts {
		if !p.Converged || p.FoldsNotConverged != 0 {
			t.Errorf("C=%v: converged %v, %d folds not converged", p.C, p.Converged, p.FoldsNotConverged)
		}
	}
}
