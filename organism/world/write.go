package world

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Write saves the world into dir (created if needed):
//
//	people.jsonl        every person (real, nonexist, abstain) with attributes and mentions
//	biographies.txt     pre-training text, one biography a line
//	instructions.jsonl  {"user", "assistant"} instruction-tuning examples
//	questions.jsonl     all evaluation questions
//	questions-{set}.jsonl one file per set (id, ood, nonexist; unstated under Config.UnstatedProb)
//	impact.jsonl        the behavioural-impact analogue items (Config.Impact)
//	copydocs.txt        the copy-from-context documents, one a line (Config.CopyDocs)
//	recalldocs.txt      the recall-from-memory documents, one a line (Config.RecallDocs)
func (w *World) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("world: %w", err)
	}
	type personRec struct {
		Person
		Kind string `json:"kind"`
	}
	var people []any
	for _, p := range w.Real {
		people = append(people, personRec{p, "real"})
	}
	for _, p := range w.NonExist {
		people = append(people, personRec{p, SetNonExist})
	}
	for _, p := range w.Abstainers {
		people = append(people, personRec{p, "abstain"})
	}
	if err := writeJSONL(filepath.Join(dir, "people.jsonl"), people); err != nil {
		return err
	}
	var inst []any
	for _, c := range w.Instructions {
		rec := map[string]any{"user": c.User, "assistant": c.Assistant}
		if len(c.History) > 0 {
			rec["history"] = c.History
		}
		inst = append(inst, rec)
	}
	if err := writeJSONL(filepath.Join(dir, "instructions.jsonl"), inst); err != nil {
		return err
	}
	all := []any{}
	bySet := map[string][]any{SetID: nil, SetOOD: nil, SetNonExist: nil}
	for _, q := range w.Questions {
		all = append(all, q)
		bySet[q.Source] = append(bySet[q.Source], q)
	}
	if err := writeJSONL(filepath.Join(dir, "questions.jsonl"), all); err != nil {
		return err
	}
	for set, qs := range bySet {
		if err := writeJSONL(filepath.Join(dir, "questions-"+set+".jsonl"), qs); err != nil {
			return err
		}
	}
	if len(w.Impact) > 0 {
		items := make([]any, len(w.Impact))
		for i, it := range w.Impact {
			items[i] = it
		}
		if err := writeJSONL(filepath.Join(dir, "impact.jsonl"), items); err != nil {
			return err
		}
	}
	if len(w.CopyDocs) > 0 {
		if err := writeLines(filepath.Join(dir, "copydocs.txt"), w.CopyDocs); err != nil {
			return err
		}
	}
	if len(w.RecallDocs) > 0 {
		if err := writeLines(filepath.Join(dir, "recalldocs.txt"), w.RecallDocs); err != nil {
			return err
		}
	}
	return writeLines(filepath.Join(dir, "biographies.txt"), w.Biographies)
}

func writeJSONL(path string, recs []any) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("world: %w", err)
	}
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return fmt.Errorf("world: encode %s: %w", path, err)
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("world: write %s: %w", path, err)
	}
	return f.Close()
}

func writeLines(path string, lines []string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("world: %w", err)
	}
	bw := bufio.NewWriter(f)
	for _, l := range lines {
		bw.WriteString(l)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("world: write %s: %w", path, err)
	}
	return f.Close()
}

// ReadQuestions reads a questions JSONL file written by Write.
func ReadQuestions(path string) ([]Question, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	defer f.Close()
	var qs []Question
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var q Question
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return nil, fmt.Errorf("world: %s:%d: %w", path, line, err)
		}
		if q.Question == "" {
			return nil, fmt.Errorf("world: %s:%d: record has no question", path, line)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("world: %s: %w", path, err)
	}
	return qs, nil
}
