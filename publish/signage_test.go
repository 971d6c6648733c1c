package publish

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"custodian"
	"custodian/yaml"
)

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

// itemText is the text of a sign's items, one "label: line" per line.
func itemText(s *Sign) string {
	var b strings.Builder
	for _, it := range s.Items() {
		for _, l := range it.Lines {
			b.WriteString(it.Label + ": " + l + "\n")
		}
	}
	return b.String()
}

func TestSignboardUlsan(t *testing.T) {
	r := loadExample(t, "003-")
	s, err := Signboard(r, "ulsan")
	if err != nil {
		t.Fatal(err)
	}
	if s.Organisation != "고용노동부고객상담센터" || s.SiteName != "울산센터" || s.Total != 9 {
		t.Errorf("organisation %q, site %q, total %d", s.Organisation, s.SiteName, s.Total)
	}
	if want := []string{"시설안전 및 화재 예방", "차량도난 및 파손방지"}; strings.Join(s.Purposes, "|") != strings.Join(want, "|") {
		t.Errorf("purposes %q, want %q", s.Purposes, want)
	}
	if len(s.Hours) != 1 || s.Hours[0] != "24시간" {
		t.Errorf("hours %q, want [24시간]", s.Hours)
	}
	m := s.Manager
	if m.Name != "정재욱" || m.Phone != "052-702-5100" || m.Title != "과장" || m.Department != "기획지원과" || m.Role != "관리책임자" {
		t.Errorf("manager %+v", m)
	}
	if s.Address != "울산 중구 중가로 405-3" || s.Placement != "청사 주 출입구 및 옥외 주차장 입구" {
		t.Errorf("address %q, placement %q", s.Address, s.Placement)
	}
	// The two groups filming the outdoor entrance are one line of three cameras.
	sum := 0
	var outdoor *SignRange
	for i, g := range s.Ranges {
		sum += g.Count
		if g.Range == "옥외 출입구 24시간 촬영" {
			if outdoor != nil {
				t.Error("the outdoor entrance range is listed twice")
			}
			outdoor = &s.Ranges[i]
		}
	}
	if sum != 9 || outdoor == nil || outdoor.Count != 3 {
		t.Errorf("ranges %+v: want 9 cameras, the outdoor entrance with 3", s.Ranges)
	}
	if len(s.Contractors) != 0 {
		t.Errorf("contractors %+v; example 003 outsources nothing", s.Contractors)
	}
	text := itemText(s)
	for _, want := range []string{
		"설치 목적: 시설안전 및 화재 예방",
		"설치 장소: 울산센터 (울산 중구 중가로 405-3)",
		"안내판 위치: 청사 주 출입구 및 옥외 주차장 입구",
		"설치 대수: 총 9대",
		"촬영 범위: 1층 로비 24시간 촬영 (2대)",
		"촬영 범위: 옥외 주차장 24시간 촬영 (1대)",
		"촬영 시간: 24시간",
		"관리책임자 및 연락처: 기획지원과 과장 정재욱",
		"관리책임자 및 연락처: 연락처 052-702-5100",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("items lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "수탁관리자") {
		t.Errorf("items name a contractor though none is registered:\n%s", text)
	}
}

func TestSignboardParentAggregatesChildren(t *testing.T) {
	r := loadExample(t, "003-")
	s, err := Signboard(r, "cheonan")
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 7 {
		t.Errorf("total %d, want 7 (천안1센터 3 + 천안2센터 4)", s.Total)
	}
	sites := map[string]int{}
	for _, g := range s.Ranges {
		sites[g.SiteName] += g.Count
	}
	if sites["천안1센터"] != 3 || sites["천안2센터"] != 4 || len(sites) != 2 {
		t.Errorf("cameras by site %v", sites)
	}
	text := itemText(s)
	for _, want := range []string{"천안1센터 8층 출입구 24시간 촬영 (2대)", "천안2센터 7층 출입구 밖 24시간 촬영 (1대)", "총 7대", "정재욱"} {
		if !strings.Contains(text, want) {
			t.Errorf("items lack %q:\n%s", want, text)
		}
	}
	// A child's own sign covers only its cameras.
	c, err := Signboard(r, "cheonan-2")
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != 4 || c.Placement != "4층 및 7층 출입구" {
		t.Errorf("천안2센터: total %d placement %q", c.Total, c.Placement)
	}
	if strings.Contains(itemText(c), "천안2센터 4층") {
		t.Error("a sign prefixes its own site's name to its ranges")
	}
}

func TestSignboardManyRangesOneLinePerSite(t *testing.T) {
	// The head office of example 000, made an umbrella: its own cameras move to a building
	// below it, so its sign covers every office (Index.SignboardSites).
	r := loadExample(t, "000-")
	r.Sites = append(r.Sites, custodian.Site{ID: "hq-main", Name: "고양일산우체국 본관", Kind: custodian.SiteBuilding, Parent: "hq", CameraGroups: r.Sites[0].CameraGroups})
	r.Sites[0].CameraGroups = nil
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := Signboard(r, "hq")
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 205 {
		t.Errorf("total %d, want 205", s.Total)
	}
	var ranges []string
	for _, it := range s.Items() {
		if it.Label == "촬영 범위" {
			ranges = it.Lines
		}
	}
	if len(ranges) != 10 {
		t.Fatalf("%d range lines, want one for each of the 10 sites:\n%s", len(ranges), strings.Join(ranges, "\n"))
	}
	if want := "고양일산2동우체국 청사입구, 공중실, 365코너 (16대)"; ranges[0] != want {
		t.Errorf("line %q, want %q", ranges[0], want)
	}
	// The chief of the head office, listed first for it, is the sign's manager.
	if s.Manager.Name != "이미숙" || s.Manager.Text() != "지원과장 이미숙" {
		t.Errorf("manager %+v (%q)", s.Manager, s.Manager.Text())
	}
	// An office's sign names the office's own manager, not the head office's.
	o, err := Signboard(r, "baekseok")
	if err != nil {
		t.Fatal(err)
	}
	if o.Manager.Name != "문태남" || o.Manager.Phone != "901-2005" {
		t.Errorf("office manager %+v", o.Manager)
	}
}

func TestSignboardErrors(t *testing.T) {
	r := loadExample(t, "003-")
	_, err := Signboard(r, "anyang")
	if custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("anyang: %v, want %s", err, custodian.EINVALID)
	}
	if !strings.Contains(err.Error(), "안양센터") || !strings.Contains(err.Error(), "영상정보처리기기 미설치") || !strings.Contains(err.Error(), "no cameras") {
		t.Errorf("anyang: %q does not say the site has no cameras", err)
	}

	_, err = Signboard(r, "busan")
	if custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("busan: %v, want %s", err, custodian.ENOTFOUND)
	}
	for _, want := range []string{"busan", "ulsan", "cheonan-2", "gwangju"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("busan: %q lacks %q", err, want)
		}
	}

	// With many sites the error does not list them all.
	big := *r
	big.Sites = nil
	for i := range maxListedSites + 1 {
		big.Sites = append(big.Sites, custodian.Site{ID: "s" + string(rune('a'+i)), Name: "사이트"})
	}
	if _, err := Signboard(&big, "zz"); custodian.ErrorCode(err) != custodian.ENOTFOUND || strings.Contains(err.Error(), "sa, sb") {
		t.Errorf("many sites: %v", err)
	}

	// A site no responsible manager covers cannot have a sign.
	noManager := *r
	noManager.People = []custodian.Person{{ID: "x", Name: "홍길동", Role: custodian.RoleAccessHolder}}
	if _, err := Signboard(&noManager, "ulsan"); custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), "관리책임자") {
		t.Errorf("no manager: %v", err)
	}
}

