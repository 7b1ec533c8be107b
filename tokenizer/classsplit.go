package tokenizer

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hand-written matchers for the simple split patterns of the DeepSeek
// pre-tokenizers (and any pattern of the same forms), which otherwise run
// through regexp2 at about 2 MB/s: a bracket class of literal characters,
// ranges and \u escapes, or \p{L}, \p{N} or \p{P}, matched one rune at a
// time ("X"), as runs ("X+"), or as runs after an optional white-space rune
// ("\s?X+"); and trailing white space ("\s+$"). Only the Isolated split
// behaviour uses them; TestHandSplittersMatchRegexp2 compares them with
// regexp2 running the pattern itself.

// runeSet is a set of runes: an ASCII table and sorted inclusive ranges.
type runeSet struct {
	ascii  [128]bool
	ranges [][2]rune // sorted by start, may overlap
}

func (rs *runeSet) add(lo, hi rune) {
	for r := lo; r <= hi && r < 128; r++ {
		rs.ascii[r] = true
	}
	if hi >= 128 {
		rs.ranges = append(rs.ranges, [2]rune{max(lo, 128), hi})
	}
}

func (rs *runeSet) has(r rune) bool {
	if r < 128 {
		return r >= 0 && rs.ascii[r]
	}
	// The ranges may overlap: scan those starting at or before r.
	i := sort.Search(len(rs.ranges), func(i int) bool { return rs.ranges[i][0] > r })
	for j := i - 1; j >= 0; j-- {
		if rs.ranges[j][1] >= r {
			return true
		}
	}
	return false
}

// parseBracket parses a bracket class "[...]" of literal runes, ranges a-b
// and the escapes \uXXXX, \r, \n, \t, \\, \-, \], \[; it reports false for
// anything else (negation, \p, \s, ...), so that the caller falls back to
// regexp2.
func parseBracket(p string) (*runeSet, bool) {
	if len(p) < 3 || p[0] != '[' || p[len(p)-1] != ']' || p[1] == '^' {
		return nil, false
	}
	body := p[1 : len(p)-1]
	var items []rune
	var isLit []bool // false for the '-' of a range
	for i := 0; i < len(body); {
		r, n := utf8.DecodeRuneInString(body[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			return nil, false
		case r == '\\':
			if i+1 >= len(body) {
				return nil, false
			}
			switch c := body[i+1]; c {
			case 'u':
				if i+6 > len(body) {
					return nil, false
				}
				v, err := strconv.ParseUint(body[i+2:i+6], 16, 32)
				if err != nil {
					return nil, false
				}
				items, isLit = append(items, rune(v)), append(isLit, true)
				i += 6
				continue
			case 'r', 'n', 't', '\\', '-', ']', '[':
				e := rune(c)
				switch c {
				case 'r':
					e = '\r'
				case 'n':
					e = '\n'
				case 't':
					e = '\t'
				}
				items, isLit = append(items, e), append(isLit, true)
				i += 2
				continue
			default:
				return nil, false
			}
		case r == '[' || r == ']':
			return nil, false
		case r == '-':
			items, isLit = append(items, '-'), append(isLit, false)
		default:
			items, isLit = append(items, r), append(isLit, true)
		}
		i += n
	}
	rs := &runeSet{}
	for i := 0; i < len(items); i++ {
		if !isLit[i] && (i == 0 || i == len(items)-1) {
			rs.add('-', '-') // a leading or trailing '-' is literal
			continue
		}
		if !isLit[i] {
			return nil, false // "a--b" and the like
		}
		if i+2 < len(items) && !isLit[i+1] && isLit[i+2] {
			if items[i] > items[i+2] {
				return nil, false
			}
			rs.add(items[i], items[i+2])
			i += 2
			continue
		}
		rs.add(items[i], items[i])
	}
	sort.Slice(rs.ranges, func(a, b int) bool { return rs.ranges[a][0] < rs.ranges[b][0] })
	return rs, true
}

// isSpaceRune is \s: what the existing splitters call clsS.
func isSpaceRune(r rune) bool {
	if r < 128 {
		return asciiClass[r] == clsS
	}
	return unicode.IsSpace(r)
}

// simpleMatcher returns a hand-written matcher for pattern when it has one
// of the forms above.
func simpleMatcher(pattern string) (matcher, bool) {
	if pattern == `\s+$` {
		return handMatcher(splitTrailingSpace), true
	}
	optSpace := strings.HasPrefix(pattern, `\s?`)
	rest := strings.TrimPrefix(pattern, `\s?`)
	run := strings.HasSuffix(rest, "+")
	rest = strings.TrimSuffix(rest, "+")
	if optSpace && !run {
		return nil, false
	}
	var in func(rune) bool
	switch rest {
	case `\p{L}`:
		in = unicode.IsLetter
	case `\p{N}`:
		in = unicode.IsNumber
	case `\p{P}`:
		in = unicode.IsPunct
	default:
		rs, ok := parseBracket(rest)
		if !ok {
			return nil, false
		}
		in = rs.has
	}
	return handMatcher(func(s string, dst [][2]int) [][2]int {
		return splitClassRuns(s, in, optSpace, run, dst)
	}), true
}

// splitClassRuns matches "X", "X+" or "\s?X+" (see simpleMatcher) where X
// is the rune predicate in.
func splitClassRuns(s string, in func(rune) bool, optSpace, run bool, dst [][2]int) [][2]int {
	for i := 0; i < len(s); {
		r, n := runeAt(s, i)
		start, j := -1, i+n
		if optSpace && isSpaceRune(r) && j < len(s) {
			if r2, _ := runeAt(s, j); in(r2) {
				start = i
			}
		}
		if start < 0 && in(r) {
			start, j = i, i
		}
		if start < 0 {
			i += n
			continue
		}
		if !run {
			dst = append(dst, [2]int{i, i + n})
			i += n
			continue
		}
		for j < len(s) {
			r2, n2 := runeAt(s, j)
			if !in(r2) {
				break
			}
			j += n2
		}
		dst = append(dst, [2]int{start, j})
		i = j
	}
	return dst
}

// splitTrailingSpace matches "\s+$": the white space at the end of s.
func splitTrailingSpace(s string, dst [][2]int) [][2]int {
	i := len(s)
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if r == utf8.RuneError && n <= 1 || !isSpaceRune(r) {
			break
		}
		i -= n
	}
	if i < len(s) {
		dst = append(dst, [2]int{i, len(s)})
	}
	return dst
}
