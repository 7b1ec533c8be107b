package collect

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/shard"
	"github.com/hneurons/hneurons/tokenizer"
)

// PaperDecoding is the paper's sampling (METHOD.md section 1, step 2).
var PaperDecoding = record.Decoding{Temperature: 1.0, TopP: 0.9, TopK: 50, MaxNewTokens: 50}

// Options configure Run.
type Options struct {
	// Samples is the number of responses per question (default 10).
	Samples int
	// MaxQuestions, when positive, limits the run to the first MaxQuestions
	// questions of the input (after dropping repeated ids), so that a rerun
	// with the same limit covers the same questions.
	MaxQuestions int
	// PromptFormat is chat.FormatChat (default) or chat.FormatBase.
	PromptFormat string
	// Seed is the run seed; question q samples with QuestionSeed(Seed, q.ID).
	Seed uint64
	// Batch is the number of questions in flight at once, each on its own
	// Runner (default 1). Records are still written in input order.
	Batch int
	// Decoding holds the sampling settings; the zero value means PaperDecoding.
	Decoding record.Decoding
	// ModelName is recorded in every record (default: the model's path).
	ModelName string
	// Input identifies the questions in the output's provenance. When its
	// Digest is empty the records given to Run are hashed
	// (record.RecordsInput: independent of the file's format and of how
	// its records are laid out), keeping Input.Path (the dataset spec) for
	// information.
	Input record.Input
	// Fresh discards an existing output instead of resuming it.
	Fresh bool
	// Shard, when not the whole input, keeps only the questions of that
	// shard (package shard), after MaxQuestions has cut the whole input,
	// and is recorded in the provenance; the input's digest stays that of
	// every record given to Run, so the shards of a run differ only by it.
	Shard shard.Spec
	// Progress, when set, is called after each written record (from the
	// goroutine that called Run).
	Progress func(Progress)
	// Endpoint, when set, samples through an OpenAI-compatible server
	// instead of the local model (Run's model may then be nil); Batch is
	// then unused and Endpoint.MaxInFlight questions are in flight.
	Endpoint *Endpoint
}

// Progress reports how far a run has come.
type Progress struct {
	Done    int           // questions written (or skipped as unusable) by this run
	Total   int           // questions this run has to do (without Skipped)
	Skipped int           // questions already in the output when the run started
	Elapsed time.Duration // since the run started
}

// Rate returns questions per second.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Done) / p.Elapsed.Seconds()
}

// ETA estimates the time left at the current rate (0 when unknown).
func (p Progress) ETA() time.Duration {
	r := p.Rate()
	if r == 0 {
		return 0
	}
	return time.Duration(float64(p.Total-p.Done) / r * float64(time.Second))
}

// Stats summarises a run.
type Stats struct {
	Input      int // records given
	Duplicates int // records dropped because their id came earlier
	Skipped    int // questions already in the output
	Written    int // records written by this run
	Samples    int // responses sampled by this run
	// OtherShards counts the questions left to the other shards (Options.Shard).
	OtherShards int
	// TooLong counts questions whose prompt plus MaxNewTokens does not fit
	// the model's context, and EmptyPrompt those whose prompt encodes to no
	// tokens: both are skipped (not written), so a rerun tries them again.
	TooLong, EmptyPrompt int
	// FirstUnusable describes the first such question, for the report.
	FirstUnusable string
}

// UnusableError is the error Collector.One returns for a question that
// cannot be asked (its prompt is empty or does not fit the context); Run
// skips and counts such questions instead of stopping.
type UnusableError struct {
	ID     string
	Reason string
	// TooLong is set when the prompt does not fit the context.
	TooLong bool
}

func (e *UnusableError) Error() string {
	return fmt.Sprintf("collect: question %q: %s", e.ID, e.Reason)
}

// QuestionSeed derives a question's sampling seed from the run seed and the
// question id: the first 8 bytes (little-endian) of SHA-256(seed as 8
// little-endian bytes, id).
func QuestionSeed(seed uint64, id string) uint64 {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(id))
	return binary.LittleEndian.Uint64(h.Sum(nil)[:8])
}

// promptUser is the user text of a question in a format: the paper's
// instruction appended for chat prompts, the bare question for base ones.
func promptUser(question, format string) string {
	if format == chat.FormatBase {
		return question
	}
	return question + datasets.PromptSuffix
}

// PromptText returns the prompt text of a question in the given format: the
// chat template's rendering of one user turn "{question}{datasets.PromptSuffix}"
// with the generation prompt, or "{question}\nAnswer:" (chat.Prompter).
func PromptText(tok *tokenizer.Tokenizer, question, format string) (string, error) {
	if err := checkFormat(format); err != nil {
		return "", fmt.Errorf("collect: %w", err)
	}
	p, err := chat.NewPrompter(tok, format)
	if err != nil {
		return "", fmt.Errorf("collect: %w", err)
	}
	return p.Text(promptUser(question, p.Format()))
}

