package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/demo"
	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/internal/version"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/origin"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/report"
	"github.com/hneurons/hneurons/split"
)

// File and folder names inside a run folder (the report's layout, shared
// with the demo, so hneurons report reads either).
const (
	ResponsesFile = "responses.jsonl"
	LabelledFile  = "labelled.jsonl"
	SplitsDir     = "splits"
	FeaturesDir   = "features"
	ProbeFile     = "probe.json"
	EvalFile      = "eval.json"
	TransferDir   = "origin/transfer"
	TransferFile  = "transfer.json"
	MetricsFile   = "metrics.json"
	SummaryFile   = "summary.json"
)

// The two sides of the split.
const (
	SetTrain = "train"
	SetTest  = "test"
)

// stage is one step of the chain: the options its key covers, what else
// it reads (models, dataset, earlier stages), what it writes (relative to
// the run folder) and how it runs (fresh: discard what an earlier run left).
type stage struct {
	name     string
	needs    []string // "model", "base-model", "dataset"
	upstream []string
	outputs  []string
	options  func(Config) map[string]string
	run      func(r *runner, ctx context.Context, fresh bool) error
}

func allStages() []*stage {
	splitFile := func(set string) string { return filepath.Join(SplitsDir, set+".jsonl") }
	return []*stage{
		{name: StageCollect, needs: []string{"model", "dataset"}, outputs: []string{ResponsesFile},
			options: func(c Config) map[string]string {
				o := keyOptions(c.Collect)
				o["seed"], o["model-name"] = strconv.FormatUint(c.Seed, 10), c.ModelName
				return o
			}, run: (*runner).collect},
		{name: StageLabel, upstream: []string{StageCollect}, outputs: []string{LabelledFile},
			options: func(c Config) map[string]string { return keyOptions(c.Label) }, run: (*runner).label},
		{name: StageSplit, upstream: []string{StageLabel}, outputs: []string{splitFile(SetTrain), splitFile(SetTest)},
			options: func(c Config) map[string]string {
				o := keyOptions(c.Split)
				o["seed"] = strconv.FormatUint(c.Seed, 10)
				return o
			}, run: (*runner).split},
		{name: StageExtract, needs: []string{"model"}, upstream: []string{StageSplit},
			outputs: []string{filepath.Join(FeaturesDir, SetTrain), filepath.Join(FeaturesDir, SetTest)},
			options: func(c Config) map[string]string { return keyOptions(c.Extract) }, run: (*runner).extract},
		{name: StageTrain, upstream: []string{StageExtract}, outputs: []string{ProbeFile},
			options: func(c Config) map[string]string {
				o := keyOptions(c.Train)
				o["seed"] = strconv.FormatUint(c.Seed, 10)
				return o
			}, run: (*runner).train},
		{name: StageEval, upstream: []string{StageTrain}, outputs: []string{EvalFile},
			options: func(c Config) map[string]string {
				o := keyOptions(c.Eval)
				o["seed"] = strconv.FormatUint(c.Seed, 10)
				return o
			}, run: (*runner).eval},
		{name: StageTransfer, needs: []string{"base-model"}, upstream: []string{StageTrain},
			outputs: []string{filepath.Join(TransferDir, TransferFile)},
			options: func(c Config) map[string]string {
				o := keyOptions(c.Transfer)
				o["seed"] = strconv.FormatUint(c.Seed, 10)
				return o
			}, run: (*runner).transfer},
		{name: StageReport, upstream: []string{StageEval, StageTransfer}, outputs: []string{MetricsFile, SummaryFile, report.File},
			options: func(c Config) map[string]string { return map[string]string{"model-name": c.ModelName} }, run: (*runner).report},
	}
}

// enabled reports whether a stage is part of the run.
func (c Config) enabled(stage string) bool {
	switch stage {
	case StageTransfer:
		return c.Transfer.BaseModel != ""
	case StageReport:
		return c.Report.Enabled
	}
	return true
}

func versionString() string { return version.Version }

// collectOptions returns the collect library's options for c.
func (c Config) collectOptions() collect.Options {
	k := c.Collect
	return collect.Options{Samples: k.Samples, MaxQuestions: k.MaxQuestions, PromptFormat: k.PromptFormat, Seed: c.Seed, Batch: k.Batch,
		Decoding:  record.Decoding{Temperature: k.Temperature, TopP: k.TopP, TopK: k.TopK, MaxNewTokens: k.MaxNewTokens},
		ModelName: c.ModelName, Input: record.Input{Path: c.Dataset}}
}

