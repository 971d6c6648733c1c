// Package publish turns the registry into the documents an organisation publishes: the
// operation & management policy (운영·관리 방침) and the signboards (안내판). It builds each
// as a Document, a small format-neutral structure, and renders it as Markdown or HTML here,
// or as PDF in package pdf, so that every format says exactly the same thing.
package publish

import "strconv"

// Document is a titled sequence of sections.
type Document struct {
	// Lang is the BCP 47 language of the text, "ko" for every published document.
	Lang  string
	Title string
	// Meta lines printed under the title: organisation, version, effective date.
	Meta     []string
	Intro    []Block
	Sections []Section
	// Footer is printed at the end in small type.
	Footer string
}

// Section is a numbered (Number > 0) or unnumbered part of a document.
type Section struct {
	Number int
	Title  string
	Blocks []Block
}

// Heading returns the section title with its number: "1. 영상정보처리기기의 설치 근거 및 설치 목적".
func (s Section) Heading() string {
	if s.Number > 0 {
		return strconv.Itoa(s.Number) + ". " + s.Title
	}
	return s.Title
}

// Block is one of *Paragraph, *List, *Table, *Subheading.
type Block interface{ block() }

// Paragraph is running text. A Note paragraph is printed smaller ("※ ...").
type Paragraph struct {
	Text string
	Note bool
}

// List is a bulleted list.
type List struct {
	Items []string
}

// Table has a header row and body rows, each with as many cells as the header. A row whose
// Total flag is set is a subtotal or total and is printed in bold.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
	Total   []bool
	// Widths are relative column widths for paged output; nil for even widths.
	Widths []float64
}

// Subheading is a heading inside a section: "가. 기술적 조치".
type Subheading struct {
	Text string
}

func (*Paragraph) block()  {}
func (*List) block()       {}
func (*Table) block()      {}
func (*Subheading) block() {}

// AddRow appends a body row.
func (t *Table) AddRow(cells ...string) {
	t.Rows = append(t.Rows, cells)
	t.Total = append(t.Total, false)
}

// AddTotal appends a total row.
func (t *Table) AddTotal(cells ...string) {
	t.Rows = append(t.Rows, cells)
	t.Total = append(t.Total, true)
}

// IsTotal reports whether body row i is a total row.
func (t *Table) IsTotal(i int) bool { return i < len(t.Total) && t.Total[i] }

// DropEmptyColumns removes every column whose body cells are all empty, except those in keep.
func (t *Table) DropEmptyColumns(keep ...int) {
	var cols []int
	for c := range t.Header {
		used := false
		for _, k := range keep {
			used = used || k == c
		}
		for _, r := range t.Rows {
			used = used || (c < len(r) && r[c] != "")
		}
		if used {
			cols = append(cols, c)
		}
	}
	if len(cols) == len(t.Header) {
		return
	}
	pick := func(in []string) []string {
		out := make([]string, 0, len(cols))
		for _, c := range cols {
			if c < len(in) {
				out = append(out, in[c])
			} else {
				out = append(out, "")
			}
		}
		return out
	}
	t.Header = pick(t.Header)
	for i, r := range t.Rows {
		t.Rows[i] = pick(r)
	}
	if t.Widths != nil {
		w := make([]float64, 0, len(cols))
		for _, c := range cols {
			w = append(w, t.Widths[c])
		}
		t.Widths = w
	}
}
