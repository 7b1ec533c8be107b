// Command gen refreshes the shipped organism from a finished
// `hneurons organism train --out RUN` folder: it copies RUN/chat and RUN/base,
// writes a sample of RUN/world's question sets (all questions of every k-th
// person per popularity bucket, so that a split by person stays possible) and
// copies RUN/world/impact.jsonl (the behavioural-impact analogue items), and
// records greedy.json, the chat model's greedy answers to a few questions as
// decoded by the trainer's own float32 implementation (train.Greedy), which
// the package test compares with the inference engine.
//
//	go run ./organism/shipped/internal/gen -run /tmp/org7
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/hneurons/hneurons/organism"
	"github.com/hneurons/hneurons/organism/train"
	"github.com/hneurons/hneurons/organism/world"
)

func main() {
	run := flag.String("run", "", "finished organism run folder")
	out := flag.String("out", "organism/shipped", "shipped package folder")
	perBucket := flag.Int("people-per-bucket", 0, "people sampled per popularity bucket (id set; 0: all)")
	nonexist := flag.Int("nonexist-people", 0, "fabricated people sampled (nonexist set; 0: all)")
	flag.Parse()
	if *run == "" {
		log.Fatal("need -run")
	}
	for _, d := range []string{"chat", "base"} {
		if err := copyDir(filepath.Join(*run, d), filepath.Join(*out, d)); err != nil {
			log.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(*out, "questions"), 0o755); err != nil {
		log.Fatal(err)
	}
	id, err := world.ReadQuestions(filepath.Join(*run, "world", "questions-id.jsonl"))
	if err != nil {
		log.Fatal(err)
	}
	ne, err := world.ReadQuestions(filepath.Join(*run, "world", "questions-nonexist.jsonl"))
	if err != nil {
		log.Fatal(err)
	}
	// The behavioural-impact analogue items, unchanged.
	imp, err := os.ReadFile(filepath.Join(*run, "world", "impact.jsonl"))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "questions", "impact.jsonl"), imp, 0o644); err != nil {
		log.Fatal(err)
	}
	idS := samplePeople(id, *perBucket)
	neS := samplePeople(ne, *nonexist)
	if err := writeJSONL(filepath.Join(*out, "questions", "id.jsonl"), idS); err != nil {
		log.Fatal(err)
	}
	if err := writeJSONL(filepath.Join(*out, "questions", "nonexist.jsonl"), neS); err != nil {
		log.Fatal(err)
	}
	// Greedy answers of the trainer's decoder for the first 3 questions of
	// each bucket and 5 NonExist questions.
	m, err := train.LoadHF(filepath.Join(*run, "chat"))
	if err != nil {
		log.Fatal(err)
	}
	tok, err := world.ReadTokenizer(filepath.Join(*run, "chat", "tokenizer.json"))
	if err != nil {
		log.Fatal(err)
	}
	type rec struct {
		ID       string `json:"id"`
		Question string `json:"question"`
		Prompt   []int  `json:"prompt"`
		Tokens   []int  `json:"tokens"`
		Answer   string `json:"answer"`
	}
	var greedy []rec
	seen := map[string]int{}
	for _, q := range append(append([]world.Question{}, idS...), neS...) {
		b := q.Source + "/" + organism.Bucket(q.Mentions)
		if seen[b] >= 3 {
			continue
		}
		seen[b]++
		p := tok.Prompt(q.Question)
		p32 := make([]int32, len(p))
		for i, v := range p {
			p32[i] = int32(v)
		}
		o, err := train.Greedy(m, p32, 8, world.EosID)
		if err != nil {
			log.Fatal(err)
		}
		ids := make([]int, len(o))
		for i, v := range o {
			ids[i] = int(v)
		}
		greedy = append(greedy, rec{ID: q.ID, Question: q.Question, Prompt: p, Tokens: ids, Answer: tok.Decode(ids)})
	}
	b, err := json.MarshalIndent(greedy, "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "greedy.json"), append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("shipped %d id and %d nonexist questions, %d greedy answers\n", len(idS), len(neS), len(greedy))
}

// samplePeople keeps every question of an evenly spaced sample of n people
// per popularity bucket, in file order (all questions when n <= 0).
func samplePeople(qs []world.Question, n int) []world.Question {
	if n <= 0 {
		return qs
	}
	people := map[string][]string{} // bucket -> people in file order
	seen := map[string]bool{}
	for _, q := range qs {
		if !seen[q.Person] {
			seen[q.Person] = true
			b := organism.Bucket(q.Mentions)
			people[b] = append(people[b], q.Person)
		}
	}
	keep := map[string]bool{}
	for _, ps := range people {
		k := max(1, len(ps)/n)
		for i := 0; i < len(ps) && i/k < n; i += k {
			keep[ps[i]] = true
		}
	}
	var out []world.Question
	for _, q := range qs {
		if keep[q.Person] {
			out = append(out, q)
		}
	}
	return out
}

func writeJSONL(path string, qs []world.Question) error {
	// The shipped files leave out the paper's answer-format suffix, which
	// every question carries (collect appends it again).
	suffix := " " + world.Instruction
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, q := range qs {
		q.Question = strings.TrimSuffix(q.Question, suffix)
		if err := enc.Encode(q); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	es, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
