package requests

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"custodian"
)

// MaxPeriod is the longest period one request may cover.
const MaxPeriod = 7 * 24 * time.Hour

// File takes a request in (intake): it checks it, sets its code (when empty), filing time
// (when zero: now; a letter's receipt date may be given), due date and status, stores it,
// logs it and, when it names a camera, places the preservation hold at once. cameras, when
// given, are held instead of the request's camera (a place the operator has matched to
// cameras). When the hold cannot be placed the request stays filed and the error says so.
func (s *Service) File(ctx context.Context, q *custodian.SubjectRequest, cameras []string, a Actor) error {
	if err := checkActor(a); err != nil {
		return err
	}
	now := s.now()
	if q.Filed.IsZero() {
		q.Filed = now
	}
	reg, err := s.registry(ctx)
	if err != nil {
		return err
	}
	if err := checkIntake(q, now); err != nil {
		return err
	}
	if len(cameras) == 0 && q.Camera != "" {
		cameras = []string{q.Camera}
	}
	if err := checkCameras(reg, cameras); err != nil {
		return err
	}
	if err := s.checkOverlap(ctx, q, cameras); err != nil {
		return err
	}
	q.Status, q.Updated, q.Version = custodian.RequestReceived, now, 0
	q.Due = custodian.DueDate(q.Filed, reg.Requests.Deadline(), s.Holiday)
	q.Preservation = custodian.Preservation{Margin: s.margin()}
	q.Identity, q.Postponements, q.Decision, q.Grounds, q.Existence, q.Deletion, q.Delivery = nil, nil, "", nil, nil, nil, nil
	generated := q.Code == ""
	for i := 0; ; i++ {
		if generated {
			q.Code = custodian.NewRequestCode()
		}
		err = s.Store.CreateRequest(ctx, q)
		if !generated || custodian.ErrorCode(err) != custodian.ECONFLICT || i == 3 {
			break
		}
	}
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("kind=%s channel=%s due=%s", q.Kind, q.Channel, q.Due)
	if q.Relationship != "" {
		detail += fmt.Sprintf(" proxy=%q document=%q", q.Relationship, q.ProxyDocument)
	}
	if err := s.Store.AddRequestEvent(ctx, &custodian.RequestEvent{Request: q.ID, At: now, Actor: a.Name, Action: "file", Detail: detail}); err != nil {
		return err
	}
	// The filing is logged once it has its number (the access log names it "request:<id>").
	if err := s.record(ctx, a, ActionFile, q, "ok", detail); err != nil {
		return custodian.Errorf(custodian.EUNAVAILABLE, "청구 %s는 접수되었으나 접근 기록에 남기지 못했습니다: %w", "request %s was filed but the access log could not record it: %w", q.Code, err)
	}
	if len(cameras) > 0 {
		p, err := s.Preserve(ctx, q.ID, cameras, a)
		if err != nil {
			return custodian.Errorf(custodian.ErrorCode(err), "청구 %s는 접수되었으나 보존 조치를 하지 못했습니다: %w", "request %s was filed but the hold could not be placed: %w", q.Code, err)
		}
		*q = *p
	}
	return nil
}

// checkOverlap refuses a request that repeats an open one: the same kind, by the same
// requester (name and contact), over an overlapping period of the same camera or place.
// The refusal names the open request's filing date but, for a request from the portal,
// not its tracking code (whoever knows a name and a phone number is not thereby the
// requester); staff get the code.
func (s *Service) checkOverlap(ctx context.Context, q *custodian.SubjectRequest, cameras []string) error {
	open, err := s.Store.Requests(ctx, true)
	if err != nil {
		return err
	}
	// Names and contacts compare without spaces, case or hyphens: 010-1234-5678 is 01012345678.
	norm := func(v string) string {
		return strings.ToLower(strings.ReplaceAll(strings.Join(strings.Fields(v), ""), "-", ""))
	}
	for i := range open {
		o := &open[i]
		if o.Kind != q.Kind || norm(o.Name) != norm(q.Name) || norm(o.Contact) != norm(q.Contact) || !o.From.Before(q.To) || !q.From.Before(o.To) {
			continue
		}
		same := q.Place != "" && norm(o.Place) == norm(q.Place)
		for _, c := range append(slices.Clone(cameras), q.Camera) {
			same = same || c != "" && slices.Contains(append(o.Cameras(), o.Camera), c)
		}
		if !same {
			continue
		}
		if q.Channel == custodian.ChannelPortal {
			return custodian.Errorf(custodian.ECONFLICT, "같은 분이 같은 영상에 대해 %s에 낸 청구가 처리 중입니다: 그때 받은 접수 번호로 처리 상황을 확인하십시오",
				"the same requester's request for the same footage, filed on %s, is being handled: follow it with the tracking code given then", o.Filed.In(custodian.KST).Format("2006-01-02"))
		}
		return custodian.Errorf(custodian.ECONFLICT, "같은 청구인의 같은 영상에 대한 청구 %s(%s 접수)가 처리 중입니다: 그 청구에서 처리하십시오",
			"request %s (filed %s) by the same requester for the same footage is open: handle it there", o.Code, o.Filed.In(custodian.KST).Format("2006-01-02"))
	}
	return nil
}

