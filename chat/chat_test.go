package chat

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// render is a test helper: parse src and render it with msgs and opt.
func render(t *testing.T, src string, msgs []Message, opt Options) string {
	t.Helper()
	tm, err := Parse(src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	out, err := tm.RenderText(msgs, opt)
	if err != nil {
		t.Fatalf("render %q: %v", src, err)
	}
	return out
}

// The expected strings below were printed by Python 3's json.dumps (with
// ensure_ascii=False as transformers' tojson uses), str() and
// datetime.strftime.
const jsonValue = `{"b": [1, 2.5, 1e16, 1e-05, 0.0001, true, null, "x"], "a": {"c": "é\"\\\n\t\u0001<>&/\u2028 👋"}, "e": [], "f": {}}`

func TestTojsonMatchesPython(t *testing.T) {
	vars := map[string]any{"v": json.RawMessage(jsonValue)}
	cases := []struct{ src, want string }{
		{"{{ v | tojson }}", "{\"b\": [1, 2.5, 1e+16, 1e-05, 0.0001, true, null, \"x\"], \"a\": {\"c\": \"é\\\"\\\\\\n\\t\\u0001<>&/\u2028 👋\"}, \"e\": [], \"f\": {}}"},
		{"{{ v|tojson(indent=2) }}", "{\n  \"b\": [\n    1,\n    2.5,\n    1e+16,\n    1e-05,\n    0.0001,\n    true,\n    null,\n    \"x\"\n  ],\n  \"a\": {\n    \"c\": \"é\\\"\\\\\\n\\t\\u0001<>&/\u2028 👋\"\n  },\n  \"e\": [],\n  \"f\": {}\n}"},
		{"{{- v | tojson(separators=(',', ':'), sort_keys=true) -}}", "{\"a\":{\"c\":\"é\\\"\\\\\\n\\t\\u0001<>&/\u2028 👋\"},\"b\":[1,2.5,1e+16,1e-05,0.0001,true,null,\"x\"],\"e\":[],\"f\":{}}"},
		{"{{ v | tojson(ensure_ascii=true) }}", "{\"b\": [1, 2.5, 1e+16, 1e-05, 0.0001, true, null, \"x\"], \"a\": {\"c\": \"\\u00e9\\\"\\\\\\n\\t\\u0001<>&/\\u2028 \\ud83d\\udc4b\"}, \"e\": [], \"f\": {}}"},
		{"{% set s = v.b | tojson %}{{ s }}", "[1, 2.5, 1e+16, 1e-05, 0.0001, true, null, \"x\"]"},
	}
	for _, c := range cases {
		if got := render(t, c.src, nil, Options{Vars: vars}); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.src, got, c.want)
		}
	}
}

func TestPrintingMatchesPython(t *testing.T) {
	vars := map[string]any{"l": json.RawMessage(`[null, 1.0, "it's", "a\"b", {"k": true}]`), "n": nil, "f": 1.0}
	cases := []struct{ src, want string }{
		{"{{ l }}", `[None, 1.0, "it's", 'a"b', {'k': True}]`},
		{"{{ n }}|{{ n | trim }}|{{ n | string }}|{{ f }}|{{ undefined_name }}", "None|None|None|1.0|"},
		{"{{ '  x \u3000' | trim }}|{{ 'xxaxx' | trim('x') }}", "x|a"},
		// Literal text that merely looks like a filter stays as it is.
		{"a | tojson {{ '| tojson' }} {# | tojson #}{% raw %}{{ x | tojson }}{% endraw %}", "a | tojson | tojson {{ x | tojson }}"},
	}
	for _, c := range cases {
		if got := render(t, c.src, nil, Options{Vars: vars}); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.src, got, c.want)
		}
	}
}

func TestGenerationTags(t *testing.T) {
	msgs := []Message{{Role: "user", Content: "Q"}, {Role: "assistant", Content: "A"}}
	with := "{% for m in messages %}{% if m.role == 'assistant' %}{%- generation -%}\n  {{ m.content }}  \n{%- endgeneration %}\n{% else %}{{ m.content }}{% endif %}{% endfor %}"
	without := "{% for m in messages %}{% if m.role == 'assistant' %}{%- if true -%}\n  {{ m.content }}  \n{%- endif %}\n{% else %}{{ m.content }}{% endif %}{% endfor %}"
	got, want := render(t, with, msgs, Options{}), render(t, without, msgs, Options{})
	if got != want || got != "QA" { // "QA" is what Python jinja2 (trim_blocks, lstrip_blocks) renders
		t.Errorf("with generation tags %q, without %q, want %q", got, want, "QA")
	}
}

