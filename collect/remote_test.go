package collect_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/datasets"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/oaiclient"
	"github.com/hneurons/hneurons/organism/shipped"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/serve"
	"github.com/hneurons/hneurons/shard"
	"github.com/hneurons/hneurons/tokenizer"
)

// organism is the shipped chat organism with its tokenizer, the serve
// package's probe fixture (any probe will do: collect reads no risk) and
// the first questions of its in-distribution set.
type organism struct {
	m   *model.Model
	tok *tokenizer.Tokenizer
	det *serve.Detector
	qs  []datasets.Record // the first 16 questions
	all []datasets.Record // every shipped in-distribution question
}

var loadOrganism = sync.OnceValues(func() (*organism, error) {
	dir, err := shipped.Dir()
	if err != nil {
		return nil, err
	}
	m, err := model.Load(filepath.Join(dir, shipped.Chat))
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.Load(m.Path)
	if err != nil {
		return nil, err
	}
	pr, err := probe.Load(filepath.Join("..", "serve", "testdata", "probe.json"))
	if err != nil {
		return nil, err
	}
	det, err := serve.NewDetector(m, pr)
	if err != nil {
		return nil, err
	}
	ws, err := world.ReadQuestions(filepath.Join(dir, shipped.Questions, shipped.IDQuestions))
	if err != nil {
		return nil, err
	}
	o := &organism{m: m, tok: tok, det: det}
	for _, q := range ws {
		o.qs = append(o.qs, datasets.Record{ID: q.ID, Question: q.Question, Answers: q.Answers, Source: q.Source, Group: q.Person})
	}
	o.all = o.qs
	o.qs = o.qs[:16]
	return o, nil
})

