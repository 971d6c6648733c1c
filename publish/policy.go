package publish

import (
	"fmt"
	"strconv"
	"strings"

	"custodian"
)

// DefaultTitle is the policy's title when the organisation states none.
const DefaultTitle = "영상정보처리기기 운영·관리 방침"

// PolicyOptions say which version of the policy is rendered.
type PolicyOptions struct {
	// Version is the version being rendered; nil renders a draft of the next version.
	Version *custodian.PolicyVersion
	// Published are the published versions up to and including Version (every published
	// version for a draft), oldest first; they make up the notice history.
	Published []custodian.PolicyVersion
}

// Policy builds the operation & management policy of r: the eight items the Decree
// (시행령 제25조) requires, in order, then the organisation's agreements, controlled areas,
// forms and own sections, then the history of changes.
func Policy(r *custodian.Registry, opt PolicyOptions) *Document {
	b := &policyBuilder{r: r, x: r.Index(), opt: opt}
	return b.build()
}

type policyBuilder struct {
	r     *custodian.Registry
	x     *custodian.Index
	opt   PolicyOptions
	doc   *Document
	title string
}

func (b *policyBuilder) orgName() string {
	if b.r.Organisation.Scope != "" {
		return b.r.Organisation.Scope
	}
	return b.r.Organisation.Name
}

func (b *policyBuilder) section(title string, blocks ...Block) *Section {
	n := len(b.doc.Sections) + 1
	b.doc.Sections = append(b.doc.Sections, Section{Number: n, Title: title, Blocks: blocks})
	return &b.doc.Sections[len(b.doc.Sections)-1]
}

func (b *policyBuilder) build() *Document {
	r := b.r
	title := r.Policy.Title
	if title == "" {
		title = DefaultTitle
	}
	b.title = title
	b.doc = &Document{Lang: "ko", Title: r.Organisation.Name + " " + title}
	if v := b.opt.Version; v != nil {
		b.doc.Meta = append(b.doc.Meta, fmt.Sprintf("제%d판 · 공고일 %s · 시행일 %s", v.Number, v.Announced.Korean(), v.Effective.Korean()))
	} else {
		b.doc.Meta = append(b.doc.Meta, "초안 (공고되지 않음)")
	}
	intro := r.Policy.Introduction
	if intro == "" {
		intro = Josa(b.orgName(), "은/는") + " 「개인정보 보호법」 제25조 제7항 및 같은 법 시행령 제25조에 따라 " + title +
			"을 통해 " + b.orgName() + "에서 처리하는 영상정보가 어떠한 용도와 방식으로 이용·관리되고 있는지 알려드립니다."
	}
	b.doc.Intro = paragraphs(intro)

	b.purposes()
	b.cameras()
	b.people()
	b.retention()
	b.checking()
	b.requests()
	b.safety()
	b.other()
	b.agreements()
	b.controlledAreas()
	b.forms()
	for _, s := range r.Policy.Sections {
		b.section(s.Title, paragraphs(s.Body)...)
	}
	b.history()
	if r.Organisation.Homepage != "" {
		b.doc.Footer = title + " · " + r.Organisation.Homepage
	}
	return b.doc
}

// paragraphs splits text into paragraphs at blank lines; consecutive lines starting with
// "- " become a list.
func paragraphs(text string) []Block {
	var out []Block
	for _, chunk := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		chunk = strings.TrimSpace(chunk)
		if chunk == "" {
			continue
		}
		lines := strings.Split(chunk, "\n")
		var list *List
		var para []string
		flush := func() {
			if len(para) > 0 {
				out = append(out, &Paragraph{Text: strings.Join(para, " ")})
				para = nil
			}
		}
		for _, l := range lines {
			l = strings.TrimSpace(l)
			if item, ok := strings.CutPrefix(l, "- "); ok {
				flush()
				if list == nil {
					list = &List{}
					out = append(out, list)
				}
				list.Items = append(list.Items, item)
				continue
			}
			list = nil
			para = append(para, l)
		}
		flush()
	}
	return out
}

// BasisText returns the legal basis in Korean: "「개인정보 보호법」 제25조 제1항 제3호".
func BasisText(b custodian.LegalBasis) string {
	switch b.Kind {
	case custodian.BasisPIPA25:
		return "「개인정보 보호법」 제25조 제1항 제" + strconv.Itoa(b.Item) + "호"
	case custodian.BasisConsent:
		return "정보주체의 동의(「개인정보 보호법」 제15조 제1항 제1호)"
	case custodian.BasisOtherLaw:
		return "「" + b.Law + "」 " + b.Article
	}
	return ""
}

