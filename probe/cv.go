package probe

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"
)

// CVPoint is the cross-validation result of one C.
type CVPoint struct {
	// C is the inverse regularisation strength.
	C float64 `json:"C"`
	// NonZero and HNeurons count the non-zero and positive weights of the fit on all rows.
	NonZero  int `json:"nonzero"`
	HNeurons int `json:"h_neurons"`
	// Accuracy and AUROC are pooled over the held-out folds; AccuracyStd is
	// the spread of the per-fold accuracies.
	Accuracy    Float `json:"accuracy"`
	AccuracyStd Float `json:"accuracy_std"`
	AUROC       Float `json:"auroc"`
	// SharedWithPrev counts the H-Neurons also selected at the previous
	// (smaller) C of the grid, to show how the neuron set changes with C.
	SharedWithPrev int `json:"shared_with_prev"`
	// Score is the selection criterion's value (CV accuracy unless another Criterion is used).
	Score Float `json:"score"`
	// Neurons are the H-Neurons of the fit on all rows.
	Neurons []Neuron `json:"-"`
	// Model is the fit on all rows.
	Model *Model `json:"-"`
}

// Criterion scores a candidate C; SelectC keeps the highest score. The
// paper's criterion (held-out accuracy plus task accuracy of the model with
// the candidate's H-Neurons suppressed) is TaskCriterion with a Task that
// the intervention stage provides.
type Criterion interface {
	Score(ctx context.Context, cand *CVPoint) (float64, error)
}

// CVAccuracy is the criterion "cross-validated accuracy".
type CVAccuracy struct{}

// Score returns the candidate's cross-validated accuracy.
func (CVAccuracy) Score(_ context.Context, cand *CVPoint) (float64, error) {
	return float64(cand.Accuracy), nil
}

// Task measures a model's task accuracy (e.g. on TriviaQA) with the given
// neurons suppressed; the intervention stage implements it.
type Task interface {
	AccuracyWithSuppressed(ctx context.Context, neurons []Neuron) (float64, error)
}

// TaskCriterion is the paper's criterion: held-out (cross-validated)
// accuracy plus the task accuracy with the candidate's H-Neurons suppressed.
type TaskCriterion struct{ Task Task }

// Score returns cand.Accuracy + task accuracy with cand.Neurons suppressed.
func (c TaskCriterion) Score(ctx context.Context, cand *CVPoint) (float64, error) {
	a, err := c.Task.AccuracyWithSuppressed(ctx, cand.Neurons)
	if err != nil {
		return 0, fmt.Errorf("probe: task accuracy at C=%v: %w", cand.C, err)
	}
	return float64(cand.Accuracy) + a, nil
}

// Folds assigns each row to one of k folds, stratified by label.
func Folds(labels []int, k int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 0xf01d))
	fold := make([]int, len(labels))
	for _, cls := range []int{0, 1} {
		var idx []int
		for i, l := range labels {
			if l == cls {
				idx = append(idx, i)
			}
		}
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		for j, i := range idx {
			fold[i] = j % k
		}
	}
	return fold
}

// heldOut fits on the rows outside each fold (optionally on a column subset)
// along a path of C values with warm starts, and returns for every C the
// held-out margins of every row (C, rows). Rows with fold -1 are neither
// trained on nor scored.
func heldOut(ctx context.Context, x *Matrix, labels []int, cols []int, fold []int, k int, grid []float64, opt Options) ([][]float64, error) {
	scores := make([][]float64, len(grid))
	for c := range scores {
		scores[c] = make([]float64, x.Rows)
	}
	start := time.Now()
	for f := 0; f < k; f++ {
		if f > 0 {
			el := time.Since(start)
			slog.Info("probe: cross-validation", "fold", f+1, "of", k, "elapsed", el.Round(time.Second),
				"eta", (el / time.Duration(f) * time.Duration(k-f)).Round(time.Second))
		}
		rw := make([]float64, x.Rows) // (rows,) 1 for training rows of this fold
		for i := range rw {
			if fold[i] != f && fold[i] >= 0 {
				rw[i] = 1
			}
		}
		p, err := NewProblem(x, labels, rw, cols)
		if err != nil {
			return nil, fmt.Errorf("probe: fold %d: %w", f, err)
		}
		var prev *Model
		for c, cv := range grid {
			o := opt
			o.C = cv
			m, err := Fit(ctx, p, o, prev)
			if err != nil {
				return nil, fmt.Errorf("probe: fold %d C=%v: %w", f, cv, err)
			}
			prev = m
			marg := p.margins(m.W, m.Bias, 0)
			for i := range rw {
				if fold[i] == f {
					scores[c][i] = marg[i]
				}
			}
		}
	}
	return scores, nil
}