func TestSignboardContractors(t *testing.T) {
	r := loadExample(t, "003-")
	r.Contractors = append(r.Contractors,
		custodian.Contractor{ID: "guard", Name: "㈜한빛보안", Contact: "02-555-0199", Work: "영상정보처리기기 유지보수", Sites: []string{"cheonan"}},
		custodian.Contractor{ID: "all", Name: "전국관제㈜", Contact: "1588-0000", Work: "관제"},
	)
	if err := r.Validate(); err != nil {
		t.Fatalf("the test's registry is invalid: %v", err)
	}
	// A contractor of the parent site serves its children; one for no site serves all.
	s, err := Signboard(r, "cheonan-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Contractors) != 2 || s.Contractors[0].Name != "㈜한빛보안" || s.Contractors[0].Contact != "02-555-0199" {
		t.Errorf("천안1센터 contractors %+v", s.Contractors)
	}
	text := itemText(s)
	for _, want := range []string{"수탁관리자 및 연락처: ㈜한빛보안 (영상정보처리기기 유지보수)", "수탁관리자 및 연락처: 연락처 02-555-0199", "전국관제㈜"} {
		if !strings.Contains(text, want) {
			t.Errorf("items lack %q:\n%s", want, text)
		}
	}
	u, err := Signboard(r, "ulsan")
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Contractors) != 1 || u.Contractors[0].Name != "전국관제㈜" {
		t.Errorf("울산센터 contractors %+v; only the one for every site serves it", u.Contractors)
	}
	h, err := SignHTML(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(h, []byte("㈜한빛보안")) || !bytes.Contains(h, []byte("수탁관리자")) {
		t.Error("the HTML sign lacks the contractor")
	}
}

