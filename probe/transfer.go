package probe

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Transfer is the transfer check, an analysis beyond the paper: the
// restricted classifier of Assess's baseline (L2 logistic regression,
// C = 1, columns standardised) is trained on the train set's answer regions
// (1-vs-1 rows) and scored on an evaluation set, once on the H-Neurons and
// once per seed on as many random neurons. Unlike the baseline, which
// cross-validates on the evaluation set itself, it measures what the probe's
// own figures measure: transfer from train to evaluation.
type Transfer struct {
	Neurons            int       `json:"neurons"`
	HNeuronAccuracy    float64   `json:"h_neuron_accuracy"`
	HNeuronAUROC       float64   `json:"h_neuron_auroc"`
	RandomAccuracy     []float64 `json:"random_accuracy"`
	RandomAUROC        []float64 `json:"random_auroc"`
	RandomAccuracyMean float64   `json:"random_accuracy_mean"`
	RandomAccuracyStd  float64   `json:"random_accuracy_std"`
	RandomAUROCMean    float64   `json:"random_auroc_mean"`
	RandomAUROCStd     float64   `json:"random_auroc_std"`
	// The same classifiers' AUROC within each group of the evaluation rows
	// (the question's attribute), weighted by group size (see Within); NaN
	// (null) without groups.
	HNeuronWithinAUROC     Float      `json:"h_neuron_within_auroc"`
	RandomWithinAUROCMean  Float      `json:"random_within_auroc_mean"`
	RandomWithinAUROCStd   Float      `json:"random_within_auroc_std"`
	RandomWithinAUROCRange [2]float64 `json:"random_within_auroc_range"`
}

// TransferCheck runs the transfer check for the columns hcols, trained on
// train and scored on eval (both answer-row data sets, LoadEvalDataset, of
// the same number of columns), with seeds random subsets drawn from seed;
// groups, when not nil, names the group of every eval row for the
// within-group figures (WithinGroups).
func TransferCheck(ctx context.Context, train, eval *Dataset, hcols []int, seeds int, seed uint64, groups []string) (*Transfer, error) {
	if len(hcols) == 0 {
		return nil, fmt.Errorf("probe: transfer check: no H-Neurons")
	}
	for name, ds := range map[string]*Dataset{"training": train, "evaluation": eval} {
		if len(ds.AnswerRows()) != ds.X.Rows {
			return nil, fmt.Errorf("probe: transfer check: the %s set holds rows that are not answer regions (load it with LoadEvalDataset)", name)
		}
	}
	if train.X.Cols != eval.X.Cols {
		return nil, fmt.Errorf("probe: transfer check: %d train columns, %d evaluation columns", train.X.Cols, eval.X.Cols)
	}
	t := &Transfer{Neurons: len(hcols), HNeuronWithinAUROC: Float(math.NaN()),
		RandomWithinAUROCMean: Float(math.NaN()), RandomWithinAUROCStd: Float(math.NaN())}
	within := func(scores []float64) float64 {
		if groups == nil {
			return math.NaN()
		}
		_, w := WithinGroups(scores, eval.Labels, groups)
		return w
	}
	acc, auc, scores, err := transferFit(ctx, train, eval, hcols)
	if err != nil {
		return nil, err
	}
	t.HNeuronAccuracy, t.HNeuronAUROC, t.HNeuronWithinAUROC = acc, auc, Float(within(scores))
	rng := rand.New(rand.NewPCG(seed, 0x7472616e73666572))
	var ws []float64
	for s := 0; s < seeds; s++ {
		cols := rng.Perm(train.X.Cols)[:len(hcols)]
		acc, auc, scores, err := transferFit(ctx, train, eval, cols)
		if err != nil {
			return nil, err
		}
		t.RandomAccuracy = append(t.RandomAccuracy, acc)
		t.RandomAUROC = append(t.RandomAUROC, auc)
		if w := within(scores); !math.IsNaN(w) {
			ws = append(ws, w)
		}
	}
	t.RandomAccuracyMean, t.RandomAccuracyStd = MeanStd(t.RandomAccuracy)
	t.RandomAUROCMean, t.RandomAUROCStd = MeanStd(t.RandomAUROC)
	if len(ws) > 0 {
		m, sd := MeanStd(ws)
		t.RandomWithinAUROCMean, t.RandomWithinAUROCStd = Float(m), Float(sd)
		t.RandomWithinAUROCRange = [2]float64{slices.Min(ws), slices.Max(ws)}
	}
	return t, nil
}

// transferFit standardises cols with the train set's mean and standard
// deviation, fits L2 logistic regression (C = 1) on train and returns
// accuracy (margin > 0 is hallucinated), AUROC and the margins on eval.
func transferFit(ctx context.Context, train, eval *Dataset, cols []int) (acc, auc float64, scores []float64, err error) {
	xt := NewMatrix(train.X.Rows, len(cols)) // (rows, k), column-major
	xe := NewMatrix(eval.X.Rows, len(cols))
	for k, j := range cols {
		src := train.X.Col(j)
		var mean, sq float64
		for _, v := range src {
			mean += float64(v)
		}
		mean /= float64(len(src))
		for _, v := range src {
			sq += (float64(v) - mean) * (float64(v) - mean)
		}
		sd := math.Sqrt(sq / float64(len(src)))
		if sd == 0 {
			sd = 1
		}
		for i, v := range src {
			xt.Col(k)[i] = float32((float64(v) - mean) / sd)
		}
		for i, v := range eval.X.Col(j) {
			xe.Col(k)[i] = float32((float64(v) - mean) / sd)
		}
	}
	p, err := NewProblem(xt, train.Labels, nil, nil)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("probe: transfer check: %w", err)
	}
	m, err := Fit(ctx, p, Options{Penalty: L2, C: 1, Seed: 1}, nil)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("probe: transfer check: %w", err)
	}
	scores = make([]float64, eval.X.Rows) // (rows,)
	right := 0
	for i := range scores {
		s := m.Bias
		for k := range cols {
			s += m.W[k] * float64(xe.At(i, k))
		}
		scores[i] = s
		if (s > 0) == (eval.Labels[i] == 1) {
			right++
		}
	}
	return float64(right) / float64(len(scores)), AUROC(scores, eval.Labels), scores, nil
}
