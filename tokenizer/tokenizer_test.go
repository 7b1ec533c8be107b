package tokenizer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

func loadFixture(t testing.TB, name, config string) *Tokenizer {
	t.Helper()
	tj, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var cj []byte
	if config != "" {
		if cj, err = os.ReadFile(filepath.Join("testdata", config)); err != nil {
			t.Fatal(err)
		}
	}
	tk, err := FromJSON(tj, cj)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func loadShared(t testing.TB, name string) *Tokenizer {
	t.Helper()
	tk, err := Load(sharedtest.Path(t, "vocab", "ggml-vocab-"+name+".gguf"))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

type idCase struct {
	text string
	ids  []int
	offs [][2]int
}

func checkCases(t *testing.T, tk *Tokenizer, addSpecial bool, cases []idCase) {
	t.Helper()
	for _, c := range cases {
		ids, offs := tk.EncodeWithOffsets(c.text, addSpecial)
		if !eqInts(ids, c.ids) {
			t.Errorf("%q: ids %v, want %v", c.text, ids, c.ids)
		}
		if c.offs != nil && !eqOffs(offs, c.offs) {
			t.Errorf("%q: offsets %v, want %v", c.text, offs, c.offs)
		}
		if plain := tk.Encode(c.text, addSpecial); !eqInts(plain, ids) {
			t.Errorf("%q: Encode %v differs from EncodeWithOffsets %v", c.text, plain, ids)
		}
	}
}

func eqOffs(a, b [][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The expected ids of the fixtures are worked out by hand from their
// vocabularies and merge lists (see testdata/make_fixtures.py).
func TestFixtureByteLevelBPE(t *testing.T) {
	tk := loadFixture(t, "bpe_bytelevel.json", "")
	checkCases(t, tk, false, []idCase{
		// "the" -> t h e -> (h e) -> t he; " thin" -> Ġ t h i n -> (Ġ t), (i n)
		{"the thin", []int{'t', 257, 256, 'h', 259}, [][2]int{{0, 1}, {1, 3}, {3, 5}, {5, 6}, {6, 8}}},
		// " the" -> Ġt he -> Ġthe
		{" the", []int{258}, [][2]int{{0, 4}}},
		{"the<|endoftext|>he", []int{'t', 257, 260, 257}, [][2]int{{0, 1}, {1, 3}, {3, 16}, {16, 18}}},
		// é is two bytes, each its own token; the rune for 0xC3 is Ã, id 0xC3
		{"é", []int{0xC3, 0xA9}, [][2]int{{0, 1}, {1, 2}}},
		{"", nil, nil},
	})
	if got := tk.Decode([]int{'t', 257, 260, 257}, false); got != "the<|endoftext|>he" {
		t.Errorf("decode: %q", got)
	}
	if got := tk.Decode([]int{'t', 257, 260, 257}, true); got != "thehe" {
		t.Errorf("decode skipping special: %q", got)
	}
	if id, ok := tk.TokenID("Ġthe"); !ok || id != 258 {
		t.Errorf("TokenID(Ġthe) = %d, %v", id, ok)
	}
	if tk.AddBOS() {
		t.Error("AddBOS: byte-level fixture has no BOS")
	}
}

func TestFixtureSentencePiece(t *testing.T) {
	tk := loadFixture(t, "spm_metaspace.json", "spm_config.json")
	checkCases(t, tk, false, []idCase{
		// "▁hi▁hi!" split before each ▁: "▁hi" -> ▁hi, "▁hi!" -> ▁hi !
		{"hi hi!", []int{263, 263, 264}, [][2]int{{0, 2}, {2, 5}, {5, 6}}},
		// é is not in the vocabulary: byte fallback <0xC3> <0xA9> = 3+0xC3, 3+0xA9
		{"hié", []int{263, 3 + 0xC3, 3 + 0xA9}, [][2]int{{0, 2}, {2, 3}, {3, 4}}},
		// an unknown character with no byte token cannot happen (all bytes exist);
		// h alone: ▁h
		{"h", []int{262}, [][2]int{{0, 1}}},
	})
	checkCases(t, tk, true, []idCase{{"hi", []int{1, 263}, [][2]int{{0, 0}, {0, 2}}}})
	if !tk.AddBOS() {
		t.Error("AddBOS false")
	}
	if id, ok := tk.BOS(); !ok || id != 1 || tk.BOSToken() != "<s>" {
		t.Errorf("BOS = %d %v %q", id, ok, tk.BOSToken())
	}
	if id, ok := tk.EOS(); !ok || id != 2 || tk.EOSToken() != "</s>" {
		t.Errorf("EOS = %d %v %q", id, ok, tk.EOSToken())
	}
	if got := tk.Decode([]int{1, 263, 3 + 0xC3, 3 + 0xA9, 263, 264}, true); got != "hié hi!" {
		t.Errorf("decode: %q", got)
	}
	if tk.ChatTemplate() != "{{ messages }}" {
		t.Errorf("chat template %q", tk.ChatTemplate())
	}
	if eog := tk.EOG(); len(eog) == 0 || eog[0] != 2 {
		t.Errorf("EOG %v", eog)
	}
}

func TestFixtureWordLevel(t *testing.T) {
	tk := loadFixture(t, "wordlevel.json", "")
	checkCases(t, tk, false, []idCase{
		{"the cat sat on.", []int{1, 2, 3, 0, 4}, [][2]int{{0, 3}, {4, 7}, {8, 11}, {12, 14}, {14, 15}}},
		{"the cat[EOS]", []int{1, 2, 5}, [][2]int{{0, 3}, {4, 7}, {7, 12}}},
		{"  ", nil, nil},
	})
	if got := tk.Decode([]int{1, 2, 3, 4}, false); got != "the cat sat ." {
		t.Errorf("decode %q", got)
	}
	// WhitespaceSplit keeps punctuation attached
	js, _ := os.ReadFile(filepath.Join("testdata", "wordlevel.json"))
	js = []byte(strings.Replace(string(js), `"Whitespace"`, `"WhitespaceSplit"`, 1))
	tk2, err := FromJSON(js, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkCases(t, tk2, false, []idCase{{"the cat. sat", []int{1, 0, 3}, [][2]int{{0, 3}, {4, 8}, {9, 12}}}})
}

func TestConfigAddBOSOverride(t *testing.T) {
	tj, _ := os.ReadFile(filepath.Join("testdata", "spm_metaspace.json"))
	tk, err := FromJSON(tj, []byte(`{"add_bos_token": false, "add_eos_token": true, "bos_token": "<s>", "eos_token": "</s>", "chat_template": "T"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := tk.Encode("hi", true); !eqInts(got, []int{263, 2}) {
		t.Errorf("got %v, want [263 2]", got)
	}
	if tk.AddBOS() || !tk.AddEOS() || tk.ChatTemplate() != "T" {
		t.Errorf("AddBOS %v AddEOS %v template %q", tk.AddBOS(), tk.AddEOS(), tk.ChatTemplate())
	}
	// an unknown bos_token is ignored (BOS comes from the template then)
	if tk, err := FromJSON(tj, []byte(`{"bos_token": "<nope>"}`)); err != nil || tk.BOSToken() != "<s>" {
		t.Errorf("unknown bos_token: err %v, BOS %q", err, tk.BOSToken())
	}
	if _, err := FromJSON(tj, []byte(`{"chat_template": 3}`)); err == nil {
		t.Error("numeric chat_template accepted")
	}
}

func TestFromJSONErrors(t *testing.T) {
	bad := []string{
		`not json`,
		`{"model": {"type": "Unigram", "vocab": []}}`,
		`{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}`,
		`{"model": {"type": "WordLevel", "vocab": {"a": -1}}}`,
		`{"model": {"type": "WordLevel", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "Nope"}}`,
		`{"model": {"type": "WordLevel", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "("}}}`,
	}
	for _, b := range bad {
		if _, err := FromJSON([]byte(b), nil); err == nil {
			t.Errorf("%s: no error", b)
		}
	}
}

// TestOffsetsGGUF checks offsets on real vocabularies: for byte-level BPE
// each token's range holds exactly the bytes the token decodes to, ranges
// tile the text; for SentencePiece the first token of the text also carries
// the inserted space, which has no range.
func TestOffsetsGGUF(t *testing.T) {
	for _, name := range []string{"gpt-2", "deepseek-llm", "falcon", "starcoder", "llama-spm", "phi-3"} {
		tk := loadShared(t, name)
		spm := name == "llama-spm" || name == "phi-3"
		for _, c := range readVocabCases(t, sharedtest.Path(t, "vocab", "ggml-vocab-"+name+".gguf")) {
			ids, offs := tk.EncodeWithOffsets(c.text, false)
			pos := 0
			for i, id := range ids {
				a, b := offs[i][0], offs[i][1]
				if a != pos || b < a || b > len(c.text) {
					t.Fatalf("%s %q token %d: range [%d,%d) after %d", name, c.text, i, a, b, pos)
				}
				pos = b
				piece := tk.Decode([]int{id}, false)
				if spm {
					piece = strings.ReplaceAll(tk.Token(id), "▁", " ")
					if bt, ok := parseByteToken(tk.Token(id)); ok {
						piece = string([]byte{bt})
					}
					if i == 0 {
						piece = strings.TrimPrefix(piece, " ")
					}
				}
				if c.text[a:b] != piece {
					t.Errorf("%s %q token %d (%q): text[%d:%d] = %q", name, c.text, i, tk.Token(id), a, b, c.text[a:b])
				}
			}
			if pos != len(c.text) {
				t.Errorf("%s %q: ranges end at %d of %d", name, c.text, pos, len(c.text))
			}
		}
	}
	// a worked example: the llama emoji's 4 bytes are carried by 3 byte-level tokens
	// (" \xF0\x9F", "\xA6", "\x99")
	tk := loadShared(t, "gpt-2")
	ids, offs := tk.EncodeWithOffsets(" this is 🦙.cpp", false)
	want := [][2]int{{0, 5}, {5, 8}, {8, 11}, {11, 12}, {12, 13}, {13, 14}, {14, 17}}
	if !eqInts(ids, []int{428, 318, 12520, 99, 247, 13, 20322}) || !eqOffs(offs, want) {
		t.Errorf("got %v %v, want offsets %v", ids, offs, want)
	}
}

// TestDecodeInvertsEncode: decode(encode(s)) == s on every shared test string.
func TestDecodeInvertsEncode(t *testing.T) {
	for _, path := range vocabFiles(t) {
		tk, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range readVocabCases(t, path) {
			ids := tk.Encode(c.text, true)
			if got := tk.Decode(ids, true); got != c.text {
				t.Errorf("%s: decode(encode(%q)) = %q", filepath.Base(path), c.text, got)
			}
		}
	}
}

// TestStreamDecoder feeds ids one at a time: the pieces must be valid UTF-8
// (except possibly the flush) and concatenate to the full decode.
func TestStreamDecoder(t *testing.T) {
	for _, name := range []string{"gpt-2", "llama-spm", "deepseek-coder"} {
		tk := loadShared(t, name)
		for _, c := range readVocabCases(t, sharedtest.Path(t, "vocab", "ggml-vocab-"+name+".gguf")) {
			ids := tk.Encode(c.text, true)
			d := tk.NewStreamDecoder().SkipSpecial(true)
			var sb strings.Builder
			for _, id := range ids {
				s := d.Add(id)
				if !utf8.ValidString(s) {
					t.Errorf("%s %q: piece %q is not valid UTF-8", name, c.text, s)
				}
				sb.WriteString(s)
			}
			sb.WriteString(d.Flush())
			if sb.String() != c.text {
				t.Errorf("%s: streamed %q, want %q", name, sb.String(), c.text)
			}
		}
	}
	// a partial character is held back, then released whole
	tk := loadShared(t, "gpt-2")
	d := tk.NewStreamDecoder()
	ids := tk.Encode("🦙", false) // 4 bytes over several tokens
	if len(ids) < 2 {
		t.Fatalf("want several tokens, got %v", ids)
	}
	for _, id := range ids[:len(ids)-1] {
		if s := d.Add(id); s != "" {
			t.Errorf("partial emoji released early: %q", s)
		}
	}
	if s := d.Add(ids[len(ids)-1]); s != "🦙" {
		t.Errorf("got %q", s)
	}
}

// TestSpecialTokensInText: control tokens written in the text are single
// tokens (the chat templates rely on this).
func TestSpecialTokensInText(t *testing.T) {
	tk := loadShared(t, "gpt-2")
	eot, ok := tk.TokenID("<|endoftext|>")
	if !ok {
		t.Fatal("no <|endoftext|>")
	}
	ids := tk.Encode("Hello<|endoftext|> world", false)
	if !eqInts(ids, []int{15496, eot, 995}) {
		t.Errorf("got %v", ids)
	}
	// EncodeLiteral spells it out as text instead
	lit := tk.EncodeLiteral("Hello<|endoftext|> world", false)
	for _, id := range lit {
		if id == eot {
			t.Errorf("EncodeLiteral produced the special token: %v", lit)
		}
	}
	if got := tk.Decode(lit, true); got != "Hello<|endoftext|> world" {
		t.Errorf("literal round trip %q", got)
	}
	if eog := tk.EOG(); len(eog) != 1 || eog[0] != eot {
		t.Errorf("EOG %v", eog)
	}
	spm := loadShared(t, "llama-spm")
	if got := spm.Encode("Hello", true); !eqInts(got, []int{1, 15043}) {
		t.Errorf("llama-spm with BOS: %v", got)
	}
	if !spm.AddBOS() || spm.BOSToken() != "<s>" || spm.EOSToken() != "</s>" {
		t.Errorf("llama-spm AddBOS %v BOS %q EOS %q", spm.AddBOS(), spm.BOSToken(), spm.EOSToken())
	}
	phi := loadShared(t, "phi-3")
	if phi.ChatTemplate() == "" {
		t.Error("phi-3 chat template missing")
	}
	end, ok := phi.TokenID("<|end|>")
	if !ok {
		t.Fatal("phi-3 has no <|end|>")
	}
	found := false
	for _, id := range phi.EOG() {
		found = found || id == end
	}
	if !found {
		t.Errorf("phi-3 EOG %v lacks <|end|> %d", phi.EOG(), end)
	}
}

// TestSPMWordByWord: the word-by-word SentencePiece shortcut is taken only
// when no piece can cross a word start, and gives the same ids as merging the
// whole text at once (the plain llama.cpp algorithm).
func TestSPMWordByWord(t *testing.T) {
	for _, name := range []string{"llama-spm", "phi-3"} {
		tk := loadShared(t, name)
		sm := tk.model.(*spmModel)
		if !sm.splitSafe {
			t.Fatalf("%s: expected the word-by-word shortcut to be provably exact", name)
		}
		whole := &spmModel{vocab: sm.vocab, scores: sm.scores, byteIDs: sm.byteIDs, unk: sm.unk}
		texts := []string{}
		for _, c := range readVocabCases(t, sharedtest.Path(t, "vocab", "ggml-vocab-"+name+".gguf")) {
			texts = append(texts, c.text)
		}
		if data, err := os.ReadFile(sharedtest.Path(t, "datasets", "truthfulqa", "TruthfulQA.csv")); err == nil {
			texts = append(texts, string(data[:min(len(data), 20000)]))
		}
		for _, s := range texts {
			w := "▁" + strings.ReplaceAll(s, " ", "▁")
			got := sm.encodeWord(w, nil)
			want := whole.encodeUncached(w, nil)
			if len(got) != len(want) {
				t.Fatalf("%s %.40q: %d tokens word by word, %d whole", name, s, len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s %.40q: token %d %v vs %v", name, s, i, got[i], want[i])
				}
			}
		}
	}
	// the same for SentencePiece-style BPE from tokenizer.json (merges)
	tj, err := FromJSON(jsonFromGGUF(t, sharedtest.Path(t, "vocab", "ggml-vocab-llama-spm.gguf"), nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	bm := tj.model.(*bpeModel)
	if !bm.splitSafe {
		t.Fatal("BPE from the llama-spm vocabulary: expected the word-by-word shortcut")
	}
	if data, err := os.ReadFile(sharedtest.Path(t, "datasets", "truthfulqa", "TruthfulQA.csv")); err == nil {
		w := "▁" + strings.ReplaceAll(string(data[:min(len(data), 20000)]), " ", "▁")
		got, want := bm.encodeWord(w, nil), bm.encodeUncached(w, nil)
		if len(got) != len(want) {
			t.Fatalf("BPE: %d tokens word by word, %d whole", len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("BPE: token %d %v vs %v", i, got[i], want[i])
			}
		}
	}
	// a vocabulary with a piece that joins across a word start disables it
	m := &spmModel{vocab: map[string]int32{"a": 0, "▁": 1, "a▁": 2}}
	m.checkSplitSafe()
	if m.splitSafe {
		t.Error("splitSafe with piece a▁")
	}
}

// TestLoadHFFolder loads a folder with tokenizer.json, tokenizer_config.json
// and chat_template.jinja through Load.
func TestLoadHFFolder(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	for src, dst := range map[string]string{"spm_metaspace.json": "tokenizer.json", "wordlevel.json": "sub/other.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(`{"bos_token": "<s>", "eos_token": "</s>", "add_bos_token": true}`), 0o644)
	os.WriteFile(filepath.Join(dir, "chat_template.jinja"), []byte("{{ bos_token }}"), 0o644)
	os.WriteFile(filepath.Join(dir, "generation_config.json"), []byte(`{"bos_token_id": 1, "eos_token_id": [2, 264]}`), 0o644)
	tk, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := tk.Encode("hi", true); !eqInts(got, []int{1, 263}) || tk.ChatTemplate() != "{{ bos_token }}" {
		t.Errorf("ids %v template %q", got, tk.ChatTemplate())
	}
	if eog := tk.EOG(); !eqInts(eog, []int{2, 264}) {
		t.Errorf("EOG %v, want [2 264] (EOS, then generation_config.json)", eog)
	}
	// BOS/EOS named only in special_tokens_map.json
	os.WriteFile(filepath.Join(dir, "sub", "special_tokens_map.json"), []byte(`{"eos_token": {"content": "[EOS]"}}`), 0o644)
	wl, err := Load(filepath.Join(dir, "sub", "other.json"))
	if err != nil {
		t.Fatal(err)
	}
	if wl.VocabSize() != 6 || wl.EOSToken() != "[EOS]" {
		t.Errorf("vocab %d, EOS %q", wl.VocabSize(), wl.EOSToken())
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing path accepted")
	}
	os.WriteFile(filepath.Join(dir, "bad.gguf"), []byte("GGUF\x03\x00\x00\x00"), 0o644)
	if _, err := Load(filepath.Join(dir, "bad.gguf")); err == nil {
		t.Error("truncated GGUF accepted")
	}
}

// TestPhi3StripsAfterSpecial: llama.cpp drops the whitespace after Phi-3's
// special tokens (keyed on general.name); ids from llama.cpp for this turn.
func TestPhi3StripsAfterSpecial(t *testing.T) {
	phi := loadShared(t, "phi-3")
	got := phi.Encode("<|user|>\nSYS\nHI<|end|>\n<|assistant|>\n", true)
	want := []int{1, 32010, 317, 21554, 13, 17628, 32007, 32001}
	if !eqInts(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// another SentencePiece vocabulary keeps the whitespace
	spm := loadShared(t, "llama-spm")
	if got := spm.Encode("</s>\nA", false); len(got) < 3 {
		t.Errorf("llama-spm lost the newline after </s>: %v", got)
	}
}

// TestConcurrentEncode: one Tokenizer used from several goroutines (shared
// word cache and scratch pools) gives the same ids as serial use.
func TestConcurrentEncode(t *testing.T) {
	for _, name := range []string{"gpt-2", "llama-spm"} {
		tk := loadShared(t, name)
		cases := readVocabCases(t, sharedtest.Path(t, "vocab", "ggml-vocab-"+name+".gguf"))
		done := make(chan error, 4)
		for g := range 4 {
			go func() {
				for k := range 20 {
					c := cases[(g*7+k)%len(cases)]
					if got := tk.Encode(c.text, false); !eqInts(got, c.want) {
						done <- fmt.Errorf("%s %q: got %v", name, c.text, got)
						return
					}
				}
				done <- nil
			}()
		}
		for range 4 {
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}
}

func TestTokensCovering(t *testing.T) {
	tk := loadShared(t, "gpt-2")
	text := "Q: capital of France? A: Paris is the capital."
	ids, offs := tk.EncodeWithOffsets(text, false)
	start := strings.Index(text, "Paris")
	i, j := TokensCovering(offs, start, start+len("Paris"))
	if j-i != 1 || tk.Token(ids[i]) != "ĠParis" {
		t.Errorf("Paris -> tokens [%d,%d) %q", i, j, tk.Token(ids[i]))
	}
	// a span inside a token still selects it; a span across tokens selects all
	if i2, j2 := TokensCovering(offs, start+1, start+2); i2 != i || j2 != j {
		t.Errorf("inner span -> [%d,%d)", i2, j2)
	}
	a, b := TokensCovering(offs, 0, len(text))
	if a != 0 || b != len(ids) {
		t.Errorf("whole text -> [%d,%d) of %d", a, b, len(ids))
	}
	if a, b := TokensCovering(offs, len(text), len(text)+3); a != b {
		t.Errorf("empty overlap -> [%d,%d)", a, b)
	}
	// BOS has an empty range and is never selected
	spm := loadShared(t, "llama-spm")
	_, offs = spm.EncodeWithOffsets("Hello", true)
	if a, _ := TokensCovering(offs, 0, 5); a != 1 {
		t.Errorf("BOS selected: first %d", a)
	}
}
