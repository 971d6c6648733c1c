package pdf

import (
	"strconv"
	"strings"
	"time"

	"custodian"

	"github.com/go-pdf/fpdf"
)

// LedgerDoc is the ledger (개인영상정보 관리대장) to print: its rows and what the page
// heads say.
type LedgerDoc struct {
	Organisation string
	// From and To are the period printed (zero: from the first record, until Printed).
	From, To time.Time
	// Conditions describes the other filters ("구분: 파기, 카메라: lobby-1"); empty: none.
	Conditions string
	Printed    time.Time
	Rows       []custodian.LedgerRow
}

// Landscape A4 geometry of the ledger, in millimetres.
const (
	lgWidth   = 297.0
	lgHeight  = 210.0
	lgMargin  = 10.0
	lgBottom  = lgHeight - 14 // the lowest y a row may reach; the footer is below
	lgFooterY = lgHeight - 10
	lgFont    = 7.0 // table text, points
	lgPad     = 1.0 // cell padding
	lgMaxLine = 14  // lines of one cell at most (the rest is cut with …)
)

// ledgerColumns are the table's columns: heading and width (they fill 277 mm).
var ledgerColumns = []struct {
	head  string
	width float64
}{
	{"번호", 10}, {"구분", 13}, {"일시", 20}, {"파일명·형식", 30}, {"담당자", 20}, {"목적·사유", 36}, {"제공받는 자·청구인", 28},
	{"법적 근거", 30}, {"형태·결정", 30}, {"촬영 기간·장소", 38}, {"보관·파기", 22},
}

func ledgerTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(custodian.KST).Format("2006-01-02 15:04")
}