func checkIntake(q *custodian.SubjectRequest, now time.Time) error {
	if _, ok := custodian.RequestKindNames[q.Kind]; !ok {
		return custodian.Errorf(custodian.EINVALID, "청구 종류 %q를 알 수 없습니다 (view, existence, deletion 중 하나)", "unknown kind of request %q (one of view, existence, deletion)", custodian.Clip(q.Kind, 32))
	}
	if _, ok := custodian.RequestChannelNames[q.Channel]; !ok {
		return custodian.Errorf(custodian.EINVALID, "접수 경로 %q를 알 수 없습니다 (portal, desk, mail, phone, fax 중 하나)", "unknown channel %q (one of portal, desk, mail, phone, fax)", custodian.Clip(q.Channel, 32))
	}
	for _, f := range []struct {
		v, ko, en string
		min       int
	}{{q.Name, "성명(--name)", "the name (--name)", 1}, {q.Contact, "연락처(--contact)", "the contact (--contact)", 1}, {q.Purpose, "청구 목적(--purpose)", "the purpose (--purpose)", 2},
		{q.Place, "장소(--place)", "the place (--place)", 0}, {q.Relationship, "대리인의 관계(--proxy)", "the proxy's relationship (--proxy)", 0},
		{q.ProxyDocument, "대리인이 낸 서류(--proxy-document)", "the proxy's document (--proxy-document)", 0}} {
		v := strings.TrimSpace(f.v)
		if len([]rune(v)) < f.min {
			return custodian.Errorf(custodian.EINVALID, "%[1]s이(가) 필요합니다", "%[2]s is required", f.ko, f.en)
		}
		if err := custodian.CheckText(v, custodian.MaxShortText, false); err != nil {
			return custodian.Errorf(custodian.EINVALID, "%[1]s: %[3]w", "%[2]s: %[3]w", f.ko, f.en, err)
		}
	}
	// A proxy's document is seen when the request is taken at the desk (or comes with the
	// letter); one filed on the portal shows it at the identity check.
	if q.Relationship == "" && q.ProxyDocument != "" || q.Relationship != "" && q.ProxyDocument == "" && q.Channel != custodian.ChannelPortal {
		return custodian.Errorf(custodian.EINVALID, "대리인 청구에는 관계(--proxy)와 확인한 서류(--proxy-document, 예: 위임장)를 함께 적습니다",
			"a proxy's request records both the relationship (--proxy) and the document seen (--proxy-document, e.g. a power of attorney)")
	}
	switch {
	case q.From.IsZero() || q.To.IsZero():
		return custodian.Errorf(custodian.EINVALID, "청구하는 영상의 기간(--from, --to)이 필요합니다", "the period of the footage (--from, --to) is required")
	case !q.To.After(q.From):
		return custodian.Errorf(custodian.EINVALID, "기간의 끝(--to)은 시작(--from)보다 뒤여야 합니다", "the end (--to) must be after the start (--from)")
	case q.To.Sub(q.From) > MaxPeriod:
		return custodian.Errorf(custodian.EINVALID, "한 청구는 %d일 이내의 영상을 다룹니다", "one request covers at most %d days of footage", int(MaxPeriod/(24*time.Hour)))
	case q.From.After(now):
		return custodian.Errorf(custodian.EINVALID, "미래의 영상은 청구할 수 없습니다", "the period is in the future")
	case q.Filed.After(now):
		return custodian.Errorf(custodian.EINVALID, "접수 일시 %s가 미래입니다", "the filing time %s is in the future", q.Filed.In(custodian.KST).Format(time.RFC3339))
	case q.Place == "" && q.Camera == "":
		return custodian.Errorf(custodian.EINVALID, "장소(--place)나 카메라(--camera)가 필요합니다", "the place (--place) or the camera (--camera) is required")
	case q.Camera != "" && !custodian.ValidID(q.Camera):
		return custodian.Errorf(custodian.EINVALID, "카메라 ID %q가 올바르지 않습니다", "bad camera ID %q", custodian.Clip(q.Camera, 64))
	}
	return nil
}

