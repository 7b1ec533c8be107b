package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/compliance"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/intervene"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/spf13/cobra"
)

// trainOptions holds the flags of `hneurons train`.
type trainOptions struct {
	features, testFeatures string
	x, y, testX, testY     string
	mode, penalty          string
	c                      float64
	grid                   []float64
	folds                  int
	tol                    float64
	threads                int
	seed                   uint64
	boot                   int
	out                    string
	// The paper's criterion (--criterion paper).
	criterion, taskModel, taskQuestions, taskFormat string
	taskMax, taskMaxNew, taskBatch                  int
}

// Criteria of --criterion.
const (
	criterionCV    = "cv"
	criterionPaper = "paper"
)

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
AUROC are printed and recorded.

--mode picks the training rows (3-vs-1, the paper's: hallucinated answers
against faithful answers and the "other" regions of both; or 1-vs-1). Every
metric, the cross-validated ones included, is computed on answer rows only
(hallucinated against faithful answers), whatever the mode. Cross-validation
folds keep groups whole: every row of one question, and every question of one
group (a record's "group", such as the organism's person), in one fold. A C
whose fit did not converge is flagged in the table and never chosen. The
probe records its provenance (options and feature stores).

--criterion chooses how --C-grid picks C: cv (cross-validated accuracy) or
paper, the paper's criterion (METHOD.md section 4): cross-validated accuracy
plus the accuracy of the model (--task-model) on held-out factual questions
(--task-questions, any question set datasets reads, such as TriviaQA or the
organism's questions) with the candidate C's H-Neurons suppressed (alpha 0),
answered greedily and judged by alias match. Questions whose id or group
(the organism's person) appears among the training rows are left out, so the
task stays held out. The table then shows both criteria for every C, and
which C each would choose; the probe records both.`,
		Example: `  hneurons train --features feats --test-features test-feats --mode 3-vs-1 --C 1 --out probe.json
  hneurons train --features feats --C-grid 0.1,0.3,1,3,10 --out probe.json
  hneurons train --X X.npy --y y.npy --penalty l1 --C 0.5 --out probe.json
  hneurons train --features feats --C-grid 0.3,1,3,10 --criterion paper \
    --task-model organism/chat --task-questions questions/id.jsonl --out probe.json`,
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
	f.Float64SliceVar(&o.grid, "C-grid", nil, "comma-separated C values to choose from by cross-validation")
	f.IntVar(&o.folds, "folds", 5, "cross-validation folds for --C-grid")
	f.Float64Var(&o.tol, "tol", 1e-4, "liblinear stopping tolerance")
	f.IntVar(&o.threads, "threads", 0, "worker goroutines (0 = all cores)")
	f.Uint64Var(&o.seed, "seed", defaultSeed, "seed for coordinate order, folds and bootstrap")
	aliases(cmd, map[string]string{"grid": "C-grid"})
	f.IntVar(&o.boot, "bootstrap", 1000, "bootstrap resamples for confidence intervals")
	f.StringVar(&o.out, "out", "probe.json", "output probe file")
	f.StringVar(&o.criterion, "criterion", criterionCV, "how --C-grid chooses C: cv (cross-validated accuracy) or paper (plus task accuracy with the H-Neurons suppressed)")
	f.StringVar(&o.taskModel, "task-model", "", "model for --criterion paper (Hugging Face folder or GGUF)")
	f.StringVar(&o.taskQuestions, "task-questions", "", "held-out question set for --criterion paper (datasets spec)")
	f.IntVar(&o.taskMax, "task-max-questions", 200, "questions of --task-questions used (0: all)")
	f.IntVar(&o.taskMaxNew, "task-max-new-tokens", 50, "most new tokens per task answer")
	f.IntVar(&o.taskBatch, "task-batch", 16, "task questions generated together")
	f.StringVar(&o.taskFormat, "task-prompt-format", chat.FormatChat, "task prompt format: chat or base")
	return cmd
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
			if test, err = probe.LoadEvalDataset(o.testFeatures); err != nil {
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

// parse checks the flags and returns the mode and penalty they name.
func (o *trainOptions) parse() (probe.Mode, probe.Penalty, error) {
	var c checks
	mode, err := probe.ParseMode(o.mode)
	c.flag("mode", err)
	pen, err := probe.ParsePenalty(o.penalty)
	c.flag("penalty", err)
	c.positive("C", o.c)
	c.grid("C-grid", o.grid)
	c.positive("tol", o.tol)
	c.atLeast("folds", o.folds, 2)
	c.atLeast("threads", o.threads, 0)
	c.atLeast("bootstrap", o.boot, 0)
	c.oneOf("criterion", o.criterion, criterionCV, criterionPaper)
	if o.criterion == criterionPaper {
		if len(o.grid) == 0 {
			c.add("--criterion paper: chooses among --C-grid values; give --C-grid")
		}
		if o.taskModel == "" || o.taskQuestions == "" {
			c.add("--criterion paper: needs --task-model and --task-questions")
		}
		c.atLeast("task-max-questions", o.taskMax, 0)
		c.atLeast("task-max-new-tokens", o.taskMaxNew, 1)
		c.atLeast("task-batch", o.taskBatch, 1)
		c.oneOf("task-prompt-format", o.taskFormat, chat.FormatChat, chat.FormatBase)
	}
	return mode, pen, c.err()
}

// provenance is what the probe records: the options that change it and
// its inputs.
func (o *trainOptions) provenance(mode probe.Mode, pen probe.Penalty) (record.Provenance, error) {
	opts := map[string]string{"mode": string(mode), "penalty": string(pen), "tol": formatFloat(o.tol), "seed": strconv.FormatUint(o.seed, 10)}
	if len(o.grid) > 0 {
		opts["C-grid"] = formatFloats(o.grid)
		opts["folds"] = strconv.Itoa(o.folds)
		opts["criterion"] = o.criterion
		if o.criterion == criterionPaper {
			opts["task-max-questions"] = strconv.Itoa(o.taskMax)
			opts["task-max-new-tokens"] = strconv.Itoa(o.taskMaxNew)
			opts["task-prompt-format"] = o.taskFormat
		}
	} else {
		opts["C"] = formatFloat(o.c)
	}
	prov := record.New("train", opts)
	add := func(role, path string, store bool) error {
		if path == "" {
			return nil
		}
		var in record.Input
		var err error
		if store {
			in, err = features.InputOf(role, path)
		} else {
			in, err = record.InputOf(role, path)
		}
		if err == nil {
			prov = prov.WithInput(in)
		}
		return err
	}
	for _, in := range []struct {
		role, path string
		store      bool
	}{{"train features", o.features, true}, {"test features", o.testFeatures, true},
		{"X", o.x, false}, {"y", o.y, false}, {"test X", o.testX, false}, {"test y", o.testY, false},
		{"task questions", o.taskQuestions, false}} {
		if err := add(in.role, in.path, in.store); err != nil {
			return prov, err
		}
	}
	return prov, nil
}

func runTrain(cmd *cobra.Command, o *trainOptions) error {
	mode, pen, err := o.parse()
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
	if len(o.grid) > 0 {
		var crit probe.Criterion
		if o.criterion == criterionPaper {
			task, done, err := o.suppressionTask(cmd.Context(), cmd.OutOrStdout(), train)
			if err != nil {
				return err
			}
			defer done()
			crit = probe.TaskCriterion{Task: task}
		}
		pr, err = probe.TrainCV(cmd.Context(), train, test, mode, opt, o.grid, o.folds, o.boot, crit)
		if err != nil {
			return err
		}
	} else if pr, err = probe.Train(cmd.Context(), train, test, mode, opt, o.boot); err != nil {
		return err
	}
	prov, err := o.provenance(mode, pen)
	if err != nil {
		return err
	}
	pr.Provenance = &prov
	if err := pr.Save(o.out); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if len(pr.CV) > 0 {
		printCPath(w, pr.CV, o.criterion == criterionPaper)
	}
	fmt.Fprintf(w, "C=%g %s: %d non-zero weights, %d H-Neurons (%.3f per mille of %d), objective %.6g\n",
		pr.C, pr.Penalty, len(pr.Weights), len(pr.HNeurons), 1000*float64(len(pr.HNeurons))/float64(pr.Columns),
		pr.Columns, pr.Objective)
	printMetrics(w, "train", pr.Train)
	printMetrics(w, "test", pr.Test)
	fmt.Fprintf(w, "wrote %s\n", o.out)
	return nil
}

// suppressionTask opens --task-model and builds the held-out task of the
// paper's criterion from --task-questions, leaving out every question whose
// id or group the training rows hold. done closes the model.
func (o *trainOptions) suppressionTask(ctx context.Context, w io.Writer, train *probe.Dataset) (task *intervene.SuppressionTask, done func(), err error) {
	recs, _, err := datasets.Load(o.taskQuestions, datasets.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("--task-questions: %w", err)
	}
	seen := map[string]bool{}
	for i := range train.Labels {
		if train.IDs != nil {
			seen[train.IDs[i]] = true
		}
		if train.Groups != nil {
			seen[train.Groups[i]] = true
		}
	}
	var exclude []string
	for _, r := range recs {
		if seen[r.ID] || (r.Group != "" && seen[r.Group]) {
			exclude = append(exclude, r.ID)
		}
	}
	items := compliance.BuildCapability(recs, o.taskMax, exclude)
	if len(items) == 0 {
		return nil, nil, fmt.Errorf("--task-questions %s: no question with a gold answer is left once the %d that share an id or group with the training rows are left out", o.taskQuestions, len(exclude))
	}
	m, tok, err := openModel(o.taskModel)
	if err != nil {
		return nil, nil, fmt.Errorf("--task-model: %w", err)
	}
	fail := func(err error) (*intervene.SuppressionTask, func(), error) {
		m.Close()
		return nil, nil, err
	}
	id, err := m.Identity()
	if err != nil {
		return fail(fmt.Errorf("--task-model: %w", err))
	}
	sh := train.Shape
	if sh.Layers != m.Config.NLayers || sh.DFF != m.Config.DFF || (sh.ModelFingerprint != "" && sh.ModelFingerprint != id) {
		return fail(fmt.Errorf("--task-model %s is not the model the training features come from (features: %d layers x %d d_ff, model %q; this model: %d x %d, %q)",
			o.taskModel, sh.Layers, sh.DFF, sh.ModelFingerprint, m.Config.NLayers, m.Config.DFF, id))
	}
	task, err = intervene.NewSuppressionTask(m, tok, items, intervene.TaskOptions{
		MaxNewTokens: o.taskMaxNew, PromptFormat: o.taskFormat, Batch: o.taskBatch})
	if err != nil {
		return fail(err)
	}
	full, err := task.Evaluate(ctx, intervene.Set{}, 1)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(w, "paper criterion: %d held-out questions of %s (%d left out: they share an id or group with the training rows); the unmodified model answers %d correctly (%.4f)\n",
		len(items), o.taskQuestions, len(exclude), full.Correct, full.Accuracy)
	return task, func() { m.Close() }, nil
}

// printCPath writes the C path: every C's neuron counts and cross-validated
// metrics and, under the paper's criterion, its task accuracy and score,
// then the C each criterion chooses.
func printCPath(w io.Writer, pts []probe.CVPoint, paper bool) {
	fmt.Fprintf(w, "%10s %8s %9s %11s %9s %9s %7s", "C", "nonzero", "h-neurons", "shared-prev", "cv-acc", "±", "auroc")
	if paper {
		fmt.Fprintf(w, " %9s %9s", "task-acc", "score")
	}
	fmt.Fprintf(w, "  %s\n", "converged")
	bestCV, bestPaper := -1, -1
	for i, p := range pts {
		conv := "yes"
		ok := p.Converged && p.FoldsNotConverged == 0
		if !ok {
			conv = fmt.Sprintf("NO (all rows %v, %d folds not): not chosen", p.Converged, p.FoldsNotConverged)
		}
		fmt.Fprintf(w, "%10g %8d %9d %11d %9.4f %9.4f %7.4f", p.C, p.NonZero, p.HNeurons, p.SharedWithPrev,
			p.Accuracy, p.AccuracyStd, p.AUROC)
		if paper {
			task := math.NaN()
			if p.TaskAccuracy != nil {
				task = *p.TaskAccuracy
			}
			fmt.Fprintf(w, " %9.4f %9.4f", task, p.Score)
		}
		fmt.Fprintf(w, "  %s\n", conv)
		if !ok {
			continue
		}
		if bestCV < 0 || p.Accuracy > pts[bestCV].Accuracy {
			bestCV = i
		}
		if paper && (bestPaper < 0 || p.Score > pts[bestPaper].Score) {
			bestPaper = i
		}
	}
	if bestCV >= 0 {
		fmt.Fprintf(w, "cross-validated accuracy chooses C=%g (%d H-Neurons)\n", pts[bestCV].C, pts[bestCV].HNeurons)
	}
	if bestPaper >= 0 {
		fmt.Fprintf(w, "the paper's criterion (cv accuracy + task accuracy with the H-Neurons suppressed) chooses C=%g (%d H-Neurons)\n",
			pts[bestPaper].C, pts[bestPaper].HNeurons)
	}
}
