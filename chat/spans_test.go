package chat

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// Two small templates whose output this test computes on its own, so the
// spans Render reports can be checked against independent offsets: one
// prints contents verbatim, one trims them (as Llama and Gemma do).
const (
	fuzzVerbatim = "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}<|end|>\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
	fuzzTrim     = "{% for m in messages %}{{ '[' + m.role + ']' + m.content | trim + '[/]' }}{% endfor %}"
)

// expectFuzz renders msgs by hand the way fuzzVerbatim or fuzzTrim does and
// returns the text with the span of every non-empty printed content.
func expectFuzz(trim bool, msgs []Message) (string, []Span) {
	var b strings.Builder
	var spans []Span
	if !trim {
		b.WriteString("<s>")
	}
	for i, m := range msgs {
		c := m.Content
		if trim {
			c = strings.TrimFunc(c, isPythonSpace)
			b.WriteString("[" + m.Role + "]")
		} else {
			b.WriteString("<|" + m.Role + "|>\n")
		}
		if m.Content != "" {
			spans = append(spans, Span{Message: i, Start: b.Len(), End: b.Len() + len(c), Transformed: c != m.Content})
		}
		b.WriteString(c)
		if trim {
			b.WriteString("[/]")
		} else {
			b.WriteString("<|end|>\n")
		}
	}
	return b.String(), spans
}

// isPythonSpace lists the characters of Python's str.isspace (the test's own
// copy, independent of the package's).
func isPythonSpace(r rune) bool {
	return strings.ContainsRune("\t\n\v\f\r\x1c\x1d\x1e\x1f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000", r)
}

// checkFuzz renders contents (alternating user/assistant turns) with both
// templates and compares text and spans with expectFuzz. Render may refuse
// with an error when a content makes its own end ambiguous, but only when
// the content holds characters of the templates' markup.
func checkFuzz(t *testing.T, contents []string) (refused int) {
	t.Helper()
	msgs := make([]Message, len(contents))
	for i, c := range contents {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		msgs[i] = Message{Role: role, Content: c}
		if sentinelRE.MatchString(c) {
			return 0
		}
	}
	for _, trim := range []bool{false, true} {
		src := fuzzVerbatim
		if trim {
			src = fuzzTrim
		}
		tm, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		want, wantSpans := expectFuzz(trim, msgs)
		r, err := tm.Render(msgs, Options{BOS: "<s>"})
		if err != nil {
			markup := false
			for _, c := range contents {
				if strings.ContainsAny(c, "<|>[]/\n") {
					markup = true
				}
			}
			if !markup {
				t.Errorf("trim=%v contents %q: %v", trim, contents, err)
			}
			refused++
			continue
		}
		if r.Text != want {
			t.Fatalf("trim=%v contents %q: text\n got %q\nwant %q", trim, contents, r.Text, want)
		}
		if len(r.Spans) != len(wantSpans) {
			t.Fatalf("trim=%v contents %q: spans %v, want %v", trim, contents, r.Spans, wantSpans)
		}
		for i := range wantSpans {
			if r.Spans[i] != wantSpans[i] {
				t.Fatalf("trim=%v contents %q: spans %v, want %v (method %s)", trim, contents, r.Spans, wantSpans, r.Method)
			}
		}
	}
	return refused
}

// fuzzSeeds are contents chosen to stress the span finder: white space that
// trim removes, markup of the templates themselves, Unicode, characters
// escapers touch, and empty contents.
var fuzzSeeds = [][]string{
	{"Hello", "World"},
	{"  padded  ", "\n\tTabs and newlines\n"},
	{"", "x"},
	{"a<|end|>\nb", "<|user|>\n"},
	{"ends with newline\n", "\n"},
	{"Ça va? 東京 👋\u00a0", "\u2028line\u2029sep\u3000"},
	{"quotes \" ' & < > {{ x }} {% if %}", "\\n \\u0041"},
	{"[/]", "[user]x[/]"},
	{"same", "same", "same"},
	{"<|end|>", "<|end|>\n<|assistant|>\n"},
	{"\x00\x01\x7f", "\xff\xfe invalid utf8"},
}

