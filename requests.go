package custodian

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Data-subject requests (열람·존재확인·삭제, PIPA Art. 35–37, Decree 41–42): the request, its
// rules (deadline, transitions, decision grounds) and the notice it ends in. The workflow is
// package requests; docs/design/requests.md.

// Kinds of data-subject requests (PIPA Art. 35, 36; the decree's form 별지 제2호).
const (
	RequestView      = "view"      // 열람
	RequestExistence = "existence" // 존재확인
	RequestDeletion  = "deletion"  // 삭제
)

// RequestKindNames maps a request kind to Korean and English.
var RequestKindNames = map[string][2]string{
	RequestView:      {"열람", "viewing"},
	RequestExistence: {"존재확인", "confirmation of existence"},
	RequestDeletion:  {"삭제", "deletion"},
}

// Request statuses.
const (
	RequestReceived  = "received"  // 접수
	RequestReviewing = "reviewing" // 검토 중 (identity checked)
	RequestPostponed = "postponed" // 연기
	RequestDecided   = "decided"   // 결정 (see Decision)
	RequestClosed    = "closed"    // 종결
	RequestWithdrawn = "withdrawn" // 취하
)

// RequestStatusNames maps a status to Korean and English.
var RequestStatusNames = map[string][2]string{
	RequestReceived:  {"접수", "received"},
	RequestReviewing: {"검토 중", "under review"},
	RequestPostponed: {"연기", "postponed"},
	RequestDecided:   {"결정", "decided"},
	RequestClosed:    {"종결", "closed"},
	RequestWithdrawn: {"취하", "withdrawn"},
}

// Channels a request comes through; each is recorded.
const (
	ChannelPortal = "portal" // the public form
	ChannelDesk   = "desk"   // in person at the desk (별지 제2호)
	ChannelMail   = "mail"   // 우편
	ChannelPhone  = "phone"  // 전화
	ChannelFax    = "fax"    // 팩스
)

// RequestChannelNames maps a channel to Korean and English.
var RequestChannelNames = map[string][2]string{
	ChannelPortal: {"누리집", "portal"},
	ChannelDesk:   {"방문", "desk"},
	ChannelMail:   {"우편", "mail"},
	ChannelPhone:  {"전화", "phone"},
	ChannelFax:    {"팩스", "fax"},
}

// Ways of checking the requester's identity. Custodian never stores an image of an ID card:
// only who checked, how, when, and what was seen in words.
const (
	IdentityInPerson  = "in_person"  // ID card seen in person
	IdentityVideoCall = "video_call" // ID card seen by video call
	IdentityDocuments = "documents"  // documents (a certified copy sent by mail, ...)
)

// IdentityMethodNames maps an identity check method to Korean and English.
var IdentityMethodNames = map[string][2]string{
	IdentityInPerson:  {"신분증 대면 확인", "ID card seen in person"},
	IdentityVideoCall: {"영상통화로 신분증 확인", "ID card seen by video call"},
	IdentityDocuments: {"서류 확인", "documents"},
}

// Decisions on a request. A postponement (DecisionPostpone) is recorded as a Postponement
// and the status RequestPostponed; the decision field holds only the final decision.
const (
	DecisionAllow    = "allow"    // 허용 (열람 허용, 존재 확인, 삭제)
	DecisionPartial  = "partial"  // 일부 허용
	DecisionPostpone = "postpone" // 연기
	DecisionRefuse   = "refuse"   // 거부
)

// DecisionNames maps a decision to Korean and English.
var DecisionNames = map[string][2]string{
	DecisionAllow:    {"허용", "allowed"},
	DecisionPartial:  {"일부 허용", "partly allowed"},
	DecisionPostpone: {"연기", "postponed"},
	DecisionRefuse:   {"거부", "refused"},
}

// RequestDeadlineDays is the days within which a request is answered (PIPA Decree Art.
// 41(4), 42: 10 days); RequestRules.DeadlineDays overrides it.
const RequestDeadlineDays = 10

// RefusalGround is a legal ground to refuse or limit a request, from the fixed list
// RefusalGrounds.
type RefusalGround struct {
	ID      string
	Article string // "개인정보 보호법 제35조제4항제1호"
	Ko, En  string
	Kinds   []string // the request kinds it applies to
}

// GroundThirdParties is the ground people reach for and the law does not give: that other
// people appear in the footage. It is refused with ErrThirdParties.
const GroundThirdParties = "third_parties"