func (b *policyBuilder) purposes() {
	var laws []string
	seen := map[string]bool{}
	addLaw := func(s string) {
		if !seen[s] {
			seen[s] = true
			laws = append(laws, s)
		}
	}
	list := &List{}
	var notes []Block
	for _, p := range b.r.Purposes {
		switch p.Basis.Kind {
		case custodian.BasisPIPA25:
			addLaw("「개인정보 보호법」 제25조 제1항")
		case custodian.BasisConsent:
			addLaw("정보주체의 동의(「개인정보 보호법」 제15조 제1항 제1호)")
		case custodian.BasisOtherLaw:
			addLaw("「" + p.Basis.Law + "」 " + p.Basis.Article)
		}
		list.Items = append(list.Items, p.Name+" (근거: "+BasisText(p.Basis)+")")
		if p.Note != "" {
			notes = append(notes, &Paragraph{Text: "※ " + strings.TrimPrefix(p.Note, "※ "), Note: true})
		}
	}
	lead := &Paragraph{Text: Josa(b.orgName(), "은/는") + " " + joinKorean(laws) + "에 따라 다음과 같은 목적으로 영상정보처리기기를 설치·운영합니다."}
	b.section("영상정보처리기기의 설치 근거 및 설치 목적", append([]Block{lead, list}, notes...)...)
}

// joinKorean joins items as Korean lists them: "A", "A 및 B", "A, B 및 C".
func joinKorean(items []string) string {
	if len(items) < 3 {
		return strings.Join(items, " 및 ")
	}
	return strings.Join(items[:len(items)-1], ", ") + " 및 " + items[len(items)-1]
}

func countText(n int) string { return strconv.Itoa(n) + "대" }

func (b *policyBuilder) groupRange(g custodian.CameraGroup) (rng, kind string) {
	rng = g.Range
	switch {
	case g.Radius != "" && rng != "":
		rng += " (" + g.Radius + ")"
	case g.Radius != "":
		rng = g.Radius
	}
	switch g.Type {
	case custodian.CameraFixed:
		kind = "고정형"
	case custodian.CameraPTZ:
		kind = "회전형"
	}
	if len(g.FieldOfView) > 0 {
		angles := make([]string, len(g.FieldOfView))
		for i, a := range g.FieldOfView {
			angles[i] = strconv.FormatFloat(a, 'f', -1, 64) + "˚"
		}
		if kind != "" {
			kind += " "
		}
		kind += "화각 " + strings.Join(angles, ", ")
	}
	return rng, kind
}

func (b *policyBuilder) cameras() {
	t := &Table{Header: []string{"구분", "분류", "설치 대수", "설치 위치", "촬영 범위", "형태·화각"}, Widths: []float64{2.2, 1.4, 1, 3.4, 3, 1.8}}
	bySite := b.r.Policy.CameraTable == custodian.CameraTableSite
	rows := 0
	var walk func(id string)
	walk = func(id string) {
		s := b.x.Site(id)
		own := 0
		if bySite && len(s.CameraGroups) > 0 {
			var cats, locs, rngs, kinds []string
			n := 0
			for _, g := range s.CameraGroups {
				rng, kind := b.groupRange(g)
				cats = appendNew(cats, g.Category)
				for _, l := range g.Locations {
					locs = appendNew(locs, l)
				}
				rngs = appendNew(rngs, rng)
				kinds = appendNew(kinds, kind)
				n += g.Count
			}
			t.AddRow(s.Name, strings.Join(cats, ", "), countText(n), strings.Join(locs, ", "), strings.Join(rngs, ", "), strings.Join(kinds, ", "))
			own, rows = 1, rows+1
		}
		for _, g := range s.CameraGroups {
			if bySite {
				break
			}
			rng, kind := b.groupRange(g)
			label := s.Name
			if g.Area != "" {
				label += " " + g.Area
			}
			loc := strings.Join(g.Locations, ", ")
			if g.Note != "" {
				loc += " (" + g.Note + ")"
			}
			t.AddRow(label, g.Category, countText(g.Count), loc, rng, kind)
			own, rows = own+1, rows+1
		}
		total := b.x.SiteTotal(id)
		children := b.x.Children(id)
		if total == 0 && len(children) == 0 {
			if s.Kind != custodian.SiteControlCentre { // it runs other sites' cameras
				t.AddRow(s.Name, "", countText(0), s.NoCamerasReason, "", "")
				rows++
			}
			return
		}
		for _, c := range children {
			walk(c)
		}
		if (!bySite && own+len(children) > 1) || (s.StatedTotal > 0 && own+len(children) > 1) {
			t.AddTotal(s.Name+" 계", "", "총 "+countText(total), "", "", "")
		}
	}
	roots := b.x.Roots()
	for _, id := range roots {
		walk(id)
	}
	total := b.x.Total()
	// The grand total, unless the one root's own total row already says it.
	if rows > 1 && !(len(roots) == 1 && t.IsTotal(len(t.Rows)-1)) {
		t.AddTotal("합계", "", "총 "+countText(total), "", "", "")
	}
	noRange := true
	for _, r := range t.Rows {
		noRange = noRange && r[4] == ""
	}
	if noRange {
		t.Header[3] = "설치 위치 및 촬영 범위"
	}
	t.DropEmptyColumns(0, 2, 3)
	lead := &Paragraph{Text: fmt.Sprintf("%s 설치·운영하는 영상정보처리기기는 총 %d대이며, 설치 위치와 촬영 범위는 다음과 같습니다.", Josa(b.orgName(), "이/가"), total)}
	b.section("설치 대수, 설치 위치 및 촬영 범위", lead, t)
}

