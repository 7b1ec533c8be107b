package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/generate"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/oaiclient"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// How a remote collection gets its samples' token ids (Endpoint.TokenIDs).
const (
	// TokenIDsServer takes the ids the server returns (vLLM's and hneurons
	// serve's "token_ids", older vLLM's logprobs "token_id:N"); a response
	// without them is an error.
	TokenIDsServer = "server"
	// TokenIDsRetokenize encodes the server's text with the local tokenizer
	// (no special tokens). The ids are then not necessarily those the model
	// generated (a text has many tokenisations, and the server may have
	// dropped special tokens from it), so extract's teacher-forced pass is
	// not exactly over the generated sequence; the output's provenance
	// says "token-ids": "retokenize".
	TokenIDsRetokenize = "retokenize"
)

// Endpoint makes Run sample through an OpenAI-compatible server
// (/v1/completions) instead of a local model.
//
// The prompt sent is the text collect would prompt the local model with
// (PromptText): the chat template is applied here, from the local
// tokenizer's files, not by the server, so that the prompt is exactly
// collect's; "add_special_tokens" is false for chat prompts (the template
// wrote BOS where the model wants it) and true for base prompts. Each
// question is one request with n = Options.Samples, the paper's decoding
// (temperature, top_p, top-level top_k, max_tokens), the base format's
// newline stop, and seed = int64(QuestionSeed(Options.Seed, id)).
//
// Against `hneurons serve` on the same model the records equal a local
// collection's (serve samples sequence i of a request with
// generate.NewSampler(opts, seed, i), as GenerateN does). Other servers
// have their own samplers: the same seed gives reproducible samples there
// (when the server honours seeds), not the local ones.
type Endpoint struct {
	// Client sends the requests (its rate and in-flight limits apply).
	Client *oaiclient.Client
	// URL is the endpoint's address, kept in the output's provenance for
	// information (a resume may use another address for the same server).
	URL string
	// Model is the server's name of the model ("model" of the requests);
	// it is part of the provenance, so a resume against another model
	// stops, naming --endpoint-model.
	Model string
	// TokenIDs is TokenIDsServer (default) or TokenIDsRetokenize.
	TokenIDs string
	// MaxInFlight is the number of questions in flight at once (default 4);
	// records are still written in input order.
	MaxInFlight int
	// MaxN, when positive, splits a question's samples over requests of at
	// most MaxN choices (llama.cpp's OpenAI endpoint serves n = 1 only).
	// The request for samples [off, off+k) sends the top-level seed
	// QuestionSeed(seed, "samples:{off}") (the question's seed itself for
	// off = 0), so that servers which read only that seed do not repeat
	// samples, and "hneurons": {"seed": the question's seed,
	// "first_sample": off}, with which hneurons serve samples exactly the
	// choices off.. of one request: the records do not depend on MaxN
	// there. MaxN is part of the provenance (elsewhere it changes them).
	MaxN int
}

func (e *Endpoint) withDefaults() {
	if e.TokenIDs == "" {
		e.TokenIDs = TokenIDsServer
	}
	if e.MaxInFlight <= 0 {
		e.MaxInFlight = 4
	}
}

func (e *Endpoint) validate() error {
	var errs []error
	if e.Client == nil {
		errs = append(errs, errors.New("--endpoint: no client"))
	}
	if strings.TrimSpace(e.Model) == "" {
		errs = append(errs, errors.New("--endpoint-model: required with --endpoint (the model name the server serves, see its /v1/models)"))
	}
	switch e.TokenIDs {
	case "", TokenIDsServer, TokenIDsRetokenize:
	default:
		errs = append(errs, fmt.Errorf("--endpoint-token-ids %q: want %s or %s", e.TokenIDs, TokenIDsServer, TokenIDsRetokenize))
	}
	return errors.Join(errs...)
}