// RefusalGrounds is the fixed list of grounds (LEGAL.md, "Data-subject requests"): PIPA Art.
// 35(4) for viewing and existence, Art. 36(1) proviso and Art. 37(2) for deletion.
var RefusalGrounds = []RefusalGround{
	{"law", "개인정보 보호법 제35조제4항제1호", "법률에 따라 열람이 금지되거나 제한되는 경우", "access is forbidden or restricted by law", []string{RequestView, RequestExistence}},
	{"harm", "개인정보 보호법 제35조제4항제2호", "다른 사람의 생명·신체를 해할 우려가 있거나 다른 사람의 재산과 그 밖의 이익을 부당하게 침해할 우려가 있는 경우",
		"it may harm another person's life or body, or unfairly infringe another's property or other interests", []string{RequestView, RequestExistence}},
	{"public_tax", "개인정보 보호법 제35조제4항제3호가목", "공공기관의 조세의 부과·징수 또는 환급에 관한 업무 수행에 중대한 지장을 초래하는 경우",
		"it would seriously hinder a public body's imposition, collection or refund of taxes", []string{RequestView, RequestExistence}},
	{"public_school", "개인정보 보호법 제35조제4항제3호나목", "공공기관의 학교 성적 평가 또는 입학자 선발에 관한 업무 수행에 중대한 지장을 초래하는 경우",
		"it would seriously hinder a school's grading or admission", []string{RequestView, RequestExistence}},
	{"public_exam", "개인정보 보호법 제35조제4항제3호다목", "공공기관의 학력·기능 및 채용에 관한 시험, 자격 심사에 관한 업무 수행에 중대한 지장을 초래하는 경우",
		"it would seriously hinder examinations for education, skills or hiring, or qualification reviews", []string{RequestView, RequestExistence}},
	{"public_compensation", "개인정보 보호법 제35조제4항제3호라목", "공공기관의 보상금·급부금 산정 등에 대하여 진행 중인 평가 또는 판단에 관한 업무 수행에 중대한 지장을 초래하는 경우",
		"it would seriously hinder an ongoing assessment of compensation or benefits", []string{RequestView, RequestExistence}},
	{"public_audit", "개인정보 보호법 제35조제4항제3호마목", "공공기관의 다른 법률에 따라 진행 중인 감사 및 조사에 관한 업무 수행에 중대한 지장을 초래하는 경우",
		"it would seriously hinder an audit or investigation under way under another law", []string{RequestView, RequestExistence}},
	{"collection_by_law", "개인정보 보호법 제36조제1항 단서", "다른 법령에서 그 개인정보가 수집 대상으로 명시되어 있는 경우",
		"another law names the information as something to be collected", []string{RequestDeletion}},
	{"legal_duty", "개인정보 보호법 제37조제2항제1호", "법률에 특별한 규정이 있거나 법령상 의무를 준수하기 위하여 불가피한 경우",
		"a law provides for it specially, or it is unavoidable to meet a legal duty", []string{RequestDeletion}},
	{"harm_deletion", "개인정보 보호법 제37조제2항제2호", "다른 사람의 생명·신체를 해할 우려가 있거나 다른 사람의 재산과 그 밖의 이익을 부당하게 침해할 우려가 있는 경우",
		"it may harm another person's life or body, or unfairly infringe another's property or other interests", []string{RequestDeletion}},
	{"public_duty", "개인정보 보호법 제37조제2항제3호", "공공기관이 개인정보를 처리하지 아니하면 다른 법률에서 정하는 소관 업무를 수행할 수 없는 경우",
		"a public body could not perform its duties under another law without it", []string{RequestDeletion}},
}

// Ground returns the ground with an ID, or nil.
func Ground(id string) *RefusalGround {
	for i := range RefusalGrounds {
		if RefusalGrounds[i].ID == id {
			return &RefusalGrounds[i]
		}
	}
	return nil
}

// ErrThirdParties is the error given when "other people appear in the footage" is cited as a
// ground: it is not one (LEGAL.md); the footage is masked instead.
var ErrThirdParties = Errorf(EINVALID,
	"다른 사람이 영상에 함께 나온다는 것은 거부 사유가 아닙니다: 다른 사람을 알아볼 수 없도록 모자이크 등으로 가린(마스킹) 뒤 열람하게 하고, 가리는 데 시간이 필요하면 그 사유로 연기하십시오",
	"that other people appear in the footage is not a ground to refuse: mask them (blur, mosaic) so they cannot be recognised and give access; postpone for the time masking needs")

// IdentityCheck is how the requester's (or proxy's) identity was checked.
type IdentityCheck struct {
	By     string    `json:"by"`
	Method string    `json:"method"`
	At     time.Time `json:"at"`
	Note   string    `json:"note,omitempty"` // what was seen, in words ("주민등록증"); never an image
}

// Preservation is the hold a request places on the footage it asks for at intake.
type Preservation struct {
	Cameras []string      `json:"cameras,omitempty"`
	Holds   []int64       `json:"holds,omitempty"` // the vault's hold IDs
	Margin  time.Duration `json:"margin"`          // added on each side of the requested period
	// Release is the day the holds are released (set when the request closes); Released is
	// when they were.
	Release  Date      `json:"release,omitzero"`
	Released time.Time `json:"released,omitzero"`
}