// svgText returns the text content of every <text> element of an SVG, and fails the test
// unless the SVG is well-formed XML with an A4 <svg> root.
func svgText(t *testing.T, data []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	var texts []string
	inText := false
	root := true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if root {
				root = false
				attrs := map[string]string{}
				for _, a := range x.Attr {
					attrs[a.Name.Local] = a.Value
				}
				if x.Name.Local != "svg" || x.Name.Space != "http://www.w3.org/2000/svg" || attrs["width"] != "210mm" || attrs["height"] != "297mm" || attrs["viewBox"] != "0 0 210 297" {
					t.Errorf("root element %v %v, want an A4 svg", x.Name, attrs)
				}
				if !strings.Contains(attrs["font-family"], "NanumGothic") {
					t.Errorf("font-family %q", attrs["font-family"])
				}
			}
			if x.Name.Local == "text" {
				inText = true
				texts = append(texts, "")
			}
		case xml.EndElement:
			inText = inText && x.Name.Local != "text"
		case xml.CharData:
			if inText {
				texts[len(texts)-1] += string(x)
			}
		}
	}
	return texts
}

func TestSignSVG(t *testing.T) {
	r := loadExample(t, "003-")
	s, err := Signboard(r, "ulsan")
	if err != nil {
		t.Fatal(err)
	}
	s.Organisation = `<고용노동부 & "상담">`
	data, err := SignSVG(s)
	if err != nil {
		t.Fatal(err)
	}
	texts := svgText(t, data)
	all := strings.Join(texts, "")
	for _, want := range []string{"CCTV 설치 안내", "영상정보처리기기 설치·운영 안내", "설치 목적", "시설안전 및 화재 예방", "정재욱", "052-702-5100", "24시간", "1층 로비 24시간 촬영 (2대)", `<고용노동부 & "상담">`} {
		if !strings.Contains(all, want) {
			t.Errorf("the SVG's text lacks %q", want)
		}
	}
	// Every line fits in the page by the same estimate the layout used.
	p := LayoutSign(s, EstimateWidth)
	for _, tx := range p.Texts {
		w := EstimateWidth(tx.Text, tx.Size, tx.Bold)
		left := tx.X
		if tx.Center {
			left -= w / 2
		}
		if left < signFrame || left+w > signWidth-signFrame+0.01 {
			t.Errorf("text %q runs off the sign: %.1f to %.1f mm", tx.Text, left, left+w)
		}
		if tx.Y > signHeight-signFrame {
			t.Errorf("text %q below the frame at %.1f mm", tx.Text, tx.Y)
		}
	}
}

