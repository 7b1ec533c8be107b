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
	cases := []struct{ prompt, want string }{
		{"Once upon a time", ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said"},
		{"Lily and Tom went to the park", ". They saw a big box with a big box. They wanted to play with it. They wanted to play with the box. They wanted to play with the box.\n\"Look, Mom!\" Lily said. \"Let's g"},
		{"The little dog", " was a little girl named Lily. She loved to play with her toys and her toys. One day, she saw a big box with a big box. It was a big, red ball. She wanted to play with it, but she d"},
	}
	r := m.NewRunner()
	for _, tc := range cases {
		prompt, err := Prompt(tok, tc.prompt, false)
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
			if rs.Text != tc.want || len(rs.Tokens) != 64 {
				t.Errorf("%q sequence %d: got %q (%d tokens)\nwant %q", tc.prompt, i, rs.Text, len(rs.Tokens), tc.want)
			}
		}
	}
}
