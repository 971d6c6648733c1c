package publish

import (
	"regexp"
	"strings"
)

var orderedRE = regexp.MustCompile(`^[0-9]{1,9}[.)]`)

// Markdown renders the document as CommonMark with GitHub tables. Every table row is one
// line: line breaks inside a cell become <br> and pipes are escaped.
func Markdown(d *Document) string {
	var b strings.Builder
	b.WriteString("# ")
	b.WriteString(escape(d.Title))
	b.WriteString("\n\n")
	for _, m := range d.Meta {
		b.WriteString("_" + inline(m) + "_\n\n")
	}
	writeBlocks(&b, d.Intro)
	for _, s := range d.Sections {
		b.WriteString("## ")
		b.WriteString(escape(s.Heading()))
		b.WriteString("\n\n")
		writeBlocks(&b, s.Blocks)
	}
	if d.Footer != "" {
		b.WriteString("---\n\n")
		b.WriteString(inline(d.Footer))
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func writeBlocks(b *strings.Builder, blocks []Block) {
	for _, bl := range blocks {
		switch x := bl.(type) {
		case *Paragraph:
			b.WriteString(inline(x.Text))
			b.WriteString("\n\n")
		case *Subheading:
			b.WriteString("### ")
			b.WriteString(escape(x.Text))
			b.WriteString("\n\n")
		case *List:
			for _, it := range x.Items {
				b.WriteString("- ")
				b.WriteString(inline(it))
				b.WriteString("\n")
			}
			b.WriteString("\n")
		case *Table:
			if x.Caption != "" {
				b.WriteString(inline(x.Caption))
				b.WriteString("\n\n")
			}
			row(b, x.Header, false)
			b.WriteString("|")
			for range x.Header {
				b.WriteString(" --- |")
			}
			b.WriteString("\n")
			for i, r := range x.Rows {
				row(b, r, x.IsTotal(i))
			}
			b.WriteString("\n")
		}
	}
}

func row(b *strings.Builder, cells []string, bold bool) {
	b.WriteString("|")
	for _, c := range cells {
		c = cell(c)
		if bold && c != "" {
			c = "**" + c + "**"
		}
		b.WriteString(" ")
		b.WriteString(c)
		b.WriteString(" |")
	}
	b.WriteString("\n")
}

// escape puts s on one line and escapes the characters that mark up inline text.
func escape(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return mdEscaper.Replace(s)
}

var mdEscaper = strings.NewReplacer("\\", "\\\\", "*", "\\*", "_", "\\_", "`", "\\`", "<", "&lt;", "[", "\\[")

// inline keeps text on its line and escapes what Markdown would read as markup where it
// would change the meaning (a leading '#', '-', '>' or a number followed by '.').
func inline(s string) string {
	s = escape(s)
	if s != "" && strings.ContainsRune("#->+=", rune(s[0])) {
		s = "\\" + s
	}
	if m := orderedRE.FindStringIndex(s); m != nil {
		s = s[:m[1]-1] + "\\" + s[m[1]-1:]
	}
	return s
}

func cell(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = inline(l)
	}
	return strings.ReplaceAll(strings.Join(lines, "<br>"), "|", "\\|")
}