// Postponement is one postponement (연기) of a request's deadline.
type Postponement struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	From   Date      `json:"from"` // the due date it replaced
	Until  Date      `json:"until"`
	// Notified is when and how the requester was told ("문자", "우편", "전화").
	Notified    time.Time `json:"notified"`
	NotifiedHow string    `json:"notified_how"`
}

// ExistenceSpan is a stretch of stored footage of one camera.
type ExistenceSpan struct {
	Camera   string    `json:"camera"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Segments int       `json:"segments"`
}

// ExistenceAnswer is the answer to a 존재확인 request, computed from the catalog.
type ExistenceAnswer struct {
	Cameras  []string        `json:"cameras"`
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Spans    []ExistenceSpan `json:"spans"` // empty: no footage
	Computed time.Time       `json:"computed"`
	Reviewer string          `json:"reviewer"`
}

// Exists reports whether any footage was found.
func (a *ExistenceAnswer) Exists() bool { return len(a.Spans) > 0 }

// DeletionOutcome is what became of a deletion request's footage.
type DeletionOutcome struct {
	At           time.Time `json:"at"`
	By           string    `json:"by"`
	Destructions []int64   `json:"destructions,omitempty"` // destruction record IDs
	// NotDeleted explains why nothing was deleted and what happens instead
	// (no_selective_deletion).
	NotDeleted string `json:"not_deleted,omitempty"`
}

// Viewing is an on-site viewing (현장 열람) given against a request.
type Viewing struct {
	Attendee string    `json:"attendee"` // the staff member present
	At       time.Time `json:"at"`
	By       string    `json:"by"`
}

// Delivery is how an allowed request was delivered: an on-site viewing or a copy.
type Delivery struct {
	Viewing *Viewing `json:"viewing,omitempty"`
	Export  string   `json:"export,omitempty"` // the export ID of a copy
}

// SubjectRequest is a data subject's request about footage of themselves (열람·존재확인·
// 삭제), filed on the portal or entered at the desk.
type SubjectRequest struct {
	ID   int64  `json:"id"`
	Code string `json:"code"` // the tracking code given to the requester
	Kind string `json:"kind"`
	// Who asks: name and a contact (phone or e-mail).
	Name    string `json:"name"`
	Contact string `json:"contact"`
	// The footage: a period and a place or a camera.
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Place  string    `json:"place,omitempty"`
	Camera string    `json:"camera,omitempty"`
	// Purpose is why the requester asks (열람 목적 / 삭제 사유).
	Purpose string `json:"purpose"`
	// Relationship is the filer's relation to the data subject when filed for someone
	// else (대리인); "" when filed by the subject. ProxyDocument is the document the proxy
	// showed (위임장).
	Relationship  string    `json:"relationship,omitempty"`
	ProxyDocument string    `json:"proxy_document,omitempty"`
	Channel       string    `json:"channel"` // one of the Channel constants
	Filed         time.Time `json:"filed"`
	Due           Date      `json:"due"` // DueDate(Filed, ...), moved by postponements
	Status        string    `json:"status"`
	Updated       time.Time `json:"updated"`
	// Version counts the request's updates: a store updates only the version it was given
	// (two deciders cannot both decide).
	Version int64 `json:"version"`

	Identity      *IdentityCheck `json:"identity,omitempty"`
	Preservation  Preservation   `json:"preservation"`
	Postponements []Postponement `json:"postponements,omitempty"`

	// Decision (allow, partial, refuse) and its legal grounds, once decided.
	Decision  string    `json:"decision,omitempty"`
	Grounds   []string  `json:"grounds,omitempty"`
	Decided   time.Time `json:"decided,omitzero"`
	DecidedBy string    `json:"decided_by,omitempty"`
	Note      string    `json:"note,omitempty"`      // what the requester is told
	Objection string    `json:"objection,omitempty"` // how to object (이의제기 방법)

	Existence *ExistenceAnswer `json:"existence,omitempty"`
	Deletion  *DeletionOutcome `json:"deletion,omitempty"`
	Delivery  *Delivery        `json:"delivery,omitempty"`
	Fee       int64            `json:"fee,omitempty"` // actual cost charged, in won (Decree 47)
	Closed    time.Time        `json:"closed,omitzero"`
	ClosedBy  string           `json:"closed_by,omitempty"`
}

// RequestEvent is one step of a request's history.
type RequestEvent struct {
	ID      int64     `json:"id"`
	Request int64     `json:"request"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Detail  string    `json:"detail,omitempty"`
}

