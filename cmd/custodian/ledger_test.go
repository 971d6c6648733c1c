package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
	footagedoor "custodian/footage"
	"custodian/ledger"
)

func TestLedgerCommand(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	if out := c.ok("ledger"); !strings.Contains(out, "해당하는 관리대장 기록이 없습니다") {
		t.Fatalf("empty ledger: %s", out)
	}
	// A live view of two camera groups through the door, and an export as the CLI's
	// clip logged it before the door (one record, no opening).
	l, closeDB, err := c.app().openAuditDB(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	door := &footagedoor.Door{Log: l, Now: func() time.Time { return c.now }}
	o, err := door.Open(t.Context(), custodian.FootageAccess{Actor: "operator", Source: "10.0.0.2:1000", Use: custodian.UseLive,
		Cameras: []string{"ulsan-lobby-1f", "ulsan-parking"}, Purpose: "시설안전 및 화재 예방"})
	if err != nil {
		t.Fatal(err)
	}
	from := c.now.Add(-2 * time.Hour)
	exp, err := l.Append(t.Context(), auditlog.Event{Actor: "cli:root", Source: "cli", Action: auditlog.ActionExport, Camera: "ulsan-lobby-2f",
		From: from, To: from.Add(time.Minute), Object: "clip.mp4", Purpose: "기타: 보험 사고 확인", Time: c.now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	closeDB()

	var rows []custodian.LedgerRow
	if err := json.Unmarshal([]byte(c.ok("ledger", "--format", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Staff != "operator" || len(rows[0].Source.Records) != 2 || rows[0].Source.Records[0] != o.Records[0] ||
		rows[0].Cameras[0].SiteName != "울산센터" || rows[1].File != "clip.mp4" || rows[1].Source.Records[0] != exp.Seq || rows[1].Retention == "" {
		t.Fatalf("rows: %+v", rows)
	}
	table := c.ok("ledger", "--camera", "ulsan-lobby-2f")
	if !strings.Contains(table, "clip.mp4") && !strings.Contains(table, "cli:root") || strings.Contains(table, "operator") || !strings.Contains(table, "1건") {
		t.Fatalf("table for one camera: %s", table)
	}
	dir := t.TempDir()
	csvFile, pdfFile := filepath.Join(dir, "ledger.csv"), filepath.Join(dir, "ledger.pdf")
	c.ok("ledger", "--format", "csv", "-o", csvFile, "--from", "2026-11-22", "--to", "2026-11-22")
	b, err := os.ReadFile(csvFile)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ledger.ReadCSV(bytes.NewReader(b))
	if err != nil || len(back) != 2 || back[1].File != "clip.mp4" {
		t.Fatalf("csv: %+v %v", back, err)
	}
	c.ok("ledger", "--format", "pdf", "-o", pdfFile, "--type", "use")
	if b, _ := os.ReadFile(pdfFile); !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	// Another day: nothing.
	if out := c.ok("ledger", "--from", "2026-11-23"); !strings.Contains(out, "없습니다") {
		t.Fatalf("next day: %s", out)
	}
	// Bad input: a clear error, exit 1 (bad values) or 2 (bad usage).
	for _, bad := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ledger", "--type", "lunch"}, 1, "lunch"},
		{[]string{"ledger", "--from", "yesterday"}, 1, "yesterday"},
		{[]string{"ledger", "--from", "2026-11-23", "--to", "2026-11-22"}, 1, "2026"},
		{[]string{"ledger", "--format", "xls"}, 2, "xls"},
	} {
		if code, _, errs := c.run(bad.args...); code != bad.code || !strings.Contains(errs, bad.want) {
			t.Errorf("%v: exit %d, %s", bad.args, code, errs)
		}
	}
}
