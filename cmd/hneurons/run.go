package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/pipeline"
)

// runOptions are the flags of `hneurons run`.
type runOptions struct {
	model, dataset, out string
	config              string
	set                 []string
	from, until         string
	fresh, dryRun       bool
	benchTime           time.Duration
}

// newRunCmd builds the `hneurons run` command.
func newRunCmd() *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run --model M --dataset D --out RUN [--config run.toml]",
		Short: "Run the whole identification chain on a model and a dataset, resumably",
		Long: `Run chains the stages of the method into one run folder:

    collect -> label -> split -> extract -> train -> eval [-> transfer] [-> report]

each calling what its own command calls (hneurons collect, label, split,
extract, train, eval, transfer, report). Every option lives in a TOML config
whose keys are those commands' flag names, by stage:

    model = "Llama-3.1-8B-Instruct/"
    dataset = "triviaqa-parquet:train.parquet"
    seed = 1
    [collect]  samples, max-questions, prompt-format, temperature, top-p, top-k, max-new-tokens, batch
    [label]    judge (rule, llm, organism), min-agree, refusal-correct, judge-url, judge-model, ...
    [split]    test-size, test-frac, balance, exclude
    [extract]  regions, agg, batch, batch-tokens
    [train]    mode, penalty, C, C-grid, folds, tol, bootstrap, threads
    [eval]     baseline-seeds, folds, baseline, baseline-C, bootstrap, balance
    [transfer] base-model (set it to run the stage), baseline-seeds, bootstrap, balance, keep-format
    [report]   enabled

Options left out keep the paper's defaults (printed at start); --set KEY=VALUE
changes one (--set collect.samples=4). The run folder keeps the effective
config as run.toml; a later "hneurons run --out RUN" reads it back, so
running the same command again resumes.

Each stage leaves a stamp (RUN/stamps/STAGE.json) with a digest of its
options, of the models and dataset it reads and of the outputs of the stages
before it. A rerun skips a stage whose stamp and outputs are current, resumes
one that was interrupted (kill it at any point and run it again), and redoes
from scratch one whose options or inputs changed, and with it every later
stage. --from STAGE redoes STAGE and what follows; --until STAGE stops after
it; --fresh redoes everything. --dry-run prints the plan and an estimate of
time and disk from the model's size and speeds measured here, and runs
nothing.`,
		Example: `  hneurons run --model Llama-3.1-8B-Instruct/ --dataset triviaqa-parquet:train.parquet --out runs/llama --dry-run
  hneurons run --model Llama-3.1-8B-Instruct/ --dataset triviaqa-parquet:train.parquet --out runs/llama --set collect.max-questions=4000
  hneurons run --out runs/llama                  # resume, with the run's own run.toml
  hneurons run --out runs/llama --set train.C-grid=[0.1,0.3,1] --from train`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runRun(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", "model file (GGUF) or Hugging Face folder (or model in the config)")
	f.StringVar(&o.dataset, "dataset", "", "dataset spec, format:path or a path (or dataset in the config)")
	f.StringVar(&o.out, "out", "", "run folder to write or resume (required)")
	f.StringVar(&o.config, "config", "", "TOML config (default: the run folder's run.toml when there is one, else the paper's defaults)")
	f.StringArrayVar(&o.set, "set", nil, "KEY=VALUE: set one config option (repeatable), such as collect.samples=4")
	f.StringVar(&o.from, "from", "", "redo this stage and every later one (the earlier ones must be current)")
	f.StringVar(&o.until, "until", "", "stop after this stage")
	f.BoolVar(&o.fresh, "fresh", false, "redo every stage from scratch, discarding the run folder's outputs")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the plan and an estimate of time and disk; run nothing")
	f.DurationVar(&o.benchTime, "bench-time", time.Second, "with --dry-run: how long to measure prefill and decode speed, each")
	cmd.MarkFlagRequired("out")
	return cmd
}

// assemble builds the run's config: the defaults, then the --config file
// (or the run folder's run.toml), then --set, then --model and --dataset.
func (o *runOptions) assemble() (pipeline.Config, string, error) {
	cfg := pipeline.Defaults()
	src := "the paper's defaults"
	path := o.config
	if path == "" {
		p := filepath.Join(o.out, pipeline.ConfigFile)
		if _, err := os.Stat(p); err == nil {
			path = p
		} else if !errors.Is(err, fs.ErrNotExist) {
			return cfg, "", err
		}
	}
	if path != "" {
		var err error
		if cfg, err = pipeline.LoadConfig(path); err != nil {
			return cfg, "", err
		}
		src = path
	}
	if err := cfg.Set(o.set); err != nil {
		return cfg, "", err
	}
	if o.model != "" {
		cfg.Model = o.model
	}
	if o.dataset != "" {
		cfg.Dataset = o.dataset
	}
	return cfg, src, nil
}

