package web_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"custodian"
	"custodian/auditlog"
	"custodian/ledger"
)

// The ledger in the console: an operator's live view becomes a row that names its
// access-log records; an auditor sees it as JSON, on the page, as CSV and as PDF; an
// operator without accesslog.read cannot; bad filters are 400s that name them.
func TestLedgerPages(t *testing.T) {
	e := newConsole(t)
	e.account("op", custodian.AccountGrant{Role: "access_holder", Sites: []string{"streets"}})
	e.account("aud", custodian.AccountGrant{Role: "auditor", All: true})
	op := e.directSession("op")
	if res, body := op.do("POST", "/api/live", map[string]any{"cameras": []string{"street-1"}, "purpose": "crime"}); res.StatusCode >= 300 {
		t.Fatalf("live: %d %s", res.StatusCode, body)
	}
	var seqs []uint64
	scanLog(t, e, func(ev auditlog.Event) {
		if ev.Action == auditlog.ActionLive && ev.Result == auditlog.ResultOK {
			seqs = append(seqs, ev.Seq)
		}
	})
	if len(seqs) != 1 {
		t.Fatalf("live records %v", seqs)
	}
	if res, _ := op.do("GET", "/api/ledger", nil); res.StatusCode != 403 {
		t.Fatalf("an operator reads the ledger: %d", res.StatusCode)
	}

	aud := e.directSession("aud")
	res, body := aud.do("GET", "/api/ledger", nil)
	var out struct {
		Rows []custodian.LedgerRow `json:"rows"`
	}
	if res.StatusCode != 200 || json.Unmarshal([]byte(body), &out) != nil {
		t.Fatalf("api: %d %s", res.StatusCode, body)
	}
	i := slices.IndexFunc(out.Rows, func(r custodian.LedgerRow) bool { return slices.Contains(r.Source.Records, seqs[0]) })
	if i < 0 {
		t.Fatalf("no row for record %d: %s", seqs[0], body)
	}
	r := out.Rows[i]
	if r.Type != custodian.LedgerUse || r.Staff != "op" || len(r.Cameras) != 1 || r.Cameras[0].ID != "street-1" || r.LegalBasis == "" || r.Retention == "" {
		t.Fatalf("row %+v", r)
	}
	if res, body := aud.do("GET", "/api/ledger?type=destruction", nil); res.StatusCode != 200 || strings.Contains(body, `"staff":"op"`) {
		t.Fatalf("type filter: %d %s", res.StatusCode, body)
	}
	if res, body := aud.do("GET", "/console/ledger", nil); res.StatusCode != 200 || !strings.Contains(body, "개인영상정보 관리대장") || !strings.Contains(body, "street-1") ||
		!strings.Contains(body, "format=csv") {
		t.Fatalf("page: %d %.400s", res.StatusCode, body)
	}
	res, body = aud.do("GET", "/console/ledger?format=csv", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(body, ledger.BOM) {
		t.Fatalf("csv: %d %v %.100q", res.StatusCode, res.Header, body)
	}
	back, err := ledger.ReadCSV(strings.NewReader(body))
	if err != nil || len(back) != len(out.Rows) || !slices.Equal(back[i].Source.Records, r.Source.Records) {
		t.Fatalf("csv back: %+v %v", back, err)
	}
	res, body = aud.do("GET", "/console/ledger?format=pdf", nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix([]byte(body), []byte("%PDF-")) {
		t.Fatalf("pdf: %d %v", res.StatusCode, res.Header)
	}
	for q, want := range map[string]string{"?type=lunch": "lunch", "?from=yesterday": "yesterday", "?camera=../x": "x", "?format=xls": "xls"} {
		if res, body := aud.do("GET", "/api/ledger"+q, nil); q != "?format=xls" && (res.StatusCode != 400 || !strings.Contains(body, want)) {
			t.Errorf("api %s: %d %s", q, res.StatusCode, body)
		}
		if res, body := aud.do("GET", "/console/ledger"+q, nil); res.StatusCode != 400 || !strings.Contains(body, want) {
			t.Errorf("page %s: %d %.300s", q, res.StatusCode, body)
		}
	}
}