// checkCameras checks that every camera is in the registry (when one was imported): a
// camera, or a camera group whose footage is filed under its own ID.
func checkCameras(reg *custodian.Registry, cameras []string) error {
	var ix *custodian.Index
	if len(reg.Sites) > 0 {
		ix = reg.Index()
	}
	for _, c := range cameras {
		if !custodian.ValidID(c) {
			return custodian.Errorf(custodian.EINVALID, "카메라 ID %q가 올바르지 않습니다", "bad camera ID %q", custodian.Clip(c, 64))
		}
		if ix != nil {
			if ix.FootageGroup(c) == nil {
				return custodian.Errorf(custodian.EINVALID, "카메라 %q는 등록부에 없습니다", "camera %q is not in the registry", custodian.Clip(c, 64))
			}
		}
	}
	return nil
}

// Preserve places holds on cameras (those not yet held) over the request's period with the
// margin: at intake, or when the operator names the cameras of a place.
func (s *Service) Preserve(ctx context.Context, id int64, cameras []string, a Actor) (*custodian.SubjectRequest, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	q, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if !q.Open() {
		return nil, custodian.Errorf(custodian.ECONFLICT, "청구 %s는 이미 %s 상태입니다", "request %s is already %s", q.Code, custodian.RequestStatusNames[q.Status][0])
	}
	reg, err := s.registry(ctx)
	if err != nil {
		return nil, err
	}
	if len(cameras) == 0 {
		return nil, custodian.Errorf(custodian.EINVALID, "보존할 카메라(--cameras)를 하나 이상 적으십시오", "name at least one camera to hold (--cameras)")
	}
	if err := checkCameras(reg, cameras); err != nil {
		return nil, err
	}
	var fresh []string
	for _, c := range cameras {
		if !slices.Contains(q.Preservation.Cameras, c) && !slices.Contains(fresh, c) {
			fresh = append(fresh, c)
		}
	}
	if len(fresh) == 0 {
		return nil, custodian.Errorf(custodian.ECONFLICT, "청구 %s의 카메라는 이미 모두 보존 중입니다", "request %s: every camera named is already held", q.Code)
	}
	m := q.Preservation.Margin
	if m <= 0 {
		m = s.margin()
		q.Preservation.Margin = m
	}
	if err := s.record(ctx, a, ActionHold, q, "ok", "cameras="+strings.Join(fresh, ",")); err != nil {
		return nil, err
	}
	var placed []int64
	undo := func() {
		for _, h := range placed {
			s.Holder.ReleaseHold(ctx, h, a.Name)
		}
	}
	reason := fmt.Sprintf("정보주체 %s 청구 %s 보존 (request %s)", custodian.RequestKindNames[q.Kind][0], q.Code, q.Code)
	for _, c := range fresh {
		h, err := s.Holder.AddHold(ctx, c, q.From.Add(-m), q.To.Add(m), reason, custodian.Date{}, a.Name)
		if err != nil {
			undo()
			return nil, err
		}
		placed = append(placed, h.ID)
	}
	q.Preservation.Cameras = append(q.Preservation.Cameras, fresh...)
	q.Preservation.Holds = append(q.Preservation.Holds, placed...)
	ev := custodian.RequestEvent{At: s.now(), Actor: a.Name, Action: "hold", Detail: fmt.Sprintf("cameras=%s holds=%v margin=%s", strings.Join(fresh, ","), placed, m)}
	q.Updated = ev.At
	if err := s.Store.UpdateRequest(ctx, q, ev); err != nil {
		undo()
		return nil, err
	}
	return q, nil
}

