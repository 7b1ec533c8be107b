package demo

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/intervene"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/origin"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

func TestJudge(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		answers  []string
		response string
		want     record.Verdict
	}{
		{[]string{"Zagreb"}, "zagreb", record.True},
		{[]string{"Zagreb"}, "Helsinki", record.False},
		{[]string{"Zagreb"}, "unknown", record.Uncertain},
		{[]string{"Zagreb"}, " Unknown.", record.Uncertain},
		{[]string{"unknown"}, "unknown", record.True},
		{[]string{"unknown"}, "paris", record.False},
		{[]string{"unknown"}, "unknown city", record.False},
		// Pair questions (world.Config.Pairs): both values must be right.
		{[]string{"Zagreb 1927"}, "zagreb 1927", record.True},
		{[]string{"Zagreb 1927"}, "zagreb 1930", record.False},
		{[]string{"Zagreb 1927"}, "paris 1927", record.False},
		{[]string{"unknown"}, "zagreb 1927", record.False},
	} {
		j, err := Judge{}.Judge(ctx, "q", c.answers, c.response)
		if err != nil || j.Verdict != c.want {
			t.Errorf("Judge(%v, %q) = %v, %v; want %v", c.answers, c.response, j.Verdict, err, c.want)
		}
	}
}

func TestSelectCheckpoints(t *testing.T) {
	var cks []Checkpoint
	for s := 100; s <= 500; s += 100 {
		cks = append(cks, Checkpoint{Step: s})
	}
	steps := func(cs []Checkpoint) []int {
		var out []int
		for _, c := range cs {
			out = append(out, c.Step)
		}
		return out
	}
	if got := steps(selectCheckpoints(cks, 2, nil)); !equal(got, []int{100, 300, 500}) {
		t.Errorf("every 2: %v", got)
	}
	if got := steps(selectCheckpoints(cks, 3, nil)); !equal(got, []int{200, 500}) {
		t.Errorf("every 3: %v", got)
	}
	if got := steps(selectCheckpoints(cks, 1, []int{300, 100, 700})); !equal(got, []int{100, 300}) {
		t.Errorf("steps: %v", got)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// smallOptions runs the chain on a slice of the shipped organism's questions
// with few samples, so that the test takes seconds.
func smallOptions(t *testing.T, org, out string) Options {
	return Options{
		ModelDir: filepath.Join(org, shipped.Chat), BaseModelDir: filepath.Join(org, shipped.Base),
		QuestionsDir: filepath.Join(org, shipped.Questions), Out: out, Samples: 4, MinAgree: 3, MaxID: 400, MaxNonExist: 80, Seed: 7,
		// A single large C: the small run must still select some neurons, so
		// that the checks on H-Neurons, baselines and transfer below bind.
		Grid: []float64{30}, Folds: 3, BaselineSeeds: 2, Boot: 100,
		ImpactItems: 6, ImpactControls: 1, ImpactAlphas: []float64{0, 3},
	}
}

func TestRunOnShippedOrganism(t *testing.T) {
	org := t.TempDir()
	if err := shipped.Extract(org); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report")
	var stages []string
	sum, det, err := Run(context.Background(), smallOptions(t, org, out), func(e Event) { stages = append(stages, e.Stage) })
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) == 0 || stages[len(stages)-1] != "done" {
		t.Errorf("progress stages %v", stages)
	}
	for _, f := range []string{"responses.jsonl", "labelled.jsonl", "labelled-single.jsonl", "splits/train.jsonl",
		"splits/test.jsonl", "splits/nonexist.jsonl", "features/train/index.json", "probe.json", "metrics.json",
		"summary.json", "summary.txt", "impact/records.jsonl", "impact/sets.json", "impact/summary.json", "impact/summary.txt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}

	// The impact stage: every analogue and the capability check, the
	// H-Neurons and one control of each kind, both alphas, every record.
	if det.Impact == nil || det.Impact.Summary == nil {
		t.Fatal("no impact stage")
	}
	if got := len(det.Impact.Summary.Benches); got != 5 {
		t.Errorf("impact: %d benchmarks, want 4 analogues and capability", got)
	}
	for _, b := range det.Impact.Summary.Benches {
		if b.Items != 6 || len(b.Curves) != 3 || len(b.Curves[0].Points) != 2 {
			t.Errorf("impact %s: %d items, %d curves", b.Bench, b.Items, len(b.Curves))
		}
	}
	if recs, _, err := intervene.ReadRecords(filepath.Join(out, "impact", "records.jsonl")); err != nil || len(recs) != 5*6*3*2 {
		t.Errorf("impact records: %d, %v", len(recs), err)
	}
	if !strings.Contains(Text(sum, det), "impact (paper section 5)") {
		t.Error("summary.txt lacks the impact stage")
	}

	// summary.json has exactly the documented shape.
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"model", "h_neurons", "total_neurons", "sets", "seconds"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("summary.json lacks %q", k)
		}
	}
	if len(raw) != 5 {
		t.Errorf("summary.json has %d keys, want 5", len(raw))
	}
	var file struct {
		HNeurons []map[string]float64 `json:"h_neurons"`
		Total    int                  `json:"total_neurons"`
		Sets     map[string]map[string]*float64
		Seconds  float64 `json:"seconds"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	// 4 layers of d_ff 512, from the shipped config.json.
	var cfg struct {
		Layers int `json:"num_hidden_layers"`
		FF     int `json:"intermediate_size"`
	}
	cb, err := os.ReadFile(filepath.Join(org, shipped.Chat, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(cb, &cfg); err != nil {
		t.Fatal(err)
	}
	if file.Total != cfg.Layers*cfg.FF {
		t.Errorf("total_neurons %d, config says %d x %d", file.Total, cfg.Layers, cfg.FF)
	}
	if file.Seconds <= 0 {
		t.Errorf("seconds %v", file.Seconds)
	}
	if len(file.Sets) != 2 || file.Sets[SetTest] == nil || file.Sets[SetNonExist] == nil {
		t.Fatalf("sets %v", file.Sets)
	}
	if len(file.HNeurons) == 0 {
		t.Fatal("the small run selected no H-Neurons: the checks below would pass vacuously")
	}
	for name, s := range file.Sets {
		for _, k := range []string{"accuracy", "auroc", "baseline_accuracy_mean", "baseline_auroc_mean"} {
			if s[k] == nil {
				t.Errorf("set %s: %s is null", name, k)
			}
		}
		for _, k := range []string{"n", "accuracy", "auroc", "baseline_accuracy_mean", "baseline_auroc_mean"} {
			if _, ok := s[k]; !ok {
				t.Errorf("set %s lacks %s", name, k)
			}
		}
		if len(s) != 5 {
			t.Errorf("set %s has %d keys", name, len(s))
		}
		for _, k := range []string{"accuracy", "auroc", "baseline_accuracy_mean", "baseline_auroc_mean"} {
			if v := s[k]; v != nil && !(*v >= 0 && *v <= 1) {
				t.Errorf("set %s %s = %v", name, k, *v)
			}
		}
	}

	// The H-Neurons are the probe file's positive weights, mapped to valid
	// (layer, neuron) pairs.
	pr, err := probe.Load(filepath.Join(out, "probe.json"))
	if err != nil {
		t.Fatal(err)
	}
	pos := map[int]float64{}
	for _, w := range pr.Weights {
		if w.Weight > 0 {
			pos[w.Index] = w.Weight
		}
	}
	if len(file.HNeurons) != len(pos) || len(sum.HNeurons) != len(pos) {
		t.Errorf("%d H-Neurons in summary.json, %d returned, %d positive weights in probe.json", len(file.HNeurons), len(sum.HNeurons), len(pos))
	}
	for _, n := range file.HNeurons {
		l, j := int(n["layer"]), int(n["neuron"])
		if l < 0 || l >= cfg.Layers || j < 0 || j >= cfg.FF {
			t.Errorf("neuron %v out of range", n)
		}
		if w, ok := pos[l*cfg.FF+j]; !ok || math.Abs(w-n["weight"]) > 1e-12 {
			t.Errorf("neuron %v: probe weight %v (present %v)", n, w, ok)
		}
	}

	// Set sizes match the split files, which are balanced, and train and
	// test share no person.
	person := map[string]string{}
	for _, f := range []string{shipped.IDQuestions, shipped.NonExistQuestions} {
		qs, err := world.ReadQuestions(filepath.Join(org, shipped.Questions, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			person[q.ID] = q.Person
		}
	}
	people := map[string]map[string]bool{}
	for _, name := range []string{"train", SetTest, SetNonExist} {
		recs, _, err := record.ReadLabelled(filepath.Join(out, "splits", name+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		people[name] = map[string]bool{}
		nf := 0
		for _, r := range recs {
			people[name][person[r.ID]] = true
			if r.Label == record.Faithful {
				nf++
			}
		}
		if name != SetNonExist && 2*nf != len(recs) {
			t.Errorf("%s: %d faithful of %d, not balanced", name, nf, len(recs))
		}
		if name == SetTest && file.Sets[SetTest] != nil {
			if got := int(*file.Sets[SetTest]["n"]); got != len(recs) {
				t.Errorf("test n = %d, split file holds %d", got, len(recs))
			}
		}
	}
	for p := range people["train"] {
		if people[SetTest][p] {
			t.Errorf("person %q in both train and test", p)
		}
	}
	if len(sum.HNeurons) > 0 {
		for _, name := range []string{SetTest, SetNonExist} {
			tr := det.Transfer[name]
			if tr == nil || tr.Neurons != len(sum.HNeurons) || len(tr.RandomAUROC) != 2 {
				t.Errorf("transfer check on %s: %+v", name, tr)
			}
		}
	}
	// The within-attribute check covers the test split, counted here from
	// the split file and the questions' attributes.
	attr := map[string]string{}
	qs, err := world.ReadQuestions(filepath.Join(org, shipped.Questions, shipped.IDQuestions))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		attr[q.ID] = q.Attribute
	}
	testRecs, _, err := record.ReadLabelled(filepath.Join(out, "splits", SetTest+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	wantN, wantH := map[string]int{}, map[string]int{}
	for _, r := range testRecs {
		wantN[attr[r.ID]]++
		if r.Label == record.Hallucinated {
			wantH[attr[r.ID]]++
		}
	}
	w := det.Within[SetTest]
	if w == nil || len(w.Groups) != len(wantN) {
		t.Fatalf("within-attribute check %+v, want groups %v", w, wantN)
	}
	for _, g := range w.Groups {
		if g.N != wantN[g.Group] || g.Hallucinated != wantH[g.Group] {
			t.Errorf("group %s: n=%d hallucinated=%d, split file gives %d and %d", g.Group, g.N, g.Hallucinated, wantN[g.Group], wantH[g.Group])
		}
		if a := float64(g.AUROC); g.Hallucinated > 0 && g.Hallucinated < g.N && !(a >= 0 && a <= 1) {
			t.Errorf("group %s: AUROC %v", g.Group, a)
		}
	}
	if det.Counts.TrainFaithful == 0 || det.Counts.TestFaithful == 0 {
		t.Errorf("counts %+v", det.Counts)
	}
	checkOrigin(t, org, out, sum, det)
	checkPretrain(t, org, out, det)
	t.Logf("\n%s", Text(sum, det))
}

// checkOrigin checks the origin stage of a small run: both sets
// transferred with controls, the drift of every H-Neuron tested; and the
// transfer machinery itself, which with the chat model as the "base" and
// the records' own format must give back the identification score
// (the same rows through the same model, extracted in other batches).
func checkOrigin(t *testing.T, org, out string, sum *Summary, det *Details) {
	t.Helper()
	if len(sum.HNeurons) == 0 {
		t.Fatal("no H-Neurons: the origin checks cannot bind")
	}
	og := det.Origin
	if og == nil || og.Drift == nil || og.Drift.HNeurons != len(sum.HNeurons) {
		t.Fatalf("origin stage %+v", og)
	}
	for _, name := range []string{SetTest, SetNonExist} {
		tr := og.Transfer[name]
		if tr == nil || !tr.Replayed || tr.Probe.N == 0 || tr.Controls == nil || len(tr.Controls.RandomAUROC) != 2 {
			t.Fatalf("transfer on %s: %+v", name, tr)
		}
		if a := float64(tr.Probe.AUROC.Value); !(a >= 0 && a <= 1) {
			t.Errorf("transfer AUROC on %s: %v", name, a)
		}
	}
	for _, f := range []string{"origin/drift/drift.json", "origin/features/test/index.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	chatModel, err := model.Load(filepath.Join(org, shipped.Chat))
	if err != nil {
		t.Fatal(err)
	}
	defer chatModel.Close()
	tok, err := tokenizer.Load(chatModel.Path)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := probe.Load(filepath.Join(out, "probe.json"))
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := record.ReadLabelled(filepath.Join(out, "splits", SetTest+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	o := smallOptions(t, org, out)
	self, err := origin.Transfer(context.Background(), origin.TransferOptions{Base: chatModel, Tok: tok, Probe: pr,
		Records: recs, KeepFormat: true, Boot: o.Boot, Seed: o.Seed, Balance: true, Dir: filepath.Join(t.TempDir(), "self")})
	if err != nil {
		t.Fatal(err)
	}
	want := det.Reports[SetTest].Metrics
	if self.Replayed || self.Probe.N != want.N || self.Probe.Positives != want.Positives ||
		math.Abs(float64(self.Probe.AUROC.Value-want.AUROC.Value)) > 1e-4 ||
		math.Abs(float64(self.Probe.Accuracy.Value-want.Accuracy.Value)) > 1.5/float64(want.N) {
		t.Errorf("transfer to the chat model itself: %+v, identification gave %+v", self.Probe, want)
	}
	// Records already in the base format (as if collected on the base model)
	// are used as they are, not replayed again: the figures are the origin
	// stage's.
	baseRecs, _, err := origin.BaseRecords(tok, recs)
	if err != nil {
		t.Fatal(err)
	}
	baseModel, err := model.Load(filepath.Join(org, shipped.Base))
	if err != nil {
		t.Fatal(err)
	}
	defer baseModel.Close()
	again, err := origin.Transfer(context.Background(), origin.TransferOptions{Base: baseModel, Tok: tok, Probe: pr,
		Records: baseRecs, Boot: o.Boot, Seed: o.Seed, Balance: true, Dir: filepath.Join(t.TempDir(), "again")})
	if err != nil {
		t.Fatal(err)
	}
	if again.Replayed || again.Probe.AUROC != og.Transfer[SetTest].Probe.AUROC {
		t.Errorf("base-format records: replayed %v, AUROC %+v; origin stage %+v", again.Replayed, again.Probe.AUROC, og.Transfer[SetTest].Probe.AUROC)
	}
	// another layout is refused
	bad := *pr
	bad.DFF++
	if err := origin.CheckLayout(&bad, chatModel); err == nil {
		t.Error("a probe of another neuron layout was accepted")
	}
}

func TestEmergenceResumes(t *testing.T) {
	org := t.TempDir()
	if err := shipped.Extract(org); err != nil {
		t.Fatal(err)
	}
	// A fake run: the shipped chat model as the only checkpoint, the
	// shipped questions as its world.
	run := t.TempDir()
	ck := filepath.Join(run, "checkpoints", "chat-step-000300")
	if err := os.MkdirAll(ck, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(run, "checkpoints", "base-step-000100"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"} {
		b, err := os.ReadFile(filepath.Join(org, shipped.Chat, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ck, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Rename(filepath.Join(org, shipped.Questions), filepath.Join(run, "world")); err != nil {
		t.Fatal(err)
	}
	opt := EmergenceOptions{Run: run, Demo: smallOptions(t, org, "")}
	opt.Demo.MaxID, opt.Demo.MaxNonExist = 200, 40
	pts, err := Emergence(context.Background(), opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 1 || pts[0].Step != 300 || pts[0].Stage != "chat" {
		t.Fatalf("points %+v", pts)
	}
	ran := false
	pts2, err := Emergence(context.Background(), opt, func(string, Event) { ran = true })
	if err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Error("second call ran the chain again instead of resuming")
	}
	if len(pts2) != 1 || pts2[0].HNeurons != pts[0].HNeurons || pts2[0].Sets[SetTest].N != pts[0].Sets[SetTest].N {
		t.Errorf("resumed %+v, first %+v", pts2, pts)
	}
	for _, f := range []string{"emergence.json", "emergence.txt"} {
		if _, err := os.Stat(filepath.Join(run, "emergence", f)); err != nil {
			t.Error(err)
		}
	}
}

// TestShippedOrganismShowsHNeurons runs the demo with its default settings
// (as `hneurons demo` does, about 40 s on 2 cores) and checks what issue 7
// asks the organism to show: a sparse neuron set whose held-out accuracy and
// AUROC intervals lie above classifiers on as many random neurons (both the
// cross-validated baseline and the transfer check), and that transfers to
// NonExist. With seed 1 (the command's default) the margins are 0.011
// (accuracy) and 0.022 (AUROC) over means of 100 random draws (see
// organism/shipped/README.md); every kernel path (AVX-512, AVX2 with
// HNEURONS_KERNELS=avx2, pure Go with -tags purego) gave the same figures on
// the development machine.
func TestShippedOrganismShowsHNeurons(t *testing.T) {
	if testing.Short() {
		t.Skip("the full demo takes about 40 s; skipped with -short")
	}
	org := t.TempDir()
	if err := shipped.Extract(org); err != nil {
		t.Fatal(err)
	}
	o := Options{ModelDir: filepath.Join(org, shipped.Chat), QuestionsDir: filepath.Join(org, shipped.Questions),
		Out: filepath.Join(t.TempDir(), "report"), Seed: 1, // Seed 1: the command's default
		NoImpact: true} // identification only: the impact stage has its own checks
	sum, det, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", Text(sum, det))
	if n := len(sum.HNeurons); n == 0 || n > sum.TotalNeurons/20 {
		t.Errorf("%d H-Neurons of %d: want a sparse non-empty set (at most 5%%)", n, sum.TotalNeurons)
	}
	rep, tr := det.Reports[SetTest], det.Transfer[SetTest]
	if rep == nil || rep.Baseline == nil || tr == nil {
		t.Fatalf("test set: report %v, transfer %v", rep, tr)
	}
	m, b := rep.Metrics, rep.Baseline
	for _, c := range []struct {
		name        string
		lo          float64
		cv, transfr float64
	}{
		{"accuracy", float64(m.Accuracy.Lo), float64(b.RandomAccuracyMean), tr.RandomAccuracyMean},
		{"AUROC", float64(m.AUROC.Lo), float64(b.RandomAUROCMean), tr.RandomAUROCMean},
	} {
		if !(c.lo > c.cv && c.lo > c.transfr) {
			t.Errorf("test %s: interval lower end %.3f does not clear random neurons (cross-validated %.3f, transfer %.3f)",
				c.name, c.lo, c.cv, c.transfr)
		}
	}
	// Not only the kind of question: within attributes the probe separates
	// the classes better than the random classifiers by more than two of
	// their standard deviations (0.709 against 0.624±0.024 with these
	// settings here).
	if w := det.Within[SetTest]; w == nil || !(float64(w.WeightedAUROC) > float64(tr.RandomWithinAUROCMean)+2*float64(tr.RandomWithinAUROCStd)) {
		t.Errorf("test AUROC within attribute %+v: not above the random classifiers' %v±%v", w, tr.RandomWithinAUROCMean, tr.RandomWithinAUROCStd)
	}
	// NonExist (never trained on): above chance and above the random
	// classifiers' mean (0.973 against 0.702 here; their spread is wide).
	if ne, trn := det.Reports[SetNonExist], det.Transfer[SetNonExist]; ne == nil || trn == nil ||
		!(float64(ne.Metrics.AUROC.Lo) > 0.5) || !(float64(ne.Metrics.AUROC.Value) > trn.RandomAUROCMean) {
		t.Errorf("NonExist: report %+v, transfer %+v", ne, trn)
	}
}

// checkPretrain runs the pre-training study on a run folder whose
// checkpoints are the shipped chat model (step 1) and base model (step 2),
// with the shipped base as the final model: the final model is the last
// checkpoint, so it is not repeated, and the base checkpoint's transfer is
// the origin stage's.
func checkPretrain(t *testing.T, org, out string, det *Details) {
	t.Helper()
	run := t.TempDir()
	for link, target := range map[string]string{
		"checkpoints/base-step-000001": shipped.Chat, "checkpoints/base-step-000002": shipped.Base, "base": shipped.Base,
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(run, link)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(org, target), filepath.Join(run, link)); err != nil {
			t.Fatal(err)
		}
	}
	o := smallOptions(t, org, out)
	pts, err := PretrainEmergence(context.Background(), PretrainOptions{Run: run, Report: out, Out: filepath.Join(t.TempDir(), "pre"),
		Seeds: o.BaselineSeeds, Boot: o.Boot, Seed: o.Seed}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 || pts[0].Step != 1 || pts[1].Step != 2 || pts[0].Error != "" || pts[1].Error != "" {
		t.Fatalf("points %+v", pts)
	}
	got, want := pts[1].Sets[SetTest], det.Origin.Transfer[SetTest]
	if got.N != want.Probe.N || got.Transfer != want.Probe.AUROC || got.RandomAUROCMean != want.Controls.RandomAUROCMean {
		t.Errorf("base checkpoint %+v, origin stage %+v / %+v", got, want.Probe.AUROC, want.Controls)
	}
	if !strings.Contains(PretrainCurve(pts), "<polyline") {
		t.Error("the curve has no line")
	}
}

// activationStats against a direct two-pass computation.
func TestActivationStats(t *testing.T) {
	labels := []int{0, 0, 0, 1, 1, 1, 1}
	cols := [][]float32{{1, 2, 3, 5, 6, 7, 9}, {0, 0, 0, 0, 0, 0, 0}, {4, 1, 2, 0, 3, 1, 1}}
	x := probe.NewMatrix(len(labels), len(cols))
	for j, c := range cols {
		copy(x.Col(j), c)
	}
	ds := &probe.Dataset{X: x, Labels: labels}
	pr := &probe.Probe{DFF: 3, HNeurons: []probe.Neuron{{Layer: 0, Neuron: 0}}}
	d := func(c []float32) float64 {
		var g [2][]float64
		for i, v := range c {
			g[labels[i]] = append(g[labels[i]], float64(v))
		}
		m := [2]float64{}
		ss := [2]float64{}
		for k := range g {
			for _, v := range g[k] {
				m[k] += v / float64(len(g[k]))
			}
			for _, v := range g[k] {
				ss[k] += (v - m[k]) * (v - m[k])
			}
		}
		sd := math.Sqrt((ss[0] + ss[1]) / float64(len(c)-2))
		if sd == 0 {
			return 0
		}
		return (m[1] - m[0]) / sd
	}
	hm, rm, he, re := activationStats(ds, pr)
	wantHM, wantRM := 33.0/7, (0+12.0/7)/2
	if math.Abs(hm-wantHM) > 1e-9 || math.Abs(rm-wantRM) > 1e-9 || math.Abs(he-d(cols[0])) > 1e-9 || math.Abs(re-(d(cols[1])+d(cols[2]))/2) > 1e-9 {
		t.Errorf("got %v %v %v %v, want %v %v %v %v", hm, rm, he, re, wantHM, wantRM, d(cols[0]), (d(cols[1])+d(cols[2]))/2)
	}
}