// sampler samples one question's responses: a local Collector (one per
// goroutine) or a remote one (shared).
type sampler interface {
	One(ctx context.Context, q datasets.Record) (record.Collected, error)
}

// remote samples through an Endpoint. It is safe for concurrent use.
type remote struct {
	ep     Endpoint
	tok    *tokenizer.Tokenizer
	maxSeq int // the model's context when known (0: the server decides)
	opt    Options
	stops  []int
	prompt *chat.Prompter

	warnOnce sync.Once
}

// newRemote returns the remote sampler of opt.Endpoint; m, when not nil,
// gives the stop tokens of its generation config and its context size.
func newRemote(m *model.Model, tok *tokenizer.Tokenizer, opt Options) (*remote, error) {
	p, err := chat.NewPrompter(tok, opt.PromptFormat)
	if err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	r := &remote{ep: *opt.Endpoint, tok: tok, opt: opt, stops: generate.StopTokens(tok, m), prompt: p}
	if m != nil {
		r.maxSeq = m.Config.MaxSeq
	}
	return r, nil
}

// request builds the completion request for samples [off, off+n) of a
// prompt text and question seed.
func (r *remote) request(text string, seed uint64, off, n int) *oaiclient.Request {
	d := r.opt.Decoding
	temp, topP, s := d.Temperature, d.TopP, int64(seed)
	if off > 0 {
		s = int64(QuestionSeed(seed, "samples:"+strconv.Itoa(off)))
	}
	special := r.prompt.Format() != chat.FormatChat
	// hneurons serve: annotate only (a server's regenerate or abstain
	// policy would replace answers).
	ext := map[string]any{"policy": "annotate"}
	if n < r.opt.Samples {
		ext["seed"], ext["first_sample"] = int64(seed), off
	}
	req := &oaiclient.Request{Model: r.ep.Model, Prompt: &text, N: n, Temperature: &temp, TopP: &topP,
		TopK: d.TopK, Seed: &s, MaxTokens: d.MaxNewTokens, Stop: r.prompt.StopStrings(), AddSpecialTokens: &special,
		Extra: map[string]any{"hneurons": ext}}
	if r.ep.TokenIDs == TokenIDsServer {
		req.ReturnTokenIDs = true
		req.Logprobs, req.TokensAsIDs = 1, true // vLLM before return_token_ids
	}
	return req
}