// CrossValidate runs k-fold stratified cross-validation for every C of grid
// (fitted in increasing order with warm starts) and fits each C on all rows
// to count its neurons; dff maps columns to neurons as in HNeurons.
func CrossValidate(ctx context.Context, x *Matrix, labels []int, grid []float64, k int, opt Options, dff int) ([]CVPoint, error) {
	if len(grid) == 0 {
		return nil, fmt.Errorf("probe: empty C grid")
	}
	grid = slices.Clone(grid)
	slices.Sort(grid)
	if k < 2 {
		return nil, fmt.Errorf("probe: %d folds, want at least 2", k)
	}
	fold := Folds(labels, k, opt.Seed)
	scores, err := heldOut(ctx, x, labels, nil, fold, k, grid, opt)
	if err != nil {
		return nil, err
	}
	p, err := NewProblem(x, labels, nil, nil)
	if err != nil {
		return nil, err
	}
	out := make([]CVPoint, len(grid))
	var prev *Model
	for c, cv := range grid {
		o := opt
		o.C = cv
		m, err := Fit(ctx, p, o, prev)
		if err != nil {
			return nil, fmt.Errorf("probe: C=%v on all rows: %w", cv, err)
		}
		prev = m
		pt := CVPoint{C: cv, NonZero: m.NonZero(), Model: m, Neurons: HNeurons(m.W, dff)}
		pt.HNeurons = len(pt.Neurons)
		if c > 0 {
			prevSet := map[int]bool{}
			for _, n := range out[c-1].Neurons {
				prevSet[n.Layer<<32|n.Neuron] = true
			}
			for _, n := range pt.Neurons {
				if prevSet[n.Layer<<32|n.Neuron] {
					pt.SharedWithPrev++
				}
			}
		}
		var accs []float64
		for f := 0; f < k; f++ {
			correct, n := 0, 0
			for i := range labels {
				if fold[i] == f {
					n++
					if (scores[c][i] > 0) == (labels[i] == 1) {
						correct++
					}
				}
			}
			if n > 0 {
				accs = append(accs, float64(correct)/float64(n))
			}
		}
		all := pointMetrics(scores[c], labels, seq(len(labels)))
		pt.Accuracy, pt.AUROC = Float(all.acc), Float(all.auc)
		_, std := meanStd(accs)
		pt.AccuracyStd = Float(std)
		slog.Debug("probe: cross-validation", "C", cv, "nonzero", pt.NonZero, "h_neurons", pt.HNeurons,
			"accuracy", pt.Accuracy, "auroc", pt.AUROC)
		out[c] = pt
	}
	return out, nil
}

// SelectC scores every point with crit (CVAccuracy when nil), stores the
// scores, and returns the index of the best (the smallest C among ties).
func SelectC(ctx context.Context, pts []CVPoint, crit Criterion) (int, error) {
	if crit == nil {
		crit = CVAccuracy{}
	}
	best := -1
	for i := range pts {
		s, err := crit.Score(ctx, &pts[i])
		if err != nil {
			return -1, err
		}
		pts[i].Score = Float(s)
		if best < 0 || s > float64(pts[best].Score) {
			best = i
		}
	}
	return best, nil
}

// seq returns 0..n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// randomSubset draws k distinct integers from [0, n), sorted.
func randomSubset(rng *rand.Rand, n, k int) []int {
	seen := make(map[int]bool, k)
	out := make([]int, 0, k)
	for len(out) < k {
		j := rng.IntN(n)
		if !seen[j] {
			seen[j] = true
			out = append(out, j)
		}
	}
	slices.Sort(out)
	return out
}

// BalancedRows returns a class-balanced subset of row indices: every row of
// the minority class and as many randomly chosen rows of the majority class,
// in increasing order.
func BalancedRows(labels []int, seed uint64) []int {
	var pos, neg []int
	for i, l := range labels {
		if l == 1 {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	if len(pos) > len(neg) {
		pos, neg = neg, pos
	}
	rng := rand.New(rand.NewPCG(seed, 0xba1a))
	rng.Shuffle(len(neg), func(a, b int) { neg[a], neg[b] = neg[b], neg[a] })
	out := append(pos, neg[:len(pos)]...)
	slices.Sort(out)
	return out
}
