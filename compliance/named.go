package compliance

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hneurons/hneurons/datasets"
)

// Sources are the files, relative to a datasets folder laid out as
// ../shared/datasets, that BuildNamed reads for each real benchmark.
//
// The capability check reads NQ-Open's dev set, not TriviaQA as the paper
// does: the only TriviaQA file there is (rc.nocontext test) has its answers
// blanked upstream, so it cannot be scored. Its items leave out the
// questions the FaithEval items of the same n and seed are built from, so the
// capability questions are held out from every context the benchmarks show.
var Sources = map[string]string{
	FalseQA:    "falseqa/falseqa_test.csv",
	FaithEval:  "nq_open/NQ-open.dev.jsonl",
	Sycophancy: "nq_open/NQ-open.efficientqa.dev.1.1.jsonl",
	Jailbreak:  "advbench/harmful_behaviors.csv",
	Capability: "nq_open/NQ-open.dev.jsonl",
}

// RealBenches are the benchmarks BuildNamed builds, in a fixed order.
var RealBenches = []string{FalseQA, FaithEval, Sycophancy, Jailbreak, Capability}

// BuildNamed builds the real benchmark name from the datasets folder dir
// (Sources), at most n items (0: all; for jailbreak, n requests, each in
// every template), seeded where the construction draws.
func BuildNamed(name, dir string, n int, seed uint64) ([]Item, error) {
	rel, ok := Sources[name]
	if !ok {
		return nil, fmt.Errorf("compliance: --bench %q: want one of %v", name, RealBenches)
	}
	path := filepath.Join(dir, rel)
	var recs []datasets.Record
	var err error
	switch name {
	case Jailbreak:
		recs, _, err = datasets.ReadAdvBench(path, datasets.Options{})
	default:
		recs, _, err = datasets.Load(path, datasets.Options{})
	}
	if err != nil {
		return nil, fmt.Errorf("compliance: %s: %w", name, err)
	}
	var items []Item
	switch name {
	case FalseQA:
		items = BuildFalseQA(recs, n)
	case FaithEval:
		items = BuildFaithEval(recs, n, seed)
	case Sycophancy:
		items = BuildSycophancy(recs, n)
	case Jailbreak:
		items = BuildJailbreak(recs, n)
	case Capability:
		var exclude []string
		for _, it := range BuildFaithEval(recs, n, seed) {
			exclude = append(exclude, strings.TrimPrefix(it.ID, FaithEval+":"))
		}
		items = BuildCapability(recs, n, exclude)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("compliance: %s: %s gave no items", name, path)
	}
	return items, nil
}
