package demo

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/split"
	"github.com/hneurons/hneurons/tokenizer"
)

// File and folder names inside the report folder.
const (
	responsesFile = "responses.jsonl"
	labelledFile  = "labelled.jsonl"
	singleFile    = "labelled-single.jsonl"
	splitsDir     = "splits"
	featuresDir   = "features"
	probeFile     = "probe.json"
	metricsFile   = "metrics.json"
	summaryFile   = "summary.json"
	summaryText   = "summary.txt"
	setTrain      = "train"
)

// evalSets are the sets the probe is evaluated on, in report order.
var evalSets = []string{SetTest, SetNonExist}

// run is one execution of the chain: every stage reads what the previous
// ones left here (and in the report folder) and adds its own.
type run struct {
	o        Options
	start    time.Time
	progress func(Event)

	recs  []datasets.Record
	facts questionFacts // the world's attribute, mentions and statements of each question (confound checks)
	m     *model.Model
	tok   *tokenizer.Tokenizer

	consistent, single []record.Labelled            // label's records; first samples judged alone
	sets               map[string][]record.Labelled // train, test, nonexist
	trainSet           *probe.Dataset               // in the probe's mode
	eval               map[string]*probe.Dataset    // answer rows, by set
	pr                 *probe.Probe

	det *Details
	sum *Summary
}

func (r *run) path(name ...string) string {
	return filepath.Join(append([]string{r.o.Out}, name...)...)
}

func (r *run) emit(stage string, done, total int) {
	if r.progress != nil {
		r.progress(Event{Stage: stage, Done: done, Total: total, Elapsed: time.Since(r.start)})
	}
}

