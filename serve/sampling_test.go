package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/collect"
	"github.com/hneurons/hneurons/generate"
)

// A /v1/completions request in vLLM's shape (top-level top_k,
// return_token_ids, add_special_tokens) samples exactly what
// generate.GenerateN samples locally for the same prompt tokens, seed and
// decoding: the same token ids per choice, the text cut before the stop
// string (the ids keep the token that completed it), the same finish
// reason. Both prompt encodings are checked: a rendered chat prompt sent
// with add_special_tokens false, and a base prompt with the tokenizer's
// special tokens and a stop string (a space: the organism's base answers
// seldom hold a newline).
func TestCompletionSamplesAsGenerate(t *testing.T) {
	f := loadOrganism(t)
	_, hs := newTestServer(t, Config{Limits: Limits{MaxN: 10}})
	dec := collect.PaperDecoding
	stops := generate.StopTokens(f.tok, f.m)
	for _, tc := range []struct {
		format  string
		special bool
		stop    []string
	}{{chat.FormatChat, false, nil}, {chat.FormatBase, true, []string{" "}}} {
		t.Run(tc.format, func(t *testing.T) {
			stopped := 0
			for qi := 0; qi < 3; qi++ {
				q := f.questions[qi]
				text, err := collect.PromptText(f.tok, q.Question, tc.format)
				if err != nil {
					t.Fatal(err)
				}
				seed := collect.QuestionSeed(11, q.ID)
				prompt := chat.EncodePrompt(f.tok, text, tc.format)
				want, err := generate.GenerateN(context.Background(), f.m.NewRunner(), prompt, 10, generate.Options{
					SamplerOptions: generate.SamplerOptions{Temperature: dec.Temperature, TopK: dec.TopK, TopP: dec.TopP},
					MaxNewTokens:   dec.MaxNewTokens, Seed: seed, StopTokens: stops, StopStrings: tc.stop,
					Decode: generate.Decoder(f.tok, prompt)})
				if err != nil {
					t.Fatal(err)
				}
				body, _ := json.Marshal(map[string]any{"prompt": text, "n": 10, "temperature": dec.Temperature,
					"top_p": dec.TopP, "top_k": dec.TopK, "max_tokens": dec.MaxNewTokens, "seed": int64(seed),
					"stop": tc.stop, "add_special_tokens": tc.special, "return_token_ids": true})
				resp, b := post(t, hs.URL+"/v1/completions", string(body))
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, b)
				}
				var tc2 TextCompletion
				strictDecode(t, b, &tc2)
				if tc2.Usage.PromptTokens != len(prompt) {
					t.Errorf("prompt of %d tokens, want %d (the encoding differs)", tc2.Usage.PromptTokens, len(prompt))
				}
				for i, ch := range tc2.Choices {
					w := want[i]
					if !slices.Equal(ch.TokenIDs, w.Tokens) || ch.TokenIDs == nil {
						t.Errorf("q%d choice %d: token_ids %v, generate %v", qi, i, ch.TokenIDs, w.Tokens)
					}
					if ch.Text != collect.SanitizeText(w.Text) {
						t.Errorf("q%d choice %d: text %q, generate %q", qi, i, ch.Text, w.Text)
					}
					wr := "stop"
					if w.Reason == generate.StopLength {
						wr = "length"
					}
					if *ch.FinishReason != wr {
						t.Errorf("q%d choice %d: finish %s, want %s", qi, i, *ch.FinishReason, wr)
					}
					if w.Reason == generate.StopString {
						stopped++
						if strings.Contains(ch.Text, tc.stop[0]) {
							t.Errorf("q%d choice %d: text %q holds the stop string", qi, i, ch.Text)
						}
					}
				}
			}
			if tc.stop != nil && stopped == 0 {
				t.Errorf("no sample ended at the stop string: the cut is untested")
			}
			t.Logf("%s: %d samples ended at a stop string", tc.format, stopped)
		})
	}
}