// Identify records the identity check. It never takes an image: who, how, when, and what
// was seen in words.
func (s *Service) Identify(ctx context.Context, id int64, c custodian.IdentityCheck, a Actor) (*custodian.SubjectRequest, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	q, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := q.CanIdentify(); err != nil {
		return nil, err
	}
	if c.By == "" {
		c.By = a.Name
	}
	if c.At.IsZero() {
		c.At = s.now()
	}
	if c.At.After(s.now()) {
		return nil, custodian.Errorf(custodian.EINVALID, "본인 확인 시각이 미래입니다", "the identity check's time is in the future")
	}
	if err := custodian.CheckIdentity(c); err != nil {
		return nil, err
	}
	q.Identity = &c
	if q.Status == custodian.RequestReceived {
		q.Status = custodian.RequestReviewing
	}
	return q, s.commit(ctx, a, ActionIdentify, q, fmt.Sprintf("method=%s by=%s", c.Method, c.By))
}

// Postpone moves the deadline (연기) with a reason, recording when and how the requester
// was told.
func (s *Service) Postpone(ctx context.Context, id int64, reason string, until custodian.Date, notifiedHow string, notified time.Time, a Actor) (*custodian.SubjectRequest, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	q, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	reason = strings.TrimSpace(reason)
	if err := q.CanPostpone(until, custodian.DateOf(now), s.maxPostpone(), reason); err != nil {
		return nil, err
	}
	if strings.TrimSpace(notifiedHow) == "" {
		return nil, custodian.Errorf(custodian.EINVALID, "연기를 청구인에게 어떻게 알렸는지(--notified-how: 문자, 우편, 전화 …)가 필요합니다",
			"how the requester was told of the postponement (--notified-how: text message, mail, phone …) is required")
	}
	if err := custodian.CheckText(notifiedHow, custodian.MaxShortText, false); err != nil {
		return nil, err
	}
	if notified.IsZero() {
		notified = now
	}
	if notified.After(now) {
		return nil, custodian.Errorf(custodian.EINVALID, "통지 시각이 미래입니다", "the notification time is in the future")
	}
	p := custodian.Postponement{At: now, By: a.Name, Reason: reason, From: q.Due, Until: until, Notified: notified, NotifiedHow: strings.TrimSpace(notifiedHow)}
	q.Postponements = append(q.Postponements, p)
	q.Due = until
	q.Status = custodian.RequestPostponed
	return q, s.commit(ctx, a, ActionPostpone, q, fmt.Sprintf("from=%s until=%s notified=%s reason=%s", p.From, p.Until, p.NotifiedHow, custodian.Clip(reason, 200)))
}

// Decide records the decision: allow, partial or refuse, with its grounds from the fixed
// list (partial and refuse), what the requester is told, and how to object (the default
// when empty). Whether the decider may decide is the caller's check.
func (s *Service) Decide(ctx context.Context, id int64, decision string, grounds []string, note, objection string, a Actor) (*custodian.SubjectRequest, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	q, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := q.CanDecide(); err != nil {
		return nil, err
	}
	grounds = slices.Compact(slices.Sorted(slices.Values(grounds)))
	if err := q.CheckDecision(decision, grounds); err != nil {
		return nil, err
	}
	for _, t := range []string{note, objection} {
		if err := custodian.CheckText(t, custodian.MaxLongText, true); err != nil {
			return nil, err
		}
	}
	reg, err := s.registry(ctx)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(objection) == "" {
		objection = custodian.DefaultObjection(reg.Organisation)
	}
	q.Decision, q.Grounds, q.Note, q.Objection = decision, grounds, strings.TrimSpace(note), strings.TrimSpace(objection)
	q.Decided, q.DecidedBy, q.Status = s.now(), a.Name, custodian.RequestDecided
	return q, s.commit(ctx, a, ActionDecide, q, fmt.Sprintf("decision=%s grounds=%s", decision, strings.Join(grounds, ",")))
}

// gap is the largest hole between two segments that still counts as one span of footage.
const gap = 2 * time.Second

