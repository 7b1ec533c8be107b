package probe

import (
	"context"
	"fmt"
	"log/slog"
	"math"
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
	// Converged reports whether the fit on all rows met the solver's
	// tolerance, and FoldsNotConverged counts the fold fits that did not:
	// SelectC passes over a point with any fit that did not converge.
	Converged         bool `json:"converged"`
	FoldsNotConverged int  `json:"folds_not_converged"`
	// Score is the selection criterion's value (CV accuracy unless another
	// Criterion is used); null for a point SelectC passed over.
	Score Float `json:"score"`
	// TaskAccuracy is the task half of TaskCriterion's score (the model's
	// accuracy with this point's H-Neurons suppressed); nil under another
	// criterion and for a point SelectC passed over.
	TaskAccuracy *float64 `json:"task_accuracy,omitempty"`
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

// Score returns cand.Accuracy + task accuracy with cand.Neurons suppressed,
// and records the task accuracy in cand.TaskAccuracy.
func (c TaskCriterion) Score(ctx context.Context, cand *CVPoint) (float64, error) {
	a, err := c.Task.AccuracyWithSuppressed(ctx, cand.Neurons)
	if err != nil {
		return 0, fmt.Errorf("probe: task accuracy at C=%v: %w", cand.C, err)
	}
	cand.TaskAccuracy = &a
	slog.Info("probe: paper criterion", "C", cand.C, "h_neurons", len(cand.Neurons), "cv_accuracy", float64(cand.Accuracy), "task_accuracy", a)
	return float64(cand.Accuracy) + a, nil
}

// GroupFolds assigns every row to one of k folds so that the rows of one
// group share a fold, stratified by label as well as the groups allow.
// groups[i] is row i's group key (nil: every row is its own group); only
// the rows with scored[i] (nil: all rows) count for stratification and for
// the limit on k, the others (the "other" rows of a 3-vs-1 set) just follow
// their group.
//
// The algorithm: the groups, in order of first appearance, are shuffled
// with seed, then stably sorted by their number of scored rows, largest
// first; each group in turn goes to the fold holding the fewest scored rows
// of the group's majority label (a tie between labels counts as the label
// rarer among all scored rows), ties broken by the fewest scored rows, then
// the lowest fold index; a group without scored rows goes to the fold with
// the fewest rows. The same arguments give the same folds.
//
// k must be at least 2 and at most the number of groups holding a scored row
// of the rarer class (the smaller of the two classes' group counts), so that
// every fold holds scored rows; otherwise the error names --folds, the flag
// of the commands that set k.
func GroupFolds(labels []int, groups []string, scored []bool, k int, seed uint64) ([]int, error) {
	if groups != nil && len(groups) != len(labels) {
		return nil, fmt.Errorf("probe: %d group keys for %d rows", len(groups), len(labels))
	}
	if scored != nil && len(scored) != len(labels) {
		return nil, fmt.Errorf("probe: %d scored flags for %d rows", len(scored), len(labels))
	}
	gs := groupsOf(labels, groups, scored)
	if err := checkFolds(k, gs); err != nil {
		return nil, err
	}
	var n [2]int // scored rows per class
	for _, g := range gs {
		n[0], n[1] = n[0]+g.n[0], n[1]+g.n[1]
	}
	rarer := 1
	if n[0] < n[1] {
		rarer = 0
	}
	rng := rand.New(rand.NewPCG(seed, 0xf01d))
	rng.Shuffle(len(gs), func(a, b int) { gs[a], gs[b] = gs[b], gs[a] })
	slices.SortStableFunc(gs, func(a, b *group) int { return (b.n[0] + b.n[1]) - (a.n[0] + a.n[1]) })
	cnt := make([][2]int, k) // (k,) scored rows per class in each fold
	total := make([]int, k)  // (k,) rows in each fold
	fold := make([]int, len(labels))
	for _, g := range gs {
		best := 0
		if s := g.n[0] + g.n[1]; s == 0 {
			for f := 1; f < k; f++ {
				if total[f] < total[best] {
					best = f
				}
			}
		} else {
			maj := rarer
			if g.n[0] != g.n[1] {
				maj = 0
				if g.n[1] > g.n[0] {
					maj = 1
				}
			}
			for f := 1; f < k; f++ {
				cf, cb := cnt[f][maj], cnt[best][maj]
				if cf < cb || (cf == cb && cnt[f][0]+cnt[f][1] < cnt[best][0]+cnt[best][1]) {
					best = f
				}
			}
		}
		cnt[best][0] += g.n[0]
		cnt[best][1] += g.n[1]
		total[best] += len(g.rows)
		for _, i := range g.rows {
			fold[i] = best
		}
	}
	return fold, nil
}

// group is one group of rows for GroupFolds.
type group struct {
	rows []int
	n    [2]int // scored rows per label
}

// groupsOf collects the groups of rows in order of first appearance.
func groupsOf(labels []int, groups []string, scored []bool) []*group {
	var out []*group
	at := map[string]*group{}
	for i, l := range labels {
		var g *group
		if groups == nil {
			g = &group{}
			out = append(out, g)
		} else if g = at[groups[i]]; g == nil {
			g = &group{}
			at[groups[i]] = g
			out = append(out, g)
		}
		g.rows = append(g.rows, i)
		if scored == nil || scored[i] {
			g.n[min(max(l, 0), 1)]++
		}
	}
	return out
}

// foldLimit returns the largest valid number of folds for gs: the number of
// groups holding a scored row of the rarer class, and the group counts of
// class 0 and class 1.
func foldLimit(gs []*group) (limit, with0, with1 int) {
	for _, g := range gs {
		if g.n[0] > 0 {
			with0++
		}
		if g.n[1] > 0 {
			with1++
		}
	}
	return min(with0, with1), with0, with1
}

// checkFolds returns an error naming --folds unless 2 <= k <= foldLimit(gs).
func checkFolds(k int, gs []*group) error {
	limit, with0, with1 := foldLimit(gs)
	if k >= 2 && k <= limit {
		return nil
	}
	return fmt.Errorf("probe: --folds %d: want at least 2 and at most %d, the number of groups holding a scored row of the rarer class (%d groups hold a label-1 row, %d a label-0 row; a fold keeps each group whole)",
		k, limit, with1, with0)
}

// MaxFolds returns the largest number of cross-validation folds the answer
// rows of d allow (see GroupFolds), 0 or 1 when none is valid. Assess with
// Balance cross-validates a balanced subset, which keeps every row of the
// rarer class but may hold fewer groups of the other.
func (d *Dataset) MaxFolds() int {
	limit, _, _ := foldLimit(groupsOf(d.Labels, d.groupKeys(), d.Answer))
	return limit
}

// heldOut fits on the rows outside each fold (optionally on a column subset)
// along a path of C values with warm starts, and returns for every C the
// held-out margins of every row (C, rows) and the number of folds whose fit
// did not converge (C,). Rows with fold -1 are neither trained on nor
// scored.
func heldOut(ctx context.Context, x *Matrix, labels []int, cols []int, fold []int, k int, grid []float64, opt Options) ([][]float64, []int, error) {
	notConv := make([]int, len(grid))
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
			return nil, nil, fmt.Errorf("probe: fold %d: %w", f, err)
		}
		var prev *Model
		for c, cv := range grid {
			o := opt
			o.C = cv
			m, err := Fit(ctx, p, o, prev)
			if err != nil {
				return nil, nil, fmt.Errorf("probe: fold %d C=%v: %w", f, cv, err)
			}
			if !m.Converged {
				notConv[c]++
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
	return scores, notConv, nil
}

// CrossValidate runs k-fold cross-validation on ds for every C of grid
// (fitted in increasing order with warm starts) and fits each C on all rows
// to count its neurons (mapped to layers with ds.Shape.DFF as in HNeurons).
// The folds keep every group whole and are stratified by the answer rows'
// labels (GroupFolds): the answer and other rows of one response, and the
// questions of one group, never fall on both sides of a fold. Each fold
// trains on all rows of the other folds (other rows included in 3-vs-1),
// and accuracy and AUROC count the held-out answer rows only.
func CrossValidate(ctx context.Context, ds *Dataset, grid []float64, k int, opt Options) ([]CVPoint, error) {
	if err := ds.check(); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	x, labels, dff := ds.X, ds.Labels, ds.Shape.DFF
	if len(grid) == 0 {
		return nil, fmt.Errorf("probe: empty C grid")
	}
	grid = slices.Clone(grid)
	slices.Sort(grid)
	fold, err := GroupFolds(labels, ds.groupKeys(), ds.Answer, k, opt.Seed)
	if err != nil {
		return nil, err
	}
	scores, notConv, err := heldOut(ctx, x, labels, nil, fold, k, grid, opt)
	if err != nil {
		return nil, err
	}
	p, err := NewProblem(x, labels, nil, nil)
	if err != nil {
		return nil, err
	}
	ans := ds.AnswerRows() // the scored rows
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
		pt := CVPoint{C: cv, NonZero: m.NonZero(), Model: m, Neurons: HNeurons(m.W, dff),
			Converged: m.Converged, FoldsNotConverged: notConv[c]}
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
			for _, i := range ans {
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
		all := pointMetrics(scores[c], labels, ans)
		pt.Accuracy, pt.AUROC = Float(all.acc), Float(all.auc)
		_, std := MeanStd(accs)
		pt.AccuracyStd = Float(std)
		slog.Debug("probe: cross-validation", "C", cv, "nonzero", pt.NonZero, "h_neurons", pt.HNeurons,
			"accuracy", pt.Accuracy, "auroc", pt.AUROC)
		out[c] = pt
	}
	return out, nil
}

// SelectC scores every point with crit (CVAccuracy when nil), stores the
// scores, and returns the index of the best (the smallest C among ties).
// A point whose fit on all rows or any fold fit did not converge is passed
// over with a warning naming its C (its Score is NaN, null in JSON); when no
// point converged, SelectC returns an error.
func SelectC(ctx context.Context, pts []CVPoint, crit Criterion) (int, error) {
	if crit == nil {
		crit = CVAccuracy{}
	}
	best := -1
	for i := range pts {
		if !pts[i].Converged || pts[i].FoldsNotConverged > 0 {
			slog.Warn("probe: not choosing this C: a fit stopped before the solver's tolerance",
				"C", pts[i].C, "all_rows_converged", pts[i].Converged, "folds_not_converged", pts[i].FoldsNotConverged)
			pts[i].Score = Float(math.NaN())
			continue
		}
		s, err := crit.Score(ctx, &pts[i])
		if err != nil {
			return -1, err
		}
		pts[i].Score = Float(s)
		if best < 0 || s > float64(pts[best].Score) {
			best = i
		}
	}
	if best < 0 {
		cs := make([]float64, len(pts))
		for i := range pts {
			cs[i] = pts[i].C
		}
		return -1, fmt.Errorf("probe: no C of the grid %v converged on all rows and every fold: raise the iteration limit or the tolerance, or use smaller C", cs)
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
