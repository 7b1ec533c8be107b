package demo

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/split"
	"github.com/hneurons/hneurons/tokenizer"
)

// Set names in Summary.Sets.
const (
	SetTest     = "test"
	SetNonExist = "nonexist"
)

// Options configure Run. Zero values take the documented defaults.
type Options struct {
	// ModelDir is the chat organism (default: the shipped one).
	ModelDir string
	// QuestionsDir holds id.jsonl and nonexist.jsonl (or an organism run's
	// world folder with questions-id.jsonl and questions-nonexist.jsonl);
	// default: the shipped sample.
	QuestionsDir string
	// Out is the report folder (required); a rerun resumes its stages.
	Out string
	// Samples per question (default 10).
	Samples int
	// Seed drives sampling, the split, the probe, bootstrap and baselines.
	Seed uint64
	// MaxID and MaxNonExist cap the questions used, in file order (0: all).
	MaxID, MaxNonExist int
	// MaxNewTokens caps a sampled answer (default 16: the organism's context
	// is 64 tokens and its answers are one to three words).
	MaxNewTokens int
	// MinAgree is label's consistency threshold (default: all samples).
	MinAgree int
	// TestFraction of the people goes to the test set (default 0.3).
	TestFraction float64
	// Mode is the probe's training rows (default 3-vs-1, the paper's).
	Mode probe.Mode
	// Grid is the C grid chosen from by cross-validated accuracy
	// (default 0.03, 0.1, 0.3, 1, 3, 10).
	Grid []float64
	// Folds for the C choice and the baseline (default 5); BaselineSeeds
	// random-neuron subsets of the baseline and of the transfer check
	// (default 100: with 5, their means were off by about 0.01, as much as
	// some margins); Boot bootstrap resamples (default 1000).
	Folds, BaselineSeeds, Boot int
	// PromptFormat is chat.FormatChat (default) or chat.FormatBase.
	PromptFormat string
	// ModelName is recorded in the records and the summary (default ModelDir).
	ModelName string
}

// Event reports progress: a stage name and, where known, items done of total.
type Event struct {
	Stage       string
	Done, Total int
	Elapsed     time.Duration
}

// SetSummary is one evaluation set's line of summary.json.
type SetSummary struct {
	N                    int     `json:"n"`
	Accuracy             float64 `json:"accuracy"`
	AUROC                float64 `json:"auroc"`
	BaselineAccuracyMean float64 `json:"baseline_accuracy_mean"`
	BaselineAUROCMean    float64 `json:"baseline_auroc_mean"`
}

// Summary is summary.json. Metrics that cannot be computed (a set with one
// class only, too few rows for the baseline's folds) are NaN in memory and
// null in the file.
type Summary struct {
	Model        string                `json:"model"`
	HNeurons     []probe.Neuron        `json:"h_neurons"`
	TotalNeurons int                   `json:"total_neurons"`
	Sets         map[string]SetSummary `json:"sets"`
	Seconds      float64               `json:"seconds"`
}

