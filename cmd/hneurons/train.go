package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hneurons/hneurons/probe"
	"github.com/spf13/cobra"
)

// trainOptions holds the flags of `hneurons train`.
type trainOptions struct {
	features, testFeatures string
	x, y, testX, testY     string
	mode, penalty          string
	c                      float64
	grid                   string
	folds                  int
	tol                    float64
	threads                int
	seed                   uint64
	boot                   int
	out                    string
}

// newTrainCmd builds the `hneurons train` command.
func newTrainCmd() *cobra.Command {
	o := &trainOptions{}
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train the L1 logistic-regression probe that names the H-Neurons",
		Long: `Train fits liblinear's L1- (or L2-) regularised logistic regression on CETT
features and writes probe.json: the weights, the H-Neurons (positive weights as
layer/neuron) and training and test metrics with bootstrap intervals.

Features come from a feature store (--features, with --mode choosing the rows)
or from NumPy files (--X rows x columns, --y 0/1 labels). With --C-grid the C
is chosen by cross-validated accuracy and every C's neuron count, accuracy and
AUROC are printed and recorded.`,
		Example: `  hneurons train --features feats --test-features test-feats --mode 3-vs-1 --C 1 --out probe.json
  hneurons train --features feats --C-grid 0.1,0.3,1,3,10 --out probe.json
  hneurons train --X X.npy --y y.npy --penalty l1 --C 0.5 --out probe.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runTrain(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.features, "features", "", "training feature store directory")
	f.StringVar(&o.testFeatures, "test-features", "", "test feature store directory (optional)")
	f.StringVar(&o.x, "X", "", "training matrix as .npy (rows x columns) instead of --features")
	f.StringVar(&o.y, "y", "", "training labels as .npy (0/1), with --X")
	f.StringVar(&o.testX, "test-X", "", "test matrix as .npy, with --X")
	f.StringVar(&o.testY, "test-y", "", "test labels as .npy, with --test-X")
	f.StringVar(&o.mode, "mode", string(probe.ThreeVsOne), "rows to train on: 1-vs-1 or 3-vs-1")
	f.StringVar(&o.penalty, "penalty", "l1", "regulariser: l1 or l2")
	f.Float64Var(&o.c, "C", 1.0, "inverse regularisation strength")
	f.StringVar(&o.grid, "C-grid", "", "comma-separated C values to choose from by cross-validation")
	f.IntVar(&o.folds, "folds", 5, "cross-validation folds for --C-grid")
	f.Float64Var(&o.tol, "tol", 1e-4, "liblinear stopping tolerance")
	f.IntVar(&o.threads, "threads", 0, "worker goroutines (0 = all cores)")
	f.Uint64Var(&o.seed, "seed", defaultSeed, "seed for coordinate order, folds and bootstrap")
	f.IntVar(&o.boot, "bootstrap", 1000, "bootstrap resamples for confidence intervals")
	f.StringVar(&o.out, "out", "probe.json", "output probe file")
	return cmd
}

// parseGrid parses a comma-separated list of positive numbers.
func parseGrid(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(v > 0) {
			return nil, fmt.Errorf("--C-grid: %q is not a positive number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// loadTrainData reads the training and test sets named by the flags.
func loadTrainData(o *trainOptions, mode probe.Mode) (train, test *probe.Dataset, err error) {
	switch {
	case o.features != "" && o.x != "":
		return nil, nil, fmt.Errorf("use either --features or --X, not both")
	case o.features != "":
		if train, err = probe.LoadDataset(o.features, mode); err != nil {
			return nil, nil, err
		}
		if o.testFeatures != "" {
			if test, err = probe.LoadDataset(o.testFeatures, mode); err != nil {
				return nil, nil, err
			}
		}
	case o.x != "":
		if o.y == "" {
			return nil, nil, fmt.Errorf("--X needs --y")
		}
		if train, err = probe.LoadNPYDataset(o.x, o.y); err != nil {
			return nil, nil, err
		}
		if o.testX != "" {
			if o.testY == "" {
				return nil, nil, fmt.Errorf("--test-X needs --test-y")
			}
			if test, err = probe.LoadNPYDataset(o.testX, o.testY); err != nil {
				return nil, nil, err
			}
		}
	default:
		return nil, nil, fmt.Errorf("need --features DIR or --X X.npy --y y.npy")
	}
	return train, test, nil
}

func runTrain(cmd *cobra.Command, o *trainOptions) error {
	mode, err := probe.ParseMode(o.mode)
	if err != nil {
		return err
	}
	pen, err := probe.ParsePenalty(o.penalty)
	if err != nil {
		return err
	}
	train, test, err := loadTrainData(o, mode)
	if err != nil {
		return err
	}
	if o.x != "" {
		mode = ""
	}
	opt := probe.Options{Penalty: pen, C: o.c, Tol: o.tol, Threads: o.threads, Seed: o.seed}
	var pr *probe.Probe
	if o.grid != "" {
		grid, err := parseGrid(o.grid)
		if err != nil {
			return err
		}
		pr, err = probe.TrainCV(cmd.Context(), train, test, mode, opt, grid, o.folds, o.boot, nil)
		if err != nil {
			return err
		}
	} else if pr, err = probe.Train(cmd.Context(), train, test, mode, opt, o.boot); err != nil {
		return err
	}
	if err := pr.Save(o.out); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if len(pr.CV) > 0 {
		fmt.Fprintf(w, "%10s %8s %9s %11s %9s %9s %7s\n", "C", "nonzero", "h-neurons", "shared-prev", "cv-acc", "±", "auroc")
		for _, p := range pr.CV {
			fmt.Fprintf(w, "%10g %8d %9d %11d %9.4f %9.4f %7.4f\n", p.C, p.NonZero, p.HNeurons, p.SharedWithPrev,
				p.Accuracy, p.AccuracyStd, p.AUROC)
		}
	}
	fmt.Fprintf(w, "C=%g %s: %d non-zero weights, %d H-Neurons (%.3f per mille of %d), objective %.6g\n",
		pr.C, pr.Penalty, len(pr.Weights), len(pr.HNeurons), 1000*float64(len(pr.HNeurons))/float64(pr.Columns),
		pr.Columns, pr.Objective)
	printMetrics(w, "train", pr.Train)
	printMetrics(w, "test", pr.Test)
	fmt.Fprintf(w, "wrote %s\n", o.out)
	return nil
}
