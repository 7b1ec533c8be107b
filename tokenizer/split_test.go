package tokenizer

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

// splitPieces returns the pieces of s under Isolated splitting with m.
func splitPieces(m matcher, s string) []string {
	g := seg{s: s}
	var out []string
	for _, p := range splitBy(g, m.matches(s, nil), behIsolated, false, nil) {
		out = append(out, p.s)
	}
	return out
}

// randomText draws strings from an alphabet rich in the characters the
// patterns treat specially.
func randomText(r *rand.Rand, n int) string {
	alphabet := []string{
		"a", "b", "Z", "é", "ß", "ж", "中", "文", "ő", "ǅ", "1", "2", "9", "٣", "½", "Ⅷ",
		" ", " ", " ", "\t", "\n", "\r", "\u00a0", "\u3000", "\u2028", "\v", "\f",
		"'", "'s", "'S", "'ll", "'Ll", "'ve", "'re", "'d", "'m", "'t",
		".", ",", "!", "?", "-", "$", "+", "<", "=", ">", "^", "~", "|", "`", "(", ")", "…", "。",
		"🦙", "😀", "\u0301", "\u200d", "\x80", "\xff", "_",
		// in and around the DeepSeek classes
		"µ", "À", "×", "Ω", "ℂ", "℃", "！", "ａ", "Ａ", "～", "‘", "“", "‟", "、", "가", "一", "龥", "ࠀ", "\u1fbe", "𐐀", "𞤀", "@", "[", "]", "{",
	}
	var sb strings.Builder
	for range n {
		sb.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return sb.String()
}

// TestHandSplittersMatchRegexp2 checks each hand-written splitter against
// regexp2 running the pattern itself, on random and real text.
func TestHandSplittersMatchRegexp2(t *testing.T) {
	texts := []string{"", " ", "Hello world", "  Hello\n\n  world  ", "I'll've 'S 'LL '123 12345 a1b2"}
	if p := sharedtest.Path(t, "vocab", "ggml-vocab-gpt-2.gguf.inp"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, strings.Split(string(b), "\n__ggml_vocab_test__\n")...)
		texts = append(texts, string(b))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		texts = append(texts, randomText(r, 1+r.IntN(30)))
	}
	pats := []string{patGPT2, patGPT2NoTail, patLlama3, patLlama3CPP, patQwen2, patQwen2CPP, patDigit}
	for _, pre := range []string{"deepseek-llm", "deepseek-coder"} {
		ps, ok := ggufPre(pre)
		if !ok {
			t.Fatalf("no patterns for %s", pre)
		}
		pats = append(pats, ps...)
	}
	for _, pat := range pats {
		hand, err := newMatcher(pat, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := hand.(handMatcher); !ok {
			t.Fatalf("pattern %q has no hand-written splitter", pat)
		}
		ref, err := newRegexMatcher(pat)
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		for _, s := range texts {
			got, want := splitPieces(hand, s), splitPieces(ref, s)
			if strings.Join(got, "\x00|") != strings.Join(want, "\x00|") {
				bad++
				if bad <= 5 {
					t.Errorf("pattern %q on %q:\n got %q\nwant %q", pat, s, got, want)
				}
			}
		}
		if bad > 0 {
			t.Errorf("pattern %q: %d of %d texts differ", pat, bad, len(texts))
		}
	}
}
