package chat

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Span is the byte range [Start, End) of Rendered.Text where the template
// printed the content of message Message (an index into the messages given to
// Render). Text[Start:End] is the content as printed: the content itself, or
// what the template made of it (trimmed by "| trim", cut by a split, ...).
type Span struct {
	Message    int
	Start, End int
	// Transformed is set when Text[Start:End] differs from the content: the
	// template printed a transformation of it. The pipeline should check it
	// before treating the span as the exact content (see the package
	// documentation for what the span finder can and cannot verify).
	Transformed bool
}

// Method names how Render located the spans.
type Method string

const (
	// MethodSkeleton: matched against a rendering with sentinel contents.
	MethodSkeleton Method = "skeleton"
	// MethodVerbatim: each content (or its trimmed form) found verbatim, in
	// order, and unique in the rest of the text.
	MethodVerbatim Method = "verbatim"
)

// Rendered is a rendered conversation with the spans of message contents.
type Rendered struct {
	// Text is the template's output.
	Text string
	// Spans lists every place a non-empty content was printed, in text
	// order. A template may print a content more than once (one span each)
	// or not at all (no span); empty contents have none.
	Spans []Span
	// Method is how the spans were found.
	Method Method
}

// MessageSpans returns the spans of message i, in text order.
func (r *Rendered) MessageSpans(i int) []Span {
	var out []Span
	for _, s := range r.Spans {
		if s.Message == i {
			out = append(out, s)
		}
	}
	return out
}

// sentinelRE finds the sentinels of sentinel(i), in any letter case so that
// they survive upper, lower, title and capitalize filters.
var sentinelRE = regexp.MustCompile(`(?i)zqhnsentinel([0-9]+)qz`)

// sentinel is the stand-in content for message i. It is ASCII letters and
// digits only, so trim, tojson and escape leave it alone.
func sentinel(i int) string { return "zqhnsentinel" + strconv.Itoa(i) + "qz" }

// Render renders msgs and locates every content in the text (see the package
// documentation for how).
func (t *Template) Render(msgs []Message, opt Options) (*Rendered, error) {
	contents := make([]string, len(msgs))
	for i, m := range msgs {
		contents[i] = m.Content
	}
	text, err := t.render(msgs, contents, opt)
	if err != nil {
		return nil, err
	}
	out := &Rendered{Text: text}
	sents := make([]string, len(msgs))
	for i, m := range msgs {
		if m.Content != "" {
			sents[i] = sentinel(i)
		}
		if sentinelRE.MatchString(m.Content) {
			return nil, fmt.Errorf("chat: message %d content contains the reserved span sentinel pattern %s", i, sentinelRE)
		}
	}
	skel, serr := t.render(msgs, sents, opt)
	if serr == nil {
		spans, err := matchSkeleton(text, skel, contents)
		if err == nil {
			out.Spans, out.Method = spans, MethodSkeleton
			return out, nil
		}
		serr = err
	}
	spans, verr := findVerbatim(text, contents)
	if verr != nil {
		return nil, fmt.Errorf("chat: locate message contents: sentinel skeleton: %v; verbatim search: %w", serr, verr)
	}
	out.Spans, out.Method = spans, MethodVerbatim
	return out, nil
}