// The hneurons extension asks for token ids too, hneurons.top_k still
// works, and a stream's text stops before a stop string (held back while
// it may be starting one).
func TestTokenIDsExtensionAndStreamStop(t *testing.T) {
	_, hs := newTestServer(t, Config{})
	resp, b := post(t, hs.URL+"/v1/chat/completions", chatBody(`,"seed":3,"hneurons":{"token_ids":true,"top_k":1}`))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var cc ChatCompletion
	strictDecode(t, b, &cc)
	if cc.Choices[0].TokenIDs == nil || len(cc.Choices[0].TokenIDs) != cc.Usage.CompletionTokens {
		t.Errorf("token_ids %v for %d completion tokens", cc.Choices[0].TokenIDs, cc.Usage.CompletionTokens)
	}
	// top_k 1 is greedy: another seed gives the same ids.
	_, b2 := post(t, hs.URL+"/v1/chat/completions", chatBody(`,"seed":4,"top_k":1,"return_token_ids":true`))
	var cc2 ChatCompletion
	strictDecode(t, b2, &cc2)
	if fmt.Sprint(cc2.Choices[0].TokenIDs) != fmt.Sprint(cc.Choices[0].TokenIDs) {
		t.Errorf("top_k 1 with seeds 3 and 4: %v and %v", cc.Choices[0].TokenIDs, cc2.Choices[0].TokenIDs)
	}
	// Without the request, no ids.
	_, b3 := post(t, hs.URL+"/v1/chat/completions", chatBody(`,"seed":4`))
	if strings.Contains(string(b3), "token_ids") {
		t.Errorf("token_ids without asking: %s", b3)
	}
	// The whole greedy answer's text, then a stream stopped at its second
	// character: the streamed text is the first character only.
	whole := cc.Choices[0].Message.Content
	if len(whole) < 2 {
		t.Skipf("greedy answer %q too short to stop inside", whole)
	}
	stop, _ := json.Marshal(whole[1:2])
	resp, sb := post(t, hs.URL+"/v1/chat/completions", chatBody(`,"stream":true,"top_k":1,"stop":[`+string(stop)+`]`))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, sb)
	}
	var got strings.Builder
	for _, line := range strings.Split(string(sb), "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var ch ChatChunk
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			t.Fatal(err)
		}
		for _, c := range ch.Choices {
			if c.Delta.Content != nil {
				got.WriteString(*c.Delta.Content)
			}
		}
	}
	want := whole[:strings.Index(whole, whole[1:2])]
	if got.String() != want {
		t.Errorf("streamed %q with stop %s; want %q (of %q)", got.String(), stop, want, whole)
	}
}

// hneurons.seed and hneurons.first_sample: choices 0 and 1 of a request
// with first_sample 3 are choices 3 and 4 of generate.GenerateN with that
// seed (the top-level seed, another, is overridden).
func TestFirstSample(t *testing.T) {
	f := loadOrganism(t)
	_, hs := newTestServer(t, Config{})
	text, err := collect.PromptText(f.tok, f.questions[3].Question, chat.FormatChat)
	if err != nil {
		t.Fatal(err)
	}
	prompt := chat.EncodePrompt(f.tok, text, chat.FormatChat)
	want, err := generate.GenerateN(context.Background(), f.m.NewRunner(), prompt, 5, generate.Options{
		SamplerOptions: generate.SamplerOptions{Temperature: 1.5}, MaxNewTokens: 12, Seed: 99,
		StopTokens: generate.StopTokens(f.tok, f.m)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"prompt": text, "n": 2, "temperature": 1.5, "max_tokens": 12, "seed": 1,
		"add_special_tokens": false, "return_token_ids": true, "hneurons": map[string]any{"seed": 99, "first_sample": 3}})
	resp, b := post(t, hs.URL+"/v1/completions", string(body))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var tc TextCompletion
	strictDecode(t, b, &tc)
	distinct := map[string]bool{}
	for i, ch := range tc.Choices {
		if !slices.Equal(ch.TokenIDs, want[3+i].Tokens) {
			t.Errorf("choice %d: %v, GenerateN's choice %d: %v", i, ch.TokenIDs, 3+i, want[3+i].Tokens)
		}
	}
	for _, w := range want {
		distinct[fmt.Sprint(w.Tokens)] = true
	}
	if len(distinct) < 3 {
		t.Errorf("only %d distinct samples of 5 at temperature 1.5: the offset is barely tested", len(distinct))
	}
	resp, b = post(t, hs.URL+"/v1/completions", `{"prompt":"x","hneurons":{"first_sample":-1}}`)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "hneurons.first_sample") {
		t.Errorf("negative first_sample: %d %s", resp.StatusCode, b)
	}
}