// AnswerExistence computes the existence answer from the catalog: for each camera of the
// request, the spans of stored footage within the requested period. The reviewer is a.
func (s *Service) AnswerExistence(ctx context.Context, id int64, a Actor) (*custodian.SubjectRequest, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	q, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := q.CanAnswerExistence(); err != nil {
		return nil, err
	}
	ans := &custodian.ExistenceAnswer{Cameras: q.Cameras(), From: q.From, To: q.To, Computed: s.now(), Reviewer: a.Name, Spans: []custodian.ExistenceSpan{}}
	for _, c := range ans.Cameras {
		segs, err := s.Catalog.Find(ctx, c, q.From, q.To)
		if err != nil {
			return nil, err
		}
		ans.Spans = append(ans.Spans, Spans(c, segs, q.From, q.To)...)
	}
	q.Existence = ans
	return q, s.commit(ctx, a, ActionExistence, q, fmt.Sprintf("spans=%d", len(ans.Spans)))
}

// Spans merges segments (sorted by start) into spans of footage within [from, to).
func Spans(camera string, segs []custodian.Segment, from, to time.Time) []custodian.ExistenceSpan {
	var out []custodian.ExistenceSpan
	for _, sg := range segs {
		st, en := sg.Start, sg.End
		if st.Before(from) {
			st = from
		}
		if en.After(to) {
			en = to
		}
		if !en.After(st) {
			continue
		}
		if n := len(out); n > 0 && !st.After(out[n-1].To.Add(gap)) {
			if en.After(out[n-1].To) {
				out[n-1].To = en
			}
			out[n-1].Segments++
			continue
		}
		out = append(out, custodian.ExistenceSpan{Camera: camera, From: st, To: en, Segments: 1})
	}
	return out
}

// Delete destroys the requested window of every camera of an allowed deletion request
// (the vault re-encrypts the rest of each camera-day), after logging it through the
// footage door, and records the destruction records. Another active hold over the window
// refuses it before anything is done; the request's own holds are released first (they
// would keep what is to be deleted). Under no_selective_deletion it is refused:
// ExplainNoDeletion records why.
func (s *Service) Delete(ctx context.Context, id int64, a Actor) (*custodian.SubjectRequest, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	q, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	reg, err := s.registry(ctx)
	if err != nil {
		return nil, err
	}
	if err := q.CanDelete(reg.Requests); err != nil {
		return nil, err
	}
	if s.Deleter == nil || s.Door == nil {
		return nil, custodian.Errorf(custodian.EUNAVAILABLE, "선택 삭제를 할 수 없습니다 (금고가 열려 있지 않습니다)", "selective deletion is not available (the vault is not open)")
	}
	cams := q.Cameras()
	// Another hold over the window (an investigation's, another request's) keeps the
	// footage: refuse before anything is done.
	holds, err := s.Holder.Holds(ctx, false)
	if err != nil {
		return nil, err
	}
	for _, h := range holds {
		if !slices.Contains(q.Preservation.Holds, h.ID) && slices.Contains(cams, h.Camera) && h.From.Before(q.To) && q.From.Before(h.To) {
			return nil, custodian.Errorf(custodian.ECONFLICT, "카메라 %s의 청구 구간은 다른 보존 조치 %d(%s)로 보존 중이어서 삭제할 수 없습니다: 그 보존이 끝난 뒤 삭제하거나, 삭제하지 못하는 사유를 결정에 적으십시오",
				"camera %s: the window is kept by another hold, %d (%s), and cannot be deleted; delete once it ends, or state why it cannot be deleted", h.Camera, h.ID, custodian.Clip(h.Reason, 80))
		}
	}
	purpose := fmt.Sprintf("정보주체 삭제 요구 (청구 %s)", q.Code)
	if _, err := s.Door.Open(ctx, custodian.FootageAccess{Actor: a.Name, Source: a.Source, Use: custodian.UseDelete, Cameras: cams, From: q.From, To: q.To,
		Purpose: purpose, Object: object(q), Request: q.ID}); err != nil {
		return nil, err
	}
	// The request's own holds would keep what it asks to delete: they end now.
	for _, h := range q.Preservation.Holds {
		if _, err := s.Holder.ReleaseHold(ctx, h, a.Name); err != nil && custodian.ErrorCode(err) != custodian.ECONFLICT {
			return nil, err
		}
	}
	if len(q.Preservation.Holds) > 0 {
		q.Preservation.Released = s.now()
	}
	out := &custodian.DeletionOutcome{At: s.now(), By: a.Name}
	for _, c := range cams {
		d, err := s.Deleter.DeleteWindow(ctx, c, q.From, q.To, purpose, a.Name)
		if custodian.ErrorCode(err) == custodian.ENOTFOUND {
			continue // no footage of this camera in the window (never recorded, or gone)
		}
		if err != nil {
			if len(out.Destructions) > 0 {
				// What was destroyed stays recorded in the history even though the step failed.
				s.Store.AddRequestEvent(ctx, &custodian.RequestEvent{Request: q.ID, At: s.now(), Actor: a.Name, Action: "delete",
					Detail: fmt.Sprintf("partial: destructions=%v; failed at camera %s: %v", out.Destructions, c, custodian.Clip(err.Error(), 200))})
			}
			return nil, err
		}
		if d != nil {
			out.Destructions = append(out.Destructions, d.ID)
		}
	}
	q.Deletion = out
	return q, s.commit(ctx, a, ActionDelete, q, fmt.Sprintf("destructions=%v", out.Destructions))
}

