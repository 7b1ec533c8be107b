package generate

import (
	"slices"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
	"github.com/hneurons/hneurons/tokenizer"
)

// --chat wraps the prompt in the model's template: for Phi-3 the text is
// "<s><|user|>\n{prompt}<|end|>\n<|assistant|>\n", encoded without adding a
// second BOS, with the markers as single special tokens.
func TestPromptChatPhi3(t *testing.T) {
	tok, err := tokenizer.Load(sharedtest.Path(t, "vocab", "ggml-vocab-phi-3.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := Prompt(tok, "Hi there", true)
	if err != nil {
		t.Fatal(err)
	}
	want := tok.Encode("<s><|user|>\nHi there<|end|>\n<|assistant|>\n", false)
	if !slices.Equal(ids, want) {
		t.Errorf("chat prompt %v, want %v", ids, want)
	}
	bos, _ := tok.BOS()
	user, _ := tok.TokenID("<|user|>")
	if len(ids) < 2 || ids[0] != bos || ids[1] != user || slices.Index(ids[1:], bos) >= 0 {
		t.Errorf("chat prompt %v: want one BOS %d then <|user|> %d", ids, bos, user)
	}
	raw, _ := Prompt(tok, "Hi there", false)
	if raw[0] != bos || slices.Contains(raw, user) {
		t.Errorf("raw prompt %v", raw)
	}
	stops := StopTokens(tok, nil)
	end, _ := tok.TokenID("<|end|>")
	if !slices.Contains(stops, end) {
		t.Errorf("stop tokens %v lack <|end|> %d", stops, end)
	}
	noTmpl, err := tokenizer.Load(sharedtest.Path(t, "vocab", "ggml-vocab-llama-spm.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Prompt(noTmpl, "x", true); err == nil {
		t.Error("chat prompt without a template: no error")
	}
}
