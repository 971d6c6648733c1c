package pdf

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"custodian"
)

func ledgerRows(n int) []custodian.LedgerRow {
	at := time.Date(2026, 10, 1, 10, 0, 0, 0, custodian.KST)
	var rows []custodian.LedgerRow
	for i := 0; i < n; i++ {
		r := custodian.LedgerRow{No: i + 1, Type: custodian.LedgerUse, At: at.Add(time.Duration(i) * time.Hour), File: "view:abcdef" + strconv.Itoa(i),
			Format: "화면 표시 (파일 없음)", Staff: "kim", Purpose: "범죄 예방 및 수사 — 분실물 확인", LegalBasis: "「개인정보 보호법」 제25조 제1항 제2호",
			Form: "녹화 영상 재생 (화면 열람)", Cameras: []custodian.LedgerCamera{{ID: "lobby-1", Site: "hq", SiteName: "본관", Location: "1층 로비 천정"}},
			From: at.Add(-time.Hour), To: at, Retention: "30일", PlannedDestruction: time.Date(2026, 11, 1, 0, 0, 0, 0, custodian.KST),
			Source: custodian.LedgerSource{Records: []uint64{uint64(100 + i)}}}
		if i == 1 {
			r.Type, r.Party, r.Decision, r.LegalBasis = custodian.LedgerProvision, "일산경찰서 형사과 박형사 (공문 수사-1234)", "승인 — 최관리", "개인정보 보호법 제18조제2항제7호"
		}
		if i == 2 {
			r.Type, r.Staff, r.Form, r.Destroyed = custodian.LedgerDestruction, "system:retention", "암호키 파기 후 파일 삭제", at
		}
		rows = append(rows, r)
	}
	return rows
}

func TestLedgerPDF(t *testing.T) {
	doc := &LedgerDoc{Organisation: "테스트구청", From: time.Date(2026, 10, 1, 0, 0, 0, 0, custodian.KST), To: time.Date(2026, 11, 1, 0, 0, 0, 0, custodian.KST),
		Conditions: "카메라: lobby-1", Printed: fixedDate, Rows: ledgerRows(60)}
	data, err := Ledger(doc, Options{CreationDate: fixedDate})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, data)
	pages := pageCount(t, path)
	if pages < 2 {
		t.Fatalf("60 rows fit on %d page", pages)
	}
	assertEmbeddedFont(t, path)
	// Every page has the title, the approval box, the period, the table's heading and its number.
	for p := 1; p <= pages; p++ {
		text := pdfText(t, path, "-f", strconv.Itoa(p), "-l", strconv.Itoa(p))
		assertContains(t, text, "개인영상정보 관리대장", "결", "재", "담당", "관리책임자", "기관: 테스트구청", "2026-10-01 ~ 2026-10-31",
			"번호", "구분", "파일명·형식", "담당자", "법적 근거", "보관·파기", strconv.Itoa(p)+" / "+strconv.Itoa(pages))
	}
	all := pdfText(t, path)
	assertContains(t, all, "일산경찰서", "제공", "파기", "이용", "lobby-1 (본관 1층 로비 천정)", "보관 30일", "예정 2026-11-01", "#100", "#159")
	needTool(t, "pdfinfo")
	out, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	// A4 landscape: 842 x 595 points.
	if !strings.Contains(string(out), "841.89 x 595.28 pts (A4)") && !strings.Contains(string(out), "842 x 595 pts (A4)") {
		t.Errorf("not A4 landscape:\n%s", out)
	}
	if !strings.Contains(string(out), "개인영상정보 관리대장 — 테스트구청") {
		t.Errorf("title metadata:\n%s", out)
	}
}

func TestLedgerPDFEmpty(t *testing.T) {
	data, err := Ledger(&LedgerDoc{Organisation: "테스트구청"}, Options{CreationDate: fixedDate})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, data)
	if n := pageCount(t, path); n != 1 {
		t.Errorf("%d pages", n)
	}
	assertContains(t, pdfText(t, path), "개인영상정보 관리대장", "기간: 전체", "해당하는 기록이 없습니다", "관리책임자", "1 / 1")
	if _, err := Ledger(nil, Options{}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("nil ledger: %v", err)
	}
}
