package tokenizer

import (
	"testing"

	"github.com/hneurons/hneurons/gguf"
	"github.com/hneurons/hneurons/internal/sharedtest"
)

// *gguf.File (the weight loader's parser) is accepted by FromGGUF.
var _ Metadata = (*gguf.File)(nil)

// TestFromGGUFFile builds the tokenizer from a gguf.File opened by the gguf
// package, as Load does; it must agree
// with the reference ids.
func TestFromGGUFFile(t *testing.T) {
	for _, name := range []string{"gpt-2", "llama-spm", "phi-3"} {
		path := sharedtest.Path(t, "vocab", "ggml-vocab-"+name+".gguf")
		f, err := gguf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		tk, err := FromGGUF(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range readVocabCases(t, path) {
			if got := tk.Encode(c.text, false); !eqInts(got, c.want) {
				t.Errorf("%s case %d: got %v want %v", name, i, got, c.want)
			}
		}
	}
	// the real tiny model: SentencePiece vocabulary inside a model file
	f, err := gguf.Open(sharedtest.Path(t, "models", "stories260K", "stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tk, err := FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	const text = "Once upon a time, there was a little girl named Lily."
	ids := tk.Encode(text, true)
	if bos, _ := tk.BOS(); len(ids) < 2 || ids[0] != bos || bos != 1 {
		t.Errorf("stories260K: ids %v, want BOS 1 first", ids)
	}
	if got := tk.Decode(ids, true); got != text {
		t.Errorf("stories260K round trip: %q", got)
	}
	if tk.VocabSize() != 512 {
		t.Errorf("stories260K vocab %d, want 512", tk.VocabSize())
	}
}
