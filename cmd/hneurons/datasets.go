package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/internal/atomicfile"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/record"
	"github.com/spf13/cobra"
)

// newDatasetsCmd builds the `hneurons datasets` command.
func newDatasetsCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "datasets",
		Short: "Inspect, convert and generate question datasets",
		Long: `Datasets reads any supported question file into the common record
{id, question, answers, source}. A dataset is named by a spec: format:path, a
bare path (format detected from its extension and first bytes) or
nonexist:N[:seed] for generated questions about fabricated entities.

Formats: ` + strings.Join(datasets.Formats(), ", ") + ".",
	}

	var limit int
	var skipBad, dedupe bool
	show := &cobra.Command{
		Use:   "show SPEC",
		Short: "Print a dataset's record count and its first records",
		Example: `  hneurons datasets show ../shared/datasets/nq_open/NQ-open.dev.jsonl
  hneurons datasets show triviaqa-parquet:rc.nocontext.validation.parquet --limit 3`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			recs, st, err := datasets.Load(args[0], datasets.Options{SkipBad: skipBad, DedupeIDs: dedupe})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: %d records", args[0], st.Read)
			if st.Duplicates > 0 {
				fmt.Fprintf(w, ", %d repeated ids dropped", st.Duplicates)
			}
			if st.Skipped > 0 {
				fmt.Fprintf(w, ", %d bad rows skipped (first: %s)", st.Skipped, st.FirstSkip)
			}
			fmt.Fprintln(w)
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false)
			for i := 0; i < len(recs) && i < limit; i++ {
				if err := enc.Encode(recs[i]); err != nil {
					return err
				}
			}
			return nil
		},
	}
	show.Flags().IntVar(&limit, "limit", 5, "records to print")
	show.Flags().BoolVar(&skipBad, "skip-bad", false, "skip and count bad rows instead of failing")
	show.Flags().BoolVar(&dedupe, "dedupe", true, "drop records that repeat an id with the same question")

	var out string
	convert := &cobra.Command{
		Use:   "convert SPEC",
		Short: "Write a dataset as generic JSONL ({id, question, answers, ...})",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			recs, st, err := datasets.Load(args[0], datasets.Options{SkipBad: skipBad, DedupeIDs: dedupe})
			if err != nil {
				return err
			}
			if err := writeRecords(out, recs); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d records to %s (%d bad rows skipped, %d repeated ids dropped)\n", len(recs), out, st.Skipped, st.Duplicates)
			return nil
		},
	}
	convert.Flags().StringVar(&out, "out", "", "output JSONL (required)")
	convert.Flags().BoolVar(&skipBad, "skip-bad", false, "skip and count bad rows instead of failing")
	convert.Flags().BoolVar(&dedupe, "dedupe", true, "drop records that repeat an id with the same question")
	convert.MarkFlagRequired("out")

	var n int
	var seed uint64
	var forms []string
	nonexist := &cobra.Command{
		Use:   "nonexist",
		Short: "Generate questions about fabricated entities (any confident answer is a hallucination)",
		Long: `Nonexist writes N questions about entities that do not exist (syllable-built
names checked against a list of real names) in generic JSONL, cycling through
the question forms: ` + strings.Join(datasets.NonExistForms(), ", ") + `.
The same seed gives the same questions.`,
		Example: `  hneurons datasets nonexist --n 1000 --seed 1 --out nonexist.jsonl`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			recs, err := datasets.GenerateNonExist(n, seed, forms)
			if err != nil {
				return err
			}
			if err := writeRecords(out, recs); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d questions to %s\n", len(recs), out)
			return nil
		},
	}
	nonexist.Flags().IntVar(&n, "n", 1000, "number of questions")
	nonexist.Flags().Uint64Var(&seed, "seed", defaultSeed, "generator seed")
	nonexist.Flags().StringSliceVar(&forms, "forms", nil, "question forms to use (default all)")
	nonexist.Flags().StringVar(&out, "out", "", "output JSONL (required)")
	nonexist.MarkFlagRequired("out")

	var exPath, qidsPath string
	authors := &cobra.Command{
		Use:   "authors",
		Short: "Import the H-Neurons authors' labelled responses as labelled records",
		Long: `Authors turns one of the authors' *_answer_tokens_*.jsonl files and its
*_qids.json split into labelled JSONL (t = faithful, f = hallucinated) with
their answer tokens as the answer span, ready for split and extract. The
records carry no gold answers (the files have none).`,
		Example: `  hneurons datasets authors --examples gemma27b_TriviaQA_answer_tokens_train.jsonl \
      --qids gemma27b_TriviaQA_train_qids.json --out gemma-train.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			recs, rep, err := label.ImportAuthors(exPath, qidsPath)
			if err != nil {
				return err
			}
			prov := record.New("datasets authors", nil)
			for _, in := range []struct{ role, path string }{{"examples", exPath}, {"qids", qidsPath}} {
				i, err := record.InputOf(in.role, in.path)
				if err != nil {
					return err
				}
				prov = prov.WithInput(i)
			}
			if err := record.WriteJSONL(out, &prov, recs); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d records to %s: %d faithful, %d hallucinated; %d examples unlabelled, %d qids without example, %d spans not located (whole response)\n",
				len(recs), out, rep.Faithful, rep.Hallucinated, rep.Unlabelled, rep.Missing, rep.Fallback)
			return nil
		},
	}
	authors.Flags().StringVar(&exPath, "examples", "", "authors' *_answer_tokens_*.jsonl (required)")
	authors.Flags().StringVar(&qidsPath, "qids", "", "authors' *_qids.json (required)")
	authors.Flags().StringVar(&out, "out", "", "labelled JSONL to write (required)")
	for _, n := range []string{"examples", "qids", "out"} {
		authors.MarkFlagRequired(n)
	}

	root.AddCommand(show, convert, nonexist, authors)
	return root
}

// writeRecords writes records as generic JSONL to path ("-" for stdout).
func writeRecords(path string, recs []datasets.Record) error {
	if path == "-" {
		return datasets.WriteJSONL(os.Stdout, recs)
	}
	return atomicfile.Write(path, func(w io.Writer) error { return datasets.WriteJSONL(w, recs) })
}
