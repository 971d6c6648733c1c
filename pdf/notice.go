package pdf

import (
	"custodian"
	"custodian/publish"
)

// Notice renders a notice to a data subject (열람 등 결정 통지서, 연기 통지서) as an A4 PDF with
// the embedded Korean font: the title, the organisation and request number, a table of the
// request and the decision, the sections (grounds, existence answer, deletion outcome,
// delivery, how to object) and the closing with the date and the organisation.
func Notice(n *custodian.RequestNotice, opt Options) ([]byte, error) {
	return Policy(NoticeDocument(n), opt)
}

// NoticeDocument is the notice as a publish.Document (the same the status page shows).
func NoticeDocument(n *custodian.RequestNotice) *publish.Document {
	d := &publish.Document{Lang: "ko", Title: n.Title, Meta: []string{n.Organisation + " · 접수 번호 " + n.Code}}
	t := &publish.Table{Header: []string{"항목", "내용"}, Widths: []float64{1, 3}}
	for _, f := range n.Fields {
		t.AddRow(f.Label, f.Value)
	}
	d.Intro = []publish.Block{t}
	for i, s := range n.Sections {
		sec := publish.Section{Number: i + 1, Title: s.Title}
		for _, p := range s.Paragraphs {
			sec.Blocks = append(sec.Blocks, &publish.Paragraph{Text: p})
		}
		if len(s.Items) > 0 {
			sec.Blocks = append(sec.Blocks, &publish.List{Items: s.Items})
		}
		d.Sections = append(d.Sections, sec)
	}
	d.Sections = append(d.Sections, publish.Section{Title: n.Closing, Blocks: []publish.Block{
		&publish.Paragraph{Text: n.Issued.Korean()}, &publish.Paragraph{Text: n.Organisation},
	}})
	d.Footer = n.Organisation + " — " + n.Title + " (" + n.Code + ")"
	return d
}
