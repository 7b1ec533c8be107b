package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/demo"
	"github.com/hneurons/hneurons/intervene"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/report"
)

// demoOptions are the flags of `hneurons demo`.
type demoOptions struct {
	out, model, questions string
	base                  string
	noOrigin, noReport    bool
	noImpact              bool
	impactItems, controls int
	alphas                string
	samples, maxID, maxNE int
	minAgree, seeds       int
	seed                  uint64
	mode, format          string
	grid                  []float64
	fresh                 bool
}

// newDemoCmd builds the `hneurons demo` command.
func newDemoCmd() *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Find H-Neurons in the shipped model organism, end to end, in a few minutes",
		Long: `Demo runs the whole identification chain on the model organism embedded in
hneurons (a 4-layer Llama trained on a synthetic world of fictional people):
sample answers to questions about real people of the world and about people
who do not exist, judge them (the organism abstains with "unknown"), keep the
consistent questions, split them by person into balanced train and test sets,
extract CETT features, train the L1 probe (C by cross-validation) and evaluate
it on the test set and on NonExist against classifiers restricted to random
neurons.

Progress goes to stderr, a short summary to stdout; everything (responses,
labels, splits, features, probe.json, metrics.json, summary.json,
summary.txt) is written to --out. Rerunning with the same --out resumes; a
rerun with other sampling or labelling options stops with an error naming the
option, unless --fresh.`,
		Example: `  hneurons demo
  hneurons demo --out demo-run --samples 10 --seed 1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runDemo(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "report folder (default: ./hneurons-demo-<time>)")
	f.StringVar(&o.model, "model", "", "chat organism folder (default: the shipped organism)")
	f.StringVar(&o.base, "base-model", "", "base organism for the origin stage (default: the shipped base when --model is the shipped organism)")
	f.BoolVar(&o.noReport, "no-report", false, "do not write report.html (hneurons report writes it later)")
	f.BoolVar(&o.noOrigin, "no-origin", false, "leave out the origin stage (backward transfer and weight drift)")
	f.StringVar(&o.questions, "questions", "", "folder with id.jsonl and nonexist.jsonl, or an organism run's world folder (default: the shipped sample)")
	f.IntVar(&o.samples, "samples", 10, "responses sampled per question")
	f.IntVar(&o.maxID, "max-id", 0, "use at most this many in-distribution questions (0: all)")
	f.IntVar(&o.maxNE, "max-nonexist", 0, "use at most this many NonExist questions (0: all)")
	f.IntVar(&o.minAgree, "min-agree", 0, "judgements of 10 that must agree for a training question (0: all samples, the paper's rule)")
	f.Uint64Var(&o.seed, "seed", defaultSeed, "seed of sampling, split, probe, bootstrap and baselines")
	f.StringVar(&o.mode, "mode", "3-vs-1", "probe training rows: 3-vs-1 or 1-vs-1")
	f.Float64SliceVar(&o.grid, "C-grid", nil, "C values the probe chooses from by cross-validated accuracy (default 0.03,0.1,0.3,1,3,10)")
	f.StringVar(&o.format, "prompt-format", "chat", "prompt format: chat or base")
	f.IntVar(&o.seeds, "baseline-seeds", 100, "random-neuron subsets of the baseline and of the transfer check")
	f.BoolVar(&o.noImpact, "no-impact", false, "leave out the impact stage (the H-Neurons scaled by alpha on the organism's four analogue benchmarks and the capability check): the identification half alone")
	f.IntVar(&o.impactItems, "impact-items", 100, "impact stage: items per benchmark")
	f.StringVar(&o.alphas, "impact-alphas", "0,1,2,3", "impact stage: comma-separated scale factors")
	f.IntVar(&o.controls, "impact-controls", 2, "impact stage: random neuron sets of each kind (layer-matched, unconstrained)")
	f.BoolVar(&o.fresh, "fresh", false, freshUsage)
	aliases(cmd, map[string]string{"grid": "C-grid"})
	return cmd
}

func runDemo(cmd *cobra.Command, o *demoOptions) error {
	out := o.out
	if out == "" {
		out = "hneurons-demo-" + time.Now().Format("20060102-150405")
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	mode, err := o.validate()
	if err != nil {
		return err
	}
	alphas, err := intervene.ParseAlphas("impact-alphas", o.alphas)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	fmt.Fprintf(stderr, "demo: writing to %s\n", abs)
	show := stages(stderr, "demo: ")
	sum, det, err := demo.Run(cmd.Context(), demo.Options{
		ModelDir: o.model, QuestionsDir: o.questions, Out: abs, Samples: o.samples, Seed: o.seed,
		MaxID: o.maxID, MaxNonExist: o.maxNE, MinAgree: o.minAgree, Mode: mode, PromptFormat: o.format, Grid: o.grid,
		BaselineSeeds: o.seeds, Fresh: o.fresh, BaseModelDir: o.base, NoOrigin: o.noOrigin,
		NoImpact: o.noImpact, ImpactItems: o.impactItems, ImpactAlphas: alphas, ImpactControls: o.controls,
	}, func(e demo.Event) { show(e.Stage, e.Done, e.Total) })
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprint(w, demo.Text(sum, det))
	fmt.Fprintf(w, "report: %s\n", abs)
	if !o.noReport {
		page, err := report.Write(abs, "")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "page:   %s\n", page)
	}
	if _, err := os.Stat(filepath.Join(abs, "summary.json")); err != nil {
		return err
	}
	return nil
}

// validate checks the flags and returns the probe mode they name.
func (o *demoOptions) validate() (probe.Mode, error) {
	var c checks
	mode, err := probe.ParseMode(o.mode)
	c.flag("mode", err)
	c.atLeast("samples", o.samples, 1)
	c.atLeast("max-id", o.maxID, 0)
	c.atLeast("max-nonexist", o.maxNE, 0)
	c.atLeast("min-agree", o.minAgree, 0)
	c.atLeast("baseline-seeds", o.seeds, 1)
	c.atLeast("impact-items", o.impactItems, 1)
	c.atLeast("impact-controls", o.controls, 1)
	c.grid("C-grid", o.grid)
	c.oneOf("prompt-format", o.format, "chat", "base")
	return mode, c.err()
}