func TestStrftimeMatchesPython(t *testing.T) {
	a := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	b := time.Date(2024, 12, 31, 23, 59, 1, 0, time.UTC)
	cases := []struct {
		t         time.Time
		fmt, want string
	}{
		{a, "%d %b %Y", "04 Mar 2026"},
		{a, "%Y-%m-%d %H:%M:%S", "2026-03-04 05:06:07"},
		{a, "%A %B %-d %I%p %j %y %%", "Wednesday March 4 05AM 063 26 %"},
		{a, "%a %e", "Wed  4"},
		{b, "%d %b %Y", "31 Dec 2024"},
		{b, "%A %B %-d %I%p %j %y", "Tuesday December 31 11PM 366 24"},
	}
	for _, c := range cases {
		got, err := Strftime(c.t, c.fmt)
		if err != nil || got != c.want {
			t.Errorf("Strftime(%v, %q) = %q, %v; want %q", c.t, c.fmt, got, err, c.want)
		}
	}
	if _, err := Strftime(a, "%Q"); err == nil {
		t.Error("Strftime accepted %Q")
	}
	// strftime_now runs on the injected clock.
	got := render(t, `{{ strftime_now("%d %b %Y") }}`, nil, Options{Now: func() time.Time { return b }})
	if got != "31 Dec 2024" {
		t.Errorf("strftime_now = %q", got)
	}
}

