package collect

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/tokenizer"
)

// Prompt formats (Options.PromptFormat, label.Collected.PromptFormat).
const (
	FormatChat = "chat" // one user turn through the model's chat template
	FormatBase = "base" // "{question}\nAnswer:", stopping at the first newline
)

// BaseSuffix is appended to the question in the base-model prompt.
const BaseSuffix = "\nAnswer:"

// PaperDecoding is the paper's sampling (METHOD.md section 1, step 2).
var PaperDecoding = label.Decoding{Temperature: 1.0, TopP: 0.9, TopK: 50, MaxNewTokens: 50}

// Options configure Run.
type Options struct {
	// Samples is the number of responses per question (default 10).
	Samples int
	// MaxQuestions, when positive, limits the run to the first MaxQuestions
	// questions of the input (after dropping repeated ids), so that a rerun
	// with the same limit covers the same questions.
	MaxQuestions int
	// PromptFormat is FormatChat (default) or FormatBase.
	PromptFormat string
	// Seed is the run seed; question q samples with QuestionSeed(Seed, q.ID).
	Seed uint64
	// Batch is the number of questions in flight at once, each on its own
	// Runner (default 1). Records are still written in input order.
	Batch int
	// Decoding holds the sampling settings; the zero value means PaperDecoding.
	Decoding label.Decoding
	// ModelName is recorded in every record (default: the model's path).
	ModelName string
	// Progress, when set, is called after each written record (from the
	// goroutine that called Run).
	Progress func(Progress)
}

// Progress reports how far a run has come.
type Progress struct {
	Done    int           // questions written by this run
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

// PromptText returns the prompt text of a question in the given format: the
// chat template's rendering of one user turn "{question}{datasets.PromptSuffix}"
// with the generation prompt, or "{question}\nAnswer:".
func PromptText(tok *tokenizer.Tokenizer, question, format string) (string, error) {
	var tmpl *chat.Template
	if format == FormatChat || format == "" {
		var err error
		if tmpl, err = parseTemplate(tok); err != nil {
			return "", err
		}
	}
	return promptText(tok, tmpl, question, format)
}

func parseTemplate(tok *tokenizer.Tokenizer) (*chat.Template, error) {
	src := tok.ChatTemplate()
	if src == "" {
		return nil, errors.New("collect: the model has no chat template; use the base prompt format")
	}
	tmpl, err := chat.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("collect: chat template: %w", err)
	}
	return tmpl, nil
}

func promptText(tok *tokenizer.Tokenizer, tmpl *chat.Template, question, format string) (string, error) {
	switch format {
	case FormatBase:
		return question + BaseSuffix, nil
	case FormatChat, "":
		text, err := tmpl.RenderText([]chat.Message{{Role: "user", Content: question + datasets.PromptSuffix}},
			chat.Options{AddGenerationPrompt: true, BOS: tok.BOSToken(), EOS: tok.EOSToken()})
		if err != nil {
			return "", fmt.Errorf("collect: chat template: %w", err)
		}
		return text, nil
	default:
		return "", fmt.Errorf("collect: unknown prompt format %q (want chat or base)", format)
	}
}

// PromptTokens encodes a prompt text made by PromptText as the model saw it:
// a chat rendering without added special tokens (the template writes them,
// as Hugging Face's apply_chat_template does), a base prompt with them
// (typically BOS). The extract stage uses the same function, so prompt
// tokens agree between the two stages.
func PromptTokens(tok *tokenizer.Tokenizer, text, format string) []int {
	return tok.Encode(text, format == FormatBase)
}

// Collector samples the responses to one question at a time. It is not safe
// for concurrent use; make one per goroutine.
type Collector struct {
	m      *model.Model
	tok    *tokenizer.Tokenizer
	r      *model.Runner
	opt    Options
	stops  []int
	format string
	tmpl   *chat.Template // nil for the base format
}