// RequestService stores data-subject requests.
type RequestService interface {
	// CreateRequest stores a request, setting its ID and Version (Code must be set and
	// unique: ECONFLICT otherwise).
	CreateRequest(ctx context.Context, r *SubjectRequest) error
	// RequestByCode returns a request by its tracking code (ENOTFOUND).
	RequestByCode(ctx context.Context, code string) (*SubjectRequest, error)
	// Request returns a request by ID (ENOTFOUND).
	Request(ctx context.Context, id int64) (*SubjectRequest, error)
	// Requests lists requests, newest first; open: only those not closed or withdrawn.
	Requests(ctx context.Context, open bool) ([]SubjectRequest, error)
	// UpdateRequest stores r and appends ev to its history in one transaction, only if the
	// stored version is still r.Version (ECONFLICT otherwise: someone else changed it);
	// r.Version is then incremented.
	UpdateRequest(ctx context.Context, r *SubjectRequest, ev RequestEvent) error
	// AddRequestEvent appends to a request's history without changing it.
	AddRequestEvent(ctx context.Context, ev *RequestEvent) error
	// RequestEvents returns a request's history, oldest first.
	RequestEvents(ctx context.Context, id int64) ([]RequestEvent, error)
	// HoldsToRelease lists the requests whose holds are due for release on or before day
	// and not yet released.
	HoldsToRelease(ctx context.Context, day Date) ([]SubjectRequest, error)
}

// Deadline returns the answer deadline in days: DeadlineDays, or the law's 10.
func (r RequestRules) Deadline() int {
	if r.DeadlineDays > 0 {
		return r.DeadlineDays
	}
	return RequestDeadlineDays
}

// DueDate returns the last day to answer a request filed at filed, days days counted as the
// Decree counts them, by the Civil Act's rules on periods (Art. 157, 159, 161): the day of
// filing is not counted (unless filed at exactly 00:00 KST), the period ends at the end of
// its last day, and when that day is a Saturday or a public holiday (Sundays are public
// holidays; holiday reports the others) it ends on the next working day.
func DueDate(filed time.Time, days int, holiday func(Date) bool) Date {
	start := DateOf(filed)
	due := start.AddDays(days)
	if filed.In(KST).Equal(start.Time()) {
		due = start.AddDays(days - 1)
	}
	return NextWorkingDay(due, holiday)
}

// NextWorkingDay returns d, or the first day after it that is not a Saturday, a Sunday or a
// holiday.
func NextWorkingDay(d Date, holiday func(Date) bool) Date {
	for i := 0; i < 366; i++ {
		wd := d.Time().Weekday()
		if wd != time.Saturday && wd != time.Sunday && (holiday == nil || !holiday(d)) {
			return d
		}
		d = d.AddDays(1)
	}
	return d
}

// Open reports whether the request is still being handled.
func (q *SubjectRequest) Open() bool {
	return q.Status != RequestClosed && q.Status != RequestWithdrawn
}

// Overdue reports whether an open request is past its due date on day today.
func (q *SubjectRequest) Overdue(today Date) bool { return q.Open() && q.Due.Before(today) }

// Cameras returns the cameras the request covers: its camera, or those held for it.
func (q *SubjectRequest) Cameras() []string {
	if len(q.Preservation.Cameras) > 0 {
		return q.Preservation.Cameras
	}
	if q.Camera != "" {
		return []string{q.Camera}
	}
	return nil
}

func (q *SubjectRequest) closedErr() *Error {
	return Errorf(ECONFLICT, "청구 %s는 이미 %s 상태입니다", "request %s is already %s", q.Code, RequestStatusNames[q.Status][0])
}

// CanIdentify reports whether the identity check may be recorded now.
func (q *SubjectRequest) CanIdentify() error {
	switch {
	case !q.Open():
		return q.closedErr()
	case q.Identity != nil:
		return Errorf(ECONFLICT, "청구 %s의 본인 확인은 %s에 %s이(가) 이미 기록했습니다", "request %s: the identity check was already recorded by %s at %s",
			q.Code, q.Identity.At.In(KST).Format("2006-01-02 15:04"), q.Identity.By)
	}
	return nil
}

// CheckIdentity checks an identity check before it is recorded.
func CheckIdentity(c IdentityCheck) error {
	if _, ok := IdentityMethodNames[c.Method]; !ok {
		return Errorf(EINVALID, "본인 확인 방법 %q를 알 수 없습니다 (in_person, video_call, documents 중 하나)", "unknown identity check method %q (one of in_person, video_call, documents)", Clip(c.Method, 32))
	}
	if strings.TrimSpace(c.By) == "" {
		return Errorf(EINVALID, "본인 확인을 한 사람(--by)이 필요합니다", "who checked the identity (--by) is required")
	}
	if err := CheckText(c.Note, MaxShortText, false); err != nil {
		return Errorf(EINVALID, "본인 확인 메모: %w", "identity check note: %w", err)
	}
	return nil
}

