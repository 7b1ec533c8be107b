package tokenizer

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// normalizer rewrites a text segment before it is split into words.
type normalizer interface {
	normalize(g seg) seg
}

type normSequence []normalizer

func (ns normSequence) normalize(g seg) seg {
	for _, n := range ns {
		g = n.normalize(g)
	}
	return g
}

type normLowercase struct{}

func (normLowercase) normalize(g seg) seg {
	return mapRunes(g, func(r rune) (string, bool) {
		l := unicode.ToLower(r)
		if l == r {
			return "", false
		}
		return string(l), true
	})
}

type normReplace struct {
	old, new string
	re       matcher // when the pattern is a regex
}

func (n normReplace) normalize(g seg) seg {
	if n.re == nil {
		return replaceAll(g, n.old, n.new)
	}
	ms := n.re.matches(g.s, nil)
	if len(ms) == 0 {
		return g
	}
	al := g.aligned()
	var sb segBuilder
	last := 0
	for _, m := range ms {
		sb.buf = append(sb.buf, g.s[last:m[0]]...)
		sb.al = append(sb.al, al[last:m[0]]...)
		sb.add(n.new, span{al[m[0]].a, al[m[1]-1].b})
		last = m[1]
	}
	sb.buf = append(sb.buf, g.s[last:]...)
	sb.al = append(sb.al, al[last:]...)
	return sb.seg()
}

type normPrepend struct{ s string }

func (n normPrepend) normalize(g seg) seg {
	if g.s == "" {
		return g
	}
	return prependStr(g, n.s)
}

type normStrip struct{ left, right bool }

func (n normStrip) normalize(g seg) seg {
	a, b := 0, len(g.s)
	if n.left {
		a = len(g.s) - len(strings.TrimLeftFunc(g.s, unicode.IsSpace))
	}
	if n.right {
		b = len(strings.TrimRightFunc(g.s, unicode.IsSpace))
	}
	if a >= b {
		return g.sub(0, 0)
	}
	return g.sub(a, b)
}

// normUnicode applies a Unicode normalization form; each output chunk is
// aligned to the input chunk (a starter and its combining marks) it came from.
type normUnicode struct{ form norm.Form }

func (n normUnicode) normalize(g seg) seg {
	if n.form.IsNormalString(g.s) {
		return g
	}
	al := g.aligned()
	var sb segBuilder
	var it norm.Iter
	it.InitString(n.form, g.s)
	for !it.Done() {
		start := it.Pos()
		out := it.Next()
		end := it.Pos()
		if end > start {
			sb.add(string(out), span{al[start].a, al[end-1].b})
		} else {
			sb.add(string(out), span{al[min(start, len(al)-1)].a, al[min(start, len(al)-1)].a})
		}
	}
	return sb.seg()
}

// normStripAccents removes combining marks (Mn).
type normStripAccents struct{}

func (normStripAccents) normalize(g seg) seg {
	return mapRunes(g, func(r rune) (string, bool) {
		if unicode.Is(unicode.Mn, r) {
			return "", true
		}
		return "", false
	})
}

// preTokenizer splits a normalized segment into words. first says whether
// the segment starts the input text (Metaspace's "first" prepend scheme).
type preTokenizer interface {
	split(pieces []seg, first bool) []seg
}

type preSequence []preTokenizer

func (ps preSequence) split(pieces []seg, first bool) []seg {
	for _, p := range ps {
		pieces = p.split(pieces, first)
	}
	return pieces
}

// splitBehavior says what happens to the delimiters a pattern matches.
type splitBehavior int

const (
	behRemoved splitBehavior = iota
	behIsolated
	behMergedWithPrevious
	behMergedWithNext
	behContiguous
)

type part struct {
	a, b    int
	isMatch bool
}

// splitBy splits g at the ranges ms (sorted, non-overlapping) as the
// Hugging Face SplitDelimiterBehavior does.
func splitBy(g seg, ms [][2]int, beh splitBehavior, invert bool, out []seg) []seg {
	if beh == behIsolated {
		// Every match and every gap is a piece: no intermediate parts.
		last := 0
		for _, m := range ms {
			if m[0] > last {
				out = append(out, g.sub(last, m[0]))
			}
			if m[1] > m[0] {
				out = append(out, g.sub(m[0], m[1]))
			}
			last = m[1]
		}
		if last < len(g.s) {
			out = append(out, g.sub(last, len(g.s)))
		}
		return out
	}
	parts := make([]part, 0, 2*len(ms)+1)
	last := 0
	for _, m := range ms {
		if m[0] > last {
			parts = append(parts, part{last, m[0], invert})
		}
		parts = append(parts, part{m[0], m[1], !invert})
		last = m[1]
	}
	if last < len(g.s) {
		parts = append(parts, part{last, len(g.s), invert})
	}
	var res []part
	switch beh {
	case behRemoved:
		for _, p := range parts {
			if !p.isMatch {
				res = append(res, p)
			}
		}
	case behIsolated:
		res = parts
	case behContiguous:
		for _, p := range parts {
			if n := len(res); n > 0 && p.isMatch && res[n-1].isMatch {
				res[n-1].b = p.b
			} else {
				res = append(res, p)
			}
		}
	case behMergedWithPrevious:
		prev := false
		for _, p := range parts {
			if n := len(res); p.isMatch && !prev && n > 0 {
				res[n-1].b = p.b
			} else {
				res = append(res, part{p.a, p.b, false})
			}
			prev = p.isMatch
		}
	case behMergedWithNext:
		prev := false
		for i := len(parts) - 1; i >= 0; i-- {
			p := parts[i]
			if n := len(res); p.isMatch && !prev && n > 0 {
				res[n-1].a = p.a
			} else {
				res = append(res, part{p.a, p.b, false})
			}
			prev = p.isMatch
		}
		for i, j := 0, len(res)-1; i < j; i, j = i+1, j-1 {
			res[i], res[j] = res[j], res[i]
		}
	}
	for _, p := range res {
		if p.b > p.a {
			out = append(out, g.sub(p.a, p.b))
		}
	}
	return out
}

