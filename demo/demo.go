package demo

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"time"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
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
	// BaseModelDir is the base model of the origin stage (default: the
	// shipped base organism when ModelDir is the shipped chat organism;
	// otherwise none, and the stage is left out). NoOrigin leaves it out.
	BaseModelDir string
	NoOrigin     bool
	// NoImpact leaves out the impact stage (the H-Neurons scaled by alpha
	// on the organism's analogue benchmarks; read from impact.jsonl in
	// QuestionsDir). ImpactItems caps the items per benchmark (default
	// 100), ImpactAlphas are the scale factors (default 0, 1, 2, 3),
	// ImpactControls the random sets of each kind (default 2).
	NoImpact       bool
	ImpactItems    int
	ImpactAlphas   []float64
	ImpactControls int
	// Fresh discards the outputs of an earlier run in Out instead of
	// resuming them (a resume needs the same options).
	Fresh bool
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
	// Provenance names the demo's options and the model, as every output
	// file of the run does for its own stage.
	Provenance    *record.Provenance       `json:"provenance,omitempty"`
	Options       Options                  `json:"options"`
	Counts        Counts                   `json:"counts"`
	C             float64                  `json:"C"`
	CV            []probe.CVPoint          `json:"cv"`
	Reports       map[string]*probe.Report `json:"reports"`
	BaselineNotes map[string]string        `json:"baseline_notes,omitempty"`
	// Transfer is the transfer check by set (beyond the paper; see
	// probe.Transfer), absent without H-Neurons.
	Transfer map[string]*probe.Transfer `json:"transfer,omitempty"`
	// Within is the probe's AUROC within each question attribute, by set
	// (a confound check beyond the paper; see Within).
	Within map[string]*Within `json:"within_attribute,omitempty"`
	// Origin is the origin stage, absent without a base model.
	Origin *Origin `json:"origin,omitempty"`
	// Impact is the impact stage, absent with NoImpact.
	Impact *Impact `json:"impact,omitempty"`
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
			if o.BaseModelDir == "" {
				o.BaseModelDir = filepath.Join(dir, shipped.Base)
			}
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
	if o.ImpactItems <= 0 {
		o.ImpactItems = defaultImpactItems
	}
	if len(o.ImpactAlphas) == 0 {
		o.ImpactAlphas = DefaultImpactAlphas
	}
	if o.ImpactControls <= 0 {
		o.ImpactControls = defaultControls
	}
	return nil
}

// Run executes the chain and writes into o.Out:
//
//	responses.jsonl        collect's samples (record.Collected)
//	labelled.jsonl         label's records
//	labelled-single.jsonl  the first sample of every question judged alone
//	splits/                train.jsonl, test.jsonl, nonexist.jsonl (balanced, by person)
//	features/              one CETT store (answer, other regions) per split
//	probe.json             the L1 probe (C chosen by grouped CV on train)
//	metrics.json           Details: counts, C path, metrics with bootstrap intervals, baselines
//	summary.json           Summary
//	summary.txt            Text(summary, details)
//	impact/                the impact stage (intervene: sets.json, records.jsonl, summary.json, summary.txt)
//
// Every file carries its provenance; a rerun resumes the sampling, the
// labels and the features when its options are those the files were made
// with, and stops with an error naming the first difference otherwise
// (unless o.Fresh). progress, when not nil, receives stage events.
func Run(ctx context.Context, o Options, progress func(Event)) (*Summary, *Details, error) {
	start := time.Now()
	if err := o.defaults(); err != nil {
		return nil, nil, err
	}
	r := &run{o: o, start: start, progress: progress}
	if err := r.open(); err != nil {
		return nil, nil, err
	}
	defer r.m.Close()
	steps := []func(context.Context) error{r.sample, r.judge, r.split, r.extract, r.train, r.evaluate, r.origin, r.impact}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, nil, err
		}
	}
	r.sum.Seconds = time.Since(start).Seconds()
	if err := r.write(); err != nil {
		return nil, nil, err
	}
	r.emit("done", 1, 1)
	return r.sum, r.det, nil
}
