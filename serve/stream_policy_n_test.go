package serve

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// Streaming under the regenerate and abstain policies with two choices
// (TestStreamUnderPolicies has one), and the usage chunk: every choice gets
// exactly one content chunk, holding the decided answer (the abstention,
// or the attempt regenerate chose), then one final chunk whose verdict,
// finish reason and content equal the non-streamed response's for the
// same seed; then the usage chunk and [DONE].
func TestStreamPoliciesTwoChoices(t *testing.T) {
	_, hs := newTestServer(t, Config{Abstention: "I do not know."})
	for _, tc := range []struct {
		name, pol, action string
		attempts          int
	}{
		{"abstain", `"policy":"abstain","threshold":0`, ActionAbstained, 1},
		{"regenerate", `"policy":"regenerate","threshold":0,"max_regenerations":2`, ActionKept, 3},
		{"regenerate-nothing-flagged", `"policy":"regenerate","threshold":1`, ActionAnnotated, 1},
	} {
		pol := tc.pol
		t.Run(tc.name, func(t *testing.T) {
			extra := `,"seed":4,"n":2,"hneurons":{` + pol + `}`
			resp, b := post(t, hs.URL+"/v1/chat/completions", chatBody(extra))
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			var whole ChatCompletion
			strictDecode(t, b, &whole)
			for i, c := range whole.Choices {
				if c.HNeurons.Action != tc.action || c.HNeurons.Attempts != tc.attempts {
					t.Fatalf("choice %d: action %s after %d attempts, want %s after %d", i, c.HNeurons.Action, c.HNeurons.Attempts, tc.action, tc.attempts)
				}
			}

			sresp, err := http.Post(hs.URL+"/v1/chat/completions", "application/json",
				strings.NewReader(chatBody(extra+`,"stream":true,"stream_options":{"include_usage":true}`)))
			if err != nil {
				t.Fatal(err)
			}
			defer sresp.Body.Close()
			events := sse(t, sresp.Body) // checks the final [DONE] and drops it
			contents := map[int][]string{}
			finals := map[int]ChunkChoice{}
			var usage *Usage
			for i, ev := range events {
				var ch ChatChunk
				strictDecode(t, ev, &ch)
				if ch.Usage != nil {
					usage = ch.Usage
					continue
				}
				for _, c := range ch.Choices {
					switch {
					case i == 0:
						if c.Delta.Role != "assistant" {
							t.Fatalf("first chunk %s", ev)
						}
					case c.FinishReason != nil:
						if _, dup := finals[c.Index]; dup {
							t.Fatalf("choice %d has two final chunks", c.Index)
						}
						finals[c.Index] = c
					default:
						if c.Delta.Content == nil {
							t.Fatalf("content chunk without content: %s", ev)
						}
						if _, done := finals[c.Index]; done {
							t.Fatalf("content after the final chunk of choice %d", c.Index)
						}
						contents[c.Index] = append(contents[c.Index], *c.Delta.Content)
					}
				}
			}
			if usage == nil || usage.CompletionTokens != whole.Usage.CompletionTokens {
				t.Errorf("usage %+v, whole %+v", usage, whole.Usage)
			}
			for i, w := range whole.Choices {
				if got := contents[i]; len(got) != 1 || got[0] != w.Message.Content {
					t.Errorf("choice %d: content chunks %q, whole %q", i, got, w.Message.Content)
				}
				f, ok := finals[i]
				if !ok {
					t.Fatalf("choice %d has no final chunk", i)
				}
				if *f.FinishReason != w.FinishReason || !reflect.DeepEqual(f.HNeurons, w.HNeurons) {
					t.Errorf("choice %d: final %s %+v, whole %s %+v", i, *f.FinishReason, f.HNeurons, w.FinishReason, w.HNeurons)
				}
			}
			if tc.action == ActionAbstained && whole.Choices[0].Message.Content != "I do not know." {
				t.Errorf("abstain at threshold 0 answered %q", whole.Choices[0].Message.Content)
			}
		})
	}
}
