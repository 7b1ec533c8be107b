package tokenizer

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// matcher finds the non-overlapping matches of a pattern in s, in order, as
// byte ranges appended to dst.
type matcher interface {
	matches(s string, dst [][2]int) [][2]int
}

// Pre-tokenizer patterns with hand-written splitters. The hand-written
// splitters return the same pieces as the pattern under the "Isolated" split
// behaviour (matches and the text between them each become a piece); the
// tests compare them with regexp2 on random and real text.
const (
	// patGPT2 is the GPT-2 pattern (HF ByteLevel pre-tokenizer).
	patGPT2 = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	// patGPT2NoTail is the same without the final \s+ (llama.cpp's spelling);
	// equivalent under Isolated splitting.
	patGPT2NoTail = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
	// patLlama3 is the Llama 3 pattern (HF spelling).
	patLlama3 = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// patLlama3CPP is llama.cpp's spelling of the Llama 3 pattern.
	patLlama3CPP = `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// patQwen2 is the Qwen2 pattern (single digits), HF spelling.
	patQwen2 = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// patQwen2CPP is llama.cpp's spelling of the Qwen2 pattern.
	patQwen2CPP = `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// patDigit isolates every number character.
	patDigit = `\p{N}`
)

// newMatcher returns the fastest matcher for pattern; isolated says whether
// the caller splits with the Isolated behaviour (the only one under which the
// hand-written splitters are exact).
func newMatcher(pattern string, isolated bool) (matcher, error) {
	if isolated {
		switch pattern {
		case patGPT2, patGPT2NoTail:
			return handMatcher(splitGPT2), nil
		case patLlama3, patLlama3CPP:
			return handMatcher(func(s string, dst [][2]int) [][2]int { return splitLlama3(s, 3, dst) }), nil
		case patQwen2, patQwen2CPP:
			return handMatcher(func(s string, dst [][2]int) [][2]int { return splitLlama3(s, 1, dst) }), nil
		case patDigit:
			return handMatcher(splitDigits), nil
		}
		if m, ok := simpleMatcher(pattern); ok {
			return m, nil
		}
	}
	return newRegexMatcher(pattern)
}

// newRegexMatcher compiles pattern with regexp2 (Perl/.NET-style syntax with
// look-ahead, as the reference tokenizers' Oniguruma/fancy-regex use).
func newRegexMatcher(pattern string) (matcher, error) {
	re, err := regexp2.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: pattern %q: %w", pattern, err)
	}
	return regexMatcher{re}, nil
}

type regexMatcher struct{ re *regexp2.Regexp }

func (m regexMatcher) matches(s string, dst [][2]int) [][2]int {
	idx, err := m.re.FindAllStringIndex(s, -1)
	if err != nil { // only a timeout, which we never set
		return append(dst, [2]int{0, len(s)})
	}
	for _, p := range idx {
		if p[1] > p[0] {
			dst = append(dst, [2]int{p[0], p[1]})
		}
	}
	return dst
}

type handMatcher func(s string, dst [][2]int) [][2]int

func (h handMatcher) matches(s string, dst [][2]int) [][2]int { return h(s, dst) }

// Rune classes of the common patterns: \p{L}, \p{N}, \s and everything else.
const (
	clsO = iota // other: [^\s\p{L}\p{N}]
	clsL
	clsN
	clsS
)

var asciiClass [128]uint8

func init() {
	for c := range 128 {
		r := rune(c)
		switch {
		case unicode.IsLetter(r):
			asciiClass[c] = clsL
		case unicode.IsNumber(r):
			asciiClass[c] = clsN
		case unicode.IsSpace(r):
			asciiClass[c] = clsS
		default:
			asciiClass[c] = clsO
		}
	}
}

func class(r rune) uint8 {
	if r < 128 {
		return asciiClass[r]
	}
	switch {
	case unicode.IsLetter(r):
		return clsL
	case unicode.IsNumber(r):
		return clsN
	case unicode.IsSpace(r):
		return clsS
	}
	return clsO
}