func (r *runner) collect(ctx context.Context, fresh bool) error {
	recs, _, err := datasets.Load(r.cfg.Dataset, datasets.Options{DedupeIDs: true})
	if err != nil {
		return err
	}
	opt := r.cfg.collectOptions()
	opt.Fresh = fresh
	opt.Progress = func(p collect.Progress) { r.progress(StageCollect, p.Done+p.Skipped, p.Total+p.Skipped) }
	st, err := collect.Run(ctx, r.m, r.tok, recs, r.path(ResponsesFile), opt)
	if err == nil && st.Written+st.Skipped == 0 {
		err = fmt.Errorf("no question could be asked (%d too long for the context, %d empty prompts)", st.TooLong, st.EmptyPrompt)
	}
	return err
}

// judge returns the label stage's judge and a function that releases it.
func (r *runner) judge() (label.Judge, func(), error) {
	l := r.cfg.Label
	switch l.Judge {
	case JudgeOrganism:
		return demo.Judge{}, func() {}, nil
	case JudgeLLM:
		cachePath := l.JudgeCache
		if cachePath == "" {
			cachePath = r.path(LabelledFile + ".judge-cache.jsonl")
		}
		cache, err := label.OpenCache(cachePath)
		if err != nil {
			return nil, nil, err
		}
		return &label.LLMJudge{URL: l.JudgeURL, Model: l.JudgeModel, APIKey: os.Getenv(l.JudgeKeyEnv),
			Timeout: l.JudgeTimeout.Duration, MaxAttempts: l.JudgeAttempts, Cache: cache}, func() { cache.Close() }, nil
	}
	return label.RuleJudge{}, func() {}, nil
}

func (r *runner) label(ctx context.Context, fresh bool) error {
	judge, release, err := r.judge()
	if err != nil {
		return err
	}
	defer release()
	total := 0
	if _, err := record.Scan(r.path(ResponsesFile), func(int, []byte) error { total++; return nil }); err != nil {
		return err
	}
	l := r.cfg.Label
	_, err = label.Run(ctx, label.RunOptions{In: r.path(ResponsesFile), Out: r.path(LabelledFile), Judge: judge, Fresh: fresh,
		Options: label.Options{MinAgree: l.MinAgree, JudgeErrorsUncertain: l.JudgeErrors == "uncertain", Workers: l.JudgeWorkers,
			RefusalCorrect: l.RefusalCorrect},
		Progress: func(c label.Counts, _ time.Duration) { r.progress(StageLabel, c.Seen, total) },
	})
	return err
}

func (r *runner) split(context.Context, bool) error {
	in := r.path(LabelledFile)
	recs, _, err := record.ReadLabelled(in)
	if err != nil {
		return err
	}
	ex := split.NewExclusion()
	for _, spec := range r.cfg.Split.Exclude {
		if _, err := ex.AddSpec(spec); err != nil {
			return fmt.Errorf("split.exclude: %w", err)
		}
	}
	s := r.cfg.Split
	opt := split.Options{TestSize: s.TestSize, TestFrac: s.TestFrac, Seed: r.cfg.Seed, Balance: s.Balance}
	train, test, _, err := split.Split(recs, ex, opt)
	if err != nil {
		return err
	}
	trp, tep, err := split.Provenance(in, s.Exclude, opt)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.path(SplitsDir), 0o755); err != nil {
		return err
	}
	if err := split.Write(r.path(SplitsDir, SetTest+".jsonl"), &tep, test); err != nil {
		return err
	}
	return split.Write(r.path(SplitsDir, SetTrain+".jsonl"), &trp, train)
}