// MarshalJSON writes NaN metrics as null.
func (s SetSummary) MarshalJSON() ([]byte, error) {
	f := func(v float64) any {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	return json.Marshal(map[string]any{"n": s.N, "accuracy": f(s.Accuracy), "auroc": f(s.AUROC),
		"baseline_accuracy_mean": f(s.BaselineAccuracyMean), "baseline_auroc_mean": f(s.BaselineAUROCMean)})
}

// Details is metrics.json: everything behind the summary.
type Details struct {
	Options       Options                  `json:"options"`
	Counts        Counts                   `json:"counts"`
	C             float64                  `json:"C"`
	CV            []probe.CVPoint          `json:"cv"`
	Reports       map[string]*probe.Report `json:"reports"`
	BaselineNotes map[string]string        `json:"baseline_notes,omitempty"`
	// Transfer is the transfer check by set (beyond the paper; see
	// Transfer), absent without H-Neurons.
	Transfer map[string]*Transfer `json:"transfer,omitempty"`
	// Within is the probe's AUROC within each question attribute, by set
	// (a confound check beyond the paper; see Within).
	Within map[string]*Within `json:"within_attribute,omitempty"`
}

// Counts are the question counts along the chain.
type Counts struct {
	Questions    map[string]int `json:"questions"` // by set, asked
	Faithful     map[string]int `json:"faithful_by_set"`
	Hallucinated map[string]int `json:"hallucinated_by_set"`
	Uncertain    map[string]int `json:"uncertain_by_set"`
	// Single* count the one-sample labels of the evaluation sets.
	SingleFaithful       map[string]int `json:"single_faithful_by_set"`
	SingleHallucinated   map[string]int `json:"single_hallucinated_by_set"`
	SingleUncertain      map[string]int `json:"single_uncertain_by_set"`
	TrainFaithful        int            `json:"train_faithful"`
	TrainHallucinated    int            `json:"train_hallucinated"`
	TestFaithful         int            `json:"test_faithful"`
	TestHallucinated     int            `json:"test_hallucinated"`
	NonExistFaithful     int            `json:"nonexist_faithful"`
	NonExistHallucinated int            `json:"nonexist_hallucinated"`
}

func (o *Options) defaults() error {
	if o.Out == "" {
		return errors.New("demo: no output folder")
	}
	if o.ModelDir == "" || o.QuestionsDir == "" {
		dir, err := shipped.Dir()
		if err != nil {
			return err
		}
		if o.ModelDir == "" {
			o.ModelDir = filepath.Join(dir, shipped.Chat)
			if o.ModelName == "" {
				o.ModelName = "shipped organism (chat)"
			}
		}
		if o.QuestionsDir == "" {
			o.QuestionsDir = filepath.Join(dir, shipped.Questions)
		}
	}
	if o.ModelName == "" {
		o.ModelName = o.ModelDir
	}
	if o.Samples <= 0 {
		o.Samples = 10
	}
	if o.MaxNewTokens <= 0 {
		o.MaxNewTokens = 16
	}
	if o.TestFraction <= 0 || o.TestFraction >= 1 {
		o.TestFraction = 0.3
	}
	if o.Mode == "" {
		o.Mode = probe.ThreeVsOne
	}
	if len(o.Grid) == 0 {
		o.Grid = []float64{0.03, 0.1, 0.3, 1, 3, 10}
	}
	if o.Folds <= 0 {
		o.Folds = 5
	}
	if o.BaselineSeeds <= 0 {
		o.BaselineSeeds = 100
	}
	if o.Boot <= 0 {
		o.Boot = 1000
	}
	if o.PromptFormat == "" {
		o.PromptFormat = chat.FormatChat
	}
	return nil
}

// Run executes the chain and writes into o.Out:
//
//	responses.jsonl    collect's samples (record.Collected)
//	labelled.jsonl     label's records
//	splits/            train.jsonl, test.jsonl, nonexist.jsonl (balanced, by person)
//	features/          one CETT store (answer, other regions) per split
//	probe.json         the L1 probe (C chosen by CV on train)
//	metrics.json       counts, CV curve, metrics with bootstrap intervals, baselines
//	summary.json       Summary
//	summary.txt        Text(summary, details)
//
// progress, when not nil, receives stage events.
func Run(ctx context.Context, o Options, progress func(Event)) (*Summary, *Details, error) {
	start := time.Now()
	if err := o.defaults(); err != nil {
		return nil, nil, err
	}
	emit := func(stage string, done, total int) {
		if progress != nil {
			progress(Event{Stage: stage, Done: done, Total: total, Elapsed: time.Since(start)})
		}
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	recs, person, attribute, err := readQuestions(o.QuestionsDir, o.MaxID, o.MaxNonExist)
	if err != nil {
		return nil, nil, err
	}
	m, err := model.Load(o.ModelDir)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	defer m.Close()
	tok, err := tokenizer.Load(m.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}

	// 1. Sample.
	respPath := filepath.Join(o.Out, "responses.jsonl")
	dec := collect.PaperDecoding
	dec.MaxNewTokens = o.MaxNewTokens
	emit("collect", 0, len(recs))
	if _, err := collect.Run(ctx, m, tok, recs, respPath, collect.Options{
		Samples: o.Samples, PromptFormat: o.PromptFormat, Seed: o.Seed, Decoding: dec, ModelName: o.ModelName,
		Progress: func(p collect.Progress) { emit("collect", p.Done+p.Skipped, p.Total+p.Skipped) },
	}); err != nil {
		return nil, nil, err
	}

	// 2. Judge and filter.
	labPath := filepath.Join(o.Out, "labelled.jsonl")
	emit("label", 0, len(recs))
	if _, err := label.Run(ctx, label.RunOptions{In: respPath, Out: labPath, Judge: Judge{},
		Options: label.Options{MinAgree: o.MinAgree}}); err != nil {
		return nil, nil, err
	}
	labelled, _, err := record.ReadLabelled(labPath)
	if err != nil {
		return nil, nil, err
	}
	// Evaluation sets take one sampled response per question, unfiltered
	// (METHOD.md section 2): judge each question's first sample alone.
	emit("label single", 0, len(recs))
	single, err := labelFirstSamples(ctx, respPath)
	if err != nil {
		return nil, nil, err
	}
	if err := split.WriteFile(filepath.Join(o.Out, "labelled-single.jsonl"), single); err != nil {
		return nil, nil, err
	}

	// 3. Split.
	emit("split", 0, 0)
	sp, cnt, err := splitByPerson(labelled, single, person, o.TestFraction, o.Seed)
	if err != nil {
		return nil, nil, err
	}
	cnt.Questions = map[string]int{}
	for _, r := range recs {
		cnt.Questions[setOf(r.Source)]++
	}
	splitDir := filepath.Join(o.Out, "splits")
	if err := os.MkdirAll(splitDir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	names := []string{"train", SetTest, SetNonExist}
	for i, s := range [][]record.Labelled{sp.train, sp.test, sp.nonexist} {
		if err := split.WriteFile(filepath.Join(splitDir, names[i]+".jsonl"), s); err != nil {
			return nil, nil, err
		}
	}

	// 4. CETT features.
	regions := []string{features.RegionAnswer, features.RegionOther}
	for i, s := range [][]record.Labelled{sp.train, sp.test, sp.nonexist} {
		name := names[i]
		emit("extract "+name, 0, len(s))
		if _, err := extract.Run(ctx, m, tok, s, filepath.Join(o.Out, "features", name), extract.Options{
			Regions:  regions,
			Progress: func(p extract.Progress) { emit("extract "+name, p.Done+p.Skipped, p.Total+p.Skipped) },
		}); err != nil {
			return nil, nil, err
		}
	}

	// 5. Probe.
	emit("probe", 0, len(o.Grid))
	trainDS, err := probe.LoadDataset(filepath.Join(o.Out, "features", "train"), o.Mode)
	if err != nil {
		return nil, nil, err
	}
	evalDS := map[string]*probe.Dataset{}
	for _, name := range []string{SetTest, SetNonExist} {
		// Evaluation is per response: answer regions only.
		if evalDS[name], err = probe.LoadDataset(filepath.Join(o.Out, "features", name), probe.OneVsOne); err != nil {
			return nil, nil, err
		}
	}
	pr, err := probe.TrainCV(ctx, trainDS, evalDS[SetTest], o.Mode,
		probe.Options{Penalty: "l1", Seed: o.Seed}, o.Grid, o.Folds, o.Boot, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: probe: %w", err)
	}
	if err := pr.Save(filepath.Join(o.Out, "probe.json")); err != nil {
		return nil, nil, err
	}

	// 6. Evaluate against random neurons.
	det := &Details{Options: o, Counts: cnt, C: pr.C, CV: pr.CV, Reports: map[string]*probe.Report{},
		BaselineNotes: map[string]string{}}
	sum := &Summary{Model: o.ModelName, HNeurons: pr.HNeurons, TotalNeurons: pr.Columns, Sets: map[string]SetSummary{}}
	if sum.HNeurons == nil {
		sum.HNeurons = []probe.Neuron{}
	}
	trainGroups, trainLabels, err := rowGroups(filepath.Join(o.Out, "features", "train"), attribute)
	if err != nil {
		return nil, nil, err
	}
	evalGroups := map[string][]string{}
	for _, name := range []string{SetTest, SetNonExist} {
		emit("evaluate "+name, 0, 0)
		ds := evalDS[name]
		ao := probe.AssessOptions{Folds: o.Folds, Boot: o.Boot, Seed: o.Seed, Balance: true}
		if len(pr.HNeurons) > 0 && minority(ds.Labels) >= o.Folds {
			ao.Seeds = o.BaselineSeeds
		} else {
			det.BaselineNotes[name] = fmt.Sprintf("no baseline: %d H-Neurons, %d rows of the rarer class (need %d)",
				len(pr.HNeurons), minority(ds.Labels), o.Folds)
		}
		rep, err := probe.Assess(ctx, pr, ds, ao)
		if err != nil {
			return nil, nil, fmt.Errorf("demo: evaluating %s: %w", name, err)
		}
		det.Reports[name] = rep
		s := SetSummary{N: rep.Metrics.N, Accuracy: float64(rep.Metrics.Accuracy.Value), AUROC: float64(rep.Metrics.AUROC.Value),
			BaselineAccuracyMean: math.NaN(), BaselineAUROCMean: math.NaN()}
		if b := rep.Baseline; b != nil {
			s.BaselineAccuracyMean, s.BaselineAUROCMean = float64(b.RandomAccuracyMean), float64(b.RandomAUROCMean)
		}
		sum.Sets[name] = s
		if evalGroups[name], _, err = rowGroups(filepath.Join(o.Out, "features", name), attribute); err != nil {
			return nil, nil, err
		}
		scores, err := pr.Scores(ds.X)
		if err != nil {
			return nil, nil, fmt.Errorf("demo: evaluating %s: %w", name, err)
		}
		groups, mean := groupAUROC(scores, ds.Labels, evalGroups[name])
		if det.Within == nil {
			det.Within = map[string]*Within{}
		}
		det.Within[name] = &Within{Groups: groups, WeightedAUROC: probe.Float(mean),
			AttributeOnlyAUROC: probe.Float(attributeOnlyAUROC(trainLabels, trainGroups, ds.Labels, evalGroups[name]))}
	}
	// 7. Transfer check (beyond the paper): restricted classifiers trained on
	// the train set's answer regions, scored on each evaluation set.
	if len(pr.HNeurons) > 0 {
		emit("transfer check", 0, 0)
		train11, err := probe.LoadDataset(filepath.Join(o.Out, "features", "train"), probe.OneVsOne)
		if err != nil {
			return nil, nil, err
		}
		hcols := make([]int, len(pr.HNeurons))
		for i, n := range pr.HNeurons {
			hcols[i] = n.Layer*train11.Shape.DFF + n.Neuron
		}
		det.Transfer = map[string]*Transfer{}
		for _, name := range []string{SetTest, SetNonExist} {
			if det.Transfer[name], err = transferCheck(ctx, train11, evalDS[name], hcols, o.BaselineSeeds, o.Seed, evalGroups[name]); err != nil {
				return nil, nil, err
			}
		}
	}
	sum.Seconds = time.Since(start).Seconds()
	if err := writeJSON(filepath.Join(o.Out, "metrics.json"), det); err != nil {
		return nil, nil, err
	}
	if err := writeJSON(filepath.Join(o.Out, "summary.json"), sum); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Out, "summary.txt"), []byte(Text(sum, det)), 0o644); err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	emit("done", 1, 1)
	return sum, det, nil
}

// Text renders the plain-text summary.
func Text(s *Summary, d *Details) string {
	var b strings.Builder
	c := d.Counts
	fmt.Fprintf(&b, "model: %s\n", s.Model)
	fmt.Fprintf(&b, "questions: %d in-distribution, %d NonExist\n", c.Questions["id"], c.Questions[SetNonExist])
	fmt.Fprintf(&b, "after the consistency filter: id %d faithful / %d hallucinated / %d uncertain; NonExist %d faithful (abstained) / %d hallucinated / %d uncertain\n",
		c.Faithful["id"], c.Hallucinated["id"], c.Uncertain["id"], c.Faithful[SetNonExist], c.Hallucinated[SetNonExist], c.Uncertain[SetNonExist])
	fmt.Fprintf(&b, "one sample per question: id %d faithful / %d hallucinated / %d abstained; NonExist %d abstained (faithful) / %d hallucinated\n",
		c.SingleFaithful["id"], c.SingleHallucinated["id"], c.SingleUncertain["id"], c.SingleFaithful[SetNonExist], c.SingleHallucinated[SetNonExist])
	fmt.Fprintf(&b, "balanced sets, disjoint by person: train %d+%d (consistent), test %d+%d, NonExist %d+%d (one sample; faithful+hallucinated)\n",
		c.TrainFaithful, c.TrainHallucinated, c.TestFaithful, c.TestHallucinated, c.NonExistFaithful, c.NonExistHallucinated)
	fmt.Fprintf(&b, "probe: L1, %s, C=%g chosen by %d-fold CV: %d H-Neurons of %d neurons (%.2f per mille)\n",
		d.Options.Mode, d.C, d.Options.Folds, len(s.HNeurons), s.TotalNeurons, 1000*float64(len(s.HNeurons))/float64(max(s.TotalNeurons, 1)))
	if len(s.HNeurons) > 0 {
		b.WriteString("H-Neurons (layer/neuron: weight), largest first:")
		for i, n := range s.HNeurons {
			if i == 10 {
				fmt.Fprintf(&b, " ... (%d more)", len(s.HNeurons)-10)
				break
			}
			fmt.Fprintf(&b, " %d/%d: %.3g", n.Layer, n.Neuron, n.Weight)
		}
		b.WriteString("\n")
	}
	for _, name := range []string{SetTest, SetNonExist} {
		r := d.Reports[name]
		if r == nil {
			continue
		}
		m := r.Metrics
		fmt.Fprintf(&b, "%-8s n=%d (%d hallucinated): accuracy %.3f [%.3f, %.3f]  AUROC %.3f [%.3f, %.3f]\n", name, m.N, m.Positives,
			m.Accuracy.Value, m.Accuracy.Lo, m.Accuracy.Hi, m.AUROC.Value, m.AUROC.Lo, m.AUROC.Hi)
		if bl := r.Baseline; bl != nil {
			fmt.Fprintf(&b, "         restricted classifiers (%d-fold CV, %d seeds): H-Neurons acc %.3f±%.3f AUROC %.3f±%.3f; random %d neurons acc %.3f±%.3f AUROC %.3f±%.3f\n",
				bl.Folds, len(bl.Random), bl.HNeuronAccuracy, bl.HNeuronAccuracyStd, bl.HNeuronAUROC, bl.HNeuronAUROCStd,
				bl.Neurons, bl.RandomAccuracyMean, bl.RandomAccuracyStd, bl.RandomAUROCMean, bl.RandomAUROCStd)
		} else if n := d.BaselineNotes[name]; n != "" {
			fmt.Fprintf(&b, "         %s\n", n)
		}
		if t := d.Transfer[name]; t != nil {
			fmt.Fprintf(&b, "         transfer check (beyond the paper; L2 trained on train, scored here, %d seeds): H-Neurons acc %.3f AUROC %.3f; random %d neurons acc %.3f±%.3f AUROC %.3f±%.3f\n",
				len(t.RandomAccuracy), t.HNeuronAccuracy, t.HNeuronAUROC, t.Neurons, t.RandomAccuracyMean, t.RandomAccuracyStd, t.RandomAUROCMean, t.RandomAUROCStd)
		}
		if w := d.Within[name]; w != nil && len(w.Groups) > 1 {
			fmt.Fprintf(&b, "         AUROC within attribute (confound check, beyond the paper): probe %.3f", float64(w.WeightedAUROC))
			if t := d.Transfer[name]; t != nil && !math.IsNaN(float64(t.RandomWithinAUROCMean)) {
				fmt.Fprintf(&b, ", transfer-check random %d neurons %.3f±%.3f (max %.3f)", t.Neurons,
					float64(t.RandomWithinAUROCMean), float64(t.RandomWithinAUROCStd), t.RandomWithinAUROCRange[1])
			}
			fmt.Fprintf(&b, "; the attribute alone scores %.3f on the mixed set;", float64(w.AttributeOnlyAUROC))
			for _, g := range w.Groups {
				fmt.Fprintf(&b, " %s %.3f (n=%d, %d hallucinated)", g.Group, float64(g.AUROC), g.N, g.Hallucinated)
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "seconds: %.1f\n", s.Seconds)
	return b.String()
}

// readQuestions reads the id and NonExist question sets of dir as pipeline
// records (the paper suffix removed from the text, since collect adds it)
// and returns each id's person and attribute.
func readQuestions(dir string, maxID, maxNE int) (recs []datasets.Record, person, attribute map[string]string, err error) {
	person, attribute = map[string]string{}, map[string]string{}
	for _, set := range []struct {
		names []string
		limit int
		src   string
	}{
		{[]string{shipped.IDQuestions, "questions-id.jsonl"}, maxID, "organism-id"},
		{[]string{shipped.NonExistQuestions, "questions-nonexist.jsonl"}, maxNE, SourceNonExist},
	} {
		var qs []world.Question
		var err error
		for _, n := range set.names {
			p := filepath.Join(dir, n)
			if _, serr := os.Stat(p); serr != nil {
				err = fmt.Errorf("demo: %s: %w", p, serr)
				continue
			}
			qs, err = world.ReadQuestions(p)
			break
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if set.limit > 0 && len(qs) > set.limit {
			qs = qs[:set.limit]
		}
		for _, q := range qs {
			text := strings.TrimSuffix(q.Question, datasets.PromptSuffix)
			recs = append(recs, datasets.Record{ID: q.ID, Question: text, Answers: q.Answers, Source: set.src})
			person[q.ID] = q.Person
			attribute[q.ID] = q.Attribute
		}
	}
	return recs, person, attribute, nil
}

// setOf maps a record source to its set name ("id" or "nonexist").
func setOf(source string) string {
	if source == SourceNonExist {
		return SetNonExist
	}
	return "id"
}

type splits struct{ train, test, nonexist []record.Labelled }

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

// splitByPerson puts each in-distribution person on one side (test when a
// seeded hash of the name falls below frac). The train side takes the
// person's consistent questions (consistent, the 10-sample filter), the test
// side their single-sample labels (single); NonExist takes the single-sample
// labels of every fabricated person. Each set is balanced with split.Split;
// NonExist keeps every record when it lacks one class.
func splitByPerson(consistent, single []record.Labelled, person map[string]string, frac float64, seed uint64) (splits, Counts, error) {
	cnt := Counts{Faithful: map[string]int{}, Hallucinated: map[string]int{}, Uncertain: map[string]int{},
		SingleFaithful: map[string]int{}, SingleHallucinated: map[string]int{}, SingleUncertain: map[string]int{}}
	count := func(r record.Labelled, f, h, u map[string]int) bool {
		set := setOf(r.Source)
		switch r.Label {
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
	var tr, te, ne []record.Labelled
	for _, r := range consistent {
		if !count(r, cnt.Faithful, cnt.Hallucinated, cnt.Uncertain) {
			continue
		}
		if setOf(r.Source) == "id" && personHash(person[r.ID], seed) >= frac {
			tr = append(tr, r)
		}
	}
	for _, r := range single {
		if !count(r, cnt.SingleFaithful, cnt.SingleHallucinated, cnt.SingleUncertain) {
			continue
		}
		switch {
		case setOf(r.Source) == SetNonExist:
			ne = append(ne, r)
		case personHash(person[r.ID], seed) < frac:
			te = append(te, r)
		}
	}
	var sp splits
	var err error
	if sp.train, err = balance(tr, seed); err != nil {
		return sp, cnt, fmt.Errorf("demo: train set: %w", err)
	}
	if sp.test, err = balance(te, seed+1); err != nil {
		return sp, cnt, fmt.Errorf("demo: test set: %w", err)
	}
	if sp.nonexist, err = balance(ne, seed+2); err != nil {
		sp.nonexist = ne
	}
	tally := func(rs []record.Labelled, f, h *int) {
		for _, r := range rs {
			if r.Label == record.Faithful {
				*f++
			} else {
				*h++
			}
		}
	}
	tally(sp.train, &cnt.TrainFaithful, &cnt.TrainHallucinated)
	tally(sp.test, &cnt.TestFaithful, &cnt.TestHallucinated)
	tally(sp.nonexist, &cnt.NonExistFaithful, &cnt.NonExistHallucinated)
	return sp, cnt, nil
}

// balance keeps as many faithful as hallucinated records (the rarer class
// whole, a seeded sample of the other) through split.Split.
func balance(recs []record.Labelled, seed uint64) ([]record.Labelled, error) {
	nf, nh := 0, 0
	for _, r := range recs {
		if r.Label == record.Faithful {
			nf++
		} else {
			nh++
		}
	}
	k := min(nf, nh)
	if k == 0 {
		return nil, fmt.Errorf("%d faithful and %d hallucinated questions: need both", nf, nh)
	}
	// split.Split gives its test set TestSize/2 of each label.
	// Split returns (train, test): the balanced sample is the test side.
	_, sel, _, err := split.Split(recs, nil, split.Options{TestSize: 2 * k, Seed: seed, Balance: true})
	return sel, err
}

// personHash maps a person's name and the seed to [0, 1).
func personHash(name string, seed uint64) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(name))
	return float64(h.Sum64()>>11) / (1 << 53)
}

// minority returns the count of the rarer label.
func minority(labels []int) int {
	n1 := 0
	for _, l := range labels {
		n1 += l
	}
	return min(n1, len(labels)-n1)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("demo: encoding %s: %w", filepath.Base(path), err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}
