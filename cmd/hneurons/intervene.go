package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/compliance"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/internal/progress"
	"github.com/hneurons/hneurons/intervene"
	"github.com/hneurons/hneurons/oaiclient"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
)

// interveneOptions are the flags of `hneurons intervene`.
type interveneOptions struct {
	model, probe, bench, items, capability, datasets, alphas, format, out string
	maxItems, controls, maxNew, batch, boot                               int
	seed                                                                  uint64
	fresh                                                                 bool
	// The judge (--judge llm asks an OpenAI-compatible chat model).
	judge, judgeURL, judgeModel, judgeKeyEnv string
	judgeTimeout                             time.Duration
	judgeRetries                             int
}

// newInterveneCmd builds the `hneurons intervene` command.
func newInterveneCmd() *cobra.Command {
	o := &interveneOptions{}
	cmd := &cobra.Command{
		Use:   "intervene --model M --probe probe.json (--bench NAMES | --items FILES) --out DIR",
		Short: "Scale the H-Neurons by alpha and measure over-compliance against random controls (paper section 5)",
		Long: `Intervene scales the probe's H-Neurons (z_j <- alpha * z_j before down_proj, one
loaded model for every alpha) and, for each alpha and neuron set — the H-Neurons,
--controls layer-matched random sets (as many neurons in each layer) and
--controls unconstrained random sets of the same size — answers every benchmark
item with the paper's decoding (seeded per item, the same seed in every
condition), judges it (by rule, or with --judge llm by a chat model behind an
OpenAI-compatible server: --judge-url, --judge-model, its API key in the
environment variable --judge-key-env names; one yes/no question per response,
see compliance.LLMPrompt; unreadable replies count as unjudged) and appends a
record to DIR/records.jsonl
(resumable, with provenance). It then writes DIR/summary.json and
DIR/summary.txt: per benchmark, set and alpha the compliance rate with a
bootstrap interval, unjudged and skipped counts, the truncation rate and the
mean response length; per set the slope in points per unit alpha with a
paired bootstrap interval over items; per control kind the mean slope and the
H-Neurons' slope minus it.

Benchmarks (--bench, built from --datasets; see package compliance):
falseqa, faitheval, sycophancy, jailbreak, capability (NQ-Open dev questions
held out from the faitheval items: accuracy, the capability check; the TriviaQA
test file in ../shared has its answers blanked, so it cannot be scored). --items adds prebuilt item files
(JSONL, such as the organism's impact.jsonl); --capability SPEC makes
capability items from any question set datasets can read (a spec as in
collect's --dataset).`,
		Example: `  hneurons intervene --model Llama-3.1-8B-Instruct --probe run/probe.json \
    --bench falseqa,faitheval,sycophancy,jailbreak,capability --max-items 200 --out run/impact
  hneurons intervene --model organism/shipped/chat --probe demo/probe.json \
    --items organism/shipped/questions/impact.jsonl --capability organism/shipped/questions/id.jsonl --out impact`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runIntervene(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", modelUsage)
	f.StringVar(&o.probe, "probe", "probe.json", "the probe whose H-Neurons are scaled")
	f.StringVar(&o.bench, "bench", "", "comma-separated benchmarks built from --datasets: "+strings.Join(compliance.RealBenches, ", "))
	f.StringVar(&o.items, "items", "", "comma-separated prebuilt item files (JSONL)")
	f.StringVar(&o.capability, "capability", "", "question set (datasets spec) for capability items: --max-items of its questions drawn by --seed")
	f.StringVar(&o.datasets, "datasets", "../shared/datasets", "datasets folder for --bench")
	f.IntVar(&o.maxItems, "max-items", 100, "items per benchmark, for --bench, --items files (the first of each benchmark in the file) and --capability (jailbreak: requests, each in every template; 0: all)")
	f.StringVar(&o.alphas, "alphas", "0,0.5,1,1.5,2,2.5,3", "comma-separated scale factors")
	f.IntVar(&o.controls, "controls", 5, "random sets of each kind (layer-matched, unconstrained)")
	f.IntVar(&o.maxNew, "max-new-tokens", intervene.DefaultMaxNewTokens, "most new tokens per response (truncation is counted)")
	f.IntVar(&o.batch, "batch", 16, "items generated together")
	f.IntVar(&o.boot, "bootstrap", 1000, "bootstrap resamples for the intervals")
	f.StringVar(&o.format, "prompt-format", chat.FormatChat, "chat (the model's template) or base")
	f.Uint64Var(&o.seed, "seed", defaultSeed, "seed of sampling, control sets and bootstrap")
	f.StringVar(&o.out, "out", "", "output folder (required)")
	f.BoolVar(&o.fresh, "fresh", false, freshUsage)
	f.StringVar(&o.judge, "judge", "rule", "judge: rule or llm")
	f.StringVar(&o.judgeURL, "judge-url", "", "base URL of an OpenAI-compatible server (llm judge)")
	f.StringVar(&o.judgeModel, "judge-model", "", "model name for the llm judge")
	f.StringVar(&o.judgeKeyEnv, "judge-key-env", "OPENAI_API_KEY", "environment variable holding the llm judge's API key")
	f.DurationVar(&o.judgeTimeout, "judge-timeout", 60*time.Second, "timeout of one llm judge request")
	f.IntVar(&o.judgeRetries, "judge-retries", 4, "retries of a failed llm judge request (429, 5xx, network errors)")
	cmd.Flags().SortFlags = false
	aliases(cmd, map[string]string{"max-tokens": "max-new-tokens"})
	for _, name := range []string{"model", "out"} {
		cmd.MarkFlagRequired(name)
	}
	return cmd
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func runIntervene(cmd *cobra.Command, o *interveneOptions) error {
	var c checks
	c.atLeast("max-items", o.maxItems, 0)
	c.atLeast("controls", o.controls, 0)
	c.atLeast("max-new-tokens", o.maxNew, 1)
	c.atLeast("batch", o.batch, 1)
	c.atLeast("bootstrap", o.boot, 1)
	c.oneOf("judge", o.judge, "rule", "llm")
	c.atLeast("judge-retries", o.judgeRetries, 0)
	c.duration("judge-timeout", o.judgeTimeout)
	var judge compliance.Judger
	if o.judge == "llm" {
		if o.judgeURL == "" || o.judgeModel == "" {
			c.add("--judge llm needs --judge-url and --judge-model")
		} else if cl, err := oaiclient.New(oaiclient.Config{BaseURL: o.judgeURL, APIKey: os.Getenv(o.judgeKeyEnv),
			Retries: clientRetries(o.judgeRetries), Timeout: o.judgeTimeout}); err != nil {
			c.add("--judge-url: %v", err)
		} else {
			judge = &compliance.LLMJudge{Client: cl, Model: o.judgeModel}
		}
	}
	alphas, err := intervene.ParseAlphas("alphas", o.alphas)
	if err != nil {
		c.add("%v", err)
	}
	benches := splitList(o.bench)
	for _, b := range benches {
		if _, ok := compliance.Sources[b]; !ok {
			c.add("--bench %q: want one of %s", b, strings.Join(compliance.RealBenches, ", "))
		}
	}
	files := splitList(o.items)
	if len(benches) == 0 && len(files) == 0 && o.capability == "" {
		c.add("--bench, --items or --capability: give at least one benchmark")
	}
	dec := collect.PaperDecoding
	dec.MaxNewTokens = o.maxNew
	opt := intervene.Options{Alphas: alphas, Seed: o.seed, Decoding: dec, PromptFormat: o.format, Batch: o.batch, Fresh: o.fresh, Judge: judge}
	if err == nil {
		if err := opt.Validate(); err != nil {
			c.add("%v", err)
		}
	}
	if err := c.err(); err != nil {
		return err
	}
	pr, err := probe.Load(o.probe)
	if err != nil {
		return err
	}
	in, err := record.InputOf("probe", o.probe)
	if err != nil {
		return err
	}
	opt.Inputs = append(opt.Inputs, in)
	var items []compliance.Item
	for _, b := range benches {
		its, err := compliance.BuildNamed(b, o.datasets, o.maxItems, o.seed)
		if err != nil {
			return fmt.Errorf("--bench %s: %w", b, err)
		}
		items = append(items, its...)
	}
	for _, f := range files {
		its, err := compliance.ReadItems(f)
		if err != nil {
			return fmt.Errorf("--items: %w", err)
		}
		items = append(items, compliance.FirstPerBench(its, o.maxItems)...)
	}
	if o.capability != "" {
		recs, _, err := datasets.Load(o.capability, datasets.Options{})
		if err != nil {
			return fmt.Errorf("--capability: %w", err)
		}
		// A seeded sample: question files are often ordered (by popularity,
		// four questions per person), so the first n would not represent them.
		items = append(items, compliance.SampleItems(compliance.BuildCapability(recs, 0, nil), o.maxItems, o.seed)...)
	}
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.ID] {
			return fmt.Errorf("item id %q appears twice across --bench, --items and --capability", it.ID)
		}
		seen[it.ID] = true
	}
	m, tok, err := openModel(o.model)
	if err != nil {
		return err
	}
	defer m.Close()
	bar := progress.New(cmd.ErrOrStderr(), "intervene")
	opt.Progress = func(done, total int, _ time.Duration) { bar.Update(done, total, "") }
	s, err := intervene.RunExperiment(cmd.Context(), m, tok, pr, items, o.out, intervene.Experiment{Options: opt, Controls: o.controls, Boot: o.boot})
	bar.Done()
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if err := s.WriteText(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s/{%s,%s,%s,%s}\n", o.out, intervene.RecordsFile, intervene.SetsFile, intervene.SummaryFile, intervene.SummaryTextFile)
	return nil
}
