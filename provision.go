package custodian

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Provision to a third party (제3자 제공) and use beyond purpose (목적 외 이용): PIPA Art. 18,
// Decree Art. 15 (docs/design/provisions.md). A Provision is the record the decree asks for
// (recipient, purpose, legal basis, items, date and period, form, restrictions asked of the
// recipient), the workflow that approves and delivers it, and, for public bodies, what the
// portal publishes of it (Art. 18(4)).

// Kinds of provision.
const (
	ProvisionThirdParty = "provision" // 제3자 제공: footage given to another organisation
	ProvisionOtherUse   = "other_use" // 목적 외 이용: used by the organisation beyond its stated purposes
)

// ProvisionKindNames maps a kind to Korean and English.
var ProvisionKindNames = map[string][2]string{
	ProvisionThirdParty: {"제3자 제공", "provision to a third party"},
	ProvisionOtherUse:   {"목적 외 이용", "use beyond purpose"},
}

// Forms of provision.
const (
	ProvisionCopy   = "copy"    // 사본 제공: an export package
	ProvisionOnSite = "on_site" // 현장 열람: viewing in the organisation's premises
	ProvisionLive   = "live"    // 실시간 제공: live view under an agreement (협약)
)

// ProvisionFormNames maps a form to Korean and English.
var ProvisionFormNames = map[string][2]string{
	ProvisionCopy:   {"사본 제공", "copy"},
	ProvisionOnSite: {"현장 열람", "on-site viewing"},
	ProvisionLive:   {"협약에 따른 실시간 제공", "live view under an agreement"},
}

// Provision statuses: requested → approved or refused; approved → delivered → closed. A
// request may also be closed without delivery once refused.
const (
	ProvisionRequested = "requested" // 요청·접수
	ProvisionApproved  = "approved"  // 승인
	ProvisionRefused   = "refused"   // 거부
	ProvisionDelivered = "delivered" // 제공·이용 완료
	ProvisionClosed    = "closed"    // 종결
)

// ProvisionStatusNames maps a status to Korean and English.
var ProvisionStatusNames = map[string][2]string{
	ProvisionRequested: {"요청", "requested"},
	ProvisionApproved:  {"승인", "approved"},
	ProvisionRefused:   {"거부", "refused"},
	ProvisionDelivered: {"제공 완료", "delivered"},
	ProvisionClosed:    {"종결", "closed"},
}

// Channels: who filed the provision.
const (
	ProvisionByStaff  = "staff"  // entered by staff from an official letter (공문)
	ProvisionByAgency = "agency" // filed by an agency account in the console
)

// ProvisionGround is one ground of PIPA Art. 18(2) on which personal information may be
// used beyond its purpose or given to a third party.
type ProvisionGround struct {
	Item int    `json:"item"` // the item (호) of Art. 18(2)
	Ko   string `json:"ko"`
	En   string `json:"en"`
	// PublicOnly: the proviso of Art. 18(2) limits items 5 to 9 to public bodies.
	PublicOnly bool `json:"public_only,omitempty"`
	// Publish: a public body must publish each use or provision on this ground (Art. 18(4)).
	Publish bool `json:"publish,omitempty"`
	// Deleted: the item no longer exists (item 4, deleted 2020-02-04).
	Deleted bool `json:"deleted,omitempty"`
}

