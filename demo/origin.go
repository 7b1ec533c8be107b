package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/origin"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// originDir is the origin stage's folder inside the report folder.
const originDir = "origin"

// Origin is the origin stage (METHOD.md section 6): the chat probe
// transferred unchanged to the base model, and the weight drift of the
// H-Neurons between the base and the chat model.
type Origin struct {
	// BaseModel is the base model's folder.
	BaseModel string `json:"base_model"`
	// Transfer is the backward transfer by evaluation set.
	Transfer map[string]*origin.TransferResult `json:"transfer"`
	// Drift is the weight-drift study of the probe's H-Neurons.
	Drift *origin.DriftResult `json:"drift"`
}

// origin runs the origin stage when a base model is known (the shipped
// organism's, or Options.BaseModelDir) and the probe kept H-Neurons.
func (r *run) origin(ctx context.Context) error {
	if r.o.NoOrigin || r.o.BaseModelDir == "" {
		return nil
	}
	if len(r.pr.HNeurons) == 0 {
		r.det.BaselineNotes[originDir] = "no origin stage: the probe kept no H-Neurons"
		return nil
	}
	base, err := model.Load(r.o.BaseModelDir)
	if err != nil {
		return fmt.Errorf("demo: origin: %w", err)
	}
	defer base.Close()
	btok, err := tokenizer.Load(base.Path)
	if err != nil {
		return fmt.Errorf("demo: origin: %w", err)
	}
	if btok.VocabSize() != r.tok.VocabSize() {
		return fmt.Errorf("demo: origin: the base model's vocabulary (%d) is not the chat model's (%d)", btok.VocabSize(), r.tok.VocabSize())
	}
	train, err := probe.LoadEvalDataset(r.path(featuresDir, setTrain))
	if err != nil {
		return err
	}
	og := &Origin{BaseModel: r.o.BaseModelDir, Transfer: map[string]*origin.TransferResult{}}
	for _, name := range evalSets {
		in, err := record.InputOf("labelled", r.path(splitsDir, name+".jsonl"))
		if err != nil {
			return err
		}
		stage := "origin transfer " + name
		r.emit(stage, 0, len(r.sets[name]))
		if og.Transfer[name], err = origin.Transfer(ctx, origin.TransferOptions{
			Base: base, Tok: r.tok, Probe: r.pr, Records: r.sets[name], Train: train,
			Seeds: r.o.BaselineSeeds, Boot: r.o.Boot, Seed: r.o.Seed, Balance: true,
			Dir: r.path(originDir, featuresDir, name), Input: in, Fresh: r.o.Fresh,
			Progress: func(p origin.ExtractProgress) { r.emit(stage, p.Done+p.Skipped, p.Total+p.Skipped) },
		}); err != nil {
			return fmt.Errorf("demo: origin: %s: %w", name, err)
		}
	}
	r.emit("origin drift", 0, base.Config.NLayers)
	if og.Drift, err = origin.Drift(ctx, base, r.m, origin.DriftOptions{HNeurons: r.pr.HNeurons, Seed: r.o.Seed,
		Progress: func(done, total int) { r.emit("origin drift", done, total) }}); err != nil {
		return fmt.Errorf("demo: origin: %w", err)
	}
	dir := r.path(originDir, "drift")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	prov := record.New("drift", map[string]string{"permutations": "10000", "seed": strconv.FormatUint(r.o.Seed, 10)})
	if err := origin.WriteDrift(dir, prov, og.Drift); err != nil {
		return err
	}
	r.det.Origin = og
	return nil
}

// originText renders the origin stage for summary.txt.
func originText(b *strings.Builder, og *Origin) {
	if og == nil {
		return
	}
	fmt.Fprintf(b, "origin (paper section 6), base model %s:\n", filepath.Base(og.BaseModel))
	for _, name := range evalSets {
		t := og.Transfer[name]
		if t == nil {
			continue
		}
		m := t.Probe
		fmt.Fprintf(b, "  backward transfer, %-8s n=%d: chat probe on base CETT accuracy %.3f [%.3f, %.3f]  AUROC %.3f [%.3f, %.3f] (paper: AUROC 0.70-0.87)\n",
			name, m.N, float64(m.Accuracy.Value), float64(m.Accuracy.Lo), float64(m.Accuracy.Hi),
			float64(m.AUROC.Value), float64(m.AUROC.Lo), float64(m.AUROC.Hi))
		if c := t.Controls; c != nil {
			fmt.Fprintf(b, "           restricted L2 classifiers trained on chat, scored on base (%d seeds): H-Neurons AUROC %.3f; random %d neurons AUROC %.3f±%.3f\n",
				len(c.RandomAUROC), c.HNeuronAUROC, c.Neurons, c.RandomAUROCMean, c.RandomAUROCStd)
		}
	}
	if d := og.Drift; d != nil {
		fmt.Fprintf(b, "  weight drift base -> chat: H-Neurons' mean normalised rank %.3f (rest %.3f; 1 = changed least; paper 0.58-0.97); Welch p = %.3g, permutation p = %.3g, layer-matched p = %.3g, W_down-norm-matched p = %.3g\n",
			float64(d.HMeanRank), float64(d.RestMeanRank), d.Welch.P, d.Permutation.P, d.LayerMatched.P, d.NormMatched.P)
	}
}