// NoDeletionText is the default explanation of a deletion not carried out under
// no_selective_deletion.
func NoDeletionText(reg *custodian.Registry) string {
	return fmt.Sprintf("%s은(는) 다른 사람이 함께 촬영된 영상에서 특정 부분만 골라 삭제하지 않습니다. 청구하신 영상은 삭제하지 않고, 운영·관리 방침에서 정한 보유기간이 끝나면 다른 영상과 함께 복구할 수 없게 파기합니다.",
		orgName(reg))
}

func orgName(reg *custodian.Registry) string {
	if reg.Organisation.Name != "" {
		return reg.Organisation.Name
	}
	return "이 기관"
}

// ExplainNoDeletion records, for an allowed deletion request of an organisation whose
// registry says no_selective_deletion, that nothing was deleted, why, and what happens
// instead (text; NoDeletionText when empty).
func (s *Service) ExplainNoDeletion(ctx context.Context, id int64, text string, a Actor) (*custodian.SubjectRequest, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	q, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	reg, err := s.registry(ctx)
	if err != nil {
		return nil, err
	}
	err = q.CanDelete(reg.Requests)
	switch {
	case err == nil:
		return nil, custodian.Errorf(custodian.EINVALID, "이 기관은 선택 삭제를 할 수 있습니다 (no_selective_deletion이 아님): requests delete로 삭제하십시오",
			"this organisation can delete selectively (no no_selective_deletion): delete with requests delete")
	case !reg.Requests.NoSelectiveDeletion:
		return nil, err
	}
	// CanDelete refused only for no_selective_deletion when the rest holds.
	if err := q.CanDelete(custodian.RequestRules{}); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		text = NoDeletionText(reg)
	}
	if err := custodian.CheckText(text, custodian.MaxLongText, true); err != nil {
		return nil, err
	}
	q.Deletion = &custodian.DeletionOutcome{At: s.now(), By: a.Name, NotDeleted: text}
	return q, s.commit(ctx, a, ActionDelete, q, "not deleted: no_selective_deletion")
}

