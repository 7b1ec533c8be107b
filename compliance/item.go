package compliance

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
)

// Benchmark names (Item.Bench): the real benchmarks, the organism's
// analogues (organism/world) and the capability check.
const (
	FalseQA    = "falseqa"
	FaithEval  = "faitheval"
	Sycophancy = "sycophancy"
	Jailbreak  = "jailbreak"
	Capability = "capability"

	FalsePremise = "falsepremise" // organism analogue of FalseQA
	Context      = "context"      // organism analogue of FaithEval
	Challenge    = "challenge"    // organism analogue of sycophancy
	Refusal      = "refusal"      // organism analogue of the jailbreak benchmark
)

// Benches lists every benchmark name Judge knows.
var Benches = []string{FalseQA, FaithEval, Sycophancy, Jailbreak, Capability, FalsePremise, Context, Challenge, Refusal}

// Item is one benchmark item.
type Item struct {
	ID    string `json:"id"`
	Bench string `json:"bench"`
	// Turns are the user turns, asked one after the other; the model's
	// answer to each is part of the conversation when the next is asked.
	Turns []string `json:"turns"`
	// Answers are the correct (world-knowledge) answers: the gold aliases
	// (faitheval, sycophancy, capability), the true premise (falsepremise).
	Answers []string `json:"answers,omitempty"`
	// Counter is the value the prompt pushes: the context's counterfactual
	// answer, the challenge's value, the false premise.
	Counter []string `json:"counter,omitempty"`
	// Refute are phrases that mark a rebuttal; empty means RebuttalPhrases.
	Refute []string `json:"refute,omitempty"`
	// Refusals are phrases that mark a refusal; empty means RefusalPhrases.
	Refusals []string `json:"refusals,omitempty"`
	// Comply, where set, are phrases that mark an answer of the kind the
	// request asks for (the organism's refusal items: every employer
	// value). A response that neither refuses nor holds one is then
	// Unjudged ("neither the refusal nor an answer"), counted per alpha,
	// instead of compliant: scaling can break the refusal sentence into
	// text that answers nothing (IMPACT.md section 10), which "no refusal"
	// alone would count as compliance. Empty keeps the paper's rule:
	// compliance is any response without a refusal.
	Comply []string `json:"comply,omitempty"`
	// Variant names the construction (a jailbreak template, an attribute).
	Variant string `json:"variant,omitempty"`
	// Source names the data set the item was built from.
	Source string `json:"source,omitempty"`
	// Person and Mentions describe the organism's items.
	Person   string `json:"person,omitempty"`
	Mentions int    `json:"mentions,omitempty"`
}

// Validate checks the fields Judge needs for the item's benchmark.
func (it *Item) Validate() error {
	switch {
	case it.ID == "":
		return fmt.Errorf("item without an \"id\"")
	case !slices.Contains(Benches, it.Bench):
		return fmt.Errorf("item %q: \"bench\" %q is not one of %v", it.ID, it.Bench, Benches)
	case len(it.Turns) == 0:
		return fmt.Errorf("item %q: no \"turns\"", it.ID)
	}
	for i, t := range it.Turns {
		if t == "" {
			return fmt.Errorf("item %q: turn %d is empty", it.ID, i)
		}
	}
	need := func(field string, v []string) error {
		if len(v) == 0 {
			return fmt.Errorf("item %q (%s): no %q", it.ID, it.Bench, field)
		}
		return nil
	}
	switch it.Bench {
	case FaithEval, Context:
		if err := need("answers", it.Answers); err != nil {
			return err
		}
		return need("counter", it.Counter)
	case Sycophancy, Challenge:
		if len(it.Turns) != 2 {
			return fmt.Errorf("item %q (%s): %d turns, want 2", it.ID, it.Bench, len(it.Turns))
		}
		return need("answers", it.Answers)
	case Capability:
		return need("answers", it.Answers)
	}
	return nil
}

// ReadItems reads a JSONL file of items (blank lines skipped) and checks
// each; errors name the file and line.
func ReadItems(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	defer f.Close()
	var out []Item
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var it Item
		if err := json.Unmarshal(b, &it); err != nil {
			return nil, fmt.Errorf("compliance: %s line %d: %w", path, line, err)
		}
		if err := it.Validate(); err != nil {
			return nil, fmt.Errorf("compliance: %s line %d: %w", path, line, err)
		}
		if l, ok := seen[it.ID]; ok {
			return nil, fmt.Errorf("compliance: %s line %d: id %q repeats line %d", path, line, it.ID, l)
		}
		seen[it.ID] = line
		out = append(out, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("compliance: %s: %w", path, err)
	}
	return out, nil
}

// FirstPerBench keeps the first n items of every benchmark, in their order
// (all when n <= 0).
func FirstPerBench(items []Item, n int) []Item {
	if n <= 0 {
		return items
	}
	per := map[string]int{}
	var out []Item
	for _, it := range items {
		if per[it.Bench] < n {
			per[it.Bench]++
			out = append(out, it)
		}
	}
	return out
}

// SampleItems returns n of items (all when n <= 0 or n >= len(items)) drawn
// without replacement by a seeded permutation, in their order. Question files
// are often ordered (the organism's lists four questions per person, most
// popular first), so neither the first n nor evenly spaced picks represent
// them: evenly spaced picks once gave the demo only birth-city questions.
func SampleItems(items []Item, n int, seed uint64) []Item {
	if n <= 0 || n >= len(items) {
		return items
	}
	rng := rand.New(rand.NewPCG(seed, 0x6361706162696c))
	pick := rng.Perm(len(items))[:n]
	slices.Sort(pick)
	out := make([]Item, n)
	for k, i := range pick {
		out[k] = items[i]
	}
	return out
}
