package label

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hneurons/hneurons/record"
)

// ErrMalformedReply is returned (wrapped) when the judge model's reply is not
// a chat completion or does not say t or f.
var ErrMalformedReply = errors.New("malformed judge reply")

// LLMJudge asks an OpenAI-compatible chat model whether a response is
// correct. Requests that fail with a network error, a timeout, HTTP 429 or
// 5xx, or a malformed reply are retried with exponential backoff.
type LLMJudge struct {
	// URL is the server's base URL (e.g. http://localhost:8080); the judge
	// POSTs to URL/v1/chat/completions (URL/chat/completions when URL ends in
	// /v1, URL itself when it ends in /chat/completions).
	URL string
	// Model is the model name sent in each request.
	Model string
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// Client is the HTTP client (http.DefaultClient when nil).
	Client *http.Client
	// Timeout bounds each request (default 60 s).
	Timeout time.Duration
	// MaxAttempts is the number of tries per question (default 4).
	MaxAttempts int
	// Backoff is the wait before the first retry, doubled after each (default 1 s).
	Backoff time.Duration
	// Cache, when set, is consulted before and filled after each request.
	Cache *Cache
}

// Name returns "llm:<model>".
func (j *LLMJudge) Name() string { return "llm:" + j.Model }

// JudgePrompt is the instruction sent to the judge model.
func JudgePrompt(question string, answers []string, response string) string {
	var b strings.Builder
	b.WriteString("You are grading an answer to a trivia question.\n\n")
	fmt.Fprintf(&b, "Question: %s\n", question)
	fmt.Fprintf(&b, "Reference answers (any one of them is correct): %s\n", strings.Join(answers, " | "))
	fmt.Fprintf(&b, "Answer to grade: %s\n\n", response)
	b.WriteString("Is the answer to grade correct, i.e. does it give the same answer as one of the reference answers? " +
		"Reply with one letter only: t if it is correct, f if it is not.")
	return b.String()
}

// Judge asks the model about one response.
func (j *LLMJudge) Judge(ctx context.Context, question string, answers []string, response string) (record.Judgement, error) {
	prompt := JudgePrompt(question, answers, response)
	key := CacheKey(j.Model, prompt)
	if j.Cache != nil {
		if v, ok := j.Cache.Get(key); ok {
			return record.Judgement{Verdict: v, Judge: j.Name()}, nil
		}
	}
	attempts := j.MaxAttempts
	if attempts <= 0 {
		attempts = 4
	}
	wait := j.Backoff
	if wait <= 0 {
		wait = time.Second
	}
	var last error
	for a := 1; a <= attempts; a++ {
		v, reply, retry, err := j.ask(ctx, prompt)
		if err == nil {
			if j.Cache != nil {
				if cerr := j.Cache.Put(key, v, reply); cerr != nil {
					return record.Judgement{}, cerr
				}
			}
			return record.Judgement{Verdict: v, Judge: j.Name()}, nil
		}
		last = err
		if !retry || a == attempts || ctx.Err() != nil {
			break
		}
		slog.Debug("label: judge request failed; retrying", "attempt", a, "wait", wait, "err", err)
		select {
		case <-ctx.Done():
			return record.Judgement{}, fmt.Errorf("label: llm judge: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
	return record.Judgement{}, fmt.Errorf("label: llm judge %s: %w", j.endpoint(), last)
}

func (j *LLMJudge) endpoint() string {
	u := strings.TrimRight(j.URL, "/")
	switch {
	case strings.HasSuffix(u, "/chat/completions"):
		return u
	case strings.HasSuffix(u, "/v1"):
		return u + "/chat/completions"
	}
	return u + "/v1/chat/completions"
}

// ask makes one request; retry says whether a failure is worth retrying.
func (j *LLMJudge) ask(ctx context.Context, prompt string) (v record.Verdict, reply string, retry bool, err error) {
	body, _ := json.Marshal(map[string]any{
		"model":       j.Model,
		"messages":    []map[string]string{{"role": "user", "content": prompt}},
		"temperature": 0,
		"max_tokens":  5,
	})
	timeout := j.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, j.endpoint(), bytes.NewReader(body))
	if err != nil {
		return "", "", false, err
	}
	req.Header.Set("Content-Type", "application/json")
	if j.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+j.APIKey)
	}
	client := j.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", "", ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", "", ctx.Err() == nil, fmt.Errorf("reading reply: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		retry = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return "", "", retry, fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(data))
	}
	var cc struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(data, &cc); err != nil || len(cc.Choices) == 0 {
		return "", "", true, fmt.Errorf("%w: not a chat completion: %s", ErrMalformedReply, snippet(data))
	}
	reply = cc.Choices[0].Message.Content
	v, ok := ParseTF(reply)
	if !ok {
		return "", reply, true, fmt.Errorf("%w: %q says neither t nor f", ErrMalformedReply, snippet([]byte(reply)))
	}
	return v, reply, false, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// ParseTF reads a judge's reply: its first word, without surrounding
// punctuation, case-insensitive, must be t/true/yes (record.True) or f/false/no
// (record.False).
func ParseTF(reply string) (record.Verdict, bool) {
	f := strings.Fields(reply)
	if len(f) == 0 {
		return "", false
	}
	w := strings.ToLower(strings.Trim(f[0], " \t\"'*`.,:;!()[]"))
	switch w {
	case "t", "true", "yes", "correct":
		return record.True, true
	case "f", "false", "no", "incorrect":
		return record.False, true
	}
	return "", false
}

// CacheKey is the cache key of a request: the hex SHA-256 of model, a zero
// byte and the prompt.
func CacheKey(model, prompt string) string {
	h := sha256.New()
	h.Write([]byte(model))
	h.Write([]byte{0})
	h.Write([]byte(prompt))
	return hex.EncodeToString(h.Sum(nil))
}

// Cache is an on-disk JSONL cache of judge verdicts
// ({"key", "verdict", "reply"} per line), safe for concurrent use.
type Cache struct {
	mu   sync.Mutex
	log  *record.Log
	path string
	m    map[string]record.Verdict
}

// OpenCache loads the cache file at path (creating it when absent) and opens
// it for appending. A torn last line (no newline) is ignored and overwritten.
func OpenCache(path string) (*Cache, error) {
	c := &Cache{path: path, m: map[string]record.Verdict{}}
	log, err := record.OpenLog(path, func(line int, b []byte) error {
		var e struct {
			Key     string         `json:"key"`
			Verdict record.Verdict `json:"verdict"`
		}
		if err := json.Unmarshal(b, &e); err != nil || e.Key == "" || (e.Verdict != record.True && e.Verdict != record.False) {
			return fmt.Errorf("label: judge cache %s line %d: not a cache entry", path, line)
		}
		c.m[e.Key] = e.Verdict
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.log = log
	return c, nil
}

// Get returns the cached verdict for key.
func (c *Cache) Get(key string) (record.Verdict, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

// Put records a verdict and appends it to the file in one write.
func (c *Cache) Put(key string, v record.Verdict, reply string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = v
	if err := c.log.Append(map[string]string{"key": key, "verdict": string(v), "reply": reply}); err != nil {
		return fmt.Errorf("label: judge cache: %w", err)
	}
	return nil
}

// Len returns the number of cached verdicts.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// Close closes the cache file.
func (c *Cache) Close() error { return c.log.Close() }
