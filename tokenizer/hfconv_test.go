package tokenizer

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hneurons/hneurons/gguf"
	"github.com/hneurons/hneurons/internal/sharedtest"
)

// jsonFromGGUF writes a Hugging Face tokenizer.json equivalent to a GGUF
// vocabulary, the way Hugging Face's own converters lay such files out:
// control tokens become added tokens; byte-level vocabularies keep their
// merges; SentencePiece vocabularies get merges derived from the piece
// scores (every split of a piece into two pieces, highest score first) and
// the legacy Llama normalizer / decoder.
func jsonFromGGUF(t testing.TB, path string, pre any) []byte {
	t.Helper()
	md, err := openGGUF(t, path)
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := mdStrings(md, "tokenizer.ggml.tokens")
	types, _ := mdInts(md, "tokenizer.ggml.token_type")
	kind, _ := mdString(md, "tokenizer.ggml.model")
	vocab := map[string]int{}
	var added []map[string]any
	for i, s := range tokens {
		if _, dup := vocab[s]; !dup {
			vocab[s] = i
		}
		if types[i] == ggufControl || types[i] == ggufUserDefined {
			added = append(added, map[string]any{"id": i, "content": s, "single_word": false,
				"lstrip": false, "rstrip": false, "normalized": false, "special": types[i] == ggufControl})
		}
	}
	doc := map[string]any{"version": "1.0", "added_tokens": added}
	switch kind {
	case "gpt2":
		merges, _ := mdStrings(md, "tokenizer.ggml.merges")
		doc["model"] = map[string]any{"type": "BPE", "vocab": vocab, "merges": merges, "dropout": nil,
			"unk_token": nil, "fuse_unk": false, "byte_fallback": false}
		doc["pre_tokenizer"] = pre
		doc["post_processor"] = map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true}
		doc["decoder"] = map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}
	case "llama":
		scores, _ := mdFloats(md, "tokenizer.ggml.scores")
		type mg struct {
			l, r  string
			score float32
			il    int
			ir    int
		}
		var ms []mg
		for id, s := range tokens {
			if types[id] != ggufNormal && types[id] != ggufUserDefined {
				continue
			}
			var local []mg
			for k := 1; k < len(s); k++ {
				if !utf8Boundary(s, k) {
					continue
				}
				il, okl := vocab[s[:k]]
				ir, okr := vocab[s[k:]]
				if okl && okr && types[il] == ggufNormal && types[ir] == ggufNormal {
					local = append(local, mg{s[:k], s[k:], scores[id], il, ir})
				}
			}
			sort.SliceStable(local, func(a, b int) bool {
				if local[a].il != local[b].il {
					return local[a].il < local[b].il
				}
				return local[a].ir < local[b].ir
			})
			ms = append(ms, local...)
		}
		sort.SliceStable(ms, func(a, b int) bool { return ms[a].score > ms[b].score })
		merges := make([][2]string, len(ms))
		for i, m := range ms {
			merges[i] = [2]string{m.l, m.r}
		}
		doc["model"] = map[string]any{"type": "BPE", "vocab": vocab, "merges": merges, "dropout": nil,
			"unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true}
		doc["normalizer"] = map[string]any{"type": "Sequence", "normalizers": []any{
			map[string]any{"type": "Prepend", "prepend": "▁"},
			map[string]any{"type": "Replace", "pattern": map[string]any{"String": " "}, "content": "▁"},
		}}
		doc["pre_tokenizer"] = nil
		doc["post_processor"] = map[string]any{"type": "TemplateProcessing",
			"single": []any{map[string]any{"SpecialToken": map[string]any{"id": "<s>", "type_id": 0}},
				map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}},
			"special_tokens": map[string]any{"<s>": map[string]any{"id": "<s>", "ids": []int{1}, "tokens": []string{"<s>"}}}}
		doc["decoder"] = map[string]any{"type": "Sequence", "decoders": []any{
			map[string]any{"type": "Replace", "pattern": map[string]any{"String": "▁"}, "content": " "},
			map[string]any{"type": "ByteFallback"},
			map[string]any{"type": "Fuse"},
			map[string]any{"type": "Strip", "content": " ", "start": 1, "stop": 0},
		}}
	default:
		t.Fatalf("model %q", kind)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func utf8Boundary(s string, k int) bool { return k == len(s) || s[k]&0xC0 != 0x80 }

func splitJSON(pattern string) map[string]any {
	return map[string]any{"type": "Split", "pattern": map[string]any{"Regex": pattern}, "behavior": "Isolated", "invert": false}
}

func byteLevelJSON(useRegex bool) map[string]any {
	return map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": useRegex}
}

