package tokenizer

// Byte-level BPE (GPT-2 and its descendants) stores every byte as a printable
// rune so that vocabularies are valid UTF-8 text: bytes that are printable
// Latin-1 characters stand for themselves, the other 68 are mapped, in order,
// onto U+0100 upwards.

var (
	byteToRune [256]rune     // byte -> printable rune
	byteToStr  [256]string   // byte -> UTF-8 of byteToRune
	runeToByte map[rune]byte // inverse of byteToRune
)

func init() {
	runeToByte = make(map[rune]byte, 256)
	next := rune(256)
	for b := range 256 {
		printable := (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
		r := rune(b)
		if !printable {
			r = next
			next++
		}
		byteToRune[b] = r
		byteToStr[b] = string(r)
		runeToByte[r] = byte(b)
	}
}

// byteLevelEncode maps raw bytes to their byte-level rune spelling.
func byteLevelEncode(s string) string {
	out := make([]byte, 0, len(s)*2)
	for i := 0; i < len(s); i++ {
		out = append(out, byteToStr[s[i]]...)
	}
	return string(out)
}

// byteLevelDecode maps a byte-level spelling back to raw bytes; runes outside
// the table are kept as their UTF-8 bytes (added tokens are not byte-mapped).
func byteLevelDecode(s string, out []byte) []byte {
	for _, r := range s {
		if b, ok := runeToByte[r]; ok {
			out = append(out, b)
		} else {
			out = append(out, string(r)...)
		}
	}
	return out
}