// PromptTokens encodes a prompt text made by PromptText as the model saw it
// (chat.EncodePrompt): a chat rendering without added special tokens (the
// template writes them, as Hugging Face's apply_chat_template does), a base
// prompt with them (typically BOS). The extract stage uses the same
// function, so prompt tokens agree between the two stages.
func PromptTokens(tok *tokenizer.Tokenizer, text, format string) []int {
	return chat.EncodePrompt(tok, text, format)
}

// checkFormat accepts the two formats collect asks questions in.
func checkFormat(format string) error {
	switch format {
	case chat.FormatChat, chat.FormatBase, "":
		return nil
	}
	return fmt.Errorf("--prompt-format %q: want %s or %s", format, chat.FormatChat, chat.FormatBase)
}

// Collector samples the responses to one question at a time. It is not safe
// for concurrent use; make one per goroutine.
type Collector struct {
	m      *model.Model
	tok    *tokenizer.Tokenizer
	r      *model.Runner
	opt    Options
	stops  []int
	prompt *chat.Prompter
}

// NewCollector returns a Collector for m and tok with opt's settings
// (defaults filled in), or an error naming the first invalid option.
func NewCollector(m *model.Model, tok *tokenizer.Tokenizer, opt Options) (*Collector, error) {
	opt = withDefaults(opt, m)
	if err := opt.validate(); err != nil {
		return nil, err
	}
	p, err := chat.NewPrompter(tok, opt.PromptFormat)
	if err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	return &Collector{m: m, tok: tok, r: m.NewRunner(), opt: opt, stops: generate.StopTokens(tok, m), prompt: p}, nil
}

func withDefaults(opt Options, m *model.Model) Options {
	if opt.Samples == 0 {
		opt.Samples = 10
	}
	if opt.PromptFormat == "" {
		opt.PromptFormat = chat.FormatChat
	}
	if opt.Batch <= 0 {
		opt.Batch = 1
	}
	if opt.Decoding == (record.Decoding{}) {
		opt.Decoding = PaperDecoding
	}
	if opt.Endpoint != nil {
		e := *opt.Endpoint
		e.withDefaults()
		opt.Endpoint = &e
	}
	if opt.ModelName == "" {
		switch {
		case m != nil:
			opt.ModelName = m.Path
		case opt.Endpoint != nil:
			opt.ModelName = opt.Endpoint.Model
		}
	}
	return opt
}

// Validate checks the options (after filling in defaults) and names the
// first invalid one by its flag; Run calls it before touching its output,
// and a command can call it before loading a model.
func (opt Options) Validate() error {
	if opt.Samples == 0 {
		opt.Samples = 10
	}
	if opt.Decoding == (record.Decoding{}) {
		opt.Decoding = PaperDecoding
	}
	return opt.validate()
}