// runeAt decodes the rune at byte i (an invalid byte is one RuneError).
func runeAt(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// classAt returns the class and size of the rune at i, or (clsO, 0) at the end.
func classAt(s string, i int) (uint8, int) {
	if i >= len(s) {
		return 255, 0
	}
	r, n := runeAt(s, i)
	return class(r), n
}

// runEnd returns the end of the run of class c starting at i.
func runEnd(s string, i int, c uint8) int {
	for i < len(s) {
		cc, n := classAt(s, i)
		if cc != c {
			break
		}
		i += n
	}
	return i
}

// contraction returns the length of the contraction ('s 't 're 've 'm 'll
// 'd) at s[i] == '\”, or 0.
func contraction(s string, i int, fold bool) int {
	if i+1 >= len(s) {
		return 0
	}
	low := func(c byte) byte {
		if fold && c >= 'A' && c <= 'Z' {
			return c + 32
		}
		return c
	}
	c := low(s[i+1])
	switch c {
	case 's', 't', 'm', 'd':
		return 2
	}
	if i+2 >= len(s) {
		return 0
	}
	c2 := low(s[i+2])
	switch {
	case c == 'r' && c2 == 'e', c == 'v' && c2 == 'e', c == 'l' && c2 == 'l':
		return 3
	}
	return 0
}

// whitespaceTail applies \s+(?!\S)|\s+ to the whitespace run [i, k).
func whitespaceTail(s string, i, k int) int {
	if k >= len(s) {
		return k
	}
	_, n := utf8.DecodeLastRuneInString(s[i:k])
	if k-n > i {
		return k - n
	}
	return k
}

// splitGPT2 splits like patGPT2.
func splitGPT2(s string, dst [][2]int) [][2]int {
	for i := 0; i < len(s); {
		if s[i] == '\'' {
			if n := contraction(s, i, false); n > 0 {
				dst = append(dst, [2]int{i, i + n})
				i += n
				continue
			}
		}
		c, n := classAt(s, i)
		j := i
		if s[i] == ' ' {
			if c2, n2 := classAt(s, i+1); n2 > 0 && c2 != clsS {
				j, c, n = i+1, c2, n2
			}
		}
		var end int
		if c == clsS {
			end = whitespaceTail(s, i, runEnd(s, i, clsS))
		} else {
			end = runEnd(s, j+n, c)
		}
		dst = append(dst, [2]int{i, end})
		i = end
	}
	return dst
}

// splitLlama3 splits like patLlama3 (maxDigits 3) or patQwen2 (maxDigits 1).
func splitLlama3(s string, maxDigits int, dst [][2]int) [][2]int {
	for i := 0; i < len(s); {
		if s[i] == '\'' {
			if n := contraction(s, i, true); n > 0 {
				dst = append(dst, [2]int{i, i + n})
				i += n
				continue
			}
		}
		r, n := runeAt(s, i)
		c := class(r)
		c2, n2 := classAt(s, i+n)
		var end int
		switch {
		case c == clsL:
			end = runEnd(s, i+n, clsL)
		case c != clsN && r != '\r' && r != '\n' && c2 == clsL:
			end = runEnd(s, i+n+n2, clsL)
		case c == clsN:
			end = i + n
			for d := 1; d < maxDigits; d++ {
				cc, m := classAt(s, end)
				if cc != clsN {
					break
				}
				end += m
			}
		case c == clsO || (r == ' ' && c2 == clsO):
			end = runEnd(s, i+n, clsO)
			for end < len(s) && (s[end] == '\r' || s[end] == '\n') {
				end++
			}
		default: // whitespace
			k := runEnd(s, i, clsS)
			lastNL := -1
			for p := k - 1; p >= i; p-- {
				if s[p] == '\r' || s[p] == '\n' {
					lastNL = p
					break
				}
			}
			if lastNL >= 0 {
				end = lastNL + 1
			} else {
				end = whitespaceTail(s, i, k)
			}
		}
		dst = append(dst, [2]int{i, end})
		i = end
	}
	return dst
}

// splitDigits matches every \p{N} rune on its own.
func splitDigits(s string, dst [][2]int) [][2]int {
	for i := 0; i < len(s); {
		r, n := runeAt(s, i)
		if (r >= '0' && r <= '9') || (r >= 128 && unicode.IsNumber(r)) {
			dst = append(dst, [2]int{i, i + n})
		}
		i += n
	}
	return dst
}
