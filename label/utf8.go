package label

import "unicode/utf8"

func decodeAt(s string, i int) (rune, int) { return utf8.DecodeRuneInString(s[i:]) }

func decodeLast(s string) (rune, int) { return utf8.DecodeLastRuneInString(s) }