// One samples the responses to one question through the endpoint.
func (r *remote) One(ctx context.Context, q datasets.Record) (record.Collected, error) {
	format := r.prompt.Format()
	text, err := r.prompt.Text(promptUser(q.Question, format))
	if err != nil {
		return record.Collected{}, fmt.Errorf("collect: question %q: %w", q.ID, err)
	}
	prompt := r.prompt.Tokens(text)
	if len(prompt) == 0 {
		return record.Collected{}, &UnusableError{ID: q.ID, Reason: "the prompt encodes to no tokens"}
	}
	d := r.opt.Decoding
	if r.maxSeq > 0 && len(prompt)+d.MaxNewTokens > r.maxSeq {
		return record.Collected{}, &UnusableError{ID: q.ID, TooLong: true, Reason: fmt.Sprintf(
			"prompt of %d tokens + %d new tokens exceeds the model's context of %d", len(prompt), d.MaxNewTokens, r.maxSeq)}
	}
	seed := QuestionSeed(r.opt.Seed, q.ID)
	per := r.opt.Samples
	if r.ep.MaxN > 0 {
		per = min(per, r.ep.MaxN)
	}
	var choices []oaiclient.Choice
	for off := 0; off < r.opt.Samples; off += per {
		n := min(per, r.opt.Samples-off)
		resp, err := r.ep.Client.Complete(ctx, r.request(text, seed, off, n))
		if err != nil {
			var se *oaiclient.StatusError
			// hneurons serve and OpenAI say context_length_exceeded; vLLM
			// answers 400 "This model's maximum context length is ...".
			if errors.As(err, &se) && se.Status == 400 && (se.Code == "context_length_exceeded" ||
				strings.Contains(strings.ToLower(se.Message), "maximum context length")) {
				return record.Collected{}, &UnusableError{ID: q.ID, TooLong: true, Reason: "the server says: " + se.Message}
			}
			if se != nil && n > 1 && (se.Param == "n" || strings.Contains(strings.ToLower(se.Message), "one completion choice")) {
				return record.Collected{}, fmt.Errorf("collect: question %q: %w (the server serves fewer choices per request: rerun with --endpoint-n, 1 for llama.cpp, 8 for hneurons serve's default --max-n)", q.ID, err)
			}
			return record.Collected{}, fmt.Errorf("collect: question %q: %w", q.ID, err)
		}
		if len(resp.Choices) != n {
			return record.Collected{}, fmt.Errorf("collect: question %q: %s returned %d choices for n = %d (a server that serves n = 1 only needs --endpoint-n 1)",
				q.ID, r.ep.URL, len(resp.Choices), n)
		}
		cs := slices.Clone(resp.Choices)
		slices.SortStableFunc(cs, func(a, b oaiclient.Choice) int { return a.Index - b.Index })
		choices = append(choices, cs...)
	}
	out := newRecord(q, text, format, r.opt, len(choices))
	for i, ch := range choices {
		reason := record.FinishStop
		if ch.FinishReason == "length" {
			reason = record.FinishLength
		}
		s, err := r.sample(q.ID, prompt, ch)
		if err != nil {
			return record.Collected{}, err
		}
		s.FinishReason = reason
		out.Samples[i] = s
	}
	return out, nil
}

// sample turns a choice into a record sample: with the server's ids, the
// text is their local decoding cut before the stop string, as a local
// collection's (generate.GenerateN); without, the server's text and its
// local tokenisation.
func (r *remote) sample(id string, prompt []int, ch oaiclient.Choice) (record.Sample, error) {
	if r.ep.TokenIDs == TokenIDsRetokenize {
		text := SanitizeText(ch.Text)
		toks := r.tok.Encode(text, false)
		if toks == nil {
			toks = []int{}
		}
		return record.Sample{Text: text, Tokens: toks}, nil
	}
	ids := ch.TokenIDs
	if ids == nil {
		return record.Sample{}, fmt.Errorf("collect: question %q: %s returned no token ids (the server offers none: rerun with --endpoint-token-ids %s to re-tokenise its text, which is not exact for extract)",
			id, r.ep.URL, TokenIDsRetokenize)
	}
	// A server may keep the end-of-turn token that stopped the sample
	// (vLLM may, depending on its version and stop settings); local
	// collection drops it.
	if n := len(ids); n > 0 && ch.FinishReason == "stop" && slices.Contains(r.stops, ids[n-1]) {
		ids = ids[:n-1]
	}
	for _, t := range ids {
		if t < 0 || t >= r.tok.VocabSize() {
			return record.Sample{}, fmt.Errorf("collect: question %q: %s returned token id %d outside the local tokenizer's vocabulary of %d (is --model the served model?)",
				id, r.ep.URL, t, r.tok.VocabSize())
		}
	}
	text := generate.Decoder(r.tok, prompt)(ids)
	for _, stop := range r.prompt.StopStrings() {
		if k := strings.Index(text, stop); stop != "" && k >= 0 {
			text = text[:k]
			break
		}
	}
	text = SanitizeText(text)
	if text != SanitizeText(ch.Text) {
		r.warnOnce.Do(func() {
			slog.Warn("collect: the server's text differs from the local decoding of its token ids; the record keeps the local decoding (is --model the served model's tokenizer?)",
				"question", id, "server", ch.Text, "local", text)
		})
	}
	if ids == nil {
		ids = []int{}
	}
	return record.Sample{Text: text, Tokens: ids}, nil
}
