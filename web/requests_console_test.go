package web_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/datadir"
	"custodian/export"
	"custodian/internal/testmedia"
	"custodian/vault"
)

// withCopies makes the console able to give copies (signed exports) with the data
// directory's signing key, and returns it.
func (e *consoleEnv) withCopies() ed25519.PrivateKey {
	e.t.Helper()
	d, err := datadir.Open(filepath.Dir(e.logDir))
	if err != nil {
		e.t.Fatal(err)
	}
	key, err := d.SigningKey()
	if err != nil {
		e.t.Fatal(err)
	}
	e.s.Console.Exports = e.db
	e.s.Console.ExportDir = filepath.Join(e.t.TempDir(), "exports")
	e.s.Console.SigningKey = key
	return key
}

// footageOf imports the test video (79.5 s) as footage of camera from start.
func (e *consoleEnv) footageOf(camera string, start time.Time) {
	e.t.Helper()
	testmedia.Need(e.t, "ffmpeg")
	frag := filepath.Join(e.t.TempDir(), "frag.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", testmedia.Path(e.t, "vtest-h264.mp4"), "-c", "copy", "-movflags", "frag_keyframe+empty_moov+default_base_moof", frag).CombinedOutput(); err != nil {
		e.t.Fatalf("ffmpeg: %v %s", err, out)
	}
	f, err := os.Open(frag)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	if _, err := e.v.ImportStream(context.Background(), f, vault.ImportOptions{Camera: camera, Start: start, Class: "standard", Retention: custodian.Retention{Days: 30}, Target: 20 * time.Second}); err != nil {
		e.t.Fatal(err)
	}
}

type requestView struct {
	Request custodian.SubjectRequest `json:"request"`
	Events  []custodian.RequestEvent `json:"events"`
	Notice  *custodian.RequestNotice `json:"notice"`
	Copy    *struct {
		Export string
		Done   bool
		Error  string
	} `json:"copy"`
	Links []struct {
		URL  string `json:"url"`
		Left int    `json:"uses_left"`
	} `json:"download_links"`
	ViewingURL string `json:"viewing_url"`
}

func (c *client) request(id int64) requestView {
	c.e.t.Helper()
	res, body := c.do("GET", "/api/requests/"+itoa(id), nil)
	if res.StatusCode != 200 {
		c.e.t.Fatalf("GET request %d: %d %s", id, res.StatusCode, body)
	}
	var v requestView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		c.e.t.Fatal(err)
	}
	return v
}

func (c *client) step(id int64, step string, in map[string]any, want int) requestView {
	c.e.t.Helper()
	res, body := c.do("POST", "/api/requests/"+itoa(id)+"/"+step, in)
	if res.StatusCode != want {
		c.e.t.Fatalf("%s: %d, want %d: %s", step, res.StatusCode, want, body)
	}
	var v requestView
	json.Unmarshal([]byte(body), &v)
	return v
}