// matchSkeleton splits skel at its sentinels into literal pieces and finds
// those pieces, in order, in text; the gaps are the printed contents.
func matchSkeleton(text, skel string, contents []string) ([]Span, error) {
	locs := sentinelRE.FindAllStringSubmatchIndex(skel, -1)
	pieces := make([]string, 0, len(locs)+1)
	msg := make([]int, len(locs))
	prev := 0
	for k, l := range locs {
		i, err := strconv.Atoi(skel[l[2]:l[3]])
		if err != nil || i < 0 || i >= len(contents) || contents[i] == "" {
			return nil, fmt.Errorf("sentinel %q does not name a message", skel[l[0]:l[1]])
		}
		msg[k] = i
		pieces = append(pieces, skel[prev:l[0]])
		prev = l[1]
	}
	pieces = append(pieces, skel[prev:])
	n := len(locs)
	if n == 0 {
		if text != skel {
			return nil, errors.New("no content printed, but the rendering depends on the contents")
		}
		return nil, nil
	}
	first, last := pieces[0], pieces[n]
	if len(text) < len(first)+len(last) || !strings.HasPrefix(text, first) || !strings.HasSuffix(text, last) {
		return nil, errors.New("the text does not start and end like the sentinel rendering")
	}
	lo, hi := len(first), len(text)-len(last)
	// Leftmost and rightmost feasible starts of the middle pieces 1..n-1.
	left := make([]int, n+1)
	right := make([]int, n+1)
	left[n], right[n] = hi, hi
	if !placeLeft(text, pieces, left, 1, lo, hi) {
		return nil, errors.New("the text does not contain the sentinel rendering's literal pieces in order")
	}
	end := hi
	for k := n - 1; k >= 1; k-- {
		j := strings.LastIndex(text[lo:end], pieces[k])
		if j < 0 {
			return nil, errors.New("the text does not contain the sentinel rendering's literal pieces in order")
		}
		right[k] = lo + j
		end = right[k]
	}
	spans := make([]Span, 0, n)
	pos := lo
	for k := 0; k < n; k++ {
		next := k + 1
		stop := left[next]
		if left[next] != right[next] {
			stop = -1
			var chosen []int
			for _, c := range candidates(contents[msg[k]]) {
				e := pos + len(c)
				if e < left[next] || e > right[next] || !strings.HasPrefix(text[pos:], c) || !strings.HasPrefix(text[e:], pieces[next]) {
					continue
				}
				trial := append([]int(nil), left...)
				trial[next] = e
				if !placeLeft(text, pieces, trial, next+1, e+len(pieces[next]), hi) {
					continue
				}
				if stop >= 0 {
					// Two forms fit with different ends: the template
					// could have printed either.
					return nil, fmt.Errorf("message %d: the content's end is ambiguous: both the content and its trimmed form fit", msg[k])
				}
				stop, chosen = e, trial
			}
			if stop >= 0 {
				left = chosen
			}
			if stop < 0 {
				return nil, fmt.Errorf("message %d: the content's end is ambiguous (between bytes %d and %d) and neither the content nor its trimmed form settles it", msg[k], left[next], right[next])
			}
		}
		if stop < pos {
			return nil, fmt.Errorf("message %d: pieces overlap", msg[k])
		}
		spans = append(spans, Span{Message: msg[k], Start: pos, End: stop, Transformed: text[pos:stop] != contents[msg[k]]})
		pos = stop + len(pieces[next])
	}
	return spans, nil
}

// placeLeft places pieces[from..len(pieces)-2] at their leftmost positions in
// text[pos:hi], writing the starts into starts; it reports whether all fit.
func placeLeft(text string, pieces []string, starts []int, from, pos, hi int) bool {
	for k := from; k < len(pieces)-1; k++ {
		if pos > hi {
			return false
		}
		j := strings.Index(text[pos:hi], pieces[k])
		if j < 0 {
			return false
		}
		starts[k] = pos + j
		pos = starts[k] + len(pieces[k])
	}
	return pos <= hi
}

// candidates are the forms in which a template commonly prints a content:
// itself, then trimmed (Jinja's trim strips Unicode white space).
func candidates(c string) []string {
	out := []string{c}
	if t := strings.TrimSpace(c); t != c {
		out = append(out, t)
	}
	return out
}

// findVerbatim finds each non-empty content, or its trimmed form, in message
// order, requiring it to occur exactly once in the rest of the text.
func findVerbatim(text string, contents []string) ([]Span, error) {
	var spans []Span
	pos := 0
	for i, c := range contents {
		if c == "" {
			continue
		}
		found := false
		for _, cand := range candidates(c) {
			if cand == "" {
				continue
			}
			j := strings.Index(text[pos:], cand)
			if j < 0 {
				continue
			}
			if strings.Index(text[pos+j+1:], cand) >= 0 {
				return nil, fmt.Errorf("message %d: content occurs more than once after byte %d", i, pos)
			}
			spans = append(spans, Span{Message: i, Start: pos + j, End: pos + j + len(cand), Transformed: cand != c})
			pos += j + len(cand)
			found = true
			break
		}
		if !found {
			return nil, fmt.Errorf("message %d: content not found after byte %d", i, pos)
		}
	}
	return spans, nil
}
