// Package pdf renders the documents of package publish as A4 PDFs: the operation &
// management policy (운영·관리 방침), or any other publish.Document, and the signboards
// (안내판). Every PDF embeds the Korean TrueType font NanumGothic (Debian's fonts-nanum), so
// that it prints and reads the same everywhere; see FontDirEnv for where the font is found.
package pdf

import (
	"bytes"
	"strconv"
	"time"

	"custodian/publish"

	"github.com/go-pdf/fpdf"
)

// Options are the settings of a rendered PDF that are not in the document itself.
type Options struct {
	// CreationDate is written as the PDF's creation and modification date, so that the same
	// document rendered with the same date gives the same bytes. Zero means now.
	CreationDate time.Time
	// Title is the PDF's title metadata; empty means the document's title.
	Title string
	// Author is the PDF's author metadata, usually the organisation; empty means none.
	Author string
}

// Page geometry of A4 in millimetres.
const (
	pageWidth    = 210.0
	pageHeight   = 297.0
	marginLeft   = 18.0
	marginRight  = 18.0
	marginTop    = 18.0
	bodyBottom   = pageHeight - 20 // the lowest y body text may reach; the footer is below
	footerRuleY  = pageHeight - 14
	contentWidth = pageWidth - marginLeft - marginRight
)

// ptToMM converts a font size in points to millimetres.
const ptToMM = 25.4 / 72

// rgb is a colour.
type rgb struct{ r, g, b int }

// Colours of the policy, the same as the HTML stylesheet's.
var (
	colText      = rgb{17, 17, 17}
	colMuted     = rgb{68, 68, 68}
	colNavy      = rgb{29, 61, 107}
	colBorder    = rgb{138, 148, 166}
	colHeaderBg  = rgb{232, 237, 245}
	colTotalBg   = rgb{244, 246, 250}
	colFooter    = rgb{85, 85, 85}
	colFooterRul = rgb{204, 204, 204}
)

// writer is one PDF being written: the fpdf document and the cursor's vertical position.
type writer struct {
	f *fpdf.Fpdf
	y float64
}

// newWriter starts an A4 PDF with the Korean font embedded and the metadata of opt.
func newWriter(opt Options, title string) (*writer, error) {
	fs, err := fonts()
	if err != nil {
		return nil, err
	}
	f := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	created := opt.CreationDate
	if created.IsZero() {
		created = time.Now()
	}
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetCatalogSort(true)
	if opt.Title != "" {
		title = opt.Title
	}
	f.SetTitle(title, true)
	if opt.Author != "" {
		f.SetAuthor(opt.Author, true)
	}
	f.SetCreator("Custodian", true)
	f.SetProducer("Custodian (go-pdf/fpdf)", true)
	f.SetLang("ko")
	f.AddUTF8FontFromBytes(fontFamily, "", fs.regular)
	f.AddUTF8FontFromBytes(fontFamily, "B", fs.bold)
	f.SetMargins(marginLeft, marginTop, marginRight)
	f.SetAutoPageBreak(false, 0)
	f.SetCellMargin(0)
	if err := f.Error(); err != nil {
		return nil, err
	}
	return &writer{f: f}, nil
}

// font selects the embedded font in the given style ("" or "B") and size in points, and the
// text colour.
func (w *writer) font(style string, size float64, c rgb) {
	w.f.SetFont(fontFamily, style, size)
	w.f.SetTextColor(c.r, c.g, c.b)
}

// lineHeight is the distance between lines of text of the given size, in millimetres.
func lineHeight(size float64) float64 { return size * 1.5 * ptToMM }

// addPage starts a new page and puts the cursor at its top.
func (w *writer) addPage() {
	w.f.AddPage()
	w.y = marginTop
}

// ensure starts a new page unless h millimetres fit between the cursor and the bottom of the
// body. It reports whether it started one.
func (w *writer) ensure(h float64) bool {
	if w.y+h <= bodyBottom {
		return false
	}
	w.addPage()
	return true
}

// textIn writes one line of text with its top at (x, y) aligned ("L", "C" or "R") within
// width.
func (w *writer) textIn(x, y, width, lh float64, s, align string) {
	w.f.SetXY(x, y)
	w.f.CellFormat(width, lh, s, "", 0, align, false, 0, "")
}

// wrap breaks text into lines no wider than width in the current font (publish.WrapText):
// between words, and between characters inside a word wider than width.
func (w *writer) wrap(text string, width float64) []string {
	return publish.WrapText(text, width, w.f.GetStringWidth)
}

// ellipsize shortens s with "…" until it fits in width in the current font.
func (w *writer) ellipsize(s string, width float64) string {
	if w.f.GetStringWidth(s) <= width {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && w.f.GetStringWidth(string(rs)+"…") > width {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}

// footers writes the footer on every page: the text on the left and "n / N" on the right,
// under a thin rule. It runs after the content, when the number of pages is known.
func (w *writer) footers(text string) {
	n := w.f.PageCount()
	for p := 1; p <= n; p++ {
		w.f.SetPage(p)
		w.f.SetDrawColor(colFooterRul.r, colFooterRul.g, colFooterRul.b)
		w.f.SetLineWidth(0.2)
		w.f.Line(marginLeft, footerRuleY, pageWidth-marginRight, footerRuleY)
		w.font("", 8, colFooter)
		lh := lineHeight(8)
		num := strconv.Itoa(p) + " / " + strconv.Itoa(n)
		numW := w.f.GetStringWidth(num)
		if text != "" {
			w.textIn(marginLeft, footerRuleY+1.5, contentWidth-numW-6, lh, w.ellipsize(text, contentWidth-numW-6), "L")
		}
		w.textIn(marginLeft, footerRuleY+1.5, contentWidth, lh, num, "R")
	}
	w.f.SetPage(n)
}

// output closes the document and returns its bytes, or the first error fpdf recorded.
func (w *writer) output() ([]byte, error) {
	if err := w.f.Error(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := w.f.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
