package pdf

import (
	"math"

	"custodian/publish"
)

// Type sizes of a document, in points.
const (
	sizeTitle      = 17
	sizeMeta       = 9.5
	sizeHeading    = 12.5
	sizeSubheading = 10.5
	sizeBody       = 10
	sizeNote       = 9
	sizeTable      = 9
	sizeCaption    = 9.5
)

// Table geometry, in millimetres.
const (
	cellPadX = 1.6
	cellPadY = 1.3
)

// Policy renders d, the operation & management policy or any other publish.Document, as an
// A4 PDF: the title and meta lines, the introduction, the numbered sections with their
// paragraphs, subheadings, lists and tables, and on every page the document's footer and the
// page number "n / N". Tables that break across pages repeat their header row, and a row is
// split across pages only when it is taller than a page.
func Policy(d *publish.Document, opt Options) ([]byte, error) {
	w, err := newWriter(opt, d.Title)
	if err != nil {
		return nil, err
	}
	w.addPage()

	w.font("B", sizeTitle, colNavy)
	lh := lineHeight(sizeTitle) * 0.85
	for _, l := range w.wrap(d.Title, contentWidth) {
		w.ensure(lh)
		w.textIn(marginLeft, w.y, contentWidth, lh, l, "L")
		w.y += lh
	}
	w.y += 1.5
	w.font("", sizeMeta, colMuted)
	for _, m := range d.Meta {
		w.paragraph(marginLeft, contentWidth, m, lineHeight(sizeMeta))
	}
	w.y += 2
	w.f.SetDrawColor(colNavy.r, colNavy.g, colNavy.b)
	w.f.SetLineWidth(0.6)
	w.f.Line(marginLeft, w.y, pageWidth-marginRight, w.y)
	w.y += 4

	w.blocks(d.Intro)
	for _, s := range d.Sections {
		w.heading(s.Heading())
		w.blocks(s.Blocks)
	}
	w.footers(d.Footer)
	return w.output()
}

// paragraph writes text wrapped to width in the current font, starting new pages as needed.
func (w *writer) paragraph(x, width float64, text string, lh float64) {
	for _, l := range w.wrap(text, width) {
		w.ensure(lh)
		w.textIn(x, w.y, width, lh, l, "L")
		w.y += lh
	}
}

// heading writes a section heading with a rule under it, on a new page when it and the
// first lines after it would not fit.
func (w *writer) heading(text string) {
	w.font("B", sizeHeading, colNavy)
	lh := lineHeight(sizeHeading) * 0.9
	lines := w.wrap(text, contentWidth)
	h := float64(len(lines))*lh + 2.5
	w.y += 5
	w.ensure(h + 3*lineHeight(sizeBody))
	for _, l := range lines {
		w.textIn(marginLeft, w.y, contentWidth, lh, l, "L")
		w.y += lh
	}
	w.y += 0.8
	w.f.SetDrawColor(colNavy.r, colNavy.g, colNavy.b)
	w.f.SetLineWidth(0.5)
	w.f.Line(marginLeft, w.y, pageWidth-marginRight, w.y)
	w.y += 2.5
}

// blocks writes a section's blocks.
func (w *writer) blocks(bs []publish.Block) {
	for _, b := range bs {
		switch x := b.(type) {
		case *publish.Paragraph:
			size, col := float64(sizeBody), colText
			if x.Note {
				size, col = sizeNote, colMuted
			}
			w.font("", size, col)
			w.paragraph(marginLeft, contentWidth, x.Text, lineHeight(size))
			w.y += 1.8
		case *publish.Subheading:
			w.font("B", sizeSubheading, colText)
			lh := lineHeight(sizeSubheading)
			lines := w.wrap(x.Text, contentWidth)
			w.y += 1.5
			w.ensure(float64(len(lines))*lh + 2*lineHeight(sizeBody))
			for _, l := range lines {
				w.textIn(marginLeft, w.y, contentWidth, lh, l, "L")
				w.y += lh
			}
			w.y += 0.5
		case *publish.List:
			w.list(x.Items)
		case *publish.Table:
			w.table(x)
		}
	}
}

// list writes a bulleted list with a hanging indent: wrapped lines start under the text,
// not under the bullet.
func (w *writer) list(items []string) {
	const indent, bulletX = 5.5, 1.5
	w.font("", sizeBody, colText)
	lh := lineHeight(sizeBody)
	for _, it := range items {
		for i, l := range w.wrap(it, contentWidth-indent) {
			w.ensure(lh)
			if i == 0 {
				w.textIn(marginLeft+bulletX, w.y, indent, lh, "•", "L")
			}
			w.textIn(marginLeft+indent, w.y, contentWidth-indent, lh, l, "L")
			w.y += lh
		}
		w.y += 0.8
	}
	w.y += 1
}

// tableLayout is a table measured for the page: column widths and each row's lines per cell.
type tableLayout struct {
	x      []float64 // left edge of each column
	widths []float64
	header [][]string
	rows   [][][]string
	lh     float64
}

