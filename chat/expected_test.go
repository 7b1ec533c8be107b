package chat

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hneurons/hneurons/internal/sharedtest"
)

// expectedCase is one line of shared/templates/expected_renderings.jsonl,
// rendered by @huggingface/jinja (an independent implementation).
type expectedCase struct {
	Template            string `json:"template"`
	Conversation        string `json:"conversation"`
	AddGenerationPrompt bool   `json:"add_generation_prompt"`
	BOS                 string `json:"bos_token"`
	EOS                 string `json:"eos_token"`
	DateString          string `json:"date_string"`
	Messages            []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Expected string `json:"expected"`
}

func loadExpected(t *testing.T) (dir string, cases []expectedCase) {
	t.Helper()
	p := sharedtest.Path(t, "templates", "expected_renderings.jsonl")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c expectedCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s: no cases", p)
	}
	return filepath.Dir(p), cases
}

func loadTemplate(t *testing.T, dir, name string) *Template {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	tm, err := Parse(string(src))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tm
}

func (c expectedCase) messages() []Message {
	msgs := make([]Message, len(c.Messages))
	for i, m := range c.Messages {
		msgs[i] = Message{Role: m.Role, Content: m.Content}
	}
	return msgs
}

func (c expectedCase) options() Options {
	return Options{AddGenerationPrompt: c.AddGenerationPrompt, BOS: c.BOS, EOS: c.EOS, DateString: c.DateString}
}

// TestExpectedRenderings renders every reference case byte for byte and
// checks that each content span holds the content or its trimmed form.
func TestExpectedRenderings(t *testing.T) {
	dir, cases := loadExpected(t)
	exact := map[string]int{}
	total := map[string]int{}
	tmpls := map[string]*Template{}
	for _, c := range cases {
		total[c.Template]++
		tm, ok := tmpls[c.Template]
		if !ok {
			tm = loadTemplate(t, dir, c.Template)
			tmpls[c.Template] = tm
		}
		r, err := tm.Render(c.messages(), c.options())
		if err != nil {
			t.Errorf("%s/%s: %v", c.Template, c.Conversation, err)
			continue
		}
		if r.Text != c.Expected {
			t.Errorf("%s/%s: rendering differs\n got: %q\nwant: %q", c.Template, c.Conversation, r.Text, c.Expected)
			continue
		}
		exact[c.Template]++
		checkSpans(t, c.Template+"/"+c.Conversation, r, c.messages())
	}
	names := make([]string, 0, len(total))
	for n := range total {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("%-45s exact %d/%d", n, exact[n], total[n])
	}
}

// checkSpans verifies that spans are in order, inside the text and not
// overlapping; that each holds its message's content in one of the forms the
// templates under test print it (verbatim, trimmed, JSON-escaped as by
// tojson, with leading newlines cut as Qwen 3 does, or DeepSeek-R1's part
// after the last </think>); and that every
// non-empty content that appears in the text has a span.
func checkSpans(t *testing.T, name string, r *Rendered, msgs []Message) {
	t.Helper()
	seen := make([]bool, len(msgs))
	prev := 0
	for _, s := range r.Spans {
		if s.Start < prev || s.End < s.Start || s.End > len(r.Text) || s.Message < 0 || s.Message >= len(msgs) {
			t.Errorf("%s: bad span %+v (previous end %d, text %d bytes)", name, s, prev, len(r.Text))
			return
		}
		prev = s.End
		got, c := r.Text[s.Start:s.End], msgs[s.Message].Content
		if s.Transformed != (got != c) {
			t.Errorf("%s: span of message %d holds %q, Transformed = %v", name, s.Message, got, s.Transformed)
		}
		if !slices.Contains(printedForms(c), got) {
			t.Errorf("%s: span of message %d holds %q, want %q or a printed form of it", name, s.Message, got, c)
		}
		seen[s.Message] = true
	}
	for i, m := range msgs {
		if m.Content != "" && !seen[i] && strings.Contains(r.Text, strings.TrimSpace(m.Content)) {
			t.Errorf("%s: message %d is printed but has no span", name, i)
		}
	}
}

// printedForms lists the forms in which the templates under test print a
// content c.
func printedForms(c string) []string {
	forms := []string{c, strings.TrimSpace(c)}
	var j bytes.Buffer
	enc := json.NewEncoder(&j)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err == nil {
		q := strings.TrimSuffix(j.String(), "\n")
		forms = append(forms, q[1:len(q)-1])
	}
	forms = append(forms, strings.TrimLeft(c, "\n")) // Qwen 3: content.split('</think>')[-1].lstrip('\n')
	if k := strings.LastIndex(c, "</think>"); k >= 0 {
		forms = append(forms, c[k+len("</think>"):], strings.TrimLeft(c[k+len("</think>"):], "\n"))
	}
	return forms
}
