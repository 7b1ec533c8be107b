package main

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/hneurons/hneurons/internal/progress"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/record"
	"github.com/spf13/cobra"
)

// labelOptions holds the flags of `hneurons label`.
type labelOptions struct {
	in, out     string
	judge       string
	judgeURL    string
	judgeModel  string
	judgeKeyEnv string
	judgeCache  string
	judgeErrors string
	timeout     time.Duration
	retries     int
	minAgree    int
	workers     int
	refusal     bool
	fresh       bool
}

// newLabelCmd builds the `hneurons label` command.
func newLabelCmd() *cobra.Command {
	o := &labelOptions{}
	cmd := &cobra.Command{
		Use:   "label",
		Short: "Judge sampled responses, keep consistent questions and locate answer spans",
		Long: `Label reads the responses collect wrote (one JSON record per question with its
samples), judges every sample against the gold answers, keeps the questions
whose judgements agree (at least --min-agree of them, none uncertain), picks
the most frequent response as the representative and locates its answer span.

It writes one labelled record per question to --out (label faithful,
hallucinated or uncertain), appending line by line; rerun it to resume: ids
already in --out are skipped and a torn last line is cut. The first line of
--out records the judge, --min-agree and the input; a rerun with another judge
or threshold stops with an error naming it, unless --fresh (which relabels
everything).

The rule judge is SQuAD-style normalisation and substring matching; the LLM
judge asks an OpenAI-compatible server (--judge-url, --judge-model, API key
from the environment variable named by --judge-key-env) and caches verdicts.`,
		Example: `  hneurons label --in responses.jsonl --out labelled.jsonl
  hneurons label --in responses.jsonl --out labelled.jsonl --judge llm \
      --judge-url http://localhost:8000 --judge-model gpt-4o-mini --judge-cache judge-cache.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runLabel(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.in, "in", "", "responses JSONL written by collect (required)")
	f.StringVar(&o.out, "out", "", "labelled JSONL to write or resume (required)")
	f.StringVar(&o.judge, "judge", "rule", "judge: rule or llm")
	f.StringVar(&o.judgeURL, "judge-url", "", "base URL of an OpenAI-compatible server (llm judge)")
	f.StringVar(&o.judgeModel, "judge-model", "", "model name for the llm judge")
	f.StringVar(&o.judgeKeyEnv, "judge-key-env", "OPENAI_API_KEY", "environment variable holding the llm judge's API key")
	f.StringVar(&o.judgeCache, "judge-cache", "", "JSONL cache of llm verdicts (default: <out>.judge-cache.jsonl)")
	f.StringVar(&o.judgeErrors, "judge-errors", "fail", "after retries, a judge error: fail, or uncertain (record it and go on)")
	f.DurationVar(&o.timeout, "judge-timeout", 60*time.Second, "timeout of one llm judge request")
	f.IntVar(&o.retries, "judge-attempts", 4, "attempts per llm judge request")
	f.IntVar(&o.workers, "judge-workers", 4, "distinct responses of a question judged at once (llm judge)")
	f.BoolVar(&o.refusal, "refusal-correct", false, "every question is about a fabricated entity: refusing is correct, answering is a hallucination (automatic for source nonexist)")
	f.IntVar(&o.minAgree, "min-agree", 0, "judgements that must agree for a question to be kept (0: all samples, the paper's rule)")
	f.BoolVar(&o.fresh, "fresh", false, freshUsage)
	cmd.MarkFlagRequired("in")
	cmd.MarkFlagRequired("out")
	return cmd
}

// validate checks the flags before any file is read.
func (o *labelOptions) validate() error {
	var c checks
	c.oneOf("judge", o.judge, "rule", "llm")
	c.oneOf("judge-errors", o.judgeErrors, "fail", "uncertain")
	c.atLeast("min-agree", o.minAgree, 0)
	c.atLeast("judge-attempts", o.retries, 1)
	c.atLeast("judge-workers", o.workers, 1)
	c.duration("judge-timeout", o.timeout)
	if o.judge == "llm" && (o.judgeURL == "" || o.judgeModel == "") {
		c.add("--judge llm needs --judge-url and --judge-model")
	}
	return c.err()
}

func runLabel(cmd *cobra.Command, o *labelOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	var judge label.Judge
	switch o.judge {
	case "rule":
		judge = label.RuleJudge{}
	case "llm":
		cachePath := o.judgeCache
		if cachePath == "" {
			cachePath = o.out + ".judge-cache.jsonl"
		}
		cache, err := label.OpenCache(cachePath)
		if err != nil {
			return err
		}
		defer cache.Close()
		judge = &label.LLMJudge{URL: o.judgeURL, Model: o.judgeModel, APIKey: os.Getenv(o.judgeKeyEnv),
			Timeout: o.timeout, MaxAttempts: o.retries, Cache: cache}
	}
	stderr := cmd.ErrOrStderr()
	total := countRecords(o.in)
	bar := progress.New(stderr, "label: questions")
	cnt, err := label.Run(cmd.Context(), label.RunOptions{
		In: o.in, Out: o.out, Judge: judge, Fresh: o.fresh,
		Options: label.Options{MinAgree: o.minAgree, JudgeErrorsUncertain: o.judgeErrors == "uncertain", Workers: o.workers, RefusalCorrect: o.refusal},
		Progress: func(c label.Counts, _ time.Duration) {
			bar.Update(c.Seen, total, fmt.Sprintf("%d resumed", c.Resumed))
		},
	})
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "questions read:   %d (already labelled, skipped: %d)\n", cnt.Seen, cnt.Resumed)
	fmt.Fprintf(w, "labelled now:     %d\n", cnt.Labelled)
	fmt.Fprintf(w, "  faithful:       %d\n  hallucinated:   %d\n  uncertain:      %d (inconsistent or refusing)\n", cnt.Faithful, cnt.Hallucinated, cnt.Uncertain)
	if cnt.TooFewSamples > 0 {
		fmt.Fprintf(w, "  warning: %d questions have fewer samples than --min-agree %d and cannot be consistent\n", cnt.TooFewSamples, o.minAgree)
	}
	if cnt.JudgeErrors > 0 {
		fmt.Fprintf(w, "  judge errors recorded as uncertain: %d\n", cnt.JudgeErrors)
	}
	for _, m := range []string{label.SpanGoldAlias, label.SpanContentRule, label.SpanFallbackAll} {
		fmt.Fprintf(w, "answer spans by %-13s %d\n", m+":", cnt.Spans[m])
	}
	return err
}

// countRecords counts the records of a JSONL file for progress reports:
// its lines, less the provenance line (0 when it cannot be read).
func countRecords(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n, last := 0, byte('\n')
	buf := make([]byte, 1<<16)
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if k > 0 {
			last = buf[k-1]
		}
		if err != nil {
			break
		}
	}
	if last != '\n' {
		n++
	}
	if p, _ := record.ReadHeader(path); p != nil {
		n--
	}
	return n
}