// TestViewingRequestEndToEnd: a request filed on the portal is held at once, checked,
// decided, delivered as a signed copy downloaded through its link from the status page (a
// limited number of times, each logged), closed, and its hold released on schedule; the
// staff's bad input changes nothing.
func TestViewingRequestEndToEnd(t *testing.T) {
	e := newConsole(t)
	key := e.withCopies()
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, custodian.KST)
	e.footageOf("street-1", start)

	// The portal form (anonymous).
	pub := e.client()
	pub.anonCSRF()
	res, body := pub.do("POST", "/api/public/requests", map[string]any{"kind": "view", "name": "김민수", "contact": "010-1234-5678",
		"from": "2026-11-22T10:00", "to": "2026-11-22T10:01", "camera": "street-1", "purpose": "제 차량 파손 장면 확인", "consent": true})
	if res.StatusCode != 201 {
		t.Fatalf("filing: %d %s", res.StatusCode, body)
	}
	var filed struct{ Code string }
	json.Unmarshal([]byte(body), &filed)
	// The same request again (an overlapping period): refused, without giving the first
	// one's tracking code to whoever knows the name and number.
	res, body = pub.do("POST", "/api/public/requests", map[string]any{"kind": "view", "name": "김민수", "contact": "01012345678",
		"from": "2026-11-22T10:00:30", "to": "2026-11-22T10:02", "camera": "street-1", "purpose": "다시 청구", "consent": true})
	if res.StatusCode != 409 || strings.Contains(body, filed.Code) || !strings.Contains(body, "being handled") {
		t.Fatalf("an overlapping request: %d %s", res.StatusCode, body)
	}

	e.account("chief", custodian.AccountGrant{Role: "chief", All: true})
	e.account("lead", custodian.AccountGrant{Role: "operations_lead", All: true})
	e.account("office", custodian.AccountGrant{Role: "manager", Sites: []string{"office"}})
	chief, lead, office := e.directSession("chief"), e.directSession("lead"), e.directSession("office")
	var list []custodian.SubjectRequest
	_, body = chief.do("GET", "/api/requests?open=1", nil)
	json.Unmarshal([]byte(body), &list)
	if res, body := chief.do("POST", "/api/requests", map[string]any{"kind": "view", "name": "김민수", "contact": "010-1234-5678", "channel": "desk",
		"from": "2026-11-22T09:59", "to": "2026-11-22T10:00:30", "place": "정문", "hold_cameras": []string{"street-1"}, "purpose": "방문 청구", "consent": true}); res.StatusCode != 409 || !strings.Contains(body, filed.Code) {
		t.Errorf("an overlapping request at the desk: %d %s", res.StatusCode, body)
	}
	_, body = chief.do("GET", "/api/requests?open=1", nil)
	json.Unmarshal([]byte(body), &list)
	if len(list) != 1 || list[0].Code != filed.Code {
		t.Fatalf("open requests: %s", body)
	}
	id := list[0].ID
	q := chief.request(id).Request
	if len(q.Preservation.Holds) != 1 || q.Channel != "portal" || q.Due.IsZero() {
		t.Fatalf("the portal's request is not held at once: %+v", q)
	}
	// A manager of another site does not see it; an operations lead may not decide.
	if res, _ := office.do("GET", "/api/requests/"+itoa(id), nil); res.StatusCode != 404 {
		t.Errorf("another site's manager reads the request: %d", res.StatusCode)
	}
	lead.step(id, "decide", map[string]any{"decision": "allow"}, 403)

	// Bad input changes nothing.
	chief.step(id, "decide", map[string]any{"decision": "allow"}, 409) // identity not checked
	chief.step(id, "identify", map[string]any{"method": "by_magic"}, 400)
	chief.step(id, "identify", map[string]any{"method": "in_person", "note": "주민등록증"}, 200)
	chief.step(id, "identify", map[string]any{"method": "in_person"}, 409) // once
	q = chief.request(id).Request
	chief.step(id, "decide", map[string]any{"decision": "refuse"}, 400)
	if _, body := chief.do("POST", "/api/requests/"+itoa(id)+"/decide", map[string]any{"decision": "refuse", "grounds": []string{"third_parties"}}); !strings.Contains(body, "not a ground") {
		t.Errorf("third parties as a ground: %s", body)
	}
	chief.step(id, "copy", map[string]any{}, 409) // not decided
	chief.step(id, "nosuchstep", map[string]any{}, 404)
	if v := chief.request(id); v.Request.Decision != "" || v.Request.Version != q.Version {
		t.Fatalf("refused steps changed the request: %+v", v.Request)
	}

	v := chief.step(id, "decide", map[string]any{"decision": "allow", "note": "다른 사람은 가려서 제공합니다"}, 200)
	if v.Request.Decision != "allow" || v.Notice == nil || v.Notice.Type != custodian.NoticeDecision {
		t.Fatalf("after deciding: %+v", v)
	}
	chief.step(id, "copy", map[string]any{"fee": "1000"}, 202)
	deadline := time.Now().Add(60 * time.Second)
	// Done once the delivery is recorded too (the job ends after it).
	for v = chief.request(id); v.Copy == nil || !v.Copy.Done || v.Copy.Error == "" && v.Request.Delivery == nil; v = chief.request(id) {
		if time.Now().After(deadline) {
			t.Fatal("the copy was not made")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v.Copy.Error != "" || len(v.Links) != 1 || v.Request.Delivery == nil || v.Request.Delivery.Export == "" || v.Request.Fee != 1000 {
		t.Fatalf("after the copy: %+v", v)
	}
	chief.step(id, "copy", map[string]any{}, 409) // once

	// The requester's status page gives the link; the package verifies; three downloads.
	res, page := pub.do("GET", "/request/"+filed.Code, nil)
	if res.StatusCode != 200 || !strings.Contains(page, v.Links[0].URL) || !strings.Contains(page, "결정 통지서") || strings.Contains(page, "김민수") {
		t.Fatalf("status page: %d, link shown %v", res.StatusCode, strings.Contains(page, v.Links[0].URL))
	}
	for i := 0; i < 3; i++ {
		res, err := http.Get(e.ts.URL + v.Links[0].URL)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 || len(body) < 1000 {
			t.Fatalf("download %d: %d (%d bytes) %v", i, res.StatusCode, len(body), err)
		}
		if i == 0 {
			zip := filepath.Join(t.TempDir(), "copy.zip")
			os.WriteFile(zip, body, 0o600)
			if rep, err := export.VerifyExportKey(zip, key.Public().(ed25519.PublicKey)); err != nil || !rep.OK() {
				t.Fatalf("the copy does not verify: %+v %v", rep, err)
			}
		}
	}
	if res, _ := pub.do("GET", v.Links[0].URL, nil); res.StatusCode != 404 {
		t.Errorf("a fourth download: %d", res.StatusCode)
	}
	if res, _ := pub.do("GET", "/d/"+strings.Repeat("A", 43), nil); res.StatusCode != 404 {
		t.Errorf("a forged link: %d", res.StatusCode)
	}
	if res, body := pub.do("GET", "/request/"+filed.Code+"/notice.pdf", nil); res.StatusCode != 200 || !strings.HasPrefix(body, "%PDF") {
		t.Errorf("notice PDF: %d", res.StatusCode)
	}

	chief.step(id, "close", map[string]any{}, 200)
	q = chief.request(id).Request
	if q.Status != custodian.RequestClosed || q.Preservation.Release.IsZero() {
		t.Fatalf("closed: %+v", q)
	}
	// The access log has the filing, the hold, the decision, the export and each download,
	// tied to the request.
	counts := map[string]int{}
	scanLog(t, e, func(ev auditlog.Event) {
		if strings.Contains(ev.Detail, fmt.Sprintf("request=%d", id)) || ev.Object == fmt.Sprintf("request:%d", id) {
			counts[ev.Action]++
		}
	})
	for action, n := range map[string]int{"request.file": 1, "request.hold": 1, "request.decide": 1, "footage.export": 1, "request.close": 1} {
		if counts[action] < n {
			t.Errorf("access log: %d × %s for the request, want %d (%v)", counts[action], action, n, counts)
		}
	}
	downloads := 0
	scanLog(t, e, func(ev auditlog.Event) {
		if ev.Action == "footage.download" && ev.Result == "ok" {
			downloads++
		}
	})
	if downloads != 3 {
		t.Errorf("%d downloads logged, want 3", downloads)
	}

	// The ledger has the request's row, derived from the request and the access log: its
	// records are the request's export and downloads, each in the log.
	res, body = chief.do("GET", "/api/ledger?type=request", nil)
	var ledger struct{ Rows []custodian.LedgerRow }
	json.Unmarshal([]byte(body), &ledger)
	var row *custodian.LedgerRow
	for i := range ledger.Rows {
		if ledger.Rows[i].Source.Request == id {
			row = &ledger.Rows[i]
		}
	}
	if res.StatusCode != 200 || row == nil || row.Party != "김민수" || len(row.Source.Records) == 0 {
		t.Fatalf("ledger: %d, the request's row %+v\n%s", res.StatusCode, row, body)
	}
	bySeq := map[uint64]auditlog.Event{}
	scanLog(t, e, func(ev auditlog.Event) { bySeq[ev.Seq] = ev })
	kinds := map[string]int{}
	for _, seq := range row.Source.Records {
		ev, ok := bySeq[seq]
		if !ok || !strings.Contains(ev.Detail, fmt.Sprintf("request=%d", id)) {
			t.Errorf("ledger row record %d: %+v (in the log: %v)", seq, ev, ok)
		}
		kinds[ev.Action]++
	}
	if kinds["footage.export"] != 1 || kinds["footage.download"] != 3 {
		t.Errorf("the request's ledger row traces to %v, want its export and 3 downloads", kinds)
	}
}

// TestExistenceAndDeletionRequests: an existence request is answered from the catalog; a
// deletion request at an organisation that does not delete selectively (seed 002) is
// answered with the reason, and deleting is refused.
func TestExistenceAndDeletionRequests(t *testing.T) {
	e := newConsole(t)
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, custodian.KST)
	e.footageOf("street-1", start)
	e.account("chief", custodian.AccountGrant{Role: "chief", All: true})
	chief := e.directSession("chief")
	file := func(kind string) int64 {
		t.Helper()
		res, body := chief.do("POST", "/api/requests", map[string]any{"kind": kind, "name": "이영희", "contact": "lee@example.kr", "channel": "mail",
			"from": "2026-11-22T09:59", "to": "2026-11-22T10:05", "place": "정문 앞", "hold_cameras": []string{"street-1"}, "purpose": "제가 찍혔는지 확인", "consent": true,
			"received": "2026-11-24T09:00"})
		if res.StatusCode != 201 {
			t.Fatalf("desk filing: %d %s", res.StatusCode, body)
		}
		var v requestView
		json.Unmarshal([]byte(body), &v)
		if v.Request.Channel != "mail" || len(v.Request.Preservation.Holds) != 1 || !v.Request.Filed.Equal(time.Date(2026, 11, 24, 9, 0, 0, 0, custodian.KST)) {
			t.Fatalf("desk request: %+v", v.Request)
		}
		return v.Request.ID
	}
	ex := file("existence")
	chief.step(ex, "identify", map[string]any{"method": "documents"}, 200)
	chief.step(ex, "decide", map[string]any{"decision": "allow"}, 200)
	v := chief.step(ex, "existence", map[string]any{}, 200)
	if a := v.Request.Existence; a == nil || len(a.Spans) != 1 || a.Spans[0].Camera != "street-1" {
		t.Fatalf("existence answer: %+v", v.Request.Existence)
	}
	chief.step(ex, "close", map[string]any{}, 200)

	del := file("deletion")
	chief.step(del, "identify", map[string]any{"method": "in_person"}, 200)
	chief.step(del, "decide", map[string]any{"decision": "allow"}, 200)
	chief.step(del, "delete", map[string]any{"confirm": "wrong"}, 400)
	q := chief.request(del).Request
	chief.step(del, "delete", map[string]any{"confirm": q.Code}, 409) // no selective deletion here
	v = chief.step(del, "explain", map[string]any{}, 200)
	if v.Request.Deletion == nil || v.Request.Deletion.NotDeleted == "" {
		t.Fatalf("deletion outcome: %+v", v.Request.Deletion)
	}
	// The footage is still there.
	if segs, err := e.v.Find(context.Background(), "street-1", start, start.Add(time.Minute)); err != nil || len(segs) == 0 {
		t.Fatalf("footage after a refused deletion: %v %v", segs, err)
	}
	// The console pages render.
	for _, p := range []string{"/console/requests", "/console/requests/new", "/console/requests/" + itoa(del), "/console/requests/" + itoa(ex) + "/notice.pdf"} {
		if res, body := chief.do("GET", p, nil); res.StatusCode != 200 {
			t.Errorf("%s: %d %s", p, res.StatusCode, body[:min(len(body), 300)])
		}
	}
}

