package chat

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/ardanlabs/jinja"
)

// Limits on what a chat template may ask of the renderer. A template comes
// from a model's files, which a user may have downloaded from anyone; the
// Jinja engine has no limits of its own, and a macro that calls itself
// overflows the goroutine stack, which kills the process outright. Real chat
// templates (tens of kilobytes, no recursion, loops over the messages) are
// far inside these bounds. Not bounded: memory that a template builds from
// few operations (a string repeated a billion times, or doubled in a loop);
// the engine evaluates those without a hook where a limit could sit. Nor
// the engine's own comparisons (==, in, sort, unique) of a list or dict
// that contains itself or is nested hundreds of thousands deep: its Equals
// recurses without a bound and such a template still overflows the stack.
// Printing and tojson, which are ours, handle cycles as Python does and
// refuse values nested deeper than MaxValueDepth.
const (
	// MaxTemplateBytes is the largest template source Parse accepts.
	MaxTemplateBytes = 1 << 20
	// MaxNesting is the deepest nesting of brackets Parse accepts (the
	// engine's parser recurses once per level).
	MaxNesting = 256
	// MaxMacroDepth is the deepest nesting of macro calls a rendering may
	// reach.
	MaxMacroDepth = 64
	// MaxRangeItems is the most items all the range() calls of one
	// rendering may produce together.
	MaxRangeItems = 1_000_000
	// MaxValueDepth is the deepest nesting of lists and dicts that printing
	// and tojson write.
	MaxValueDepth = 512
	// RenderTimeout bounds one rendering; past it Render returns an error
	// (the engine cannot be interrupted, so its goroutine finishes alone).
	RenderTimeout = 10 * time.Second
)

// ErrTemplateLimit is wrapped by the errors of templates refused or
// stopped by the limits above.
var ErrTemplateLimit = errors.New("chat template exceeds the renderer's limits")

