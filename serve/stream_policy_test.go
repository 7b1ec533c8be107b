package serve

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// streamChat posts a streaming chat request and returns the text of its
// content chunks, the running verdicts they carried and the final verdict.
func streamChat(t *testing.T, url, body string) (text string, running []*Verdict, final *Verdict, finish string) {
	t.Helper()
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var b strings.Builder
	for i, ev := range sse(t, resp.Body) {
		var ch ChatChunk
		strictDecode(t, ev, &ch)
		c := ch.Choices[0]
		switch {
		case i == 0:
			if c.Delta.Role != "assistant" {
				t.Fatalf("first chunk %s", ev)
			}
		case c.FinishReason != nil:
			if final != nil {
				t.Fatalf("two final chunks")
			}
			final, finish = c.HNeurons, *c.FinishReason
		default:
			if final != nil {
				t.Fatalf("content after the final chunk: %s", ev)
			}
			if c.Delta.Content == nil || c.HNeurons == nil || c.HNeurons.Final {
				t.Fatalf("content chunk without a running risk: %s", ev)
			}
			b.WriteString(*c.Delta.Content)
			running = append(running, c.HNeurons)
		}
	}
	if final == nil || !final.Final {
		t.Fatalf("no final verdict")
	}
	return b.String(), running, final, finish
}

// Under the abstain and regenerate policies a stream cannot send tokens it
// may withdraw: the answer comes as one content chunk once the policy has
// acted, then the final verdict, and both equal the non-streaming response
// to the same request.
func TestStreamUnderPolicies(t *testing.T) {
	_, hs := newTestServer(t, Config{Abstention: "I do not know."})
	for _, opts := range []string{
		`"policy":"abstain","threshold":0`,
		`"policy":"regenerate","threshold":0,"max_regenerations":2`,
		`"policy":"regenerate","threshold":1`,
	} {
		body := chatBody(`,"seed":4,"hneurons":{` + opts + `}`)
		resp, whole := post(t, hs.URL+"/v1/chat/completions", body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", opts, resp.StatusCode, whole)
		}
		var cc ChatCompletion
		strictDecode(t, whole, &cc)
		want := cc.Choices[0]
		text, running, final, finish := streamChat(t, hs.URL, strings.TrimSuffix(body, "}")+`,"stream":true}`)
		if len(running) != 1 {
			t.Errorf("%s: %d content chunks, want the whole answer in one", opts, len(running))
		}
		if text != want.Message.Content || finish != want.FinishReason {
			t.Errorf("%s: streamed %q (%s), whole %q (%s)", opts, text, finish, want.Message.Content, want.FinishReason)
		}
		if final.Action != want.HNeurons.Action || final.Risk != want.HNeurons.Risk || final.Attempts != want.HNeurons.Attempts ||
			final.Original != want.HNeurons.Original {
			t.Errorf("%s: streamed verdict %+v, whole %+v", opts, final, want.HNeurons)
		}
		switch {
		case strings.Contains(opts, "abstain"):
			if text != "I do not know." || final.Action != ActionAbstained || final.Original == "" {
				t.Errorf("abstain streamed %q, verdict %+v", text, final)
			}
		case strings.Contains(opts, "max_regenerations"):
			if final.Attempts != 3 || len(final.AttemptRisks) != 3 {
				t.Errorf("regenerate streamed verdict %+v", final)
			}
		}
	}
}

// FuzzHandler: whatever body arrives, the completion endpoints answer 200
// with a well-formed response or a 4xx JSON error that the OpenAI clients
// parse; the process never crashes. Generation is bounded by small limits.
func FuzzHandler(f *testing.F) {
	f.Add([]byte(chatBody(`,"max_tokens":3,"n":2,"hneurons":{"policy":"regenerate","threshold":0,"max_regenerations":1}`)), true)
	f.Add([]byte(chatBody(`,"max_tokens":2,"stream":true,"stream_options":{"include_usage":true},"hneurons":{"alpha":0,"token_risks":true}`)), true)
	f.Add([]byte(`{"prompt":"In which city","max_tokens":2,"stop":["a"],"seed":-1}`), false)
	f.Add([]byte(`{"messages":[{"role":"system","content":"x"},{"role":"user","content":[{"type":"text","text":"hi"}]}],"max_tokens":1}`), true)
	f.Add([]byte(`{"messages":[]}`), true)
	f.Add([]byte(`{"prompt":{"a":1}}`), false)
	f.Add([]byte(`[`), true)
	fx := loadOrganism(f)
	s, err := New(fx.m, fx.tok, fx.det, Config{Limits: Limits{MaxTokens: 3, MaxN: 2, MaxStops: 2, MaxMessage: 4}, MaxBody: 4096,
		Abstention: "I do not know."})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body []byte, isChat bool) {
		path := "/v1/completions"
		if isChat {
			path = "/v1/chat/completions"
		}
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		out := rec.Body.Bytes()
		switch {
		case rec.Code == 200 && rec.Header().Get("Content-Type") == "text/event-stream":
			if !bytes.HasSuffix(out, []byte("data: [DONE]\n\n")) {
				t.Fatalf("stream does not end with [DONE]: %q", out)
			}
		case rec.Code == 200:
			var v map[string]any
			if err := json.Unmarshal(out, &v); err != nil || v["choices"] == nil {
				t.Fatalf("200 without a completion: %q", out)
			}
		case rec.Code >= 400 && rec.Code < 500:
			var e ErrorBody
			if err := json.Unmarshal(out, &e); err != nil || e.Error.Message == "" {
				t.Fatalf("%d without a JSON error: %q", rec.Code, out)
			}
		default:
			t.Fatalf("status %d for %q: %q", rec.Code, body, out)
		}
	})
}
