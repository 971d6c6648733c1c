package main

import (
	"fmt"
	"io"
	"strings"
	"unicode"
)

// textTable prints aligned columns, counting East Asian wide letters (Hangul, Han) as two
// columns as terminals show them.
type textTable struct {
	header []string
	rows   [][]string
}

func (t *textTable) add(cells ...string) { t.rows = append(t.rows, cells) }

func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Hangul, r), unicode.Is(unicode.Han, r), r >= 0x3000 && r <= 0x303F, r >= 0xFF01 && r <= 0xFF60:
			w += 2
		default:
			w++
		}
	}
	return w
}

func (t *textTable) write(w io.Writer) {
	widths := make([]int, len(t.header))
	all := append([][]string{t.header}, t.rows...)
	for _, r := range all {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], displayWidth(c))
			}
		}
	}
	for _, r := range all {
		var b strings.Builder
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}
