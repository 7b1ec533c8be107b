package oaiclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSleep records the waits asked for without waiting.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	return ctx.Err()
}

func okBody(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"id":"cmpl-1","model":"m","choices":[{"index":0,"text":"Paris","finish_reason":"stop","token_ids":[5,6]}],"usage":{"prompt_tokens":3,"completion_tokens":2}}`)
}

func prompt(s string) *string { return &s }

// The request body carries the fields set (and only those), the bearer
// key and the extra fields; the response's choices are read.
func TestRequestAndResponse(t *testing.T) {
	var got map[string]any
	var auth, path, raw string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, path = r.Header.Get("Authorization"), r.URL.Path
		b, _ := io.ReadAll(r.Body)
		raw = string(b)
		json.Unmarshal(b, &got)
		okBody(w)
	}))
	defer hs.Close()
	c, err := New(Config{BaseURL: hs.URL, APIKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	temp, seed, no := 0.7, int64(-8070450532247928831), false // 0x8FFF...: not a float64
	resp, err := c.Complete(context.Background(), &Request{Model: "m", Prompt: prompt("Q"), N: 3, Temperature: &temp,
		TopK: 50, Seed: &seed, MaxTokens: 9, Stop: []string{"\n"}, AddSpecialTokens: &no, ReturnTokenIDs: true,
		Extra: map[string]any{"hneurons": map[string]any{"token_ids": true}}})
	if err != nil {
		t.Fatal(err)
	}
	if path != "/v1/completions" || auth != "Bearer k1" {
		t.Errorf("path %q auth %q", path, auth)
	}
	if !strings.Contains(raw, `"seed":-8070450532247928831`) {
		t.Errorf("the seed lost bits: %s", raw)
	}
	want := map[string]any{"model": "m", "prompt": "Q", "n": 3.0, "temperature": 0.7, "top_k": 50.0, "seed": float64(seed),
		"max_tokens": 9.0, "stop": []any{"\n"}, "add_special_tokens": false, "return_token_ids": true,
		"hneurons": map[string]any{"token_ids": true}}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("body\n%s\nwant\n%s", gb, wb)
	}
	if len(resp.Choices) != 1 || resp.Choices[0].Text != "Paris" || resp.Choices[0].FinishReason != "stop" ||
		len(resp.Choices[0].TokenIDs) != 2 || resp.PromptTokens != 3 {
		t.Errorf("response %+v", resp)
	}
}

// Older vLLM gives ids as logprobs tokens "token_id:N"; a chat choice's
// text is its message content; a server without ids gives nil.
func TestTokenIDSources(t *testing.T) {
	bodies := []string{
		`{"choices":[{"index":0,"text":"ab","finish_reason":"length","logprobs":{"tokens":["token_id:7","token_id:8"],"token_logprobs":[-1,-2]}}]}`,
		`{"choices":[{"index":0,"message":{"role":"assistant","content":"ab"},"finish_reason":"stop"}]}`,
		`{"choices":[{"index":0,"text":"ab","finish_reason":"stop","logprobs":{"tokens":["a","b"]}}]}`,
	}
	want := [][]int{{7, 8}, nil, nil}
	for i, body := range bodies {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
		c, _ := New(Config{BaseURL: hs.URL + "/v1/"})
		var resp *Response
		var err error
		if i == 1 {
			resp, err = c.Chat(context.Background(), &Request{Messages: []Message{{Role: "user", Content: "q"}}})
		} else {
			resp, err = c.Complete(context.Background(), &Request{Prompt: prompt("q")})
		}
		hs.Close()
		if err != nil {
			t.Fatal(err)
		}
		ch := resp.Choices[0]
		if ch.Text != "ab" || (want[i] == nil) != (ch.TokenIDs == nil) || (want[i] != nil && ch.TokenIDs[1] != want[i][1]) {
			t.Errorf("body %d: choice %+v, want ids %v", i, ch, want[i])
		}
	}
}

// 429 and 503 are retried, honouring Retry-After (seconds), with
// exponential, jittered backoff otherwise; success after them returns.
func TestRetriesOn429And503(t *testing.T) {
	var calls atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
			io.WriteString(w, `{"error":{"message":"slow down","type":"rate_limit_error","code":"queue_full"}}`)
		case 2, 3:
			w.WriteHeader(503)
		default:
			okBody(w)
		}
	}))
	defer hs.Close()
	fs := &fakeSleep{}
	c, _ := New(Config{BaseURL: hs.URL, MinBackoff: time.Second, MaxBackoff: 3 * time.Second, sleep: fs.sleep})
	resp, err := c.Complete(context.Background(), &Request{Prompt: prompt("q")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Text != "Paris" || calls.Load() != 4 {
		t.Fatalf("%d calls, response %+v", calls.Load(), resp)
	}
	if len(fs.waits) != 3 {
		t.Fatalf("waits %v", fs.waits)
	}
	// Retry-After 7 s beats the first backoff (at most 1 s); then backoff
	// in [1 s, 2 s] and [1.5 s, 3 s] (capped at MaxBackoff).
	if fs.waits[0] != 7*time.Second {
		t.Errorf("first wait %v, want the server's 7s", fs.waits[0])
	}
	if w := fs.waits[1]; w < time.Second || w > 2*time.Second {
		t.Errorf("second wait %v outside [1s, 2s]", w)
	}
	if w := fs.waits[2]; w < 1500*time.Millisecond || w > 3*time.Second {
		t.Errorf("third wait %v outside [1.5s, 3s]", w)
	}
}

// When the retries run out the error names the endpoint, the status and
// the server's message; a 400 is not retried.
func TestErrorsNameEndpointAndStatus(t *testing.T) {
	var calls atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if strings.Contains(r.URL.Path, "chat") {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":{"message":"model: \"x\" is not served here","type":"invalid_request_error","param":"model","code":"invalid_request"}}`)
			return
		}
		w.WriteHeader(502)
		io.WriteString(w, "bad gateway")
	}))
	defer hs.Close()
	fs := &fakeSleep{}
	c, _ := New(Config{BaseURL: hs.URL, Retries: 2, sleep: fs.sleep})
	_, err := c.Complete(context.Background(), &Request{Prompt: prompt("q")})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 502 || calls.Load() != 3 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
	for _, want := range []string{hs.URL + "/v1/completions", "502", "bad gateway", "3 attempts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	calls.Store(0)
	_, err = c.Chat(context.Background(), &Request{Model: "x", Messages: []Message{{Role: "user", Content: "q"}}})
	if !errors.As(err, &se) || se.Status != 400 || se.Param != "model" || calls.Load() != 1 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
	if !strings.Contains(err.Error(), "is not served here") || !strings.Contains(err.Error(), "/v1/chat/completions") {
		t.Errorf("error %q", err)
	}
}