// TestRegistryReadAfterChange: the console keeps the registry it read (registry_cache.go)
// only while the stored revision is the same: a registry saved by another process (custodian
// import beside serve) is what the next request sees.
func TestRegistryReadAfterChange(t *testing.T) {
	e := newConsole(t)
	e.noTOTPAccount("aud", custodian.AccountGrant{Role: "auditor", All: true})
	c := e.client()
	c.loginNoTOTP("aud")
	get := func() (int64, string) {
		t.Helper()
		res, body := c.do("GET", "/api/registry", nil)
		var out struct {
			Revision struct{ Revision int64 }
			Registry custodian.Registry
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil || res.StatusCode != 200 {
			t.Fatalf("registry: %d %v", res.StatusCode, err)
		}
		return out.Revision.Revision, out.Registry.Organisation.Name
	}
	rev, name := get()
	get() // from the cache
	reg, _, err := e.db.Registry(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	reg.Organisation.Name = name + " (개편)"
	if _, err := e.db.SaveRegistry(context.Background(), reg, "import"); err != nil {
		t.Fatal(err)
	}
	if rev2, name2 := get(); rev2 != rev+1 || name2 != name+" (개편)" {
		t.Fatalf("after another process saved revision %d: revision %d, name %q", rev+1, rev2, name2)
	}
}
