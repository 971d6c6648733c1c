package custodian

import (
	"slices"
	"time"
)

// Ledger row types (개인영상정보 관리대장의 구분). Which records become which rows:
// docs/design/ledger.md.
const (
	LedgerUse         = "use"         // 이용: an opening of footage by the organisation's staff
	LedgerProvision   = "provision"   // 제공: footage given to a third party (Art. 18, 제3자 제공)
	LedgerRequest     = "request"     // 열람 등 청구: a data subject's request (열람·존재확인·삭제)
	LedgerDestruction = "destruction" // 파기: an entry of the destruction record
)

// LedgerTypes lists the row types in the order the ledger names them.
var LedgerTypes = []string{LedgerUse, LedgerProvision, LedgerRequest, LedgerDestruction}

// LedgerTypeNames maps a row type to Korean and English.
var LedgerTypeNames = map[string][2]string{
	LedgerUse:         {"이용", "use"},
	LedgerProvision:   {"제공", "provision"},
	LedgerRequest:     {"열람 청구", "request"},
	LedgerDestruction: {"파기", "destruction"},
}

// LedgerRow is one row of the ledger (개인영상정보 관리대장; LEGAL.md, "Ledger"). It is
// derived, never typed: from the access log, the destruction record, data subjects'
// requests and provisions; Source names exactly what it was derived from.
type LedgerRow struct {
	// No is the row's number within the listing (1, 2, 3, … in time order).
	No   int    `json:"no"`
	Type string `json:"type"` // one of the Ledger constants
	// At is when it happened: the opening, the request's receipt, the provision, the
	// destruction.
	At time.Time `json:"at"`
	// File is the file name (an export's file, a viewing ticket, a destroyed key) and
	// Format its format ("MP4", "화면 표시 (파일 없음)").
	File   string `json:"file"`
	Format string `json:"format"`
	// Staff is the staff member (담당자): the account that opened the footage, the
	// automatic cycle for scheduled destruction.
	Staff string `json:"staff"`
	// Purpose is the purpose of use or provision, the reason of destruction, what the
	// requester gave as the purpose of the request.
	Purpose string `json:"purpose"`
	// Party is the recipient (제공받는 자) or the requester (청구인).
	Party string `json:"party,omitempty"`
	// LegalBasis is the legal basis of the use, provision or decision.
	LegalBasis string `json:"legal_basis,omitempty"`
	// Form is how the footage was used or given (이용·제공 형태): live view, playback, a
	// copy, on-site viewing, download; for a destruction, its method.
	Form string `json:"form"`
	// Decision is a request's decision and its ground (empty while undecided).
	Decision string `json:"decision,omitempty"`
	// The footage: its cameras with their place, and the recording period [From, To)
	// (To zero for live view, which starts at From).
	Cameras []LedgerCamera `json:"cameras"`
	From    time.Time      `json:"from,omitzero"`
	To      time.Time      `json:"to,omitzero"`
	// Retention is the retention period of the footage ("30일"); PlannedDestruction when
	// the footage of the period is due to be destroyed; Destroyed when it was (the latest
	// destruction record covering it; zero while it is kept).
	Retention          string    `json:"retention,omitempty"`
	PlannedDestruction time.Time `json:"planned_destruction,omitzero"`
	Destroyed          time.Time `json:"destroyed,omitzero"`
	// Source is what the row was derived from.
	Source LedgerSource `json:"source"`
}

// LedgerCamera is a camera of a ledger row and where it is.
type LedgerCamera struct {
	ID       string `json:"id"`
	Site     string `json:"site,omitempty"`
	SiteName string `json:"site_name,omitempty"`
	Location string `json:"location,omitempty"`
}

// LedgerSource references the records a ledger row derives from.
type LedgerSource struct {
	// Records are the access-log sequence numbers of the row's records, ascending.
	Records []uint64 `json:"records,omitempty"`
	// Opening is the opening of footage (footage.Door) the records share, when known.
	Opening     string `json:"opening,omitempty"`
	Request     int64  `json:"request,omitempty"`
	Provision   int64  `json:"provision,omitempty"`
	Destruction int64  `json:"destruction,omitempty"`
}

// LedgerFilter selects ledger rows. Zero fields select everything; the period is
// [From, To) of the rows' At.
type LedgerFilter struct {
	From, To time.Time
	Type     string // one of the Ledger constants
	Camera   string // rows whose cameras include it
	Staff    string // rows whose staff member, or the actor of one of whose records, it is
}

// Check validates the filter.
func (f LedgerFilter) Check() error {
	if f.Type != "" {
		if _, ok := LedgerTypeNames[f.Type]; !ok {
			return Errorf(EINVALID, "관리대장 구분 %q를 알 수 없습니다 (%s 중 하나)", "unknown ledger type %q (one of %s)", Clip(f.Type, 32), joinTypes())
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return Errorf(EINVALID, "기간의 끝(%s)이 시작(%s)보다 뒤여야 합니다", "the end of the period (%s) must be after its start (%s)",
			f.To.In(KST).Format(time.DateTime), f.From.In(KST).Format(time.DateTime))
	}
	if f.Camera != "" && !ValidID(f.Camera) {
		return Errorf(EINVALID, "카메라 ID %q가 올바르지 않습니다", "bad camera ID %q", Clip(f.Camera, 64))
	}
	if len(f.Staff) > 200 {
		return Errorf(EINVALID, "담당자 이름이 너무 깁니다 (%d바이트, 최대 200)", "the staff member is too long (%d bytes, at most 200)", len(f.Staff))
	}
	return nil
}

func joinTypes() string {
	s := ""
	for i, t := range LedgerTypes {
		if i > 0 {
			s += ", "
		}
		s += t
	}
	return s
}

// Match reports whether the filter selects row r (staff compares with the row's Staff;
// callers that know the row's records' actors check those too).
func (f LedgerFilter) Match(r *LedgerRow, actors ...string) bool {
	if !f.From.IsZero() && r.At.Before(f.From) || !f.To.IsZero() && !r.At.Before(f.To) {
		return false
	}
	if f.Type != "" && r.Type != f.Type {
		return false
	}
	if f.Camera != "" && !slices.ContainsFunc(r.Cameras, func(c LedgerCamera) bool { return c.ID == f.Camera }) {
		return false
	}
	if f.Staff != "" && r.Staff != f.Staff && !slices.Contains(actors, f.Staff) {
		return false
	}
	return true
}