// columnWidths scales the relative widths to the body width; nil or mismatched widths give
// even columns.
func columnWidths(rel []float64, n int) []float64 {
	out := make([]float64, n)
	sum := 0.0
	if len(rel) == n {
		for _, v := range rel {
			if v > 0 {
				sum += v
			}
		}
	}
	for i := range out {
		if sum > 0 && rel[i] > 0 {
			out[i] = contentWidth * rel[i] / sum
		} else if sum == 0 {
			out[i] = contentWidth / float64(n)
		}
	}
	return out
}

// layoutTable measures t: the lines of every cell, wrapped to its column.
func (w *writer) layoutTable(t *publish.Table) *tableLayout {
	n := len(t.Header)
	for _, r := range t.Rows {
		n = max(n, len(r))
	}
	l := &tableLayout{widths: columnWidths(t.Widths, n), lh: lineHeight(sizeTable) * 0.9}
	x := marginLeft
	for _, cw := range l.widths {
		l.x = append(l.x, x)
		x += cw
	}
	wrapRow := func(cells []string) [][]string {
		out := make([][]string, n)
		for c := range n {
			text := ""
			if c < len(cells) {
				text = cells[c]
			}
			out[c] = w.wrap(text, l.widths[c]-2*cellPadX)
		}
		return out
	}
	w.font("B", sizeTable, colText)
	l.header = wrapRow(t.Header)
	for i, r := range t.Rows {
		style := ""
		if t.IsTotal(i) {
			style = "B"
		}
		w.font(style, sizeTable, colText)
		l.rows = append(l.rows, wrapRow(r))
	}
	return l
}

// height is the height of a row of cells, in millimetres.
func (l *tableLayout) height(cells [][]string) float64 {
	n := 1
	for _, c := range cells {
		n = max(n, len(c))
	}
	return float64(n)*l.lh + 2*cellPadY
}

// drawRow draws a row of cells at the cursor with the given height, style and background.
func (w *writer) drawRow(l *tableLayout, cells [][]string, h float64, style string, bg *rgb) {
	w.f.SetDrawColor(colBorder.r, colBorder.g, colBorder.b)
	w.f.SetLineWidth(0.2)
	op := "D"
	if bg != nil {
		w.f.SetFillColor(bg.r, bg.g, bg.b)
		op = "FD"
	}
	w.font(style, sizeTable, colText)
	for c, lines := range cells {
		w.f.Rect(l.x[c], w.y, l.widths[c], h, op)
		for i, s := range lines {
			w.textIn(l.x[c]+cellPadX, w.y+cellPadY+float64(i)*l.lh, l.widths[c]-2*cellPadX, l.lh, s, "L")
		}
	}
	w.y += h
}

// table writes a table: its caption, the shaded header row, and the body rows, with total
// rows in bold. When the table breaks across pages the header row is repeated at the top of
// the new page; a row is split only when it is taller than a whole page.
func (w *writer) table(t *publish.Table) {
	if len(t.Header) == 0 && len(t.Rows) == 0 {
		return
	}
	l := w.layoutTable(t)
	headerH := l.height(l.header)
	header := func() { w.drawRow(l, l.header, headerH, "B", &colHeaderBg) }

	w.y += 1
	captionH := 0.0
	var caption []string
	if t.Caption != "" {
		w.font("B", sizeCaption, colText)
		caption = w.wrap(t.Caption, contentWidth)
		captionH = float64(len(caption))*lineHeight(sizeCaption) + 1
	}
	first := 0.0
	if len(l.rows) > 0 {
		first = math.Min(l.height(l.rows[0]), bodyBottom-marginTop-captionH-headerH)
	}
	w.ensure(captionH + headerH + first)
	if len(caption) > 0 {
		w.font("B", sizeCaption, colText)
		for _, s := range caption {
			w.textIn(marginLeft, w.y, contentWidth, lineHeight(sizeCaption), s, "L")
			w.y += lineHeight(sizeCaption)
		}
		w.y += 1
	}
	header()

	for i, cells := range l.rows {
		style, bg := "", (*rgb)(nil)
		if t.IsTotal(i) {
			style, bg = "B", &colTotalBg
		}
		h := l.height(cells)
		fullPage := bodyBottom - marginTop - headerH
		if w.y+h > bodyBottom && h <= fullPage {
			w.addPage()
			header()
		}
		// A row taller than a page is split: as many lines as fit here, the rest on the
		// following pages under a repeated header.
		for w.y+l.height(cells) > bodyBottom {
			fit := int((bodyBottom - w.y - 2*cellPadY) / l.lh)
			if fit < 1 {
				w.addPage()
				header()
				continue
			}
			head := make([][]string, len(cells))
			rest := make([][]string, len(cells))
			for c, lines := range cells {
				k := min(fit, len(lines))
				head[c], rest[c] = lines[:k], lines[k:]
			}
			w.drawRow(l, head, float64(fit)*l.lh+2*cellPadY, style, bg)
			cells = rest
			w.addPage()
			header()
		}
		w.drawRow(l, cells, l.height(cells), style, bg)
	}
	w.y += 3
}
