package pdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/publish"
	"custodian/yaml"
)

// fixedDate is the creation date of every PDF the tests render.
var fixedDate = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// loadExample loads the example registry whose file name starts with prefix.
func loadExample(t *testing.T, prefix string) *custodian.Registry {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "examples", prefix+"*.yaml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("example %s*.yaml: found %v (%v)", prefix, files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	r, err := yaml.Load(files[0], data)
	if err != nil {
		t.Fatalf("loading %s: %v", files[0], err)
	}
	return r
}

// needTool fails the test when a poppler-utils program the test uses is missing.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s가 없습니다. scripts/setup.sh를 실행하여 poppler-utils를 설치하십시오 (%s is missing: run scripts/setup.sh to install poppler-utils)", name, name)
	}
}

// writePDF writes data to a file in a temporary directory and returns its path.
func writePDF(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pdfText extracts the text of a PDF with pdftotext -layout; extra arguments select pages.
func pdfText(t *testing.T, path string, args ...string) string {
	t.Helper()
	needTool(t, "pdftotext")
	args = append(append([]string{"-layout", "-enc", "UTF-8"}, args...), path, "-")
	out, err := exec.Command("pdftotext", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// squash removes all white space, so that text wrapped or spread over columns by the layout
// still matches.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// assertContains fails for each want not in the extracted text (white space ignored).
func assertContains(t *testing.T, text string, wants ...string) {
	t.Helper()
	flat := squash(text)
	for _, want := range wants {
		if !strings.Contains(flat, squash(want)) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
}

// assertEmbeddedFont fails unless pdffonts lists an embedded NanumGothic font.
func assertEmbeddedFont(t *testing.T, path string) {
	t.Helper()
	needTool(t, "pdffonts")
	out, err := exec.Command("pdffonts", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdffonts: %v\n%s", err, out)
	}
	found := false
	for _, line := range strings.Split(string(out), "\n") {
		// fpdf names the font after its family in lower case: "utf8nanumgothic".
		if !strings.Contains(strings.ToLower(line), "nanumgothic") {
			continue
		}
		// Columns: name type encoding emb sub uni object-ID; "emb" is "yes" when embedded.
		f := strings.Fields(line)
		if len(f) >= 5 && f[len(f)-5] == "yes" {
			found = true
		}
	}
	if !found {
		t.Errorf("pdffonts lists no embedded NanumGothic font:\n%s", out)
	}
}

func TestPolicyExamples(t *testing.T) {
	cases := []struct {
		prefix string
		wants  []string
	}{
		{"000-", []string{"고양일산우체국", "영상정보처리기기 운영·관리 방침", "이미숙", "고양백석동우체국", "청사입구", "안전성 확보조치", "관리책임자 및 접근권한자", "금융/우편창구(ATM등 포함)"}},
		{"001-", []string{"구로신협", "경영관리부장", "1층 객장", "지하주차장", "안전성 확보조치", "84.5˚", "고객 등의 안전을 위한 범죄 예방"}},
		{"003-", []string{"고용노동부고객상담센터", "정재욱", "052-702-5100", "1층 로비 천정", "천안2센터", "안전성 확보조치", "영상정보처리기기 미설치", "주차장법 시행규칙"}},
	}
	for _, c := range cases {
		t.Run(c.prefix, func(t *testing.T) {
			r := loadExample(t, c.prefix)
			doc := publish.Policy(r, publish.PolicyOptions{})
			data, err := Policy(doc, Options{CreationDate: fixedDate, Author: r.Organisation.Name})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Fatalf("output does not start with %%PDF-: %q", data[:min(len(data), 16)])
			}
			path := writePDF(t, data)
			text := pdfText(t, path)
			assertContains(t, text, c.wants...)
			// Every section heading is in the PDF.
			for _, s := range doc.Sections {
				assertContains(t, text, s.Heading())
			}
			assertEmbeddedFont(t, path)
		})
	}
}

func TestPolicyPageNumbers(t *testing.T) {
	r := loadExample(t, "000-")
	doc := publish.Policy(r, publish.PolicyOptions{})
	doc.Footer = "꼬리말 footer"
	data, err := Policy(doc, Options{CreationDate: fixedDate})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, data)
	pages := pageCount(t, path)
	if pages < 2 {
		t.Fatalf("the example 000 policy has %d page(s); want several", pages)
	}
	for p := 1; p <= pages; p++ {
		text := pdfText(t, path, "-f", fmt.Sprint(p), "-l", fmt.Sprint(p))
		assertContains(t, text, fmt.Sprintf("%d / %d", p, pages), "꼬리말 footer")
	}
}

// pageCount returns the number of pages pdfinfo reports.
func pageCount(t *testing.T, path string) int {
	t.Helper()
	needTool(t, "pdfinfo")
	out, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			var n int
			if _, err := fmt.Sscan(v, &n); err != nil {
				t.Fatalf("pdfinfo Pages: %q", v)
			}
			return n
		}
	}
	t.Fatalf("pdfinfo printed no page count:\n%s", out)
	return 0
}

