package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/spf13/cobra"
)

// evalOptions holds the flags of `hneurons eval`.
type evalOptions struct {
	probe, features, x, y string
	seeds, folds, boot    int
	seed                  uint64
	balance               bool
	out                   string
	baseline              string
	baselineC             float64
}

// newEvalCmd builds the `hneurons eval` command.
func newEvalCmd() *cobra.Command {
	o := &evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Score a trained probe on labelled features, against random-neuron baselines",
		Long: `Eval applies probe.json to a feature store (its answer rows: hallucinated
against faithful answers, whatever mode the probe was trained in) or to NumPy
files, and prints accuracy, precision, recall, F1 and AUROC with 95%
bootstrap intervals. With --baseline-seeds N it also cross-validates a
classifier restricted to the H-Neurons and the same classifier restricted to as
many random neurons, N times (fresh folds and random neurons per seed), and
prints mean ± sd over the seeds. The restricted classifier is L2 logistic
regression (--baseline-C, default 1) on the subset's columns standardised per
training fold (--baseline l2), or the probe's own penalty and C on raw columns
(--baseline probe, the old baseline, which with L1 often keeps no weight).`,
		Example: `  hneurons eval --probe probe.json --features test-feats --baseline-seeds 5`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return runEval(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.probe, "probe", "probe.json", "trained probe")
	f.StringVar(&o.features, "features", "", "feature store to evaluate on")
	f.StringVar(&o.x, "X", "", "matrix as .npy instead of --features")
	f.StringVar(&o.y, "y", "", "labels as .npy, with --X")
	f.IntVar(&o.seeds, "baseline-seeds", 0, "random-neuron baseline seeds (0 = no baseline)")
	f.IntVar(&o.folds, "folds", 5, "cross-validation folds for the baseline")
	f.StringVar(&o.baseline, "baseline", probe.BaselineL2, "restricted classifier of the baseline: l2 or probe")
	f.Float64Var(&o.baselineC, "baseline-C", 1, "inverse regularisation strength of the l2 baseline")
	f.IntVar(&o.boot, "bootstrap", 1000, "bootstrap resamples for confidence intervals")
	f.Uint64Var(&o.seed, "seed", defaultSeed, "seed for bootstrap, folds, balancing and random neurons")
	f.BoolVar(&o.balance, "balance", false, "evaluate on a class-balanced subset (as the paper's accuracies)")
	f.StringVar(&o.out, "out", "", "also write the report as JSON to this file")
	return cmd
}

// validate checks the flags before any file is read.
func (o *evalOptions) validate() error {
	var c checks
	c.atLeast("baseline-seeds", o.seeds, 0)
	c.atLeast("folds", o.folds, 2)
	c.atLeast("bootstrap", o.boot, 0)
	c.oneOf("baseline", o.baseline, probe.BaselineL2, probe.BaselineProbe)
	c.positive("baseline-C", o.baselineC)
	return c.err()
}

func runEval(cmd *cobra.Command, o *evalOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	pr, err := probe.Load(o.probe)
	if err != nil {
		return err
	}
	var ds *probe.Dataset
	switch {
	case o.features != "":
		ds, err = probe.LoadEvalDataset(o.features)
	case o.x != "" && o.y != "":
		ds, err = probe.LoadNPYDataset(o.x, o.y)
	default:
		return fmt.Errorf("need --features DIR or --X X.npy --y y.npy")
	}
	if err != nil {
		return err
	}
	rep, err := probe.Assess(cmd.Context(), pr, ds, probe.AssessOptions{
		Seeds: o.seeds, Folds: o.folds, Boot: o.boot, Seed: o.seed, Balance: o.balance,
		Baseline: o.baseline, BaselineC: o.baselineC})
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	mode := string(pr.Mode)
	if mode == "" {
		mode = "none (plain matrix)"
	}
	fmt.Fprintf(w, "probe %s: %d H-Neurons, C=%g, mode %s\n", o.probe, len(pr.HNeurons), pr.C, mode)
	printMetrics(w, "eval", &rep.Metrics)
	if b := rep.Baseline; b != nil {
		how := fmt.Sprintf("%s, C=%g", b.Classifier, b.C)
		if b.Standardized {
			how += ", standardised"
		}
		fmt.Fprintf(w, "baseline: %d-fold CV over %d seeds, classifier restricted to %d neurons (%s)\n",
			b.Folds, len(b.Random), b.Neurons, how)
		fmt.Fprintf(w, "  H-Neurons: accuracy %.4f ± %.4f AUROC %.4f ± %.4f\n",
			b.HNeuronAccuracy, b.HNeuronAccuracyStd, b.HNeuronAUROC, b.HNeuronAUROCStd)
		fmt.Fprintf(w, "  random:    accuracy %.4f ± %.4f AUROC %.4f ± %.4f\n",
			b.RandomAccuracyMean, b.RandomAccuracyStd, b.RandomAUROCMean, b.RandomAUROCStd)
	}
	if o.out != "" {
		prov := record.New("eval", map[string]string{"baseline-seeds": strconv.Itoa(o.seeds), "folds": strconv.Itoa(o.folds),
			"bootstrap": strconv.Itoa(o.boot), "seed": strconv.FormatUint(o.seed, 10), "balance": strconv.FormatBool(o.balance),
			"baseline": o.baseline, "baseline-C": formatFloat(o.baselineC)})
		in, err := record.InputOf("probe", o.probe)
		if err != nil {
			return err
		}
		prov = prov.WithInput(in)
		if o.features != "" {
			in, err = features.InputOf("features", o.features)
		} else {
			in, err = record.InputOf("X", o.x)
		}
		if err != nil {
			return err
		}
		prov = prov.WithInput(in)
		out := struct {
			Provenance record.Provenance `json:"provenance"`
			*probe.Report
		}{prov, rep}
		if err := record.WriteJSON(o.out, out); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}
	return nil
}

// printMetrics prints one line of metrics with their intervals.
func printMetrics(w io.Writer, name string, m *probe.Metrics) {
	if m == nil {
		return
	}
	iv := func(i probe.Interval) string { return fmt.Sprintf("%.4f [%.4f, %.4f]", i.Value, i.Lo, i.Hi) }
	fmt.Fprintf(w, "%s (n=%d, %d positive): accuracy %s precision %s recall %s F1 %s AUROC %s\n",
		name, m.N, m.Positives, iv(m.Accuracy), iv(m.Precision), iv(m.Recall), iv(m.F1), iv(m.AUROC))
}