// CanPostpone reports whether the deadline may move to until on day today: the request
// is open and undecided, the current deadline has not passed (a postponement is notified
// within the deadline), and until is after the current due date and at most maxDays after it.
func (q *SubjectRequest) CanPostpone(until, today Date, maxDays int, reason string) error {
	switch {
	case !q.Open():
		return q.closedErr()
	case q.Status == RequestDecided:
		return Errorf(ECONFLICT, "청구 %s는 이미 결정되었습니다 (%s): 연기할 수 없습니다", "request %s is already decided (%s): it cannot be postponed", q.Code, q.Decision)
	case strings.TrimSpace(reason) == "":
		return Errorf(EINVALID, "연기 사유(--reason)가 필요합니다", "a reason for the postponement (--reason) is required")
	case q.Due.Before(today):
		return Errorf(ECONFLICT, "청구 %s의 기한 %s이 지났습니다: 연기는 기한 안에 통지해야 합니다", "request %s: its deadline %s has passed; a postponement must be notified within it", q.Code, q.Due)
	case !until.After(q.Due):
		return Errorf(EINVALID, "새 기한 %s은 지금 기한 %s보다 뒤여야 합니다", "the new deadline %s must be after the current one, %s", until, q.Due)
	case until.After(q.Due.AddDays(maxDays)):
		return Errorf(EINVALID, "새 기한 %s은 지금 기한 %s에서 %d일(%s)을 넘을 수 없습니다", "the new deadline %s may be at most %d days after the current one %s (%s)",
			until, q.Due, maxDays, q.Due.AddDays(maxDays))
	}
	if err := CheckText(reason, MaxLongText, true); err != nil {
		return err
	}
	return nil
}

// CanDecide reports whether the request may be decided: open, not yet decided, and the
// requester's identity checked.
func (q *SubjectRequest) CanDecide() error {
	switch {
	case !q.Open():
		return q.closedErr()
	case q.Status == RequestDecided || q.Decision != "":
		return Errorf(ECONFLICT, "청구 %s는 %s이(가) 이미 결정했습니다 (%s)", "request %s was already decided by %s (%s)", q.Code, q.DecidedBy, q.Decision)
	case q.Identity == nil:
		return Errorf(ECONFLICT, "청구 %s: 본인 확인을 먼저 기록하십시오 (requests identify)", "request %s: record the identity check first (requests identify)", q.Code)
	}
	return nil
}

// CheckDecision checks a decision and its grounds for the request's kind: allow cites no
// ground; partial and refuse cite at least one from RefusalGrounds that applies to the
// kind; "other people appear" is refused with ErrThirdParties.
func (q *SubjectRequest) CheckDecision(decision string, grounds []string) error {
	switch decision {
	case DecisionAllow, DecisionPartial, DecisionRefuse:
	case DecisionPostpone:
		return Errorf(EINVALID, "연기는 결정이 아니라 기한 연장입니다: requests postpone으로 사유와 새 기한을 기록하십시오", "a postponement moves the deadline: record it with requests postpone (reason and new date)")
	default:
		return Errorf(EINVALID, "결정 %q를 알 수 없습니다 (allow, partial, refuse 중 하나)", "unknown decision %q (one of allow, partial, refuse)", Clip(decision, 32))
	}
	for _, g := range grounds {
		if g == GroundThirdParties {
			return ErrThirdParties
		}
		rg := Ground(g)
		if rg == nil {
			ids := make([]string, 0, len(RefusalGrounds))
			for _, r := range RefusalGrounds {
				if slices.Contains(r.Kinds, q.Kind) {
					ids = append(ids, r.ID)
				}
			}
			return Errorf(EINVALID, "근거 %q는 정해진 목록에 없습니다 (%s 중에서)", "ground %q is not in the fixed list (one of %s)", Clip(g, 40), strings.Join(ids, ", "))
		}
		if !slices.Contains(rg.Kinds, q.Kind) {
			return Errorf(EINVALID, "근거 %q(%s)는 %s 청구에 쓸 수 없습니다", "ground %q (%s) does not apply to a %s request", g, rg.Article, RequestKindNames[q.Kind][0])
		}
	}
	if decision == DecisionAllow && len(grounds) > 0 {
		return Errorf(EINVALID, "허용 결정에는 거부 근거를 적지 않습니다", "an allowing decision cites no ground")
	}
	if decision != DecisionAllow && len(grounds) == 0 {
		return Errorf(EINVALID, "거부·일부 허용 결정에는 제한·거부 사유(법적 근거)가 필요합니다 (개인정보 보호법 제35조제4항·제37조제2항)",
			"a decision to refuse or to allow in part needs its legal ground (PIPA Art. 35(4), 37(2))")
	}
	return nil
}

