package pdf

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"custodian"
	"custodian/publish"
)

func TestSignPDF(t *testing.T) {
	r := loadExample(t, "003-")
	r.Contractors = append(r.Contractors, custodian.Contractor{ID: "guard", Name: "㈜한빛보안", Contact: "02-555-0199", Work: "유지보수"})
	s, err := publish.Signboard(r, "ulsan")
	if err != nil {
		t.Fatal(err)
	}
	data, err := Sign(s, Options{CreationDate: fixedDate})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, data)
	if n := pageCount(t, path); n != 1 {
		t.Errorf("the sign has %d pages, want 1", n)
	}
	text := pdfText(t, path)
	assertContains(t, text, "CCTV 설치 안내", "영상정보처리기기 설치·운영 안내", "정재욱", "052-702-5100",
		"시설안전 및 화재 예방", "울산센터", "24시간", "1층 로비 24시간 촬영 (2대)", "총 9대", "㈜한빛보안", "고용노동부고객상담센터")
	assertEmbeddedFont(t, path)

	needTool(t, "pdfinfo")
	out, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	for _, want := range []string{"CCTV 설치 안내 — 울산센터", "고용노동부고객상담센터", "A4"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, out)
		}
	}
	again, err := Sign(s, Options{CreationDate: fixedDate})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Error("two renderings of the sign with the same creation date differ")
	}
}

func TestSignPDFParentSite(t *testing.T) {
	r := loadExample(t, "003-")
	s, err := publish.Signboard(r, "cheonan")
	if err != nil {
		t.Fatal(err)
	}
	data, err := Sign(s, Options{CreationDate: fixedDate})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, data)
	if n := pageCount(t, path); n != 1 {
		t.Errorf("the sign has %d pages, want 1", n)
	}
	// A site with no cameras of its own covers every site below it.
	assertContains(t, pdfText(t, path), "CCTV", "정재욱", "총 7대", "천안1센터", "천안2센터", "8층 교육장", "4층 휴게실 입구")
}

func TestSignNil(t *testing.T) {
	if _, err := Sign(nil, Options{}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("nil sign: %v", err)
	}
}

func TestHexColor(t *testing.T) {
	if c := hexColor("#1d3d6b"); c != (rgb{29, 61, 107}) {
		t.Errorf("hexColor(#1d3d6b) = %v", c)
	}
	if c := hexColor("navy"); c != colText {
		t.Errorf("hexColor(navy) = %v, want the text colour", c)
	}
}
