package pdf

import (
	"strconv"

	"custodian"
	"custodian/publish"

	"github.com/go-pdf/fpdf"
)

// Sign renders the signboard s as a one-page A4 PDF: the layout of publish.LayoutSign,
// measured with the embedded font, with the camera pictogram drawn as shapes. The PDF's
// title is the sign's title and site unless opt says otherwise; its author is the
// organisation unless opt says otherwise.
func Sign(s *publish.Sign, opt Options) ([]byte, error) {
	if s == nil {
		return nil, custodian.Errorf(custodian.EINVALID, "안내판 내용이 없습니다", "no signboard to render")
	}
	if opt.Author == "" {
		opt.Author = s.Organisation
	}
	w, err := newWriter(opt, s.Title+" — "+s.SiteName)
	if err != nil {
		return nil, err
	}
	// Lay out before the page exists, so that measuring writes nothing into it.
	page := publish.LayoutSign(s, w.measure)
	w.addPage()
	for _, sh := range page.Shapes {
		w.shape(sh)
	}
	for _, t := range page.Texts {
		style := ""
		if t.Bold {
			style = "B"
		}
		w.font(style, t.Size/ptToMM, hexColor(t.Color))
		x := t.X
		if t.Center {
			x -= w.f.GetStringWidth(t.Text) / 2
		}
		w.f.Text(x, t.Y, t.Text)
	}
	return w.output()
}

// measure is the publish.Measure of the embedded font: the width of text in millimetres
// at size millimetres.
func (w *writer) measure(text string, size float64, bold bool) float64 {
	style := ""
	if bold {
		style = "B"
	}
	w.f.SetFont(fontFamily, style, size/ptToMM)
	return w.f.GetStringWidth(text)
}

// shape draws one shape of a sign.
func (w *writer) shape(sh publish.SignShape) {
	style := ""
	if sh.Fill != "" {
		c := hexColor(sh.Fill)
		w.f.SetFillColor(c.r, c.g, c.b)
		style += "F"
	}
	if sh.Stroke != "" {
		c := hexColor(sh.Stroke)
		w.f.SetDrawColor(c.r, c.g, c.b)
		w.f.SetLineWidth(sh.StrokeWidth)
		style += "D"
	}
	if style == "" {
		return
	}
	switch sh.Kind {
	case publish.ShapeRect:
		if sh.R > 0 {
			w.f.RoundedRect(sh.X, sh.Y, sh.W, sh.H, sh.R, "1234", style)
		} else {
			w.f.Rect(sh.X, sh.Y, sh.W, sh.H, style)
		}
	case publish.ShapeCircle:
		w.f.Circle(sh.X, sh.Y, sh.R, style)
	case publish.ShapePolygon:
		pts := make([]fpdf.PointType, len(sh.Points))
		for i, p := range sh.Points {
			pts[i] = fpdf.PointType{X: p[0], Y: p[1]}
		}
		w.f.Polygon(pts, style)
	case publish.ShapeLine:
		w.f.Line(sh.X, sh.Y, sh.X2, sh.Y2)
	}
}

// hexColor parses "#rrggbb"; anything else is the text colour.
func hexColor(s string) rgb {
	if len(s) != 7 || s[0] != '#' {
		return colText
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return colText
	}
	return rgb{int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)}
}
