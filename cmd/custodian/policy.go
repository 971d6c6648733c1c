package main

import (
	"context"
	"fmt"
	"strconv"

	"custodian"
	"custodian/pdf"
	"custodian/publish"
)

func cmdPolicyRender(a *app, ctx context.Context, args []string) error {
	fs := a.flags("policy render")
	format := fs.String("format", "md", "md, html 또는 pdf")
	version := fs.String("version", "draft", "판: 번호, draft(현재 등록 정보의 초안), latest, current(오늘 시행 중)")
	out := fs.String("o", "", "출력 파일 (output file; default stdout)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	switch *format {
	case "md", "html", "pdf":
	default:
		return a.usagef("--format은 md, html, pdf 중 하나여야 합니다 (%q)", "--format must be md, html or pdf (%q)", *format)
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := publish.ResolveVersion(ctx, db, *version, custodian.DateOf(a.now()))
	if err != nil {
		return err
	}
	var data []byte
	switch *format {
	case "md":
		md, err := publish.VersionMarkdown(ctx, db, db, n)
		if err != nil {
			return err
		}
		data = []byte(md)
	case "html":
		doc, _, err := publish.VersionDocument(ctx, db, db, n)
		if err != nil {
			return err
		}
		if data, err = publish.HTML(doc); err != nil {
			return err
		}
	case "pdf":
		doc, v, err := publish.VersionDocument(ctx, db, db, n)
		if err != nil {
			return err
		}
		opt := pdf.Options{CreationDate: a.now()}
		if v != nil {
			opt.CreationDate = v.PublishedAt
		}
		if data, err = pdf.Policy(doc, opt); err != nil {
			return err
		}
	}
	o, err := a.create(*out, *format == "pdf")
	if err != nil {
		return err
	}
	_, err = o.w.Write(data)
	return o.commit(err)
}

func (a *app) parseDate(flagName, s string) (custodian.Date, error) {
	if s == "" {
		return custodian.Date{}, a.usagef("--%s DATE(YYYY-MM-DD)가 필요합니다", "--%s DATE (YYYY-MM-DD) is required", flagName)
	}
	if s == "today" {
		return custodian.DateOf(a.now()), nil
	}
	d, err := custodian.ParseDate(s)
	if err != nil {
		return d, a.usagef("--%s: 날짜 %q는 YYYY-MM-DD 형식이어야 합니다", "--%s: the date %q must be YYYY-MM-DD", flagName, s)
	}
	return d, nil
}

func cmdPolicyPublish(a *app, ctx context.Context, args []string) error {
	fs := a.flags("policy publish")
	announce := fs.String("announce", "", "공고일 YYYY-MM-DD 또는 today (announcement date)")
	effective := fs.String("effective", "", "시행일 YYYY-MM-DD: 공고일 + 공고 기간(기본 7일) 이후 (effective date)")
	reason := fs.String("reason", "", "변경 사유 (reason for the change)")
	by := fs.String("by", a.getenv("USER"), "공고한 사람 (who publishes)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	ann, err := a.parseDate("announce", *announce)
	if err != nil {
		return err
	}
	eff, err := a.parseDate("effective", *effective)
	if err != nil {
		return err
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: ann, Effective: eff, Reason: *reason, By: *by})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("제%d판을 공고했습니다: 공고일 %s, 시행일 %s (등록 정보 개정판 %d, SHA-256 %s)", v.Number, v.Announced, v.Effective, v.RegistryRevision, v.MarkdownSHA256[:16]),
		fmt.Sprintf("published version %d: announced %s, effective %s (registry revision %d, SHA-256 %s)", v.Number, v.Announced, v.Effective, v.RegistryRevision, v.MarkdownSHA256[:16])))
	return nil
}

func cmdPolicyHistory(a *app, ctx context.Context, args []string) error {
	fs := a.flags("policy history")
	asJSON := fs.Bool("json", false, "JSON 배열로 출력 (print a JSON array)")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	versions, err := db.PolicyVersions(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(versions)
	}
	if len(versions) == 0 {
		fmt.Fprintln(a.stdout, a.msg("공고된 판이 없습니다", "no published versions"))
		return nil
	}
	today := custodian.DateOf(a.now())
	cur := custodian.InEffect(versions, today)
	t := &textTable{header: []string{a.msg("판", "VERSION"), a.msg("공고일", "ANNOUNCED"), a.msg("시행일", "EFFECTIVE"), a.msg("상태", "STATUS"), a.msg("공고자", "BY"), a.msg("사유", "REASON")}}
	for _, v := range versions {
		status := a.msg("이전", "superseded")
		switch {
		case cur != nil && v.Number == cur.Number:
			status = a.msg("시행 중", "in effect")
		case v.Effective.After(today):
			status = a.msg("시행 예정", "upcoming")
		}
		t.add(strconv.Itoa(v.Number), v.Announced.String(), v.Effective.String(), status, v.PublishedBy, v.Reason)
	}
	t.write(a.stdout)
	return nil
}

func cmdPolicyDiff(a *app, ctx context.Context, args []string) error {
	fs := a.flags("policy diff")
	pos, db, err := a.parseOpen(ctx, fs, args, 2, 2)
	if err != nil {
		return err
	}
	defer db.Close()
	today := custodian.DateOf(a.now())
	na, err := publish.ResolveVersion(ctx, db, pos[0], today)
	if err != nil {
		return err
	}
	nb, err := publish.ResolveVersion(ctx, db, pos[1], today)
	if err != nil {
		return err
	}
	d, err := publish.Diff(ctx, db, db, na, nb)
	if err != nil {
		return err
	}
	if d == "" {
		fmt.Fprintln(a.stdout, a.msg("차이가 없습니다", "no differences"))
		return nil
	}
	fmt.Fprint(a.stdout, d)
	return nil
}