func theOrganism(t *testing.T) *organism {
	t.Helper()
	o, err := loadOrganism()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// startServe runs `hneurons serve` (the serve package) on 127.0.0.1:0
// with the model name "organism", in front of handler wrap when given,
// and returns its base URL.
func startServe(t *testing.T, o *organism, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	s, err := serve.New(o.m, o.tok, o.det, serve.Config{ModelName: "organism", Limits: serve.Limits{MaxN: 10, MaxTokens: 64}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if wrap == nil {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctx, ln) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
	} else {
		hs := &http.Server{Handler: wrap(s.Handler())}
		go hs.Serve(ln)
		t.Cleanup(func() { hs.Close(); s.Close() })
	}
	return "http://" + ln.Addr().String() + "/v1"
}

func endpoint(t *testing.T, url, model string, cfg oaiclient.Config) *collect.Endpoint {
	t.Helper()
	cfg.BaseURL = url
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff, cfg.MaxBackoff = time.Millisecond, 5*time.Millisecond
	}
	c, err := oaiclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &collect.Endpoint{Client: c, URL: url, Model: model, MaxInFlight: 4}
}

// records returns a collect output's record lines (without the provenance).
func records(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if !record.IsHeader([]byte(lines[0])) {
		t.Fatalf("%s has no provenance line", path)
	}
	if lines[len(lines)-1] == "" { // what SplitAfter leaves after the last newline
		lines = lines[:len(lines)-1]
	}
	return lines[1:]
}

func opts(format string) collect.Options {
	d := collect.PaperDecoding
	d.MaxNewTokens = 40 // the organism's context is 64 tokens
	return collect.Options{Samples: 10, PromptFormat: format, Seed: 7, ModelName: "organism", Batch: 2, Decoding: d}
}

// sameRecords compares two outputs record by record and says how many
// samples were compared.
func sameRecords(t *testing.T, got, want string) (samples int) {
	t.Helper()
	g, w := records(t, got), records(t, want)
	if len(g) != len(w) {
		t.Fatalf("%d records, local %d", len(g), len(w))
	}
	for i := range w {
		if g[i] != w[i] {
			t.Errorf("record %d differs:\nremote %s\nlocal  %s", i, g[i], w[i])
		}
	}
	rs, _, err := record.ReadCollected(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		samples += len(r.Samples)
	}
	return samples
}

// The test the remote backend exists for: collecting the organism's
// questions through `hneurons serve` on loopback gives the same records,
// byte for byte (texts, token ids, finish reasons), as collecting them
// locally with the same seed and decoding, in both prompt formats (a chat
// prompt sent without special tokens; a base prompt with them and the
// newline stop), with four questions in flight sharing the server's
// batches. The chat run gives collect no model (tokenizer only), the base
// run gives it the model (its stop tokens and context).
//
// HNEURONS_REMOTE_ALL=1 asks every shipped question instead of 16, with 8
// in flight.
func TestRemoteEqualsLocal(t *testing.T) {
	o := theOrganism(t)
	qs, inFlight := o.qs, 4
	if os.Getenv("HNEURONS_REMOTE_ALL") == "1" {
		qs, inFlight = o.all, 8
	}
	url := startServe(t, o, nil)
	dir := t.TempDir()
	for _, format := range []string{chat.FormatChat, chat.FormatBase} {
		local := filepath.Join(dir, format+"-local.jsonl")
		if _, err := collect.Run(context.Background(), o.m, o.tok, qs, local, opts(format)); err != nil {
			t.Fatal(err)
		}
		remote := filepath.Join(dir, format+"-remote.jsonl")
		opt := opts(format)
		opt.Endpoint = endpoint(t, url, "organism", oaiclient.Config{})
		opt.Endpoint.MaxInFlight = inFlight
		var m *model.Model
		if format == chat.FormatBase {
			m = o.m
		}
		st, err := collect.Run(context.Background(), m, o.tok, qs, remote, opt)
		if err != nil {
			t.Fatal(err)
		}
		if st.Written != len(qs) {
			t.Fatalf("%s: %+v", format, st)
		}
		n := sameRecords(t, remote, local)
		t.Logf("%s: %d questions, %d samples equal", format, st.Written, n)
		// The provenance names the endpoint model and where the ids came
		// from, and keeps the address for information.
		prov, err := record.ReadHeader(remote)
		if err != nil {
			t.Fatal(err)
		}
		if prov.Options["endpoint-model"] != "organism" || prov.Options["token-ids"] != collect.TokenIDsServer ||
			prov.Model.Identity != "endpoint-model:organism" || prov.Model.Path != url {
			t.Errorf("provenance %+v %+v", prov.Options, prov.Model)
		}
	}
}

// Splitting the samples over requests of at most 3 choices (--endpoint-n
// 3: 4 requests per question) gives the same records against hneurons
// serve, which samples choice i of a split request as choice
// first_sample+i of the whole.
func TestRemoteSplitN(t *testing.T) {
	o := theOrganism(t)
	var calls atomic.Int32
	url := startServe(t, o, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1); h.ServeHTTP(w, r) })
	})
	qs := o.qs[:6]
	dir := t.TempDir()
	local := filepath.Join(dir, "local.jsonl")
	if _, err := collect.Run(context.Background(), o.m, o.tok, qs, local, opts(chat.FormatChat)); err != nil {
		t.Fatal(err)
	}
	opt := opts(chat.FormatChat)
	opt.Endpoint = endpoint(t, url, "organism", oaiclient.Config{})
	opt.Endpoint.MaxN = 3
	remote := filepath.Join(dir, "remote.jsonl")
	if _, err := collect.Run(context.Background(), nil, o.tok, qs, remote, opt); err != nil {
		t.Fatal(err)
	}
	sameRecords(t, remote, local)
	if c := calls.Load(); c != 4*int32(len(qs)) {
		t.Errorf("%d requests for %d questions of 10 samples in threes", c, len(qs))
	}
}

