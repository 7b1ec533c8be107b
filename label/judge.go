package label

import (
	"context"
	"strings"
	"unicode"

	"github.com/hneurons/hneurons/record"
)

// Judge decides whether a response answers a question correctly. It is
// asked only about responses that are not uncertain (IsUncertain).
type Judge interface {
	// Name identifies the judge in record.Judgement.Judge.
	Name() string
	// Judge returns record.True or record.False (or an error).
	Judge(ctx context.Context, question string, answers []string, response string) (record.Judgement, error)
}

// uncertainMarkers are the paper's refusal phrases, in folded lower case.
var uncertainMarkers = []string{"don't know", "cannot", "not provided", "no information"}

// IsUncertain reports whether the response contains "don't know", "cannot",
// "not provided" or "no information", ignoring case and treating curly
// apostrophes as straight ones.
func IsUncertain(response string) bool {
	s := strings.Map(func(r rune) rune { return unicode.ToLower(foldRune(r)) }, response)
	for _, m := range uncertainMarkers {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// RuleJudge is the paper's rule: correct when some non-empty normalised gold
// alias is a substring of the normalised response (Normalize).
type RuleJudge struct{}

// Name returns "rule".
func (RuleJudge) Name() string { return "rule" }

// Judge applies the substring rule; it never fails.
func (RuleJudge) Judge(_ context.Context, _ string, answers []string, response string) (record.Judgement, error) {
	if alias, ok := MatchAlias(response, answers); ok {
		return record.Judgement{Verdict: record.True, Judge: "rule", Alias: alias}, nil
	}
	return record.Judgement{Verdict: record.False, Judge: "rule"}, nil
}

// MatchAlias returns the first gold alias (in the given order) whose
// non-empty normalisation is a substring of the normalised response.
func MatchAlias(response string, answers []string) (string, bool) {
	r := Normalize(response)
	for _, a := range answers {
		if na := Normalize(a); na != "" && strings.Contains(r, na) {
			return a, true
		}
	}
	return "", false
}

// Span methods (record.Labelled.SpanMethod).
const (
	SpanGoldAlias   = "gold-alias"
	SpanContentRule = "content-rule"
	SpanFallbackAll = "fallback-all"
)

// AliasSpan locates a gold alias in the original response: among the aliases
// whose normalisation occurs in the normalised response it takes the longest
// (ties: the earlier alias), at its earliest occurrence, and returns that
// occurrence's byte range [start, end) in response, from the first to the
// last original byte behind the matched normalised text.
func AliasSpan(response string, answers []string) (start, end int, alias string, ok bool) {
	m := newMapped(response)
	best, bestPos := "", -1
	for _, a := range answers {
		na := Normalize(a)
		if na == "" || len(na) <= len(best) {
			continue
		}
		if i := strings.Index(m.text, na); i >= 0 {
			best, bestPos, alias = na, i, a
		}
	}
	if bestPos < 0 {
		return 0, 0, "", false
	}
	start, end = m.span(bestPos, bestPos+len(best))
	return start, end, alias, true
}

// leadIns are phrases stripped from the front of a response by ContentSpan
// (compared in folded lower case, followed by a space, ':' or ',').
var leadIns = []string{
	"the answer is", "the correct answer is", "answer is", "answer", "final answer", "i believe", "i think",
	"it is", "it's", "it was", "that would be", "that is", "that's", "this is", "probably", "perhaps",
}

// ContentSpan returns the "shortest content span" of a response as byte
// offsets: the first non-empty line, then repeatedly without a leading
// phrase from leadIns, a leading article (a, an, the), enclosing quotes,
// asterisks or brackets, and trailing punctuation. ok is false when nothing
// is left.
func ContentSpan(response string) (start, end int, ok bool) {
	s, e := 0, len(response)
	// First non-empty line.
	for s < e {
		nl := strings.IndexByte(response[s:e], '\n')
		line := response[s:e]
		if nl >= 0 {
			line = response[s : s+nl]
		}
		if strings.TrimSpace(line) != "" {
			if nl >= 0 {
				e = s + nl
			}
			break
		}
		if nl < 0 {
			return 0, 0, false
		}
		s += nl + 1
	}
	for changed := true; changed; {
		changed = false
		ns, ne := trimSpan(response, s, e)
		if ns != s || ne != e {
			s, e, changed = ns, ne, true
		}
		low := strings.Map(func(r rune) rune { return unicode.ToLower(foldRune(r)) }, response[s:e])
		for _, p := range append(leadIns, "the", "a", "an") {
			if len(low) > len(p) && strings.HasPrefix(low, p) && strings.ContainsRune(" :,", rune(low[len(p)])) {
				// low and response[s:e] can differ in byte length when folding
				// changed a rune; map by counting runes.
				s += byteLenOfRunes(response[s:e], len([]rune(low[:len(p)+1])))
				changed = true
				break
			}
		}
	}
	if s >= e {
		return 0, 0, false
	}
	return s, e, true
}

// byteLenOfRunes is the byte length of the first n runes of s.
func byteLenOfRunes(s string, n int) int {
	for k := range s {
		if n == 0 {
			return k
		}
		n--
	}
	return len(s)
}

// trimSpan removes leading and trailing white space, quotes, asterisks and
// brackets, and trailing sentence punctuation, from response[s:e].
func trimSpan(response string, s, e int) (int, int) {
	const lead = " \t\r\n\"'*_([“‘«`"
	const trail = " \t\r\n\"'*_)].,;:!?”’»`"
	for s < e {
		r, n := decodeAt(response, s)
		if !strings.ContainsRune(lead, r) {
			break
		}
		s += n
	}
	for s < e {
		r, n := decodeLast(response[s:e])
		if !strings.ContainsRune(trail, r) {
			break
		}
		// Keep a closing bracket whose opener is inside the span.
		if (r == ')' && strings.Contains(response[s:e-n], "(")) || (r == ']' && strings.Contains(response[s:e-n], "[")) {
			break
		}
		e -= n
	}
	return s, e
}
