package label

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hneurons/hneurons/record"
)

func FuzzNormalizeAndSpans(f *testing.F) {
	for _, s := range []string{"The Beatles!", "O’Brien", "İSTANBUL", "ΟΔΥΣΣΕΥΣ", "a\u0300 la", "\xff\xfe the", "", "  "} {
		f.Add(s, "beatles")
	}
	f.Fuzz(func(t *testing.T, resp, alias string) {
		n := Normalize(resp)
		if n != strings.TrimSpace(n) || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q has stray spaces", resp, n)
		}
		prev := 0
		for _, x := range normalizeMapped(resp, true) {
			if x.s < prev || x.s >= x.e || x.e > len(resp) {
				t.Fatalf("%q: bad span [%d,%d) after %d", resp, x.s, x.e, prev)
			}
			prev = x.s
		}
		if s, e, _, ok := AliasSpan(resp, []string{alias}); ok {
			if s < 0 || s >= e || e > len(resp) {
				t.Fatalf("AliasSpan(%q, %q) = [%d,%d)", resp, alias, s, e)
			}
			if j, _ := (RuleJudge{}).Judge(t.Context(), "", []string{alias}, resp); j.Verdict != record.True {
				t.Fatalf("span found but judge says %s", j.Verdict)
			}
		}
		if s, e, ok := ContentSpan(resp); ok {
			if s < 0 || s >= e || e > len(resp) || (utf8.ValidString(resp) && !utf8.ValidString(resp[s:e])) {
				t.Fatalf("ContentSpan(%q) = [%d,%d)", resp, s, e)
			}
		}
	})
}

func FuzzCharSpanToTokenSpan(f *testing.F) {
	f.Add([]byte{3, 4, 3, 6}, 2, 9)
	f.Fuzz(func(t *testing.T, widths []byte, start, end int) {
		var offs [][2]int
		pos := 0
		for _, w := range widths {
			offs = append(offs, [2]int{pos, pos + int(w%8)})
			pos += int(w % 8)
		}
		ts, te, ok := CharSpanToTokenSpan(offs, start, end)
		for i, o := range offs {
			overlaps := start < end && o[0] < end && o[1] > start
			inside := ok && i >= ts && i < te
			if overlaps && !inside {
				t.Fatalf("token %d %v overlaps [%d,%d) but is outside [%d,%d)", i, o, start, end, ts, te)
			}
		}
		if ok && (ts >= te || !(offs[ts][0] < end && offs[ts][1] > start) || !(offs[te-1][0] < end && offs[te-1][1] > start)) {
			t.Fatalf("end tokens do not overlap: [%d,%d)", ts, te)
		}
	})
}