// ProvisionGrounds is the fixed list of Art. 18(2), as the Act numbers its items since the
// amendment of 2023-03-14 (in force 2023-09-15). Our reading of the current text:
//
//   - the proviso of paragraph 2 limits items 5 to 9 to public bodies;
//   - item 4 (statistics and research in a form that identifies nobody) was deleted on
//     2020-02-04 (that case is now pseudonymised information, Art. 28-2) and is refused;
//   - Art. 18(4) obliges a public body to publish uses and provisions on items 2 to 6 and 8
//     to 10, so not on item 1 (the data subject's separate consent) nor on item 7 (criminal
//     investigation and prosecution). Publication is within 30 days, in the official
//     gazette or on the homepage, on the homepage for at least 10 days (the Enforcement
//     Rule, Art. 2); the items published are the date, the legal basis, the purpose and the
//     items of personal information (the PIPC's notice on processing methods).
//
// LEGAL.md asks the text to be checked against the consolidated Act; if a later amendment
// changes the list, this table is the one place to change (docs/design/provisions.md).
var ProvisionGrounds = []ProvisionGround{
	{Item: 1, Ko: "정보주체로부터 별도의 동의를 받은 경우", En: "the data subject's separate consent"},
	{Item: 2, Ko: "다른 법률에 특별한 규정이 있는 경우", En: "a specific provision of another law", Publish: true},
	{Item: 3, Ko: "명백히 정보주체 또는 제3자의 급박한 생명, 신체, 재산의 이익을 위하여 필요하다고 인정되는 경우",
		En: "clearly necessary for an urgent interest of the life, body or property of the data subject or a third party", Publish: true},
	{Item: 4, Ko: "(삭제 2020. 2. 4.)", En: "(deleted 2020-02-04)", Deleted: true},
	{Item: 5, Ko: "목적 외 이용·제공을 하지 아니하면 다른 법률에서 정하는 소관 업무를 수행할 수 없는 경우로서 보호위원회의 심의·의결을 거친 경우",
		En: "the body cannot perform its duties under another law otherwise, after deliberation and resolution of the PIPC", PublicOnly: true, Publish: true},
	{Item: 6, Ko: "조약, 그 밖의 국제협정의 이행을 위하여 외국정부 또는 국제기구에 제공하기 위하여 필요한 경우",
		En: "provision to a foreign government or international organisation to implement a treaty or other international agreement", PublicOnly: true, Publish: true},
	{Item: 7, Ko: "범죄의 수사와 공소의 제기 및 유지를 위하여 필요한 경우", En: "necessary for criminal investigation and for instituting and maintaining a prosecution", PublicOnly: true},
	{Item: 8, Ko: "법원의 재판업무 수행을 위하여 필요한 경우", En: "necessary for the courts' trial work", PublicOnly: true, Publish: true},
	{Item: 9, Ko: "형(刑) 및 감호, 보호처분의 집행을 위하여 필요한 경우", En: "necessary for the execution of a sentence, custody or protective disposition", PublicOnly: true, Publish: true},
	{Item: 10, Ko: "공중위생 등 공공의 안전과 안녕을 위하여 긴급히 필요한 경우", En: "urgently necessary for public safety and welfare such as public health", Publish: true},
}

// ProvisionGroundOf returns the ground of an item (nil when there is none).
func ProvisionGroundOf(item int) *ProvisionGround {
	for i := range ProvisionGrounds {
		if ProvisionGrounds[i].Item == item {
			return &ProvisionGrounds[i]
		}
	}
	return nil
}

// Name is how the ground is cited: "개인정보 보호법 제18조제2항제7호 (…)".
func (g *ProvisionGround) Name(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("PIPA Art. 18(2) item %d (%s)", g.Item, g.En)
	}
	return fmt.Sprintf("개인정보 보호법 제18조제2항제%d호 (%s)", g.Item, g.Ko)
}

// ProvisionPublishDays is how long the portal shows a published provision by default: 30
// days from the day of the provision (the Enforcement Rule asks for at least 10 days on
// the homepage; publication starts on that day, within the 30 days the Rule allows).
const ProvisionPublishDays = 30

// ProvisionMinPublishDays is the shortest publication period that may be configured.
const ProvisionMinPublishDays = 10