// A server that answers 429 and 503 now and then (Retry-After, a busy
// queue) costs retries, not samples: the records still equal local ones.
func TestRemoteRetriesFlakyServer(t *testing.T) {
	o := theOrganism(t)
	var calls, failed atomic.Int32
	var mu sync.Mutex
	tries := map[string]int{} // request body -> attempts
	url := startServe(t, o, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			mu.Lock()
			tries[string(body)]++
			k := tries[string(body)]
			mu.Unlock()
			// Each request: 429, then 503, then served.
			switch k {
			case 1:
				failed.Add(1)
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, `{"error":{"message":"busy","type":"rate_limit_error","code":"queue_full"}}`)
			case 2:
				failed.Add(1)
				w.WriteHeader(http.StatusServiceUnavailable)
			default:
				h.ServeHTTP(w, r)
			}
		})
	})
	qs := o.qs[:6]
	dir := t.TempDir()
	local := filepath.Join(dir, "local.jsonl")
	if _, err := collect.Run(context.Background(), o.m, o.tok, qs, local, opts(chat.FormatChat)); err != nil {
		t.Fatal(err)
	}
	opt := opts(chat.FormatChat)
	opt.Endpoint = endpoint(t, url, "organism", oaiclient.Config{Retries: 3})
	remote := filepath.Join(dir, "remote.jsonl")
	if _, err := collect.Run(context.Background(), nil, o.tok, qs, remote, opt); err != nil {
		t.Fatal(err)
	}
	sameRecords(t, remote, local)
	if failed.Load() != 2*int32(len(qs)) || calls.Load() != 3*int32(len(qs)) {
		t.Errorf("only %d failed requests of %d: the retries are not exercised", failed.Load(), calls.Load())
	}
}

