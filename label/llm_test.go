package label

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hneurons/hneurons/record"
)

// fakeServer answers chat completions with the replies in order (the last
// one repeats); a reply "500" sends HTTP 500 and "sleep" stalls past the
// client timeout.
func fakeServer(t *testing.T, replies ...string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.Error(w, "wrong endpoint "+r.URL.Path, http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != "Bearer sekret" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		var req struct {
			Model    string `json:"model"`
			Messages []struct{ Role, Content string }
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "judge-1" || len(req.Messages) != 1 ||
			!strings.Contains(req.Messages[0].Content, "Answer to grade: ") {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		rep := replies[min(i, len(replies)-1)]
		switch rep {
		case "500":
			http.Error(w, "overloaded", http.StatusInternalServerError)
		case "sleep":
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		case "garbage":
			w.Write([]byte("<html>not json</html>"))
		default:
			json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]string{"role": "assistant", "content": rep}}}})
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func newJudge(url string) *LLMJudge {
	return &LLMJudge{URL: url, Model: "judge-1", APIKey: "sekret", Timeout: 200 * time.Millisecond, MaxAttempts: 3, Backoff: time.Millisecond}
}

func TestLLMJudgeRetriesAfter500(t *testing.T) {
	srv, n := fakeServer(t, "500", "t")
	j := newJudge(srv.URL)
	got, err := j.Judge(t.Context(), "Red planet?", []string{"Mars"}, "Mars")
	if err != nil || got.Verdict != record.True || got.Judge != "llm:judge-1" || n.Load() != 2 {
		t.Fatalf("got %+v, %v after %d requests", got, err, n.Load())
	}
}

func TestLLMJudgeTimeout(t *testing.T) {
	srv, n := fakeServer(t, "sleep", "F.")
	j := newJudge(srv.URL + "/")
	got, err := j.Judge(t.Context(), "q", []string{"a"}, "b")
	if err != nil || got.Verdict != record.False || n.Load() != 2 {
		t.Fatalf("timeout then answer: %+v %v (%d requests)", got, err, n.Load())
	}
	srv2, n2 := fakeServer(t, "sleep")
	_, err = newJudge(srv2.URL).Judge(t.Context(), "q", []string{"a"}, "b")
	if err == nil || n2.Load() != 3 {
		t.Fatalf("always timing out: err %v after %d requests", err, n2.Load())
	}
}

func TestLLMJudgeMalformed(t *testing.T) {
	for _, rep := range []string{"garbage", "maybe?", ""} {
		srv, n := fakeServer(t, rep)
		_, err := newJudge(srv.URL).Judge(t.Context(), "q", []string{"a"}, "b")
		if !errors.Is(err, ErrMalformedReply) || n.Load() != 3 {
			t.Errorf("reply %q: err %v after %d requests", rep, err, n.Load())
		}
	}
	// A 4xx other than 429 is not retried.
	srv, n := fakeServer(t, "t")
	j := newJudge(srv.URL)
	j.APIKey = "wrong"
	if _, err := j.Judge(t.Context(), "q", nil, "b"); err == nil || !strings.Contains(err.Error(), "401") || n.Load() != 1 {
		t.Errorf("401: %v after %d requests", err, n.Load())
	}
}

func TestLLMJudgeCancel(t *testing.T) {
	srv, _ := fakeServer(t, "500")
	j := newJudge(srv.URL)
	j.Backoff = time.Hour
	ctx, cancel := context.WithCancel(t.Context())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if _, err := j.Judge(ctx, "q", nil, "b"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancel during backoff: %v", err)
	}
}

func TestLLMJudgeCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.jsonl")
	srv, n := fakeServer(t, "t", "f")
	c, err := OpenCache(path)
	if err != nil {
		t.Fatal(err)
	}
	j := newJudge(srv.URL)
	j.Cache = c
	for i := 0; i < 3; i++ {
		got, err := j.Judge(t.Context(), "q", []string{"a"}, "a")
		if err != nil || got.Verdict != record.True {
			t.Fatalf("%+v %v", got, err)
		}
	}
	if n.Load() != 1 {
		t.Fatalf("%d requests, want 1 (cached)", n.Load())
	}
	c.Close()
	// Reopen with a torn line appended: the entry survives, the torn line goes.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte(`{"key": "abc", "verd`))
	f.Close()
	c2, err := OpenCache(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if c2.Len() != 1 {
		t.Fatalf("reopened cache has %d entries", c2.Len())
	}
	if v, ok := c2.Get(CacheKey("judge-1", JudgePrompt("q", []string{"a"}, "a"))); !ok || v != record.True {
		t.Fatalf("lookup after reopen: %v %v", v, ok)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "verd\n") || !strings.HasSuffix(string(b), "\n") || strings.Count(string(b), "\n") != 1 {
		t.Fatalf("torn line not cut: %q", b)
	}
	// A different model is a different key.
	if CacheKey("judge-1", "p") == CacheKey("judge-2", "p") {
		t.Fatal("key ignores model")
	}
}

func TestLLMJudgeEndpoint(t *testing.T) {
	for url, want := range map[string]string{
		"http://h:1":                       "http://h:1/v1/chat/completions",
		"http://h:1/":                      "http://h:1/v1/chat/completions",
		"https://api.x.com/v1":             "https://api.x.com/v1/chat/completions",
		"http://h/v1/chat/completions":     "http://h/v1/chat/completions",
		"http://h/api/v2/chat/completions": "http://h/api/v2/chat/completions",
	} {
		if got := (&LLMJudge{URL: url}).endpoint(); got != want {
			t.Errorf("%s -> %s, want %s", url, got, want)
		}
	}
}

func TestParseTF(t *testing.T) {
	for s, want := range map[string]record.Verdict{"t": record.True, "T.": record.True, " true\n": record.True, "**f**": record.False, "False, because": record.False, "no": record.False, "Yes": record.True} {
		if v, ok := ParseTF(s); !ok || v != want {
			t.Errorf("ParseTF(%q) = %v %v", s, v, ok)
		}
	}
	for _, s := range []string{"", "maybe", "tf", "the answer"} {
		if _, ok := ParseTF(s); ok {
			t.Errorf("ParseTF(%q) accepted", s)
		}
	}
}
