package tokenizer

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hneurons/hneurons/gguf"
)

// GGUF metadata value types (from the GGUF specification).
const (
	gtUint32  = 4
	gtInt32   = 5
	gtFloat32 = 6
	gtBool    = 7
	gtString  = 8
	gtArray   = 9
)

// ggufBytes writes a metadata-only GGUF v3 file (test helper).
func ggufBytes(kv [][2]any) []byte {
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	str := func(s string) { w(uint64(len(s))); b.WriteString(s) }
	b.WriteString("GGUF")
	w(uint32(3))
	w(uint64(0))
	w(uint64(len(kv)))
	for _, e := range kv {
		str(e[0].(string))
		switch v := e[1].(type) {
		case string:
			w(uint32(gtString))
			str(v)
		case uint32:
			w(uint32(gtUint32))
			w(v)
		case bool:
			w(uint32(gtBool))
			if v {
				w(uint8(1))
			} else {
				w(uint8(0))
			}
		case []string:
			w(uint32(gtArray))
			w(uint32(gtString))
			w(uint64(len(v)))
			for _, s := range v {
				str(s)
			}
		case []float32:
			w(uint32(gtArray))
			w(uint32(gtFloat32))
			w(uint64(len(v)))
			for _, f := range v {
				w(math.Float32bits(f))
			}
		case []int32:
			w(uint32(gtArray))
			w(uint32(gtInt32))
			w(uint64(len(v)))
			for _, x := range v {
				w(x)
			}
		}
	}
	return b.Bytes()
}

// tinySPMGGUF is a five-piece SentencePiece vocabulary.
func tinySPMGGUF() []byte {
	return ggufBytes([][2]any{
		{"tokenizer.ggml.model", "llama"},
		{"tokenizer.ggml.tokens", []string{"<unk>", "<s>", "</s>", "▁", "a", "▁a", "<0x62>"}},
		{"tokenizer.ggml.scores", []float32{0, 0, 0, -1, -2, -0.5, 0}},
		{"tokenizer.ggml.token_type", []int32{2, 3, 3, 1, 1, 1, 6}},
		{"tokenizer.ggml.bos_token_id", uint32(1)},
		{"tokenizer.ggml.eos_token_id", uint32(2)},
		{"tokenizer.ggml.add_bos_token", true},
	})
}

func TestTinyGGUF(t *testing.T) {
	md, err := gguf.Parse(tinySPMGGUF())
	if err != nil {
		t.Fatal(err)
	}
	tk, err := FromGGUF(md)
	if err != nil {
		t.Fatal(err)
	}
	// "a ab" -> "▁a▁ab": ▁a, ▁a, then b is not a piece: byte token <0x62>
	if got := tk.Encode("a ab", true); !eqInts(got, []int{1, 5, 5, 6}) {
		t.Errorf("got %v, want [1 5 5 6]", got)
	}
	// malformed metadata is an error, not a panic
	for _, kv := range [][][2]any{
		{{"tokenizer.ggml.tokens", []string{"a"}}},
		{{"tokenizer.ggml.model", "llama"}, {"tokenizer.ggml.tokens", []string{"a"}}},
		{{"tokenizer.ggml.model", "gpt2"}, {"tokenizer.ggml.tokens", []string{"a"}}},
		{{"tokenizer.ggml.model", "bert"}, {"tokenizer.ggml.tokens", []string{"a"}}},
		{{"tokenizer.ggml.model", "gpt2"}, {"tokenizer.ggml.tokens", []string{"a"}}, {"tokenizer.ggml.merges", []string{"ab"}}},
		{{"tokenizer.ggml.model", "llama"}, {"tokenizer.ggml.tokens", []string{"a"}}, {"tokenizer.ggml.scores", []float32{0}}, {"tokenizer.ggml.token_type", []int32{1, 1}}},
	} {
		md, err := gguf.Parse(ggufBytes(kv))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := FromGGUF(md); err == nil {
			t.Errorf("%v: no error", kv)
		}
	}
}

// FuzzGGUFMeta: any bytes give a tokenizer or an error, never a panic.
func FuzzGGUFMeta(f *testing.F) {
	f.Add(tinySPMGGUF())
	f.Add(ggufBytes([][2]any{{"tokenizer.ggml.model", "gpt2"}, {"tokenizer.ggml.tokens", []string{"a", "b", "ab"}},
		{"tokenizer.ggml.merges", []string{"a b"}}, {"tokenizer.ggml.pre", "llama-bpe"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := gguf.Parse(data)
		if err != nil {
			return
		}
		tk, err := FromGGUF(md)
		if err != nil {
			return
		}
		ids := tk.Encode("ab a<s> b", true)
		tk.Decode(ids, false)
	})
}

// FuzzFromJSON: any tokenizer.json gives a tokenizer or an error, never a panic.
func FuzzFromJSON(f *testing.F) {
	for _, name := range []string{"bpe_bytelevel.json", "spm_metaspace.json", "wordlevel.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"model":{"type":"WordLevel","vocab":{"a":0}},"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"x"}}],"special_tokens":{"x":{"ids":[5]}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tk, err := FromJSON(data, []byte(`{"add_bos_token": true, "bos_token": "a"}`))
		if err != nil {
			return
		}
		ids, _ := tk.EncodeWithOffsets("the cat hi é", true)
		tk.Decode(ids, false)
		d := tk.NewStreamDecoder()
		for _, id := range ids {
			d.Add(id)
		}
		d.Flush()
	})
}