// FuzzSpans checks Render's spans against hand-computed offsets. Its seed
// corpus runs in every go test; go test -fuzz=FuzzSpans explores further.
func FuzzSpans(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(strings.Join(s, "\x1e"))
	}
	f.Fuzz(func(t *testing.T, joined string) {
		parts := strings.Split(joined, "\x1e")
		if len(parts) > 8 {
			parts = parts[:8]
		}
		checkFuzz(t, parts)
	})
}

// TestSpansRandom runs checkFuzz on random conversations drawn from a fixed
// seed: pieces of markup, white space and Unicode glued together.
func TestSpansRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	atoms := []string{"a", "Paris", " ", "\n", "\t", "<|", "|>", "<|end|>", "[/]", "[", "]", "é", "東", "👋", "\u00a0", "\"", "'", "\\", "{{", "}}", "</think>", "user", "assistant"}
	refused := 0
	const cases = 2000
	for range cases {
		n := 1 + rng.IntN(4)
		contents := make([]string, n)
		for i := range contents {
			var b strings.Builder
			for range rng.IntN(6) {
				b.WriteString(atoms[rng.IntN(len(atoms))])
			}
			contents[i] = b.String()
		}
		refused += checkFuzz(t, contents)
	}
	t.Logf("%d conversations x 2 templates: %d renderings refused as ambiguous, the rest matched exactly", cases, refused)
	if refused > cases/4 {
		t.Errorf("too many refusals (%d): the span finder gives up too easily", refused)
	}
}

// TestVerbatimFallback uses a template that branches on the content itself,
// so the sentinel rendering takes another branch and the spans must come
// from the verbatim search.
func TestVerbatimFallback(t *testing.T) {
	tm, err := Parse("{% for m in messages %}{% if m.content.startswith('Q') %}[question]{% endif %}<{{ m.content }}>{% endfor %}")
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{{Role: "user", Content: "Q: capital?"}, {Role: "assistant", Content: "Paris"}}
	r, err := tm.Render(msgs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "[question]<Q: capital?><Paris>"; r.Text != want {
		t.Fatalf("text %q, want %q", r.Text, want)
	}
	want := []Span{{0, 11, 22, false}, {1, 24, 29, false}}
	if r.Method != MethodVerbatim || len(r.Spans) != 2 || r.Spans[0] != want[0] || r.Spans[1] != want[1] {
		t.Errorf("spans %v by %s, want %v by verbatim", r.Spans, r.Method, want)
	}
	// A content that occurs twice after the previous one cannot be placed.
	msgs = []Message{{Role: "user", Content: "Q"}, {Role: "assistant", Content: "Q"}}
	if r, err := tm.Render(msgs, Options{}); err == nil {
		t.Errorf("ambiguous verbatim search accepted: %+v", r)
	}
}

// FuzzTemplate feeds arbitrary template sources through Parse and Render:
// they may fail, but must return errors rather than panic.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		fuzzVerbatim, fuzzTrim,
		"{{ messages | tojson(indent=2) }}",
		"{% for m in messages %}{{ m.content[::-1] }}{% endfor %}",
		"{% set ns = namespace(a=1) %}{% set ns.a = ns.a + 1 %}{{ ns.a }}",
		"{{ raise_exception('no') }}",
		"{% macro f(x) %}{{ x }}{% endmacro %}{{ f(1) }}",
		"{{ 1 / 0 }}{{ [][1] }}{{ none.x.y }}",
		"{% generation %}{{ x | trim | string }}{% endgeneration %}",
		"{% macro f(x) %}{{ f(x) }}{% endmacro %}{{ f(1) }}",
		"{% for i in range(3000) %}{% for j in range(3000) %}{% endfor %}{% endfor %}",
	} {
		f.Add(s)
	}
	msgs := []Message{{Role: "user", Content: "hi"}, {Role: "assistant", Content: " ok "}}
	f.Fuzz(func(t *testing.T, src string) {
		tm, err := Parse(src)
		if err != nil {
			return
		}
		_, _ = tm.Render(msgs, Options{})
	})
}
