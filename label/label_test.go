package label

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hneurons/hneurons/record"
)

func samples(texts ...string) []record.Sample {
	out := make([]record.Sample, len(texts))
	for i, t := range texts {
		out[i] = record.Sample{Text: t, Tokens: []int{i}}
	}
	return out
}

func TestLabelOne(t *testing.T) {
	ctx := t.Context()
	q := record.Collected{ID: "q1", Question: "Red planet?", Answers: []string{"Mars", "Planet Mars"}, Model: "m", Prompt: "p"}

	q.Samples = samples("Venus", "Mars.", "It is Mars", "Mars.", "mars")
	l, err := LabelOne(ctx, RuleJudge{}, q, Options{MinAgree: 5})
	if err != nil {
		t.Fatal(err)
	}
	// 4 true, 1 false: not consistent at MinAgree 5.
	if l.Consistent || l.Label != record.LabelUncertain || l.Agree != 4 {
		t.Errorf("4 of 5 at MinAgree 5: %+v", l)
	}
	l, _ = LabelOne(ctx, RuleJudge{}, q, Options{MinAgree: 4})
	if !l.Consistent || l.Label != record.Faithful || l.Response != "Mars." || l.ResponseIndex != 1 ||
		l.AnswerText != "Mars" || l.SpanMethod != SpanGoldAlias || l.ResponseTokens[0] != 1 {
		t.Errorf("4 of 5 at MinAgree 4: %+v", l)
	}

	q.Samples = samples("Venus", "Jupiter", "The answer is Venus.", "Saturn", "The answer is Venus.")
	l, _ = LabelOne(ctx, RuleJudge{}, q, Options{})
	if l.Label != record.Hallucinated || l.Response != "The answer is Venus." || l.ResponseIndex != 2 ||
		l.AnswerText != "Venus" || l.SpanMethod != SpanContentRule || l.AnswerStart != 14 || l.AnswerEnd != 19 {
		t.Errorf("hallucinated: %+v", l)
	}
	// Ties go to the first text in sample order.
	q.Samples = samples("Venus", "Saturn", "Saturn", "Venus")
	if l, _ = LabelOne(ctx, RuleJudge{}, q, Options{}); l.Response != "Venus" {
		t.Errorf("tie: %q", l.Response)
	}
	// One uncertain response spoils the question.
	q.Samples = samples("Mars", "Mars", "I don’t know")
	l, _ = LabelOne(ctx, RuleJudge{}, q, Options{MinAgree: 2})
	if l.Consistent || l.Label != record.LabelUncertain || l.Judgements[2].Verdict != record.Uncertain {
		t.Errorf("uncertain: %+v", l)
	}
	// A 1-1 tie is never consistent.
	q.Samples = samples("Mars", "Venus")
	if l, _ = LabelOne(ctx, RuleJudge{}, q, Options{MinAgree: 1}); l.Consistent {
		t.Errorf("tie consistent: %+v", l)
	}
	q.Samples = nil
	if _, err := LabelOne(ctx, RuleJudge{}, q, Options{}); err == nil {
		t.Error("no samples accepted")
	}
}

type failJudge struct{}

func (failJudge) Name() string { return "fail" }
func (failJudge) Judge(context.Context, string, []string, string) (record.Judgement, error) {
	return record.Judgement{}, errors.New("boom")
}

func TestLabelJudgeErrors(t *testing.T) {
	q := record.Collected{ID: "q", Answers: []string{"a"}, Samples: samples("a", "b")}
	if _, err := LabelOne(t.Context(), failJudge{}, q, Options{}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("error not returned: %v", err)
	}
	l, err := LabelOne(t.Context(), failJudge{}, q, Options{JudgeErrorsUncertain: true})
	if err != nil || l.Label != record.LabelUncertain || !strings.Contains(l.Judgements[0].Note, "boom") {
		t.Errorf("error as uncertain: %+v %v", l, err)
	}
}