// allowed reports whether the decision gives the requester something.
func (q *SubjectRequest) allowed() bool {
	return q.Decision == DecisionAllow || q.Decision == DecisionPartial
}

// CanAnswerExistence reports whether an existence answer may be recorded.
func (q *SubjectRequest) CanAnswerExistence() error {
	switch {
	case !q.Open():
		return q.closedErr()
	case q.Kind != RequestExistence:
		return Errorf(EINVALID, "청구 %s는 %s 청구입니다: 존재확인 답변은 존재확인 청구에만 합니다", "request %s is a %s request: only an existence request gets an existence answer", q.Code, RequestKindNames[q.Kind][1])
	case !q.allowed():
		return Errorf(ECONFLICT, "청구 %s: 허용 또는 일부 허용 결정 뒤에 답변합니다", "request %s: answer after a decision to allow or partly allow", q.Code)
	case q.Existence != nil:
		return Errorf(ECONFLICT, "청구 %s의 존재확인 답변은 이미 기록되었습니다", "request %s: the existence answer is already recorded", q.Code)
	case len(q.Cameras()) == 0:
		return Errorf(EINVALID, "청구 %s에 카메라가 정해지지 않았습니다: 보존 조치로 카메라를 정하십시오", "request %s names no camera: name them when placing the hold", q.Code)
	}
	return nil
}

// CanDelete reports whether the requested footage may be deleted: an allowed deletion
// request not yet carried out, of an organisation that can delete selectively.
func (q *SubjectRequest) CanDelete(rules RequestRules) error {
	switch {
	case !q.Open():
		return q.closedErr()
	case q.Kind != RequestDeletion:
		return Errorf(EINVALID, "청구 %s는 %s 청구입니다: 삭제는 삭제 청구에만 합니다", "request %s is a %s request: only a deletion request deletes", q.Code, RequestKindNames[q.Kind][1])
	case !q.allowed():
		return Errorf(ECONFLICT, "청구 %s: 허용 또는 일부 허용 결정 뒤에 삭제합니다", "request %s: delete after a decision to allow or partly allow", q.Code)
	case q.Deletion != nil:
		return Errorf(ECONFLICT, "청구 %s의 삭제 결과는 이미 기록되었습니다", "request %s: the deletion outcome is already recorded", q.Code)
	case len(q.Cameras()) == 0:
		return Errorf(EINVALID, "청구 %s에 카메라가 정해지지 않았습니다", "request %s names no camera", q.Code)
	case rules.NoSelectiveDeletion:
		return Errorf(ECONFLICT,
			"이 기관은 다른 사람이 함께 찍힌 영상을 선택적으로 삭제하지 않습니다 (등록부 requests.no_selective_deletion): 삭제하지 않은 이유를 기록하십시오 (requests delete --explain)",
			"this organisation does not delete footage selectively (registry requests.no_selective_deletion): record why nothing is deleted (requests delete --explain)")
	}
	return nil
}

// CanClose reports whether the request may be closed: decided, and an allowed request
// carried out (existence answered, deletion outcome recorded, viewing or copy delivered).
func (q *SubjectRequest) CanClose() error {
	switch {
	case !q.Open():
		return q.closedErr()
	case q.Status != RequestDecided:
		return Errorf(ECONFLICT, "청구 %s는 아직 결정되지 않았습니다", "request %s is not decided yet", q.Code)
	case !q.allowed():
		return nil
	case q.Kind == RequestExistence && q.Existence == nil:
		return Errorf(ECONFLICT, "청구 %s: 존재확인 답변을 먼저 기록하십시오 (requests answer-existence)", "request %s: record the existence answer first (requests answer-existence)", q.Code)
	case q.Kind == RequestDeletion && q.Deletion == nil:
		return Errorf(ECONFLICT, "청구 %s: 삭제 결과를 먼저 기록하십시오 (requests delete)", "request %s: record the deletion outcome first (requests delete)", q.Code)
	case q.Kind == RequestView && (q.Delivery == nil || (q.Delivery.Viewing == nil && q.Delivery.Export == "")):
		return Errorf(ECONFLICT, "청구 %s: 현장 열람 또는 사본 제공을 먼저 기록하십시오 (requests deliver)", "request %s: record the on-site viewing or the copy first (requests deliver)", q.Code)
	}
	return nil
}

// CanDeliver reports whether the request may be delivered (an on-site viewing or a copy):
// an open viewing request allowed in whole or in part.
func (q *SubjectRequest) CanDeliver() error {
	switch {
	case !q.Open():
		return q.closedErr()
	case q.Kind != RequestView:
		return Errorf(EINVALID, "열람 청구만 현장 열람·사본으로 제공합니다 (청구 %s는 %s)", "only a viewing request is delivered by viewing or copy (request %s is %s)", q.Code, q.Kind)
	case q.Decision != DecisionAllow && q.Decision != DecisionPartial:
		return Errorf(ECONFLICT, "청구 %s: 허용 또는 일부 허용 결정 뒤에 제공합니다", "request %s: deliver after a decision to allow or partly allow", q.Code)
	}
	return nil
}

