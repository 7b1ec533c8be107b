package probe

import (
	"context"
	"testing"
)

// rowsOf copies the given rows of x into a new dataset.
func rowsOf(x *Matrix, labels []int, rows []int) *Dataset {
	m := NewMatrix(len(rows), x.Cols)
	ls := make([]int, len(rows))
	for j := 0; j < x.Cols; j++ {
		for i, r := range rows {
			m.Col(j)[i] = x.At(r, j)
		}
	}
	for i, r := range rows {
		ls[i] = labels[r]
	}
	return &Dataset{X: m, Labels: ls}
}

func TestTransferCheckPlanted(t *testing.T) {
	// 10 informative columns of 300; the first half of the rows trains, the
	// second half evaluates.
	x, labels, informative := Planted(800, 300, 10, 3)
	var tr, ev []int
	for i := 0; i < 800; i++ {
		if i < 400 {
			tr = append(tr, i)
		} else {
			ev = append(ev, i)
		}
	}
	train, eval := rowsOf(x, labels, tr), rowsOf(x, labels, ev)
	res, err := TransferCheck(context.Background(), train, eval, informative, 4, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Each informative column alone separates the classes by one noise sd;
	// ten of them together, far better. Random subsets hold 1/3 of an
	// informative column on average.
	if res.HNeuronAUROC < 0.95 || res.HNeuronAccuracy < 0.85 {
		t.Errorf("informative columns: accuracy %.3f AUROC %.3f", res.HNeuronAccuracy, res.HNeuronAUROC)
	}
	if res.RandomAUROCMean > 0.8 || len(res.RandomAUROC) != 4 || res.Neurons != 10 {
		t.Errorf("random columns: %+v", res)
	}

	// Evaluated on flipped labels, the same classifier ranks every pair the
	// wrong way round: AUROC and accuracy are 1 minus the unflipped ones.
	flipped := &Dataset{X: eval.X, Labels: make([]int, len(eval.Labels))}
	for i, l := range eval.Labels {
		flipped.Labels[i] = 1 - l
	}
	acc, auc, _, err := transferFit(context.Background(), train, flipped, informative)
	if err != nil {
		t.Fatal(err)
	}
	if d := auc - (1 - res.HNeuronAUROC); d > 1e-12 || d < -1e-12 {
		t.Errorf("flipped AUROC %.6f, want %.6f", auc, 1-res.HNeuronAUROC)
	}
	if d := acc - (1 - res.HNeuronAccuracy); d > 1e-12 || d < -1e-12 {
		t.Errorf("flipped accuracy %.6f, want %.6f", acc, 1-res.HNeuronAccuracy)
	}
	if _, err := TransferCheck(context.Background(), train, eval, nil, 2, 1, nil); err == nil {
		t.Error("no H-Neurons: want an error")
	}
}

func TestTransferFitSeparable(t *testing.T) {
	// One column, value = label on train; on eval a shifted scale that keeps
	// the order: a standardised linear classifier must rank it perfectly.
	tr := NewMatrix(6, 1)
	copy(tr.Col(0), []float32{0, 1, 0, 1, 0, 1})
	ev := NewMatrix(4, 1)
	copy(ev.Col(0), []float32{0.1, 0.9, 0.2, 0.8})
	acc, auc, _, err := transferFit(context.Background(), &Dataset{X: tr, Labels: []int{0, 1, 0, 1, 0, 1}},
		&Dataset{X: ev, Labels: []int{0, 1, 0, 1}}, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	if acc != 1 || auc != 1 {
		t.Errorf("accuracy %v AUROC %v, want 1 and 1", acc, auc)
	}
}
