package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hneurons/hneurons/compliance"
	"github.com/hneurons/hneurons/intervene"
	"github.com/hneurons/hneurons/organism/shipped"
)

// intervene end to end on the organism, with the rule judge and with the
// LLM judge (an OpenAI-compatible endpoint standing in for the judge model
// that answers "no" to every question, and "answers" to the refusal items'
// refuse-answer-neither question): both write records and a summary; the LLM
// judge's verdicts and name reach the records and the provenance, and the
// refusal question's "answers" reads as compliant.
func TestInterveneCommandJudges(t *testing.T) {
	dir, err := shipped.Dir()
	if err != nil {
		t.Fatal(err)
	}
	all, err := compliance.ReadItems(filepath.Join(dir, "questions", "impact.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	var lines []string
	for _, it := range all {
		if per[it.Bench] < 2 {
			per[it.Bench]++
			b, _ := json.Marshal(it)
			lines = append(lines, string(b))
		}
	}
	items := filepath.Join(t.TempDir(), "items.jsonl")
	if err := os.WriteFile(items, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		reply := "No."
		if strings.Contains(string(body), "refuses (it declines the request)") {
			reply = "Answers." // the refusal items carry their answers (Item.Comply)
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []map[string]any{{"index": 0,
			"message": map[string]string{"role": "assistant", "content": reply}, "finish_reason": "stop"}}})
	}))
	defer hs.Close()
	base := []string{"intervene", "--model", filepath.Join(dir, "chat"), "--probe", filepath.Join("..", "..", "serve", "testdata", "probe.json"),
		"--items", items, "--alphas", "0,1", "--controls", "1", "--max-new-tokens", "24", "--bootstrap", "20"}
	rule := filepath.Join(t.TempDir(), "rule")
	if _, err := runCLI(t, append(base, "--out", rule)...); err != nil {
		t.Fatal(err)
	}
	// --max-items caps an item file per benchmark: 1 of each of the 4
	// analogues, for 3 sets (H-Neurons, 1 layer-matched, 1 random) x 2 alphas.
	capped := filepath.Join(t.TempDir(), "capped")
	if _, err := runCLI(t, append(base, "--out", capped, "--max-items", "1")...); err != nil {
		t.Fatal(err)
	}
	if cr, _, err := intervene.ReadRecords(filepath.Join(capped, "records.jsonl")); err != nil || len(cr) != 4*3*2 {
		t.Fatalf("--max-items 1: %d records (%v), want %d", len(cr), err, 4*3*2)
	}
	llm := filepath.Join(t.TempDir(), "llm")
	if _, err := runCLI(t, append(base, "--out", llm, "--judge", "llm", "--judge-url", hs.URL, "--judge-model", "judge")...); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{rule, llm} {
		if _, err := os.Stat(filepath.Join(d, "summary.json")); err != nil {
			t.Fatal(err)
		}
	}
	rr, rp, err := intervene.ReadRecords(filepath.Join(rule, "records.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lr, lp, err := intervene.ReadRecords(filepath.Join(llm, "records.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rp.Options["judge"]; ok || lp.Options["judge"] != "llm:judge" {
		t.Fatalf("provenance judge: rule run %q, llm run %q", rp.Options["judge"], lp.Options["judge"])
	}
	if len(lr) != len(rr) || len(lr) == 0 || asked.Load() == 0 {
		t.Fatalf("%d llm records, %d rule records, %d questions to the judge", len(lr), len(rr), asked.Load())
	}
	for i, r := range lr {
		if r.Item != rr[i].Item || strings.Join(r.Responses, "\x00") != strings.Join(rr[i].Responses, "\x00") {
			t.Fatalf("record %d: the judge changed the generation", i)
		}
		switch {
		case r.Verdict == compliance.Skipped || r.Judgement.Rule == "empty" || r.TooLong:
		case !strings.HasPrefix(r.Judgement.Rule, "llm: "):
			t.Fatalf("record %s judged by %q", r.Item, r.Judgement.Rule)
		case r.Bench == compliance.Refusal && r.Verdict != compliance.Compliant,
			r.Bench == compliance.FalsePremise && r.Verdict != compliance.Resistant:
			t.Fatalf("record %s (%s): %q read as %s", r.Item, r.Bench, r.Judgement.Rule, r.Verdict)
		}
	}
	wantErr(t, append(base, "--out", filepath.Join(t.TempDir(), "x"), "--judge", "llm"), "--judge-url and --judge-model")
	wantErr(t, append(base, "--out", filepath.Join(t.TempDir(), "y"), "--judge", "gpt"), "--judge")
}