// checkSource refuses template sources beyond the limits: too large, too
// deeply nested.
func checkSource(src string) error {
	if len(src) > MaxTemplateBytes {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTemplateLimit, len(src), MaxTemplateBytes)
	}
	depth, line := 0, 1
	for _, c := range []byte(src) {
		switch c {
		case '\n':
			line++
		case '(', '[', '{':
			if depth++; depth > MaxNesting {
				return fmt.Errorf("%w: brackets nested deeper than %d at line %d", ErrTemplateLimit, MaxNesting, line)
			}
		case ')', ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return nil
}

// depthGuard is the variable that holds the callable counting macro depth.
const depthGuard = "__hneurons_macro_depth"

// guardMacros rewrites src so that every macro body starts by calling the
// depth guard's enter and ends by calling its leave, as {% set %} tags that
// print nothing. Each inserted tag copies the whitespace control of the tag
// it sits against, so the rendering is unchanged. A macro that calls itself
// (real templates do, to render nested JSON schemas) then fails with an
// error at MaxMacroDepth instead of overflowing the stack.
//
// The tags are found the way the engine's scanner finds them (closers inside
// quoted strings ignored, comments skipped, the keyword read as the engine
// reads it), so no spelling of a macro tag that the engine accepts escapes
// the guard; a regular expression did (fuzzing found `{%macro f(0%%}`).
// Tags inside {% raw %} blocks are text and are left alone.
func guardMacros(src string) string {
	var b strings.Builder
	done, inRaw := 0, false
	for _, t := range scanTags(src) {
		if t.kind != '%' {
			continue
		}
		switch keyword := stmtKeyword(src[t.contentStart:t.contentEnd]); {
		case keyword == "endraw":
			inRaw = false
		case inRaw:
		case keyword == "raw":
			inRaw = true
		case keyword == "macro":
			b.WriteString(src[done:t.end])
			closer := "%}"
			if t.trimRight {
				closer = "-%}"
			}
			b.WriteString("{% set " + depthGuard + "_ = " + depthGuard + ".enter() " + closer)
			done = t.end
		case keyword == "endmacro":
			b.WriteString(src[done:t.start])
			opener := "{%"
			if t.trimLeft {
				opener = "{%-"
			}
			b.WriteString(opener + " set " + depthGuard + "_ = " + depthGuard + ".leave() %}")
			done = t.start
		}
	}
	b.WriteString(src[done:])
	return b.String()
}

// tag is one {{ }}, {% %} or {# #} tag of a template source.
type tag struct {
	kind                     byte // '{', '%' or '#'
	start, end               int  // the whole tag, src[start:end]
	contentStart, contentEnd int  // between the delimiters and trim flags
	trimLeft, trimRight      bool
}

// scanTags finds the tags of src as the Jinja engine's scanner does: a tag
// opens at "{{", "{%" or "{#", an optional "-" after the opener trims, and
// it closes at the first closer outside a quoted string (comments have no
// strings), "-" before the closer trimming. An unclosed tag ends the scan
// (the engine refuses the template).
func scanTags(src string) []tag {
	var tags []tag
	for i := 0; i+1 < len(src); {
		if src[i] != '{' || (src[i+1] != '{' && src[i+1] != '%' && src[i+1] != '#') {
			i++
			continue
		}
		t := tag{kind: src[i+1], start: i}
		closer := [2]byte{'}', '}'}
		if t.kind != '{' {
			closer[0] = t.kind
		}
		i += 2
		if i < len(src) && src[i] == '-' {
			t.trimLeft = true
			i++
		}
		t.contentStart = i
		for i < len(src) && t.end == 0 {
			c := src[i]
			switch {
			case t.kind != '#' && (c == '\'' || c == '"'):
				for i++; i < len(src) && src[i] != c; i++ {
					if src[i] == '\\' && i+1 < len(src) {
						i++
					}
				}
				i++
			case c == '-' && i+2 < len(src) && src[i+1] == closer[0] && src[i+2] == closer[1]:
				t.contentEnd, t.trimRight, t.end = i, true, i+3
			case c == closer[0] && i+1 < len(src) && src[i+1] == closer[1]:
				t.contentEnd, t.end = i, i+2
			default:
				i++
			}
		}
		if t.end == 0 {
			break
		}
		tags = append(tags, t)
		i = t.end
	}
	return tags
}

// stmtKeyword is a statement's keyword as the engine reads it: the leading
// letters and underscores of its trimmed content.
func stmtKeyword(content string) string {
	content = strings.TrimSpace(content)
	for i, r := range content {
		if !unicode.IsLetter(r) && r != '_' {
			return content[:i]
		}
	}
	return content
}

// newDepthGuard returns the value guardMacros' tags call: a dict with enter
// and leave, sharing one counter.
func newDepthGuard() jinja.Value {
	depth := 0
	g := jinja.NewDict()
	g.AsDict().Set("enter", jinja.NewCallable("enter", func([]jinja.Value, map[string]jinja.Value) (jinja.Value, error) {
		if depth++; depth > MaxMacroDepth {
			return jinja.Undefined(), fmt.Errorf("%w: macros nested deeper than %d", ErrTemplateLimit, MaxMacroDepth)
		}
		return jinja.NewString(""), nil
	}))
	g.AsDict().Set("leave", jinja.NewCallable("leave", func([]jinja.Value, map[string]jinja.Value) (jinja.Value, error) {
		depth--
		return jinja.NewString(""), nil
	}))
	return g
}

// boundedRange is Python's range with a budget of items shared by every
// call of one rendering.
func boundedRange(budget *int) jinja.Value {
	return jinja.NewCallable("range", func(args []jinja.Value, _ map[string]jinja.Value) (jinja.Value, error) {
		var bounds [3]int64
		bounds[2] = 1
		for i, a := range args {
			if !a.IsInt() {
				return jinja.Undefined(), fmt.Errorf("range: argument %d is not an integer", i+1)
			}
			bounds[i] = a.AsInt()
		}
		start, stop, step := bounds[0], bounds[1], bounds[2]
		switch len(args) {
		case 1:
			start, stop = 0, bounds[0]
		case 2, 3:
		default:
			return jinja.Undefined(), fmt.Errorf("range: expected 1-3 arguments, got %d", len(args))
		}
		if step == 0 {
			return jinja.Undefined(), errors.New("range: step must not be zero")
		}
		var n int64
		if step > 0 && stop > start {
			n = (stop - start + step - 1) / step
		} else if step < 0 && stop < start {
			n = (start - stop - step - 1) / -step
		}
		if n < 0 || n > int64(*budget) {
			return jinja.Undefined(), fmt.Errorf("%w: range() of more than %d items in one rendering", ErrTemplateLimit, MaxRangeItems)
		}
		*budget -= int(n)
		items := make([]jinja.Value, n)
		for i := range items {
			items[i] = jinja.NewInt(start + int64(i)*step)
		}
		return jinja.NewList(items), nil
	})
}

// renderBounded runs the template with data within RenderTimeout.
func renderBounded(tm *jinja.Template, data map[string]jinja.Value) (string, error) {
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("jinja engine panicked: %v", r)}
			}
		}()
		out, err := tm.RenderValues(data)
		done <- result{out, err}
	}()
	timer := time.NewTimer(RenderTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.out, r.err
	case <-timer.C:
		return "", fmt.Errorf("%w: rendering took longer than %v", ErrTemplateLimit, RenderTimeout)
	}
}
