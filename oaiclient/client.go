// Package oaiclient is a client for the completion endpoints of
// OpenAI-compatible servers (vLLM, llama.cpp's llama-server, Ollama,
// `hneurons serve`): request building, retries with exponential backoff
// and jitter on 429, 5xx and network errors (honouring Retry-After), a
// client-side rate limit (requests per second and requests in flight), a
// per-request timeout, bearer authentication and errors that name the
// endpoint and the status.
//
// Token ids. The OpenAI API returns text only; servers that can return the
// generated token ids do so in different ways, and Choice.TokenIDs reads
// whichever the response holds:
//
//   - vLLM (since about v0.10) and `hneurons serve` return "token_ids" on
//     each choice when the request sets "return_token_ids": true
//     (Request.ReturnTokenIDs);
//   - older vLLM returns the tokens of "logprobs" as strings
//     "token_id:{id}" when the request sets "logprobs" and
//     "return_tokens_as_token_ids": true (Request.Logprobs and
//     Request.TokensAsIDs);
//   - llama.cpp's server returns token ids only on its native /completion
//     endpoint ("return_tokens"), not on /v1/completions, and OpenAI's own
//     API not at all: Choice.TokenIDs is then nil and the caller must
//     re-tokenise the text.
package oaiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config configures a Client. Zero values take the defaults named.
type Config struct {
	// BaseURL is the server's API root, e.g. "http://host:8000/v1". A URL
	// with no path (or "/") gets "/v1" appended; any other path is kept.
	BaseURL string
	// APIKey, when set, is sent as "Authorization: Bearer KEY".
	APIKey string
	// Retries is how many times a failed request is retried (default 4;
	// negative: never). Retried: 408, 429, 5xx and network errors.
	Retries int
	// MinBackoff and MaxBackoff bound the wait before a retry (default
	// 500 ms and 30 s): attempt k waits a uniformly jittered duration in
	// [d/2, d] with d = min(MaxBackoff, MinBackoff * 2^k), or the
	// server's Retry-After when that is longer (capped at MaxRetryAfter).
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After (default 5 minutes).
	MaxRetryAfter time.Duration
	// Rate, when positive, limits requests (attempts, retries included) to
	// this many per second, evenly spaced.
	Rate float64
	// MaxInFlight, when positive, limits the requests in flight at once.
	MaxInFlight int
	// Timeout bounds one attempt, response body included (default 10
	// minutes: a request for many long samples is slow).
	Timeout time.Duration
	// HTTPClient sends the requests (default: a client of its own).
	HTTPClient *http.Client

	// sleep waits d or until ctx ends (tests replace it); now reads the
	// clock for the rate limit.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// Client sends completion requests to one server. It is safe for
// concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	hc   *http.Client
	sem  chan struct{} // nil: no in-flight limit

	mu   sync.Mutex
	next time.Time // the earliest start of the next attempt (rate limit)
}