// A remote run killed after some records (with a torn line left behind)
// resumes to the same file as an uninterrupted one; a resume against
// another endpoint model is refused, naming --endpoint-model; and so is a
// local run resuming a remote file.
func TestRemoteResume(t *testing.T) {
	o := theOrganism(t)
	// While the run to be killed is going, the first four completion
	// requests (questions 0-3, one per worker) are served and later ones
	// are held until their client hangs up, so the kill at 3 records
	// always leaves 3 or 4. Without the gate a fast machine sometimes
	// finished all 8 first.
	ctx, cancel := context.WithCancel(context.Background())
	var served atomic.Int32
	var gated atomic.Bool
	gated.Store(true)
	url := startServe(t, o, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if gated.Load() && strings.HasSuffix(r.URL.Path, "/completions") && served.Add(1) > 4 {
				<-r.Context().Done()
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	qs := o.qs[:8]
	dir := t.TempDir()
	local := filepath.Join(dir, "local.jsonl")
	if _, err := collect.Run(context.Background(), o.m, o.tok, qs, local, opts(chat.FormatChat)); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(dir, "part.jsonl")
	opt := opts(chat.FormatChat)
	opt.Endpoint = endpoint(t, url, "organism", oaiclient.Config{})
	opt.Progress = func(p collect.Progress) {
		if p.Done == 3 {
			cancel()
		}
	}
	if _, err := collect.Run(ctx, nil, o.tok, qs, part, opt); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	cancel()
	gated.Store(false)
	if n := len(records(t, part)); n < 3 || n > 4 {
		t.Fatalf("%d records after the kill", n)
	}
	f, err := os.OpenFile(part, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"id":"torn","question":"cut he`)
	f.Close()

	other := opts(chat.FormatChat)
	other.Endpoint = endpoint(t, url, "another-model", oaiclient.Config{})
	_, err = collect.Run(context.Background(), nil, o.tok, qs, part, other)
	var mis *record.MismatchError
	if !errors.As(err, &mis) || mis.What != "--endpoint-model" || !strings.Contains(err.Error(), "another-model") {
		t.Fatalf("resume against another model: %v", err)
	}
	if _, err := collect.Run(context.Background(), o.m, o.tok, qs, part, opts(chat.FormatChat)); !errors.As(err, &mis) {
		t.Fatalf("local resume of a remote file: %v", err)
	}

	opt.Progress = nil
	st, err := collect.Run(context.Background(), nil, o.tok, qs, part, opt)
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped < 3 || st.Skipped+st.Written != len(qs) {
		t.Errorf("resume stats %+v", st)
	}
	sameRecords(t, part, local)
}

// With --endpoint-token-ids retokenize the text is the server's and the
// ids its local tokenisation; the provenance says so. On the organism the
// texts equal local ones; the ids are counted where they equal.
func TestRemoteRetokenize(t *testing.T) {
	o := theOrganism(t)
	url := startServe(t, o, nil)
	qs := o.qs[:8]
	dir := t.TempDir()
	local := filepath.Join(dir, "local.jsonl")
	if _, err := collect.Run(context.Background(), o.m, o.tok, qs, local, opts(chat.FormatChat)); err != nil {
		t.Fatal(err)
	}
	opt := opts(chat.FormatChat)
	opt.Endpoint = endpoint(t, url, "organism", oaiclient.Config{})
	opt.Endpoint.TokenIDs = collect.TokenIDsRetokenize
	remote := filepath.Join(dir, "remote.jsonl")
	if _, err := collect.Run(context.Background(), nil, o.tok, qs, remote, opt); err != nil {
		t.Fatal(err)
	}
	prov, err := record.ReadHeader(remote)
	if err != nil {
		t.Fatal(err)
	}
	if prov.Options["token-ids"] != collect.TokenIDsRetokenize {
		t.Errorf("provenance token-ids %q", prov.Options["token-ids"])
	}
	got, _, err := record.ReadCollected(remote)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := record.ReadCollected(local)
	if err != nil {
		t.Fatal(err)
	}
	same, all := 0, 0
	for i := range want {
		for k, w := range want[i].Samples {
			g := got[i].Samples[k]
			if g.Text != w.Text || g.FinishReason != w.FinishReason {
				t.Errorf("q%d sample %d: text %q (%s), local %q (%s)", i, k, g.Text, g.FinishReason, w.Text, w.FinishReason)
			}
			all++
			if fmt.Sprint(g.Tokens) == fmt.Sprint(w.Tokens) {
				same++
			}
		}
	}
	t.Logf("re-tokenised ids equal the generated ones in %d of %d samples", same, all)
}

// Errors a user meets: a server that returns no token ids (the error says
// to re-tokenise), one that refuses the model name (its message is kept),
// one that is not there (the address is named); none leaves a record.
func TestRemoteErrors(t *testing.T) {
	o := theOrganism(t)
	dir := t.TempDir()
	textOnly := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`{"choices":[`)
		for i := 0; i < 10; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"index":%d,"text":"Paris","finish_reason":"stop"}`, i)
		}
		b.WriteString(`]}`)
		io.WriteString(w, b.String())
	}))
	defer textOnly.Close()
	url := startServe(t, o, nil)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	gone := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	for _, tc := range []struct {
		name, url, model string
		want             []string
	}{
		{"no ids", textOnly.URL + "/v1", "m", []string{textOnly.URL, "no token ids", "--endpoint-token-ids retokenize"}},
		{"wrong model", url, "llama-70b", []string{url + "/completions", "400", "llama-70b", "is not served here"}},
		{"nothing there", gone, "m", []string{gone, "giving up"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".jsonl")
			opt := opts(chat.FormatChat)
			opt.Endpoint = endpoint(t, tc.url, tc.model, oaiclient.Config{Retries: 1})
			st, err := collect.Run(context.Background(), nil, o.tok, o.qs[:2], out, opt)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if st.Written != 0 {
				t.Errorf("%d records written", st.Written)
			}
		})
	}
	// A missing endpoint model is refused before anything is sent.
	opt := opts(chat.FormatChat)
	opt.Endpoint = endpoint(t, url, "", oaiclient.Config{})
	if err := opt.Validate(); err == nil || !strings.Contains(err.Error(), "--endpoint-model") {
		t.Errorf("no model name: %v", err)
	}
}

// A vLLM-shaped server: token_ids that end with the end-of-turn token
// (dropped, as a local collection does), ids given as logprobs tokens
// "token_id:N" (older vLLM), and a 400 "maximum context length" (the
// question is skipped as too long, not fatal). The record's text is the
// local decoding of the ids.
func TestRemoteVLLMShapes(t *testing.T) {
	o := theOrganism(t)
	eos, ok := o.tok.EOS()
	if !ok {
		t.Skip("the organism's tokenizer has no EOS")
	}
	ans := o.tok.Encode(" new halmor", false)
	var mu sync.Mutex
	calls := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		k := calls
		mu.Unlock()
		if k == 3 {
			w.WriteHeader(400)
			io.WriteString(w, `{"object":"error","message":"This model's maximum context length is 64 tokens. However, you requested 90 tokens.","type":"BadRequestError","param":null,"code":400}`)
			return
		}
		var b strings.Builder
		b.WriteString(`{"choices":[`)
		for i := 0; i < 2; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			if k == 1 {
				ids := append(append([]int{}, ans...), eos)
				fmt.Fprintf(&b, `{"index":%d,"text":" new halmor","finish_reason":"stop","token_ids":%s}`, i, strings.ReplaceAll(fmt.Sprint(ids), " ", ","))
			} else {
				var toks []string
				for _, id := range ans {
					toks = append(toks, fmt.Sprintf(`"token_id:%d"`, id))
				}
				fmt.Fprintf(&b, `{"index":%d,"text":" new halmor","finish_reason":"length","logprobs":{"tokens":[%s]}}`, i, strings.Join(toks, ","))
			}
		}
		b.WriteString(`]}`)
		io.WriteString(w, b.String())
	}))
	defer hs.Close()
	opt := opts(chat.FormatChat)
	opt.Samples = 2
	opt.Endpoint = endpoint(t, hs.URL+"/v1", "m", oaiclient.Config{})
	opt.Endpoint.MaxInFlight = 1 // the handler answers by call order
	out := filepath.Join(t.TempDir(), "vllm.jsonl")
	st, err := collect.Run(context.Background(), nil, o.tok, o.qs[:3], out, opt)
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 2 || st.TooLong != 1 {
		t.Fatalf("stats %+v", st)
	}
	recs, _, err := record.ReadCollected(out)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		for _, s := range r.Samples {
			if s.Text != " new halmor" || fmt.Sprint(s.Tokens) != fmt.Sprint(ans) {
				t.Errorf("record %d: sample %+v, want the text and ids %v", i, s, ans)
			}
		}
	}
	if recs[0].Samples[0].FinishReason != record.FinishStop || recs[1].Samples[0].FinishReason != record.FinishLength {
		t.Errorf("finish reasons %s %s", recs[0].Samples[0].FinishReason, recs[1].Samples[0].FinishReason)
	}
}

// Remote collection composes with --shard: three shards sampled through
// the server and merged (shard.MergeJSONL) are the local unsharded run's
// records.
func TestRemoteShardsMerge(t *testing.T) {
	o := theOrganism(t)
	url := startServe(t, o, nil)
	dir := t.TempDir()
	local := filepath.Join(dir, "local.jsonl")
	if _, err := collect.Run(context.Background(), o.m, o.tok, o.qs, local, opts(chat.FormatChat)); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for i := 0; i < 3; i++ {
		opt := opts(chat.FormatChat)
		opt.Endpoint = endpoint(t, url, "organism", oaiclient.Config{})
		opt.Shard = shard.Spec{Index: i, Count: 3}
		p := filepath.Join(dir, fmt.Sprintf("part%d.jsonl", i))
		if _, err := collect.Run(context.Background(), nil, o.tok, o.qs, p, opt); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	var order []string
	for _, q := range o.qs {
		order = append(order, q.ID)
	}
	merged := filepath.Join(dir, "merged.jsonl")
	if _, err := shard.MergeJSONL(parts, order, merged); err != nil {
		t.Fatal(err)
	}
	sameRecords(t, merged, local)
}
