package label

// CharSpanToTokenSpan maps a byte span [start, end) of a text to the tokens
// that cover it. offsets[i] is token i's byte range [offsets[i][0],
// offsets[i][1]) in the same text, in order. A token belongs to the span when
// it overlaps it, so tokens straddling either boundary are included; tokens
// of zero width count only strictly inside the span. It returns tokens
// [ts, te); ok is false when the span is empty or no token overlaps it.
func CharSpanToTokenSpan(offsets [][2]int, start, end int) (ts, te int, ok bool) {
	if start >= end {
		return 0, 0, false
	}
	ts, te = -1, -1
	for i, o := range offsets {
		if o[0] < end && o[1] > start {
			if ts < 0 {
				ts = i
			}
			te = i + 1
		}
	}
	if ts < 0 {
		return 0, 0, false
	}
	return ts, te, true
}