func writeCollected(t *testing.T, path string, recs []record.Collected) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// As collect writes it: a provenance line, then the records.
	prov := record.New("collect", map[string]string{"seed": "1"})
	line, _ := record.HeaderLine(&prov)
	f.Write(line)
	enc := json.NewEncoder(f)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRunResumes(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "responses.jsonl"), filepath.Join(dir, "labelled.jsonl")
	recs := []record.Collected{
		{ID: "a", Question: "Red planet?", Answers: []string{"Mars"}, Samples: samples("Mars", "Mars")},
		{ID: "b", Question: "Capital of France?", Answers: []string{"Paris"}, Samples: samples("Lyon", "Lyon")},
		{ID: "c", Question: "2+2?", Answers: []string{"4"}, Samples: samples("4", "I cannot say")},
	}
	writeCollected(t, in, recs[:2])
	cnt, err := Run(t.Context(), RunOptions{In: in, Out: out, Judge: RuleJudge{}})
	if err != nil || cnt.Labelled != 2 || cnt.TooFewSamples != 0 || cnt.Faithful != 1 || cnt.Hallucinated != 1 || cnt.Spans[SpanGoldAlias] != 1 {
		t.Fatalf("first run: %+v %v", cnt, err)
	}
	// Simulate a crash mid-write: a torn last line.
	f, _ := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte(`{"id": "c", "quest`))
	f.Close()
	writeCollected(t, in, recs)
	cnt, err = Run(t.Context(), RunOptions{In: in, Out: out, Judge: RuleJudge{}})
	if err != nil || cnt.Seen != 3 || cnt.Resumed != 2 || cnt.Labelled != 1 || cnt.Uncertain != 1 {
		t.Fatalf("resumed run: %+v %v", cnt, err)
	}
	got, _, err := record.ReadLabelled(out)
	if err != nil || len(got) != 3 || got[0].ID != "a" || got[1].ID != "b" || got[2].ID != "c" || got[2].Label != record.LabelUncertain {
		t.Fatalf("output: %+v %v", got, err)
	}
	b, _ := os.ReadFile(out)
	if strings.Count(string(b), "\n") != 4 /* provenance + 3 records */ || strings.Contains(string(b), "quest\"") {
		t.Fatalf("torn line survived: %q", b)
	}
	// A bad complete line in the output is an error naming it.
	os.WriteFile(out, []byte("{\"id\": \"a\"}\nnot json\n"), 0o644)
	if _, err := Run(t.Context(), RunOptions{In: in, Out: out, Judge: RuleJudge{}}); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad output line: %v", err)
	}
	// A bad input line likewise.
	os.WriteFile(in, []byte("{\"id\": \"z\", \"samples\": [{\"text\": \"x\"}]}\n{\"id\": 5}\n"), 0o644)
	os.Remove(out)
	if _, err := Run(t.Context(), RunOptions{In: in, Out: out, Judge: RuleJudge{}}); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad input line: %v", err)
	}
}

// countJudge counts calls, to check that repeated texts are judged once.
type countJudge struct{ n atomic.Int32 }

func (c *countJudge) Name() string { return "count" }
func (c *countJudge) Judge(ctx context.Context, q string, a []string, r string) (record.Judgement, error) {
	c.n.Add(1)
	return RuleJudge{}.Judge(ctx, q, a, r)
}

func TestLabelOneJudgesDistinctTextsOnce(t *testing.T) {
	cj := &countJudge{}
	q := record.Collected{ID: "q", Answers: []string{"Mars"}, Samples: samples("Mars", "Mars", "Venus", "Mars", "Venus", "Mars.")}
	l, err := LabelOne(t.Context(), cj, q, Options{MinAgree: 4, Workers: 3})
	if err != nil || cj.n.Load() != 3 || len(l.Judgements) != 6 || l.Agree != 4 || l.Label != record.Faithful {
		t.Fatalf("%d judge calls, %+v, %v", cj.n.Load(), l, err)
	}
}

func TestLabelNonExist(t *testing.T) {
	q := record.Collected{ID: "n", Question: "Where was Vorlanex Prumit born?", Answers: []string{}, Source: "nonexist",
		Samples: samples("I don't know who that is.", "I cannot find any information.", "I don’t know.")}
	l, err := LabelOne(t.Context(), failJudge{}, q, Options{})
	if err != nil || l.Label != record.Faithful || l.Judgements[0].Judge != "refusal-rule" {
		t.Fatalf("refusals: %+v %v", l, err)
	}
	q.Samples = samples("Vienna, Austria.", "Vienna", "Vienna")
	l, _ = LabelOne(t.Context(), failJudge{}, q, Options{})
	if l.Label != record.Hallucinated || l.Response != "Vienna" || l.SpanMethod != SpanContentRule {
		t.Fatalf("confident answers: %+v", l)
	}
	q.Source, q.Samples = "jsonl", samples("Vienna")
	if l, _ = LabelOne(t.Context(), failJudge{}, q, Options{RefusalCorrect: true, MinAgree: 1}); l.Label != record.Hallucinated {
		t.Fatalf("RefusalCorrect: %+v", l)
	}
}
