package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
)

// organismDataset writes the first n in-distribution questions of the
// shipped organism as a JSONL dataset (the person as the group, the
// paper's suffix removed: collect adds it) and returns the shipped folder.
func organismDataset(t *testing.T, n int) (dir, dataset string) {
	t.Helper()
	dir, err := shipped.Dir()
	if err != nil {
		t.Fatal(err)
	}
	qs, err := world.ReadQuestions(filepath.Join(dir, shipped.Questions, shipped.IDQuestions))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, q := range qs[:n] {
		enc.Encode(datasets.Record{ID: q.ID, Question: strings.TrimSuffix(q.Question, datasets.PromptSuffix), Answers: q.Answers,
			Source: "organism-id", Group: q.Person})
	}
	dataset = filepath.Join(t.TempDir(), "organism.jsonl")
	if err := os.WriteFile(dataset, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, dataset
}

// smallConfig is a quick run on the organism: few samples, short answers,
// small grids, few baselines, and the transfer to the base organism.
func smallConfig(organism, dataset string) Config {
	c := Defaults()
	c.Model, c.Dataset = filepath.Join(organism, shipped.Chat), dataset
	c.Collect.Samples, c.Collect.MaxNewTokens = 4, 12
	c.Label.Judge = JudgeOrganism
	c.Split.TestFrac = 0.3
	c.Train.CGrid, c.Train.Folds, c.Train.Bootstrap = []float64{0.3, 1}, 3, 50
	c.Eval.BaselineSeeds, c.Eval.Folds, c.Eval.Bootstrap = 3, 3, 50
	c.Transfer.BaseModel, c.Transfer.BaselineSeeds, c.Transfer.Bootstrap = filepath.Join(organism, shipped.Base), 3, 50
	return c
}

func actions(steps []Step) map[string]Action {
	out := map[string]Action{}
	for _, s := range steps {
		out[s.Stage] = s.Action
	}
	return out
}

func wantActions(t *testing.T, what string, steps []Step, want map[string]Action) {
	t.Helper()
	got := actions(steps)
	for st, a := range want {
		if got[st] != a {
			t.Errorf("%s: stage %s: %s, want %s (plan %+v)", what, st, got[st], a, steps)
		}
	}
}

// sameContent compares a JSONL output of two runs: the provenance digests
// (which leave out paths) and every record line.
func sameContent(t *testing.T, a, b, rel string) {
	t.Helper()
	pa, err := record.ReadHeader(filepath.Join(a, rel))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := record.ReadHeader(filepath.Join(b, rel))
	if err != nil {
		t.Fatal(err)
	}
	if pa == nil || pb == nil || pa.Digest() != pb.Digest() {
		t.Errorf("%s: provenance differs: %+v vs %+v", rel, pa, pb)
	}
	body := func(dir string) []byte {
		bs, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := bytes.Cut(bs, []byte("\n"))
		return rest
	}
	if !bytes.Equal(body(a), body(b)) {
		t.Errorf("%s: records differ between the uninterrupted and the resumed run", rel)
	}
}

// The whole chain on the shipped organism: a run makes every output and
// the report; a rerun skips everything; a run killed in collect and again
// in extract and resumed gives the same records, features and probe as the
// uninterrupted one; a changed option reruns its stage and the later ones
// only; --from and --until do what they say.
func TestRunOrganism(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the organism run takes about half a minute")
	}
	organism, dataset := organismDataset(t, 400)
	cfg := smallConfig(organism, dataset)
	ctx := context.Background()

	a := t.TempDir()
	steps, err := Run(ctx, cfg, Options{Dir: a})
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, "first run", steps, map[string]Action{StageCollect: ActionRun, StageLabel: ActionRun, StageSplit: ActionRun,
		StageExtract: ActionRun, StageTrain: ActionRun, StageEval: ActionRun, StageTransfer: ActionRun, StageReport: ActionRun})
	for _, f := range []string{ConfigFile, ResponsesFile, LabelledFile, "splits/train.jsonl", "splits/test.jsonl", "features/train/index.json",
		"features/test/index.json", ProbeFile, EvalFile, "origin/transfer/transfer.json", MetricsFile, SummaryFile, "report.html"} {
		if _, err := os.Stat(filepath.Join(a, f)); err != nil {
			t.Errorf("first run: %v", err)
		}
	}
	back, err := LoadConfig(filepath.Join(a, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if keyOf("all", keyOptionsAll(back.Train)) != keyOf("all", keyOptionsAll(cfg.Train)) || back.Transfer != cfg.Transfer || back.Model != cfg.Model {
		t.Errorf("run.toml does not give back the config: %+v", back)
	}
	page, err := os.ReadFile(filepath.Join(a, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("<svg")) {
		t.Errorf("report.html has no plot")
	}

	// The dry run's disk estimate bounds what the run wrote.
	est, err := EstimateCost(ctx, cfg, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	var feat int64
	for _, set := range []string{SetTrain, SetTest} {
		st, err := os.Stat(filepath.Join(a, FeaturesDir, set, "features.f32"))
		if err != nil {
			t.Fatal(err)
		}
		feat += st.Size()
	}
	resp, err := os.Stat(filepath.Join(a, ResponsesFile))
	if err != nil {
		t.Fatal(err)
	}
	if est.Questions != 400 || est.ResponsesBytes < resp.Size() || est.FeaturesBytes < feat || est.PrefillTPS <= 0 || est.DecodeTPS <= 0 {
		t.Errorf("estimate %+v: want 400 questions and at least %d bytes of responses, %d of features", est, resp.Size(), feat)
	}
	t.Logf("estimate: collect %.1f s (ran %v), responses %d bytes (wrote %d), features %d bytes (wrote %d)",
		est.CollectSeconds, steps[0].Elapsed, est.ResponsesBytes, resp.Size(), est.FeaturesBytes, feat)

	steps, err = Run(ctx, cfg, Options{Dir: a})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.Action != ActionSkip {
			t.Errorf("second run: %s %s (%s), want skip", s.Stage, s.Action, s.Reason)
		}
	}

	// Killed twice, resumed: the same outputs.
	b := t.TempDir()
	kill := func(stage string, after int) error {
		kctx, cancel := context.WithCancel(ctx)
		defer cancel()
		_, err := Run(kctx, cfg, Options{Dir: b, Progress: func(st string, done, total int) {
			if st == stage && done >= after {
				cancel()
			}
		}})
		return err
	}
	if err := kill(StageCollect, 150); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed in collect: %v", err)
	}
	if n := countLines(t, filepath.Join(b, ResponsesFile)); n < 100 || n > 399 {
		t.Fatalf("killed in collect: %d lines, want a part of the 400 questions", n)
	}
	if err := kill(StageExtract+" "+SetTrain, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed in extract: %v", err)
	}
	plan, err := Plan(ctx, cfg, Options{Dir: b})
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, "plan after the kill", plan, map[string]Action{StageCollect: ActionSkip, StageSplit: ActionSkip, StageExtract: ActionResume, StageTrain: ActionRun})
	steps, err = Run(ctx, cfg, Options{Dir: b})
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, "resume", steps, map[string]Action{StageCollect: ActionSkip, StageLabel: ActionSkip, StageExtract: ActionResume, StageTrain: ActionRun})
	for _, f := range []string{ResponsesFile, LabelledFile, "splits/train.jsonl", "splits/test.jsonl"} {
		sameContent(t, a, b, f)
	}
	for _, set := range []string{"features/train", "features/test"} {
		fa, _ := os.ReadFile(filepath.Join(a, set, "features.f32"))
		fb, _ := os.ReadFile(filepath.Join(b, set, "features.f32"))
		if len(fa) == 0 || !bytes.Equal(fa, fb) {
			t.Errorf("%s: features differ after kill and resume (%d vs %d bytes)", set, len(fa), len(fb))
		}
	}
	pa, err := probe.Load(filepath.Join(a, ProbeFile))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := probe.Load(filepath.Join(b, ProbeFile))
	if err != nil {
		t.Fatal(err)
	}
	if pa.C != pb.C || len(pa.HNeurons) != len(pb.HNeurons) || pa.Objective != pb.Objective {
		t.Errorf("probes differ: C %g/%g, %d/%d H-Neurons, objective %g/%g", pa.C, pb.C, len(pa.HNeurons), len(pb.HNeurons), pa.Objective, pb.Objective)
	}
	t.Logf("organism run: C=%g, %d H-Neurons, test AUROC %.3f", pa.C, len(pa.HNeurons), pa.Test.AUROC.Value)

	// A changed label option reruns label and everything after it, not collect.
	changedCfg := cfg
	changedCfg.Label.MinAgree = 3
	plan, err = Plan(ctx, changedCfg, Options{Dir: a})
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, "plan with min-agree 3", plan, map[string]Action{StageCollect: ActionSkip, StageLabel: ActionRedo, StageSplit: ActionRedo, StageReport: ActionRedo})
	for _, s := range plan {
		if s.Stage == StageLabel && !strings.Contains(s.Reason, "min-agree 0 -> 3") {
			t.Errorf("label's reason %q does not name the option", s.Reason)
		}
	}
	steps, err = Run(ctx, changedCfg, Options{Dir: a, Until: StageSplit})
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, "min-agree 3 until split", steps, map[string]Action{StageCollect: ActionSkip, StageLabel: ActionRedo, StageSplit: ActionRedo,
		StageExtract: ActionOff, StageReport: ActionOff})
	// The changed split reruns extract (its upstream changed) though
	// extract's own options did not.
	steps, err = Run(ctx, changedCfg, Options{Dir: a})
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, "min-agree 3 to the end", steps, map[string]Action{StageLabel: ActionSkip, StageSplit: ActionSkip, StageExtract: ActionRedo,
		StageTrain: ActionRedo, StageReport: ActionRedo})

	// --from eval reruns eval and the later stages only.
	steps, err = Run(ctx, changedCfg, Options{Dir: a, From: StageEval})
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, "--from eval", steps, map[string]Action{StageTrain: ActionSkip, StageEval: ActionRedo, StageTransfer: ActionRedo, StageReport: ActionRedo})
	// --from with a stale earlier stage is refused.
	if _, err := Run(ctx, cfg, Options{Dir: a, From: StageTrain}); err == nil || !strings.Contains(err.Error(), "not current") {
		t.Errorf("--from train with a changed label option: %v", err)
	}

	// An output removed by hand is noticed and its stage redone.
	if err := os.Remove(filepath.Join(a, EvalFile)); err != nil {
		t.Fatal(err)
	}
	plan, err = Plan(ctx, changedCfg, Options{Dir: a})
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, "eval.json removed", plan, map[string]Action{StageTrain: ActionSkip, StageEval: ActionRedo, StageReport: ActionRedo})
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}
