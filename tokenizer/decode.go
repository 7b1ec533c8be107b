package tokenizer

import "strings"

// decoder turns token spellings back into text pieces (Hugging Face decoder
// chain semantics: each step maps a list of strings to a list of strings).
// first is true when these tokens begin the output (for the strip steps).
type decoder interface {
	decode(toks []string, first bool) []string
}

type decSequence []decoder

func (ds decSequence) decode(toks []string, first bool) []string {
	for _, d := range ds {
		toks = d.decode(toks, first)
	}
	return toks
}

// decByteLevel maps byte-level runes back to bytes and joins the tokens.
type decByteLevel struct{}

func (decByteLevel) decode(toks []string, _ bool) []string {
	var out []byte
	for _, t := range toks {
		out = byteLevelDecode(t, out)
	}
	return []string{string(out)}
}

type decReplace struct{ old, new string }

func (d decReplace) decode(toks []string, _ bool) []string {
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(t, d.old, d.new)
	}
	return toks
}

// decByteFallback turns <0xNN> tokens into their bytes (runs of them are
// joined so that multi-byte characters come out whole).
type decByteFallback struct{}

func (decByteFallback) decode(toks []string, _ bool) []string {
	out := toks[:0:0]
	var pend []byte
	for _, t := range toks {
		if b, ok := parseByteToken(t); ok {
			pend = append(pend, b)
			continue
		}
		if len(pend) > 0 {
			out = append(out, string(pend))
			pend = pend[:0]
		}
		out = append(out, t)
	}
	if len(pend) > 0 {
		out = append(out, string(pend))
	}
	return out
}

type decFuse struct{}

func (decFuse) decode(toks []string, _ bool) []string {
	return []string{strings.Join(toks, "")}
}

// decStrip removes up to start leading and stop trailing copies of content
// from each token (only the first token of the output for start, matching
// where reference tokenizers strip the prefix space).
type decStrip struct {
	content     string
	start, stop int
}

func (d decStrip) decode(toks []string, first bool) []string {
	for i, t := range toks {
		if first || i > 0 {
			for k := 0; k < d.start && strings.HasPrefix(t, d.content); k++ {
				t = t[len(d.content):]
			}
		}
		for k := 0; k < d.stop && strings.HasSuffix(t, d.content); k++ {
			t = t[:len(t)-len(d.content)]
		}
		toks[i] = t
	}
	return toks
}

// decMetaspace turns ▁ back into spaces and drops the prepended one.
type decMetaspace struct {
	repl   string
	scheme int
}

func (d decMetaspace) decode(toks []string, first bool) []string {
	for i, t := range toks {
		t = strings.ReplaceAll(t, d.repl, " ")
		if i == 0 && first && d.scheme != prependNever {
			t = strings.TrimPrefix(t, " ")
		}
		toks[i] = t
	}
	return toks
}

// decWordPiece joins word pieces: "##" continues a word, others start one.
type decWordPiece struct {
	prefix  string
	cleanup bool
}

func (d decWordPiece) decode(toks []string, first bool) []string {
	for i, t := range toks {
		if i > 0 || !first {
			if strings.HasPrefix(t, d.prefix) {
				t = t[len(d.prefix):]
			} else {
				t = " " + t
			}
		}
		if d.cleanup {
			t = wordPieceCleanup.Replace(t)
		}
		toks[i] = t
	}
	return toks
}

var wordPieceCleanup = strings.NewReplacer(" .", ".", " ?", "?", " !", "!", " ,", ",", " ' ", "'",
	" n't", "n't", " 'm", "'m", " do not", " don't", " 's", "'s", " 've", "'ve", " 're", "'re")

// decJoin is the default when a tokenizer has no decoder: tokens joined by
// spaces (Hugging Face behaviour).
type decJoin struct{}

func (decJoin) decode(toks []string, first bool) []string {
	s := strings.Join(toks, " ")
	if !first && s != "" {
		s = " " + s
	}
	return []string{s}
}