// Deliver records how an allowed request was delivered (an on-site viewing with the staff
// member present, or the export ID of a copy) and the fee charged (actual cost, won).
func (s *Service) Deliver(ctx context.Context, id int64, d custodian.Delivery, fee int64, a Actor) (*custodian.SubjectRequest, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	q, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := q.CanDeliver(); err != nil {
		return nil, err
	}
	switch {
	case d.Viewing == nil && d.Export == "":
		return nil, custodian.Errorf(custodian.EINVALID, "현장 열람(--attendee)이나 사본의 반출 ID(--export)를 적으십시오", "give the on-site viewing (--attendee) or the copy's export ID (--export)")
	case fee < 0:
		return nil, custodian.Errorf(custodian.EINVALID, "수수료 %d원은 0 이상이어야 합니다", "the fee %d won must not be negative", fee)
	}
	if v := d.Viewing; v != nil {
		if strings.TrimSpace(v.Attendee) == "" {
			return nil, custodian.Errorf(custodian.EINVALID, "현장 열람에 입회한 직원(--attendee)이 필요합니다", "the staff member present at the viewing (--attendee) is required")
		}
		if err := custodian.CheckText(v.Attendee, custodian.MaxShortText, false); err != nil {
			return nil, err
		}
		if v.At.IsZero() {
			v.At = s.now()
		}
		if v.At.Before(q.Decided) || v.At.After(s.now()) {
			return nil, custodian.Errorf(custodian.EINVALID, "현장 열람 시각은 결정 뒤, 지금 이전이어야 합니다", "the viewing's time must be after the decision and not in the future")
		}
		v.By = a.Name
	}
	if d.Export != "" && (len(d.Export) > 100 || !custodian.ValidID(strings.ToLower(d.Export))) {
		return nil, custodian.Errorf(custodian.EINVALID, "반출 ID %q가 올바르지 않습니다", "bad export ID %q", custodian.Clip(d.Export, 64))
	}
	if q.Delivery == nil {
		q.Delivery = &custodian.Delivery{}
	}
	if d.Viewing != nil {
		q.Delivery.Viewing = d.Viewing
	}
	if d.Export != "" {
		q.Delivery.Export = d.Export
	}
	q.Fee = fee
	detail := fmt.Sprintf("fee=%d", fee)
	if d.Viewing != nil {
		detail += fmt.Sprintf(" viewing attendee=%q", d.Viewing.Attendee)
	}
	if d.Export != "" {
		detail += " export=" + d.Export
	}
	return q, s.commit(ctx, a, ActionDeliver, q, detail)
}

// Close closes a decided request and schedules the release of its holds ReleaseDays later.
func (s *Service) Close(ctx context.Context, id int64, a Actor) (*custodian.SubjectRequest, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	q, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := q.CanClose(); err != nil {
		return nil, err
	}
	return q, s.end(ctx, q, custodian.RequestClosed, "", a)
}

// Withdraw records that the requester withdrew the request; the holds are released on the
// same schedule as after closing.
func (s *Service) Withdraw(ctx context.Context, id int64, reason string, a Actor) (*custodian.SubjectRequest, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	q, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := q.CanWithdraw(); err != nil {
		return nil, err
	}
	if err := custodian.CheckText(reason, custodian.MaxLongText, true); err != nil {
		return nil, err
	}
	return q, s.end(ctx, q, custodian.RequestWithdrawn, strings.TrimSpace(reason), a)
}

func (s *Service) end(ctx context.Context, q *custodian.SubjectRequest, status, reason string, a Actor) error {
	now := s.now()
	q.Status, q.Closed, q.ClosedBy = status, now, a.Name
	if len(q.Preservation.Holds) > 0 && q.Preservation.Released.IsZero() {
		q.Preservation.Release = custodian.DateOf(now).AddDays(s.releaseDays())
	}
	action, detail := ActionClose, "release="+q.Preservation.Release.String()
	if status == custodian.RequestWithdrawn {
		action = ActionWithdraw
		if reason != "" {
			detail += fmt.Sprintf(" reason=%s", custodian.Clip(reason, 200))
		}
	}
	return s.commit(ctx, a, action, q, detail)
}

// Sweep releases the holds of closed and withdrawn requests whose release day has come; it
// returns how many requests it released. serve calls it periodically.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	qs, err := s.Store.HoldsToRelease(ctx, custodian.DateOf(s.now()))
	if err != nil {
		return 0, err
	}
	a := Actor{Name: SweepActor, Source: "system"}
	n := 0
	for i := range qs {
		q := &qs[i]
		if q.Open() {
			continue
		}
		var released []int64
		for _, h := range q.Preservation.Holds {
			_, err := s.Holder.ReleaseHold(ctx, h, SweepActor)
			if err != nil && custodian.ErrorCode(err) != custodian.ECONFLICT { // ECONFLICT: released already
				return n, custodian.Errorf(custodian.ErrorCode(err), "청구 %s의 보존 조치 %d을 해제하지 못했습니다: %w", "request %s: hold %d could not be released: %w", q.Code, h, err)
			}
			released = append(released, h)
		}
		q.Preservation.Released = s.now()
		if err := s.commit(ctx, a, ActionRelease, q, fmt.Sprintf("holds=%v", released)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