func TestPolicyMetadata(t *testing.T) {
	doc := &publish.Document{Lang: "ko", Title: "시험 문서", Intro: []publish.Block{&publish.Paragraph{Text: "본문"}}}
	data, err := Policy(doc, Options{CreationDate: fixedDate, Author: "시험기관"})
	if err != nil {
		t.Fatal(err)
	}
	needTool(t, "pdfinfo")
	out, err := exec.Command("pdfinfo", writePDF(t, data)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	info := string(out)
	for _, want := range []string{"시험 문서", "시험기관", "2025"} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
	again, err := Policy(doc, Options{CreationDate: fixedDate, Author: "시험기관"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Error("two renderings with the same creation date differ; output must be reproducible")
	}
}

func TestTableHeaderRepeats(t *testing.T) {
	tbl := &publish.Table{Header: []string{"머리칸연번", "설치장소머리", "비고머리칸"}, Widths: []float64{1, 4, 2}}
	for i := range 120 {
		tbl.AddRow(fmt.Sprint(i+1), fmt.Sprintf("본관 %d층 복도 천정", i+1), "24시간")
	}
	tbl.AddTotal("합계", "", "총 120대")
	doc := &publish.Document{Lang: "ko", Title: "긴 표", Sections: []publish.Section{{Number: 1, Title: "표", Blocks: []publish.Block{tbl}}}}
	data, err := Policy(doc, Options{CreationDate: fixedDate})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, data)
	if n := pageCount(t, path); n < 3 {
		t.Fatalf("120 rows fit on %d page(s); the test needs the table to span pages", n)
	}
	for _, p := range []string{"2", "3"} {
		text := pdfText(t, path, "-f", p, "-l", p)
		assertContains(t, text, "머리칸연번", "설치장소머리", "비고머리칸")
	}
	// No row is lost or split: every row's location is on some page exactly once.
	all := squash(pdfText(t, path))
	for i := range 120 {
		want := squash(fmt.Sprintf("본관 %d층 복도 천정", i+1))
		if n := strings.Count(all, want); n != 1 {
			t.Errorf("row %d appears %d times", i+1, n)
		}
	}
	assertContains(t, all, "총 120대")
}

func TestTallCellWraps(t *testing.T) {
	long := strings.Repeat("띄어쓰기없는아주긴한국어낱말", 12)
	tall := strings.Repeat("여러 줄에 걸친 아주 긴 칸의 내용입니다. ", 400)
	tbl := &publish.Table{Header: []string{"구분", "내용"}, Widths: nil}
	tbl.AddRow("긴낱말", long)
	tbl.AddRow("큰칸", tall)
	tbl.AddRow("끝줄", "마지막행")
	doc := &publish.Document{Lang: "ko", Title: "긴 칸", Sections: []publish.Section{{Number: 1, Title: "표", Blocks: []publish.Block{tbl}}}}
	data, err := Policy(doc, Options{CreationDate: fixedDate})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, data)
	text := pdfText(t, path)
	// The long word is broken between characters, so all of it is there, in order.
	assertContains(t, text, long, "마지막행")
	if n := pageCount(t, path); n < 2 {
		t.Errorf("a cell of %d characters fits on one page?", len([]rune(tall)))
	}
}

func TestWrap(t *testing.T) {
	w, err := newWriter(Options{CreationDate: fixedDate}, "wrap")
	if err != nil {
		t.Fatal(err)
	}
	w.font("", 10, colText)
	for _, text := range []string{
		"영상정보처리기기의 설치 근거 및 설치 목적에 관한 사항을 적습니다",
		strings.Repeat("가", 200),
		"short\n\nlines",
		"",
	} {
		lines := w.wrap(text, 40)
		for _, l := range lines {
			if wd := w.f.GetStringWidth(l); wd > 40 {
				t.Errorf("line %q is %.1f mm wide, more than 40", l, wd)
			}
		}
		if got, want := squash(strings.Join(lines, "")), squash(text); got != want {
			t.Errorf("wrap lost text: %q, want %q", got, want)
		}
	}
	if got := w.wrap("short\n\nlines", 40); len(got) != 3 {
		t.Errorf("line breaks not kept: %q", got)
	}
}

func TestColumnWidths(t *testing.T) {
	even := columnWidths(nil, 4)
	for _, w := range even {
		if w != contentWidth/4 {
			t.Fatalf("even widths %v", even)
		}
	}
	rel := columnWidths([]float64{1, 3}, 2)
	if rel[0] != contentWidth/4 || rel[1] != contentWidth*3/4 {
		t.Errorf("relative widths %v", rel)
	}
	if mism := columnWidths([]float64{1, 3}, 3); mism[0] != contentWidth/3 {
		t.Errorf("widths for the wrong number of columns %v, want even", mism)
	}
}

func TestMissingFont(t *testing.T) {
	_, err := readFonts([]string{t.TempDir()})
	if custodian.ErrorCode(err) != custodian.EINTERNAL {
		t.Fatalf("error %v, want code %s", err, custodian.EINTERNAL)
	}
	for _, want := range []string{"fonts-nanum", "scripts/setup.sh", FontDirEnv, "글꼴"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, regularFontFile), []byte("not a font at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readFonts([]string{dir}); custodian.ErrorCode(err) != custodian.EINTERNAL {
		t.Errorf("a file that is no font: error %v, want %s", err, custodian.EINTERNAL)
	}
	// The override directory comes first; without the font there, the default is used.
	t.Setenv(FontDirEnv, "/nonexistent")
	if dirs := fontDirs(); len(dirs) != 2 || dirs[0] != "/nonexistent" || dirs[1] != DefaultFontDir {
		t.Errorf("fontDirs() = %v", dirs)
	}
}
