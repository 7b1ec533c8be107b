package intervene

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hneurons/hneurons/compliance"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/probe"
)

// organismCapability makes n capability items from the shipped organism's
// in-distribution questions.
func organismCapability(t *testing.T, n int) []compliance.Item {
	t.Helper()
	dir, err := shipped.Dir()
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := datasets.Load(filepath.Join(dir, "questions", "id.jsonl"), datasets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return compliance.BuildCapability(recs, n, nil)
}

// The task's accuracy with a set suppressed equals the accuracy of a
// second model whose W_down columns of that set were zeroed in its file
// (unscaled); suppressing many neurons costs accuracy, so the comparison
// can fail; results are cached by set, whatever its order.
func TestSuppressionTaskMatchesZeroedModel(t *testing.T) {
	dir, err := shipped.Dir()
	if err != nil {
		t.Fatal(err)
	}
	m, tok := load(t, filepath.Join(dir, "chat"))
	c := m.Config
	set := Set{Name: "big", Kind: KindHNeurons}
	for l := 0; l < c.NLayers; l++ {
		for j := 0; j < c.DFF; j += 3 {
			set.Neurons = append(set.Neurons, Neuron{l, j})
		}
	}
	zm, ztok := load(t, zeroedCopy(t, filepath.Join(dir, "chat"), set))
	items := organismCapability(t, 24)
	task, err := NewSuppressionTask(m, tok, items, TaskOptions{Batch: 7})
	if err != nil {
		t.Fatal(err)
	}
	ztask, err := NewSuppressionTask(zm, ztok, items, TaskOptions{Batch: 5})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	full, err := task.Evaluate(ctx, Set{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	sup, err := task.Evaluate(ctx, set, 0)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := ztask.Evaluate(ctx, Set{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if sup != (TaskResult{Neurons: len(set.Neurons), Correct: ref.Correct, Items: ref.Items, Accuracy: ref.Accuracy,
		TooLong: ref.TooLong, Unjudged: ref.Unjudged}) {
		t.Fatalf("suppressed by scale: %+v; zeroed W_down columns: %+v", sup, ref)
	}
	if full.Items != len(items) || full.Accuracy <= sup.Accuracy || full.Correct == 0 {
		t.Fatalf("unmodified %+v, a third of the neurons suppressed %+v: suppression should cost accuracy", full, sup)
	}
	t.Logf("unmodified %+v; suppressed %+v", full, sup)
	// probe.Task: the same set in another order, with weights, is a cache hit.
	var pn []probe.Neuron
	for i := len(set.Neurons) - 1; i >= 0; i-- {
		pn = append(pn, probe.Neuron{Layer: set.Neurons[i].Layer, Neuron: set.Neurons[i].Neuron, Weight: 1})
	}
	acc, err := task.AccuracyWithSuppressed(ctx, pn)
	if err != nil {
		t.Fatal(err)
	}
	if acc != sup.Accuracy || len(task.Results) != 2 {
		t.Fatalf("AccuracyWithSuppressed %v (want %v), %d evaluations (want 2: cached)", acc, sup.Accuracy, len(task.Results))
	}
	// The runner is left unscaled.
	again, err := task.Evaluate(ctx, Set{Name: "other", Neurons: []Neuron{{0, 1}}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if again.Correct != full.Correct {
		t.Fatalf("alpha 1 on one neuron: %d correct, the unmodified model %d", again.Correct, full.Correct)
	}
}

func TestSuppressionTaskRefusesOtherItems(t *testing.T) {
	dir, err := shipped.Dir()
	if err != nil {
		t.Fatal(err)
	}
	m, tok := load(t, filepath.Join(dir, "chat"))
	if _, err := NewSuppressionTask(m, tok, nil, TaskOptions{}); err == nil {
		t.Fatal("no items accepted")
	}
	items := append(organismCapability(t, 2), compliance.Item{ID: "x", Bench: compliance.FalseQA, Turns: []string{"q"}})
	if _, err := NewSuppressionTask(m, tok, items, TaskOptions{}); err == nil {
		t.Fatal("a falseqa item accepted")
	}
	if _, err := NewSuppressionTask(m, tok, items[:2], TaskOptions{MaxNewTokens: -1}); err == nil {
		t.Fatal("max new tokens -1 accepted")
	}
}