func TestLayoutSignShrinksAndCuts(t *testing.T) {
	r := loadExample(t, "003-")
	s, err := Signboard(r, "ulsan")
	if err != nil {
		t.Fatal(err)
	}
	// Many long purposes do not fit at any size: the list is cut short and says how much.
	for i := range 40 {
		s.Purposes = append(s.Purposes, "아주 길고 긴 설치 목적의 이름으로 한 줄을 넘기는 문장 "+string(rune('가'+i)))
	}
	p := LayoutSign(s, EstimateWidth)
	bottom, cut := 0.0, false
	for _, tx := range p.Texts {
		if tx.Text != s.Organisation {
			bottom = max(bottom, tx.Y)
		}
		cut = cut || strings.HasPrefix(tx.Text, "… 외 ")
	}
	if bottom > signTableBottom {
		t.Errorf("the table's text reaches %.1f mm, below %.1f", bottom, signTableBottom)
	}
	if !cut {
		t.Error("no \"… 외 N건\" line though the purposes cannot fit")
	}
}

func TestSignHTML(t *testing.T) {
	r := loadExample(t, "003-")
	s, err := Signboard(r, "ulsan")
	if err != nil {
		t.Fatal(err)
	}
	data, err := SignHTML(s)
	if err != nil {
		t.Fatal(err)
	}
	h := string(data)
	for _, want := range []string{
		`<html lang="ko">`, "@page{size:A4", "NanumGothic", "<h1>CCTV 설치 안내</h1>", "영상정보처리기기 설치·운영 안내",
		`<svg class="pictogram"`, `<th scope="row">설치 목적</th>`, `<th scope="row">촬영 범위</th>`, `<th scope="row">촬영 시간</th>`,
		`<th scope="row">관리책임자 및 연락처</th>`, "<li>시설안전 및 화재 예방</li>", "울산센터 (울산 중구 중가로 405-3)", "청사 주 출입구 및 옥외 주차장 입구",
		"총 9대", "1층 로비 24시간 촬영 (2대)", "24시간", "정재욱", "052-702-5100", "고용노동부고객상담센터",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	s.SiteName = "<script>alert(1)</script>"
	data, err = SignHTML(s)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("<script>")) {
		t.Error("the HTML does not escape the site's name")
	}
	if _, err := SignHTML(nil); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("nil sign: %v", err)
	}
}

func TestWrapText(t *testing.T) {
	m := func(s string) float64 { return EstimateWidth(s, 1, false) }
	cases := []struct {
		text  string
		width float64
		want  []string
	}{
		{"가나 다라 마바", 5, []string{"가나 다라", "마바"}},
		{"가나다라마바사", 3, []string{"가나다", "라마바", "사"}},
		{"줄\n\n바꿈", 10, []string{"줄", "", "바꿈"}},
		{"", 10, []string{""}},
		{"ab  cd", 10, []string{"ab cd"}},
	}
	for _, c := range cases {
		got := WrapText(c.text, c.width, m)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("WrapText(%q, %v) = %q, want %q", c.text, c.width, got, c.want)
		}
	}
}

func TestSignSites(t *testing.T) {
	r := loadExample(t, "003-")
	if got := strings.Join(SignSites(r), ","); got != "ulsan,cheonan,cheonan-1,cheonan-2" {
		t.Errorf("SignSites = %s", got)
	}
}

// TestSignboardOwnPremises checks that a site with cameras of its own covers only them and
// the buildings and areas that are part of it, not its subordinate offices, which post
// their own signs.
func TestSignboardOwnPremises(t *testing.T) {
	r := loadExample(t, "000-")
	s, err := Signboard(r, "hq")
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 75 || strings.Contains(itemText(s), "고양일산2동우체국") {
		t.Errorf("the head office's sign covers its offices: total %d\n%s", s.Total, itemText(s))
	}
	// A building below a site is part of it.
	r.Sites = append(r.Sites, custodian.Site{ID: "hq-annex", Name: "별관", Kind: custodian.SiteBuilding, Parent: "hq",
		CameraGroups: []custodian.CameraGroup{{ID: "annex", Count: 2, Locations: []string{"별관 입구"}, Purposes: []string{"facility"}, RetentionClass: "building"}}})
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err = Signboard(r, "hq")
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 77 || !strings.Contains(itemText(s), "별관 입구") {
		t.Errorf("the building below is not on the sign: total %d\n%s", s.Total, itemText(s))
	}
}
