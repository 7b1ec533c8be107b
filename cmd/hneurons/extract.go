package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/internal/progress"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/shard"
)

// extractOptions are the flags of `hneurons extract`.
type extractOptions struct {
	model, in, out string
	regions        string
	agg            string
	batch, tokens  int
	npy            bool
	fresh          bool
	shard          string
}

// newExtractCmd builds the `hneurons extract` command.
func newExtractCmd() *cobra.Command {
	o := &extractOptions{}
	cmd := &cobra.Command{
		Use:   "extract --model M --in labelled.jsonl --out features/",
		Short: "Compute CETT neuron contributions of labelled responses into a feature store",
		Long: `Extract replays every faithful or hallucinated response of a labelled file
through the model (prompt tokens, then the response tokens as sampled; no
end-of-turn token is appended) and computes, for every layer l and neuron j,

    CETT[l,t,j] = |z_t[j]| * ||W_down[:, j]|| / (||h_t|| + 1e-8)

averaged (or maxed, --agg max) over each region's tokens: input (prompt),
output (response), answer (the answer span's tokens) and other (everything but
the answer span). Each (response, region) becomes one row of layers x d_ff
values in the feature store --out (features.f32, rows.jsonl, index.json); an empty region
is stored as an empty zero row. Rerun to resume: stored rows are skipped (keep
--batch and --batch-tokens for a bit-identical store). index.json records the
provenance (--agg, model, input file); a resume with another --agg, model or
input stops with an error naming it, unless --fresh. A response longer than the
model's context is skipped, counted and reported.
--npy also writes X.npy, y.npy and ids.txt to --out/npy.`,
		Example: `  hneurons extract --model Llama-3.1-8B-Instruct/ --in train.jsonl --out features/train
  hneurons extract --model m.gguf --in test.jsonl --regions answer --agg max --out features/test --npy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runExtract(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", modelUsage)
	f.StringVar(&o.in, "in", "", "labelled JSONL (from label or split) (required)")
	f.StringVar(&o.out, "out", "", "feature store directory to write or resume (required)")
	f.StringVar(&o.regions, "regions", strings.Join(extract.DefaultRegions, ","), "comma-separated regions: answer, other, input, output")
	f.StringVar(&o.agg, "agg", string(extract.AggMean), "aggregation over a region's tokens: mean or max")
	f.IntVar(&o.batch, "batch", 8, "most responses per forward call")
	f.IntVar(&o.tokens, "batch-tokens", 1024, "most tokens per forward call")
	f.BoolVar(&o.npy, "npy", false, "also export the store as .npy files to <out>/npy")
	f.BoolVar(&o.fresh, "fresh", false, freshUsage)
	f.StringVar(&o.shard, "shard", "", shardUsage)
	cmd.MarkFlagRequired("model")
	cmd.MarkFlagRequired("in")
	cmd.MarkFlagRequired("out")
	return cmd
}

// parse checks the flags and returns the aggregation and regions they name.
func (o *extractOptions) parse() (extract.Agg, []string, error) {
	var c checks
	agg, err := extract.ParseAgg(o.agg)
	c.flag("agg", err)
	var regions []string
	for _, r := range strings.Split(o.regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			if _, err := extract.RegionIndex(r); err != nil {
				c.flag("regions", err)
			}
			regions = append(regions, r)
		}
	}
	if len(regions) == 0 {
		c.add("--regions %q: name at least one region", o.regions)
	}
	c.atLeast("batch", o.batch, 1)
	c.atLeast("batch-tokens", o.tokens, 1)
	_, err = shard.Parse(o.shard)
	c.also(err)
	return agg, regions, c.err()
}

func runExtract(cmd *cobra.Command, o *extractOptions) error {
	agg, regions, err := o.parse()
	if err != nil {
		return err
	}
	recs, _, err := record.ReadLabelled(o.in)
	if err != nil {
		return err
	}
	input, err := record.InputOf("labelled", o.in)
	if err != nil {
		return err
	}
	m, tok, err := openModel(o.model)
	if err != nil {
		return err
	}
	defer m.Close()
	stderr := cmd.ErrOrStderr()
	bar := progress.New(stderr, "extract")
	st, err := extract.Run(cmd.Context(), m, tok, recs, o.out, extract.Options{
		Regions: regions, Agg: agg, Batch: o.batch, BatchTokens: o.tokens, Input: input, Fresh: o.fresh,
		Shard: parseShard(o.shard),
		Progress: func(p extract.Progress) {
			bar.Update(p.Done, p.Total, fmt.Sprintf("%.0f tokens/s, %d stored before", float64(p.Tokens)/p.Elapsed.Seconds(), p.Skipped))
		},
	})
	bar.Done()
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "records read:     %d (not faithful/hallucinated: %d, repeated ids: %d)\n", st.Input, st.Unlabelled, st.Duplicates)
	if st.OtherShards > 0 {
		fmt.Fprintf(w, "other shards':    %d responses (this is shard %s)\n", st.OtherShards, o.shard)
	}
	fmt.Fprintf(w, "already stored:   %d responses\n", st.Skipped)
	fmt.Fprintf(w, "extracted now:    %d responses, %d rows, %d tokens\n", st.Done, st.Rows, st.Tokens)
	fmt.Fprintf(w, "empty answer spans: %d; re-tokenised responses: %d; token/text mismatches: %d; too long (skipped): %d\n", st.EmptyAnswer, st.Retokenised, st.Mismatch, st.TooLong)
	if err != nil {
		return err
	}
	if o.npy {
		dir := filepath.Join(o.out, "npy")
		n, err := features.ExportNPY(o.out, dir, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "exported %d rows to %s\n", n, dir)
	}
	return nil
}
