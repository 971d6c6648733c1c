package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
)

// TestRequestsCommands: a desk request from intake to closing on the command line, bad input
// refused and changing nothing, the notice as PDF and text, and the hold released on schedule.
func TestRequestsCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	add := []string{"requests", "add", "--kind", "view", "--channel", "mail", "--name", "홍길동", "--contact", "010-1234-5678",
		"--from", "2026-11-21 09:00", "--to", "2026-11-21 09:30", "--camera", "ulsan-lobby-1f", "--purpose", "분실물 확인"}
	for _, bad := range [][]string{
		append(append([]string{}, add...), "--channel", "pigeon"),
		append(append([]string{}, add...), "--camera", "nowhere"),
		append(append([]string{}, add...), "--proxy", "배우자"),
		append(append([]string{}, add...), "--to", "2026-11-21 08:00"),
	} {
		if code, out, errs := c.run(bad...); code == 0 || errs == "" {
			t.Errorf("%v: exit %d, %s %s", bad, code, out, errs)
		}
	}
	if out := c.ok("requests", "list"); !strings.Contains(out, "청구가 없습니다") {
		t.Fatalf("bad input filed a request:\n%s", out)
	}
	out := c.ok(add...)
	// Filed on Sunday 22 November: ten days, the first not counted, end on Wednesday 2 December.
	if !strings.Contains(out, "2026-12-02") || !strings.Contains(out, "보존 조치") {
		t.Fatalf("add:\n%s", out)
	}
	var listed []custodian.SubjectRequest
	if err := json.Unmarshal([]byte(c.ok("requests", "list", "--open", "--json")), &listed); err != nil || len(listed) != 1 {
		t.Fatalf("list --json: %v %v", listed, err)
	}
	code := listed[0].Code
	if out := c.ok("requests", "list", "--due"); strings.Contains(out, code) {
		t.Errorf("a request due in 10 days is listed as due:\n%s", out)
	}
	c.now = c.now.AddDate(0, 0, 9)
	if out := c.ok("requests", "list", "--due"); !strings.Contains(out, code) {
		t.Errorf("a request due in a day is not listed as due:\n%s", out)
	}
	c.ok("requests", "identify", code, "--method", "in_person", "--note", "주민등록증")
	for _, bad := range [][]string{
		{"requests", "decide", code, "--decision", "refuse"},
		{"requests", "decide", code, "--decision", "refuse", "--ground", "third_parties"},
		{"requests", "decide", "1", "--decision", "maybe"},
		{"requests", "notice", code, "--text"},
	} {
		if code, _, errs := c.run(bad...); code == 0 || errs == "" {
			t.Errorf("%v: exit %d", bad, code)
		}
	}
	if _, _, errs := c.run("requests", "decide", code, "--decision", "refuse", "--ground", "third_parties"); !strings.Contains(errs, "마스킹") {
		t.Errorf("citing third parties does not propose masking: %s", errs)
	}
	c.ok("requests", "decide", code, "--decision", "partial", "--ground", "harm", "--note", "다른 사람은 가려서 보여 드립니다")
	c.ok("requests", "deliver", code, "--attendee", "박민원", "--fee", "3000")
	pdfPath := filepath.Join(t.TempDir(), "notice.pdf")
	c.ok("requests", "notice", code, "-o", pdfPath)
	if b, err := os.ReadFile(pdfPath); err != nil || !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatalf("notice PDF: %v", err)
	}
	if out := c.ok("requests", "notice", code, "--text"); !strings.Contains(out, "일부 허용") || !strings.Contains(out, "제35조제4항제2호") {
		t.Errorf("notice text:\n%s", out)
	}
	out = c.ok("requests", "close", code)
	release := c.now.AddDate(0, 0, 30)
	if !strings.Contains(out, custodian.DateOf(release).String()) {
		t.Fatalf("close:\n%s", out)
	}
	if out := c.ok("requests", "sweep"); !strings.Contains(out, "0건") {
		t.Errorf("sweep before the day: %s", out)
	}
	c.now = release.Add(time.Hour)
	if out := c.ok("requests", "sweep"); !strings.Contains(out, "1건") {
		t.Errorf("sweep on the day: %s", out)
	}
	var shown struct {
		custodian.SubjectRequest
		History []custodian.RequestEvent `json:"history"`
	}
	if err := json.Unmarshal([]byte(c.ok("requests", "show", code, "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Preservation.Released.IsZero() || shown.Status != custodian.RequestClosed || len(shown.History) != 7 || shown.Fee != 3000 {
		t.Errorf("show: released %v, status %s, %d events, fee %d", shown.Preservation.Released, shown.Status, len(shown.History), shown.Fee)
	}
	out = c.ok("audit", "log")
	for _, want := range []string{"request.file", "request.hold", "request.identify", "request.decide", "request.deliver", "request.close", "request.release", "hold.release"} {
		if !strings.Contains(out, want) {
			t.Errorf("the access log lacks %s", want)
		}
	}
}

// TestHolidaysFile: the data directory's holidays.txt moves a request's deadline past its
// holidays; a line that is not a date is refused, naming the file and the line, and
// nothing is filed.
func TestHolidaysFile(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	add := []string{"requests", "add", "--kind", "view", "--channel", "mail", "--name", "홍길동", "--contact", "010-1234-5678",
		"--from", "2026-11-21 09:00", "--to", "2026-11-21 09:30", "--camera", "ulsan-lobby-1f", "--purpose", "분실물 확인"}
	file := filepath.Join(c.data, "holidays.txt")
	os.WriteFile(file, []byte("# 임시공휴일\n2026-12-02\n2026-12-3x\n"), 0o644)
	if code, _, errs := c.run(append([]string{"--lang", "en"}, add...)...); code != 1 || !strings.Contains(errs, "holidays.txt:3") {
		t.Fatalf("a bad holidays file: exit %d\n%s", code, errs)
	}
	if out := c.ok("requests", "list"); !strings.Contains(out, "청구가 없습니다") {
		t.Fatalf("a request was filed with a bad holidays file:\n%s", out)
	}
	os.WriteFile(file, []byte("# 임시공휴일\n2026-12-02   # 예\n"), 0o644)
	// Filed on Sunday 22 November: the tenth day, Wednesday 2 December, is a holiday.
	if out := c.ok(add...); !strings.Contains(out, "2026-12-03") {
		t.Fatalf("due date with the holiday:\n%s", out)
	}
}
