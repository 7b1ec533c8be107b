package label

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// nrune is one rune of a normalised text with the byte range [s, e) of the
// original text it came from.
type nrune struct {
	r    rune
	s, e int
}

// asciiPunct is Python's string.punctuation, the set SQuAD removes.
const asciiPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// foldRune maps typographic quotes, apostrophes and dashes to their ASCII
// forms, so that "O’Brien" and "O'Brien" normalise alike.
func foldRune(r rune) rune {
	switch r {
	case '\u2018', '\u2019', '\u201a', '\u201b', '\u2032', '\u02bc', '\u00b4', '`', '\uff07':
		return '\''
	case '\u201c', '\u201d', '\u201e', '\u201f', '\u2033', '\u00ab', '\u00bb', '\uff02':
		return '"'
	case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\ufe58', '\ufe63', '\uff0d':
		return '-'
	}
	return r
}

// isPySpace reports whether Python's str.split() splits at r: Go's
// unicode.IsSpace plus the separators U+001C..U+001F.
func isPySpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// isWord reports whether r is a word character of Python's re module
// (str.isalnum() or '_').
func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

func isCased(r rune) bool { return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) }

// isCaseIgnorable approximates Unicode's Case_Ignorable property.
func isCaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '^', '`', '\u00b7', '\u0387', '\u05f4', '\u2018', '\u2019', '\u2024', '\u2027', '\ufe13', '\ufe52', '\ufe55', '\uff07', '\uff0e', '\uff1a':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// pyLower lower-cases like Python's str.lower: per-rune Unicode lower case,
// plus U+0130 -> "i\u0307" and the final-sigma rule for U+03A3.
func pyLower(in []nrune) []nrune {
	out := make([]nrune, 0, len(in))
	for i, x := range in {
		switch x.r {
		case '\u0130':
			out = append(out, nrune{'i', x.s, x.e}, nrune{'\u0307', x.s, x.e})
			continue
		case '\u03a3':
			if finalSigma(in, i) {
				out = append(out, nrune{'\u03c2', x.s, x.e})
				continue
			}
		}
		out = append(out, nrune{unicode.ToLower(x.r), x.s, x.e})
	}
	return out
}

// finalSigma implements Unicode's Final_Sigma condition at in[i]: a cased
// letter before (skipping case-ignorables) and none after.
func finalSigma(in []nrune, i int) bool {
	j := i - 1
	for j >= 0 && isCaseIgnorable(in[j].r) {
		j--
	}
	if j < 0 || !isCased(in[j].r) {
		return false
	}
	k := i + 1
	for k < len(in) && isCaseIgnorable(in[k].r) {
		k++
	}
	return k >= len(in) || !isCased(in[k].r)
}

// normalizeMapped runs SQuAD's normalize_answer (optionally after foldRune)
// on s, keeping for every output rune the byte range of s it came from.
func normalizeMapped(s string, fold bool) []nrune {
	rs := make([]nrune, 0, len(s))
	for i, r := range s {
		if fold {
			r = foldRune(r)
		}
		rs = append(rs, nrune{r, i, i + utf8.RuneLen(r)})
		if r == utf8.RuneError {
			rs[len(rs)-1].e = i + 1
		}
	}
	// Fix the end offsets after folding (RuneLen of the folded rune is not
	// the length of the original): use the next rune's start.
	for i := range rs {
		if i+1 < len(rs) {
			rs[i].e = rs[i+1].s
		} else {
			rs[i].e = len(s)
		}
	}
	// 1. lower
	rs = pyLower(rs)
	// 2. remove punctuation (ASCII only, as string.punctuation)
	kept := rs[:0]
	for _, x := range rs {
		if x.r < 0x80 && strings.ContainsRune(asciiPunct, x.r) {
			continue
		}
		kept = append(kept, x)
	}
	rs = kept
	// 3. remove articles: a whole run of word characters equal to a, an or
	// the (what \b(a|an|the)\b matches) becomes one space.
	var art []nrune
	for i := 0; i < len(rs); {
		if !isWord(rs[i].r) {
			art = append(art, rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && isWord(rs[j].r) {
			j++
		}
		if w := runesString(rs[i:j]); w == "a" || w == "an" || w == "the" {
			art = append(art, nrune{' ', rs[i].s, rs[j-1].e})
		} else {
			art = append(art, rs[i:j]...)
		}
		i = j
	}
	// 4. white space: split and join with single spaces.
	out := make([]nrune, 0, len(art))
	for i := 0; i < len(art); {
		if isPySpace(art[i].r) {
			j := i
			for j < len(art) && isPySpace(art[j].r) {
				j++
			}
			if len(out) > 0 && j < len(art) {
				out = append(out, nrune{' ', art[i].s, art[j-1].e})
			}
			i = j
			continue
		}
		out = append(out, art[i])
		i++
	}
	return out
}

func runesString(rs []nrune) string {
	var b strings.Builder
	for _, x := range rs {
		b.WriteRune(x.r)
	}
	return b.String()
}

// NormalizeSQuAD is the official SQuAD v1.1 normalize_answer: lower-case
// (as Python's str.lower), remove ASCII punctuation, replace the words a, an
// and the by spaces, and fold white space. It leaves curly quotes and
// Unicode dashes alone, as the original does.
func NormalizeSQuAD(s string) string { return runesString(normalizeMapped(s, false)) }

// Normalize is the judge's normalisation: NormalizeSQuAD after mapping
// typographic apostrophes, quotes and dashes to ASCII (so "O’Brien" matches
// "O'Brien" and "Jay–Z" matches "Jay-Z"). Accents are kept ("Café" does not
// match "Cafe"), as in SQuAD.
func Normalize(s string) string { return runesString(normalizeMapped(s, true)) }

// mappedText is a normalised text with, for each byte, the index of the
// normalised rune it belongs to.
type mappedText struct {
	text  string
	runes []nrune
	byteR []int
}

func newMapped(s string) mappedText {
	rs := normalizeMapped(s, true)
	var b strings.Builder
	var byteR []int
	for i, x := range rs {
		n, _ := b.WriteRune(x.r)
		for k := 0; k < n; k++ {
			byteR = append(byteR, i)
		}
	}
	return mappedText{text: b.String(), runes: rs, byteR: byteR}
}

// span maps normalised bytes [i, j) back to a byte range of the original.
func (m mappedText) span(i, j int) (int, int) {
	return m.runes[m.byteR[i]].s, m.runes[m.byteR[j-1]].e
}
