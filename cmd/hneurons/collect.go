package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/internal/progress"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/oaiclient"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/shard"
	"github.com/hneurons/hneurons/tokenizer"
)

// endpointKeyEnv holds the bearer key of a collect --endpoint.
const endpointKeyEnv = "HNEURONS_ENDPOINT_API_KEY"

// collectOptions are the flags of `hneurons collect`.
type collectOptions struct {
	model, dataset, out string
	samples, maxQ       int
	format              string
	seed                uint64
	batch               int
	temperature, topP   float64
	topK, maxNew        int
	fresh               bool
	shard               string

	// Remote sampling.
	endpoint, endpointModel, tokenIDs string
	rate                              float64
	maxInFlight, retries, endpointN   int
	timeout                           time.Duration
}

// newCollectCmd builds the `hneurons collect` command.
func newCollectCmd() *cobra.Command {
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
Each question's samples depend only on --seed and its id. The file's first line
records the provenance (sampling options, model, dataset); a rerun with other
options stops with an error naming the difference, unless --fresh.

A question whose prompt plus --max-new-tokens does not fit the model's context
(or encodes to no tokens) is skipped, counted and reported; the run goes on.

With --endpoint URL (e.g. http://vllm:8000/v1) the samples come from an
OpenAI-compatible server (vLLM, llama.cpp's llama-server, hneurons serve)
serving --endpoint-model; --model then only gives the tokenizer and chat
template (its weights are not needed). The prompt, rendered here exactly as
for a local run, goes to /v1/completions with n, temperature, top_p, top_k,
seed (the question's), max_tokens and the base format's stop. The token ids
are the server's (vLLM, hneurons serve); for servers that return none (the
OpenAI-compatible endpoint of llama.cpp and Ollama) use --endpoint-token-ids
retokenize, which encodes the returned text locally: not exact for extract;
llama.cpp's server also needs --endpoint-n 1 (it serves one choice per request).
Requests are retried (--retries) on 429, 5xx and network errors, limited to
--rate per second and --max-in-flight at once; the bearer key is read from
$` + endpointKeyEnv + `. Against hneurons serve on the same model the records equal a
local run's.`,
		Example: `  hneurons collect --model Llama-3.1-8B-Instruct/ --dataset triviaqa-parquet:train.parquet \
      --max-questions 4000 --out responses.jsonl
  hneurons collect --model base.gguf --dataset nq:NQ-open.dev.jsonl --prompt-format base --out base.jsonl
  hneurons collect --model Llama-3.1-70B-Instruct/ --endpoint http://vllm:8000/v1 \
      --endpoint-model meta-llama/Llama-3.1-70B-Instruct --dataset triviaqa:qa/ --out responses.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runCollect(cmd, o) },
	}
	f := cmd.Flags()
	d := collect.PaperDecoding
	f.StringVar(&o.model, "model", "", modelUsage)
	f.StringVar(&o.dataset, "dataset", "", "dataset spec, format:path or a path (see hneurons datasets) (required)")
	f.StringVar(&o.out, "out", "", "responses JSONL to write or resume (required)")
	f.IntVar(&o.samples, "samples", 10, "responses per question")
	f.IntVar(&o.maxQ, "max-questions", 0, "use only the first N questions of the dataset (0: all)")
	f.StringVar(&o.format, "prompt-format", chat.FormatChat, "prompt format: chat or base")
	f.Uint64Var(&o.seed, "seed", defaultSeed, "sampling seed (each question samples with a seed derived from it and the question id)")
	f.IntVar(&o.batch, "batch", 1, "questions in flight at once (each with its own runner)")
	f.Float64Var(&o.temperature, "temperature", d.Temperature, "sampling temperature")
	f.Float64Var(&o.topP, "top-p", d.TopP, "nucleus sampling mass")
	f.IntVar(&o.topK, "top-k", d.TopK, "sample from the K most likely tokens")
	f.IntVar(&o.maxNew, "max-new-tokens", d.MaxNewTokens, "most new tokens per response")
	f.BoolVar(&o.fresh, "fresh", false, freshUsage)
	f.StringVar(&o.shard, "shard", "", shardUsage)
	f.StringVar(&o.endpoint, "endpoint", "", "sample through this OpenAI-compatible server (its API root, e.g. http://host:8000/v1) instead of the local model")
	f.StringVar(&o.endpointModel, "endpoint-model", "", "the model name the --endpoint serves (its /v1/models id; required with --endpoint)")
	f.StringVar(&o.tokenIDs, "endpoint-token-ids", collect.TokenIDsServer, "server: keep the token ids the server returns (vLLM, hneurons serve); retokenize: encode its text locally (not exact for extract)")
	f.Float64Var(&o.rate, "rate", 0, "most requests per second to the --endpoint (0: no limit)")
	f.IntVar(&o.maxInFlight, "max-in-flight", 4, "questions (requests) in flight at once to the --endpoint")
	f.IntVar(&o.endpointN, "endpoint-n", 0, "most samples per --endpoint request (0: all --samples in one; 1 for llama.cpp's server)")
	f.IntVar(&o.retries, "retries", 4, "retries of a failed --endpoint request (429, 5xx, network errors)")
	f.DurationVar(&o.timeout, "endpoint-timeout", 10*time.Minute, "timeout of one --endpoint request")
	aliases(cmd, map[string]string{"max-tokens": "max-new-tokens"})
	cmd.MarkFlagRequired("model")
	cmd.MarkFlagRequired("dataset")
	cmd.MarkFlagRequired("out")
	return cmd
}

// options returns the library options the flags ask for.
func (o *collectOptions) options() collect.Options {
	return collect.Options{
		Samples: o.samples, MaxQuestions: o.maxQ, PromptFormat: o.format, Seed: o.seed, Batch: o.batch,
		Decoding: record.Decoding{Temperature: o.temperature, TopP: o.topP, TopK: o.topK, MaxNewTokens: o.maxNew},
		Input:    record.Input{Path: o.dataset}, Fresh: o.fresh, Shard: parseShard(o.shard),
	}
}

// validate checks the flags before any file is read.
func (o *collectOptions) validate() error {
	var c checks
	c.atLeast("samples", o.samples, 1) // the library reads 0 as its default
	c.atLeast("batch", o.batch, 1)
	opt := o.options()
	if o.endpoint != "" {
		c.atLeast("max-in-flight", o.maxInFlight, 1)
		c.atLeast("retries", o.retries, 0)
		c.atLeast("endpoint-n", o.endpointN, 0)
		if o.rate < 0 {
			c.add("--rate %v: want 0 (no limit) or more", o.rate)
		}
		c.duration("endpoint-timeout", o.timeout)
		// Validate the endpoint's options too (its client comes later).
		opt.Endpoint = &collect.Endpoint{Client: &oaiclient.Client{}, Model: o.endpointModel, TokenIDs: o.tokenIDs}
	} else if o.endpointModel != "" {
		c.add("--endpoint-model %q: needs --endpoint", o.endpointModel)
	}
	c.also(opt.Validate())
	_, err := shard.Parse(o.shard)
	c.also(err)
	return c.err()
}

// clientRetries converts a --retries flag (0: never retry) into
// oaiclient.Config.Retries, which reads 0 as its default and a negative
// count as never.
func clientRetries(flag int) int {
	if flag == 0 {
		return -1
	}
	return flag
}

// endpoint returns the remote sampler the flags ask for (nil without
// --endpoint).
func (o *collectOptions) endpointOption() (*collect.Endpoint, error) {
	if o.endpoint == "" {
		return nil, nil
	}
	c, err := oaiclient.New(oaiclient.Config{BaseURL: o.endpoint, APIKey: os.Getenv(endpointKeyEnv), Retries: clientRetries(o.retries),
		Rate: o.rate, MaxInFlight: o.maxInFlight, Timeout: o.timeout})
	if err != nil {
		return nil, err
	}
	return &collect.Endpoint{Client: c, URL: strings.TrimSuffix(c.Endpoint(""), "/"), Model: o.endpointModel, TokenIDs: o.tokenIDs, MaxInFlight: o.maxInFlight, MaxN: o.endpointN}, nil
}

// openTokenizerModel opens --model for a remote collection: the model when
// it loads (its generation config's stop tokens and its context size), else
// the tokenizer alone (a folder with the tokenizer files but no weights).
func openTokenizerModel(path string) (*model.Model, *tokenizer.Tokenizer, error) {
	m, tok, err := openModel(path)
	if err == nil {
		return m, tok, nil
	}
	tok, terr := tokenizer.Load(path)
	if terr != nil {
		return nil, nil, fmt.Errorf("--model %s: neither a model (%v) nor a tokenizer: %w", path, err, terr)
	}
	slog.Info("collect: --model has a tokenizer but no loadable model; the server's context limit and the tokenizer's own end tokens apply",
		"model", path, "why", err)
	return nil, tok, nil
}

func runCollect(cmd *cobra.Command, o *collectOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	recs, _, err := datasets.Load(o.dataset, datasets.Options{DedupeIDs: true})
	if err != nil {
		return err
	}
	ep, err := o.endpointOption()
	if err != nil {
		return err
	}
	var m *model.Model
	var tok *tokenizer.Tokenizer
	if ep != nil {
		m, tok, err = openTokenizerModel(o.model)
	} else {
		m, tok, err = openModel(o.model)
	}
	if err != nil {
		return err
	}
	if m != nil {
		defer m.Close()
	}
	stderr := cmd.ErrOrStderr()
	bar := progress.New(stderr, "collect: questions")
	opt := o.options()
	opt.Endpoint = ep
	opt.Progress = func(p collect.Progress) { bar.Update(p.Done, p.Total, fmt.Sprintf("%d done before", p.Skipped)) }
	st, err := collect.Run(cmd.Context(), m, tok, recs, o.out, opt)
	bar.Done()
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "questions read:   %d (repeated ids dropped: %d)\n", st.Input, st.Duplicates)
	if st.OtherShards > 0 {
		fmt.Fprintf(w, "other shards':    %d questions (this is shard %s)\n", st.OtherShards, o.shard)
	}
	fmt.Fprintf(w, "already in %s: %d\n", o.out, st.Skipped)
	fmt.Fprintf(w, "collected now:    %d questions, %d responses\n", st.Written, st.Samples)
	if n := st.TooLong + st.EmptyPrompt; n > 0 {
		fmt.Fprintf(w, "skipped:          %d questions that cannot be asked (%d too long for the context, %d empty prompts); first: %s\n",
			n, st.TooLong, st.EmptyPrompt, st.FirstUnusable)
	}
	return err
}
