package requests_test

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/datadir"
	"custodian/examples"
	"custodian/footage"
	"custodian/requests"
	"custodian/sqlite"
	"custodian/vault"
	"custodian/yaml"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// auditor writes the vault's events to the access log, as cmd/custodian does.
type auditor struct{ log *auditlog.Log }

func (x *auditor) Record(ctx context.Context, e vault.Event) error {
	_, err := x.log.Append(ctx, auditlog.Event{Actor: "test", Source: "cli", Action: e.Action, Camera: e.Camera, From: e.From, To: e.To,
		Object: e.Object, Purpose: e.Purpose, Result: e.Result, Detail: e.Detail})
	return err
}

type env struct {
	t     *testing.T
	ctx   context.Context
	data  *datadir.Dir
	db    *sqlite.DB
	log   *auditlog.Log
	v     *vault.Vault
	clock *clock
	reg   *custodian.Registry
	s     *requests.Service
}

// day0 is when the tests' footage is filmed: Thursday 1 October 2026, 10:00 KST.
var day0 = time.Date(2026, 10, 1, 10, 0, 0, 0, custodian.KST)

var operator = requests.Actor{Name: "kim", Source: "cli"}

func newEnv(t *testing.T, example string) *env {
	t.Helper()
	ctx := context.Background()
	d, err := datadir.Init(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, d.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b, err := examples.FS.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := yaml.Load(example, b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveRegistry(ctx, reg, example); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: day0}
	key, err := d.SigningKey()
	if err != nil {
		t.Fatal(err)
	}
	log, err := auditlog.Open(d.File("audit"), key, auditlog.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	v, err := vault.Open(ctx, vault.Options{Data: d, Catalog: db, Audit: &auditor{log}, Now: c.Now, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	e := &env{t: t, ctx: ctx, data: d, db: db, log: log, v: v, clock: c, reg: reg}
	e.s = &requests.Service{Store: db, Registry: db, Holder: v, Catalog: v, Door: &footage.Door{Vault: v, Log: log, Now: c.Now}, Log: log, Now: c.Now}
	if del, ok := any(v).(requests.Deleter); ok {
		e.s.Deleter = del
	}
	return e
}

// film stores n one-minute segments of camera from start.
func (e *env) film(camera string, start time.Time, n int) {
	e.t.Helper()
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		w, err := e.v.Create(e.ctx, camera, at, "standard", custodian.Retention{Days: 30})
		if err != nil {
			e.t.Fatal(err)
		}
		b := make([]byte, 4096)
		rand.Read(b)
		if _, err := w.Write(b); err != nil {
			e.t.Fatal(err)
		}
		if _, err := w.Commit(e.ctx, at.Add(time.Minute)); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) policy() vault.Policy {
	x := e.reg.Index()
	return func(camera string) (string, custodian.Retention, bool) {
		g := x.FootageGroup(camera)
		if g == nil {
			return "", custodian.Retention{}, false
		}
		c := x.RetentionClass(g.RetentionClass)
		return c.ID, custodian.RetentionOf(c), true
	}
}

func (e *env) segments(camera string, from, to time.Time) int {
	e.t.Helper()
	segs, err := e.v.Find(e.ctx, camera, from, to)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(segs)
}

// actions returns the access log's actions about request id, in order.
func (e *env) actions(id int64) []string {
	e.t.Helper()
	var out []string
	obj := "request:" + itoa(id)
	err := auditlog.Scan(e.ctx, e.data.File("audit"), auditlog.Filter{}, func(ev auditlog.Event) error {
		if ev.Object == obj {
			out = append(out, ev.Action+"/"+ev.Result)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (e *env) history(id int64) []string {
	e.t.Helper()
	evs, err := e.db.RequestEvents(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Action)
	}
	return out
}

// unchanged checks that a refused step changed nothing: the request's version and history.
func (e *env) unchanged(before *custodian.SubjectRequest, step string) {
	e.t.Helper()
	after, err := e.db.Request(e.ctx, before.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if after.Version != before.Version || after.Status != before.Status || after.Decision != before.Decision || after.Due != before.Due {
		e.t.Errorf("%s: the refused step changed the request: version %d → %d, status %s → %s, decision %q → %q, due %s → %s", step,
			before.Version, after.Version, before.Status, after.Status, before.Decision, after.Decision, before.Due, after.Due)
	}
}

func wantCode(t *testing.T, err error, code, contains, step string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", step)
	}
	if custodian.ErrorCode(err) != code {
		t.Fatalf("%s: code %s, want %s (%v)", step, custodian.ErrorCode(err), code, err)
	}
	if contains != "" && !strings.Contains(err.Error(), contains) {
		t.Fatalf("%s: error %q does not say %q", step, err, contains)
	}
}

func (e *env) file(kind, camera string, from, to time.Time) *custodian.SubjectRequest {
	e.t.Helper()
	q := &custodian.SubjectRequest{Kind: kind, Name: "홍길동", Contact: "010-1234-5678", From: from, To: to, Camera: camera,
		Purpose: "분실물 확인", Channel: custodian.ChannelDesk}
	if camera == "" {
		q.Place = "의원 출입구"
	}
	if err := e.s.File(e.ctx, q, nil, operator); err != nil {
		e.t.Fatal(err)
	}
	return q
}

func TestViewRequestEndToEnd(t *testing.T) {
	e := newEnv(t, "minimal.yaml")
	e.film("entrance", day0, 10)                 // 10:00–10:10, the requested window among it
	e.film("entrance", day0.Add(2*time.Hour), 5) // 12:00–12:05, not requested
	e.clock.Set(day0.Add(150 * time.Minute))     // 12:30 the same Thursday

	q := e.file(custodian.RequestView, "entrance", day0.Add(2*time.Minute), day0.Add(5*time.Minute))
	// 10 days from Thursday 1 October, the first day not counted: Sunday 11 October, so
	// Monday 12 October.
	if want := (custodian.Date{Year: 2026, Month: 10, Day: 12}); q.Due != want {
		t.Errorf("due %s, want %s", q.Due, want)
	}
	// The hold is placed at intake, with the 30-minute margin.
	holds, err := e.v.Holds(e.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(holds) != 1 || len(q.Preservation.Holds) != 1 || holds[0].ID != q.Preservation.Holds[0] ||
		!holds[0].From.Equal(day0.Add(-28*time.Minute)) || !holds[0].To.Equal(day0.Add(35*time.Minute)) {
		t.Fatalf("holds %+v, request's %+v", holds, q.Preservation)
	}

	// Bad input changes nothing.
	_, err = e.s.Decide(e.ctx, q.ID, custodian.DecisionAllow, nil, "", "", operator)
	wantCode(t, err, custodian.ECONFLICT, "identity", "decide before the identity check")
	e.unchanged(q, "decide before the identity check")

	q, err = e.s.Identify(e.ctx, q.ID, custodian.IdentityCheck{Method: custodian.IdentityInPerson, Note: "주민등록증"}, operator)
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != custodian.RequestReviewing || q.Identity.By != "kim" {
		t.Errorf("after the identity check: %s, %+v", q.Status, q.Identity)
	}
	_, err = e.s.Identify(e.ctx, q.ID, custodian.IdentityCheck{Method: custodian.IdentityInPerson}, operator)
	wantCode(t, err, custodian.ECONFLICT, "already", "identify twice")

	_, err = e.s.Decide(e.ctx, q.ID, custodian.DecisionRefuse, nil, "", "", operator)
	wantCode(t, err, custodian.EINVALID, "legal ground", "refusal without a ground")
	e.unchanged(q, "refusal without a ground")
	_, err = e.s.Decide(e.ctx, q.ID, custodian.DecisionRefuse, []string{custodian.GroundThirdParties}, "", "", operator)
	if !errors.Is(err, custodian.ErrThirdParties) && (err == nil || !strings.Contains(err.Error(), "mask")) {
		t.Fatalf("refusal citing third parties: %v", err)
	}
	e.unchanged(q, "refusal citing third parties")
	_, err = e.s.Decide(e.ctx, q.ID, custodian.DecisionPartial, []string{"collection_by_law"}, "", "", operator)
	wantCode(t, err, custodian.EINVALID, "does not apply", "a deletion ground on a viewing request")
	_, err = e.s.Decide(e.ctx, q.ID, custodian.DecisionRefuse, []string{"because"}, "", "", operator)
	wantCode(t, err, custodian.EINVALID, "fixed list", "a ground not in the list")
	e.unchanged(q, "a ground not in the list")

	// Two deciders read the same version; only one decision is stored.
	stale := *q
	q, err = e.s.Decide(e.ctx, q.ID, custodian.DecisionAllow, nil, "모자이크 처리 후 현장 열람", "", operator)
	if err != nil {
		t.Fatal(err)
	}
	if q.Objection == "" || !strings.Contains(q.Objection, "예시의원") {
		t.Errorf("the default objection text does not name the organisation: %q", q.Objection)
	}
	_, err = e.s.Decide(e.ctx, q.ID, custodian.DecisionRefuse, []string{"harm"}, "", "", requests.Actor{Name: "lee"})
	wantCode(t, err, custodian.ECONFLICT, "already decided", "decide twice")
	stale.Decision, stale.Status = custodian.DecisionRefuse, custodian.RequestDecided
	err = e.db.UpdateRequest(e.ctx, &stale, custodian.RequestEvent{At: e.clock.Now(), Actor: "lee", Action: "decide"})
	wantCode(t, err, custodian.ECONFLICT, "changed meanwhile", "a decision on a stale version")
	e.unchanged(q, "a decision on a stale version")

	_, err = e.s.Close(e.ctx, q.ID, operator)
	wantCode(t, err, custodian.ECONFLICT, "viewing", "close before delivery")
	q, err = e.s.Deliver(e.ctx, q.ID, custodian.Delivery{Viewing: &custodian.Viewing{Attendee: "박민원"}}, 0, operator)
	if err != nil {
		t.Fatal(err)
	}

	// While the request is open, retention destroys the footage around it and keeps the window.
	e.clock.Set(day0.AddDate(0, 0, 40))
	if _, err := e.v.RunRetention(e.ctx, e.policy(), false); err != nil {
		t.Fatal(err)
	}
	if n := e.segments("entrance", day0.Add(2*time.Hour), day0.Add(3*time.Hour)); n != 0 {
		t.Errorf("%d segments outside the window survived retention", n)
	}
	if n := e.segments("entrance", day0.Add(2*time.Minute), day0.Add(5*time.Minute)); n != 3 {
		t.Errorf("the requested window has %d segments after retention, want 3", n)
	}

	q, err = e.s.Close(e.ctx, q.ID, operator)
	if err != nil {
		t.Fatal(err)
	}
	if want := custodian.DateOf(e.clock.Now()).AddDays(requests.DefaultReleaseDays); q.Preservation.Release != want {
		t.Errorf("release planned %s, want %s", q.Preservation.Release, want)
	}
	// Not yet due: nothing is released.
	e.clock.Set(day0.AddDate(0, 0, 40+29))
	if n, err := e.s.Sweep(e.ctx); err != nil || n != 0 {
		t.Fatalf("sweep a day early: %d, %v", n, err)
	}
	if n := e.segments("entrance", day0, day0.Add(time.Hour)); n != 10 {
		t.Errorf("before the release the held segments are %d, want 10", n)
	}
	e.clock.Set(day0.AddDate(0, 0, 40+30))
	if n, err := e.s.Sweep(e.ctx); err != nil || n != 1 {
		t.Fatalf("sweep on the day: %d, %v", n, err)
	}
	if n := e.segments("entrance", day0, day0.Add(time.Hour)); n != 0 {
		t.Errorf("after the release %d segments past their retention survive", n)
	}
	if n, err := e.s.Sweep(e.ctx); err != nil || n != 0 {
		t.Fatalf("a second sweep: %d, %v", n, err)
	}
	q, err = e.db.Request(e.ctx, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if q.Preservation.Released.IsZero() {
		t.Error("the release is not recorded on the request")
	}

	wantHistory := []string{"file", "hold", "identify", "decide", "deliver", "close", "release"}
	if h := e.history(q.ID); !slices.Equal(h, wantHistory) {
		t.Errorf("history %v, want %v", h, wantHistory)
	}
	wantLog := []string{"request.file/ok", "request.hold/ok", "request.identify/ok", "request.decide/ok", "request.deliver/ok", "request.close/ok", "request.release/ok"}
	if l := e.actions(q.ID); !slices.Equal(l, wantLog) {
		t.Errorf("access log %v, want %v", l, wantLog)
	}
}

func TestExistenceAnswerFromTheCatalog(t *testing.T) {
	e := newEnv(t, "minimal.yaml")
	e.film("entrance", day0, 3)                     // 10:00–10:03
	e.film("entrance", day0.Add(10*time.Minute), 2) // 10:10–10:12
	e.clock.Set(day0.Add(time.Hour))
	q := e.file(custodian.RequestExistence, "", day0.Add(time.Minute), day0.Add(11*time.Minute))
	// A place without a camera: the operator names the cameras, then they are held.
	if len(q.Preservation.Holds) != 0 {
		t.Fatalf("holds placed without cameras: %v", q.Preservation.Holds)
	}
	_, err := e.s.Preserve(e.ctx, q.ID, []string{"nowhere"}, operator)
	wantCode(t, err, custodian.EINVALID, "not in the registry", "hold an unknown camera")
	q, err = e.s.Preserve(e.ctx, q.ID, []string{"entrance", "medicine-store"}, operator)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Preservation.Holds) != 2 {
		t.Fatalf("holds %v", q.Preservation.Holds)
	}
	if _, err = e.s.Identify(e.ctx, q.ID, custodian.IdentityCheck{Method: custodian.IdentityVideoCall}, operator); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.AnswerExistence(e.ctx, q.ID, operator)
	wantCode(t, err, custodian.ECONFLICT, "decision", "answer before the decision")
	if _, err = e.s.Decide(e.ctx, q.ID, custodian.DecisionAllow, nil, "", "", operator); err != nil {
		t.Fatal(err)
	}
	q, err = e.s.AnswerExistence(e.ctx, q.ID, operator)
	if err != nil {
		t.Fatal(err)
	}
	want := []custodian.ExistenceSpan{
		{Camera: "entrance", From: day0.Add(time.Minute), To: day0.Add(3 * time.Minute), Segments: 2},
		{Camera: "entrance", From: day0.Add(10 * time.Minute), To: day0.Add(11 * time.Minute), Segments: 1},
	}
	got := q.Existence.Spans
	if len(got) != len(want) {
		t.Fatalf("spans %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Camera != want[i].Camera || !got[i].From.Equal(want[i].From) || !got[i].To.Equal(want[i].To) || got[i].Segments != want[i].Segments {
			t.Errorf("span %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if q.Existence.Reviewer != "kim" {
		t.Errorf("reviewer %q", q.Existence.Reviewer)
	}
	_, err = e.s.AnswerExistence(e.ctx, q.ID, operator)
	wantCode(t, err, custodian.ECONFLICT, "already", "answer twice")
	if _, err = e.s.Close(e.ctx, q.ID, operator); err != nil {
		t.Fatal(err)
	}
}

func TestPostponement(t *testing.T) {
	e := newEnv(t, "minimal.yaml")
	e.clock.Set(day0.Add(time.Hour))
	q := e.file(custodian.RequestView, "entrance", day0.Add(-time.Hour), day0)
	due := q.Due
	_, err := e.s.Postpone(e.ctx, q.ID, "", due.AddDays(3), "문자", time.Time{}, operator)
	wantCode(t, err, custodian.EINVALID, "reason", "postpone without a reason")
	_, err = e.s.Postpone(e.ctx, q.ID, "마스킹 작업", due.AddDays(requests.DefaultMaxPostponeDays+1), "문자", time.Time{}, operator)
	wantCode(t, err, custodian.EINVALID, "at most", "postpone past the limit")
	_, err = e.s.Postpone(e.ctx, q.ID, "마스킹 작업", due, "문자", time.Time{}, operator)
	wantCode(t, err, custodian.EINVALID, "after the current", "postpone to the same day")
	_, err = e.s.Postpone(e.ctx, q.ID, "마스킹 작업", due.AddDays(3), "", time.Time{}, operator)
	wantCode(t, err, custodian.EINVALID, "how the requester was told", "postpone without notice")
	e.unchanged(q, "bad postponements")

	q, err = e.s.Postpone(e.ctx, q.ID, "다른 사람 마스킹 작업", due.AddDays(5), "문자", time.Time{}, operator)
	if err != nil {
		t.Fatal(err)
	}
	if q.Due != due.AddDays(5) || q.Status != custodian.RequestPostponed || len(q.Postponements) != 1 || q.Postponements[0].From != due {
		t.Errorf("after postponing: due %s, status %s, %+v", q.Due, q.Status, q.Postponements)
	}
	// Past the (new) deadline, a postponement is too late.
	e.clock.Set(q.Due.AddDays(1).Time().Add(time.Hour))
	_, err = e.s.Postpone(e.ctx, q.ID, "또 연기", q.Due.AddDays(2), "문자", time.Time{}, operator)
	wantCode(t, err, custodian.ECONFLICT, "passed", "postpone after the deadline")
	e.unchanged(q, "postpone after the deadline")
}

func TestNoSelectiveDeletion(t *testing.T) {
	e := newEnv(t, "002-district-office.yaml")
	e.film("office-entrances", day0, 5)
	e.clock.Set(day0.Add(time.Hour))
	q := e.file(custodian.RequestDeletion, "office-entrances", day0.Add(time.Minute), day0.Add(3*time.Minute))
	if _, err := e.s.Identify(e.ctx, q.ID, custodian.IdentityCheck{Method: custodian.IdentityDocuments}, operator); err != nil {
		t.Fatal(err)
	}
	q, err := e.s.Decide(e.ctx, q.ID, custodian.DecisionAllow, nil, "", "", operator)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s.Delete(e.ctx, q.ID, operator)
	wantCode(t, err, custodian.ECONFLICT, "no_selective_deletion", "deletion under no_selective_deletion")
	e.unchanged(q, "deletion under no_selective_deletion")
	if n := e.segments("office-entrances", day0, day0.Add(time.Hour)); n != 5 {
		t.Errorf("%d segments left after a refused deletion, want 5", n)
	}
	q, err = e.s.ExplainNoDeletion(e.ctx, q.ID, "", operator)
	if err != nil {
		t.Fatal(err)
	}
	if q.Deletion == nil || !strings.Contains(q.Deletion.NotDeleted, "보유기간") || len(q.Deletion.Destructions) != 0 {
		t.Errorf("deletion outcome %+v", q.Deletion)
	}
	if _, err := e.s.Close(e.ctx, q.ID, operator); err != nil {
		t.Fatal(err)
	}
}

func TestRefusedWhenTheLogCannotBeWritten(t *testing.T) {
	e := newEnv(t, "minimal.yaml")
	e.clock.Set(day0.Add(time.Hour))
	q := e.file(custodian.RequestView, "entrance", day0.Add(-time.Hour), day0)
	e.log.Close()
	_, err := e.s.Identify(e.ctx, q.ID, custodian.IdentityCheck{Method: custodian.IdentityInPerson}, operator)
	wantCode(t, err, custodian.EUNAVAILABLE, "access log", "identify without the access log")
	e.unchanged(q, "identify without the access log")
}

func TestIntakeChecks(t *testing.T) {
	e := newEnv(t, "minimal.yaml")
	e.clock.Set(day0.Add(time.Hour))
	base := custodian.SubjectRequest{Kind: custodian.RequestView, Name: "홍길동", Contact: "010-1234-5678", From: day0.Add(-time.Hour), To: day0,
		Camera: "entrance", Purpose: "확인", Channel: custodian.ChannelMail}
	for _, c := range []struct {
		name     string
		change   func(*custodian.SubjectRequest)
		contains string
	}{
		{"channel", func(q *custodian.SubjectRequest) { q.Channel = "pigeon" }, "channel"},
		{"proxy without document", func(q *custodian.SubjectRequest) { q.Relationship = "배우자" }, "power of attorney"},
		{"reversed period", func(q *custodian.SubjectRequest) { q.To = q.From.Add(-time.Minute) }, "after the start"},
		{"future", func(q *custodian.SubjectRequest) { q.From, q.To = day0.Add(2*time.Hour), day0.Add(3*time.Hour) }, "future"},
		{"unknown camera", func(q *custodian.SubjectRequest) { q.Camera = "roof" }, "not in the registry"},
	} {
		q := base
		c.change(&q)
		err := e.s.File(e.ctx, &q, nil, operator)
		wantCode(t, err, custodian.EINVALID, c.contains, c.name)
	}
	all, err := e.db.Requests(e.ctx, false)
	if err != nil || len(all) != 0 {
		t.Fatalf("refused intakes stored %d requests (%v)", len(all), err)
	}
	holds, _ := e.v.Holds(e.ctx, true)
	if len(holds) != 0 {
		t.Errorf("refused intakes placed %d holds", len(holds))
	}
	// A proxy with the document seen, by mail received two days ago: the deadline runs from receipt.
	q := base
	q.Relationship, q.ProxyDocument, q.Filed = "배우자", "위임장", day0.AddDate(0, 0, -2)
	if err := e.s.File(e.ctx, &q, nil, operator); err != nil {
		t.Fatal(err)
	}
	if want := custodian.DueDate(day0.AddDate(0, 0, -2), 10, nil); q.Due != want {
		t.Errorf("due %s, want %s", q.Due, want)
	}
}

func TestDeletionEndToEnd(t *testing.T) {
	e := newEnv(t, "minimal.yaml")
	if e.s.Deleter == nil {
		t.Fatal("the vault has no DeleteWindow")
	}
	e.film("entrance", day0, 10) // 10:00–10:10
	e.clock.Set(day0.Add(time.Hour))
	q := e.file(custodian.RequestDeletion, "entrance", day0.Add(2*time.Minute), day0.Add(5*time.Minute))
	_, err := e.s.Delete(e.ctx, q.ID, operator)
	wantCode(t, err, custodian.ECONFLICT, "decision", "delete before the decision")
	if _, err := e.s.Identify(e.ctx, q.ID, custodian.IdentityCheck{Method: custodian.IdentityInPerson}, operator); err != nil {
		t.Fatal(err)
	}
	if q, err = e.s.Decide(e.ctx, q.ID, custodian.DecisionAllow, nil, "", "", operator); err != nil {
		t.Fatal(err)
	}
	// An investigation's hold over the window keeps the footage: refused, nothing changed.
	police, err := e.v.AddHold(e.ctx, "entrance", day0, day0.Add(4*time.Minute), "경찰 수사 협조 공문 2026-123", custodian.Date{}, "lee")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s.Delete(e.ctx, q.ID, operator)
	wantCode(t, err, custodian.ECONFLICT, "another hold", "deletion under another hold")
	e.unchanged(q, "deletion under another hold")
	if n := e.segments("entrance", day0, day0.Add(time.Hour)); n != 10 {
		t.Fatalf("%d segments after a refused deletion, want 10", n)
	}
	if _, err := e.v.ReleaseHold(e.ctx, police.ID, "lee"); err != nil {
		t.Fatal(err)
	}
	q, err = e.s.Delete(e.ctx, q.ID, operator)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Deletion.Destructions) != 1 || q.Preservation.Released.IsZero() {
		t.Errorf("deletion %+v, preservation %+v", q.Deletion, q.Preservation)
	}
	if n := e.segments("entrance", day0.Add(2*time.Minute), day0.Add(5*time.Minute)); n != 0 {
		t.Errorf("%d segments left in the deleted window", n)
	}
	if a, b := e.segments("entrance", day0, day0.Add(2*time.Minute)), e.segments("entrance", day0.Add(5*time.Minute), day0.Add(10*time.Minute)); a != 2 || b != 5 {
		t.Errorf("around the window: %d and %d segments, want 2 and 5", a, b)
	}
	ds, err := e.db.Destructions(e.ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range ds {
		found = found || d.ID == q.Deletion.Destructions[0]
	}
	if !found {
		t.Errorf("destruction record %d not in the record %+v", q.Deletion.Destructions[0], ds)
	}
	_, err = e.s.Delete(e.ctx, q.ID, operator)
	wantCode(t, err, custodian.ECONFLICT, "already", "delete twice")
	q, err = e.s.Close(e.ctx, q.ID, operator)
	if err != nil {
		t.Fatal(err)
	}
	if !q.Preservation.Release.IsZero() {
		t.Errorf("a release is scheduled for holds already released: %s", q.Preservation.Release)
	}
	// The deletion went through the door: one footage.delete record for the request.
	var deletes int
	auditlog.Scan(e.ctx, e.data.File("audit"), auditlog.Filter{}, func(ev auditlog.Event) error {
		if ev.Action == "footage.delete" && ev.Object == "request:"+itoa(q.ID) {
			deletes++
		}
		return nil
	})
	if deletes != 1 {
		t.Errorf("%d footage.delete records, want 1", deletes)
	}
}
