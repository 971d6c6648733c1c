package ledger_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/datadir"
	"custodian/footage"
	"custodian/ledger"
	"custodian/sqlite"
	"custodian/vault"
)

// clock is a settable clock that moves a second at every reading, so that records have
// distinct times.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// auditor records the vault's events in the real access log (as cmd/custodian does).
type auditor struct {
	log   *auditlog.Log
	actor string
}

func (x *auditor) Record(ctx context.Context, e vault.Event) error {
	_, err := x.log.Append(ctx, auditlog.Event{Actor: x.actor, Source: "system", Action: e.Action, Camera: e.Camera, From: e.From, To: e.To,
		Object: e.Object, Purpose: e.Purpose, Result: e.Result, Detail: e.Detail})
	return err
}

// day0 is the day the fixture's footage is filmed, 10:00 KST.
var day0 = time.Date(2026, 10, 1, 10, 0, 0, 0, custodian.KST)

// testRegistry has two sites, two camera groups (30 and 60 days) and two purposes.
func testRegistry() *custodian.Registry {
	return &custodian.Registry{
		Organisation: custodian.Organisation{ID: "org", Name: "테스트구청", Sector: "public"},
		Sites: []custodian.Site{
			{ID: "hq", Name: "본관", Kind: "building", CameraGroups: []custodian.CameraGroup{{ID: "hq-lobby", Count: 2, Locations: []string{"1층 로비"},
				Purposes: []string{"crime"}, RetentionClass: "d30", Cameras: []custodian.Camera{{ID: "lobby-1", Location: "1층 로비 천정"}, {ID: "lobby-2"}}}}},
			{ID: "park", Name: "주차장", Kind: "parking", CameraGroups: []custodian.CameraGroup{{ID: "park-gate", Count: 1, Locations: []string{"정문"},
				Purposes: []string{"facility"}, RetentionClass: "d60", Cameras: []custodian.Camera{{ID: "gate-1"}}}}},
		},
		Purposes: []custodian.Purpose{
			{ID: "crime", Name: "범죄 예방 및 수사", Basis: custodian.LegalBasis{Kind: custodian.BasisPIPA25, Item: 2}},
			{ID: "facility", Name: "시설안전 및 화재 예방", Basis: custodian.LegalBasis{Kind: custodian.BasisPIPA25, Item: 3}},
		},
		RetentionClasses: []custodian.RetentionClass{
			{ID: "d30", Name: "30일", FilmingHours: "24시간", RetentionDays: 30, StoragePlace: "전산실"},
			{ID: "d60", Name: "60일", FilmingHours: "24시간", RetentionDays: 60, StoragePlace: "전산실"},
		},
	}
}

// fixture is a data directory with the real access log, catalog and vault, footage of
// three cameras, openings of every kind through the door, a request and a provision, and
// one retention run.
type fixture struct {
	ctx    context.Context
	db     *sqlite.DB
	log    *auditlog.Log
	v      *vault.Vault
	door   *footage.Door
	clock  *clock
	reg    *custodian.Registry
	ledger *ledger.Ledger
	// What the fixture did.
	request   *custodian.SubjectRequest
	provision *custodian.Provision
	deletion  *custodian.SubjectRequest
	deleted   *custodian.Destruction
	denied    int
}