func runRun(cmd *cobra.Command, o *runOptions) error {
	cfg, src, err := o.assemble()
	if err != nil {
		return err
	}
	stderr, w := cmd.ErrOrStderr(), cmd.OutOrStdout()
	opt := pipeline.Options{Dir: o.out, From: o.from, Until: o.until, Fresh: o.fresh, Progress: stages(stderr, "run: ")}
	if err := errors.Join(cfg.Validate(), opt.Validate()); err != nil {
		return err
	}
	printDefaults(stderr, cfg, src)
	if o.dryRun {
		plan, err := pipeline.Plan(cmd.Context(), cfg, opt)
		if err != nil {
			return err
		}
		printPlan(w, plan)
		est, err := pipeline.EstimateCost(cmd.Context(), cfg, o.benchTime)
		if err != nil {
			return err
		}
		printEstimate(w, est)
		return nil
	}
	steps, err := pipeline.Run(cmd.Context(), cfg, opt)
	printPlan(w, steps)
	if err != nil {
		return err
	}
	var ev pipeline.EvalReport
	if b, err := os.ReadFile(filepath.Join(o.out, pipeline.EvalFile)); err == nil && json.Unmarshal(b, &ev) == nil && ev.Report != nil {
		printMetrics(w, "test", &ev.Metrics)
		if b := ev.Baseline; b != nil {
			fmt.Fprintf(w, "  H-Neurons (%d) restricted classifier: AUROC %.4f ± %.4f; random neurons: %.4f ± %.4f (%d seeds)\n",
				b.Neurons, b.HNeuronAUROC, b.HNeuronAUROCStd, b.RandomAUROCMean, b.RandomAUROCStd, len(b.Random))
		} else if ev.BaselineNote != "" {
			fmt.Fprintf(w, "  %s\n", ev.BaselineNote)
		}
	}
	fmt.Fprintf(w, "run folder: %s\n", o.out)
	return nil
}

// printDefaults says where the config came from, the paper's defaults and
// what this run changes.
func printDefaults(w io.Writer, cfg pipeline.Config, src string) {
	d := pipeline.Defaults()
	fmt.Fprintf(w, "run: config from %s\n", src)
	fmt.Fprintf(w, "run: paper defaults (METHOD.md): %d samples per question at temperature %g, top-p %g, top-k %d, at most %d new tokens;\n",
		d.Collect.Samples, d.Collect.Temperature, d.Collect.TopP, d.Collect.TopK, d.Collect.MaxNewTokens)
	fmt.Fprintf(w, "run:   a question kept when all its samples agree (%s judge); L1 probe on %s rows, C by %d-fold CV from %v;\n",
		d.Label.Judge, d.Train.Mode, d.Train.Folds, d.Train.CGrid)
	fmt.Fprintf(w, "run:   %d bootstrap resamples, %d random-neuron baselines; a balanced test set of %g of the usable questions\n",
		d.Eval.Bootstrap, d.Eval.BaselineSeeds, d.Split.TestFrac)
	if ch := cfg.Changes(); len(ch) > 0 {
		fmt.Fprintln(w, "run: this run changes:")
		for _, c := range ch {
			fmt.Fprintf(w, "run:   %s\n", c)
		}
	}
}

// printPlan prints one line per stage: what was (or will be) done and why.
func printPlan(w io.Writer, steps []pipeline.Step) {
	for _, s := range steps {
		el := ""
		if s.Elapsed > 0 {
			el = fmt.Sprintf(" in %v", s.Elapsed.Round(time.Millisecond))
		}
		fmt.Fprintf(w, "%-9s %-7s %s%s\n", s.Stage, s.Action, s.Reason, el)
	}
}

// printEstimate prints a dry run's forecast.
func printEstimate(w io.Writer, e *pipeline.Estimate) {
	fmt.Fprintf(w, "model: %s on disk, %d layers x %d neurons; prompt %.1f tokens on average\n",
		megabytes(e.ModelBytes), e.Layers, e.DFF, e.PromptTokens)
	fmt.Fprintf(w, "measured here: prefill %.1f tokens/s, decode %.1f tokens/s (samples decoded together)\n", e.PrefillTPS, e.DecodeTPS)
	fmt.Fprintf(w, "estimate for %d questions (at most; answers that stop early take less):\n", e.Questions)
	fmt.Fprintf(w, "  collect %s, responses %s\n", seconds(e.CollectSeconds), megabytes(e.ResponsesBytes))
	fmt.Fprintf(w, "  extract %s, features %s (if every question is kept)\n", seconds(e.ExtractSeconds), megabytes(e.FeaturesBytes))
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Second)
}

// megabytes writes a size in MB (GB from 10 GB).
func megabytes(n int64) string {
	if n >= 10e9 {
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