// New returns a client for cfg, or an error when the URL is not an http(s)
// URL.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil {
		return nil, fmt.Errorf("oaiclient: endpoint %q: %w", cfg.BaseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("oaiclient: endpoint %q: want an http:// or https:// URL such as http://host:8000/v1", cfg.BaseURL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1"
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if cfg.Retries == 0 {
		cfg.Retries = 4
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = 5 * time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.sleep == nil {
		cfg.sleep = sleepCtx
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	c := &Client{cfg: cfg, base: u, hc: cfg.HTTPClient}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if cfg.MaxInFlight > 0 {
		c.sem = make(chan struct{}, cfg.MaxInFlight)
	}
	return c, nil
}

// Endpoint returns the URL of a path below the API root, e.g.
// Endpoint("completions").
func (c *Client) Endpoint(path string) string {
	u := *c.base
	u.Path += "/" + strings.TrimPrefix(path, "/")
	return u.String()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Message is a chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is a completion request: Prompt for Complete (/v1/completions),
// Messages for Chat (/v1/chat/completions). Pointer fields are sent only
// when set, so that the server's defaults apply otherwise.
type Request struct {
	Model       string    `json:"model"`
	Prompt      *string   `json:"prompt,omitempty"`
	Messages    []Message `json:"messages,omitempty"`
	N           int       `json:"n,omitempty"`
	Temperature *float64  `json:"temperature,omitempty"`
	TopP        *float64  `json:"top_p,omitempty"`
	// TopK is not an OpenAI field; vLLM, llama.cpp and hneurons serve read
	// it at the top level (0: not sent).
	TopK int `json:"top_k,omitempty"`
	// Seed is sent as a signed 64-bit integer (OpenAI's and vLLM's type): a
	// uint64 seed is sent as int64(seed), which hneurons serve reads back
	// as the same 64 bits.
	Seed      *int64   `json:"seed,omitempty"`
	MaxTokens int      `json:"max_tokens,omitempty"`
	Stop      []string `json:"stop,omitempty"`
	// AddSpecialTokens (vLLM, hneurons serve): false encodes a text prompt
	// without BOS, for prompts whose chat template wrote it already.
	AddSpecialTokens *bool `json:"add_special_tokens,omitempty"`
	// ReturnTokenIDs asks vLLM and hneurons serve for each choice's token
	// ids ("token_ids").
	ReturnTokenIDs bool `json:"return_token_ids,omitempty"`
	// Logprobs and TokensAsIDs ask older vLLM for the ids as logprobs
	// tokens "token_id:{id}" (Logprobs is the completions endpoint's
	// integer; 0: not sent).
	Logprobs    int  `json:"logprobs,omitempty"`
	TokensAsIDs bool `json:"return_tokens_as_token_ids,omitempty"`
	// Extra holds further fields (e.g. "hneurons"), merged into the body.
	Extra map[string]any `json:"-"`
}

// body encodes r with its Extra fields.
func (r *Request) body() ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil || len(r.Extra) == 0 {
		return b, err
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // a 64-bit seed must not pass through a float64
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	for k, v := range r.Extra {
		if _, ok := m[k]; ok {
			return nil, fmt.Errorf("oaiclient: extra field %q is a request field", k)
		}
		m[k] = v
	}
	return json.Marshal(m)
}

// Choice is one generated completion.
type Choice struct {
	Index int
	// Text is the generated text (a chat choice's message content).
	Text string
	// FinishReason is "stop", "length" or whatever the server says.
	FinishReason string
	// TokenIDs are the generated token ids when the server returned them
	// (see the package doc), else nil.
	TokenIDs []int
}

// Response is a completion response.
type Response struct {
	ID, Model string
	Choices   []Choice
	// PromptTokens and CompletionTokens are the usage the server reports.
	PromptTokens, CompletionTokens int
}

// wireChoice decodes a choice of either endpoint.
type wireChoice struct {
	Index   int     `json:"index"`
	Text    *string `json:"text"`
	Message *struct {
		Content *string `json:"content"`
	} `json:"message"`
	FinishReason *string         `json:"finish_reason"`
	TokenIDs     []int           `json:"token_ids"`
	Logprobs     json.RawMessage `json:"logprobs"`
}

type wireResponse struct {
	ID      string       `json:"id"`
	Model   string       `json:"model"`
	Choices []wireChoice `json:"choices"`
	Usage   *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

// logprobIDs reads vLLM's return_tokens_as_token_ids tokens
// ("token_id:123") from a completions logprobs object, or nil.
func logprobIDs(raw json.RawMessage) []int {
	if len(raw) == 0 || raw[0] != '{' {
		return nil
	}
	var lp struct {
		Tokens []string `json:"tokens"`
	}
	if json.Unmarshal(raw, &lp) != nil || lp.Tokens == nil {
		return nil
	}
	ids := make([]int, len(lp.Tokens))
	for i, t := range lp.Tokens {
		s, ok := strings.CutPrefix(t, "token_id:")
		if !ok {
			return nil
		}
		id, err := strconv.Atoi(s)
		if err != nil || id < 0 {
			return nil
		}
		ids[i] = id
	}
	return ids
}

// Complete sends a text completion request (/v1/completions).
func (c *Client) Complete(ctx context.Context, r *Request) (*Response, error) {
	if r.Prompt == nil || len(r.Messages) > 0 {
		return nil, errors.New("oaiclient: a text completion needs a prompt and no messages")
	}
	return c.do(ctx, "completions", r)
}

// Chat sends a chat completion request (/v1/chat/completions).
func (c *Client) Chat(ctx context.Context, r *Request) (*Response, error) {
	if len(r.Messages) == 0 || r.Prompt != nil {
		return nil, errors.New("oaiclient: a chat completion needs messages and no prompt")
	}
	return c.do(ctx, "chat/completions", r)
}

// StatusError is a response with a status other than 200.
type StatusError struct {
	// Endpoint is the URL requested; Status the HTTP status.
	Endpoint string
	Status   int
	// Code, Param and Message are the OpenAI error object's fields, when
	// the body held one (Message is else the body's start).
	Code, Param, Message string
	// RetryAfter is the server's Retry-After (0 when absent).
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d %s", e.Endpoint, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	return b.String()
}

// Temporary reports whether a retry may succeed: 408, 429 and 5xx but 501.
func (e *StatusError) Temporary() bool {
	return e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests ||
		(e.Status >= 500 && e.Status != http.StatusNotImplemented)
}

// do sends r to path with retries.
func (c *Client) do(ctx context.Context, path string, r *Request) (*Response, error) {
	body, err := r.body()
	if err != nil {
		return nil, fmt.Errorf("oaiclient: encoding the request: %w", err)
	}
	endpoint := c.Endpoint(path)
	var last error
	attempt := 0
	for ; ; attempt++ {
		resp, err := c.attempt(ctx, endpoint, body)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("oaiclient: %s: %w", endpoint, ctx.Err())
		}
		last = err
		var se *StatusError
		retryable := errors.As(err, &se) && se.Temporary() || !errors.As(err, &se) && isNetwork(err)
		if !retryable || attempt >= c.cfg.Retries {
			break
		}
		wait := c.backoff(attempt)
		if se != nil && se.RetryAfter > wait {
			wait = min(se.RetryAfter, c.cfg.MaxRetryAfter)
		}
		if err := c.cfg.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("oaiclient: %s: %w (while waiting to retry after: %v)", endpoint, err, last)
		}
	}
	if attempt > 0 {
		return nil, fmt.Errorf("oaiclient: giving up after %d attempts: %w", attempt+1, last)
	}
	return nil, fmt.Errorf("oaiclient: %w", last)
}

// backoff is the jittered wait before retry attempt+1.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.MaxBackoff
	if attempt < 30 {
		d = min(d, c.cfg.MinBackoff<<attempt)
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// isNetwork reports an error of the transport (refused, reset, timed out,
// a torn body), not one of the request.
func isNetwork(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, errTransport)
}

var errTransport = errors.New("transport error")

// wait takes a rate-limit slot and an in-flight slot; release frees the
// latter.
func (c *Client) wait(ctx context.Context) (release func(), err error) {
	if c.cfg.Rate > 0 {
		interval := time.Duration(float64(time.Second) / c.cfg.Rate)
		c.mu.Lock()
		now := c.cfg.now()
		start := c.next
		if start.Before(now) {
			start = now
		}
		c.next = start.Add(interval)
		c.mu.Unlock()
		if err := c.cfg.sleep(ctx, start.Sub(now)); err != nil {
			return nil, err
		}
	}
	if c.sem == nil {
		return func() {}, nil
	}
	select {
	case c.sem <- struct{}{}:
		return func() { <-c.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// attempt sends one request.
func (c *Client) attempt(ctx context.Context, endpoint string, body []byte) (*Response, error) {
	release, err := c.wait(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			// A timeout of this attempt or a transport failure: retryable.
			return nil, fmt.Errorf("%s: %w: %w", endpoint, errTransport, err)
		}
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		if ctx.Err() == nil {
			return nil, fmt.Errorf("%s: reading the response: %w: %w", endpoint, errTransport, err)
		}
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(endpoint, resp, b)
	}
	var w wireResponse
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("%s: the response is not a completion: %w (body starts %q)", endpoint, err, head(b))
	}
	out := &Response{ID: w.ID, Model: w.Model, Choices: make([]Choice, len(w.Choices))}
	if w.Usage != nil {
		out.PromptTokens, out.CompletionTokens = w.Usage.PromptTokens, w.Usage.CompletionTokens
	}
	for i, wc := range w.Choices {
		ch := Choice{Index: wc.Index, TokenIDs: wc.TokenIDs}
		switch {
		case wc.Text != nil:
			ch.Text = *wc.Text
		case wc.Message != nil && wc.Message.Content != nil:
			ch.Text = *wc.Message.Content
		}
		if wc.FinishReason != nil {
			ch.FinishReason = *wc.FinishReason
		}
		if ch.TokenIDs == nil {
			ch.TokenIDs = logprobIDs(wc.Logprobs)
		}
		out.Choices[i] = ch
	}
	return out, nil
}

// statusError reads an OpenAI error body (or any body) into a StatusError.
func statusError(endpoint string, resp *http.Response, b []byte) *StatusError {
	e := &StatusError{Endpoint: endpoint, Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	var eb struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(b, &eb) == nil && len(eb.Error) > 0 {
		var d struct {
			Message string `json:"message"`
			Code    any    `json:"code"`
			Param   any    `json:"param"`
		}
		if json.Unmarshal(eb.Error, &d) == nil {
			e.Message = d.Message
			if d.Code != nil {
				e.Code = fmt.Sprint(d.Code)
			}
			if d.Param != nil {
				e.Param = fmt.Sprint(d.Param)
			}
			return e
		}
		var s string
		if json.Unmarshal(eb.Error, &s) == nil { // {"error": "text"} (llama.cpp's older builds)
			e.Message = s
			return e
		}
	}
	e.Message = head(b)
	return e
}

// head returns the start of a body for an error message.
func head(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
