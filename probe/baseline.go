package probe

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// Baseline classifiers: how the classifier restricted to a neuron subset is
// fitted.
const (
	// BaselineL2 fits L2-regularised logistic regression (BaselineOptions.C)
	// on the subset's columns, standardised with the training fold's mean and
	// standard deviation: every neuron of the subset keeps a weight, so the
	// comparison measures what the neurons carry, not whether an L1 penalty
	// tuned for the full matrix keeps any of them.
	BaselineL2 = "l2"
	// BaselineProbe refits the probe's own classifier (penalty and C, raw
	// columns) on the subset, the first version's baseline. With the L1
	// penalty at the probe's C a small random subset usually keeps no
	// weight, so the "classifier" predicts the majority class.
	BaselineProbe = "probe"
)

// BaselineOptions configures Baseline.
type BaselineOptions struct {
	// Seeds is the number of repetitions: seed s draws the folds and one
	// random subset, and both subsets are cross-validated on those folds.
	Seeds int
	// Folds is the number of cross-validation folds: at least 2 and at most
	// the number of groups holding a row of the rarer class (see GroupFolds).
	Folds int
	// Seed is the base seed; repetition s uses Seed + s + 1.
	Seed uint64
	// Classifier is BaselineL2 (default) or BaselineProbe.
	Classifier string
	// C is BaselineL2's inverse regularisation strength (default 1).
	C float64
	// Probe is the classifier BaselineProbe refits (the probe's penalty,
	// C and tolerance).
	Probe Options
}

// BaselineResult compares the classifier restricted to the H-Neurons with
// the same classifier restricted to as many random neurons.
type BaselineResult struct {
	// Classifier and C describe the restricted classifier (C is the
	// probe's C for BaselineProbe); Standardized tells whether the columns
	// were standardised per training fold.
	Classifier   string  `json:"classifier"`
	C            float64 `json:"C"`
	Standardized bool    `json:"standardized"`
	// Neurons is the number of neurons per classifier.
	Neurons int `json:"neurons"`
	// Folds is the number of cross-validation folds: at least 2 and at most
	// the number of groups holding a row of the rarer class (see GroupFolds).
	Folds int `json:"folds"`
	// HNeuronAccuracy and HNeuronAUROC are the CV metrics of the classifier
	// on the H-Neurons, mean over seeds (the folds change with the seed),
	// with their standard deviations.
	HNeuronAccuracy    Float `json:"h_neuron_accuracy"`
	HNeuronAccuracyStd Float `json:"h_neuron_accuracy_std"`
	HNeuronAUROC       Float `json:"h_neuron_auroc"`
	HNeuronAUROCStd    Float `json:"h_neuron_auroc_std"`
	// Random holds one entry per seed.
	Random []BaselineRun `json:"random"`
	// RandomAccuracy and RandomAUROC summarise Random as mean and standard deviation.
	RandomAccuracyMean Float `json:"random_accuracy_mean"`
	RandomAccuracyStd  Float `json:"random_accuracy_std"`
	RandomAUROCMean    Float `json:"random_auroc_mean"`
	RandomAUROCStd     Float `json:"random_auroc_std"`
}

// BaselineRun is one seed of the baseline.
type BaselineRun struct {
	// Seed chose the folds and the random neurons; Accuracy and AUROC are
	// the random neurons' CV metrics, HNeuronAccuracy and HNeuronAUROC the
	// H-Neurons' on the same folds.
	Seed            uint64 `json:"seed"`
	Accuracy        Float  `json:"accuracy"`
	AUROC           Float  `json:"auroc"`
	HNeuronAccuracy Float  `json:"h_neuron_accuracy"`
	HNeuronAUROC    Float  `json:"h_neuron_auroc"`
}

