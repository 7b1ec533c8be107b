package chat

import "strings"

// renameFilters adapts a template source to the engine so that it renders as
// Python's jinja2 does. Every use of the filters tojson, trim and string (a
// "|" followed by the name, inside {{ }} or {% %} tags and outside string
// literals, comments and raw blocks) is renamed to a replacement that
// Render supplies (see renamedFilters), and every {{ expr }}
// becomes {{ (expr) | strFilter }} so that values print as Python prints
// them (None as "None", 1.0 as "1.0"). The tags {% generation %} and
// {% endgeneration %} (transformers' marker of assistant text, which prints
// nothing) become {% if true %} and {% endif %}, keeping their
// whitespace-control markers. Text outside tags is left untouched.
func renameFilters(src string) string {
	var b strings.Builder
	b.Grow(len(src) + 64)
	i := 0
	for i < len(src) {
		open := strings.Index(src[i:], "{")
		if open < 0 {
			break
		}
		open += i
		if open+1 >= len(src) {
			break
		}
		var closer string
		switch src[open+1] {
		case '{':
			closer = "}}"
		case '%':
			closer = "%}"
		case '#':
			end := strings.Index(src[open+2:], "#}")
			if end < 0 {
				i = len(src)
				continue
			}
			b.WriteString(src[i : open+2+end+2])
			i = open + 2 + end + 2
			continue
		default:
			b.WriteString(src[i : open+1])
			i = open + 1
			continue
		}
		b.WriteString(src[i : open+2])
		j, body := scanTag(src, open+2, closer)
		if closer == "%}" && isRawStart(body) {
			// Copy everything up to and including {% endraw %}.
			end := findEndraw(src, j)
			b.WriteString(src[open+2 : end])
			i = end
			continue
		}
		body = renameInTag(body)
		if closer == "%}" {
			body = replaceGeneration(body)
		}
		if closer == "}}" {
			body = wrapOutput(body)
		}
		b.WriteString(body)
		i = j
	}
	b.WriteString(src[i:])
	return b.String()
}

// scanTag returns the end of the tag body that starts at from (the index of
// closer, skipping closers inside string literals) and the body.
func scanTag(src string, from int, closer string) (int, string) {
	var quote byte
	for k := from; k < len(src); k++ {
		c := src[k]
		switch {
		case quote != 0:
			if c == '\\' {
				k++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case strings.HasPrefix(src[k:], closer):
			return k, src[from:k]
		}
	}
	return len(src), src[from:]
}

// isRawStart reports whether a statement body is "raw" (with optional "-"
// and "+" whitespace markers).
func isRawStart(body string) bool {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(body), "-+")) == "raw"
}

// findEndraw returns the index just past the {% endraw %} tag at or after
// from, or len(src).
func findEndraw(src string, from int) int {
	for k := from; k < len(src); {
		open := strings.Index(src[k:], "{%")
		if open < 0 {
			return len(src)
		}
		open += k
		end := strings.Index(src[open+2:], "%}")
		if end < 0 {
			return len(src)
		}
		end += open + 2
		if strings.TrimSpace(strings.Trim(strings.TrimSpace(src[open+2:end]), "-+")) == "endraw" {
			return end + 2
		}
		k = end + 2
	}
	return len(src)
}

// renamedFilters maps the filters that Render replaces to the names of the
// replacements (see renameFilters).
var renamedFilters = map[string]string{
	"tojson": tojsonFilter,
	"trim":   trimFilter,
	"string": strFilter,
}

// renameInTag renames the filters of renamedFilters in one tag body,
// outside strings.
func renameInTag(body string) string {
	var b strings.Builder
	var quote byte
	for k := 0; k < len(body); k++ {
		c := body[k]
		switch {
		case quote != 0:
			if c == '\\' && k+1 < len(body) {
				b.WriteByte(c)
				k++
				c = body[k]
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '|':
			n := k + 1
			for n < len(body) && (body[n] == ' ' || body[n] == '\t' || body[n] == '\n' || body[n] == '\r') {
				n++
			}
			m := n
			for m < len(body) && isIdentByte(body[m]) {
				m++
			}
			if to, ok := renamedFilters[body[n:m]]; ok {
				b.WriteString(body[k:n])
				b.WriteString(to)
				k = m - 1
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// wrapOutput turns the body of a {{ }} tag into "(body) | strFilter",
// keeping the whitespace-control markers in place.
func wrapOutput(body string) string {
	lead, trail := "", ""
	mid := body
	if strings.HasPrefix(mid, "-") {
		lead, mid = "-", mid[1:]
	}
	if strings.HasSuffix(mid, "-") {
		trail, mid = "-", mid[:len(mid)-1]
	}
	if strings.TrimSpace(mid) == "" {
		return body
	}
	return lead + " (" + mid + ") | " + strFilter + " " + trail
}

// replaceGeneration maps the body of a {% generation %} or
// {% endgeneration %} tag to "if true" or "endif", markers kept.
func replaceGeneration(body string) string {
	lead, trail := "", ""
	mid := body
	if strings.HasPrefix(mid, "-") || strings.HasPrefix(mid, "+") {
		lead, mid = mid[:1], mid[1:]
	}
	if strings.HasSuffix(mid, "-") || strings.HasSuffix(mid, "+") {
		trail, mid = mid[len(mid)-1:], mid[:len(mid)-1]
	}
	switch strings.TrimSpace(mid) {
	case "generation":
		return lead + " if true " + trail
	case "endgeneration":
		return lead + " endif " + trail
	}
	return body
}