// Provision is one provision to a third party or use beyond purpose.
type Provision struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	// The recipient (제공받는 자): for use beyond purpose, the department that uses it.
	Agency     string `json:"agency"`
	Department string `json:"department,omitempty"`
	Officer    string `json:"officer,omitempty"`
	Contact    string `json:"contact,omitempty"`
	// The official letter (공문) asking for it: its number and date.
	LetterNo   string `json:"letter_no,omitempty"`
	LetterDate Date   `json:"letter_date,omitzero"`
	// Ground is the item of Art. 18(2) (ProvisionGrounds); Basis names the law or the
	// article relied on ("형사소송법 제199조제2항"), needed for item 2.
	Ground  int    `json:"ground"`
	Basis   string `json:"basis,omitempty"`
	Purpose string `json:"purpose"`
	// The footage: cameras (or camera groups) and the period.
	Cameras []string  `json:"cameras"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Form    string    `json:"form"`
	// Agreement is the registry agreement (협약) under which it is given: required for
	// live provision and for requests filed by an agency account.
	Agreement string `json:"agreement,omitempty"`
	// Items are the items of personal information provided (제공 항목).
	Items string `json:"items"`
	// Restrictions asked of the recipient (Art. 18(5): 이용 제한·안전성 확보 요청).
	Restrictions string `json:"restrictions"`
	// Pledge: a security pledge (보안서약서) was received from the recipient.
	Pledge bool   `json:"pledge"`
	Status string `json:"status"`
	// Channel says who filed it (ProvisionByStaff or ProvisionByAgency); FiledBy is the
	// account (username) that filed or entered it.
	Channel string    `json:"channel"`
	FiledBy string    `json:"filed_by"`
	Filed   time.Time `json:"filed"`
	// The decision by the responsible manager (approval or refusal): account, name, when.
	DecidedBy     string    `json:"decided_by,omitempty"`
	DeciderName   string    `json:"decider_name,omitempty"`
	Decided       time.Time `json:"decided,omitzero"`
	RefusalReason string    `json:"refusal_reason,omitempty"`
	// The delivery: who, when, what (the export ID of a copy; the attendee of on-site
	// viewing), and the opening of the footage door that logged it.
	DeliveredBy string    `json:"delivered_by,omitempty"`
	Delivered   time.Time `json:"delivered,omitzero"`
	ExportID    string    `json:"export_id,omitempty"`
	Attendee    string    `json:"attendee,omitempty"`
	Opening     string    `json:"opening,omitempty"`
	ClosedBy    string    `json:"closed_by,omitempty"`
	Closed      time.Time `json:"closed,omitzero"`
	Note        string    `json:"note,omitempty"`
	Updated     time.Time `json:"updated"`
}

// ProvisionFilter selects provisions: by the account that filed them ("" any), by status
// ("" any).
type ProvisionFilter struct {
	FiledBy string
	Status  string
}

// ProvisionService stores provisions.
type ProvisionService interface {
	// CreateProvision stores a new provision (status requested) and sets its ID.
	CreateProvision(ctx context.Context, p *Provision) error
	// Provision returns one provision (ENOTFOUND).
	Provision(ctx context.Context, id int64) (*Provision, error)
	// Provisions lists provisions, newest first.
	Provisions(ctx context.Context, f ProvisionFilter) ([]Provision, error)
	// UpdateProvision stores p's workflow fields only if its stored status is still from
	// (ECONFLICT otherwise: someone else moved it first).
	UpdateProvision(ctx context.Context, p *Provision, from string) error
}

func provField(field, ko, en string, args ...any) error {
	return Errorf(EINVALID, "제공 기록 "+field+": "+ko, "provision "+field+": "+en, args...)
}

func checkProvText(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return provField(field, "비어 있습니다", "is required")
	}
	if utf8.RuneCountInString(s) > max {
		return provField(field, "%d자 이내로 적어 주십시오", "at most %d characters", max)
	}
	if err := CheckText(s, 4*max, field == "restrictions" || field == "note"); err != nil {
		return provField(field, "%s", "%s", err.Ko, err.En)
	}
	return nil
}

// Validate checks a new provision against the registry at now: every field the decree
// asks for, a ground from the fixed list (and one open to the organisation's sector),
// cameras the registry has, a period, a form, and the agreement for live provision. It
// fills Items when empty (the cameras and period) and sorts the cameras. Nothing is stored.
func (p *Provision) Validate(reg *Registry, now time.Time) error {
	p.Agency, p.Officer, p.Purpose = strings.TrimSpace(p.Agency), strings.TrimSpace(p.Officer), strings.TrimSpace(p.Purpose)
	p.LetterNo, p.Basis, p.Items = strings.TrimSpace(p.LetterNo), strings.TrimSpace(p.Basis), strings.TrimSpace(p.Items)
	if _, ok := ProvisionKindNames[p.Kind]; !ok {
		return provField("kind", "%q는 구분이 아닙니다 (provision: 제3자 제공, other_use: 목적 외 이용)", "%q is not a kind (provision, other_use)", Clip(p.Kind, 32))
	}
	if _, ok := ProvisionFormNames[p.Form]; !ok {
		return provField("form", "%q는 제공 형태가 아닙니다 (copy: 사본, on_site: 현장 열람, live: 실시간)", "%q is not a form (copy, on_site, live)", Clip(p.Form, 32))
	}
	if p.Channel != ProvisionByStaff && p.Channel != ProvisionByAgency {
		return provField("channel", "%q는 접수 경로가 아닙니다 (staff, agency)", "%q is not a channel (staff, agency)", Clip(p.Channel, 32))
	}
	for _, f := range []struct {
		name, v  string
		max      int
		required bool
	}{
		{"agency", p.Agency, 100, true}, {"department", p.Department, 100, false}, {"officer", p.Officer, 50, p.Kind == ProvisionThirdParty},
		{"contact", p.Contact, 100, false}, {"letter_no", p.LetterNo, 100, false}, {"basis", p.Basis, 200, p.Ground == 2},
		{"purpose", p.Purpose, 500, true}, {"items", p.Items, 500, false}, {"restrictions", p.Restrictions, 2000, p.Kind == ProvisionThirdParty && p.Channel == ProvisionByStaff},
		{"note", p.Note, 2000, false},
	} {
		if err := checkProvText(f.name, f.v, f.max, f.required); err != nil {
			return err
		}
	}
	g := ProvisionGroundOf(p.Ground)
	if g == nil {
		return provField("ground", "%d는 개인정보 보호법 제18조제2항의 호가 아닙니다 (1~10호 중 하나)", "%d is not an item of PIPA Art. 18(2) (one of items 1 to 10)", p.Ground)
	}
	if g.Deleted {
		return provField("ground", "제18조제2항제4호는 2020. 2. 4. 삭제되었습니다 (가명정보는 제28조의2)", "item 4 of Art. 18(2) was deleted on 2020-02-04 (pseudonymised information: Art. 28-2)")
	}
	if g.PublicOnly && reg.Organisation.Sector != SectorPublic {
		return provField("ground", "제18조제2항제%d호는 공공기관만 근거로 삼을 수 있습니다 (같은 항 단서)", "item %d of Art. 18(2) is open only to public bodies (the proviso of the paragraph)", p.Ground)
	}
	if p.Kind == ProvisionThirdParty && p.Channel == ProvisionByStaff && p.Ground == 7 && (p.LetterNo == "" || p.LetterDate.IsZero()) {
		return provField("letter_no", "수사기관의 요청은 공문 번호와 일자를 적어야 합니다", "a request for an investigation needs the official letter's number and date")
	}
	if !p.LetterDate.IsZero() && p.LetterDate.After(DateOf(now)) {
		return provField("letter_date", "공문 일자 %s가 오늘 뒤입니다", "the letter's date %s is in the future", p.LetterDate)
	}
	if len(p.Cameras) == 0 {
		return provField("cameras", "카메라를 하나 이상 적으십시오", "name at least one camera")
	}
	if len(p.Cameras) > 64 {
		return provField("cameras", "카메라는 64대까지입니다 (%d대)", "at most 64 cameras (%d given)", len(p.Cameras))
	}
	p.Cameras = slices.Clone(p.Cameras)
	slices.Sort(p.Cameras)
	p.Cameras = slices.Compact(p.Cameras)
	x := reg.Index()
	for _, c := range p.Cameras {
		cam, _ := x.Camera(c)
		grp, _ := x.CameraGroup(c)
		if cam == nil && grp == nil {
			return provField("cameras", "카메라 %q가 등록부에 없습니다", "camera %q is not in the registry", Clip(c, 64))
		}
	}
	if p.Form == ProvisionLive {
		if !p.From.IsZero() && !p.To.IsZero() && !p.To.After(p.From) {
			return provField("to", "끝이 시작보다 뒤여야 합니다", "the end must be after the start")
		}
	} else {
		switch {
		case p.From.IsZero() || p.To.IsZero():
			return provField("from", "녹화 영상의 기간(시작과 끝)이 필요합니다", "the period of footage (from and to) is required")
		case !p.To.After(p.From):
			return provField("to", "끝(%s)이 시작(%s)보다 뒤여야 합니다", "the end (%s) must be after the start (%s)", kstTime(p.To), kstTime(p.From))
		case p.To.Sub(p.From) > 31*24*time.Hour:
			return provField("to", "한 번에 31일까지 제공할 수 있습니다", "at most 31 days at once")
		case p.From.After(now):
			return provField("from", "시작(%s)이 지금보다 뒤입니다", "the start (%s) is in the future", kstTime(p.From))
		}
	}
	if p.Agreement != "" || p.Form == ProvisionLive || p.Channel == ProvisionByAgency {
		if err := p.checkAgreement(reg, now); err != nil {
			return err
		}
	}
	if p.Items == "" {
		p.Items = p.DefaultItems()
	}
	return nil
}

// checkAgreement checks that the agreement exists, is in force at now, covers every
// camera, and allows the form.
func (p *Provision) checkAgreement(reg *Registry, now time.Time) error {
	if p.Agreement == "" {
		return provField("agreement", "협약을 고르십시오 (실시간 제공과 외부 기관의 요청은 협약에 따릅니다)", "choose the agreement (live provision and agency requests are made under one)")
	}
	var ag *Agreement
	for i := range reg.Agreements {
		if reg.Agreements[i].ID == p.Agreement {
			ag = &reg.Agreements[i]
		}
	}
	if ag == nil {
		return provField("agreement", "협약 %q가 등록부에 없습니다", "agreement %q is not in the registry", Clip(p.Agreement, 64))
	}
	today := DateOf(now)
	if !ag.Start.IsZero() && today.Before(ag.Start) || !ag.End.IsZero() && today.After(ag.End) {
		return provField("agreement", "협약 %q는 오늘 효력이 없습니다 (%s ~ %s)", "agreement %q is not in force today (%s to %s)", ag.ID, ag.Start, ag.End)
	}
	if p.Form == ProvisionLive && !slices.Contains(ag.Allows, AllowRealtime) {
		return provField("form", "협약 %q는 실시간 모니터링을 허용하지 않습니다", "agreement %q does not allow live monitoring", ag.ID)
	}
	if p.Form != ProvisionLive && !slices.Contains(ag.Allows, AllowEvidence) && !slices.Contains(ag.Allows, AllowProvision) {
		return provField("form", "협약 %q는 녹화 영상의 제공을 허용하지 않습니다", "agreement %q does not allow provision of recorded footage", ag.ID)
	}
	x := reg.Index()
	for _, c := range p.Cameras {
		_, grp := x.Camera(c)
		if !slices.Contains(ag.CameraGroups, c) && !slices.Contains(ag.CameraGroups, grp) {
			return provField("cameras", "카메라 %q는 협약 %q에 없습니다", "camera %q is not covered by agreement %q", c, ag.ID)
		}
	}
	return nil
}

func kstTime(t time.Time) string { return t.In(KST).Format("2006-01-02 15:04") }

// DefaultItems describes the footage provided: "개인영상정보 (카메라 a, b; 기간)".
func (p *Provision) DefaultItems() string {
	s := "개인영상정보 (카메라 " + strings.Join(p.Cameras, ", ")
	if !p.From.IsZero() && !p.To.IsZero() {
		s += "; " + kstTime(p.From) + " ~ " + kstTime(p.To)
	} else {
		s += "; 실시간"
	}
	return s + ")"
}

func provState(p *Provision, want, doing string) error {
	if p.Status != want {
		st := ProvisionStatusNames[p.Status]
		return Errorf(ECONFLICT, "제공 기록 %[1]d번은 %[2]s 상태라 %[4]s할 수 없습니다", "provision %[1]d is %[3]s, so it cannot be %[4]s", p.ID, st[0], st[1], doing)
	}
	return nil
}

// Approve records the responsible manager's approval. The approver may not be the account
// that filed the provision (four eyes). pledge records that the security pledge was
// received (it may be ticked at approval); a provision to a third party of recorded
// footage is approved only once it has been. restrictions, when not empty, replaces the
// restrictions asked of the recipient (an agency's request comes without them); a
// provision to a third party is approved only with them (Art. 18(5)).
func (p *Provision) Approve(by, name string, pledge bool, restrictions string, at time.Time) error {
	if err := provState(p, ProvisionRequested, "approved"); err != nil {
		return err
	}
	if by == p.FiledBy {
		return Errorf(EUNAUTHORIZED, "요청하거나 입력한 사람(%s)은 스스로 승인할 수 없습니다: 다른 책임자가 승인해야 합니다", "the account that filed it (%s) cannot approve it: another manager must", by)
	}
	if p.Kind == ProvisionThirdParty && !p.Pledge && !pledge && p.Form != ProvisionLive {
		return Errorf(ECONFLICT, "보안서약서를 받았다고 기록한 뒤에 승인하십시오", "record that the security pledge was received before approving")
	}
	if restrictions = strings.TrimSpace(restrictions); restrictions != "" {
		if err := checkProvText("restrictions", restrictions, 2000, true); err != nil {
			return err
		}
	} else {
		restrictions = p.Restrictions
	}
	if p.Kind == ProvisionThirdParty && strings.TrimSpace(restrictions) == "" {
		return Errorf(EINVALID, "받는 자에게 요청할 이용 제한·안전성 확보 조치를 적으십시오 (제18조제5항)", "state the restrictions and safety measures asked of the recipient (Art. 18(5))")
	}
	p.Restrictions = restrictions
	p.Pledge = p.Pledge || pledge
	p.Status, p.DecidedBy, p.DeciderName, p.Decided, p.Updated = ProvisionApproved, by, name, at, at
	return nil
}

// Refuse records a refusal with its reason (by someone other than the filer).
func (p *Provision) Refuse(by, name, reason string, at time.Time) error {
	if err := provState(p, ProvisionRequested, "refused"); err != nil {
		return err
	}
	if by == p.FiledBy {
		return Errorf(EUNAUTHORIZED, "요청하거나 입력한 사람(%s)은 스스로 결정할 수 없습니다", "the account that filed it (%s) cannot decide it", by)
	}
	if err := checkProvText("refusal_reason", reason, 1000, true); err != nil {
		return err
	}
	p.Status, p.DecidedBy, p.DeciderName, p.Decided, p.RefusalReason, p.Updated = ProvisionRefused, by, name, at, strings.TrimSpace(reason), at
	return nil
}

// Deliver records the delivery: for a copy, the export ID; for on-site viewing, the
// attendee; opening is the footage door's opening that logged it.
func (p *Provision) Deliver(by, exportID, attendee, opening string, at time.Time) error {
	if err := provState(p, ProvisionApproved, "delivered"); err != nil {
		return err
	}
	exportID, attendee = strings.TrimSpace(exportID), strings.TrimSpace(attendee)
	switch p.Form {
	case ProvisionCopy:
		if err := checkProvText("export_id", exportID, 100, true); err != nil {
			return err
		}
		if strings.ContainsAny(exportID, " /\\") {
			return provField("export_id", "%q는 반출 ID가 아닙니다", "%q is not an export ID", Clip(exportID, 64))
		}
	case ProvisionOnSite:
		if err := checkProvText("attendee", attendee, 100, true); err != nil {
			return err
		}
	}
	p.Status, p.DeliveredBy, p.Delivered, p.ExportID, p.Attendee, p.Opening, p.Updated = ProvisionDelivered, by, at, exportID, attendee, opening, at
	return nil
}

// Close ends a delivered or refused provision.
func (p *Provision) Close(by, note string, at time.Time) error {
	if p.Status != ProvisionDelivered && p.Status != ProvisionRefused {
		st := ProvisionStatusNames[p.Status]
		return Errorf(ECONFLICT, "제공 기록 %[1]d번은 %[2]s 상태라 종결할 수 없습니다 (제공 완료나 거부 뒤에 종결합니다)", "provision %[1]d is %[3]s, so it cannot be closed (close after delivery or refusal)", p.ID, st[0], st[1])
	}
	if err := checkProvText("note", note, 2000, false); err != nil {
		return err
	}
	if note = strings.TrimSpace(note); note != "" {
		p.Note = note
	}
	p.Status, p.ClosedBy, p.Closed, p.Updated = ProvisionClosed, by, at, at
	return nil
}

// Publication is what a public body publishes of one provision or use beyond purpose
// (Art. 18(4)): no names, contacts or letter numbers.
type Publication struct {
	ID      int64  `json:"id"` // the provision's number
	Kind    string `json:"kind"`
	KindKo  string `json:"kind_ko"`
	Date    Date   `json:"date"`
	Ground  int    `json:"ground"`
	Basis   string `json:"basis"` // the ground cited, in Korean, and the law named for item 2
	Purpose string `json:"purpose"`
	Items   string `json:"items"`
	Until   Date   `json:"until"` // the last day it is shown
}

// Publications returns what the portal shows at now: only for a public body, each
// delivered (or closed after delivery) provision on a ground that Art. 18(4) names, from
// the day of the provision for days days (ProvisionPublishDays when days <= 0), newest
// first.
func Publications(reg *Registry, ps []Provision, now time.Time, days int) []Publication {
	if reg == nil || reg.Organisation.Sector != SectorPublic {
		return nil
	}
	if days <= 0 {
		days = ProvisionPublishDays
	}
	today := DateOf(now)
	var out []Publication
	for _, p := range ps {
		g := ProvisionGroundOf(p.Ground)
		if g == nil || !g.Publish || p.Delivered.IsZero() || (p.Status != ProvisionDelivered && p.Status != ProvisionClosed) {
			continue
		}
		d := DateOf(p.Delivered)
		until := d.AddDays(days - 1)
		if today.Before(d) || today.After(until) {
			continue
		}
		basis := fmt.Sprintf("개인정보 보호법 제18조제2항제%d호", g.Item)
		if p.Basis != "" {
			basis += " (" + p.Basis + ")"
		}
		out = append(out, Publication{ID: p.ID, Kind: p.Kind, KindKo: ProvisionKindNames[p.Kind][0], Date: d, Ground: g.Item, Basis: basis,
			Purpose: p.Purpose, Items: p.Items, Until: until})
	}
	slices.SortFunc(out, func(a, b Publication) int {
		if c := b.Date.Time().Compare(a.Date.Time()); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	return out
}

// DeliveryAccess is the opening of footage a delivery makes through the footage door, tied
// to the provision: on-site viewing (UseView, the attendee in the detail), a copy handed
// over (UseExport, the export package's ID as the object), or live view under the
// agreement (UseProvision, from now on). The purpose logged names the kind and the ground.
func (p *Provision) DeliveryAccess(actor, source, exportID, attendee string, now time.Time) FootageAccess {
	purpose := fmt.Sprintf("%s (제18조제2항제%d호): %s", ProvisionKindNames[p.Kind][0], p.Ground, p.Purpose)
	if r := []rune(purpose); len(r) > 300 {
		purpose = string(r[:300]) + "…"
	}
	a := FootageAccess{Actor: actor, Source: source, Use: UseView, Cameras: p.Cameras, From: p.From, To: p.To, Purpose: purpose,
		Object: fmt.Sprintf("provision:%d", p.ID), Provision: p.ID}
	switch p.Form {
	case ProvisionOnSite:
		a.Detail = "attendee=" + strings.Join(strings.Fields(attendee), "_")
	case ProvisionCopy:
		a.Use, a.Object = UseExport, strings.TrimSpace(exportID)
	case ProvisionLive:
		a.Use, a.From, a.To = UseProvision, now, time.Time{}
	}
	return a
}

// CheckExport checks that an export package is the copy of this provision: made for it
// (the export's provision number), of its cameras, within its period.
func (p *Provision) CheckExport(e *Export) error {
	if e.Provision != p.ID {
		return provField("export_id", "반출 %s는 제공 기록 %d번을 위해 만든 것이 아닙니다 (footage export --provision %d)", "export %s was not made for provision %d (footage export --provision %d)", e.ID, p.ID, p.ID)
	}
	for _, c := range e.Cameras {
		if !slices.Contains(p.Cameras, c) {
			return provField("export_id", "반출 %s의 카메라 %s는 제공 기록에 없습니다", "export %s holds camera %s, which the provision does not name", e.ID, c)
		}
	}
	if e.From.Before(p.From) || e.To.After(p.To) {
		return provField("export_id", "반출 %s의 기간이 제공 기록의 기간 밖입니다", "export %s covers time outside the provision's period", e.ID)
	}
	return nil
}
