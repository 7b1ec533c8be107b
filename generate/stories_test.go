package generate

import (
	"context"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/tokenizer"
)

// End to end with the real tokenizer: the greedy continuations llama.cpp
// gives for stories260K (its README) come out of Prompt, Generate and
// Decoder exactly, also when decoded in several sequences at once.
func TestStories260KEndToEnd(t *testing.T) {
	path := sharedtest.Path(t, "models", "stories260K", "stories260K.gguf")
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := tokenizer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	r := m.NewRunner()
	for _, tc := range sharedtest.Stories(t) {
		prompt, err := Prompt(tok, tc.Prompt, false)
		if err != nil {
			t.Fatal(err)
		}
		if bos, _ := tok.BOS(); prompt[0] != bos {
			t.Errorf("prompt %v does not start with BOS %d", prompt, bos)
		}
		opt := Options{MaxNewTokens: 64, StopTokens: StopTokens(tok, m), Decode: Decoder(tok, prompt)}
		res, err := GenerateN(context.Background(), r, prompt, 2, opt)
		if err != nil {
			t.Fatal(err)
		}
		for i, rs := range res {
			if rs.Text != tc.Continuation || len(rs.Tokens) != 64 {
				t.Errorf("%q sequence %d: got %q (%d tokens)\nwant %q", tc.Prompt, i, rs.Text, len(rs.Tokens), tc.Continuation)
			}
		}
	}
}