// CanWithdraw reports whether the requester may withdraw the request.
func (q *SubjectRequest) CanWithdraw() error {
	if !q.Open() {
		return q.closedErr()
	}
	return nil
}

// DefaultObjection is how to object when the registry says nothing else (이의제기 방법).
func DefaultObjection(o Organisation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "이 결정에 이의가 있으면 통지를 받은 날부터 %s", o.Name)
	if o.Phone != "" {
		fmt.Fprintf(&b, "(%s)", o.Phone)
	}
	b.WriteString("에 서면으로 이의를 제기할 수 있습니다. 개인정보침해 신고센터(국번 없이 118)에 신고하거나 개인정보 분쟁조정위원회(1833-6972)에 분쟁 조정을 신청할 수도 있습니다.")
	if o.Sector == "public" {
		b.WriteString(" 공공기관의 결정에 대해서는 처분이 있음을 안 날부터 90일 이내에 행정심판을 청구하거나 행정소송을 제기할 수 있습니다.")
	}
	return b.String()
}

// NewRequestCode returns a tracking code: 12 characters of an alphabet without look-alikes
// (about 60 bits), grouped "XXXX-XXXX-XXXX".
func NewRequestCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 12)
	rand.Read(b)
	out := make([]byte, 0, 14)
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, alphabet[int(x)%len(alphabet)])
	}
	return string(out)
}

// Notices (열람 등 결정 통지서, 연기 통지서). NoticeOf gives the notice as a structure the status
// page shows as HTML and package pdf prints.
const (
	NoticeDecision     = "decision"     // 열람 등 결정 통지서
	NoticePostponement = "postponement" // 열람 등 연기 통지서
)

// NoticeField is one row of a notice's table: a label and its value.
type NoticeField struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// NoticeSection is a titled part of a notice: paragraphs, then list items.
type NoticeSection struct {
	Title      string   `json:"title"`
	Paragraphs []string `json:"paragraphs,omitempty"`
	Items      []string `json:"items,omitempty"`
}

// RequestNotice is a notice to the requester, in plain Korean.
type RequestNotice struct {
	Type         string          `json:"type"` // NoticeDecision or NoticePostponement
	Title        string          `json:"title"`
	Organisation string          `json:"organisation"`
	Code         string          `json:"code"`
	Issued       Date            `json:"issued"`
	Fields       []NoticeField   `json:"fields"`
	Sections     []NoticeSection `json:"sections"`
	Closing      string          `json:"closing"` // "위와 같이 통지합니다."
}

func kst(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(KST).Format("2006-01-02 15:04")
}

