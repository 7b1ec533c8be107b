package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	prommodel "github.com/prometheus/common/model"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/probe"
)

const question = "In which city was Daedith Ziothkraniom born?"

// newTestServer starts a server on the organism behind httptest.
func newTestServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	f := loadOrganism(t)
	s, err := New(f.m, f.tok, f.det, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { hs.Close(); s.Close() })
	return s, hs
}

func post(t *testing.T, url, body string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func chatBody(extra string) string {
	return `{"model":"hneurons","messages":[{"role":"user","content":"` + question + `"}]` + extra + `}`
}

// strictDecode decodes b into v refusing unknown fields: the response has
// exactly the fields its type declares.
func strictDecode(t *testing.T, b []byte, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
}

// offlineVerdictRisk scores a response's token ids through the offline
// chain (extract + probe) on the prompt the server rendered for question.
func offlineVerdictRisk(t *testing.T, f *fixture, v *Verdict, alpha float64) float64 {
	t.Helper()
	p, err := chat.NewPrompter(f.tok, chat.FormatChat)
	if err != nil {
		t.Fatal(err)
	}
	text, err := p.Text(question)
	if err != nil {
		t.Fatal(err)
	}
	c := NewChoice(f.det, f.tok, p.Tokens(text), text, chat.FormatChat)
	for _, tr := range v.Tokens {
		c.Add(tr.ID, make([]float32, f.det.K()))
	}
	ex, err := extract.NewExtractor(f.m, extract.AggMean)
	if err != nil {
		t.Fatal(err)
	}
	if alpha != 1 {
		setScales(t, ex.Runner(), f.pr, f.m.Config.DFF, alpha)
	}
	return offlineRisk(t, ex, f, c)
}

// setScales scales the probe's H-Neurons by alpha on r, written
// independently of Engine.setAlpha.
func setScales(t *testing.T, r *model.Runner, pr *probe.Probe, dff int, alpha float64) {
	for l := 0; l < pr.Layers; l++ {
		s := make([]float32, dff)
		any := false
		for j := range s {
			s[j] = 1
			for _, n := range pr.HNeurons {
				if n.Layer == l && n.Neuron == j {
					s[j], any = float32(alpha), true
				}
			}
		}
		if any {
			if err := r.SetScale(l, s); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestChatCompletion(t *testing.T) {
	f := loadOrganism(t)
	_, hs := newTestServer(t, Config{})
	resp, b := post(t, hs.URL+"/v1/chat/completions", chatBody(`,"seed":5,"n":2,"hneurons":{"token_risks":true}`))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var cc ChatCompletion
	strictDecode(t, b, &cc)
	if cc.Object != "chat.completion" || !strings.HasPrefix(cc.ID, "chatcmpl-") || cc.Model != "hneurons" || len(cc.Choices) != 2 {
		t.Fatalf("bad completion %s", b)
	}
	total := 0
	for i, ch := range cc.Choices {
		v := ch.HNeurons
		if ch.Index != i || ch.Message.Role != "assistant" || v == nil || !v.Final || v.Risk < 0 || v.Risk > 1 {
			t.Fatalf("choice %d: %s", i, b)
		}
		if ch.FinishReason != "stop" && ch.FinishReason != "length" {
			t.Errorf("finish_reason %q", ch.FinishReason)
		}
		var text strings.Builder
		for _, tr := range v.Tokens {
			text.WriteString(tr.Text)
		}
		if text.String() != ch.Message.Content {
			t.Errorf("tokens spell %q, content %q", text.String(), ch.Message.Content)
		}
		if want := offlineVerdictRisk(t, f, v, 1); math.Abs(want-v.Risk) > 1e-5 {
			t.Errorf("choice %d: risk %v, offline chain %v", i, v.Risk, want)
		}
		total += len(v.Tokens)
	}
	if cc.Usage.CompletionTokens != total || cc.Usage.TotalTokens != cc.Usage.PromptTokens+total || cc.Usage.PromptTokens == 0 {
		t.Errorf("usage %+v with %d tokens", cc.Usage, total)
	}
}

// sse reads a text/event-stream body: every event must be "data: ...\n\n"
// and the last "data: [DONE]".
func sse(t *testing.T, body io.Reader) [][]byte {
	t.Helper()
	r := bufio.NewReader(body)
	var events [][]byte
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF && len(line) == 0 {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, ok := bytes.CutPrefix(line, []byte("data: "))
		if !ok {
			t.Fatalf("line %q is not a data line", line)
		}
		if blank, err := r.ReadBytes('\n'); err != nil || string(blank) != "\n" {
			t.Fatalf("event %q not followed by a blank line", line)
		}
		events = append(events, bytes.TrimSuffix(data, []byte("\n")))
	}
	if len(events) == 0 || string(events[len(events)-1]) != "[DONE]" {
		t.Fatalf("stream does not end with [DONE]")
	}
	return events[:len(events)-1]
}

func TestChatStream(t *testing.T) {
	_, hs := newTestServer(t, Config{})
	_, whole := post(t, hs.URL+"/v1/chat/completions", chatBody(`,"seed":9`))
	var cc ChatCompletion
	strictDecode(t, whole, &cc)

	resp, err := http.Post(hs.URL+"/v1/chat/completions", "application/json",
		strings.NewReader(chatBody(`,"seed":9,"stream":true,"stream_options":{"include_usage":true}`)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := sse(t, resp.Body)
	var text strings.Builder
	var final *Verdict
	var usage *Usage
	for i, ev := range events {
		var ch ChatChunk
		strictDecode(t, ev, &ch)
		if ch.Object != "chat.completion.chunk" || ch.ID == "" {
			t.Fatalf("event %d: %s", i, ev)
		}
		if ch.Usage != nil {
			usage = ch.Usage
			continue
		}
		c := ch.Choices[0]
		switch {
		case i == 0:
			if c.Delta.Role != "assistant" || c.HNeurons != nil {
				t.Fatalf("first chunk %s", ev)
			}
		case c.FinishReason != nil:
			final = c.HNeurons
		default:
			if c.Delta.Content == nil || c.HNeurons == nil || c.HNeurons.Final {
				t.Fatalf("content chunk without running risk: %s", ev)
			}
			text.WriteString(*c.Delta.Content)
		}
	}
	if final == nil || !final.Final || usage == nil {
		t.Fatalf("no final chunk or usage")
	}
	// The same seed alone in the engine gives the same tokens.
	want := cc.Choices[0]
	if text.String() != want.Message.Content || final.Risk != want.HNeurons.Risk {
		t.Errorf("stream %q risk %v, whole %q risk %v", text.String(), final.Risk, want.Message.Content, want.HNeurons.Risk)
	}
	if usage.CompletionTokens != cc.Usage.CompletionTokens {
		t.Errorf("usage %+v, whole %+v", usage, cc.Usage)
	}
}

func TestTextCompletionAndModels(t *testing.T) {
	_, hs := newTestServer(t, Config{ModelName: "organism"})
	resp, b := post(t, hs.URL+"/v1/completions", `{"prompt":"`+question+`","max_tokens":4,"seed":1}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var tc TextCompletion
	strictDecode(t, b, &tc)
	if tc.Object != "text_completion" || len(tc.Choices) != 1 || tc.Choices[0].HNeurons == nil || tc.Usage.CompletionTokens > 4 {
		t.Fatalf("%s", b)
	}
	r, err := http.Get(hs.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID, Object string
		} `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&list); err != nil || list.Object != "list" || len(list.Data) != 1 || list.Data[0].ID != "organism" {
		t.Fatalf("models: %v %+v", err, list)
	}
}

// Bad requests get 400 JSON errors whose param names the field.
func TestBadRequestsNameTheField(t *testing.T) {
	_, hs := newTestServer(t, Config{Limits: Limits{MaxTokens: 32}})
	long := strings.Repeat("word ", 200)
	for _, c := range []struct{ path, body, param string }{
		{"chat/completions", `{"messages":[]}`, "messages"},
		{"chat/completions", `{"messages":[{"role":"robot","content":"x"}]}`, "messages[0].role"},
		{"chat/completions", `{"messages":[{"role":"user","content":5}]}`, "messages[].content"},
		{"chat/completions", chatBody(`,"temperature":3`), "temperature"},
		{"chat/completions", chatBody(`,"temperature":"hot"`), "temperature"},
		{"chat/completions", chatBody(`,"top_p":0`), "top_p"},
		{"chat/completions", chatBody(`,"n":0`), "n"},
		{"chat/completions", chatBody(`,"max_tokens":33`), "max_tokens"},
		{"chat/completions", chatBody(`,"stop":[1]`), "stop"},
		{"chat/completions", chatBody(`,"hneurons":{"policy":"pray"}`), "hneurons.policy"},
		{"chat/completions", chatBody(`,"hneurons":{"alpha":-1}`), "hneurons.alpha"},
		{"chat/completions", chatBody(`,"hneurons":{"threshold":2}`), "hneurons.threshold"},
		{"chat/completions", `{"model":"gpt-4","messages":[{"role":"user","content":"x"}]}`, "model"},
		{"chat/completions", `{"messages":[{"role":"user","content":"` + long + `"}]}`, "messages"},
		{"completions", `{"max_tokens":3}`, "prompt"},
		{"completions", `{"prompt":[1,2,3]}`, "prompt"},
		{"chat/completions", `{"messages":`, ""},
	} {
		resp, b := post(t, hs.URL+"/v1/"+c.path, c.body)
		var eb ErrorBody
		if err := json.Unmarshal(b, &eb); err != nil || resp.StatusCode != 400 {
			t.Errorf("%s: status %d %s", c.body, resp.StatusCode, b)
			continue
		}
		got := ""
		if eb.Error.Param != nil {
			got = *eb.Error.Param
		}
		if got != c.param || eb.Error.Message == "" {
			t.Errorf("%.60s: param %q, want %q (%s)", c.body, got, c.param, eb.Error.Message)
		}
	}
	resp, _ := post(t, hs.URL+"/v1/nothing", `{}`)
	if resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
}

func TestBodyLimitAndAuth(t *testing.T) {
	_, hs := newTestServer(t, Config{MaxBody: 2048, APIKey: "sekret"})
	key := []string{"Authorization", "Bearer sekret"}
	resp, _ := post(t, hs.URL+"/v1/chat/completions", chatBody(""))
	if resp.StatusCode != 401 {
		t.Errorf("no key: %d", resp.StatusCode)
	}
	resp, _ = post(t, hs.URL+"/v1/chat/completions", chatBody(""), "Authorization", "Bearer wrong")
	if resp.StatusCode != 401 {
		t.Errorf("wrong key: %d", resp.StatusCode)
	}
	resp, b := post(t, hs.URL+"/v1/chat/completions", chatBody(""), key...)
	if resp.StatusCode != 200 {
		t.Errorf("key: %d %s", resp.StatusCode, b)
	}
	resp, b = post(t, hs.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"`+strings.Repeat("x", 4000)+`"}]}`, key...)
	if resp.StatusCode != 413 || !strings.Contains(string(b), "body_too_large") {
		t.Errorf("big body: %d %s", resp.StatusCode, b)
	}
	r, err := http.Get(hs.URL + "/healthz")
	if err != nil || r.StatusCode != 200 {
		t.Errorf("healthz without a key: %v %v", err, r.StatusCode)
	}
	r.Body.Close()
}

// gate blocks the engine inside its forward call while closed is false.
type gate struct {
	on      atomic.Bool
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func addGate(s *Server) *gate {
	g := &gate{entered: make(chan struct{}, 1), release: make(chan struct{})}
	g.on.Store(true)
	s.e.r.AddTap(&model.Tap{MLPPost: func(l int, _ []float32, _ int) {
		if l == 0 && g.on.Load() {
			select {
			case g.entered <- struct{}{}:
			default:
			}
			<-g.release
		}
	}})
	return g
}

func (g *gate) open() { g.once.Do(func() { g.on.Store(false); close(g.release) }) }

func TestQueueFullGets429(t *testing.T) {
	s, hs := newTestServer(t, Config{Engine: EngineOptions{MaxBatch: 1, QueueLen: 1}})
	g := addGate(s)
	defer g.open()
	results := make(chan int, 2)
	go func() { r, _ := post(t, hs.URL+"/v1/chat/completions", chatBody("")); results <- r.StatusCode }()
	<-g.entered // the first request is in the engine
	go func() { r, _ := post(t, hs.URL+"/v1/chat/completions", chatBody("")); results <- r.StatusCode }()
	for s.e.Stats().Waiting < 1 {
		time.Sleep(time.Millisecond)
	}
	resp, b := post(t, hs.URL+"/v1/chat/completions", chatBody(""))
	var eb ErrorBody
	if resp.StatusCode != 429 || json.Unmarshal(b, &eb) != nil || eb.Error.Type != "rate_limit_error" {
		t.Errorf("third request: %d %s", resp.StatusCode, b)
	}
	g.open()
	for i := 0; i < 2; i++ {
		if c := <-results; c != 200 {
			t.Errorf("queued request: %d", c)
		}
	}
}

// A client that goes away frees its sequence at the engine's next step.
func TestDisconnectFreesSlot(t *testing.T) {
	s, hs := newTestServer(t, Config{Engine: EngineOptions{MaxBatch: 1}})
	g := addGate(s)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", hs.URL+"/v1/completions",
		strings.NewReader(`{"prompt":"`+question+`","max_tokens":40,"stream":true}`))
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		errc <- err
	}()
	<-g.entered
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v", err)
	}
	// The handler sees the cancel, the engine drops the sequence.
	time.Sleep(50 * time.Millisecond)
	g.open()
	deadline := time.Now().Add(10 * time.Second)
	for s.e.Stats().Active != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	st := s.e.Stats()
	if st.Active != 0 || st.Tokens > 2 {
		t.Errorf("after the disconnect: %+v (the 40-token request ran on)", st)
	}
	resp, b := post(t, hs.URL+"/v1/chat/completions", chatBody(""))
	if resp.StatusCode != 200 {
		t.Errorf("next request: %d %s", resp.StatusCode, b)
	}
}

// SIGTERM's path: Serve's context ends; the request in flight finishes,
// new ones get 503, Serve returns.
func TestGracefulShutdown(t *testing.T) {
	f := loadOrganism(t)
	s, err := New(f.m, f.tok, f.det, Config{})
	if err != nil {
		t.Fatal(err)
	}
	g := addGate(s)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	first := make(chan int, 1)
	go func() { r, _ := post(t, url+"/v1/chat/completions", chatBody("")); first <- r.StatusCode }()
	<-g.entered
	stop()
	for !s.draining.Load() {
		time.Sleep(time.Millisecond)
	}
	resp, b := post(t, url+"/v1/chat/completions", chatBody(""))
	if resp.StatusCode != 503 {
		t.Errorf("request while draining: %d %s", resp.StatusCode, b)
	}
	g.open()
	if c := <-first; c != 200 {
		t.Errorf("in-flight request: %d", c)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// A connection that was opened and never sent a request (a client
// transport's spare dial) must not hold shutdown up: Serve returns nil.
// Before the fix http.Server.Shutdown waited five seconds for such a
// connection and Serve returned its own 5 s deadline's error.
func TestShutdownWithSilentConnection(t *testing.T) {
	f := loadOrganism(t)
	s, err := New(f.m, f.tok, f.det, Config{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	stop()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve with a silent connection open: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return")
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the silent connection is still open after Serve returned")
	}
}

func TestPolicies(t *testing.T) {
	_, hs := newTestServer(t, Config{Abstention: "I do not know."})
	get := func(extra string) ChatCompletion {
		resp, b := post(t, hs.URL+"/v1/chat/completions", chatBody(extra))
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		var cc ChatCompletion
		strictDecode(t, b, &cc)
		return cc
	}
	// Threshold 0 flags everything.
	a := get(`,"seed":2,"hneurons":{"policy":"annotate","threshold":0}`).Choices[0]
	if !a.HNeurons.Flagged || a.HNeurons.Action != ActionAnnotated {
		t.Errorf("annotate: %+v", a.HNeurons)
	}
	ab := get(`,"seed":2,"hneurons":{"policy":"abstain","threshold":0}`).Choices[0]
	if ab.Message.Content != "I do not know." || ab.HNeurons.Action != ActionAbstained || ab.HNeurons.Original != a.Message.Content {
		t.Errorf("abstain: %q %+v (annotated %q)", ab.Message.Content, ab.HNeurons, a.Message.Content)
	}
	rg := get(`,"seed":2,"hneurons":{"policy":"regenerate","threshold":0,"max_regenerations":2}`).Choices[0]
	v := rg.HNeurons
	if v.Attempts != 3 || len(v.AttemptRisks) != 3 || v.Action != ActionKept {
		t.Fatalf("regenerate: %+v", v)
	}
	if v.AttemptRisks[0] != a.HNeurons.Risk {
		t.Errorf("first attempt risk %v, annotate's %v", v.AttemptRisks[0], a.HNeurons.Risk)
	}
	least := math.Min(v.AttemptRisks[0], math.Min(v.AttemptRisks[1], v.AttemptRisks[2]))
	if v.Risk != least {
		t.Errorf("regenerate kept risk %v, least %v", v.Risk, least)
	}
	// Threshold 1 flags nothing: nothing is regenerated.
	one := get(`,"seed":2,"hneurons":{"policy":"regenerate","threshold":1}`).Choices[0]
	if one.HNeurons.Attempts != 1 || one.HNeurons.Action != ActionAnnotated || one.Message.Content != a.Message.Content {
		t.Errorf("regenerate at threshold 1: %+v", one.HNeurons)
	}
}

// Alpha scales the H-Neurons in the generating passes: the risk equals the
// offline chain's with the same scale on the extractor's runner.
func TestAlphaSuppression(t *testing.T) {
	f := loadOrganism(t)
	_, hs := newTestServer(t, Config{})
	for _, alpha := range []float64{0, 2} {
		resp, b := post(t, hs.URL+"/v1/chat/completions", chatBody(fmt.Sprintf(`,"seed":4,"hneurons":{"alpha":%v,"token_risks":true}`, alpha)))
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		var cc ChatCompletion
		strictDecode(t, b, &cc)
		v := cc.Choices[0].HNeurons
		if v.Alpha == nil || *v.Alpha != alpha {
			t.Errorf("alpha %v reported as %v", alpha, v.Alpha)
		}
		if want := offlineVerdictRisk(t, f, v, alpha); math.Abs(want-v.Risk) > 1e-5 {
			t.Errorf("alpha %v: risk %v, offline with the same scale %v", alpha, v.Risk, want)
		}
		if unscaled := offlineVerdictRisk(t, f, v, 1); len(v.Tokens) > 0 && v.Answer.Tokens > 0 && math.Abs(unscaled-v.Risk) < 1e-9 {
			t.Errorf("alpha %v: risk %v equals the unscaled one: the scale was not applied", alpha, v.Risk)
		}
	}
}

// Concurrent requests share decoding steps, and the metrics count them
// (read with Prometheus' own text parser).
func TestBatchingAndMetrics(t *testing.T) {
	s, hs := newTestServer(t, Config{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, b := post(t, hs.URL+"/v1/chat/completions", chatBody(fmt.Sprintf(`,"seed":%d,"max_tokens":16`, i))); r.StatusCode != 200 {
				t.Errorf("%d %s", r.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	st := s.e.Stats()
	if st.PeakBatch < 2 || st.Steps >= st.Tokens {
		t.Errorf("no shared steps: %+v", st)
	}
	r, err := http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	p := expfmt.NewTextParser(prommodel.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	req := fams["hneurons_requests_total"]
	if req == nil {
		t.Fatal("no hneurons_requests_total")
	}
	n := 0.0
	for _, m := range req.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["endpoint"] == "chat_completions" && labels["code"] == "200" {
			n = m.Counter.GetValue()
		}
	}
	if n != 8 {
		t.Errorf("requests_total{chat_completions,200} = %v, want 8", n)
	}
	if h := fams["hneurons_answer_risk"]; h == nil || h.Metric[0].Histogram.GetSampleCount() != 8 {
		t.Errorf("answer risk histogram: %v", h)
	}
	if fams["hneurons_decode_steps_total"].Metric[0].Counter.GetValue() != float64(st.Steps) {
		t.Errorf("steps metric differs from the engine's")
	}
}

func TestCalibrate(t *testing.T) {
	risks := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.35, 0.75, 0.85, 0.05}
	labels := []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}
	for _, target := range []float64{0, 0.1, 0.25, 0.5} {
		c, err := Calibrate(risks, labels, target)
		if err != nil {
			t.Fatal(err)
		}
		// Brute force: the lowest candidate threshold whose false-alarm
		// rate is within the target.
		best := math.Inf(1)
		for _, th := range append([]float64{0, 1}, risks...) {
			fa := 0
			for i, r := range risks {
				if labels[i] == 0 && r > th {
					fa++
				}
			}
			if float64(fa)/10 <= target+1e-12 && th < best {
				best = th
			}
		}
		if c.Threshold != best || c.FalseAlarmRate > target {
			t.Errorf("target %v: threshold %v (false alarms %v), brute force %v", target, c.Threshold, c.FalseAlarmRate, best)
		}
	}
	if _, err := Calibrate([]float64{0.1}, []int{0}, 0.1); err == nil {
		t.Error("calibration without hallucinated answers accepted")
	}
}

// FuzzDecodeRequest: no input crashes the decoder; every refusal is a
// RequestError.
func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(chatBody(`,"stream":true,"stop":["x"],"hneurons":{"alpha":0.5}`)), true)
	f.Add([]byte(`{"prompt":["a"],"n":2,"max_tokens":3}`), false)
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`), true)
	f.Add([]byte(`{"messages":[{"role":"user","content":null}],"temperature":1e400}`), true)
	f.Add([]byte(`{"prompt":"q","n":3,"top_k":50,"seed":-8070450532247928831,"add_special_tokens":false,"return_token_ids":true,"logprobs":1,"return_tokens_as_token_ids":true,"hneurons":{"policy":"annotate","seed":7,"first_sample":2,"token_ids":true}}`), false)
	f.Fuzz(func(t *testing.T, body []byte, isChat bool) {
		r, err := DecodeRequest(body, isChat, Limits{MaxTokens: 64, MaxN: 4, MaxStops: 4, MaxMessage: 8})
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a RequestError", err)
			}
			return
		}
		if isChat && len(r.Messages) == 0 || !isChat && r.Prompt == nil {
			t.Fatalf("accepted without its required field: %s", body)
		}
		if r.TopK != nil && *r.TopK < 0 || r.HNeurons != nil && (r.HNeurons.TopK < 0 || r.HNeurons.FirstSample < 0) {
			t.Fatalf("accepted a negative top_k or first_sample: %s", body)
		}
		if isChat && r.AddSpecialTokens != nil {
			t.Fatalf("accepted add_special_tokens on a chat request: %s", body)
		}
	})
}
