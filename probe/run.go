package probe

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hneurons/hneurons/npy"
)

// LoadNPYDataset reads a feature matrix X (rows x columns, any numeric
// dtype) and 0/1 labels y from .npy files; the shape has no model, only
// columns. A plain matrix has no regions and no ids: every row is an answer
// row and its own group.
func LoadNPYDataset(xPath, yPath string) (*Dataset, error) {
	x, err := LoadNPY(xPath)
	if err != nil {
		return nil, err
	}
	y, err := npy.ReadLabels(yPath)
	if err != nil {
		return nil, err
	}
	if len(y) != x.Rows {
		return nil, fmt.Errorf("probe: %s has %d rows, %s has %d labels", xPath, x.Rows, yPath, len(y))
	}
	return &Dataset{X: x, Labels: y, Shape: Shape{Columns: x.Cols}}, nil
}

// TrainCV chooses C from grid by k-fold cross-validation (see
// CrossValidate) scored with crit (CVAccuracy when nil), then builds the
// probe of the chosen C exactly as Train does (metrics on answer rows only),
// recording the whole grid in Probe.CV.
func TrainCV(ctx context.Context, train, test *Dataset, mode Mode, opt Options, grid []float64, k, boot int, crit Criterion) (*Probe, error) {
	if err := checkPair(train, test); err != nil {
		return nil, err
	}
	pts, err := CrossValidate(ctx, train, grid, k, opt)
	if err != nil {
		return nil, err
	}
	best, err := SelectC(ctx, pts, crit)
	if err != nil {
		return nil, err
	}
	slog.Info("probe: chose C", "C", pts[best].C, "score", pts[best].Score, "h_neurons", pts[best].HNeurons)
	opt.C = pts[best].C
	pr, err := finish(pts[best].Model, train, test, mode, opt, boot)
	if err != nil {
		return nil, err
	}
	pr.CV = pts
	return pr, nil
}

// Report is the result of assessing a probe on a labelled data set.
type Report struct {
	// Metrics are the probe's detection metrics with bootstrap intervals.
	Metrics Metrics `json:"metrics"`
	// Baseline compares the H-Neurons with random neurons (nil when not run).
	Baseline *BaselineResult `json:"baseline,omitempty"`
}

// AssessOptions configures Assess.
type AssessOptions struct {
	// Seeds is the number of random-neuron baselines (0 = no baseline).
	Seeds int
	// Baseline is the restricted classifier (BaselineL2 when empty, or
	// BaselineProbe to refit the probe's own classifier).
	Baseline string
	// BaselineC is BaselineL2's inverse regularisation strength (default 1).
	BaselineC float64
	// Folds is the number of cross-validation folds of the baseline.
	Folds int
	// Boot is the number of bootstrap resamples for the intervals.
	Boot int
	// Seed fixes the bootstrap, folds, balancing and random neurons.
	Seed uint64
	// Balance evaluates on a class-balanced subset (all minority rows and as
	// many random majority rows), as the paper's accuracies are.
	Balance bool
}

// Assess scores probe pr on the answer rows of ds (whatever rows ds holds
// besides: the evaluation protocol, see Dataset), on a class-balanced subset
// of them with o.Balance, and, when o.Seeds > 0, cross-validates on the same
// rows a classifier restricted to its H-Neurons and to as many random
// neurons per seed (see Baseline; its folds keep every group whole).
func Assess(ctx context.Context, pr *Probe, ds *Dataset, o AssessOptions) (*Report, error) {
	if err := pr.CheckShape(ds.Shape); err != nil {
		return nil, err
	}
	if err := ds.check(); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	s, err := pr.Scores(ds.X)
	if err != nil {
		return nil, err
	}
	rows := ds.AnswerRows()
	if o.Balance {
		_, al := pick(s, ds.Labels, rows)
		bal := BalancedRows(al, o.Seed)
		for j, k := range bal {
			bal[j] = rows[k]
		}
		rows = bal
	}
	ss, ls := pick(s, ds.Labels, rows)
	rep := &Report{Metrics: Evaluate(ss, ls, o.Boot, o.Seed)}
	if o.Seeds > 0 {
		hcols := make([]int, len(pr.HNeurons))
		for i, n := range pr.HNeurons {
			hcols[i] = n.Layer*max(pr.DFF, 0) + n.Neuron
		}
		rep.Baseline, err = Baseline(ctx, ds, rows, hcols, BaselineOptions{
			Seeds: o.Seeds, Folds: o.Folds, Seed: o.Seed, Classifier: o.Baseline, C: o.BaselineC,
			Probe: Options{Penalty: pr.Penalty, C: pr.C, Tol: pr.Tol}})
		if err != nil {
			return nil, err
		}
	}
	return rep, nil
}