func newFixture(t *testing.T) *fixture {
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
	c := &clock{t: day0}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	logDir := filepath.Join(d.Path, "audit")
	l, err := auditlog.Open(logDir, key, auditlog.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	v, err := vault.Open(ctx, vault.Options{Data: d, Catalog: db, Audit: &auditor{log: l, actor: "system:retention"}, Now: c.Now, Actor: "system:retention"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	reg := testRegistry()
	f := &fixture{ctx: ctx, db: db, log: l, v: v, door: &footage.Door{Vault: v, Log: l, Now: c.Now}, clock: c, reg: reg}
	f.ledger = &ledger.Ledger{LogDir: logDir, Destructions: db, Requests: db, Provisions: db, Registry: reg}
	return f
}

func (f *fixture) segment(t *testing.T, camera, class string, days int, start time.Time) {
	t.Helper()
	w, err := f.v.Create(f.ctx, camera, start, class, custodian.Retention{Days: days})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	rand.Read(buf)
	if _, err := w.Write(buf); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(f.ctx, start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) open(t *testing.T, a custodian.FootageAccess) *custodian.FootageOpening {
	t.Helper()
	if a.Source == "" {
		a.Source = "10.0.0.5:40000"
	}
	o, err := f.door.Open(f.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// populate fills the fixture: footage, openings of every use, a console viewing with the
// windows it served, refusals, a request with its delivery, a provision with its
// delivery, and the retention run that destroys the first day.
func (f *fixture) populate(t *testing.T) {
	t.Helper()
	for _, cam := range []string{"lobby-1", "lobby-2"} {
		f.segment(t, cam, "d30", 30, day0)
	}
	f.segment(t, "gate-1", "d60", 60, day0)
	f.segment(t, "lobby-1", "d30", 30, day0.Add(24*time.Hour))
	period := func(c ...string) ([]string, time.Time, time.Time) { return c, day0, day0.Add(time.Minute) }

	f.clock.Set(day0.Add(2 * time.Hour))
	// A playback of two cameras by an operator: one row, two records.
	cams, from, to := period("lobby-1", "lobby-2")
	f.open(t, custodian.FootageAccess{Actor: "kim", Use: custodian.UsePlayback, Cameras: cams, From: from, To: to, Purpose: "범죄 예방 및 수사 — 분실물 확인"})
	// Live view of two cameras: one row per opening.
	f.open(t, custodian.FootageAccess{Actor: "lee", Use: custodian.UseLive, Cameras: []string{"lobby-1", "gate-1"}, Purpose: "시설안전 및 화재 예방"})
	// The console's viewing: the opening and each window it served (web/media.go) are one row.
	cams, from, to = period("gate-1")
	f.open(t, custodian.FootageAccess{Actor: "kim", Use: custodian.UsePlayback, Cameras: cams, From: from, To: to, Purpose: "시설안전 및 화재 예방", Object: "view:abcdef012345"})
	for i := 0; i < 2; i++ {
		w0 := from.Add(time.Duration(i) * 30 * time.Second)
		f.open(t, custodian.FootageAccess{Actor: "kim", Use: custodian.UsePlayback, Cameras: cams, From: w0, To: w0.Add(30 * time.Second),
			Purpose: "시설안전 및 화재 예방", Object: "view:abcdef012345", Detail: "window served (from the keyframe at or before its start)"})
	}
	// An export by the CLI for another purpose.
	cams, from, to = period("lobby-2")
	f.open(t, custodian.FootageAccess{Actor: "cli:admin", Source: "cli", Use: custodian.UseExport, Cameras: cams, From: from, To: to, Purpose: "기타: 보험사 사고 확인", Object: "lobby-2-clip.mp4"})
	// Refusals are in the access log, not in the ledger.
	f.door.Deny(f.ctx, custodian.FootageAccess{Actor: "park", Source: "10.0.0.9:1", Use: custodian.UseLive, Cameras: []string{"gate-1"}},
		custodian.Errorf(custodian.EUNAUTHORIZED, "권한 없음", "not allowed"))
	f.denied++

	// A data subject's request, decided and delivered by on-site viewing and a copy.
	q := &custodian.SubjectRequest{Code: "R-TEST-0001", Kind: custodian.RequestView, Name: "홍길동", Contact: "010-0000-0000", From: day0, To: day0.Add(time.Minute),
		Camera: "lobby-1", Purpose: "=분실한 가방 확인", Channel: "portal", Filed: f.clock.Now(), Due: custodian.DateOf(day0).AddDays(10),
		Status: custodian.RequestDecided, Updated: f.clock.Now(), Decision: custodian.DecisionAllow, Decided: f.clock.Now(), DecidedBy: "manager"}
	if err := f.db.CreateRequest(f.ctx, q); err != nil {
		t.Fatal(err)
	}
	f.request = q
	f.open(t, custodian.FootageAccess{Actor: "kim", Use: custodian.UseView, Cameras: []string{"lobby-1"}, From: day0, To: day0.Add(time.Minute),
		Purpose: "열람 청구 " + q.Code, Request: q.ID, Detail: "attendee=kim"})
	f.open(t, custodian.FootageAccess{Actor: "kim", Use: custodian.UseExport, Cameras: []string{"lobby-1"}, From: day0, To: day0.Add(time.Minute),
		Purpose: "열람 청구 " + q.Code, Request: q.ID, Object: "EXP-R1"})

	// A provision to the police, approved and delivered as a copy.
	p := &custodian.Provision{Kind: custodian.ProvisionThirdParty, Agency: "일산경찰서", Department: "형사과", Officer: "박형사", Contact: "031-000-0000",
		LetterNo: "수사-1234", LetterDate: custodian.DateOf(day0), Ground: 7, Purpose: "절도 사건 수사", Cameras: []string{"gate-1"}, From: day0, To: day0.Add(time.Minute),
		Form: custodian.ProvisionCopy, Items: "영상", Restrictions: "수사 목적 외 이용 금지", Pledge: true, Status: custodian.ProvisionRequested,
		Channel: custodian.ProvisionByStaff, FiledBy: "kim", Filed: f.clock.Now(), Updated: f.clock.Now()}
	if err := f.db.CreateProvision(f.ctx, p); err != nil {
		t.Fatal(err)
	}
	o := f.open(t, custodian.FootageAccess{Actor: "kim", Use: custodian.UseExport, Cameras: p.Cameras, From: p.From, To: p.To, Purpose: p.Purpose, Provision: p.ID, Object: "EXP-P1"})
	p.Status, p.DecidedBy, p.DeciderName, p.Decided = custodian.ProvisionDelivered, "manager", "최관리", f.clock.Now()
	p.DeliveredBy, p.Delivered, p.ExportID, p.Opening, p.Updated = "kim", f.clock.Now(), "EXP-P1", o.ID, f.clock.Now()
	if err := f.db.UpdateProvision(f.ctx, p, custodian.ProvisionRequested); err != nil {
		t.Fatal(err)
	}
	f.provision = p

	// Retention: the first day of the 30-day cameras is destroyed by the automatic cycle.
	f.clock.Set(time.Date(2026, 11, 1, 0, 0, 1, 0, custodian.KST))
	policy := func(cam string) (string, custodian.Retention, bool) {
		if cam == "gate-1" {
			return "d60", custodian.Retention{Days: 60}, true
		}
		return "d30", custodian.Retention{Days: 30}, true
	}
	if rep, err := f.v.RunRetention(f.ctx, policy, false); err != nil || len(rep.Destroyed) != 2 {
		t.Fatalf("retention: %+v %v", rep, err)
	}

	// A deletion request: the window is opened for deletion through the door, destroyed by
	// the vault, and the request names the destruction record.
	del := &custodian.SubjectRequest{Code: "R-TEST-0002", Kind: custodian.RequestDeletion, Name: "김삭제", Contact: "010-1111-1111", From: day0.Add(24 * time.Hour),
		To: day0.Add(24*time.Hour + time.Minute), Camera: "lobby-1", Purpose: "제 모습 삭제", Channel: "desk", Filed: f.clock.Now(), Due: custodian.DateOf(day0).AddDays(40),
		Status: custodian.RequestDecided, Updated: f.clock.Now(), Decision: custodian.DecisionAllow, Decided: f.clock.Now(), DecidedBy: "manager"}
	if err := f.db.CreateRequest(f.ctx, del); err != nil {
		t.Fatal(err)
	}
	f.open(t, custodian.FootageAccess{Actor: "manager", Use: custodian.UseDelete, Cameras: []string{"lobby-1"}, From: del.From, To: del.To,
		Purpose: "정보주체 삭제 요구 (청구 R-TEST-0002)", Request: del.ID, Object: "request:" + del.Code})
	d, err := f.v.DeleteWindow(f.ctx, "lobby-1", del.From, del.To, "정보주체 삭제 요구 (청구 R-TEST-0002)", "manager")
	if err != nil {
		t.Fatal(err)
	}
	del.Deletion = &custodian.DeletionOutcome{At: f.clock.Now(), By: "manager", Destructions: []int64{d.ID}}
	del.Status = custodian.RequestClosed
	if err := f.db.UpdateRequest(f.ctx, del, custodian.RequestEvent{Request: del.ID, At: f.clock.Now(), Actor: "manager", Action: "delete"}); err != nil {
		t.Fatal(err)
	}
	f.deletion, f.deleted = del, d
}

// records reads the whole access log by sequence number.
func (f *fixture) records(t *testing.T) map[uint64]auditlog.Event {
	t.Helper()
	out := map[uint64]auditlog.Event{}
	if err := auditlog.Scan(f.ctx, f.ledger.LogDir, auditlog.Filter{}, func(e auditlog.Event) error { out[e.Seq] = e; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// footageActions are the access-log actions that show or give out footage (package
// custodian's uses), listed here independently of the ledger's own list.
var footageActions = map[string]bool{"footage.live": true, "footage.playback": true, "footage.export": true, "footage.view": true,
	"footage.download": true, "footage.delete": true, "footage.provision": true}

func hasCamera(r custodian.LedgerRow, cam string) bool {
	return slices.ContainsFunc(r.Cameras, func(c custodian.LedgerCamera) bool { return c.ID == cam })
}

// TestEveryRowTracesToItsRecordsAndBack: every row's records exist in the access log and
// match its cameras, period and actor; every footage record of the log (result ok) is in
// exactly one row; every destruction record is exactly one row.
func TestEveryRowTracesToItsRecordsAndBack(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	rows, err := f.ledger.Rows(f.ctx, custodian.LedgerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	recs := f.records(t)
	rowOf := map[uint64]int{}
	for i, r := range rows {
		if r.No != i+1 {
			t.Errorf("row %d is numbered %d", i+1, r.No)
		}
		if i > 0 && r.At.Before(rows[i-1].At) {
			t.Errorf("row %d (%s) is before row %d (%s)", r.No, r.At, rows[i-1].No, rows[i-1].At)
		}
		for _, seq := range r.Source.Records {
			e, ok := recs[seq]
			if !ok {
				t.Errorf("row %d names record %d, which is not in the access log", r.No, seq)
				continue
			}
			if prev, dup := rowOf[seq]; dup {
				t.Errorf("record %d is in rows %d and %d", seq, prev, r.No)
			}
			rowOf[seq] = r.No
			if !hasCamera(r, e.Camera) {
				t.Errorf("row %d: record %d's camera %s is not among %+v", r.No, seq, e.Camera, r.Cameras)
			}
			if r.Type == custodian.LedgerDestruction {
				switch e.Action {
				case auditlog.ActionRetentionDestroy: // the key's whole day
					if !e.From.Equal(r.From) || !e.To.Equal(r.To) {
						t.Errorf("destruction row %d: record %d is %+v", r.No, seq, e)
					}
				case auditlog.ActionDelete: // the window asked for, within the segments destroyed
					if !e.From.Before(r.To) || !r.From.Before(e.To) || r.Source.Request == 0 {
						t.Errorf("deletion row %d: record %d is %+v", r.No, seq, e)
					}
				default:
					t.Errorf("destruction row %d: record %d is %+v", r.No, seq, e)
				}
				continue
			}
			if !footageActions[e.Action] || e.Result != auditlog.ResultOK {
				t.Errorf("row %d: record %d is %s/%s, not a footage access", r.No, seq, e.Action, e.Result)
			}
			if e.From.IsZero() && e.Time.Before(r.From) || e.From.Before(r.From) && !e.From.IsZero() || (!r.To.IsZero() && e.To.After(r.To)) {
				t.Errorf("row %d (%s – %s): record %d's period %s – %s is outside it", r.No, r.From, r.To, seq, e.From, e.To)
			}
			if (r.Type == custodian.LedgerUse || r.Source.Request == 0 && r.Source.Provision == 0) && e.Actor != r.Staff {
				t.Errorf("row %d: staff %q, record %d's actor %q", r.No, r.Staff, seq, e.Actor)
			}
		}
	}
	// And back: every footage access in the log has its row.
	n := 0
	for seq, e := range recs {
		if !footageActions[e.Action] {
			continue
		}
		_, in := rowOf[seq]
		if e.Result == auditlog.ResultOK {
			n++
			if !in {
				t.Errorf("record %d (%s %s %s) has no ledger row", seq, e.Action, e.Actor, e.Camera)
			}
		} else if in {
			t.Errorf("record %d (result %s) is in row %d", seq, e.Result, rowOf[seq])
		}
	}
	// The fixture opened 2+2+1(+2 windows)+1 use records, 1+1 for the request, 1 for the
	// provision, 1 for the deletion, and the vault logged the deletion itself.
	if n != 13 {
		t.Errorf("%d footage records in the log, want 13", n)
	}
	// Destruction rows trace to the destruction record, one each.
	dests, err := f.db.Destructions(f.ctx, time.Time{}, time.Time{})
	if err != nil || len(dests) != 3 {
		t.Fatalf("destructions %+v %v", dests, err)
	}
	for _, d := range dests {
		var found []custodian.LedgerRow
		for _, r := range rows {
			if r.Source.Destruction == d.ID {
				found = append(found, r)
			}
		}
		if len(found) != 1 {
			t.Errorf("destruction %d has %d rows", d.ID, len(found))
			continue
		}
		r := found[0]
		staff := "system:retention"
		if d.ID == f.deleted.ID {
			staff = "manager"
			if r.Source.Request != f.deletion.ID {
				t.Errorf("the deletion's destruction row names request %d, want %d", r.Source.Request, f.deletion.ID)
			}
		} else if r.Source.Request != 0 {
			t.Errorf("retention's destruction row names request %d", r.Source.Request)
		}
		if r.Type != custodian.LedgerDestruction || !r.At.Equal(d.At) || !hasCamera(r, d.Camera) || !r.From.Equal(d.From) || !r.To.Equal(d.To) ||
			r.Staff != staff || r.Form == "" || len(r.Source.Records) == 0 {
			t.Errorf("destruction %+v has row %+v", d, r)
		}
	}
	for _, r := range rows {
		if r.Type == custodian.LedgerDestruction && r.Source.Destruction == 0 {
			t.Errorf("destruction row %d names no destruction record", r.No)
		}
	}
}

// find returns the rows that match.
func find(rows []custodian.LedgerRow, ok func(custodian.LedgerRow) bool) []custodian.LedgerRow {
	var out []custodian.LedgerRow
	for _, r := range rows {
		if ok(r) {
			out = append(out, r)
		}
	}
	return out
}

// TestRowsOfEachKind checks what each row says: the grouping of openings, the registry's
// places and bases, retention and destruction dates, the request's and provision's rows.
func TestRowsOfEachKind(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	rows, err := f.ledger.Rows(f.ctx, custodian.LedgerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// 4 uses, 2 requests, 1 provision, 3 destructions.
	count := map[string]int{}
	for _, r := range rows {
		count[r.Type]++
	}
	if want := map[string]int{custodian.LedgerUse: 4, custodian.LedgerRequest: 2, custodian.LedgerProvision: 1, custodian.LedgerDestruction: 3}; !equalCounts(count, want) {
		t.Fatalf("rows by type %v, want %v", count, want)
	}
	// The playback of two cameras.
	pb := find(rows, func(r custodian.LedgerRow) bool {
		return r.Staff == "kim" && r.Type == custodian.LedgerUse && len(r.Cameras) == 2
	})
	if len(pb) != 1 {
		t.Fatalf("playback rows %+v", pb)
	}
	r := pb[0]
	if r.LegalBasis != "「개인정보 보호법」 제25조 제1항 제2호" || r.Cameras[0].SiteName != "본관" || r.Cameras[0].Location != "1층 로비 천정" ||
		r.Cameras[1].Location != "1층 로비" || r.Retention != "30일" || len(r.Source.Records) != 2 || r.Source.Opening == "" {
		t.Errorf("playback row %+v", r)
	}
	// Filmed 2026-10-01 under 30 days: planned 2026-11-01 00:00, destroyed by the run.
	if !r.PlannedDestruction.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, custodian.KST)) || r.Destroyed.IsZero() {
		t.Errorf("playback row's destruction: planned %s, destroyed %s", r.PlannedDestruction, r.Destroyed)
	}
	// Live view: one row for the opening of two cameras, from the opening on.
	live := find(rows, func(r custodian.LedgerRow) bool { return r.Staff == "lee" })
	if len(live) != 1 || len(live[0].Source.Records) != 2 || !live[0].To.IsZero() || !live[0].From.Equal(live[0].At) || live[0].Retention != "60일, 30일" {
		t.Errorf("live rows %+v", live)
	}
	// The console viewing: the opening and its two windows are one row; gate-1 (60 days) is not destroyed.
	view := find(rows, func(r custodian.LedgerRow) bool { return r.File == "view:abcdef012345" })
	if len(view) != 1 || len(view[0].Source.Records) != 3 || !view[0].Destroyed.IsZero() || view[0].Cameras[0].SiteName != "주차장" {
		t.Errorf("viewing rows %+v", view)
	}
	// The request: its row carries the delivery's records, the requester and the decision.
	req := find(rows, func(r custodian.LedgerRow) bool {
		return r.Type == custodian.LedgerRequest && r.Source.Request == f.request.ID
	})
	if len(req) != 1 {
		t.Fatalf("request rows %+v", req)
	}
	r = req[0]
	if r.Source.Request != f.request.ID || r.Party != "홍길동" || len(r.Source.Records) != 2 || r.File != "EXP-R1" || r.Format != "MP4" ||
		r.Staff != "manager" || r.Purpose != "=분실한 가방 확인" || r.LegalBasis != "「개인정보 보호법」 제35조" || r.Decision == "" {
		t.Errorf("request row %+v", r)
	}
	// The provision: recipient, letter, ground, and the export's record.
	prov := find(rows, func(r custodian.LedgerRow) bool { return r.Type == custodian.LedgerProvision })
	if len(prov) != 1 {
		t.Fatalf("provision rows %+v", prov)
	}
	r = prov[0]
	if r.Source.Provision != f.provision.ID || r.Party != "일산경찰서 형사과 박형사 (공문 수사-1234)" || len(r.Source.Records) != 1 || r.File != "EXP-P1" ||
		r.LegalBasis != custodian.ProvisionGroundOf(7).Name("ko") || r.Staff != "kim" || r.Source.Opening != f.provision.Opening {
		t.Errorf("provision row %+v", r)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestFilters(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	all, err := f.ledger.Rows(f.ctx, custodian.LedgerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    custodian.LedgerFilter
		want func(custodian.LedgerRow) bool
	}{
		{"type", custodian.LedgerFilter{Type: custodian.LedgerDestruction}, func(r custodian.LedgerRow) bool { return r.Type == custodian.LedgerDestruction }},
		{"camera", custodian.LedgerFilter{Camera: "gate-1"}, func(r custodian.LedgerRow) bool { return hasCamera(r, "gate-1") }},
		{"staff", custodian.LedgerFilter{Staff: "lee"}, func(r custodian.LedgerRow) bool { return r.Staff == "lee" }},
		{"period", custodian.LedgerFilter{From: day0.Add(time.Hour), To: day0.Add(24 * time.Hour)}, func(r custodian.LedgerRow) bool {
			return !r.At.Before(day0.Add(time.Hour)) && r.At.Before(day0.Add(24*time.Hour))
		}},
	} {
		got, err := f.ledger.Rows(f.ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		want := find(all, c.want)
		if len(got) == 0 || len(got) != len(want) || len(got) == len(all) {
			t.Errorf("%s: %d rows, want %d of %d", c.name, len(got), len(want), len(all))
			continue
		}
		for i := range got {
			if got[i].At != want[i].At || got[i].Type != want[i].Type || got[i].No != i+1 {
				t.Errorf("%s: row %d is %+v, want %+v", c.name, i+1, got[i], want[i])
			}
		}
	}
	for _, bad := range []custodian.LedgerFilter{{Type: "lunch"}, {Camera: "../x"}, {From: day0, To: day0}} {
		if _, err := f.ledger.Rows(f.ctx, bad); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("filter %+v: %v, want invalid", bad, err)
		}
	}
}

// TestCSVRoundTrip writes the ledger as CSV and reads it back, field for field.
func TestCSVRoundTrip(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	rows, err := f.ledger.Rows(f.ctx, custodian.LedgerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ledger.WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xef\xbb\xbf번호,구분,일시")) {
		t.Errorf("the CSV does not start with the BOM and the header: %q", buf.Bytes()[:40])
	}
	// A requester's "=…" is not a formula for a spreadsheet.
	if !bytes.Contains(buf.Bytes(), []byte(",'=분실한 가방 확인,")) {
		t.Error("the purpose starting with = is not quoted for spreadsheets")
	}
	back, err := ledger.ReadCSV(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(rows) {
		t.Fatalf("%d rows back, want %d", len(back), len(rows))
	}
	for i := range rows {
		if !sameRow(rows[i], back[i]) {
			t.Errorf("row %d:\n wrote %+v\n  read %+v", i+1, rows[i], back[i])
		}
	}
	// A damaged file is refused with its line and column.
	bad := bytes.Replace(buf.Bytes(), []byte(",파기,"), []byte(",점심,"), 1)
	if _, err := ledger.ReadCSV(bytes.NewReader(bad)); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("damaged CSV: %v", err)
	}
}

func sameRow(a, b custodian.LedgerRow) bool {
	times := [][2]time.Time{{a.At, b.At}, {a.From, b.From}, {a.To, b.To}, {a.PlannedDestruction, b.PlannedDestruction}, {a.Destroyed, b.Destroyed}}
	for _, t := range times {
		if !t[0].Equal(t[1]) {
			return false
		}
	}
	a.At, a.From, a.To, a.PlannedDestruction, a.Destroyed = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	b.At, b.From, b.To, b.PlannedDestruction, b.Destroyed = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return slices.Equal(a.Cameras, b.Cameras) && slices.Equal(a.Source.Records, b.Source.Records) &&
		a.No == b.No && a.Type == b.Type && a.File == b.File && a.Format == b.Format && a.Staff == b.Staff && a.Purpose == b.Purpose &&
		a.Party == b.Party && a.LegalBasis == b.LegalBasis && a.Form == b.Form && a.Decision == b.Decision && a.Retention == b.Retention &&
		a.Source.Opening == b.Source.Opening && a.Source.Request == b.Source.Request && a.Source.Provision == b.Source.Provision &&
		a.Source.Destruction == b.Source.Destruction
}

// TestUnreadableSource: a source that fails fails the ledger (no partial ledger).
func TestUnreadableSource(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	f.db.Close()
	_, err := f.ledger.Rows(f.ctx, custodian.LedgerFilter{})
	if err == nil {
		t.Fatal("a closed catalog gave a ledger")
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}
