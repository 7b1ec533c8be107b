package label

import "testing"

func TestAliasSpan(t *testing.T) {
	for _, c := range []struct {
		resp    string
		aliases []string
		want    string
		ok      bool
	}{
		{"Mars", []string{"Mars"}, "Mars", true},
		{"The answer is Dublin.", []string{"Dublin, Ireland", "Dublin"}, "Dublin", true},
		{"It was the Beatles!", []string{"The Beatles"}, "Beatles", true},
		{"O’Brien, of course", []string{"O'Brien"}, "O’Brien", true},
		{"Sir Paul McCartney", []string{"McCartney", "Paul McCartney"}, "Paul McCartney", true}, // longest alias
		{"Jay–Z and Beyoncé", []string{"Beyoncé"}, "Beyoncé", true},
		{"İstanbul, Turkey", []string{"i\u0307stanbul"}, "İstanbul", true},
		{"U.S.A.", []string{"USA"}, "U.S.A", true},
		{"Rock ’n’ roll music", []string{"rock 'n' roll"}, "Rock ’n’ roll", true},
		{"Paris and paris", []string{"PARIS"}, "Paris", true}, // earliest occurrence
		{"Venus", []string{"Mars", ""}, "", false},
		{"1,000 years", []string{"1000"}, "1,000", true},
		{"Αθήνα", []string{"αθηνα"}, "", false}, // accents are kept, as in SQuAD
	} {
		s, e, _, ok := AliasSpan(c.resp, c.aliases)
		if ok != c.ok || (ok && c.resp[s:e] != c.want) {
			t.Errorf("AliasSpan(%q, %q) = %q ok=%v; want %q ok=%v", c.resp, c.aliases, c.resp[s:min(max(s, e), len(c.resp))], ok, c.want, c.ok)
		}
	}
}

func TestContentSpan(t *testing.T) {
	for resp, want := range map[string]string{
		"Swans":                           "Swans",
		"The answer is Dublin.":           "Dublin",
		"The Serpentine":                  "Serpentine",
		"I think it's the Eiffel Tower.":  "Eiffel Tower",
		"**Mount Everest**":               "Mount Everest",
		"\"Hamlet\"":                      "Hamlet",
		"Answer: 1969":                    "1969",
		"Answer is Zeus":                  "Zeus",
		"\n\nElections and voting.\n\n\n": "Elections and voting",
		"Paris (France)":                  "Paris (France)",
		"Martin Chuzzlewit\nExplanation:": "Martin Chuzzlewit",
		"It’s Kyoto!":                     "Kyoto",
		"An apple":                        "apple",
		"A":                               "A",
	} {
		s, e, ok := ContentSpan(resp)
		if !ok || resp[s:e] != want {
			t.Errorf("ContentSpan(%q) = %q ok=%v, want %q", resp, resp[s:e], ok, want)
		}
	}
	for _, resp := range []string{"", "  \n ", "...", "\"\""} {
		if s, e, ok := ContentSpan(resp); ok {
			t.Errorf("ContentSpan(%q) = %q, want nothing", resp, resp[s:e])
		}
	}
	if s, e, m := FindSpan("...", nil, false); m != SpanFallbackAll || s != 0 || e != 3 {
		t.Errorf("fallback: %d %d %s", s, e, m)
	}
	if s, e, m := FindSpan("It is Rome.", []string{"Paris"}, true); m != SpanContentRule || s != 6 || e != 10 {
		t.Errorf("correct without alias: %d %d %s", s, e, m)
	}
}

func TestCharSpanToTokenSpan(t *testing.T) {
	// "The Eiffel Tower" tokenised as "The", " Eif", "fel", " Tower".
	offs := [][2]int{{0, 3}, {3, 7}, {7, 10}, {10, 16}}
	for _, c := range []struct {
		s, e, ts, te int
		ok           bool
	}{
		{4, 16, 1, 4, true},   // "Eiffel Tower": straddling " Eif" included
		{4, 10, 1, 3, true},   // "Eiffel"
		{5, 6, 1, 2, true},    // inside one token
		{0, 3, 0, 1, true},    // exact token
		{3, 3, 0, 0, false},   // empty span
		{2, 4, 0, 2, true},    // straddles a boundary on both sides
		{16, 20, 0, 0, false}, // past the end
		{0, 100, 0, 4, true},
	} {
		ts, te, ok := CharSpanToTokenSpan(offs, c.s, c.e)
		if ok != c.ok || (ok && (ts != c.ts || te != c.te)) {
			t.Errorf("span [%d,%d): got [%d,%d) %v, want [%d,%d) %v", c.s, c.e, ts, te, ok, c.ts, c.te, c.ok)
		}
	}
	// Zero-width special tokens count only strictly inside the span.
	offs = [][2]int{{0, 0}, {0, 5}, {5, 5}, {5, 9}, {9, 9}}
	if ts, te, ok := CharSpanToTokenSpan(offs, 0, 9); !ok || ts != 1 || te != 4 {
		t.Errorf("zero-width: [%d,%d) %v", ts, te, ok)
	}
}