// TestTokenizerJSONFromGGUF converts shared GGUF vocabularies into
// tokenizer.json documents and checks that the tokenizer.json path gives the
// reference ids too (and the same ids as the GGUF path).
func TestTokenizerJSONFromGGUF(t *testing.T) {
	dir := sharedtest.Path(t, "vocab")
	seqOf := func(pats []string) map[string]any {
		var ps []any
		for _, p := range pats {
			ps = append(ps, splitJSON(p))
		}
		ps = append(ps, byteLevelJSON(false))
		return map[string]any{"type": "Sequence", "pretokenizers": ps}
	}
	dsLLM, _ := ggufPre("deepseek-llm")
	cases := []struct {
		name string
		pre  any
	}{
		{"gpt-2", byteLevelJSON(true)},
		{"deepseek-llm", seqOf(dsLLM)},
		{"starcoder", map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Digits", "individual_digits": true}, byteLevelJSON(true)}}},
		{"llama-spm", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "ggml-vocab-"+c.name+".gguf")
			js := jsonFromGGUF(t, path, c.pre)
			tj, err := FromJSON(js, nil)
			if err != nil {
				t.Fatal(err)
			}
			tg, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			exact := 0
			cases := readVocabCases(t, path)
			for i, vc := range cases {
				got := tj.Encode(vc.text, false)
				if !eqInts(got, vc.want) {
					t.Errorf("case %d %q:\n json %v\n want %v", i, vc.text, got, vc.want)
					continue
				}
				if g := tg.Encode(vc.text, false); !eqInts(g, got) {
					t.Errorf("case %d %q: gguf %v, json %v", i, vc.text, g, got)
					continue
				}
				exact++
				if dec := tj.Decode(got, false); dec != vc.text && c.name != "llama-spm" {
					t.Errorf("case %d: decode %q, want %q", i, dec, vc.text)
				}
			}
			t.Logf("%s via tokenizer.json: %d/%d strings exact", c.name, exact, len(cases))
			if c.name == "llama-spm" {
				ids := tj.Encode("Hello", true)
				if len(ids) == 0 || ids[0] != 1 || !tj.AddBOS() {
					t.Errorf("template BOS: got %v AddBOS=%v", ids, tj.AddBOS())
				}
			}
		})
	}
}

// overrideMeta replaces some metadata values of a GGUF file.
type overrideMeta struct {
	Metadata
	over map[string]any
}

func (o overrideMeta) Value(key string) (any, bool) {
	if v, ok := o.over[key]; ok {
		return v, true
	}
	return o.Metadata.Value(key)
}

// TestLlama3AndQwen2PreOnGPT2Vocab runs the GGUF pre-tokenizer names
// llama-bpe and qwen2 (llama.cpp's regex spelling, hand-written splitters)
// and the equivalent tokenizer.json (Hugging Face's spelling, Split +
// ByteLevel, ignore_merges for Llama 3) over the GPT-2 vocabulary; both
// paths must agree, and differ from plain GPT-2 splitting where the patterns
// differ (digit groups).
func TestLlama3AndQwen2PreOnGPT2Vocab(t *testing.T) {
	path := sharedtest.Path(t, "vocab", "ggml-vocab-gpt-2.gguf")
	md, err := openGGUF(t, path)
	if err != nil {
		t.Fatal(err)
	}
	gpt2, err := FromGGUF(md)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, c := range readVocabCases(t, path) {
		texts = append(texts, c.text)
	}
	for _, c := range []struct {
		pre, hfPattern string
		ignoreMerges   bool
		digits         []string // how "12345" must split
	}{
		{"llama-bpe", patLlama3, true, []string{"123", "45"}},
		{"qwen2", patQwen2, false, []string{"1", "2", "3", "4", "5"}},
	} {
		tg, err := FromGGUF(overrideMeta{md, map[string]any{"tokenizer.ggml.pre": c.pre}})
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(jsonFromGGUF(t, path, map[string]any{"type": "Sequence", "pretokenizers": []any{
			splitJSON(c.hfPattern), byteLevelJSON(false)}}), &doc); err != nil {
			t.Fatal(err)
		}
		doc["model"].(map[string]any)["ignore_merges"] = c.ignoreMerges
		js, _ := json.Marshal(doc)
		tj, err := FromJSON(js, nil)
		if err != nil {
			t.Fatal(err)
		}
		differ := 0
		for _, s := range texts {
			a, b := tg.Encode(s, false), tj.Encode(s, false)
			if !eqInts(a, b) {
				t.Errorf("%s %q: gguf %v, json %v", c.pre, s, a, b)
			}
			if !eqInts(a, gpt2.Encode(s, false)) {
				differ++
			}
			if got := tg.Decode(a, false); got != s {
				t.Errorf("%s: decode %q, want %q", c.pre, got, s)
			}
		}
		var want []int
		for _, d := range c.digits {
			want = append(want, gpt2.Encode(d, false)...)
		}
		if got := tg.Encode("12345", false); !eqInts(got, want) {
			t.Errorf("%s: 12345 -> %v, want %v (%v)", c.pre, got, want, c.digits)
		}
		t.Logf("%s: %d of %d test strings tokenise differently from gpt-2", c.pre, differ, len(texts))
	}
}

// openGGUF opens a GGUF file for its metadata, closed when the test ends.
func openGGUF(t testing.TB, path string) (*gguf.File, error) {
	f, err := gguf.Open(path)
	if err == nil {
		t.Cleanup(func() { f.Close() })
	}
	return f, err
}
