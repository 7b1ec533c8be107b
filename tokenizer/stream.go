package tokenizer

import "unicode/utf8"

// StreamDecoder turns token ids into text one id at a time, as a model
// generates them. Add returns only text that is complete: bytes of a
// character split across tokens are held back until the character is whole,
// and decoder steps that look at neighbouring tokens (prefix-space stripping,
// byte fallback) see the same context as a full Decode.
type StreamDecoder struct {
	t           *Tokenizer
	skipSpecial bool
	ids         []int
	prefix      int // start of the window that is decoded again each time
	read        int // ids before this have been returned as text
}

// NewStreamDecoder returns a streaming decoder that keeps special tokens in
// the text (call SkipSpecial to drop them).
func (t *Tokenizer) NewStreamDecoder() *StreamDecoder {
	return &StreamDecoder{t: t}
}

// SkipSpecial sets whether special tokens are left out; it returns d.
func (d *StreamDecoder) SkipSpecial(skip bool) *StreamDecoder {
	d.skipSpecial = skip
	return d
}

// Add takes the next id and returns the text it completes (often "" while a
// multi-byte character is still partial).
func (d *StreamDecoder) Add(id int) string {
	d.ids = append(d.ids, id)
	prev := d.t.Decode(d.ids[d.prefix:d.read], d.skipSpecial)
	full := d.t.Decode(d.ids[d.prefix:], d.skipSpecial)
	if len(full) <= len(prev) || incompleteUTF8(full) {
		return ""
	}
	d.prefix, d.read = d.read, len(d.ids)
	// keep the window short: ids before prefix are never decoded again
	if d.prefix > 64 {
		d.ids = append(d.ids[:0], d.ids[d.prefix:]...)
		d.read -= d.prefix
		d.prefix = 0
	}
	return full[len(prev):]
}

// Flush returns whatever text is still held back (possibly ending in an
// incomplete character) and resets the decoder.
func (d *StreamDecoder) Flush() string {
	prev := d.t.Decode(d.ids[d.prefix:d.read], d.skipSpecial)
	full := d.t.Decode(d.ids[d.prefix:], d.skipSpecial)
	d.ids, d.prefix, d.read = d.ids[:0], 0, 0
	if len(full) <= len(prev) {
		return ""
	}
	return full[len(prev):]
}

// incompleteUTF8 reports whether s ends in the valid beginning of a
// multi-byte character (bytes that may still be completed).
func incompleteUTF8(s string) bool {
	for k := 1; k <= 3 && k <= len(s); k++ {
		c := s[len(s)-k]
		if c < 0x80 {
			return false
		}
		if c >= 0xC0 { // start byte
			need := 2
			switch {
			case c >= 0xF0:
				need = 4
			case c >= 0xE0:
				need = 3
			}
			return k < need && !utf8.FullRuneInString(s[len(s)-k:])
		}
	}
	return false
}