// validate checks options with defaults filled in; errors name the flag.
func (opt Options) validate() error {
	d := opt.Decoding
	var errs []error
	if err := checkFormat(opt.PromptFormat); err != nil {
		errs = append(errs, err)
	}
	if opt.Samples < 1 {
		errs = append(errs, fmt.Errorf("--samples %d: want at least 1", opt.Samples))
	}
	if opt.MaxQuestions < 0 {
		errs = append(errs, fmt.Errorf("--max-questions %d: want 0 (all) or more", opt.MaxQuestions))
	}
	errs = append(errs, generate.SamplerOptions{Temperature: d.Temperature, TopK: d.TopK, TopP: d.TopP}.Validate())
	if d.MaxNewTokens < 1 {
		errs = append(errs, fmt.Errorf("--max-new-tokens %d: want at least 1", d.MaxNewTokens))
	}
	if opt.Endpoint != nil {
		errs = append(errs, opt.Endpoint.validate())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	return nil
}

// formatFloat writes an option value as the shortest exact decimal.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// provenance is what Run writes on the output's first line: the sampling
// options, the chat template (for chat prompts), the model and the input.
func (opt Options) provenance(m *model.Model, tok *tokenizer.Tokenizer, recs []datasets.Record) (record.Provenance, error) {
	d := opt.Decoding
	o := map[string]string{
		"samples": strconv.Itoa(opt.Samples), "prompt-format": opt.PromptFormat, "seed": strconv.FormatUint(opt.Seed, 10),
		"temperature": formatFloat(d.Temperature), "top-p": formatFloat(d.TopP), "top-k": strconv.Itoa(d.TopK),
		"max-new-tokens": strconv.Itoa(d.MaxNewTokens),
	}
	if opt.PromptFormat == chat.FormatChat {
		sum := sha256.Sum256([]byte(tok.ChatTemplate()))
		o["chat-template"] = "sha256:" + hex.EncodeToString(sum[:])
	}
	var id, path string
	if e := opt.Endpoint; e != nil {
		// The server's weights cannot be hashed here: the model is named
		// by the server's model name (compared), the address kept for
		// information.
		o["endpoint-model"], o["token-ids"], o["endpoint-n"] = e.Model, e.TokenIDs, strconv.Itoa(max(e.MaxN, 0))
		id, path = "endpoint-model:"+e.Model, e.URL
	} else {
		var err error
		if id, err = m.Identity(); err != nil {
			return record.Provenance{}, fmt.Errorf("collect: %w", err)
		}
		path = m.Path
	}
	in := opt.Input
	var err error
	if in.Digest == "" {
		path := in.Path
		if in, err = record.RecordsInput("dataset", recs); err != nil {
			return record.Provenance{}, fmt.Errorf("collect: %w", err)
		}
		in.Path = path
	}
	opt.Shard.Tag(o)
	return record.New("collect", o).WithModel(id, path).WithInput(in), nil
}

// newSampler returns the sampler of opt (defaults filled in): a Collector
// on m, or the remote sampler of opt.Endpoint.
func newSampler(m *model.Model, tok *tokenizer.Tokenizer, opt Options) (sampler, error) {
	if opt.Endpoint == nil {
		if m == nil {
			return nil, errors.New("collect: no model and no endpoint")
		}
		return NewCollector(m, tok, opt)
	}
	if err := opt.validate(); err != nil {
		return nil, err
	}
	return newRemote(m, tok, opt)
}

// One samples the responses to one question. A question that cannot be
// asked gives an *UnusableError.
func (c *Collector) One(ctx context.Context, q datasets.Record) (record.Collected, error) {
	format := c.prompt.Format()
	text, err := c.prompt.Text(promptUser(q.Question, format))
	if err != nil {
		return record.Collected{}, fmt.Errorf("collect: question %q: %w", q.ID, err)
	}
	prompt := c.prompt.Tokens(text)
	if len(prompt) == 0 {
		return record.Collected{}, &UnusableError{ID: q.ID, Reason: "the prompt encodes to no tokens"}
	}
	if max := c.m.Config.MaxSeq; max > 0 && len(prompt)+c.opt.Decoding.MaxNewTokens > max {
		return record.Collected{}, &UnusableError{ID: q.ID, TooLong: true, Reason: fmt.Sprintf(
			"prompt of %d tokens + %d new tokens exceeds the model's context of %d", len(prompt), c.opt.Decoding.MaxNewTokens, max)}
	}
	d := c.opt.Decoding
	gopt := generate.Options{
		SamplerOptions: generate.SamplerOptions{Temperature: d.Temperature, TopK: d.TopK, TopP: d.TopP},
		MaxNewTokens:   d.MaxNewTokens,
		Seed:           QuestionSeed(c.opt.Seed, q.ID),
		StopTokens:     c.stops,
		StopStrings:    c.prompt.StopStrings(),
		Decode:         generate.Decoder(c.tok, prompt),
	}
	res, err := generate.GenerateN(ctx, c.r, prompt, c.opt.Samples, gopt)
	if err != nil {
		return record.Collected{}, fmt.Errorf("collect: question %q: %w", q.ID, err)
	}
	out := newRecord(q, text, format, c.opt, len(res))
	for i, r := range res {
		reason := record.FinishStop
		if r.Reason == generate.StopLength {
			reason = record.FinishLength
		}
		// A sample cut by the token limit (or holding stray byte tokens) may
		// end inside a character: store valid UTF-8, one U+FFFD per run of
		// invalid bytes, rather than leave the replacement to JSON.
		out.Samples[i] = record.Sample{Text: SanitizeText(r.Text), Tokens: r.Tokens, FinishReason: reason}
	}
	return out, nil
}

// newRecord is the record of question q asked with the prompt text in
// format, under opt, with n samples to fill in.
func newRecord(q datasets.Record, text, format string, opt Options, n int) record.Collected {
	d := opt.Decoding
	out := record.Collected{
		ID: q.ID, Question: q.Question, Answers: q.Answers, Source: q.Source, Group: q.Group,
		Prompt: text, PromptFormat: format, Model: opt.ModelName, Seed: opt.Seed,
		Decoding: &d, Samples: make([]record.Sample, n),
	}
	if out.Answers == nil {
		out.Answers = []string{}
	}
	return out
}

// SanitizeText returns s with each run of invalid UTF-8 replaced by one
// U+FFFD (strings.ToValidUTF8), as collect stores sample text.
func SanitizeText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// Run samples every question of recs that is not yet in the JSONL file out,
// on m or, with opt.Endpoint, through a server (m may then be nil: tok
// gives the prompt and its tokens, and m, when given, the stop tokens of
// its generation config and the context size),
// appending one record per question in input order. Repeated ids keep their
// first record. Questions that cannot be asked (UnusableError) are skipped
// and counted. Cancelling ctx stops the run; what was written stays valid
// and a rerun continues from there. The options are checked before out is
// touched; a rerun whose sampling options, model or questions differ from
// those out was written with stops with an error naming the difference
// (record.OpenAppender), unless opt.Fresh.
func Run(ctx context.Context, m *model.Model, tok *tokenizer.Tokenizer, recs []datasets.Record, out string, opt Options) (Stats, error) {
	opt = withDefaults(opt, m)
	st := Stats{Input: len(recs)}
	// Validate and parse the template before creating the output.
	first, err := newSampler(m, tok, opt)
	if err != nil {
		return st, err
	}
	prov, err := opt.provenance(m, tok, recs)
	if err != nil {
		return st, err
	}
	app, done, err := record.OpenAppender(out, prov, opt.Fresh)
	if err != nil {
		return st, fmt.Errorf("collect: %w", err)
	}
	defer func() {
		if app != nil {
			app.Close()
		}
	}()
	seen := make(map[string]bool, len(recs))
	var todo []datasets.Record
	kept := 0
	for _, q := range recs {
		if seen[q.ID] {
			st.Duplicates++
			continue
		}
		seen[q.ID] = true
		if opt.MaxQuestions > 0 && kept >= opt.MaxQuestions {
			break
		}
		kept++
		if !opt.Shard.Has(q.ID) {
			st.OtherShards++
			continue
		}
		if done[q.ID] {
			st.Skipped++
			continue
		}
		todo = append(todo, q)
	}
	if st.Duplicates > 0 {
		slog.Warn("collect: repeated question ids dropped", "count", st.Duplicates)
	}
	inFlight := opt.Batch
	if opt.Endpoint != nil {
		inFlight = opt.Endpoint.MaxInFlight
	}
	workers := max(1, min(inFlight, len(todo)))
	cols := []sampler{first}
	for len(cols) < workers {
		if opt.Endpoint != nil {
			cols = append(cols, first) // safe for concurrent use
			continue
		}
		c, err := NewCollector(m, tok, opt)
		if err != nil {
			return st, err
		}
		cols = append(cols, c)
	}

	type result struct {
		i   int
		rec *record.Collected // nil once skipped as unusable
		err error             // an *UnusableError skips the question
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for _, c := range cols {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rec, err := c.One(ctx, todo[i])
				res := result{i: i, rec: &rec, err: err}
				select {
				case results <- res:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range todo {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	start := time.Now()
	pending := make(map[int]*record.Collected)
	next, finished := 0, 0
	var firstErr error
	for res := range results {
		if firstErr != nil {
			continue
		}
		var un *UnusableError
		switch {
		case errors.As(res.err, &un):
			if un.TooLong {
				st.TooLong++
			} else {
				st.EmptyPrompt++
			}
			if st.FirstUnusable == "" {
				st.FirstUnusable = un.Error()
			}
			slog.Warn("collect: question skipped", "id", un.ID, "reason", un.Reason)
			res.rec = nil
		case res.err != nil:
			firstErr = res.err
			cancel()
			continue
		}
		pending[res.i] = res.rec
		for {
			rec, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			finished++
			if rec != nil {
				if err := app.Append(rec); err != nil {
					firstErr = fmt.Errorf("collect: %w", err)
					cancel()
					break
				}
				st.Written++
				st.Samples += len(rec.Samples)
			}
			if opt.Progress != nil {
				opt.Progress(Progress{Done: finished, Total: len(todo), Skipped: st.Skipped, Elapsed: time.Since(start)})
			}
		}
	}
	if firstErr != nil {
		return st, firstErr
	}
	if err := ctx.Err(); err != nil && next < len(todo) {
		return st, err
	}
	err = app.Close()
	app = nil
	if err != nil {
		return st, fmt.Errorf("collect: %w", err)
	}
	if n := st.TooLong + st.EmptyPrompt; n > 0 {
		slog.Warn("collect: questions skipped because they cannot be asked", "too_long", st.TooLong, "empty_prompt", st.EmptyPrompt)
	}
	return st, nil
}
