package chat

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ardanlabs/jinja"
)

// Limits on what a chat template may ask of the renderer. A template comes
// from a model's files, which a user may have downloaded from anyone; the
// Jinja engine has no limits of its own, and a macro that calls itself
// overflows the goroutine stack, which kills the process outright. Real chat
// templates (tens of kilobytes, no recursion, loops over the messages) are
// far inside these bounds. Not bounded: memory that a template builds from
// few operations (a string repeated a billion times, or doubled in a loop);
// the engine evaluates those without a hook where a limit could sit.
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
	// RenderTimeout bounds one rendering; past it Render returns an error
	// (the engine cannot be interrupted, so its goroutine finishes alone).
	RenderTimeout = 10 * time.Second
)

// ErrTemplateLimit is wrapped by the errors of templates refused or
// stopped by the limits above.
var ErrTemplateLimit = errors.New("chat template exceeds the renderer's limits")

// macroTag matches a macro's opening tag (up to its first "%}") or an
// endmacro tag.
var macroTag = regexp.MustCompile(`\{%-?\s*(?:macro\s[^%]*(?:%[^}][^%]*)*|endmacro\s*-?)%\}`)

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
func guardMacros(src string) string {
	var b strings.Builder
	i := 0
	for _, d := range macroTag.FindAllStringIndex(src, -1) {
		if d[0] < i {
			continue
		}
		tag := src[d[0]:d[1]]
		b.WriteString(src[i:d[0]])
		if strings.Contains(tag, "endmacro") {
			open := "{%"
			if strings.HasPrefix(tag, "{%-") {
				open = "{%-"
			}
			b.WriteString(open + " set " + depthGuard + "_ = " + depthGuard + ".leave() %}")
			b.WriteString(tag)
		} else {
			b.WriteString(tag)
			closer := "%}"
			if strings.HasSuffix(tag, "-%}") {
				closer = "-%}"
			}
			b.WriteString("{% set " + depthGuard + "_ = " + depthGuard + ".enter() " + closer)
		}
		i = d[1]
	}
	b.WriteString(src[i:])
	return b.String()
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
