package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/kernels"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/organism/train"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/split"
	"github.com/hneurons/hneurons/tokenizer"
)

// The whole identification chain on stories260K: questions whose gold
// aliases are letters every response contains come out faithful, questions with a
// nonsense alias hallucinated; the split is disjoint and balanced; the stores
// hold one row per (response, region) with the right labels, the answer rows
// spell the located answers; a probe trains on them.
func TestPipeline(t *testing.T) {
	path := sharedtest.Path(t, "models", "stories260K", "stories260K.gguf")
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := tokenizer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := t.TempDir()

	var qs []datasets.Record
	for i := 0; i < 24; i++ {
		r := datasets.Record{ID: fmt.Sprintf("q%02d", i), Question: fmt.Sprintf("Story number %d is about", i), Source: "test"}
		if i%2 == 0 {
			r.Answers = []string{"e", "o", "i"} // in nearly every response
		} else {
			r.Answers = []string{"zyzzyva"}
		}
		qs = append(qs, r)
	}
	responses := filepath.Join(dir, "responses.jsonl")
	cst, err := collect.Run(ctx, m, tok, qs, responses, collect.Options{Samples: 3, PromptFormat: chat.FormatBase, Seed: 1,
		Decoding: record.Decoding{Temperature: 1, TopP: 0.9, TopK: 50, MaxNewTokens: 16}})
	if err != nil {
		t.Fatal(err)
	}
	if cst.Written != 24 {
		t.Fatalf("collect: %+v", cst)
	}

	labelled := filepath.Join(dir, "labelled.jsonl")
	lc, err := label.Run(ctx, label.RunOptions{In: responses, Out: labelled, Judge: label.RuleJudge{}, Options: label.Options{MinAgree: 3}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("label: %d faithful, %d hallucinated, %d uncertain, spans %v", lc.Faithful, lc.Hallucinated, lc.Uncertain, lc.Spans)
	if lc.Faithful < 4 || lc.Hallucinated < 4 {
		t.Fatalf("too few consistent questions: %+v", lc)
	}
	recs, _, err := record.ReadLabelled(labelled)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Label == record.Faithful && r.Answers[0] == "zyzzyva" {
			t.Errorf("%s: nonsense-answer question labelled faithful: %q", r.ID, r.Response)
		}
		if len(r.ResponseTokens) == 0 && r.Response != "" {
			t.Errorf("%s: response tokens lost between collect and label", r.ID)
		}
	}

	train, test, rep, err := split.Split(recs, split.NewExclusion(), split.Options{TestSize: 8, Seed: 2, Balance: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("split: %+v", rep)
	inTrain := map[string]bool{}
	for _, r := range train {
		inTrain[r.ID] = true
	}
	for _, r := range test {
		if inTrain[r.ID] {
			t.Errorf("%s in both sets", r.ID)
		}
	}

	for name, set := range map[string][]record.Labelled{"train": train, "test": test} {
		store := filepath.Join(dir, name)
		st, err := extract.Run(ctx, m, tok, set, store, extract.Options{Batch: 4})
		if err != nil {
			t.Fatal(err)
		}
		if st.Done != len(set) || st.Rows != 4*len(set) || st.Mismatch != 0 {
			t.Errorf("%s: extract %+v for %d records", name, st, len(set))
		}
		ix, err := features.ReadIndex(store)
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range ix.Rows {
			r := set[i/4]
			want := 0
			if r.Label == record.Hallucinated {
				want = 1
			}
			if row.ID != r.ID || row.Label != want || row.Region != extract.DefaultRegions[i%4] {
				t.Errorf("%s row %d: %+v for record %s (%s)", name, i, row, r.ID, r.Label)
			}
		}
		// The answer tokens spell the located answer.
		for _, r := range set {
			sq, err := extract.BuildSequence(tok, r)
			if err != nil {
				t.Fatal(err)
			}
			if !sq.AnswerFound {
				continue
			}
			got := r.Response[sq.Offsets[sq.AnswerStart-sq.Prompt][0]:min(len(r.Response), sq.Offsets[sq.AnswerEnd-sq.Prompt-1][1])]
			if !strings.Contains(got, r.AnswerText) {
				t.Errorf("%s: answer tokens spell %q, answer %q", r.ID, got, r.AnswerText)
			}
		}
	}

	trainDS, err := probe.LoadDataset(filepath.Join(dir, "train"), probe.OneVsOne)
	if err != nil {
		t.Fatal(err)
	}
	testDS, err := probe.LoadDataset(filepath.Join(dir, "test"), probe.OneVsOne)
	if err != nil {
		t.Fatal(err)
	}
	p, err := probe.Train(ctx, trainDS, testDS, probe.OneVsOne, probe.Options{Penalty: probe.L1, C: 10}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Columns != m.Config.NLayers*m.Config.DFF || p.Train == nil || p.Test == nil {
		t.Fatalf("probe %+v", p)
	}
	t.Logf("probe: %d H-Neurons, train accuracy %.2f, test accuracy %.2f (n=%d)", len(p.HNeurons), p.Train.Accuracy.Value, p.Test.Accuracy.Value, p.Test.N)
}

// The chat prompt format through collect, label and extract: a random tiny
// model with the real phi-3 vocabulary and its chat template. The stored
// response tokens replay exactly (no token/text mismatch), every answer span
// maps to tokens, and each record yields its four rows.
func TestPipelineChat(t *testing.T) {
	tok, err := tokenizer.Load(sharedtest.Path(t, "vocab", "ggml-vocab-phi-3.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := model.Shape("stories260k")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Vocab = tok.VocabSize()
	m, err := model.RandomInit(cfg, kernels.F32, 9)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	qs := []datasets.Record{
		{ID: "a", Question: "Who wrote 'Hamlet'?", Answers: []string{"e"}},
		{ID: "b", Question: "Où est la tour Eiffel ?", Answers: []string{"zyzzyva"}},
		{ID: "c", Question: "東京はどこ？", Answers: []string{"zyzzyva"}},
		{ID: "d", Question: "What is 2+2?", Answers: []string{"e", "a", "o", "i"}},
	}
	recs := collectLabelExtract(ctx, t, m, tok, qs, dir, 2, 3, 12)
	for _, r := range recs {
		if !strings.HasPrefix(r.Prompt, "<s><|user|>\n"+r.Question+datasets.PromptSuffix+"<|end|>") {
			t.Errorf("%s: prompt %q", r.ID, r.Prompt)
		}
		sq, err := extract.BuildSequence(tok, r)
		if err != nil {
			t.Fatal(err)
		}
		if r.AnswerEnd > r.AnswerStart && !sq.AnswerFound {
			t.Errorf("%s: answer %q [%d, %d) of %q maps to no token", r.ID, r.AnswerText, r.AnswerStart, r.AnswerEnd, r.Response)
		}
	}
}

// The chat format through a Hugging Face folder, loaded as the commands load
// it (model.Load and tokenizer.Load on one path): a random Llama saved by the
// organism's writer with its word-level tokenizer.json and chat template.
// Word-level decoding joins words with spaces; the stored tokens still
// replay to the stored text, and answer spans map to tokens.
func TestPipelineHFChat(t *testing.T) {
	texts := []string{
		"Who wrote the play about a prince ? Shakespeare wrote it .",
		"Where is the tower ? It is in Paris , the capital .",
		datasets.PromptSuffix,
	}
	wt := world.BuildTokenizer(texts)
	dir := t.TempDir()
	modelDir := filepath.Join(dir, "model")
	if err := os.MkdirAll(modelDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := wt.WriteHF(modelDir, 128); err != nil {
		t.Fatal(err)
	}
	cfg := train.Config{Vocab: len(wt.Vocab), Dim: 32, Layers: 2, Heads: 4, FF: 48, MaxSeq: 128, RopeTheta: 10000, NormEps: 1e-5,
		BosID: world.BosID, EosID: world.EosID}
	tm, err := train.NewModel[float32](cfg, 4, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if err := train.SaveHF(modelDir, tm); err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(modelDir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := tokenizer.Load(modelDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	qs := []datasets.Record{
		{ID: "w", Question: "Who wrote the play about a prince?", Answers: []string{"Shakespeare", "it"}},
		{ID: "p", Question: "Where is the tower?", Answers: []string{"Paris"}},
		{ID: "c", Question: "What is the capital?", Answers: []string{"the capital", "is"}},
	}
	recs := collectLabelExtract(ctx, t, m, tok, qs, dir, 3, 5, 10)
	for _, r := range recs {
		want := "<bos><user> " + r.Question + datasets.PromptSuffix + " <assistant> "
		if r.Prompt != want {
			t.Errorf("%s: prompt %q, want %q", r.ID, r.Prompt, want)
		}
		sq, err := extract.BuildSequence(tok, r)
		if err != nil {
			t.Fatal(err)
		}
		if r.AnswerEnd > r.AnswerStart && !sq.AnswerFound {
			t.Errorf("%s: answer %q [%d, %d) of %q maps to no token", r.ID, r.AnswerText, r.AnswerStart, r.AnswerEnd, r.Response)
		}
		t.Logf("%s %s: %q answer %q", r.ID, r.Label, r.Response, r.AnswerText)
	}
}

// collectLabelExtract runs collect (samples per question, seed, paper decoding
// with maxNew new tokens), the rule judge with no consistency requirement and
// extract over qs in dir, checks that extract stored every usable record
// (four regions each, nothing mismatched or re-tokenised), and returns the
// labelled records.
func collectLabelExtract(ctx context.Context, t *testing.T, m *model.Model, tok *tokenizer.Tokenizer, qs []datasets.Record, dir string, samples int, seed uint64, maxNew int) []record.Labelled {
	t.Helper()
	responses := filepath.Join(dir, "responses.jsonl")
	if _, err := collect.Run(ctx, m, tok, qs, responses, collect.Options{Samples: samples, Seed: seed,
		Decoding: record.Decoding{Temperature: 1, TopP: 0.9, TopK: 50, MaxNewTokens: maxNew}}); err != nil {
		t.Fatal(err)
	}
	labelled := filepath.Join(dir, "labelled.jsonl")
	lc, err := label.Run(ctx, label.RunOptions{In: responses, Out: labelled, Judge: label.RuleJudge{}, Options: label.Options{MinAgree: 1}})
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := record.ReadLabelled(labelled)
	if err != nil {
		t.Fatal(err)
	}
	usable := lc.Faithful + lc.Hallucinated
	st, err := extract.Run(ctx, m, tok, recs, filepath.Join(dir, "features"), extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if usable == 0 || st.Done != usable || st.Rows != 4*usable || st.Mismatch != 0 || st.Retokenised != 0 {
		t.Errorf("extract %+v for %d usable records (%+v)", st, usable, lc)
	}
	return recs
}
