package main

import (
	"context"

	"custodian/pdf"
	"custodian/publish"
)

func cmdSignage(a *app, ctx context.Context, args []string) error {
	fs := a.flags("signage")
	site := fs.String("site", "", "사이트 ID (site ID; see 'custodian sites list')")
	format := fs.String("format", "pdf", "pdf, svg 또는 html")
	out := fs.String("o", "", "출력 파일 (output file; default stdout)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *site == "" {
		return a.usagef("--site ID가 필요합니다 ('custodian sites list'로 확인)", "--site ID is required (see 'custodian sites list')")
	}
	switch *format {
	case "pdf", "svg", "html":
	default:
		return a.usagef("--format은 pdf, svg, html 중 하나여야 합니다 (%q)", "--format must be pdf, svg or html (%q)", *format)
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	reg, _, err := db.Registry(ctx)
	if err != nil {
		return err
	}
	sign, err := publish.Signboard(reg, *site)
	if err != nil {
		return err
	}
	var data []byte
	switch *format {
	case "pdf":
		data, err = pdf.Sign(sign, pdf.Options{CreationDate: a.now()})
	case "svg":
		data, err = publish.SignSVG(sign)
	case "html":
		data, err = publish.SignHTML(sign)
	}
	if err != nil {
		return err
	}
	o, err := a.create(*out, *format == "pdf")
	if err != nil {
		return err
	}
	_, err = o.w.Write(data)
	return o.commit(err)
}
