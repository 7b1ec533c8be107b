package chat

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ardanlabs/jinja"
)

// tojsonFilter is the name the tojson filter is renamed to in a parsed
// template, so that our Python-exact implementation runs instead of the
// engine's built-in one (which sorts keys and escapes <, > and & when an
// indent is given). The engine looks filters up among its built-ins first
// and then among the template's variables, where Render puts this one.
const tojsonFilter = "hneurons_chat_tojson"

// filterTojson implements transformers' tojson filter: Python's
// json.dumps(value, ensure_ascii=False, indent=indent, separators=separators,
// sort_keys=sort_keys).
func filterTojson(args []jinja.Value, kwargs map[string]jinja.Value) (jinja.Value, error) {
	if len(args) == 0 {
		return jinja.Undefined(), errors.New("tojson: no value")
	}
	var e pyJSON
	e.item, e.key = ", ", ": "
	indent := jinja.None()
	if len(args) > 1 {
		indent = args[1]
	}
	if v, ok := kwargs["indent"]; ok {
		indent = v
	}
	switch {
	case indent.IsNone() || indent.IsUndefined():
	case indent.IsInt():
		n := indent.AsInt()
		if n < 0 {
			n = 0
		}
		e.indent, e.indented = strings.Repeat(" ", int(n)), true
	case indent.IsString():
		e.indent, e.indented = indent.AsString(), true
	default:
		return jinja.Undefined(), fmt.Errorf("tojson: indent must be an integer or a string, not %s", indent)
	}
	if e.indented {
		e.item = ","
	}
	if v, ok := kwargs["separators"]; ok && !v.IsNone() {
		if !v.IsList() || v.AsList().Len() != 2 || !v.AsList().Get(0).IsString() || !v.AsList().Get(1).IsString() {
			return jinja.Undefined(), errors.New("tojson: separators must be two strings")
		}
		e.item, e.key = v.AsList().Get(0).AsString(), v.AsList().Get(1).AsString()
	}
	if v, ok := kwargs["sort_keys"]; ok {
		e.sortKeys = v.IsTruthy()
	}
	e.ascii = false
	if v, ok := kwargs["ensure_ascii"]; ok {
		e.ascii = v.IsTruthy()
	}
	if err := e.value(args[0], 0); err != nil {
		return jinja.Undefined(), fmt.Errorf("tojson: %w", err)
	}
	return jinja.NewString(e.b.String()), nil
}

// pyJSON writes JSON as Python's json.dumps does.
type pyJSON struct {
	b         strings.Builder
	item, key string
	indent    string
	indented  bool
	sortKeys  bool
	ascii     bool
	open      map[any]bool // the lists and dicts being written, to refuse cycles
}

func (e *pyJSON) newline(depth int) {
	if !e.indented {
		return
	}
	e.b.WriteByte('\n')
	for range depth {
		e.b.WriteString(e.indent)
	}
}

func (e *pyJSON) value(v jinja.Value, depth int) error {
	switch {
	case v.IsNone():
		e.b.WriteString("null")
	case v.IsBool():
		if v.AsBool() {
			e.b.WriteString("true")
		} else {
			e.b.WriteString("false")
		}
	case v.IsInt():
		e.b.WriteString(strconv.FormatInt(v.AsInt(), 10))
	case v.IsFloat():
		e.b.WriteString(pyFloat(v.AsFloat()))
	case v.IsString():
		e.str(v.AsString())
	case v.IsList():
		if err := e.enter(v.AsList()); err != nil {
			return err
		}
		defer delete(e.open, v.AsList())
		items := v.AsList().Items
		if len(items) == 0 {
			e.b.WriteString("[]")
			return nil
		}
		e.b.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				e.b.WriteString(e.item)
			}
			e.newline(depth + 1)
			if err := e.value(it, depth+1); err != nil {
				return err
			}
		}
		e.newline(depth)
		e.b.WriteByte(']')
	case v.IsDict():
		d := v.AsDict()
		if err := e.enter(d); err != nil {
			return err
		}
		defer delete(e.open, d)
		keys := d.OrderedKeys()
		if len(keys) == 0 {
			e.b.WriteString("{}")
			return nil
		}
		if e.sortKeys {
			sort.Strings(keys)
		}
		e.b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				e.b.WriteString(e.item)
			}
			e.newline(depth + 1)
			e.str(k)
			e.b.WriteString(e.key)
			val, _ := d.Get(k)
			if err := e.value(val, depth+1); err != nil {
				return err
			}
		}
		e.newline(depth)
		e.b.WriteByte('}')
	case v.IsUndefined():
		return errors.New("value is undefined")
	default:
		return fmt.Errorf("value %s is not JSON serializable", v)
	}
	return nil
}

// enter marks a list or dict as being written; one that is already being
// written contains itself, which json.dumps refuses as this does (recursing
// overflowed the stack and killed the process).
func (e *pyJSON) enter(container any) error {
	if e.open == nil {
		e.open = map[any]bool{}
	}
	if e.open[container] {
		return errors.New("circular reference detected")
	}
	if len(e.open) >= MaxValueDepth {
		return fmt.Errorf("%w: a value nested deeper than %d", ErrTemplateLimit, MaxValueDepth)
	}
	e.open[container] = true
	return nil
}

// str writes a JSON string as Python does: ", \ and control characters
// escaped, everything else (including invalid UTF-8 bytes, which Go strings
// may hold) written as is unless ensure_ascii asks for \u escapes.
func (e *pyJSON) str(s string) {
	e.b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				e.b.WriteString(`\"`)
			case '\\':
				e.b.WriteString(`\\`)
			case '\n':
				e.b.WriteString(`\n`)
			case '\r':
				e.b.WriteString(`\r`)
			case '\t':
				e.b.WriteString(`\t`)
			case '\b':
				e.b.WriteString(`\b`)
			case '\f':
				e.b.WriteString(`\f`)
			default:
				if c < 0x20 || (e.ascii && c == 0x7f) {
					fmt.Fprintf(&e.b, `\u%04x`, c)
				} else {
					e.b.WriteByte(c)
				}
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !e.ascii || r == utf8.RuneError && n == 1 {
			e.b.WriteString(s[i : i+n])
		} else if r > 0xffff {
			r -= 0x10000
			fmt.Fprintf(&e.b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		} else {
			fmt.Fprintf(&e.b, `\u%04x`, r)
		}
		i += n
	}
	e.b.WriteByte('"')
}

// pyFloat formats f as Python's float repr (what json.dumps writes).
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	sci := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(sci, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp >= -4 && exp < 16 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsAny(s, ".") {
			s += ".0"
		}
		return s
	}
	sign := "+"
	if exp < 0 {
		sign, exp = "-", -exp
	}
	return fmt.Sprintf("%se%s%02d", mant, sign, exp)
}