// open reads the questions and loads the model.
func (r *run) open() error {
	if err := os.MkdirAll(r.o.Out, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	var err error
	if r.recs, r.facts, err = readQuestions(r.o.QuestionsDir, r.o.MaxID, r.o.MaxNonExist); err != nil {
		return err
	}
	if r.m, err = model.Load(r.o.ModelDir); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if r.tok, err = tokenizer.Load(r.m.Path); err != nil {
		r.m.Close()
		return fmt.Errorf("demo: %w", err)
	}
	id, err := r.m.Identity()
	if err != nil {
		r.m.Close()
		return fmt.Errorf("demo: %w", err)
	}
	prov := record.New("demo", r.o.provenanceOptions()).WithModel(id, r.m.Path)
	r.det = &Details{Provenance: &prov, Options: r.o, Reports: map[string]*probe.Report{}, BaselineNotes: map[string]string{}}
	return nil
}

// provenanceOptions are the options recorded in metrics.json, by the
// command's flag names.
func (o Options) provenanceOptions() map[string]string {
	grid := ""
	for i, c := range o.Grid {
		if i > 0 {
			grid += ","
		}
		grid += strconv.FormatFloat(c, 'g', -1, 64)
	}
	return map[string]string{
		"samples": strconv.Itoa(o.Samples), "seed": strconv.FormatUint(o.Seed, 10), "max-id": strconv.Itoa(o.MaxID),
		"max-nonexist": strconv.Itoa(o.MaxNonExist), "max-new-tokens": strconv.Itoa(o.MaxNewTokens),
		"min-agree": strconv.Itoa(o.MinAgree), "test-fraction": strconv.FormatFloat(o.TestFraction, 'g', -1, 64),
		"mode": string(o.Mode), "C-grid": grid, "folds": strconv.Itoa(o.Folds), "baseline-seeds": strconv.Itoa(o.BaselineSeeds),
		"bootstrap": strconv.Itoa(o.Boot), "prompt-format": o.PromptFormat,
	}
}

// sample collects o.Samples answers per question (resumable).
func (r *run) sample(ctx context.Context) error {
	dec := collect.PaperDecoding
	dec.MaxNewTokens = r.o.MaxNewTokens
	r.emit("collect", 0, len(r.recs))
	_, err := collect.Run(ctx, r.m, r.tok, r.recs, r.path(responsesFile), collect.Options{
		Samples: r.o.Samples, PromptFormat: r.o.PromptFormat, Seed: r.o.Seed, Decoding: dec, ModelName: r.o.ModelName,
		Fresh:    r.o.Fresh,
		Progress: func(p collect.Progress) { r.emit("collect", p.Done+p.Skipped, p.Total+p.Skipped) },
	})
	return err
}

// judge labels every question with the consistency filter (the training
// questions) and, separately, every question's first sample alone (the
// evaluation sets' one response per question, METHOD.md section 2).
func (r *run) judge(ctx context.Context) error {
	r.emit("label", 0, len(r.recs))
	if _, err := label.Run(ctx, label.RunOptions{In: r.path(responsesFile), Out: r.path(labelledFile), Judge: Judge{},
		Options: label.Options{MinAgree: r.o.MinAgree}, Fresh: r.o.Fresh}); err != nil {
		return err
	}
	var err error
	if r.consistent, _, err = record.ReadLabelled(r.path(labelledFile)); err != nil {
		return err
	}
	r.emit("label single", 0, len(r.recs))
	if r.single, err = labelFirstSamples(ctx, r.path(responsesFile)); err != nil {
		return err
	}
	in, err := record.InputOf("responses", r.path(responsesFile))
	if err != nil {
		return err
	}
	prov := record.New("demo label-single", map[string]string{"judge": Judge{}.Name(), "min-agree": "1", "sample": "first"}).WithInput(in)
	return split.Write(r.path(singleFile), &prov, r.single)
}

// labelFirstSamples judges the first sample of every collected question
// alone (MinAgree 1): the evaluation sets' one response per question.
func labelFirstSamples(ctx context.Context, respPath string) ([]record.Labelled, error) {
	var out []record.Labelled
	_, err := record.EachCollected(respPath, func(line int, c record.Collected) error {
		if len(c.Samples) == 0 {
			return fmt.Errorf("demo: %s line %d: no samples", respPath, line)
		}
		c.Samples = c.Samples[:1]
		l, err := label.LabelOne(ctx, Judge{}, c, label.Options{MinAgree: 1})
		if err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

// split puts each in-distribution person on one side (test when
// split.ByGroupHash of the person falls below TestFraction): the train side
// takes the person's consistent questions, the test side their single-sample
// labels; NonExist takes the single-sample labels of every fabricated
// person. Each set is balanced with split.Balance (NonExist keeps every
// record when it lacks a class) and written with its provenance.
func (r *run) split(context.Context) error {
	r.emit("split", 0, 0)
	cnt := Counts{Questions: map[string]int{}, Faithful: map[string]int{}, Hallucinated: map[string]int{}, Uncertain: map[string]int{},
		SingleFaithful: map[string]int{}, SingleHallucinated: map[string]int{}, SingleUncertain: map[string]int{}}
	for _, q := range r.recs {
		cnt.Questions[setOf(q.Source)]++
	}
	count := func(l record.Labelled, f, h, u map[string]int) bool {
		set := setOf(l.Source)
		switch l.Label {
		case record.Faithful:
			f[set]++
		case record.Hallucinated:
			h[set]++
		default:
			u[set]++
			return false
		}
		return true
	}
	frac, seed := r.o.TestFraction, r.o.Seed
	var tr, te, ne []record.Labelled
	for _, l := range r.consistent {
		if count(l, cnt.Faithful, cnt.Hallucinated, cnt.Uncertain) && setOf(l.Source) == "id" && split.ByGroupHash(l.GroupKey(), seed) >= frac {
			tr = append(tr, l)
		}
	}
	for _, l := range r.single {
		if !count(l, cnt.SingleFaithful, cnt.SingleHallucinated, cnt.SingleUncertain) {
			continue
		}
		switch {
		case setOf(l.Source) == SetNonExist:
			ne = append(ne, l)
		case split.ByGroupHash(l.GroupKey(), seed) < frac:
			te = append(te, l)
		}
	}
	r.sets = map[string][]record.Labelled{}
	var err error
	if r.sets[setTrain], err = split.Balance(tr, seed); err != nil {
		return fmt.Errorf("demo: train set: %w", err)
	}
	if r.sets[SetTest], err = split.Balance(te, seed+1); err != nil {
		return fmt.Errorf("demo: test set: %w", err)
	}
	if r.sets[SetNonExist], err = split.Balance(ne, seed+2); err != nil {
		r.sets[SetNonExist] = ne
	}
	tally := func(rs []record.Labelled, f, h *int) {
		for _, l := range rs {
			if l.Label == record.Faithful {
				*f++
			} else {
				*h++
			}
		}
	}
	tally(r.sets[setTrain], &cnt.TrainFaithful, &cnt.TrainHallucinated)
	tally(r.sets[SetTest], &cnt.TestFaithful, &cnt.TestHallucinated)
	tally(r.sets[SetNonExist], &cnt.NonExistFaithful, &cnt.NonExistHallucinated)
	r.det.Counts = cnt

	if err := os.MkdirAll(r.path(splitsDir), 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for name, from := range map[string]string{setTrain: labelledFile, SetTest: singleFile, SetNonExist: singleFile} {
		in, err := record.InputOf("labelled", r.path(from))
		if err != nil {
			return err
		}
		prov := record.New("demo split", map[string]string{"seed": strconv.FormatUint(seed, 10),
			"test-fraction": strconv.FormatFloat(frac, 'g', -1, 64), "side": name}).WithInput(in)
		if err := split.Write(r.path(splitsDir, name+".jsonl"), &prov, r.sets[name]); err != nil {
			return err
		}
	}
	return nil
}

// extract computes the answer and other regions' CETT of every set
// (resumable).
func (r *run) extract(ctx context.Context) error {
	regions := []string{features.RegionAnswer, features.RegionOther}
	for _, name := range []string{setTrain, SetTest, SetNonExist} {
		in, err := record.InputOf("labelled", r.path(splitsDir, name+".jsonl"))
		if err != nil {
			return err
		}
		s := r.sets[name]
		r.emit("extract "+name, 0, len(s))
		if _, err := extract.Run(ctx, r.m, r.tok, s, r.path(featuresDir, name), extract.Options{
			Regions: regions, Input: in, Fresh: r.o.Fresh,
			Progress: func(p extract.Progress) { r.emit("extract "+name, p.Done+p.Skipped, p.Total+p.Skipped) },
		}); err != nil {
			return err
		}
	}
	return nil
}

// train fits the L1 probe on the train set (C by grouped cross-validation)
// and scores it on the test set's answer rows.
func (r *run) train(ctx context.Context) error {
	r.emit("probe", 0, len(r.o.Grid))
	var err error
	if r.trainSet, err = probe.LoadDataset(r.path(featuresDir, setTrain), r.o.Mode); err != nil {
		return err
	}
	r.eval = map[string]*probe.Dataset{}
	for _, name := range evalSets {
		if r.eval[name], err = probe.LoadEvalDataset(r.path(featuresDir, name)); err != nil {
			return err
		}
	}
	if r.pr, err = probe.TrainCV(ctx, r.trainSet, r.eval[SetTest], r.o.Mode,
		probe.Options{Penalty: probe.L1, Seed: r.o.Seed}, r.o.Grid, r.o.Folds, r.o.Boot, nil); err != nil {
		return fmt.Errorf("demo: probe: %w", err)
	}
	prov := record.New("train", map[string]string{"mode": string(r.o.Mode), "penalty": string(probe.L1),
		"C-grid": r.det.Provenance.Options["C-grid"], "folds": strconv.Itoa(r.o.Folds), "seed": strconv.FormatUint(r.o.Seed, 10)})
	for _, set := range []struct{ role, name string }{{"train features", setTrain}, {"test features", SetTest}} {
		in, err := features.InputOf(set.role, r.path(featuresDir, set.name))
		if err != nil {
			return err
		}
		prov = prov.WithInput(in)
	}
	r.pr.Provenance = &prov
	r.det.C, r.det.CV = r.pr.C, r.pr.CV
	r.sum = &Summary{Model: r.o.ModelName, HNeurons: r.pr.HNeurons, TotalNeurons: r.pr.Columns, Sets: map[string]SetSummary{}}
	if r.sum.HNeurons == nil {
		r.sum.HNeurons = []probe.Neuron{}
	}
	return r.pr.Save(r.path(probeFile))
}

// evaluate scores the probe on every evaluation set against random-neuron
// baselines, within each question attribute, and by the transfer check.
func (r *run) evaluate(ctx context.Context) error {
	trainRows, err := readAnswerRows(r.path(featuresDir, setTrain), r.facts)
	if err != nil {
		return err
	}
	evalGroups := map[string][]string{}
	r.det.Within = map[string]*Within{}
	for _, name := range evalSets {
		r.emit("evaluate "+name, 0, 0)
		ds := r.eval[name]
		ao := probe.AssessOptions{Folds: r.o.Folds, Boot: r.o.Boot, Seed: r.o.Seed, Balance: true}
		if len(r.pr.HNeurons) > 0 && ds.MaxFolds() >= r.o.Folds {
			ao.Seeds = r.o.BaselineSeeds
		} else {
			r.det.BaselineNotes[name] = fmt.Sprintf("no baseline: %d H-Neurons, %d groups hold the rarer class (need %d folds)",
				len(r.pr.HNeurons), ds.MaxFolds(), r.o.Folds)
		}
		rep, err := probe.Assess(ctx, r.pr, ds, ao)
		if err != nil {
			return fmt.Errorf("demo: evaluating %s: %w", name, err)
		}
		r.det.Reports[name] = rep
		s := SetSummary{N: rep.Metrics.N, Accuracy: float64(rep.Metrics.Accuracy.Value), AUROC: float64(rep.Metrics.AUROC.Value),
			BaselineAccuracyMean: math.NaN(), BaselineAUROCMean: math.NaN()}
		if b := rep.Baseline; b != nil {
			s.BaselineAccuracyMean, s.BaselineAUROCMean = float64(b.RandomAccuracyMean), float64(b.RandomAUROCMean)
		}
		r.sum.Sets[name] = s
		rows, err := readAnswerRows(r.path(featuresDir, name), r.facts)
		if err != nil {
			return err
		}
		evalGroups[name] = rows.groups
		scores, err := r.pr.Scores(ds.X)
		if err != nil {
			return fmt.Errorf("demo: evaluating %s: %w", name, err)
		}
		groups, mean := probe.WithinGroups(scores, ds.Labels, evalGroups[name])
		r.det.Within[name] = &Within{Groups: groups, WeightedAUROC: probe.Float(mean),
			AttributeOnlyAUROC: probe.Float(attributeOnlyAUROC(trainRows.labels, trainRows.groups, ds.Labels, evalGroups[name])),
			Popularity:         popularityOnly(trainRows.mentions, trainRows.labels, rows.mentions, ds.Labels),
			// nil outside a StateProb world, where every statements count is 0
			Statements: popularityOnly(trainRows.statements, trainRows.labels, rows.statements, ds.Labels)}
	}
	if len(r.pr.HNeurons) == 0 {
		return nil
	}
	// The transfer check (beyond the paper): restricted classifiers trained
	// on the train set's answer regions, scored on each evaluation set.
	r.emit("transfer check", 0, 0)
	train, err := probe.LoadEvalDataset(r.path(featuresDir, setTrain))
	if err != nil {
		return err
	}
	hcols := make([]int, len(r.pr.HNeurons))
	for i, n := range r.pr.HNeurons {
		hcols[i] = n.Layer*train.Shape.DFF + n.Neuron
	}
	r.det.Transfer = map[string]*probe.Transfer{}
	for _, name := range evalSets {
		if r.det.Transfer[name], err = probe.TransferCheck(ctx, train, r.eval[name], hcols, r.o.BaselineSeeds, r.o.Seed, evalGroups[name]); err != nil {
			return err
		}
	}
	return nil
}

// write writes metrics.json, summary.json and summary.txt.
func (r *run) write() error {
	if err := record.WriteJSON(r.path(metricsFile), r.det); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := record.WriteJSON(r.path(summaryFile), r.sum); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := atomicfile.WriteBytes(r.path(summaryText), []byte(Text(r.sum, r.det))); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}
