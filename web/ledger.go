package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"

	"custodian"
	"custodian/ledger"
	"custodian/pdf"
)

// The ledger (개인영상정보 관리대장): GET /console/ledger (the page; ?format=csv or pdf
// downloads it) and GET /api/ledger (JSON), for holders of accesslog.read over the whole
// organisation. Both take ?from=&to= (dates, KST; to includes its day; default this
// month), ?type= (use, provision, request, destruction), ?camera= and ?staff=.

// ledgerOf is the ledger over the console's access log, destruction record, requests and
// provisions, and the registry (nil before the first import).
func (s *Server) ledgerOf(ctx context.Context) (*ledger.Ledger, *custodian.Registry, error) {
	l := &ledger.Ledger{LogDir: s.Console.LogDir}
	if s.Console.Vault != nil {
		l.Destructions = s.Console.Vault
	}
	if s.Console.Requests != nil {
		l.Requests = s.Console.Requests
	}
	if s.Console.Provisions != nil {
		l.Provisions = s.Console.Provisions
	}
	reg, err := s.registry(ctx)
	if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
		return nil, nil, err
	}
	l.Registry = reg
	return l, reg, nil
}

// ledgerQuery is the page's filter as given, for the form.
type ledgerQuery struct {
	From, To, Type, Camera, Staff string
}

// parseLedgerQuery reads the filter; without from and to it is this month (KST).
func parseLedgerQuery(r *http.Request, c *call) (custodian.LedgerFilter, ledgerQuery, error) {
	q := r.URL.Query()
	lq := ledgerQuery{From: q.Get("from"), To: q.Get("to"), Type: q.Get("type"), Camera: q.Get("camera"), Staff: q.Get("staff")}
	if lq.From == "" && lq.To == "" {
		today := custodian.DateOf(c.now)
		lq.From = custodian.Date{Year: today.Year, Month: today.Month, Day: 1}.String()
		lq.To = today.String()
	}
	for _, v := range []string{lq.From, lq.To, lq.Type, lq.Camera, lq.Staff} {
		if len(v) > 200 {
			return custodian.LedgerFilter{}, lq, custodian.Errorf(custodian.EINVALID, "검색 조건이 너무 깁니다", "a filter is too long")
		}
	}
	f, err := ledger.ParseFilter(lq.From, lq.To, lq.Type, lq.Camera, lq.Staff)
	return f, lq, err
}

func (s *Server) ledgerRows(r *http.Request, c *call) (custodian.LedgerFilter, ledgerQuery, []custodian.LedgerRow, *custodian.Registry, error) {
	f, lq, err := parseLedgerQuery(r, c)
	if err != nil {
		return f, lq, nil, nil, err
	}
	l, reg, err := s.ledgerOf(r.Context())
	if err != nil {
		return f, lq, nil, nil, err
	}
	rows, err := l.Rows(r.Context(), f)
	return f, lq, rows, reg, err
}

func (s *Server) ledgerPage(w http.ResponseWriter, r *http.Request, c *call) {
	format := r.URL.Query().Get("format")
	switch format {
	case "", "html", "csv", "pdf":
	default:
		s.failFor(w, r, c, custodian.Errorf(custodian.EINVALID, "format은 csv 또는 pdf입니다 (%q)", "format is csv or pdf (%q)", custodian.Clip(format, 16)))
		return
	}
	f, lq, rows, reg, err := s.ledgerRows(r, c)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	name := "ledger-" + lq.From + "-" + lq.To
	switch format {
	case "csv":
		var buf bytes.Buffer
		if err := ledger.WriteCSV(&buf, rows); err != nil {
			s.failFor(w, r, c, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+safeName(name)+`.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(buf.Bytes())
		return
	case "pdf":
		org := ""
		if reg != nil {
			org = reg.Organisation.Name
		}
		data, err := pdf.Ledger(&pdf.LedgerDoc{Organisation: org, From: f.From, To: f.To, Conditions: ledger.Conditions(f), Printed: c.now, Rows: rows},
			pdf.Options{CreationDate: c.now})
		if err != nil {
			s.failFor(w, r, c, err)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="`+safeName(name)+`.pdf"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(data)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "ledger.html", t(c.lang, "개인영상정보 관리대장", "Ledger"), struct {
		Q     ledgerQuery
		Rows  []custodian.LedgerRow
		Types []string
		Names map[string][2]string
	}{lq, rows, custodian.LedgerTypes, custodian.LedgerTypeNames})
}

// safeName keeps letters, digits, '-' and '_' of a file name.
func safeName(s string) string {
	b := []byte(s)
	out := b[:0]
	for _, ch := range b {
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' {
			out = append(out, ch)
		}
	}
	return string(out)
}

func (s *Server) apiLedger(w http.ResponseWriter, r *http.Request, c *call) {
	_, _, rows, _, err := s.ledgerRows(r, c)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	// Each row in its one JSON shape (custodian.LedgerRow), as 'custodian ledger
	// --format json' writes it.
	writeJSON(w, http.StatusOK, map[string]any{"rows": rows})
}

// Link is the page's address with the same filter in another format ("csv", "pdf").
func (q ledgerQuery) Link(format string) string {
	v := url.Values{}
	for _, kv := range [][2]string{{"from", q.From}, {"to", q.To}, {"type", q.Type}, {"camera", q.Camera}, {"staff", q.Staff}, {"format", format}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return "/console/ledger?" + v.Encode()
}
