package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/internal/progress"
	"github.com/hneurons/hneurons/origin"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
)

// transferOptions are the flags of `hneurons transfer`.
type transferOptions struct {
	probe, model, in, train, out string
	seeds, boot                  int
	seed                         uint64
	balance, keepFormat, fresh   bool
}

// transferFile is the report `hneurons transfer` writes into --out.
const transferFile = "transfer.json"

// newTransferCmd builds the `hneurons transfer` command.
func newTransferCmd() *cobra.Command {
	o := &transferOptions{}
	cmd := &cobra.Command{
		Use:   "transfer --probe probe.json --model BASE --in labelled.jsonl --out DIR",
		Short: "Apply an instruct model's probe unchanged to its base model (backward transfer, paper section 6)",
		Long: `Transfer replays labelled responses of the instruct model through the base
model in the paper's base prompt format ("{question}\nAnswer:", the response cut
at its first newline; --keep-format keeps the records' own format), extracts the
answer regions' CETT into DIR/features (resumable, with provenance), applies the
probe unchanged and prints accuracy and AUROC with bootstrap intervals. Records
collected and labelled on the base model itself (collect --prompt-format base)
are used as they are: then the probe is evaluated on the base model's own
answers.

With --train-features (the instruct model's training feature store, the one
the probe was trained on) it also trains the restricted classifiers of the
transfer check on the instruct model — on the H-Neurons and on
--baseline-seeds sets of as many random neurons (L2, C=1, standardised) — and
scores them on the base model's rows, so the random controls are transferred the
same way as the probe. The two models must share the tokenizer and the neuron
layout (layers x neurons per layer); the command stops when they do not.`,
		Example: `  hneurons transfer --probe run/probe.json --model Llama-3.1-8B --in run/splits/test.jsonl \
    --train-features run/features/train --out run/transfer-test`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runTransfer(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.probe, "probe", "probe.json", "the instruct model's probe")
	f.StringVar(&o.model, "model", "", "the base model (Hugging Face folder or GGUF file; required)")
	f.StringVar(&o.in, "in", "", "labelled responses (JSONL from label or split; required)")
	f.StringVar(&o.train, "train-features", "", "the instruct model's training feature store, for the random-neuron controls")
	f.StringVar(&o.out, "out", "", "output folder: features/ and transfer.json (required)")
	f.IntVar(&o.seeds, "baseline-seeds", 20, "random-neuron controls (with --train-features)")
	f.IntVar(&o.boot, "bootstrap", 1000, "bootstrap resamples for the intervals")
	f.Uint64Var(&o.seed, "seed", defaultSeed, "seed for bootstrap, balancing and random neurons")
	f.BoolVar(&o.balance, "balance", true, "score the probe on a class-balanced subset (as the paper's accuracies)")
	f.BoolVar(&o.keepFormat, "keep-format", false, "keep the records' prompt format instead of the base format")
	f.BoolVar(&o.fresh, "fresh", false, "discard an existing feature store in --out instead of resuming it")
	for _, name := range []string{"model", "in", "out"} {
		cmd.MarkFlagRequired(name)
	}
	return cmd
}

func runTransfer(cmd *cobra.Command, o *transferOptions) error {
	var c checks
	c.atLeast("baseline-seeds", o.seeds, 0)
	c.atLeast("bootstrap", o.boot, 0)
	if err := c.err(); err != nil {
		return err
	}
	pr, err := probe.Load(o.probe)
	if err != nil {
		return err
	}
	recs, _, err := record.ReadLabelled(o.in)
	if err != nil {
		return err
	}
	var train *probe.Dataset
	if o.train != "" {
		if train, err = probe.LoadEvalDataset(o.train); err != nil {
			return err
		}
		if err := pr.CheckShape(train.Shape); err != nil {
			return fmt.Errorf("--train-features: %w", err)
		}
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
	if err := origin.CheckLayout(pr, m); err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	bar := progress.New(stderr, "transfer: extracting")
	defer bar.Done()
	res, err := origin.Transfer(cmd.Context(), origin.TransferOptions{
		Base: m, Tok: tok, Probe: pr, Records: recs, KeepFormat: o.keepFormat, Train: train, Seeds: o.seeds,
		Boot: o.boot, Seed: o.seed, Balance: o.balance, Dir: filepath.Join(o.out, "features"), Input: input, Fresh: o.fresh,
		Progress: func(p origin.ExtractProgress) {
			bar.Update(p.Done, p.Total, fmt.Sprintf("%d stored before", p.Skipped))
		},
	})
	if err != nil {
		return err
	}
	prov := record.New("transfer", map[string]string{"baseline-seeds": strconv.Itoa(o.seeds), "bootstrap": strconv.Itoa(o.boot),
		"seed": strconv.FormatUint(o.seed, 10), "balance": strconv.FormatBool(o.balance), "keep-format": strconv.FormatBool(o.keepFormat)}).
		WithModel(res.BaseModel, m.Path)
	for _, in := range []struct{ role, path string }{{"probe", o.probe}, {"labelled", o.in}} {
		i, err := record.InputOf(in.role, in.path)
		if err != nil {
			return err
		}
		prov = prov.WithInput(i)
	}
	if o.train != "" {
		i, err := features.InputOf("train features", o.train)
		if err != nil {
			return err
		}
		prov = prov.WithInput(i)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	report := struct {
		Provenance record.Provenance `json:"provenance"`
		*origin.TransferResult
	}{prov, res}
	if err := record.WriteJSON(filepath.Join(o.out, transferFile), report); err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	w := cmd.OutOrStdout()
	if res.Replayed {
		fmt.Fprintf(w, "replayed in the base format: %d responses cut at a newline, %d answer spans clipped, %d lost\n",
			res.Replay.Cut, res.Replay.AnswerClipped, res.Replay.AnswerLost)
	}
	st := res.Extract
	fmt.Fprintf(w, "extracted: %d responses (%d stored before; empty answer spans %d, too long %d)\n", st.Done, st.Skipped, st.EmptyAnswer, st.TooLong)
	fmt.Fprintf(w, "probe %s (%d H-Neurons) unchanged on the base model %s:\n", o.probe, len(pr.HNeurons), m.Path)
	printMetrics(w, "transfer", &res.Probe)
	if t := res.Controls; t != nil {
		fmt.Fprintf(w, "restricted L2 classifiers trained on the instruct model, scored on the base model (%d random seeds):\n", len(t.RandomAUROC))
		fmt.Fprintf(w, "  H-Neurons: accuracy %.4f AUROC %.4f\n", t.HNeuronAccuracy, t.HNeuronAUROC)
		fmt.Fprintf(w, "  random %d: accuracy %.4f ± %.4f AUROC %.4f ± %.4f\n", t.Neurons, t.RandomAccuracyMean, t.RandomAccuracyStd, t.RandomAUROCMean, t.RandomAUROCStd)
	}
	fmt.Fprintf(w, "wrote %s\n", filepath.Join(o.out, transferFile))
	return nil
}
