package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// editFixture loads a testdata tokenizer.json as a generic document, lets
// edit change it, and builds the tokenizer.
func editFixture(t *testing.T, name string, edit func(doc map[string]any)) *Tokenizer {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	tk, err := FromJSON(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func addedJSON(id int, content string, lstrip, rstrip, singleWord bool) map[string]any {
	return map[string]any{"id": id, "content": content, "single_word": singleWord, "lstrip": lstrip,
		"rstrip": rstrip, "normalized": false, "special": false}
}

func TestIgnoreMerges(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		tk := editFixture(t, "bpe_bytelevel.json", func(doc map[string]any) {
			m := doc["model"].(map[string]any)
			m["vocab"].(map[string]any)["Ġthin"] = 261
			m["ignore_merges"] = ignore
		})
		want := []int{'t', 257, 256, 'h', 259} // merges never build Ġthin
		if ignore {
			want = []int{'t', 257, 261} // the whole word is in the vocabulary
		}
		checkCases(t, tk, false, []idCase{{"the thin", want, nil}})
	}
}

func TestAddedTokenFlags(t *testing.T) {
	tk := editFixture(t, "bpe_bytelevel.json", func(doc map[string]any) {
		doc["added_tokens"] = append(doc["added_tokens"].([]any),
			addedJSON(262, "<X>", true, true, false), addedJSON(263, "ab", false, false, true))
	})
	checkCases(t, tk, false, []idCase{
		// <X> swallows the spaces on both sides
		{"the <X> he", []int{'t', 257, 262, 257}, [][2]int{{0, 1}, {1, 3}, {3, 8}, {8, 10}}},
		// "ab" is single_word: matched alone, not inside "cab"
		// (the space byte's token Ġ has id 32 in this vocabulary)
		{"ab cab", []int{263, ' ', 'c', 'a', 'b'}, [][2]int{{0, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}}},
	})
}

func TestNormalizers(t *testing.T) {
	wl := func(normalizer any, pre string) *Tokenizer {
		return editFixture(t, "wordlevel.json", func(doc map[string]any) {
			doc["normalizer"] = normalizer
			doc["pre_tokenizer"] = map[string]any{"type": pre}
			doc["model"].(map[string]any)["vocab"] = map[string]any{"[UNK]": 0, "fi": 1, "cafe": 2, "café": 3, "the": 4, "cat": 5, "[EOS]": 6}
			doc["added_tokens"] = []any{}
		})
	}
	seq := func(ns ...any) map[string]any { return map[string]any{"type": "Sequence", "normalizers": ns} }
	typ := func(s string) map[string]any { return map[string]any{"type": s} }
	// NFKC turns the ligature ﬁ into "fi"; the token covers the ligature's 3 bytes
	checkCases(t, wl(seq(typ("NFKC"), typ("Lowercase")), "Whitespace"), false, []idCase{
		{"ﬁ CAFÉ", []int{1, 3}, [][2]int{{0, 3}, {4, 9}}},
	})
	// NFC composes e + U+0301
	checkCases(t, wl(typ("NFC"), "Whitespace"), false, []idCase{{"cafe\u0301", []int{3}, [][2]int{{0, 6}}}})
	// NFD + StripAccents removes it
	checkCases(t, wl(seq(typ("NFD"), typ("StripAccents")), "Whitespace"), false, []idCase{{"café", []int{2}, [][2]int{{0, 5}}}})
	// Replace with a regex collapses runs of spaces; Strip trims the ends
	repl := map[string]any{"type": "Replace", "pattern": map[string]any{"Regex": " +"}, "content": "_"}
	strip := map[string]any{"type": "Strip", "strip_left": true, "strip_right": true}
	tk := wl(seq(strip, repl), "WhitespaceSplit")
	checkCases(t, tk, false, []idCase{{"  the   cat ", []int{0}, [][2]int{{2, 11}}}})
	tk.model.(*wordLevelModel).vocab["the_cat"] = 7
	checkCases(t, tk, false, []idCase{{"  the   cat ", []int{7}, [][2]int{{2, 11}}}})
}

func TestMetaspaceSchemes(t *testing.T) {
	for _, c := range []struct {
		scheme string
		want   []int
	}{
		{"always", []int{263, 1, 263}},
		{"first", []int{263, 1, 260, 261}}, // no ▁ before the second "hi": it does not start the text
		{"never", []int{260, 261, 1, 260, 261}},
	} {
		tk := editFixture(t, "spm_metaspace.json", func(doc map[string]any) {
			p := doc["pre_tokenizer"].(map[string]any)
			p["prepend_scheme"] = c.scheme
			p["split"] = false
		})
		checkCases(t, tk, false, []idCase{{"hi<s>hi", c.want, nil}})
	}
}

// TestLlama3StyleSequence: Split(Llama 3 regex) + ByteLevel(use_regex=false),
// the layout of Llama 3 and Qwen2 tokenizer.json files.
func TestLlama3StyleSequence(t *testing.T) {
	tk := editFixture(t, "bpe_bytelevel.json", func(doc map[string]any) {
		doc["pre_tokenizer"] = map[string]any{"type": "Sequence", "pretokenizers": []any{
			splitJSON(patLlama3), byteLevelJSON(false)}}
	})
	if tk.fast == nil {
		t.Error("Llama 3 layout did not take the fast split path")
	}
	checkCases(t, tk, false, []idCase{
		{"the thin", []int{'t', 257, 256, 'h', 259}, [][2]int{{0, 1}, {1, 3}, {3, 5}, {5, 6}, {6, 8}}},
		// 4 digits split 3 + 1 by the pattern
		{"1234", []int{'1', '2', '3', '4'}, nil},
	})
	if got := tk.Decode(tk.Encode("héllo 1234\n\n x", false), false); got != "héllo 1234\n\n x" {
		t.Errorf("round trip %q", got)
	}
}
