package demo

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/origin"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// PretrainOptions configure PretrainEmergence.
type PretrainOptions struct {
	// Run is an organism run folder whose checkpoints/base-step-N folders
	// are studied (and Run/base, the final base model, last).
	Run string
	// Report is a finished demo report folder on the run's final chat model:
	// its probe.json, splits and features/train are used unchanged.
	Report string
	// Out is the results folder (default Report/origin/pretrain).
	Out string
	// Every and Steps select checkpoints as in EmergenceOptions.
	Every int
	Steps []int
	// Seeds random-neuron controls, Boot bootstrap resamples and Seed
	// (defaults 20, 1000 and 1).
	Seeds, Boot int
	Seed        uint64
}

// PretrainSet is one evaluation set's figures at one checkpoint.
type PretrainSet struct {
	// N rows scored; Transfer is the final chat probe applied unchanged
	// (AUROC with its bootstrap interval).
	N        int            `json:"n"`
	Transfer probe.Interval `json:"transfer_auroc"`
	// HNeuronAUROC and RandomAUROCMean/SD are the restricted classifiers
	// trained on the chat model and scored on this checkpoint.
	HNeuronAUROC    float64 `json:"h_neuron_auroc"`
	RandomAUROCMean float64 `json:"random_auroc_mean"`
	RandomAUROCSD   float64 `json:"random_auroc_sd"`
	// HMeanCETT and RestMeanCETT are the mean answer-region CETT of the
	// H-Neurons and of the other neurons; HEffect the H-Neurons' mean
	// standardised difference of CETT between hallucinated and faithful
	// answers (Cohen's d with the pooled SD), RandomEffect that of all
	// neurons (a neuron with no spread counts 0).
	HMeanCETT    float64 `json:"h_mean_cett"`
	RestMeanCETT float64 `json:"rest_mean_cett"`
	HEffect      float64 `json:"h_effect"`
	RestEffect   float64 `json:"rest_effect"`
}

// PretrainPoint is one checkpoint's row of pretrain.json.
type PretrainPoint struct {
	Checkpoint string `json:"checkpoint"`
	Step       int    `json:"step"`
	// Model is the checkpoint's identity (model.Identity).
	Model string                 `json:"model"`
	Sets  map[string]PretrainSet `json:"sets"`
	Error string                 `json:"error,omitempty"`
}