// NoticeOf returns the notice a request is at: the decision notice once decided, the
// postponement notice (of the last postponement) while postponed; ECONFLICT before either.
// Its name is the requester's own: the status page masks it where it must.
func NoticeOf(q *SubjectRequest, org Organisation, issued time.Time) (*RequestNotice, error) {
	n := &RequestNotice{Organisation: org.Name, Code: q.Code, Issued: DateOf(issued), Closing: "위와 같이 통지합니다."}
	kind := RequestKindNames[q.Kind][0]
	period := kst(q.From) + " ~ " + kst(q.To)
	where := q.Place
	if cams := q.Cameras(); len(cams) > 0 {
		where = strings.TrimSpace(where + " (카메라: " + strings.Join(cams, ", ") + ")")
	}
	n.Fields = []NoticeField{
		{"접수 번호", q.Code},
		{"청구인", q.Name},
		{"청구 종류", "개인영상정보 " + kind},
		{"접수일", kst(q.Filed) + " (" + RequestChannelNames[q.Channel][0] + ")"},
		{"청구한 영상", period + ", " + where},
	}
	if q.Relationship != "" {
		n.Fields = append(n.Fields, NoticeField{"대리인", q.Relationship + " (확인 서류: " + q.ProxyDocument + ")"})
	}
	switch {
	case q.Decision != "":
		n.Type, n.Title = NoticeDecision, "개인영상정보 열람 등 결정 통지서"
		n.Fields = append(n.Fields, NoticeField{"결정", DecisionNames[q.Decision][0]}, NoticeField{"결정일", kst(q.Decided)})
		var body NoticeSection
		body.Title = "결정 내용"
		switch q.Decision {
		case DecisionAllow:
			body.Paragraphs = append(body.Paragraphs, "청구하신 개인영상정보 "+kind+"을(를) 허용합니다.")
		case DecisionPartial:
			body.Paragraphs = append(body.Paragraphs, "청구하신 개인영상정보 "+kind+"을(를) 일부 허용하고, 나머지는 아래 사유로 제한합니다.")
		case DecisionRefuse:
			body.Paragraphs = append(body.Paragraphs, "청구하신 개인영상정보 "+kind+"을(를) 아래 사유로 거부합니다.")
		}
		if q.Note != "" {
			body.Paragraphs = append(body.Paragraphs, q.Note)
		}
		n.Sections = append(n.Sections, body)
		if len(q.Grounds) > 0 {
			s := NoticeSection{Title: "제한 또는 거부의 사유와 근거"}
			for _, g := range q.Grounds {
				if rg := Ground(g); rg != nil {
					s.Items = append(s.Items, rg.Ko+" ("+rg.Article+")")
				}
			}
			n.Sections = append(n.Sections, s)
		}
		if a := q.Existence; a != nil {
			s := NoticeSection{Title: "존재 확인 결과"}
			if !a.Exists() {
				s.Paragraphs = []string{"청구하신 기간(" + period + ")에 해당 카메라의 영상은 보관되어 있지 않습니다."}
			} else {
				s.Paragraphs = []string{"청구하신 기간에 아래 영상이 보관되어 있습니다."}
				for _, sp := range a.Spans {
					s.Items = append(s.Items, sp.Camera+": "+kst(sp.From)+" ~ "+kst(sp.To))
				}
			}
			s.Paragraphs = append(s.Paragraphs, "확인: "+a.Reviewer+", "+kst(a.Computed))
			n.Sections = append(n.Sections, s)
		}
		if d := q.Deletion; d != nil {
			s := NoticeSection{Title: "삭제 결과"}
			if d.NotDeleted != "" {
				s.Paragraphs = []string{d.NotDeleted}
			} else {
				s.Paragraphs = []string{fmt.Sprintf("청구하신 영상을 %s에 복구할 수 없도록 삭제하였습니다 (파기 기록 %d건).", kst(d.At), len(d.Destructions))}
			}
			n.Sections = append(n.Sections, s)
		}
		if d := q.Delivery; d != nil {
			s := NoticeSection{Title: "열람 방법"}
			if d.Viewing != nil {
				s.Paragraphs = append(s.Paragraphs, "현장 열람: "+kst(d.Viewing.At)+" (입회: "+d.Viewing.Attendee+")")
			}
			if d.Export != "" {
				s.Paragraphs = append(s.Paragraphs, "사본 제공: 반출 번호 "+d.Export)
			}
			if q.Fee > 0 {
				s.Paragraphs = append(s.Paragraphs, fmt.Sprintf("수수료(실비): %d원", q.Fee))
			}
			n.Sections = append(n.Sections, s)
		}
		if q.Decision != DecisionAllow || q.Objection != "" {
			obj := q.Objection
			if obj == "" {
				obj = DefaultObjection(org)
			}
			n.Sections = append(n.Sections, NoticeSection{Title: "이의제기 방법", Paragraphs: []string{obj}})
		}
	case len(q.Postponements) > 0:
		p := q.Postponements[len(q.Postponements)-1]
		n.Type, n.Title = NoticePostponement, "개인영상정보 열람 등 연기 통지서"
		n.Fields = append(n.Fields, NoticeField{"원래 기한", p.From.Korean()}, NoticeField{"연기한 기한", p.Until.Korean()})
		n.Sections = append(n.Sections,
			NoticeSection{Title: "연기 사유", Paragraphs: []string{p.Reason}},
			NoticeSection{Title: "안내", Paragraphs: []string{"연기 사유가 없어지면 지체 없이 결정하여 알려 드립니다. " + p.Until.Korean() + "까지 결정하여 통지합니다."}},
			NoticeSection{Title: "이의제기 방법", Paragraphs: []string{DefaultObjection(org)}})
	default:
		return nil, Errorf(ECONFLICT, "청구 %s는 아직 결정되거나 연기되지 않아 통지서가 없습니다", "request %s is neither decided nor postponed: there is no notice yet", q.Code)
	}
	return n, nil
}

// Text returns the notice as plain text.
func (n *RequestNotice) Text() string {
	var b strings.Builder
	b.WriteString(n.Title + "\n\n")
	for _, f := range n.Fields {
		fmt.Fprintf(&b, "%s: %s\n", f.Label, f.Value)
	}
	for _, s := range n.Sections {
		b.WriteString("\n[" + s.Title + "]\n")
		for _, p := range s.Paragraphs {
			b.WriteString(p + "\n")
		}
		for _, it := range s.Items {
			b.WriteString("- " + it + "\n")
		}
	}
	fmt.Fprintf(&b, "\n%s\n\n%s\n%s\n", n.Closing, n.Issued.Korean(), n.Organisation)
	return b.String()
}
