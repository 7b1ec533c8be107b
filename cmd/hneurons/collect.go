package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/record"
)

// collectOptions are the flags of `hneurons collect`.
type collectOptions struct {
	model, dataset, out string
	samples, maxQ       int
	format              string
	seed                uint64
	batch               int
	temperature, topP   float64
	topK, maxNew        int
}

func init() {
	o := &collectOptions{}
	cmd := &cobra.Command{
		Use:   "collect --model M --dataset D --out responses.jsonl",
		Short: "Sample responses to a set of questions (the first stage of identification)",
		Long: `Collect asks the model every question of a dataset and samples --samples
responses to each, with the paper's decoding by default (temperature 1.0,
top-p 0.9, top-k 50, at most 50 new tokens).

--prompt-format chat renders one user turn "{question} Respond with the answer
only, without any explanation." with the model's chat template; base uses
"{question}\nAnswer:" and stops at the first newline (base models, origin study).
The prompt is prefilled once and its KV cache shared by the samples, which
decode together.

One JSON record per question (with every sample's text and token ids) is
appended to --out in input order as soon as it is finished. Rerun the same
command to resume: finished questions are skipped and a torn last line is cut.
Each question's samples depend only on --seed and its id.`,
		Example: `  hneurons collect --model Llama-3.1-8B-Instruct/ --dataset triviaqa-parquet:train.parquet \
      --max-questions 4000 --out responses.jsonl
  hneurons collect --model base.gguf --dataset nq:NQ-open.dev.jsonl --prompt-format base --out base.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runCollect(cmd, o) },
	}
	f := cmd.Flags()
	d := collect.PaperDecoding
	f.StringVar(&o.model, "model", "", "model file (GGUF) or Hugging Face folder (required)")
	f.StringVar(&o.dataset, "dataset", "", "dataset spec, format:path or a path (see hneurons datasets) (required)")
	f.StringVar(&o.out, "out", "", "responses JSONL to write or resume (required)")
	f.IntVar(&o.samples, "samples", 10, "responses per question")
	f.IntVar(&o.maxQ, "max-questions", 0, "use only the first N questions of the dataset (0: all)")
	f.StringVar(&o.format, "prompt-format", chat.FormatChat, "prompt format: chat or base")
	f.Uint64Var(&o.seed, "seed", 0, "sampling seed (each question samples with a seed derived from it and the question id)")
	f.IntVar(&o.batch, "batch", 1, "questions in flight at once (each with its own runner)")
	f.Float64Var(&o.temperature, "temperature", d.Temperature, "sampling temperature")
	f.Float64Var(&o.topP, "top-p", d.TopP, "nucleus sampling mass")
	f.IntVar(&o.topK, "top-k", d.TopK, "sample from the K most likely tokens")
	f.IntVar(&o.maxNew, "max-new-tokens", d.MaxNewTokens, "most new tokens per response")
	cmd.MarkFlagRequired("model")
	cmd.MarkFlagRequired("dataset")
	cmd.MarkFlagRequired("out")
	register(cmd)
}

func runCollect(cmd *cobra.Command, o *collectOptions) error {
	recs, _, err := datasets.Load(o.dataset, datasets.Options{DedupeIDs: true})
	if err != nil {
		return err
	}
	m, tok, err := openModel(o.model)
	if err != nil {
		return err
	}
	defer m.Close()
	stderr := cmd.ErrOrStderr()
	last := time.Time{}
	st, err := collect.Run(cmd.Context(), m, tok, recs, o.out, collect.Options{
		Samples: o.samples, MaxQuestions: o.maxQ, PromptFormat: o.format, Seed: o.seed, Batch: o.batch,
		Decoding: record.Decoding{Temperature: o.temperature, TopP: o.topP, TopK: o.topK, MaxNewTokens: o.maxNew},
		Progress: func(p collect.Progress) {
			if time.Since(last) < 2*time.Second && p.Done < p.Total {
				return
			}
			last = time.Now()
			fmt.Fprintf(stderr, "collect: %d/%d questions (%d done before), %.2f q/s, ETA %s\n",
				p.Done, p.Total, p.Skipped, p.Rate(), p.ETA().Round(time.Second))
		},
	})
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "questions read:   %d (repeated ids dropped: %d)\n", st.Input, st.Duplicates)
	fmt.Fprintf(w, "already in %s: %d\n", o.out, st.Skipped)
	fmt.Fprintf(w, "collected now:    %d questions, %d responses\n", st.Written, st.Samples)
	return err
}
