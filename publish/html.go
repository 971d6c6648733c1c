package publish

import (
	"bytes"
	"html/template"
	"strings"
)

var bodyTmpl = template.Must(template.New("body").Funcs(template.FuncMap{"block_html": blockHTML}).Parse(`<article class="policy" lang="{{.Lang}}">
<h1>{{.Title}}</h1>
{{range .Meta}}<p class="meta">{{.}}</p>
{{end}}{{template "blocks" .Intro}}
{{range .Sections}}<section>
<h2>{{.Heading}}</h2>
{{template "blocks" .Blocks}}</section>
{{end}}{{if .Footer}}<footer>{{.Footer}}</footer>{{end}}
</article>
{{define "blocks"}}{{range .}}{{block_html .}}{{end}}{{end}}`))

var blockTmpl = template.Must(template.New("block").Funcs(template.FuncMap{"lines": lines}).Parse(`{{define "p"}}<p{{if .Note}} class="note"{{end}}>{{.Text}}</p>
{{end}}{{define "h"}}<h3>{{.Text}}</h3>
{{end}}{{define "ul"}}<ul>
{{range .Items}}<li>{{.}}</li>
{{end}}</ul>
{{end}}{{define "table"}}<div class="table-wrap"><table>
{{if .T.Caption}}<caption>{{.T.Caption}}</caption>
{{end}}<thead><tr>{{range .T.Header}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr{{if .Total}} class="total"{{end}}>{{range $i, $c := .Cells}}{{if eq $i 0}}<th scope="row">{{lines $c}}</th>{{else}}<td>{{lines $c}}</td>{{end}}{{end}}</tr>
{{end}}</tbody>
</table></div>
{{end}}`))

// lines renders text with its line breaks kept.
func lines(s string) template.HTML {
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		parts[i] = template.HTMLEscapeString(p)
	}
	return template.HTML(strings.Join(parts, "<br>"))
}

type htmlRow struct {
	Cells []string
	Total bool
}

func blockHTML(b Block) (template.HTML, error) {
	var buf bytes.Buffer
	var err error
	switch x := b.(type) {
	case *Paragraph:
		err = blockTmpl.ExecuteTemplate(&buf, "p", x)
	case *Subheading:
		err = blockTmpl.ExecuteTemplate(&buf, "h", x)
	case *List:
		err = blockTmpl.ExecuteTemplate(&buf, "ul", x)
	case *Table:
		rows := make([]htmlRow, len(x.Rows))
		for i, r := range x.Rows {
			rows[i] = htmlRow{Cells: r, Total: x.IsTotal(i)}
		}
		err = blockTmpl.ExecuteTemplate(&buf, "table", struct {
			T    *Table
			Rows []htmlRow
		}{x, rows})
	}
	return template.HTML(buf.String()), err
}

// HTMLBody renders the document as an <article> to embed in a page.
func HTMLBody(d *Document) (template.HTML, error) {
	var buf bytes.Buffer
	if err := bodyTmpl.Execute(&buf, d); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}

// Stylesheet styles HTMLBody's output, on screen and in print.
const Stylesheet = `
.policy{font-family:"Noto Sans KR","NanumGothic","Malgun Gothic","Apple SD Gothic Neo",sans-serif;line-height:1.65;color:#111;max-width:60rem;margin:0 auto;word-break:keep-all;overflow-wrap:anywhere}
.policy h1{font-size:1.6rem;margin:0 0 .5rem}
.policy h2{font-size:1.2rem;margin:2rem 0 .6rem;padding-bottom:.3rem;border-bottom:2px solid #1d3d6b}
.policy h3{font-size:1rem;margin:1.2rem 0 .4rem}
.policy .meta{color:#444;margin:.2rem 0}
.policy .note{font-size:.92rem;color:#333}
.policy .table-wrap{overflow-x:auto;margin:.8rem 0}
.policy table{border-collapse:collapse;width:100%;font-size:.95rem}
.policy th,.policy td{border:1px solid #8a94a6;padding:.35rem .5rem;text-align:left;vertical-align:top}
.policy thead th{background:#e8edf5}
.policy tbody th{font-weight:normal}
.policy tr.total th,.policy tr.total td{font-weight:bold;background:#f4f6fa}
.policy footer{margin-top:2rem;font-size:.85rem;color:#555;border-top:1px solid #ccc;padding-top:.5rem}
@media print{.policy{max-width:none}.policy h2{break-after:avoid}.policy tr{break-inside:avoid}}
`

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{margin:0;padding:1rem}{{.CSS}}</style>
</head>
<body>
{{.Body}}
</body>
</html>
`))

// HTML renders the document as a standalone HTML page.
func HTML(d *Document) ([]byte, error) {
	body, err := HTMLBody(d)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = pageTmpl.Execute(&buf, struct {
		Lang, Title string
		CSS         template.CSS
		Body        template.HTML
	}{d.Lang, d.Title, template.CSS(Stylesheet), body})
	return buf.Bytes(), err
}
