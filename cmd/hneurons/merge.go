package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/shard"
)

// shardUsage is the help of collect's and extract's --shard flag.
const shardUsage = "do only shard i of n of the input, i/n counted from 0 (e.g. $JOB_COMPLETION_INDEX/8); join the shards with hneurons merge"

// parseShard returns the shard a --shard flag names (validated before).
func parseShard(s string) shard.Spec {
	sp, _ := shard.Parse(s)
	return sp
}

// mergeOptions are the flags of `hneurons merge`.
type mergeOptions struct {
	out, input string
	fresh      bool
}

// newMergeCmd builds the `hneurons merge` command.
func newMergeCmd() *cobra.Command {
	o := &mergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge --out OUT SHARD...",
		Short: "Join the shard outputs of collect --shard or extract --shard into the unsharded output",
		Long: `Merge joins the outputs of one stage run as n shards (collect --shard i/n
writes JSONL files, extract --shard i/n feature stores) into the output the
unsharded run writes: the same provenance (without the shard) and the same
records in the same order, the input's. Give every shard, in any order.

It refuses shards whose provenance differs other than by the shard (options,
model, input, version), a missing or repeated shard, an id in a shard it does
not belong to or in two shards, and an id that is not in the input.

The order is read from the stage's input: the dataset (collect) or the labelled
file (extract) at the path the shards' provenance records, or at --input when
it lives elsewhere on this machine; its digest must be the one the shards
record. Questions that no shard holds (skipped as too long, or cut by
--max-questions) are counted, not an error; merge only finished shards.`,
		Example: `  hneurons merge --out responses.jsonl shards/responses-*.jsonl
  hneurons merge --out features/train --input splits/train.jsonl shards/features-*`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runMerge(cmd, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "merged output: a JSONL file for collect shards, a feature store folder for extract shards (required)")
	f.StringVar(&o.input, "input", "", "the stage's input (dataset spec for collect, labelled JSONL for extract) when not at the path the shards record")
	f.BoolVar(&o.fresh, "fresh", false, "replace a feature store already in --out")
	cmd.MarkFlagRequired("out")
	return cmd
}

func runMerge(cmd *cobra.Command, o *mergeOptions, paths []string) error {
	st, err := os.Stat(paths[0])
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	// The first shard says which stage wrote them; MergeJSONL and
	// MergeFeatures check the rest.
	var prov *record.Provenance
	stores := st.IsDir()
	if stores {
		ix, err := features.ReadIndex(paths[0])
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		prov = ix.Provenance
	} else if prov, err = record.ReadHeader(paths[0]); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	if prov == nil {
		return fmt.Errorf("merge: %s has no provenance, so it is not a shard hneurons wrote", paths[0])
	}
	_, base, err := shard.Split(prov)
	if err != nil {
		return fmt.Errorf("merge: %s: %w", paths[0], err)
	}
	if stores != (base.Command == "extract") {
		return fmt.Errorf("merge: %s was written by `hneurons %s`; only collect shards (JSONL files) and extract shards (feature stores) merge", paths[0], base.Command)
	}
	order, err := shard.InputOrder(&base, o.input)
	if err != nil {
		return err
	}
	var ms shard.Stats
	if stores {
		ms, err = shard.MergeFeatures(cmd.Context(), paths, order, o.out, o.fresh)
	} else {
		ms, err = shard.MergeJSONL(paths, order, o.out)
	}
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	counts := make([]string, len(ms.PerShard))
	for i, n := range ms.PerShard {
		counts[i] = fmt.Sprint(n)
	}
	fmt.Fprintf(w, "merged %d shards of `hneurons %s` into %s: %d records (per shard: %s)", ms.Shards, base.Command, o.out, ms.Records, strings.Join(counts, ", "))
	if stores {
		fmt.Fprintf(w, ", %d rows", ms.Rows)
	}
	fmt.Fprintln(w)
	if ms.Absent > 0 {
		fmt.Fprintf(w, "input ids no shard holds: %d (skipped by the stage, cut by --max-questions, or an unfinished shard)\n", ms.Absent)
	}
	return nil
}
