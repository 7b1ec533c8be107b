package main

import (
	"fmt"
	"strings"

	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/split"
	"github.com/spf13/cobra"
)

// splitOptions holds the flags of `hneurons split`.
type splitOptions struct {
	in, train, test string
	testSize        int
	testFrac        float64
	seed            uint64
	exclude         []string
	balance         bool
}

// newSplitCmd builds the `hneurons split` command.
func newSplitCmd() *cobra.Command {
	o := &splitOptions{}
	cmd := &cobra.Command{
		Use:   "split",
		Short: "Split labelled questions into disjoint, balanced train and test sets",
		Long: `Split reads labelled records (from hneurons label), keeps those labelled
faithful or hallucinated, drops any whose id or normalised question appears in
an --exclude file (an earlier split, a labelled file, a dataset, or the
H-Neurons authors' *_qids.json / examples files) or earlier in the input, and
writes a seeded random test set of --test-size questions (or --test-frac of
them) and a train set of the rest. With --balance both sets hold equal numbers
of faithful and hallucinated questions. The same input and seed give the same
files. A group of questions (records with one "group" field, such as the
people of the model organism) is never split between the two sets. Both files
start with their provenance (this command's options, the input and the
excluded files).`,
		Example: `  hneurons split --in labelled.jsonl --train train.jsonl --test test.jsonl --test-size 400 --seed 1 --balance
  hneurons split --in labelled2.jsonl --train t2.jsonl --test e2.jsonl --test-frac 0.2 --exclude train.jsonl,test.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runSplit(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.in, "in", "", "labelled JSONL (required)")
	f.StringVar(&o.train, "train", "", "train JSONL to write (required)")
	f.StringVar(&o.test, "test", "", "test JSONL to write (required)")
	f.IntVar(&o.testSize, "test-size", 0, "number of test questions")
	f.Float64Var(&o.testFrac, "test-frac", 0, "test fraction of the usable questions (when --test-size is 0; with --balance, of those balancing can use: twice the rarer label)")
	f.Uint64Var(&o.seed, "seed", defaultSeed, "shuffle seed")
	f.StringSliceVar(&o.exclude, "exclude", nil, "comma-separated files (dataset specs) whose questions must not be used")
	f.BoolVar(&o.balance, "balance", false, "equal faithful and hallucinated questions in both sets")
	for _, n := range []string{"in", "train", "test"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func runSplit(cmd *cobra.Command, o *splitOptions) error {
	var c checks
	c.atLeast("test-size", o.testSize, 0)
	if o.testSize == 0 {
		c.fraction("test-frac", o.testFrac)
	} else if o.testFrac != 0 {
		c.add("--test-size %d and --test-frac %v: give one of them", o.testSize, o.testFrac)
	}
	if err := c.err(); err != nil {
		return err
	}
	recs, _, err := record.ReadLabelled(o.in)
	if err != nil {
		return err
	}
	ex := split.NewExclusion()
	w := cmd.OutOrStdout()
	for _, spec := range excludeSpecs(o.exclude) {
		n, err := ex.AddSpec(spec)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "exclude %s: %d questions\n", spec, n)
	}
	opt := split.Options{TestSize: o.testSize, TestFrac: o.testFrac, Seed: o.seed, Balance: o.balance}
	train, test, rep, err := split.Split(recs, ex, opt)
	if err != nil {
		return err
	}
	trp, tep, err := split.Provenance(o.in, excludeSpecs(o.exclude), opt)
	if err != nil {
		return err
	}
	if err := split.Write(o.test, &tep, test); err != nil {
		return err
	}
	if err := split.Write(o.train, &trp, train); err != nil {
		return err
	}
	fmt.Fprintf(w, "read %d records: %d not faithful/hallucinated, %d excluded by id, %d by question, %d repeated ids, %d repeated questions\n",
		rep.Input, rep.NotLabelled, rep.ExcludedByID, rep.ExcludedByQuestion, rep.DuplicateIDs, rep.DuplicateQuestions)
	fmt.Fprintf(w, "usable: %d faithful, %d hallucinated\n", rep.Faithful, rep.Hallucinated)
	fmt.Fprintf(w, "test  %s: %d (%d faithful, %d hallucinated)\n", o.test, len(test), rep.TestFaithful, rep.TestHallucinated)
	fmt.Fprintf(w, "train %s: %d (%d faithful, %d hallucinated)\n", o.train, len(train), rep.TrainFaithful, rep.TrainHallucinated)
	fmt.Fprintf(w, "groups: %d on the test side, %d on the train side (a group's questions are never on both)\n", rep.TestGroups, rep.TrainGroups)
	if rep.OverQuota > 0 {
		fmt.Fprintf(w, "left out: %d records of test-side groups beyond the test set's quota (never moved to train)\n", rep.OverQuota)
	}
	if rep.UnusedFaithful+rep.UnusedHallucinated > 0 {
		fmt.Fprintf(w, "left out to balance: %d faithful, %d hallucinated\n", rep.UnusedFaithful, rep.UnusedHallucinated)
	}
	return nil
}

// excludeSpecs returns the non-empty --exclude specs, trimmed.
func excludeSpecs(specs []string) []string {
	var out []string
	for _, s := range specs {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
