package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"custodian"
	"custodian/ledger"
	"custodian/pdf"
	"custodian/sqlite"
)

func init() {
	register(4,
		&command{name: "ledger", args: "[--from DATE] [--to DATE] [--type T] [--camera C] [--staff S] [--format table|csv|pdf|json] [-o FILE]",
			ko: "개인영상정보 관리대장 (이용·제공·열람 청구·파기; 접근 기록·파기 기록·청구·제공 기록에서 만듭니다)",
			en: "the ledger of uses, provisions, requests and destructions (derived from the access log, destruction record, requests and provisions)", run: cmdLedger},
	)
}

// openLedger returns the ledger over the data directory's access log, catalog and
// registry (nil before the first import).
func (a *app) openLedger(ctx context.Context, db *sqlite.DB) (*ledger.Ledger, *custodian.Registry, error) {
	dir, exists, err := a.auditPath()
	if err != nil {
		return nil, nil, err
	}
	l := &ledger.Ledger{Destructions: db, Requests: db, Provisions: db}
	if exists {
		l.LogDir = dir
	}
	reg, _, err := db.Registry(ctx)
	if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
		return nil, nil, err
	}
	l.Registry = reg
	return l, reg, nil
}

func cmdLedger(a *app, ctx context.Context, args []string) error {
	fs := a.flags("ledger")
	from := fs.String("from", "", "이 날부터 (from; YYYY-MM-DD KST or RFC 3339)")
	to := fs.String("to", "", "이 날까지, 그날 포함 (until, that day included)")
	typ := fs.String("type", "", "구분: use(이용), provision(제공), request(열람 청구), destruction(파기)")
	camera := fs.String("camera", "", "카메라 ID (camera)")
	staff := fs.String("staff", "", "담당자 계정 (staff member's account)")
	format := fs.String("format", "table", "table, csv, pdf 또는 json")
	out := fs.String("o", "", "출력 파일 (output file; default stdout)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	switch *format {
	case "table", "csv", "pdf", "json":
	default:
		return a.usagef("--format은 table, csv, pdf, json 중 하나여야 합니다 (%q)", "--format must be table, csv, pdf or json (%q)", *format)
	}
	f, err := ledger.ParseFilter(*from, *to, *typ, *camera, *staff)
	if err != nil {
		return err
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	l, reg, err := a.openLedger(ctx, db)
	if err != nil {
		return err
	}
	rows, err := l.Rows(ctx, f)
	if err != nil {
		return err
	}
	o, err := a.create(*out, *format == "pdf")
	if err != nil {
		return err
	}
	switch *format {
	case "csv":
		err = ledger.WriteCSV(o.w, rows)
	case "json":
		enc := json.NewEncoder(o.w)
		enc.SetIndent("", "  ")
		err = enc.Encode(rows)
	case "pdf":
		org := ""
		if reg != nil {
			org = reg.Organisation.Name
		}
		var data []byte
		data, err = pdf.Ledger(&pdf.LedgerDoc{Organisation: org, From: f.From, To: f.To, Conditions: ledger.Conditions(f), Printed: a.now(), Rows: rows},
			pdf.Options{CreationDate: a.now()})
		if err == nil {
			_, err = o.w.Write(data)
		}
	default:
		err = a.ledgerTable(o, rows)
	}
	return o.commit(err)
}

func (a *app) ledgerTable(o *output, rows []custodian.LedgerRow) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(o.w, a.msg("해당하는 관리대장 기록이 없습니다", "no ledger rows match"))
		return err
	}
	t := &textTable{header: []string{a.msg("번호", "NO"), a.msg("구분", "TYPE"), a.msg("일시", "TIME"), a.msg("담당자", "STAFF"),
		a.msg("카메라", "CAMERAS"), a.msg("영상 구간", "PERIOD"), a.msg("목적·사유", "PURPOSE"), a.msg("상대방", "PARTY"), a.msg("형태", "FORM"), a.msg("기록", "RECORDS")}}
	for _, r := range rows {
		var cams, recs []string
		for _, c := range r.Cameras {
			cams = append(cams, c.ID+c.Location)
		}
		for _, s := range r.Source.Records {
			recs = append(recs, strconv.FormatUint(s, 10))
		}
		src := strings.Join(recs, ",")
		for _, ref := range []struct {
			k string
			v int64
		}{{"request", r.Source.Request}, {"provision", r.Source.Provision}, {"destruction", r.Source.Destruction}} {
			if ref.v != 0 {
				src = strings.TrimPrefix(src+" "+ref.k+"="+strconv.FormatInt(ref.v, 10), " ")
			}
		}
		name := custodian.LedgerTypeNames[r.Type]
		t.add(strconv.Itoa(r.No), a.msg(name[0], name[1]), r.At.In(custodian.KST).Format(auditTimeLayout), cell(r.Staff), cell(strings.Join(cams, ",")),
			period(r.From, r.To), cell(r.Purpose), cell(r.Party), cell(r.Form), src)
	}
	t.write(o.w)
	_, err := fmt.Fprintln(o.w, a.msg(fmt.Sprintf("%d건", len(rows)), fmt.Sprintf("%d rows", len(rows))))
	return err
}