// preSplit is the Split pre-tokenizer (and every regex-based one).
type preSplit struct {
	m      matcher
	beh    splitBehavior
	invert bool
}

func (p *preSplit) split(pieces []seg, _ bool) []seg {
	out := make([]seg, 0, len(pieces)*2)
	var ms [][2]int
	for _, g := range pieces {
		ms = p.m.matches(g.s, ms[:0])
		out = splitBy(g, ms, p.beh, p.invert, out)
	}
	return out
}

// preByteLevel is the ByteLevel pre-tokenizer: an optional prefix space and
// the GPT-2 split. (The byte-to-rune mapping itself happens in the model.)
type preByteLevel struct {
	addPrefixSpace bool
	useRegex       bool
	m              matcher
}

func (p *preByteLevel) split(pieces []seg, _ bool) []seg {
	if p.addPrefixSpace {
		for i, g := range pieces {
			if g.s != "" && g.s[0] != ' ' {
				pieces[i] = prependStr(g, " ")
			}
		}
	}
	if !p.useRegex {
		return pieces
	}
	out := make([]seg, 0, len(pieces)*4)
	var ms [][2]int
	for _, g := range pieces {
		ms = p.m.matches(g.s, ms[:0])
		out = splitBy(g, ms, behIsolated, false, out)
	}
	return out
}

// Metaspace prepend schemes.
const (
	prependAlways = iota
	prependFirst
	prependNever
)

// preMetaspace replaces spaces by the replacement rune (▁), prepends one
// per its scheme and optionally splits before each.
type preMetaspace struct {
	repl   string
	scheme int
	split_ bool
}

func (p *preMetaspace) split(pieces []seg, first bool) []seg {
	out := make([]seg, 0, len(pieces)*4)
	for i, g := range pieces {
		g = replaceAll(g, " ", p.repl)
		if g.s != "" && !strings.HasPrefix(g.s, p.repl) &&
			(p.scheme == prependAlways || (p.scheme == prependFirst && first && i == 0)) {
			g = prependStr(g, p.repl)
		}
		if !p.split_ {
			out = append(out, g)
			continue
		}
		var ms [][2]int
		for k := 0; k+len(p.repl) <= len(g.s); {
			if g.s[k:k+len(p.repl)] == p.repl {
				ms = append(ms, [2]int{k, k + len(p.repl)})
				k += len(p.repl)
			} else {
				k++
			}
		}
		out = splitBy(g, ms, behMergedWithNext, false, out)
	}
	return out
}

// funcMatcher matches runs (or single runes) for which f holds.
type funcMatcher struct {
	f      func(r rune) bool
	single bool
}

func (fm funcMatcher) matches(s string, dst [][2]int) [][2]int {
	for i := 0; i < len(s); {
		r, n := runeAt(s, i)
		if !fm.f(r) {
			i += n
			continue
		}
		j := i + n
		for !fm.single && j < len(s) {
			r2, n2 := runeAt(s, j)
			if !fm.f(r2) {
				break
			}
			j += n2
		}
		dst = append(dst, [2]int{i, j})
		i = j
	}
	return dst
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) || unicode.Is(unicode.Pc, r)
}

// isPunct is Hugging Face's is_punctuation: ASCII punctuation or Unicode P*.
func isPunct(r rune) bool {
	if r < 128 {
		return (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126)
	}
	return unicode.IsPunct(r)
}

// whitespaceMatcher matches \w+|[^\w\s]+ (the Whitespace pre-tokenizer).
type whitespaceMatcher struct{}

func (whitespaceMatcher) matches(s string, dst [][2]int) [][2]int {
	kind := func(r rune) int {
		switch {
		case isWordRune(r):
			return 1
		case unicode.IsSpace(r):
			return 0
		}
		return 2
	}
	for i := 0; i < len(s); {
		r, n := runeAt(s, i)
		k := kind(r)
		j := i + n
		for j < len(s) {
			r2, n2 := runeAt(s, j)
			if kind(r2) != k {
				break
			}
			j += n2
		}
		if k != 0 {
			dst = append(dst, [2]int{i, j})
		}
		i = j
	}
	return dst
}

func isUnicodeSpace(r rune) bool { return unicode.IsSpace(r) }
