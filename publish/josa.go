package publish

import (
	"strings"
	"unicode/utf8"
)

// Josa attaches the Korean particle that fits word: pair is "은/는", "이/가", "을/를",
// "과/와" or "으로/로", the form for a final consonant first. A trailing parenthesis is
// skipped. When the last letter is not a Hangul syllable (a Latin letter, a digit) it writes
// both forms, "은(는)".
func Josa(word, pair string) string {
	withBatchim, without, ok := strings.Cut(pair, "/")
	if !ok {
		return word + pair
	}
	trimmed := strings.TrimRight(word, " ")
	// A particle after a parenthesis agrees with the word before it: "우체국(소속국 포함)은".
	for strings.HasSuffix(trimmed, ")") {
		open := strings.LastIndex(trimmed, "(")
		if open <= 0 {
			break
		}
		trimmed = strings.TrimRight(trimmed[:open], " ")
	}
	r, _ := utf8.DecodeLastRuneInString(trimmed)
	if r < 0xAC00 || r > 0xD7A3 {
		return word + withBatchim + "(" + without + ")"
	}
	final := (r - 0xAC00) % 28
	if pair == "으로/로" && final == 8 { // ㄹ takes 로
		return word + without
	}
	if final != 0 {
		return word + withBatchim
	}
	return word + without
}
