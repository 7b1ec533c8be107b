package tokenizer

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
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

// FuzzFromJSON feeds arbitrary tokenizer.json contents to fromJSON (what
// Load and LoadHF run on the files' bytes): a tokenizer or an error naming
// the file (with line and column when the JSON itself is broken), never a
// panic nor an allocation far beyond the input; whatever loads encodes
// within its vocabulary and decodes.
func FuzzFromJSON(f *testing.F) {
	for _, name := range []string{"bpe_bytelevel.json", "spm_metaspace.json", "wordlevel.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"model":{"type":"WordLevel","vocab":{"a":0}},"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"x"}}],"special_tokens":{"x":{"ids":[5]}}}}`))
	f.Add([]byte(`{"model":{"type":"WordLevel","vocab":{"a":2000000}}}`))
	f.Add([]byte("{\n\"model\": {\"type\": \"BPE\", \"vocab\": [1]}\n}"))
	const tjName, cjName = "dir/tokenizer.json", "dir/tokenizer_config.json"
	cfg := []byte(`{"add_bos_token": true, "bos_token": "a"}`)
	f.Fuzz(func(t *testing.T, data []byte) {
		var tk *Tokenizer
		var err error
		if n := allocated(func() { tk, err = fromJSON(tjName, cjName, data, cfg) }); n > 256*uint64(len(data))+1<<20 {
			t.Fatalf("fromJSON of %d bytes allocated %d bytes", len(data), n)
		}
		if err != nil {
			checkNamed(t, err, tjName, cjName)
			return
		}
		exercise(t, tk)
	})
}

// FuzzTokenizerConfig feeds arbitrary tokenizer_config.json contents, with
// a real tokenizer.json, to fromJSON: errors name tokenizer_config.json (not
// tokenizer.json), special tokens stay inside the vocabulary, and the chat
// template is whatever the file gives.
func FuzzTokenizerConfig(f *testing.F) {
	tj, err := os.ReadFile(filepath.Join("testdata", "bpe_bytelevel.json"))
	if err != nil {
		f.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join("testdata", "spm_config.json")); err == nil {
		f.Add(b)
	}
	if b, err := os.ReadFile(filepath.Join("..", "organism", "shipped", "chat", "tokenizer_config.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"add_bos_token": true, "bos_token": {"content": "a"}, "eos_token": "b", "add_eos_token": true}`))
	f.Add([]byte(`{"chat_template": [{"name": "tool_use", "template": "x"}, {"name": "default", "template": "{{ messages }}"}]}`))
	f.Add([]byte(`{"chat_template": 3}`))
	f.Add([]byte("{\n\"bos_token\": [1]\n}"))
	const tjName, cjName = "dir/tokenizer.json", "dir/tokenizer_config.json"
	f.Fuzz(func(t *testing.T, cfg []byte) {
		var tk *Tokenizer
		var err error
		if n := allocated(func() { tk, err = fromJSON(tjName, cjName, tj, cfg) }); n > 64*uint64(len(cfg))+8<<20 {
			t.Fatalf("fromJSON with a %d-byte config allocated %d bytes", len(cfg), n)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "tokenizer: "+cjName+": ") {
				t.Fatalf("error %q does not name %s", err, cjName)
			}
			checkNamed(t, err, tjName, cjName)
			return
		}
		bos, hasBOS := tk.BOS()
		eos, hasEOS := tk.EOS()
		if (hasBOS && bos >= tk.VocabSize()) || (hasEOS && eos >= tk.VocabSize()) {
			t.Fatalf("special ids %d, %d outside a vocabulary of %d", bos, eos, tk.VocabSize())
		}
		// the template is at most the config's bytes, each invalid UTF-8
		// byte decoded as the 3-byte U+FFFD
		if len(tk.ChatTemplate()) > 3*len(cfg) {
			t.Fatalf("chat template of %d bytes from a %d-byte config", len(tk.ChatTemplate()), len(cfg))
		}
		exercise(t, tk)
	})
}

// checkNamed fails unless err names one of the files, and gives the line of
// a JSON syntax error.
func checkNamed(t *testing.T, err error, names ...string) {
	t.Helper()
	msg := err.Error()
	named := false
	for _, n := range names {
		named = named || strings.HasPrefix(msg, "tokenizer: "+n+": ")
	}
	if !named {
		t.Fatalf("error %q names none of %q", msg, names)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) && !strings.Contains(msg, "line ") {
		t.Fatalf("JSON error %q does not give the line", msg)
	}
}

// exercise encodes and decodes a little text with tk, checking the ids.
func exercise(t *testing.T, tk *Tokenizer) {
	t.Helper()
	ids, offs := tk.EncodeWithOffsets("the cat hi é<s>", true)
	if len(offs) != len(ids) {
		t.Fatalf("%d offsets for %d ids", len(offs), len(ids))
	}
	for _, id := range ids {
		if id < 0 || id >= tk.VocabSize() {
			t.Fatalf("id %d outside a vocabulary of %d", id, tk.VocabSize())
		}
	}
	tk.Decode(ids, false)
	d := tk.NewStreamDecoder()
	for _, id := range ids {
		d.Add(id)
	}
	d.Flush()
}

// allocated runs fn and returns the bytes it allocated on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// LoadHF names the file that is broken, with the line of a JSON error; a
// broken tokenizer_config.json used to be reported as tokenizer.json.
func TestLoadHFNamesBrokenFile(t *testing.T) {
	tj, err := os.ReadFile(filepath.Join("testdata", "bpe_bytelevel.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, content, want string }{
		{"tokenizer_config.json", "{\n  \"bos_token\": 3,\n  \"add_bos_token\": tru\n}", "line 3"},
		{"tokenizer_config.json", `{"bos_token": [1]}`, "bos_token"},
		{"special_tokens_map.json", "{\n\"bos_token\": }", "line 2"},
		{"generation_config.json", "{\"eos_token_id\": \"x\"}", "eos_token_id"},
		{"tokenizer.json", "{\n\"model\": {\"type\": \"BPE\", \"vocab\": [1]}}", "vocab"},
		{"tokenizer.json", "{\n\"model\": {\"type\": 7}}", "line 2"},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "tokenizer.json"), tj, 0o644)
		os.WriteFile(filepath.Join(dir, c.file), []byte(c.content), 0o644)
		_, err := LoadHF(dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, c.file)+": ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming the file and %q", c.file, err, c.want)
		}
	}
}