func (r *runner) extract(ctx context.Context, fresh bool) error {
	e := r.cfg.Extract
	agg, err := extract.ParseAgg(e.Agg)
	if err != nil {
		return err
	}
	for _, set := range []string{SetTrain, SetTest} {
		in := r.path(SplitsDir, set+".jsonl")
		recs, _, err := record.ReadLabelled(in)
		if err != nil {
			return err
		}
		input, err := record.InputOf("labelled", in)
		if err != nil {
			return err
		}
		name := StageExtract + " " + set
		r.progress(name, 0, 0)
		if _, err := extract.Run(ctx, r.m, r.tok, recs, r.path(FeaturesDir, set), extract.Options{
			Regions: e.Regions, Agg: agg, Batch: e.Batch, BatchTokens: e.BatchTokens, Input: input, Fresh: fresh,
			Progress: func(p extract.Progress) { r.progress(name, p.Done+p.Skipped, p.Total+p.Skipped) },
		}); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) train(ctx context.Context, _ bool) error {
	t := r.cfg.Train
	mode, err := probe.ParseMode(t.Mode)
	if err != nil {
		return err
	}
	pen, err := probe.ParsePenalty(t.Penalty)
	if err != nil {
		return err
	}
	trainDir, testDir := r.path(FeaturesDir, SetTrain), r.path(FeaturesDir, SetTest)
	train, err := probe.LoadDataset(trainDir, mode)
	if err != nil {
		return err
	}
	test, err := probe.LoadEvalDataset(testDir)
	if err != nil {
		return err
	}
	opt := probe.Options{Penalty: pen, C: t.C, Tol: t.Tol, Threads: t.Threads, Seed: r.cfg.Seed}
	var pr *probe.Probe
	// The options recorded are those hneurons train records, by its flag names.
	popts := map[string]string{"mode": string(mode), "penalty": string(pen), "tol": canonical(t.Tol), "seed": strconv.FormatUint(r.cfg.Seed, 10)}
	if len(t.CGrid) > 0 {
		popts["C-grid"], popts["folds"] = canonical(t.CGrid), strconv.Itoa(t.Folds)
		pr, err = probe.TrainCV(ctx, train, test, mode, opt, t.CGrid, t.Folds, t.Bootstrap, nil)
	} else {
		popts["C"] = canonical(t.C)
		pr, err = probe.Train(ctx, train, test, mode, opt, t.Bootstrap)
	}
	if err != nil {
		return err
	}
	prov := record.New("train", popts)
	for _, in := range []struct{ role, dir string }{{"train features", trainDir}, {"test features", testDir}} {
		i, err := features.InputOf(in.role, in.dir)
		if err != nil {
			return err
		}
		prov = prov.WithInput(i)
	}
	pr.Provenance = &prov
	return pr.Save(r.path(ProbeFile))
}

// EvalReport is eval.json: what hneurons eval --out writes, with the
// reason when no random-neuron baseline could be drawn.
type EvalReport struct {
	Provenance   record.Provenance `json:"provenance"`
	BaselineNote string            `json:"baseline_note,omitempty"`
	*probe.Report
}

func (r *runner) eval(ctx context.Context, _ bool) error {
	v := r.cfg.Eval
	pr, err := probe.Load(r.path(ProbeFile))
	if err != nil {
		return err
	}
	testDir := r.path(FeaturesDir, SetTest)
	ds, err := probe.LoadEvalDataset(testDir)
	if err != nil {
		return err
	}
	ao := probe.AssessOptions{Folds: v.Folds, Boot: v.Bootstrap, Seed: r.cfg.Seed, Balance: v.Balance, Baseline: v.Baseline, BaselineC: v.BaselineC}
	note := ""
	if v.BaselineSeeds > 0 {
		if len(pr.HNeurons) > 0 && ds.MaxFolds() >= v.Folds {
			ao.Seeds = v.BaselineSeeds
		} else {
			note = fmt.Sprintf("no baseline: %d H-Neurons, %d groups hold the rarer class (need %d folds)", len(pr.HNeurons), ds.MaxFolds(), v.Folds)
		}
	}
	r.progress(StageEval, 0, 0)
	rep, err := probe.Assess(ctx, pr, ds, ao)
	if err != nil {
		return err
	}
	prov := record.New("eval", map[string]string{"baseline-seeds": strconv.Itoa(ao.Seeds), "folds": strconv.Itoa(v.Folds),
		"bootstrap": strconv.Itoa(v.Bootstrap), "seed": strconv.FormatUint(r.cfg.Seed, 10), "balance": strconv.FormatBool(v.Balance),
		"baseline": v.Baseline, "baseline-C": canonical(v.BaselineC)})
	pin, err := record.InputOf("probe", r.path(ProbeFile))
	if err != nil {
		return err
	}
	fin, err := features.InputOf("features", testDir)
	if err != nil {
		return err
	}
	prov = prov.WithInput(pin).WithInput(fin)
	return record.WriteJSON(r.path(EvalFile), EvalReport{Provenance: prov, BaselineNote: note, Report: rep})
}

// transferReport is origin/transfer/transfer.json (as hneurons transfer
// writes it).
type transferReport struct {
	Provenance record.Provenance `json:"provenance"`
	*origin.TransferResult
}

func (r *runner) transfer(ctx context.Context, fresh bool) error {
	tc := r.cfg.Transfer
	pr, err := probe.Load(r.path(ProbeFile))
	if err != nil {
		return err
	}
	if err := origin.CheckLayout(pr, r.base); err != nil {
		return fmt.Errorf("transfer.base-model: %w", err)
	}
	in := r.path(SplitsDir, SetTest+".jsonl")
	recs, _, err := record.ReadLabelled(in)
	if err != nil {
		return err
	}
	input, err := record.InputOf("labelled", in)
	if err != nil {
		return err
	}
	train, err := probe.LoadEvalDataset(r.path(FeaturesDir, SetTrain))
	if err != nil {
		return err
	}
	// The base model shares the instruct model's tokenizer (origin's rule).
	if err := r.model(); err != nil {
		return err
	}
	res, err := origin.Transfer(ctx, origin.TransferOptions{
		Base: r.base, Tok: r.tok, Probe: pr, Records: recs, KeepFormat: tc.KeepFormat, Train: train, Seeds: tc.BaselineSeeds,
		Boot: tc.Bootstrap, Seed: r.cfg.Seed, Balance: tc.Balance, Dir: r.path(TransferDir, FeaturesDir), Input: input, Fresh: fresh,
		Progress: func(p origin.ExtractProgress) { r.progress(StageTransfer, p.Done+p.Skipped, p.Total+p.Skipped) },
	})
	if err != nil {
		return err
	}
	prov := record.New("transfer", map[string]string{"baseline-seeds": strconv.Itoa(tc.BaselineSeeds), "bootstrap": strconv.Itoa(tc.Bootstrap),
		"seed": strconv.FormatUint(r.cfg.Seed, 10), "balance": strconv.FormatBool(tc.Balance), "keep-format": strconv.FormatBool(tc.KeepFormat)}).
		WithModel(res.BaseModel, r.base.Path)
	pin, err := record.InputOf("probe", r.path(ProbeFile))
	if err != nil {
		return err
	}
	tin, err := features.InputOf("train features", r.path(FeaturesDir, SetTrain))
	if err != nil {
		return err
	}
	prov = prov.WithInput(pin).WithInput(input).WithInput(tin)
	return record.WriteJSON(r.path(TransferDir, TransferFile), transferReport{Provenance: prov, TransferResult: res})
}

// metrics is metrics.json, in the shape the report reads (demo.Details'
// keys): the run's provenance and options, the probe's C and C path, the
// evaluation reports and the origin study.
type metrics struct {
	Provenance    *record.Provenance       `json:"provenance"`
	Options       map[string]string        `json:"options"`
	C             float64                  `json:"C"`
	CV            []probe.CVPoint          `json:"cv"`
	Reports       map[string]*probe.Report `json:"reports"`
	BaselineNotes map[string]string        `json:"baseline_notes,omitempty"`
	Origin        *metricsOrigin           `json:"origin,omitempty"`
}

type metricsOrigin struct {
	BaseModel string                            `json:"base_model"`
	Transfer  map[string]*origin.TransferResult `json:"transfer"`
}

// summary is summary.json: the model and the H-Neurons.
type summary struct {
	Model        string         `json:"model"`
	HNeurons     []probe.Neuron `json:"h_neurons"`
	TotalNeurons int            `json:"total_neurons"`
}

func (r *runner) report(context.Context, bool) error {
	pr, err := probe.Load(r.path(ProbeFile))
	if err != nil {
		return err
	}
	var ev EvalReport
	if err := readJSON(r.path(EvalFile), &ev); err != nil {
		return err
	}
	opts := map[string]string{}
	for _, sec := range []struct {
		prefix string
		v      any
	}{{"collect.", r.cfg.Collect}, {"label.", r.cfg.Label}, {"split.", r.cfg.Split}, {"extract.", r.cfg.Extract},
		{"train.", r.cfg.Train}, {"eval.", r.cfg.Eval}, {"transfer.", r.cfg.Transfer}} {
		for k, v := range keyOptions(sec.v) {
			opts[sec.prefix+k] = v
		}
	}
	opts["seed"], opts["model"], opts["dataset"] = strconv.FormatUint(r.cfg.Seed, 10), r.cfg.Model, r.cfg.Dataset
	m := metrics{Provenance: pr.Provenance, Options: opts, C: pr.C, CV: pr.CV, Reports: map[string]*probe.Report{SetTest: ev.Report}}
	if ev.BaselineNote != "" {
		m.BaselineNotes = map[string]string{SetTest: ev.BaselineNote}
	}
	if r.cfg.enabled(StageTransfer) {
		var tr transferReport
		if err := readJSON(r.path(TransferDir, TransferFile), &tr); err != nil {
			return err
		}
		m.Origin = &metricsOrigin{BaseModel: r.cfg.Transfer.BaseModel, Transfer: map[string]*origin.TransferResult{SetTest: tr.TransferResult}}
	}
	if err := record.WriteJSON(r.path(MetricsFile), m); err != nil {
		return err
	}
	name := r.cfg.ModelName
	if name == "" {
		name = r.cfg.Model
	}
	hn := pr.HNeurons
	if hn == nil {
		hn = []probe.Neuron{}
	}
	if err := record.WriteJSON(r.path(SummaryFile), summary{Model: name, HNeurons: hn, TotalNeurons: pr.Columns}); err != nil {
		return err
	}
	_, err = report.Write(r.opt.Dir, "")
	return err
}