// A refused connection is a network error: retried, then reported with
// the endpoint. A malformed URL is refused at once.
func TestBadEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	fs := &fakeSleep{}
	c, _ := New(Config{BaseURL: "http://" + addr, Retries: 1, sleep: fs.sleep})
	_, err = c.Complete(context.Background(), &Request{Prompt: prompt("q")})
	if err == nil || !strings.Contains(err.Error(), addr) || len(fs.waits) != 1 {
		t.Errorf("err %v, waits %v", err, fs.waits)
	}
	for _, bad := range []string{"", "host:8000", "ftp://x/v1", "http://"} {
		if _, err := New(Config{BaseURL: bad}); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
	// A body that is not a completion is an error naming the endpoint.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>") }))
	defer hs.Close()
	c, _ = New(Config{BaseURL: hs.URL})
	if _, err := c.Complete(context.Background(), &Request{Prompt: prompt("q")}); err == nil || !strings.Contains(err.Error(), "not a completion") {
		t.Errorf("err %v", err)
	}
}

// The rate limit spaces attempts 1/rate apart: with a stopped clock, the
// n-th request of a burst waits (n-1)/rate. The in-flight limit is never
// exceeded by concurrent callers.
func TestRateAndInFlightLimits(t *testing.T) {
	fs := &fakeSleep{}
	now := time.Unix(1000, 0)
	var cur, peak atomic.Int32
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		cur.Add(-1)
		okBody(w)
	}))
	defer hs.Close()
	c, _ := New(Config{BaseURL: hs.URL, Rate: 4, MaxInFlight: 2, sleep: fs.sleep, now: func() time.Time { return now }})
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Complete(context.Background(), &Request{Prompt: prompt("q")}); err != nil {
				t.Error(err)
			}
		}()
	}
	// Let the requests through one by one.
	go func() {
		for i := 0; i < 6; i++ {
			release <- struct{}{}
		}
	}()
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Errorf("peak %d requests in flight, limit 2", p)
	}
	seen := map[time.Duration]bool{}
	for _, w := range fs.waits {
		seen[w] = true
	}
	for k := 0; k < 6; k++ {
		if d := time.Duration(k) * 250 * time.Millisecond; !seen[d] {
			t.Errorf("no request waited %v (waits %v)", d, fs.waits)
		}
	}
}

// A cancelled context stops a request, and the wait before a retry.
func TestCancel(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer hs.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c, _ := New(Config{BaseURL: hs.URL, Retries: 5, sleep: func(context.Context, time.Duration) error { cancel(); return context.Canceled }})
	_, err := c.Complete(ctx, &Request{Prompt: prompt("q")})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"": 0, "3": 3 * time.Second, "0.5": 500 * time.Millisecond, "-1": 0, "soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", h, got, want)
		}
	}
}