func TestRaiseException(t *testing.T) {
	tm, err := Parse(`{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}ok`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tm.Render([]Message{{Role: "system", Content: "x"}}, Options{})
	var re *RaiseError
	if !errors.As(err, &re) || re.Message != "System role not supported" {
		t.Fatalf("got %v, want RaiseError with the template's message", err)
	}
	if !strings.Contains(err.Error(), "System role not supported") {
		t.Errorf("error text %q lacks the message", err)
	}
	if _, err := tm.Render([]Message{{Role: "user", Content: "x"}}, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	for _, src := range []string{"{% if %}", "{{ x ", "{% endif %}"} {
		if _, err := Parse(src); err == nil {
			t.Errorf("Parse(%q) succeeded", src)
		} else if !strings.HasPrefix(err.Error(), "chat: ") {
			t.Errorf("Parse(%q) error %q lacks context", src, err)
		}
	}
	tm, err := Parse("{{ messages[0].content | nosuchfilter }}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Render([]Message{{Role: "user", Content: "x"}}, Options{}); err == nil {
		t.Error("unknown filter rendered without error")
	}
	if _, err := tm.Render(nil, Options{Vars: map[string]any{"messages": nil}}); err == nil {
		t.Error("Vars[messages] accepted")
	}
	if _, err := tm.Render([]Message{{Role: "user", Content: "zqhnsentinel0qz"}}, Options{}); err == nil {
		t.Error("content with the reserved sentinel accepted")
	}
	if _, err := tm.Render(nil, Options{Vars: map[string]any{"x": struct{}{}}}); err == nil {
		t.Error("unsupported Go type accepted")
	}
}

func TestNoneContentAndExtra(t *testing.T) {
	src := `{% for m in messages %}{% if m.content is none %}[calls {{ m.tool_calls[0].function.name }}]{% else %}{{ m.role }}: {{ m.content }};{% endif %}{% endfor %}`
	tm, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{
		{Role: "user", Content: "Weather?"},
		{Role: "assistant", Extra: map[string]any{"content": nil, "tool_calls": json.RawMessage(`[{"function": {"name": "get_weather"}}]`)}},
		{Role: "tool", Content: "21"},
	}
	r, err := tm.Render(msgs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "user: Weather?;[calls get_weather]tool: 21;"; r.Text != want {
		t.Fatalf("got %q, want %q", r.Text, want)
	}
	want := []Span{{0, 6, 14, false}, {2, 40, 42, false}}
	if len(r.Spans) != 2 || r.Spans[0] != want[0] || r.Spans[1] != want[1] {
		t.Errorf("spans %v, want %v", r.Spans, want)
	}
	if _, err := tm.Render([]Message{{Role: "user", Content: "x", Extra: map[string]any{"content": nil}}}, Options{}); err == nil {
		t.Error("Extra content beside a string Content accepted")
	}
}

func TestTemplateFromConfig(t *testing.T) {
	cfg := `{"chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}], "x": {"chat_template": "S"}}`
	var doc struct {
		ChatTemplate json.RawMessage `json:"chat_template"`
		X            struct {
			ChatTemplate json.RawMessage `json:"chat_template"`
		} `json:"x"`
	}
	if err := json.Unmarshal([]byte(cfg), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		raw        json.RawMessage
		name, want string
	}{
		{doc.ChatTemplate, "", "D"},
		{doc.ChatTemplate, "default", "D"},
		{doc.ChatTemplate, "tool_use", "T"},
		{doc.X.ChatTemplate, "", "S"},
	} {
		got, err := TemplateFromConfig(c.raw, c.name)
		if err != nil || got != c.want {
			t.Errorf("TemplateFromConfig(%s, %q) = %q, %v; want %q", c.raw, c.name, got, err, c.want)
		}
	}
	for _, bad := range []struct {
		raw  string
		name string
	}{{`null`, ""}, {``, ""}, {`42`, ""}, {`[{"name": "x", "template": "X"}]`, ""}, {`[{"name": "default"}]`, ""}, {`"S"`, "tool_use"}} {
		if _, err := TemplateFromConfig(json.RawMessage(bad.raw), bad.name); err == nil {
			t.Errorf("TemplateFromConfig(%s, %q) succeeded", bad.raw, bad.name)
		}
	}
	names, err := TemplateNames(doc.ChatTemplate)
	if err != nil || strings.Join(names, ",") != "default,tool_use" {
		t.Errorf("TemplateNames = %v, %v", names, err)
	}
}

// TestRenderTurns checks the prompt/response split on the shared templates:
// the response span holds the response, the prompt is a prefix of the full
// text where the template renders a finished turn like a generation prompt,
// and not for DeepSeek-R1, whose generation prompt opens a <think> block.
func TestRenderTurns(t *testing.T) {
	dir := filepath.Dir(loadExpectedPath(t))
	wantPrefix := map[string]bool{
		"Qwen-Qwen2.5-7B-Instruct.jinja":                 true,
		"meta-llama-Llama-3.1-8B-Instruct.jinja":         true,
		"google-gemma-2-2b-it.jinja":                     true,
		"microsoft-Phi-3.5-mini-instruct.jinja":          true,
		"mistralai-Mistral-Nemo-Instruct-2407.jinja":     true,
		"deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja": false,
	}
	prompt := []Message{{Role: "user", Content: "Who wrote Hamlet?"}}
	response := " William Shakespeare\n"
	for name, want := range wantPrefix {
		tm := loadTemplate(t, dir, name)
		tr, err := tm.RenderTurns(prompt, response, Options{BOS: "<s>", EOS: "</s>", DateString: "26 Jul 2024"})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if tr.PromptIsPrefix != want {
			t.Errorf("%s: PromptIsPrefix = %v, want %v\nprompt %q\nfull   %q", name, tr.PromptIsPrefix, want, tr.Prompt, tr.Full)
		}
		if !tr.ResponseFound {
			t.Errorf("%s: response not found", name)
			continue
		}
		got := tr.Full[tr.Response.Start:tr.Response.End]
		if got != response && got != strings.TrimSpace(response) {
			t.Errorf("%s: response span holds %q", name, got)
		}
		if tr.PromptIsPrefix && tr.Response.Start < len(tr.Prompt) {
			t.Errorf("%s: response starts inside the prompt", name)
		}
		t.Logf("%-48s prompt is prefix: %v; response %q", name, tr.PromptIsPrefix, got)
	}
}

// loadExpectedPath returns the path of expected_renderings.jsonl or skips.
func loadExpectedPath(t *testing.T) string {
	t.Helper()
	dir, _ := loadExpected(t)
	return filepath.Join(dir, "expected_renderings.jsonl")
}

func TestRenderTurnsEmptyResponse(t *testing.T) {
	tm, err := Parse("{% for m in messages %}<{{ m.role }}>{{ m.content }}</>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := tm.RenderTurns([]Message{{Role: "user", Content: "Q"}}, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Prompt != "<user>Q</><assistant>" || tr.Full != "<user>Q</><assistant></>" || !tr.PromptIsPrefix {
		t.Fatalf("prompt %q full %q prefix %v", tr.Prompt, tr.Full, tr.PromptIsPrefix)
	}
	if tr.ResponseFound || tr.Response.Start != len(tr.Prompt) || tr.Response.End != len(tr.Prompt) {
		t.Errorf("empty response: %+v found %v", tr.Response, tr.ResponseFound)
	}
}

// TestConcurrentRender renders one Template from several goroutines (run
// with -race to check that rendering shares no mutable state).
func TestConcurrentRender(t *testing.T) {
	tm, err := Parse(fuzzVerbatim)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			var err error
			for i := range 50 {
				c := strings.Repeat("x", g+i)
				var r *Rendered
				r, err = tm.Render([]Message{{Role: "user", Content: c}}, Options{BOS: "<s>"})
				if err == nil && (len(r.Spans) != 1 && c != "" || len(r.Spans) == 1 && r.Text[r.Spans[0].Start:r.Spans[0].End] != c) {
					err = errors.New("wrong span under concurrency")
				}
				if err != nil {
					break
				}
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