// Baseline cross-validates (o.Folds folds) the classifier o.Classifier
// restricted to the columns hcols (the H-Neurons) and to as many random
// columns, o.Seeds times with fresh folds and a fresh random subset. It
// trains and scores on the rows of ds in rows (nil = the answer rows; a
// caller may pass a class-balanced subset of them), with folds that keep
// every group of ds whole (GroupFolds).
func Baseline(ctx context.Context, ds *Dataset, rows []int, hcols []int, o BaselineOptions) (*BaselineResult, error) {
	x, labels := ds.X, ds.Labels
	if len(hcols) == 0 {
		return nil, fmt.Errorf("probe: baseline needs at least one H-Neuron")
	}
	if len(hcols) > x.Cols {
		return nil, fmt.Errorf("probe: %d neurons for %d columns", len(hcols), x.Cols)
	}
	if len(labels) != x.Rows {
		return nil, fmt.Errorf("probe: %d labels for %d rows", len(labels), x.Rows)
	}
	if err := ds.check(); err != nil {
		return nil, fmt.Errorf("probe: baseline: %w", err)
	}
	if o.Seeds <= 0 {
		return nil, fmt.Errorf("probe: baseline needs seeds >= 1, not %d", o.Seeds)
	}
	if rows == nil {
		rows = ds.AnswerRows()
	}
	sub := make([]int, len(rows))          // (used rows,) labels
	subGroups := make([]string, len(rows)) // (used rows,) group keys
	for j, i := range rows {
		sub[j], subGroups[j] = labels[i], ds.GroupKey(i)
	}
	if err := checkFolds(o.Folds, groupsOf(sub, subGroups, nil)); err != nil {
		return nil, fmt.Errorf("probe: baseline: %w", err)
	}
	if o.Classifier == "" {
		o.Classifier = BaselineL2
	}
	if o.C == 0 {
		o.C = 1
	}
	res := &BaselineResult{Classifier: o.Classifier, Neurons: len(hcols), Folds: o.Folds}
	var held func(cols, fold []int, seed uint64) ([]float64, error)
	switch o.Classifier {
	case BaselineL2:
		if !(o.C > 0) || math.IsInf(o.C, 0) {
			return nil, fmt.Errorf("probe: baseline C %v, want finite and > 0", o.C)
		}
		res.C, res.Standardized = o.C, true
		held = func(cols, fold []int, seed uint64) ([]float64, error) {
			return standardizedHeldOut(ctx, x, labels, cols, fold, o.Folds, o.C, seed)
		}
	case BaselineProbe:
		res.C = o.Probe.C
		held = func(cols, fold []int, seed uint64) ([]float64, error) {
			opt := o.Probe
			opt.Seed = seed
			s, _, err := heldOut(ctx, x, labels, cols, fold, o.Folds, []float64{opt.C}, opt)
			if err != nil {
				return nil, err
			}
			return s[0], nil
		}
	default:
		return nil, fmt.Errorf("probe: unknown baseline classifier %q (want %q or %q)", o.Classifier, BaselineL2, BaselineProbe)
	}
	var hAcc, hAUC, rAcc, rAUC []float64
	for s := 0; s < o.Seeds; s++ {
		seed := o.Seed + uint64(s) + 1
		fold := make([]int, len(labels)) // (all rows,) -1 = unused
		for i := range fold {
			fold[i] = -1
		}
		sf, err := GroupFolds(sub, subGroups, nil, o.Folds, seed)
		if err != nil {
			return nil, err
		}
		for j, f := range sf {
			fold[rows[j]] = f
		}
		rng := rand.New(rand.NewPCG(seed, 0xba5e))
		rcols := randomSubset(rng, x.Cols, len(hcols))
		run := BaselineRun{Seed: seed}
		for _, c := range []struct {
			cols     []int
			acc, auc *Float
		}{{hcols, &run.HNeuronAccuracy, &run.HNeuronAUROC}, {rcols, &run.Accuracy, &run.AUROC}} {
			sc, err := held(c.cols, fold, seed)
			if err != nil {
				return nil, err
			}
			p := pointMetrics(sc, labels, rows)
			*c.acc, *c.auc = Float(p.acc), Float(p.auc)
		}
		res.Random = append(res.Random, run)
		hAcc, rAcc = append(hAcc, float64(run.HNeuronAccuracy)), append(rAcc, float64(run.Accuracy))
		if !math.IsNaN(float64(run.HNeuronAUROC)) {
			hAUC = append(hAUC, float64(run.HNeuronAUROC))
		}
		if !math.IsNaN(float64(run.AUROC)) {
			rAUC = append(rAUC, float64(run.AUROC))
		}
	}
	set := func(v []float64, mean, std *Float) {
		m, s := MeanStd(v)
		*mean, *std = Float(m), Float(s)
	}
	set(hAcc, &res.HNeuronAccuracy, &res.HNeuronAccuracyStd)
	set(hAUC, &res.HNeuronAUROC, &res.HNeuronAUROCStd)
	set(rAcc, &res.RandomAccuracyMean, &res.RandomAccuracyStd)
	set(rAUC, &res.RandomAUROCMean, &res.RandomAUROCStd)
	return res, nil
}

// standardizedHeldOut returns the held-out margins (x.Rows,) of L2 logistic
// regression (inverse strength c) on columns cols of the rows with fold >= 0:
// for each fold, the columns are standardised with the mean and standard
// deviation of that fold's training rows (a constant column becomes 0) and
// copied into a small matrix (used rows, len(cols)). Rows with fold -1 get 0.
func standardizedHeldOut(ctx context.Context, x *Matrix, labels []int, cols, fold []int, k int, c float64, seed uint64) ([]float64, error) {
	var used []int // rows with a fold
	for i, f := range fold {
		if f >= 0 {
			used = append(used, i)
		}
	}
	ys := make([]int, len(used)) // (used,)
	for j, i := range used {
		ys[j] = labels[i]
	}
	out := make([]float64, x.Rows)
	m := NewMatrix(len(used), len(cols)) // (used, cols) standardised
	rw := make([]float64, len(used))     // (used,) 1 = training row
	for f := 0; f < k; f++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := 0.0
		for j, i := range used {
			rw[j] = 0
			if fold[i] != f {
				rw[j] = 1
				n++
			}
		}
		for q, col := range cols {
			src := x.Col(col)
			var sum, sq float64
			for j, i := range used {
				if rw[j] == 1 {
					sum += float64(src[i])
				}
			}
			mean := sum / max(n, 1)
			for j, i := range used {
				if rw[j] == 1 {
					d := float64(src[i]) - mean
					sq += d * d
				}
			}
			sd := math.Sqrt(sq / max(n, 1))
			inv := 0.0
			if sd > 0 {
				inv = 1 / sd
			}
			dst := m.Col(q)
			for j, i := range used {
				dst[j] = float32((float64(src[i]) - mean) * inv)
			}
		}
		p, err := NewProblem(m, ys, rw, nil)
		if err != nil {
			return nil, fmt.Errorf("probe: baseline fold %d: %w", f, err)
		}
		fit, err := Fit(ctx, p, Options{Penalty: L2, C: c, Seed: seed}, nil)
		if err != nil {
			return nil, fmt.Errorf("probe: baseline fold %d: %w", f, err)
		}
		marg := p.margins(fit.W, fit.Bias, 0)
		for j, i := range used {
			if rw[j] == 0 {
				out[i] = marg[j]
			}
		}
	}
	return out, nil
}
