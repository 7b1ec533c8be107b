package tokenizer

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

// vocabCase is one test string of a shared/vocab .inp file and the ids the
// model's Hugging Face tokenizer gave it (.out, without BOS).
type vocabCase struct {
	text string
	want []int
}

// readVocabCases parses NAME.gguf.inp / .out: strings separated by the line
// "__ggml_vocab_test__", one line of ids per string.
func readVocabCases(t *testing.T, ggufPath string) []vocabCase {
	t.Helper()
	inp, err := os.ReadFile(ggufPath + ".inp")
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(ggufPath + ".out")
	if err != nil {
		t.Fatal(err)
	}
	texts := strings.Split(string(inp), "\n__ggml_vocab_test__\n")
	if texts[len(texts)-1] == "" {
		texts = texts[:len(texts)-1]
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(texts) {
		t.Fatalf("%s: %d strings but %d id lines", ggufPath, len(texts), len(lines))
	}
	cases := make([]vocabCase, len(texts))
	for i, txt := range texts {
		var ids []int
		for _, f := range strings.Fields(lines[i]) {
			v, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("%s.out line %d: %v", ggufPath, i+1, err)
			}
			ids = append(ids, v)
		}
		cases[i] = vocabCase{txt, ids}
	}
	return cases
}

func vocabFiles(t *testing.T) []string {
	files := sharedtest.Glob(t, filepath.Join("vocab", "*.gguf.inp"))
	for i := range files {
		files[i] = strings.TrimSuffix(files[i], ".inp")
	}
	return files
}

func eqInts(a, b []int) bool {
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

// TestVocabGGUF checks every test string of every shared vocabulary against
// the reference tokenizer's ids.
func TestVocabGGUF(t *testing.T) {
	for _, path := range vocabFiles(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".gguf")
		t.Run(name, func(t *testing.T) {
			tk, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			cases := readVocabCases(t, path)
			exact := 0
			for i, c := range cases {
				got := tk.Encode(c.text, false)
				if eqInts(got, c.want) {
					exact++
					continue
				}
				t.Errorf("case %d %q:\n got %v\nwant %v", i, c.text, got, c.want)
			}
			t.Logf("%s: %d/%d strings exact", name, exact, len(cases))
		})
	}
}
