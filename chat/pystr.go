package chat

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/ardanlabs/jinja"
)

// strFilter is the filter every {{ }} output goes through (see
// renameFilters): it prints a value as Python's str() does, where the engine
// itself would print None as "" and floats in Go's %g form.
const strFilter = "hneurons_chat_str"

// filterStr implements strFilter.
func filterStr(args []jinja.Value, _ map[string]jinja.Value) (jinja.Value, error) {
	if len(args) == 0 {
		return jinja.NewString(""), nil
	}
	v := args[0]
	switch {
	case v.IsString():
		return v, nil
	case v.IsUndefined(), v.IsCallable():
		return jinja.NewString(""), nil
	}
	var b strings.Builder
	if err := pyRepr(&b, v); err != nil {
		return jinja.Undefined(), err
	}
	return jinja.NewString(b.String()), nil
}

// pyRepr writes Python's repr of v (str() for everything but strings). A
// list or dict that contains itself is written as Python writes it, "[...]"
// or "{...}" where it recurs (it used to recurse until the stack overflowed,
// killing the process; found by FuzzTemplate). Values nested deeper than
// MaxValueDepth are refused.
func pyRepr(b *strings.Builder, v jinja.Value) error { return pyReprIn(b, v, map[any]bool{}) }

// pyReprIn is pyRepr inside the containers open holds.
func pyReprIn(b *strings.Builder, v jinja.Value, open map[any]bool) error {
	if len(open) > MaxValueDepth {
		return fmt.Errorf("%w: a value nested deeper than %d", ErrTemplateLimit, MaxValueDepth)
	}
	switch {
	case v.IsNone():
		b.WriteString("None")
	case v.IsUndefined():
		b.WriteString("Undefined")
	case v.IsBool():
		if v.AsBool() {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case v.IsInt():
		b.WriteString(strconv.FormatInt(v.AsInt(), 10))
	case v.IsFloat():
		b.WriteString(pyFloatStr(v.AsFloat()))
	case v.IsString():
		b.WriteString(pyQuote(v.AsString()))
	case v.IsList():
		l := v.AsList()
		if open[l] {
			b.WriteString("[...]")
			return nil
		}
		open[l] = true
		defer delete(open, l)
		b.WriteByte('[')
		for i, it := range l.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := pyReprIn(b, it, open); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case v.IsDict():
		d := v.AsDict()
		if open[d] {
			b.WriteString("{...}")
			return nil
		}
		open[d] = true
		defer delete(open, d)
		b.WriteByte('{')
		for i, k := range d.OrderedKeys() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyQuote(k))
			b.WriteString(": ")
			val, _ := d.Get(k)
			if err := pyReprIn(b, val, open); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		b.WriteString(v.String())
	}
	return nil
}

// pyFloatStr formats f as Python's str(float).
func pyFloatStr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return pyFloat(f)
}

// pyQuote writes a string as Python's repr does: single quotes unless the
// string holds a single quote and no double quote.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteByte(q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatInt(int64(r)|0x100, 16)[1:])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// trimFilter replaces the engine's trim, which turns None into "" where
// jinja2 gives "None".
const trimFilter = "hneurons_chat_trim"

// filterTrim implements jinja2's trim(value, chars=None):
// str(value).strip(chars).
func filterTrim(args []jinja.Value, kwargs map[string]jinja.Value) (jinja.Value, error) {
	if len(args) == 0 {
		return jinja.NewString(""), nil
	}
	sv, _ := filterStr(args[:1], nil)
	s := sv.AsString()
	chars := jinja.None()
	if len(args) > 1 {
		chars = args[1]
	}
	if v, ok := kwargs["chars"]; ok {
		chars = v
	}
	if chars.IsString() {
		return jinja.NewString(strings.Trim(s, chars.AsString())), nil
	}
	return jinja.NewString(strings.TrimFunc(s, pyIsSpace)), nil
}

// pyIsSpace reports whether Python's str.isspace holds for r.
func pyIsSpace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0d, r >= 0x1c && r <= 0x20, r == 0x85, r == 0xa0:
		return true
	case r < 0x1680:
		return false
	}
	return unicode.IsSpace(r)
}