// PretrainEmergence follows the final chat probe back through pre-training
// (the seed's third check, beyond the paper): on every selected base-stage
// checkpoint it replays the report's test and NonExist responses in the base
// format (origin.Transfer), applies the probe unchanged, scores the
// transferred random-neuron controls, and measures how the H-Neurons'
// activations differ between hallucinated and faithful answers. Feature
// stores are resumable (Out/<checkpoint>/<set>); it writes Out/pretrain.json
// and Out/pretrain.txt and returns the points in step order.
func PretrainEmergence(ctx context.Context, o PretrainOptions, progress func(checkpoint string, e Event)) ([]PretrainPoint, error) {
	if o.Run == "" || o.Report == "" {
		return nil, fmt.Errorf("demo: pre-training emergence: need the run and the report folders")
	}
	if o.Out == "" {
		o.Out = filepath.Join(o.Report, originDir, "pretrain")
	}
	if o.Seeds <= 0 {
		o.Seeds = 20
	}
	if o.Boot <= 0 {
		o.Boot = 1000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	pr, err := probe.Load(filepath.Join(o.Report, probeFile))
	if err != nil {
		return nil, err
	}
	if len(pr.HNeurons) == 0 {
		return nil, fmt.Errorf("demo: pre-training emergence: the report's probe has no H-Neurons")
	}
	train, err := probe.LoadEvalDataset(filepath.Join(o.Report, featuresDir, setTrain))
	if err != nil {
		return nil, err
	}
	recs := map[string][]record.Labelled{}
	inputs := map[string]record.Input{}
	for _, name := range evalSets {
		path := filepath.Join(o.Report, splitsDir, name+".jsonl")
		if recs[name], _, err = record.ReadLabelled(path); err != nil {
			return nil, err
		}
		if inputs[name], err = record.InputOf("labelled", path); err != nil {
			return nil, err
		}
	}
	cks, err := Checkpoints(o.Run, "base")
	if err != nil {
		return nil, err
	}
	cks = selectCheckpoints(cks, o.Every, o.Steps)
	if _, err := os.Stat(filepath.Join(o.Run, "base", "config.json")); err == nil && len(o.Steps) == 0 {
		cks = append(cks, Checkpoint{Dir: filepath.Join(o.Run, "base"), Stage: "base", Step: -1})
	}
	if len(cks) == 0 {
		return nil, fmt.Errorf("demo: pre-training emergence: no base checkpoints in %s", filepath.Join(o.Run, "checkpoints"))
	}
	var pts []PretrainPoint
	for _, ck := range cks {
		name := filepath.Base(ck.Dir)
		if ck.Step < 0 {
			name = "base-final"
		}
		p := PretrainPoint{Checkpoint: name, Step: ck.Step, Sets: map[string]PretrainSet{}}
		if err := pretrainPoint(ctx, &p, ck.Dir, filepath.Join(o.Out, name), pr, train, recs, inputs, o, progress); err != nil {
			if ctx.Err() != nil {
				return pts, ctx.Err()
			}
			p.Error = err.Error()
		}
		if n := len(pts); n > 0 && ck.Step < 0 && p.Model != "" && p.Model == pts[n-1].Model {
			continue // the final base model is the last checkpoint
		}
		pts = append(pts, p)
		if err := record.WriteJSON(filepath.Join(o.Out, "pretrain.json"), pts); err != nil {
			return pts, err
		}
	}
	if err := atomicfile.WriteBytes(filepath.Join(o.Out, "pretrain.txt"), []byte(PretrainTable(pts))); err != nil {
		return pts, fmt.Errorf("demo: %w", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(o.Out, "pretrain.svg"), []byte(PretrainCurve(pts))); err != nil {
		return pts, fmt.Errorf("demo: %w", err)
	}
	return pts, nil
}

// pretrainPoint fills p for the checkpoint in dir.
func pretrainPoint(ctx context.Context, p *PretrainPoint, dir, out string, pr *probe.Probe, train *probe.Dataset,
	recs map[string][]record.Labelled, inputs map[string]record.Input, o PretrainOptions, progress func(string, Event)) error {
	m, err := model.Load(dir)
	if err != nil {
		return err
	}
	defer m.Close()
	if p.Model, err = m.Identity(); err != nil {
		return err
	}
	tok, err := tokenizer.Load(m.Path)
	if err != nil {
		return err
	}
	for _, set := range evalSets {
		stage := "transfer " + set
		res, err := origin.Transfer(ctx, origin.TransferOptions{Base: m, Tok: tok, Probe: pr, Records: recs[set], Train: train,
			Seeds: o.Seeds, Boot: o.Boot, Seed: o.Seed, Balance: true, Dir: filepath.Join(out, set), Input: inputs[set],
			Progress: func(e origin.ExtractProgress) {
				if progress != nil {
					progress(p.Checkpoint, Event{Stage: stage, Done: e.Done + e.Skipped, Total: e.Total + e.Skipped, Elapsed: e.Elapsed})
				}
			}})
		if err != nil {
			return fmt.Errorf("%s: %w", set, err)
		}
		eval, err := probe.LoadEvalDataset(filepath.Join(out, set))
		if err != nil {
			return err
		}
		s := PretrainSet{N: res.Probe.N, Transfer: res.Probe.AUROC}
		if c := res.Controls; c != nil {
			s.HNeuronAUROC, s.RandomAUROCMean, s.RandomAUROCSD = c.HNeuronAUROC, c.RandomAUROCMean, c.RandomAUROCStd
		}
		s.HMeanCETT, s.RestMeanCETT, s.HEffect, s.RestEffect = activationStats(eval, pr)
		p.Sets[set] = s
	}
	return nil
}

// activationStats returns the mean CETT of the probe's H-Neurons and of
// the other neurons over ds's rows, and their mean standardised difference
// between hallucinated (label 1) and faithful rows.
func activationStats(ds *probe.Dataset, pr *probe.Probe) (hMean, restMean, hEffect, restEffect float64) {
	isH := make([]bool, ds.X.Cols)
	for _, n := range pr.HNeurons {
		isH[n.Layer*pr.DFF+n.Neuron] = true
	}
	var hSum, rSum, hEff, rEff float64
	var nh, nr int
	for j := 0; j < ds.X.Cols; j++ {
		col := ds.X.Col(j)
		var s [2]float64
		var sq [2]float64
		var cnt [2]int
		for i, v := range col {
			l := ds.Labels[i]
			s[l] += float64(v)
			sq[l] += float64(v) * float64(v)
			cnt[l]++
		}
		mean := (s[0] + s[1]) / float64(len(col))
		d := 0.0
		if cnt[0] > 1 && cnt[1] > 1 {
			m0, m1 := s[0]/float64(cnt[0]), s[1]/float64(cnt[1])
			v0 := (sq[0] - float64(cnt[0])*m0*m0) / float64(cnt[0]-1)
			v1 := (sq[1] - float64(cnt[1])*m1*m1) / float64(cnt[1]-1)
			pooled := math.Sqrt((float64(cnt[0]-1)*v0 + float64(cnt[1]-1)*v1) / float64(cnt[0]+cnt[1]-2))
			if pooled > 0 {
				d = (m1 - m0) / pooled
			}
		}
		if isH[j] {
			hSum, hEff, nh = hSum+mean, hEff+d, nh+1
		} else {
			rSum, rEff, nr = rSum+mean, rEff+d, nr+1
		}
	}
	return hSum / float64(max(nh, 1)), rSum / float64(max(nr, 1)), hEff / float64(max(nh, 1)), rEff / float64(max(nr, 1))
}

// PretrainTable renders the points as a text table.
func PretrainTable(pts []PretrainPoint) string {
	var b strings.Builder
	b.WriteString("final chat probe transferred back through pre-training (base format; AUROC with 95% interval; restricted L2 classifiers trained on chat)\n")
	fmt.Fprintf(&b, "%-18s %6s | %-30s %-7s %-13s %-7s %-7s | %-30s %-7s %-13s\n", "checkpoint", "step",
		"test: probe AUROC", "H-L2", "random L2", "H d", "rest d", "nonexist: probe AUROC", "H-L2", "random L2")
	for _, p := range pts {
		step := fmt.Sprint(p.Step)
		if p.Step < 0 {
			step = "final"
		}
		if p.Error != "" {
			fmt.Fprintf(&b, "%-18s %6s  failed: %s\n", p.Checkpoint, step, p.Error)
			continue
		}
		t, n := p.Sets[SetTest], p.Sets[SetNonExist]
		fmt.Fprintf(&b, "%-18s %6s | n=%-4d %.3f [%.3f, %.3f]      %.3f   %.3f±%.3f   %+.3f  %+.3f  | n=%-4d %.3f [%.3f, %.3f]      %.3f   %.3f±%.3f\n",
			p.Checkpoint, step, t.N, float64(t.Transfer.Value), float64(t.Transfer.Lo), float64(t.Transfer.Hi),
			t.HNeuronAUROC, t.RandomAUROCMean, t.RandomAUROCSD, t.HEffect, t.RestEffect,
			n.N, float64(n.Transfer.Value), float64(n.Transfer.Lo), float64(n.Transfer.Hi),
			n.HNeuronAUROC, n.RandomAUROCMean, n.RandomAUROCSD)
	}
	b.WriteString("H d / rest d: mean Cohen's d of CETT, hallucinated minus faithful answers, over the H-Neurons / the other neurons (test set)\n")
	return b.String()
}