// appendNew appends s to list unless it is empty or already there.
func appendNew(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// siteLabel names the sites a person is responsible for, or "총괄" for the whole organisation.
func (b *policyBuilder) siteLabel(p custodian.Person) string {
	if p.Label != "" {
		return p.Label
	}
	if len(p.Sites) == 0 {
		return "총괄"
	}
	names := make([]string, len(p.Sites))
	for i, s := range p.Sites {
		names[i] = b.x.SiteName(s)
	}
	return strings.Join(names, ", ")
}

func rankText(rank string) string {
	switch rank {
	case custodian.RankPrimary:
		return "정"
	case custodian.RankDeputy:
		return "부"
	}
	return ""
}

func (b *policyBuilder) people() {
	t := &Table{Header: []string{"구분", "부서", "역할", "정/부", "이름", "직위", "연락처"}, Widths: []float64{2.4, 1.6, 1.6, 0.8, 1.2, 1.6, 1.8}}
	for _, p := range b.r.People {
		t.AddRow(b.siteLabel(p), p.Department, custodian.RoleName(p.Role), rankText(p.Rank), p.Name, p.Title, contact(p.Phone, p.Email))
	}
	t.DropEmptyColumns(0, 2)
	lead := &Paragraph{Text: "귀하의 영상정보를 보호하고 개인영상정보와 관련한 불만을 처리하기 위하여 아래와 같이 개인영상정보 관리책임자 및 접근권한자를 두고 있습니다. 접근권한자 외의 사람은 영상정보에 접근할 수 없습니다."}
	b.section("관리책임자 및 접근권한자", lead, t)
}

func contact(phone, email string) string {
	switch {
	case phone != "" && email != "":
		return phone + ", " + email
	case phone != "":
		return phone
	}
	return email
}

// DefaultProcessingMethod is stated when the organisation states no processing method.
const DefaultProcessingMethod = "개인영상정보의 목적 외 이용, 제3자 제공, 파기, 열람 등 요구에 관한 사항을 기록·관리하고, 보관기간 만료 시 복원이 불가능한 방법으로 영구 삭제합니다."

func (b *policyBuilder) retention() {
	t := &Table{Header: []string{"구분", "촬영시간", "보관기간", "보관장소", "처리방법"}, Widths: []float64{2.4, 1.4, 1.6, 2.4, 3.2}}
	var notes []Block
	for _, c := range b.r.RetentionClasses {
		t.AddRow(c.Name, c.FilmingHours, c.PeriodKorean(), c.StoragePlace, c.ProcessingMethod)
		if c.RetentionReason != "" {
			notes = append(notes, &Paragraph{Text: "※ " + c.Name + " 보관기간(" + c.PeriodKorean() + ")의 사유: " + c.RetentionReason, Note: true})
		}
	}
	t.DropEmptyColumns(0, 1, 2, 3)
	method := b.r.Policy.ProcessingMethod
	if method == "" && len(t.Header) < 5 { // no class states its own
		method = DefaultProcessingMethod
	}
	blocks := []Block{t}
	blocks = append(blocks, notes...)
	if method != "" {
		blocks = append(blocks, &List{Items: []string{"처리방법 : " + method}})
	}
	if cc := b.r.Organisation.ControlCentre; cc != "" {
		s := b.x.Site(cc)
		where := s.Name
		if s.Address != "" {
			where += "(" + s.Address + ")"
		}
		blocks = append(blocks, &Paragraph{Text: "모든 영상정보처리기기의 녹화와 모니터링은 " + where + "에서 운영합니다."})
	}
	b.section("영상정보의 촬영시간, 보관기간, 보관장소 및 처리방법", blocks...)
}

// DefaultCheckingMethod is stated when the organisation states no checking method.
const DefaultCheckingMethod = "영상정보 관리책임자에게 미리 연락하고 방문하시면 확인 가능합니다."

func (b *policyBuilder) checking() {
	c := b.r.Checking
	method := c.Method
	if method == "" {
		method = DefaultCheckingMethod
	}
	items := []string{"확인 방법 : " + method}
	if c.Place != "" {
		items = append(items, "확인 장소 : "+c.Place)
	} else if len(c.Places) == 0 {
		items = append(items, "확인 장소 : "+b.r.Organisation.Name)
	}
	blocks := []Block{&List{Items: items}}
	if len(c.Places) > 0 {
		t := &Table{Header: []string{"확인 장소", "주소", "연락처", "비고"}, Widths: []float64{2, 4, 1.6, 2}}
		for _, p := range c.Places {
			t.AddRow(p.Name, p.Address, p.Phone, p.Note)
		}
		t.DropEmptyColumns(0)
		blocks = append(blocks, t)
	}
	b.section("개인영상정보의 확인 방법 및 장소에 관한 사항", blocks...)
}

func (b *policyBuilder) requests() {
	q := b.r.Requests
	days := q.DeadlineDays
	if days == 0 {
		days = 10
	}
	org := b.orgName()
	var blocks []Block
	blocks = append(blocks,
		&Paragraph{Text: "귀하는 개인영상정보에 관하여 열람 또는 존재확인·삭제를 원하는 경우 언제든지 영상정보처리기기 운영자에게 요구하실 수 있습니다. 단, 귀하가 촬영된 개인영상정보 및 명백히 정보주체의 급박한 생명, 신체, 재산의 이익을 위하여 필요한 개인영상정보에 한정됩니다."},
	)
	if q.Via != "" {
		blocks = append(blocks, &Paragraph{Text: "열람 등의 요구는 " + Josa(q.Via, "을/를") + " 통하여 하실 수 있습니다."})
	}
	if q.Form != "" {
		if f := b.x.Form(q.Form); f != nil {
			blocks = append(blocks, &Paragraph{Text: "열람 등의 요구는 " + f.Number + " " + Josa(f.Title, "으로/로") + " 하실 수 있으며, 본인 확인을 위하여 신분증을 제시하여 주시기 바랍니다. 대리인은 위임장을 함께 제출하여야 합니다."})
		}
	} else {
		blocks = append(blocks, &Paragraph{Text: "요구하실 때에는 본인 확인을 위하여 신분증을 제시하여 주시기 바랍니다. 대리인은 위임장을 함께 제출하여야 합니다."})
	}
	blocks = append(blocks,
		&Paragraph{Text: Josa(org, "은/는") + " 개인영상정보에 관하여 열람 또는 존재확인·삭제를 요구받은 경우 지체 없이 필요한 조치를 하며, 요구를 받은 날부터 " + strconv.Itoa(days) + "일 이내에 열람 등을 허용하거나 연기 또는 거절하는 경우에는 그 사유와 이의제기 방법을 알려드립니다."},
		&Paragraph{Text: "영상에 다른 사람이 함께 촬영된 경우에는 그 사람을 알아볼 수 없도록 모자이크 등의 보호조치를 한 후 열람하게 하거나 제공합니다."},
	)
	if q.NoSelectiveDeletion {
		blocks = append(blocks, &Paragraph{Text: "다만, 다른 정보주체가 함께 촬영된 영상정보는 특정인의 영상만을 선택적으로 삭제할 수 없으므로 삭제 요구에 따를 수 없는 경우가 있으며, 이 경우 그 사유를 알려드립니다."})
	}
	if q.Fee != "" {
		blocks = append(blocks, &Paragraph{Text: "열람 등에 드는 비용으로 " + Josa(q.Fee, "을/를") + " 청구할 수 있습니다."})
	}
	for _, n := range q.Notes {
		blocks = append(blocks, &Paragraph{Text: n})
	}
	b.section("정보주체의 영상정보 열람 등 요구에 대한 조치", blocks...)
}

// Safety measures Custodian itself guarantees; they are stated in every policy it publishes.
var (
	guaranteedTechnical = []string{
		"처리하는 영상정보는 암호화하여 저장하고, 보관기간이 지나면 암호키를 파기하여 복원이 불가능하도록 삭제합니다.",
		"개인영상정보의 위·변조 방지를 위하여 개인영상정보의 생성 일시와, 열람 시 열람 목적·열람자·열람 일시 등을 위·변조 여부를 확인할 수 있는 방식으로 기록하여 관리합니다.",
	}
	guaranteedManagerial = []string{
		"개인영상정보에 대한 접근 권한은 관리책임자 및 접근권한자 등 지정된 최소한의 인원으로 제한하여 차등 부여하며, 전보·퇴직 등 인사이동이 있으면 지체 없이 권한을 변경 또는 말소합니다.",
	}
)

func (b *policyBuilder) safety() {
	s := b.r.Safety
	blocks := []Block{
		&Paragraph{Text: Josa(b.orgName(), "은/는") + " 개인영상정보가 분실·도난·유출·위조·변조 또는 훼손되지 아니하도록 다음과 같은 안전성 확보조치를 하고 있습니다."},
		&Subheading{Text: "가. 기술적 조치"},
		&List{Items: append(append([]string{}, guaranteedTechnical...), s.Technical...)},
		&Subheading{Text: "나. 관리적 조치"},
		&List{Items: append(append([]string{}, guaranteedManagerial...), s.Managerial...)},
	}
	if len(s.Physical) > 0 {
		blocks = append(blocks, &Subheading{Text: "다. 물리적 조치"}, &List{Items: s.Physical})
	}
	b.section("영상정보의 안전성 확보조치", blocks...)
}

func (b *policyBuilder) other() {
	where := b.r.Policy.Signboards
	if where == "" {
		where = "각 시설의 주 출입구 등 잘 보이는 곳"
	}
	blocks := []Block{&Paragraph{Text: "영상정보처리기기 설치·운영 장소임을 정보주체가 쉽게 인식할 수 있도록 " + where + "에 안내판을 설치하여 안내하고 있습니다."}}
	var signs []string
	for _, s := range b.r.Sites {
		if s.Signboard != "" {
			signs = append(signs, s.Name+": "+s.Signboard)
		}
	}
	if len(signs) > 0 {
		blocks = append(blocks, &List{Items: signs})
	}
	if len(b.r.Contractors) > 0 {
		blocks = append(blocks, &Paragraph{Text: Josa(b.orgName(), "은/는") + " 영상정보처리기기의 설치·운영에 관한 사무를 다음과 같이 위탁하고 있으며, 「개인정보 보호법」 제25조 제8항에 따라 위탁 계약서에 위탁 업무의 목적과 범위, 재위탁 제한, 접근 제한 등 안전성 확보조치, 관리 현황 점검, 손해배상 책임에 관한 사항을 정하고 있습니다."})
		t := &Table{Header: []string{"수탁자", "위탁 업무", "연락처", "대상"}, Widths: []float64{2, 3, 2, 3}}
		for _, c := range b.r.Contractors {
			sites := "전체"
			if len(c.Sites) > 0 {
				names := make([]string, len(c.Sites))
				for i, s := range c.Sites {
					names[i] = b.x.SiteName(s)
				}
				sites = strings.Join(names, ", ")
			}
			t.AddRow(c.Name, c.Work, c.Contact, sites)
		}
		blocks = append(blocks, t)
	}
	if b.r.Organisation.Homepage != "" {
		blocks = append(blocks, &Paragraph{Text: "이 방침은 " + b.r.Organisation.Homepage + "에 게시하여 정보주체가 언제든지 확인할 수 있도록 하고 있습니다."})
	}
	b.section("그 밖에 영상정보처리기기의 설치·운영 및 관리에 필요한 사항", blocks...)
}

func (b *policyBuilder) agreements() {
	if len(b.r.Agreements) == 0 {
		return
	}
	t := &Table{Header: []string{"협약 기관", "부서", "연락처", "대상", "허용 범위", "기간", "근거"}, Widths: []float64{1.8, 1.4, 1.6, 2.2, 1.8, 1.8, 1.6}}
	for _, a := range b.r.Agreements {
		allows := make([]string, len(a.Allows))
		for i, al := range a.Allows {
			allows[i] = custodian.AllowNames[al][0]
		}
		period := ""
		if !a.Start.IsZero() || !a.End.IsZero() {
			period = a.Start.Korean() + " ~ " + a.End.Korean()
		}
		covers := a.Covers
		if len(a.CameraGroups) > 0 {
			n := 0
			for _, id := range a.CameraGroups {
				if g, _ := b.x.CameraGroup(id); g != nil {
					n += g.Count
				}
			}
			covers += " (" + countText(n) + ")"
		}
		t.AddRow(a.Agency, a.Department, a.Contact, covers, strings.Join(allows, ", "), period, a.Basis)
	}
	t.DropEmptyColumns(0, 3, 4)
	b.section("외부 기관과의 협약",
		&Paragraph{Text: Josa(b.orgName(), "은/는") + " 다음 기관과 협약을 맺어, 협약에서 정한 범위에서만 영상정보를 실시간으로 모니터링하거나 증거자료로 활용하게 하고 있습니다. 협약 기관의 열람과 제공은 모두 개인영상정보 관리대장에 기록합니다."},
		t)
}

func (b *policyBuilder) controlledAreas() {
	if len(b.r.ControlledAreas) == 0 {
		return
	}
	t := &Table{Header: []string{"사이트", "통제구역", "동의 방법", "기록부"}, Widths: []float64{2, 3, 3, 2}}
	for _, c := range b.r.ControlledAreas {
		reg := ""
		if f := b.x.Form(c.Register); f != nil {
			reg = f.Number + " " + f.Title
		}
		t.AddRow(b.x.SiteName(c.Site), c.Name, c.Consent, reg)
	}
	t.DropEmptyColumns(0, 1, 2)
	b.section("통제구역의 영상정보처리기기 운영과 출입자 동의",
		&Paragraph{Text: "다음 통제구역은 불특정 다수가 출입하는 공개된 장소가 아니므로, 출입하는 사람의 동의를 받아 영상정보처리기기를 운영하며 그 동의를 통제구역 출입자 기록부에 기록합니다."},
		t)
}

func (b *policyBuilder) forms() {
	if len(b.r.Forms) == 0 {
		return
	}
	l := &List{}
	for _, f := range b.r.Forms {
		item := f.Number + " " + f.Title
		if f.URL != "" {
			item += " (" + f.URL + ")"
		}
		l.Items = append(l.Items, item)
	}
	b.section("서식", &Paragraph{Text: Josa(b.orgName(), "은/는") + " 영상정보처리기기 운영에 다음 서식을 사용합니다."}, l)
}

func (b *policyBuilder) history() {
	r := b.r
	t := &Table{Header: []string{"구분", "공고일", "시행일", "변경 내용"}, Widths: []float64{1.4, 2, 2, 4.6}}
	var last custodian.Date
	for _, h := range r.Policy.History {
		t.AddRow("이전 방침", h.Announced.Korean(), h.Effective.Korean(), h.Summary)
		last = h.Effective
	}
	for _, v := range b.opt.Published {
		t.AddRow("제"+strconv.Itoa(v.Number)+"판", v.Announced.Korean(), v.Effective.Korean(), v.Reason)
		last = v.Effective
	}
	var blocks []Block
	if v := b.opt.Version; v != nil {
		blocks = append(blocks, &Paragraph{Text: "이 " + Josa(b.title, "은/는") + " " + v.Effective.Korean() + "부터 적용됩니다."})
	} else if !last.IsZero() {
		blocks = append(blocks, &Paragraph{Text: "현재 적용 중인 방침은 " + last.Korean() + "부터 적용되었습니다."})
	}
	where := "홈페이지"
	if r.Organisation.Homepage != "" {
		where = "홈페이지(" + r.Organisation.Homepage + ")"
	}
	blocks = append(blocks, &Paragraph{Text: fmt.Sprintf("법령·정책 또는 보안기술의 변경에 따라 이 방침의 내용을 추가·삭제 또는 수정하는 경우에는 시행일 %d일 전부터 %s를 통하여 변경 사유와 내용을 공지하며, 이전의 방침은 계속 열람할 수 있도록 게시합니다.", r.NoticePeriod(), where)})
	if len(t.Rows) > 0 {
		t.DropEmptyColumns(0, 2)
		blocks = append(blocks, t)
	}
	b.section("영상정보처리기기 운영·관리 방침의 변경", blocks...)
}