// NewCollector returns a Collector for m and tok with opt's settings
// (defaults filled in).
func NewCollector(m *model.Model, tok *tokenizer.Tokenizer, opt Options) (*Collector, error) {
	opt = withDefaults(opt, m)
	if opt.PromptFormat != FormatChat && opt.PromptFormat != FormatBase {
		return nil, fmt.Errorf("collect: unknown prompt format %q (want chat or base)", opt.PromptFormat)
	}
	if opt.Samples <= 0 || opt.Decoding.MaxNewTokens <= 0 {
		return nil, fmt.Errorf("collect: need positive samples (%d) and max new tokens (%d)", opt.Samples, opt.Decoding.MaxNewTokens)
	}
	c := &Collector{m: m, tok: tok, r: m.NewRunner(), opt: opt, stops: generate.StopTokens(tok, m), format: opt.PromptFormat}
	if c.format == FormatChat {
		var err error
		if c.tmpl, err = parseTemplate(tok); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func withDefaults(opt Options, m *model.Model) Options {
	if opt.Samples == 0 {
		opt.Samples = 10
	}
	if opt.PromptFormat == "" {
		opt.PromptFormat = FormatChat
	}
	if opt.Batch <= 0 {
		opt.Batch = 1
	}
	if opt.Decoding == (label.Decoding{}) {
		opt.Decoding = PaperDecoding
	}
	if opt.ModelName == "" {
		opt.ModelName = m.Path
	}
	return opt
}

// One samples the responses to one question.
func (c *Collector) One(ctx context.Context, q datasets.Record) (label.Collected, error) {
	text, err := promptText(c.tok, c.tmpl, q.Question, c.format)
	if err != nil {
		return label.Collected{}, err
	}
	prompt := PromptTokens(c.tok, text, c.format)
	if len(prompt) == 0 {
		return label.Collected{}, fmt.Errorf("collect: question %q: the prompt encodes to no tokens", q.ID)
	}
	if max := c.m.Config.MaxSeq; max > 0 && len(prompt)+c.opt.Decoding.MaxNewTokens > max {
		return label.Collected{}, fmt.Errorf("collect: question %q: prompt of %d tokens + %d new tokens exceeds the model's context of %d",
			q.ID, len(prompt), c.opt.Decoding.MaxNewTokens, max)
	}
	d := c.opt.Decoding
	gopt := generate.Options{
		SamplerOptions: generate.SamplerOptions{Temperature: d.Temperature, TopK: d.TopK, TopP: d.TopP},
		MaxNewTokens:   d.MaxNewTokens,
		Seed:           QuestionSeed(c.opt.Seed, q.ID),
		StopTokens:     c.stops,
		Decode:         generate.Decoder(c.tok, prompt),
	}
	if c.format == FormatBase {
		gopt.StopStrings = []string{"\n"}
	}
	res, err := generate.GenerateN(ctx, c.r, prompt, c.opt.Samples, gopt)
	if err != nil {
		return label.Collected{}, fmt.Errorf("collect: question %q: %w", q.ID, err)
	}
	out := label.Collected{
		ID: q.ID, Question: q.Question, Answers: q.Answers, Source: q.Source,
		Prompt: text, PromptFormat: c.format, Model: c.opt.ModelName, Seed: c.opt.Seed,
		Decoding: &d, Samples: make([]label.Sample, len(res)),
	}
	if out.Answers == nil {
		out.Answers = []string{}
	}
	for i, r := range res {
		reason := "stop"
		if r.Reason == generate.StopLength {
			reason = "length"
		}
		// A sample cut by the token limit (or holding stray byte tokens) may
		// end inside a character: store valid UTF-8, one U+FFFD per run of
		// invalid bytes, rather than leave the replacement to JSON.
		out.Samples[i] = label.Sample{Text: SanitizeText(r.Text), Tokens: r.Tokens, FinishReason: reason}
	}
	return out, nil
}

// SanitizeText returns s with each run of invalid UTF-8 replaced by one
// U+FFFD (strings.ToValidUTF8), as collect stores sample text.
func SanitizeText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// Run samples every question of recs that is not yet in the JSONL file out,
// appending one record per question in input order. Repeated ids keep their
// first record. Cancelling ctx stops the run; what was written stays valid
// and a rerun continues from there.
func Run(ctx context.Context, m *model.Model, tok *tokenizer.Tokenizer, recs []datasets.Record, out string, opt Options) (Stats, error) {
	opt = withDefaults(opt, m)
	st := Stats{Input: len(recs)}
	seen := make(map[string]bool, len(recs))
	var todo []datasets.Record
	app, done, err := label.OpenAppender(out)
	if err != nil {
		return st, fmt.Errorf("collect: %w", err)
	}
	defer func() {
		if app != nil {
			app.Close()
		}
	}()
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
		if done[q.ID] {
			st.Skipped++
			continue
		}
		todo = append(todo, q)
	}
	if st.Duplicates > 0 {
		slog.Warn("collect: repeated question ids dropped", "count", st.Duplicates)
	}
	workers := min(opt.Batch, len(todo))
	cols := make([]*Collector, workers)
	for i := range cols {
		if cols[i], err = NewCollector(m, tok, opt); err != nil {
			return st, err
		}
	}

	type result struct {
		i   int
		rec label.Collected
		err error
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
				select {
				case results <- result{i, rec, err}:
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
	pending := make(map[int]label.Collected)
	next := 0
	var firstErr error
	for res := range results {
		if firstErr != nil {
			continue
		}
		if res.err != nil {
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
			if err := app.Append(rec); err != nil {
				firstErr = fmt.Errorf("collect: %s: %w", out, err)
				cancel()
				break
			}
			next++
			st.Written++
			st.Samples += len(rec.Samples)
			if opt.Progress != nil {
				opt.Progress(Progress{Done: st.Written, Total: len(todo), Skipped: st.Skipped, Elapsed: time.Since(start)})
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
		return st, fmt.Errorf("collect: %s: %w", out, err)
	}
	return st, nil
}
