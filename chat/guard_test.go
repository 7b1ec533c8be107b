package chat

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// Hostile templates end in an error that wraps ErrTemplateLimit. Before the
// guard, the recursive macro killed the test binary with a fatal stack
// overflow and range(10**8) built a 100-million-item list.
func TestHostileTemplatesAreBounded(t *testing.T) {
	msgs := []Message{{Role: "user", Content: "hi"}}
	for _, src := range []string{
		"{% macro f(x) %}{{ f(x) }}{% endmacro %}{{ f(1) }}",
		// The engine reads this header (a stray "%" before the closer) as a
		// macro; a regular expression guard missed it (found by FuzzTemplate).
		"{%macro f(0\xdc%%}{{f(x)}}{%endmacro%}{{f()}}",
		"{% macro f(x='%}') %}{{ f(x) }}{% endmacro %}{{ f() }}",
		"{# {% macro g() %} #}{%- macro f() -%}{{ f() }}{%- endmacro -%}{{ f() }}",
		"{% macro a(x) -%}{{ b(x) }}{%- endmacro %}{% macro b(x) %}{{ a(x) }}{% endmacro %}{{ a(1) }}",
		"{% for i in range(100000000) %}x{% endfor %}",
		"{% for i in range(2000) %}{% for j in range(2000) %}{% endfor %}{% endfor %}",
		strings.Repeat("(", MaxNesting+1) + "1" + strings.Repeat(")", MaxNesting+1),
		"{{ 1 }}" + strings.Repeat(" ", MaxTemplateBytes),
	} {
		tm, err := Parse(src)
		if err == nil {
			_, err = tm.RenderText(msgs, Options{})
		}
		if !errors.Is(err, ErrTemplateLimit) {
			t.Errorf("%.60q: error %v, want ErrTemplateLimit", src, err)
		}
	}
}

// Recursion that stops, as in real tool-use templates rendering nested JSON
// schemas, renders exactly as without the guard, whitespace control
// included.
func TestGuardedMacrosRenderUnchanged(t *testing.T) {
	src := "{% macro count(n) -%}\n  {{ n }}{% if n > 0 %},{{ count(n - 1) }}{% endif %}\n  {%- endmacro %}" +
		"[{{ count(3) }}] {% macro plain(x) %} <{{ x }}> {% endmacro %}{{ plain('a') }}"
	tm, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tm.RenderText(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// jinja2 renders this source as the string below (checked with
	// python3 -c 'import jinja2; print(repr(jinja2.Template(SRC).render()))')
	const want = "[3,2,1,0]  <a> "
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if n := strings.Count(guardMacros(src), depthGuard); n != 2*2*2 {
		t.Errorf("guard inserted %d references, want 8", n)
	}
}

// Tags inside a raw block are text: the guard leaves them alone, so the
// block renders literally, as jinja2 renders it
// (python3 -c 'import jinja2; print(repr(jinja2.Template(SRC).render()))').
func TestGuardLeavesRawBlocks(t *testing.T) {
	src := "{% raw %}{% macro m() %}x{% endmacro %}{% endraw %}|{% macro m() %}y{% endmacro %}{{ m() }}"
	tm, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tm.RenderText(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "{% macro m() %}x{% endmacro %}|y"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A list or dict that contains itself prints as Python prints it, and
// tojson refuses it as json.dumps does (python3: l = [1]; l.append(l);
// str(l) is "[1, [...]]"; json.dumps(l) raises "Circular reference
// detected"). Both used to recurse until the stack overflowed, killing the
// process (found by FuzzTemplate). Values nested deeper than MaxValueDepth
// are refused.
func TestSelfContainingValues(t *testing.T) {
	deep := "{% set ns = namespace(v=1) %}{% for i in range(" + strconv.Itoa(MaxValueDepth+1) + ") %}{% set ns.v = [ns.v] %}{% endfor %}"
	for _, tc := range []struct{ src, want, err string }{
		{src: "{% set l = [1] %}{% set x = l.append(l) %}{{ l }}", want: "[1, [...]]"},
		{src: "{% set ns = namespace() %}{% set ns.a = ns %}{{ ns }}", want: "{'a': {...}}"},
		{src: "{% set l = [1] %}{% set x = l.append(l) %}{{ l | tojson }}", err: "circular reference detected"},
		{src: "{% set l = [[1]] %}{{ [l, l] | tojson }}", want: "[[[1]], [[1]]]"}, // shared, not circular
		{src: deep + "{{ ns.v }}", err: "nested deeper than"},
		{src: deep + "{{ ns.v | tojson }}", err: "nested deeper than"},
	} {
		tm, err := Parse(tc.src)
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		r, err := tm.Render(nil, Options{})
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.src, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.src, err)
		case r.Text != tc.want:
			t.Errorf("%q: got %q, want %q", tc.src, r.Text, tc.want)
		}
	}
}