// ledgerCells are the texts of one row, a column each.
func ledgerCells(r *custodian.LedgerRow) []string {
	file := r.File
	if r.Format != "" {
		file = strings.TrimSpace(file + " (" + r.Format + ")")
	}
	form := r.Form
	if r.Decision != "" {
		form += "\n결정: " + r.Decision
	}
	var period []string
	switch {
	case !r.From.IsZero() && r.To.IsZero():
		period = append(period, ledgerTime(r.From)+" ~ (실시간)")
	case !r.From.IsZero():
		period = append(period, ledgerTime(r.From)+" ~ "+ledgerTime(r.To))
	}
	for _, c := range r.Cameras {
		place := strings.TrimSpace(strings.Join(nonEmpty(c.SiteName, c.Location), " "))
		if c.ID != "" && place != "" {
			period = append(period, c.ID+" ("+place+")")
		} else {
			period = append(period, c.ID+place)
		}
	}
	var keep []string
	if r.Retention != "" {
		keep = append(keep, "보관 "+r.Retention)
	}
	if !r.PlannedDestruction.IsZero() {
		keep = append(keep, "예정 "+r.PlannedDestruction.In(custodian.KST).Format("2006-01-02"))
	}
	if !r.Destroyed.IsZero() {
		keep = append(keep, "파기 "+r.Destroyed.In(custodian.KST).Format("2006-01-02"))
	}
	var refs []string
	if len(r.Source.Records) > 0 {
		n := make([]string, 0, len(r.Source.Records))
		for _, s := range r.Source.Records {
			n = append(n, strconv.FormatUint(s, 10))
		}
		refs = append(refs, "#"+strings.Join(n, ",#"))
	}
	no := strconv.Itoa(r.No)
	if len(refs) > 0 {
		no += "\n" + strings.Join(refs, " ")
	}
	name := custodian.LedgerTypeNames[r.Type][0]
	if name == "" {
		name = r.Type
	}
	return []string{no, name, ledgerTime(r.At), file, r.Staff, r.Purpose, r.Party, r.LegalBasis, form, strings.Join(period, "\n"), strings.Join(keep, "\n")}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Ledger renders the ledger as A4 landscape pages: on each, the title, the organisation
// and the period, the approval box (결재란: 담당, 관리책임자) and the table's heading; the
// page number and the organisation in the footer.
func Ledger(d *LedgerDoc, opt Options) ([]byte, error) {
	if d == nil {
		return nil, custodian.Errorf(custodian.EINVALID, "관리대장 내용이 없습니다", "no ledger to render")
	}
	if opt.Author == "" {
		opt.Author = d.Organisation
	}
	w, err := newWriter(opt, "개인영상정보 관리대장 — "+d.Organisation)
	if err != nil {
		return nil, err
	}
	lw := &ledgerWriter{writer: w, d: d}
	lw.page()
	if len(d.Rows) == 0 {
		w.font("", 9, colMuted)
		w.textIn(lgMargin, w.y+2, lgWidth-2*lgMargin, lineHeight(9), "해당하는 기록이 없습니다 (no records)", "C")
	}
	for i := range d.Rows {
		lw.row(ledgerCells(&d.Rows[i]))
	}
	lw.footers()
	return w.output()
}

type ledgerWriter struct {
	*writer
	d *LedgerDoc
}

func (lw *ledgerWriter) lh() float64 { return lgFont * 1.35 * ptToMM }

// page starts a landscape page with its head and the table's heading.
func (lw *ledgerWriter) page() {
	f := lw.f
	f.AddPageFormat("L", fpdf.SizeType{Wd: pageWidth, Ht: pageHeight})
	y := lgMargin
	// The approval box at the top right: a label column, then 담당 and 관리책임자.
	const labelW, boxW, headH, signH = 7.0, 26.0, 6.0, 15.0
	bx := lgWidth - lgMargin - labelW - 2*boxW
	f.SetDrawColor(colBorder.r, colBorder.g, colBorder.b)
	f.SetLineWidth(0.3)
	f.Rect(bx, y, labelW, headH+signH, "D")
	lw.font("B", 8, colText)
	lh := lineHeight(8)
	for i, ch := range []string{"결", "재"} {
		lw.textIn(bx, y+(headH+signH)/2-lh+float64(i)*lh, labelW, lh, ch, "C")
	}
	for i, head := range []string{"담당", "관리책임자"} {
		x := bx + labelW + float64(i)*boxW
		f.SetFillColor(colHeaderBg.r, colHeaderBg.g, colHeaderBg.b)
		f.Rect(x, y, boxW, headH, "FD")
		f.Rect(x, y+headH, boxW, signH, "D")
		lw.textIn(x, y+(headH-lh)/2, boxW, lh, head, "C")
	}
	// The title and what is printed.
	lw.font("B", 16, colNavy)
	lw.textIn(lgMargin, y+1, bx-lgMargin-4, lineHeight(16), "개인영상정보 관리대장", "L")
	lw.font("", 9, colText)
	period := "전체"
	if !lw.d.From.IsZero() || !lw.d.To.IsZero() {
		to := lw.d.To
		if !to.IsZero() {
			to = to.Add(-time.Nanosecond) // the period is [From, To): its last day
		}
		from := "처음"
		if !lw.d.From.IsZero() {
			from = lw.d.From.In(custodian.KST).Format("2006-01-02")
		}
		until := "현재"
		if !to.IsZero() {
			until = to.In(custodian.KST).Format("2006-01-02")
		}
		period = from + " ~ " + until
	}
	info := "기관: " + lw.d.Organisation + "    기간: " + period
	if lw.d.Conditions != "" {
		info += "    조건: " + lw.d.Conditions
	}
	if !lw.d.Printed.IsZero() {
		info += "    출력: " + ledgerTime(lw.d.Printed)
	}
	lw.textIn(lgMargin, y+lineHeight(16)+2, bx-lgMargin-4, lineHeight(9), lw.ellipsize(info, bx-lgMargin-4), "L")
	lw.y = y + headH + signH + 3
	lw.heading()
}

// heading draws the table's heading row.
func (lw *ledgerWriter) heading() {
	heads := make([]string, len(ledgerColumns))
	for i, c := range ledgerColumns {
		heads[i] = c.head
	}
	lw.font("B", lgFont, colText)
	lines, h := lw.layout(heads)
	lw.draw(lines, h, &colHeaderBg)
}

// layout wraps the cells in the current font; it returns the lines and the row's height.
func (lw *ledgerWriter) layout(cells []string) ([][]string, float64) {
	lines := make([][]string, len(cells))
	n := 1
	for i, c := range cells {
		width := ledgerColumns[i].width - 2*lgPad
		for _, para := range strings.Split(c, "\n") {
			lines[i] = append(lines[i], lw.wrap(para, width)...)
		}
		if len(lines[i]) > lgMaxLine {
			lines[i] = lines[i][:lgMaxLine]
			lines[i][lgMaxLine-1] = lw.ellipsize(lines[i][lgMaxLine-1]+"…", width)
		}
		n = max(n, len(lines[i]))
	}
	return lines, float64(n)*lw.lh() + 2*lgPad
}

// draw draws one row of cells at the cursor.
func (lw *ledgerWriter) draw(lines [][]string, h float64, bg *rgb) {
	f := lw.f
	x := lgMargin
	f.SetDrawColor(colBorder.r, colBorder.g, colBorder.b)
	f.SetLineWidth(0.2)
	for i, c := range ledgerColumns {
		if bg != nil {
			f.SetFillColor(bg.r, bg.g, bg.b)
			f.Rect(x, lw.y, c.width, h, "FD")
		} else {
			f.Rect(x, lw.y, c.width, h, "D")
		}
		align := "L"
		if bg != nil || i < 2 {
			align = "C"
		}
		for j, line := range lines[i] {
			lw.textIn(x+lgPad, lw.y+lgPad+float64(j)*lw.lh(), c.width-2*lgPad, lw.lh(), line, align)
		}
		x += c.width
	}
	lw.y += h
}

// row draws a row of the ledger, on a new page when it does not fit.
func (lw *ledgerWriter) row(cells []string) {
	lw.font("", lgFont, colText)
	lines, h := lw.layout(cells)
	if lw.y+h > lgBottom {
		lw.page()
		lw.font("", lgFont, colText)
	}
	lw.draw(lines, h, nil)
}

// footers writes "개인영상정보 관리대장 — organisation" and "n / N" under every page.
func (lw *ledgerWriter) footers() {
	f := lw.f
	n := f.PageCount()
	for p := 1; p <= n; p++ {
		f.SetPage(p)
		f.SetDrawColor(colFooterRul.r, colFooterRul.g, colFooterRul.b)
		f.SetLineWidth(0.2)
		f.Line(lgMargin, lgFooterY, lgWidth-lgMargin, lgFooterY)
		lw.font("", 8, colFooter)
		lh := lineHeight(8)
		num := strconv.Itoa(p) + " / " + strconv.Itoa(n)
		lw.textIn(lgMargin, lgFooterY+1, lgWidth-2*lgMargin-30, lh, lw.ellipsize("개인영상정보 관리대장 — "+lw.d.Organisation, lgWidth-2*lgMargin-30), "L")
		lw.textIn(lgMargin, lgFooterY+1, lgWidth-2*lgMargin, lh, num, "R")
	}
	f.SetPage(n)
}
