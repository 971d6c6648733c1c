package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/auth"
	"custodian/internal/testmedia"
	"custodian/vault"
	"custodian/web"
)

// TestLoginFormsAndThrottling logs in through the pages (password, then OTP), checks that
// a used code is refused, and that failed logins are throttled, not locked: every failure
// gets the same answer, and an unlock lets the account in at once.
func TestLoginFormsAndThrottling(t *testing.T) {
	e := newConsole(t)
	e.account("kim", custodian.AccountGrant{Role: "access_holder", Cameras: []string{"street-1"}})
	c := e.client()
	c.anonCSRF()
	res, body := c.form("/login", url.Values{"username": {"KIM"}, "password": {testPassword}, "next": {"/console/cameras"}})
	if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/login/totp") {
		t.Fatalf("password step: %d %s %s", res.StatusCode, res.Header.Get("Location"), body)
	}
	// Before the OTP, the console is closed.
	if res, _ := c.do("GET", "/console", nil); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/login/totp") {
		t.Fatalf("console before OTP: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := c.do("GET", "/api/cameras", nil); res.StatusCode != 401 {
		t.Fatalf("API before OTP: %d", res.StatusCode)
	}
	// The session's CSRF token is in its forms.
	_, page := c.do("GET", "/login/totp", nil)
	c.csrf = between(page, `name="csrf" value="`, `"`)
	code := e.totp("kim")
	if res, body := c.form("/login/totp", url.Values{"code": {"000000"}, "next": {"/console/cameras"}}); res.StatusCode != 400 || !strings.Contains(body, "OTP") {
		t.Fatalf("wrong code: %d %s", res.StatusCode, body)
	}
	res, _ = c.form("/login/totp", url.Values{"code": {code}, "next": {"/console/cameras"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/console/cameras" {
		t.Fatalf("OTP step: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body := c.do("GET", "/console/cameras", nil); res.StatusCode != 200 || !strings.Contains(body, "street-1") || strings.Contains(body, "lobby-1") {
		t.Fatalf("cameras page: %d (street-1 in scope, lobby-1 not)\n%s", res.StatusCode, body)
	}
	// The same code again, on a new login, is refused (replay).
	c2 := e.client()
	c2.anonCSRF()
	c2.form("/login", url.Values{"username": {"kim"}, "password": {testPassword}})
	_, page = c2.do("GET", "/login/totp", nil)
	c2.csrf = between(page, `name="csrf" value="`, `"`)
	if res, body := c2.form("/login/totp", url.Values{"code": {code}}); res.StatusCode != 400 || !strings.Contains(body, "이미 쓰였") {
		t.Fatalf("replayed code: %d %s", res.StatusCode, body)
	}
	// An open redirect is not followed.
	c3 := e.client()
	c3.anonCSRF()
	res, _ = c3.form("/login", url.Values{"username": {"nobody"}, "password": {"x"}, "next": {"//evil.example/"}})
	if res.StatusCode != 400 {
		t.Fatalf("unknown user: %d", res.StatusCode)
	}
	// Every failure gets the same answer: an unknown account, a wrong password, a disabled
	// account, and (below) a throttled one.
	e.account("lee", custodian.AccountGrant{Role: "auditor", All: true})
	e.account("gone", custodian.AccountGrant{Role: "auditor", All: true})
	gone, _ := e.db.AccountByUsername(context.Background(), "gone")
	e.m.Disable(context.Background(), gone, "퇴직", "test", "test")
	answer := func(username, password string) (int, string) {
		cl := e.client()
		cl.anonCSRF()
		res, body := cl.form("/login", url.Values{"username": {username}, "password": {password}})
		return res.StatusCode, between(body, `<p class="error" role="alert">`, `</p>`)
	}
	st0, msg0 := answer("nobody-here", "wrong-password-1")
	if st0 != 400 || msg0 == "" {
		t.Fatalf("unknown account: %d %q", st0, msg0)
	}
	for name, try := range map[string][2]string{"wrong password": {"lee", "wrong-password-1"}, "disabled": {"gone", testPassword}} {
		if st, msg := answer(try[0], try[1]); st != st0 || msg != msg0 {
			t.Errorf("%s: %d %q, want the same answer as an unknown account: %d %q", name, st, msg, st0, msg0)
		}
	}
	// Wrong passwords from one address: after a few, even the right one waits — with the
	// same answer — and an unlock (users unlock) lets the account in at once.
	for i := 0; i < 10; i++ { // the wait is then minutes (accounts.PairFree, backoff)
		answer("lee", "wrong-password-1")
	}
	if st, msg := answer("lee", testPassword); st != st0 || msg != msg0 {
		t.Fatalf("the right password while throttled: %d %q, want the same answer as any failure: %d %q", st, msg, st0, msg0)
	}
	lee, _ := e.db.AccountByUsername(context.Background(), "lee")
	if n, err := e.m.Unlock(context.Background(), lee, "root", "test"); err != nil || n == 0 {
		t.Fatalf("unlock: %d %v", n, err)
	}
	if res, body := c3.form("/login", url.Values{"username": {"lee"}, "password": {testPassword}}); res.StatusCode != 303 {
		t.Fatalf("after unlock: %d %s", res.StatusCode, body)
	}
	failed, unlocked := 0, 0
	scanLog(t, e, func(ev accessEvent) {
		if ev.Action == "account.login_failed" && ev.Object == "lee" {
			failed++
		}
		if ev.Action == "account.unlock" && ev.Object == "lee" && ev.Actor == "root" {
			unlocked++
		}
	})
	if failed != 12 || unlocked != 1 {
		t.Errorf("the access log has %d failed logins of lee (want 12) and %d unlocks (want 1)", failed, unlocked)
	}
	// A request without the CSRF token changes nothing.
	if res, _ := c.do("POST", "/console/users", url.Values{"username": {"x"}}); res.StatusCode != 403 {
		t.Errorf("POST without CSRF: %d", res.StatusCode)
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// TestDisableEndsSessionAtOnce: an admin disables a person (retirement) while their
// session is open; the very next request is refused, and the access log says so.
func TestDisableEndsSessionAtOnce(t *testing.T) {
	e := newConsole(t)
	e.account("park", custodian.AccountGrant{Role: "chief", All: true})
	e.account("root", custodian.AccountGrant{Role: "admin", All: true})
	p := e.directSession("park")
	if res, _ := p.do("GET", "/api/me", nil); res.StatusCode != 200 {
		t.Fatalf("me: %d", res.StatusCode)
	}
	admin := e.directSession("root")
	park, _ := e.db.AccountByUsername(context.Background(), "park")
	res, body := admin.do("POST", "/api/users/"+itoa(park.ID)+"/disable", map[string]string{"reason": "퇴직"})
	if res.StatusCode != 200 || !strings.Contains(body, `"sessions_ended": 1`) {
		t.Fatalf("disable: %d %s", res.StatusCode, body)
	}
	if res, _ := p.do("GET", "/api/me", nil); res.StatusCode != 401 {
		t.Fatalf("disabled account's session: %d", res.StatusCode)
	}
	// Bad input to the same operation changes nothing.
	if res, body := admin.do("POST", "/api/users/"+itoa(park.ID)+"/enable", nil); res.StatusCode != 200 {
		t.Fatalf("enable: %d %s", res.StatusCode, body)
	}
	for _, b := range []any{map[string]string{"reason": ""}, "not json", map[string]any{"reason": 5}, map[string]string{"reason": "x", "extra": "y"}} {
		res, body := admin.do("POST", "/api/users/"+itoa(park.ID)+"/disable", b)
		if res.StatusCode != 400 || !strings.Contains(body, `"message"`) {
			t.Errorf("disable with %v: %d %s", b, res.StatusCode, body)
		}
		if a, _ := e.db.AccountByUsername(context.Background(), "park"); !a.Active() {
			t.Errorf("disable with %v disabled the account", b)
		}
	}
	found := false
	scanLog(t, e, func(ev accessEvent) {
		if ev.Action == "account.disable" && ev.Actor == "root" && ev.Object == "park" && strings.Contains(ev.Detail, "1 sessions ended") {
			found = true
		}
	})
	if !found {
		t.Error("the disabling is not in the access log")
	}
	// A person removed from the registry: their linked accounts are disabled at once.
	e.db.CreateAccount(context.Background(), &custodian.Account{Username: "hong", Name: "홍길동", Person: "hong-gildong", PasswordHash: "x", Created: time.Now()})
	reg, _, _ := e.db.Registry(context.Background())
	var kept []custodian.Person
	for _, pp := range reg.People {
		if pp.ID != "hong-gildong" {
			kept = append(kept, pp)
		}
	}
	reg.People = kept
	chief := e.directSession("root") // admin cannot edit the registry: give the chief role
	_ = chief
	e.account("boss", custodian.AccountGrant{Role: "chief", All: true})
	boss := e.directSession("boss")
	y, err := yamlOf(reg)
	if err != nil {
		t.Fatal(err)
	}
	res, body = boss.do("PUT", "/api/registry", y)
	if res.StatusCode != 200 {
		t.Fatalf("PUT registry: %d %s", res.StatusCode, body)
	}
	if a, _ := e.db.AccountByUsername(context.Background(), "hong"); a.Active() {
		t.Error("the account of a person removed from the registry is still active")
	}
}

// TestPlaybackNeedsPurposeAndIsLogged: footage opens only with a purpose; the opening is in
// the access log with viewer, camera, period and purpose; the media plays as MP4.
func TestPlaybackNeedsPurposeAndIsLogged(t *testing.T) {
	testmedia.Need(t, "ffprobe", "ffmpeg")
	e := newConsole(t)
	ctx := context.Background()
	frag := filepath.Join(t.TempDir(), "frag.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", testmedia.Path(t, "vtest-h264.mp4"), "-c", "copy", "-movflags", "frag_keyframe+empty_moov+default_base_moof", frag).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	f, err := os.Open(frag)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, custodian.KST)
	if _, err := e.v.ImportStream(ctx, f, vault.ImportOptions{Camera: "street-1", Start: start, Class: "standard", Retention: custodian.Retention{Days: 30}, Target: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.account("op", custodian.AccountGrant{Role: "access_holder", Sites: []string{"streets"}})
	c := e.directSession("op")
	// The timeline shows the footage and the gaps of the day.
	res, body := c.do("GET", "/api/cameras/street-1/timeline?day=2026-11-22", nil)
	var tl struct {
		Footage []struct{ From, To time.Time }
		Gaps    []struct{ From, To time.Time }
	}
	json.Unmarshal([]byte(body), &tl)
	if res.StatusCode != 200 || len(tl.Footage) != 1 || !tl.Footage[0].From.Equal(start) || len(tl.Gaps) != 2 {
		t.Fatalf("timeline: %d %+v\n%s", res.StatusCode, tl, body)
	}
	if res, body := c.do("GET", "/console/playback/street-1?day=2026-11-22", nil); res.StatusCode != 200 || !strings.Contains(body, `class="tl-rec"`) {
		t.Fatalf("playback page: %d", res.StatusCode)
	}
	// No purpose, an unknown one, "other" without text: refused, nothing logged.
	for _, in := range []map[string]string{{"day": "2026-11-22"}, {"day": "2026-11-22", "purpose": "nosuch"}, {"day": "2026-11-22", "purpose": "other"},
		{"day": "2026-13-01", "purpose": "crime"}, {"day": "2026-11-22", "at": "25:00", "purpose": "crime"}} {
		if res, body := c.do("POST", "/api/cameras/street-1/playback", in); res.StatusCode != 400 {
			t.Errorf("open with %v: %d %s", in, res.StatusCode, body)
		}
	}
	countViews := func() (n int, last accessEvent) {
		scanLog(t, e, func(ev accessEvent) {
			if ev.Action == "footage.playback" && ev.Result == "ok" {
				n++
				last = ev
			}
		})
		return
	}
	if n, _ := countViews(); n != 0 {
		t.Fatalf("%d openings logged before any succeeded", n)
	}
	res, body = c.do("POST", "/api/cameras/street-1/playback", map[string]string{"day": "2026-11-22", "at": "10:00:30", "purpose": "crime", "purpose_text": "분실물 확인"})
	if res.StatusCode != 201 {
		t.Fatalf("open: %d %s", res.StatusCode, body)
	}
	var open struct {
		MediaURL string `json:"media_url"`
	}
	json.Unmarshal([]byte(body), &open)
	n, ev := countViews()
	if n != 1 || ev.Actor != "op" || ev.Camera != "street-1" || !strings.Contains(ev.Purpose, "분실물 확인") || ev.From.IsZero() {
		t.Fatalf("the opening in the access log: %d %+v", n, ev)
	}
	res, mp4 := c.do("GET", open.MediaURL, nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "video/mp4" || len(mp4) < 100000 {
		t.Fatalf("media: %d %s %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(mp4))
	}
	p := filepath.Join(t.TempDir(), "clip.mp4")
	os.WriteFile(p, []byte(mp4), 0o600)
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", p).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) == "0" {
		t.Fatalf("ffprobe: %v %s", err, out)
	}
	// Each window served is logged as what it is: this camera, that window, the purpose.
	n, ev = countViews()
	if n != 2 || ev.Object == "" || !ev.From.Equal(time.Date(2026, 11, 22, 10, 0, 30, 0, custodian.KST)) || !ev.To.Equal(ev.From.Add(web.PlaybackWindow)) || !strings.Contains(ev.Purpose, "분실물 확인") {
		t.Fatalf("the window served, in the access log: %d %+v", n, ev)
	}
	// Only the window asked for is served: twenty seconds from 10:00:30 is a short clip
	// (from the keyframe at or before its start), not the day.
	short := open.MediaURL + "&to=" + url.QueryEscape(time.Date(2026, 11, 22, 10, 0, 50, 0, custodian.KST).Format(time.RFC3339))
	size := func(u string) (int64, *http.Response) {
		res, err := c.hc.Get(e.ts.URL + u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		n, _ := io.Copy(io.Discard, res.Body)
		return n, res
	}
	shortN, res := size(short)
	if res.StatusCode != 200 || res.Header.Get("Content-Disposition") != "inline" {
		t.Fatalf("a 20-second window: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	if n, ev := countViews(); n != 3 || ev.To.Sub(ev.From).Round(time.Second) != 20*time.Second {
		t.Errorf("the 20-second window in the access log: %d %+v", n, ev)
	}
	// The footage runs to 10:01:19.5: the full window from 10:00:30 holds about 49 s, this
	// one about 20 (from the keyframe at or before 10:00:30).
	fullN, _ := size(open.MediaURL)
	if shortN > fullN*6/10 {
		t.Errorf("a 20-second window is %d bytes, the window to the end of the footage %d: more than the window was served", shortN, fullN)
	}
	if res, _ := c.do("GET", open.MediaURL+"&to=2026-11-22T00:00:00Z", nil); res.StatusCode != 400 {
		t.Errorf("to before from: %d", res.StatusCode)
	}
	// Another session cannot use the ticket; outside the opened day is refused.
	other := e.directSession("op")
	if res, _ := other.do("GET", open.MediaURL, nil); res.StatusCode != 404 {
		t.Errorf("another session's ticket: %d", res.StatusCode)
	}
	u := strings.SplitN(open.MediaURL, "?", 2)[0] + "?from=2026-11-20T00:00:00Z"
	if res, _ := c.do("GET", u, nil); res.StatusCode != 400 {
		t.Errorf("outside the opening: %d", res.StatusCode)
	}
	// An auditor reads the log but sees no footage.
	e.account("aud", custodian.AccountGrant{Role: "auditor", All: true})
	a := e.directSession("aud")
	if res, body := a.do("GET", "/api/accesslog?action=footage.playback", nil); res.StatusCode != 200 || !strings.Contains(body, "분실물 확인") {
		t.Errorf("auditor reading the log: %d %s", res.StatusCode, body)
	}
	if res, _ := a.do("GET", "/console/accesslog?action=footage.", nil); res.StatusCode != 200 {
		t.Errorf("access log page: %d", res.StatusCode)
	}
	if res, _ := a.do("GET", open.MediaURL, nil); res.StatusCode != 403 {
		t.Errorf("auditor fetching media: %d", res.StatusCode)
	}
}

// TestPublicRequestForm files a request through the portal form and the API, with every
// field's bad input reported and nothing stored.
func TestPublicRequestForm(t *testing.T) {
	e := newConsole(t)
	c := e.client()
	c.anonCSRF()
	good := url.Values{"kind": {"view"}, "name": {"김민수"}, "contact": {"010-1234-5678"}, "from": {"2026-11-20T09:00"}, "to": {"2026-11-20T10:00"},
		"place": {"예시로 1 교차로"}, "purpose": {"분실물 확인"}, "consent": {"1"}}
	bad := []struct{ field, value string }{
		{"kind", "copy"}, {"name", ""}, {"contact", "call me"}, {"from", "yesterday"}, {"to", "2026-11-20T08:00"}, {"camera", "nosuch"},
		{"purpose", ""}, {"consent", ""}, {"relationship", "부모"}, {"name", strings.Repeat("가", 51)},
	}
	for _, b := range bad {
		v := url.Values{}
		for k, x := range good {
			v[k] = x
		}
		v.Set(b.field, b.value)
		res, body := c.form("/request", v)
		if res.StatusCode != 400 || !strings.Contains(body, `id="e-`) || !strings.Contains(body, `aria-invalid="true"`) && b.field != "kind" {
			t.Errorf("%s=%q: %d\n%.400s", b.field, b.value, res.StatusCode, body)
		}
	}
	if rs, _ := e.db.Requests(context.Background(), false); len(rs) != 0 {
		t.Fatalf("%d requests stored from bad input", len(rs))
	}
	res, _ := c.form("/request", good)
	loc := res.Header.Get("Location")
	if res.StatusCode != 303 || !strings.HasPrefix(loc, "/request/") {
		t.Fatalf("filing: %d %s", res.StatusCode, loc)
	}
	res, body := c.do("GET", loc, nil)
	if res.StatusCode != 200 || !strings.Contains(body, "접수되었습니다") || !strings.Contains(body, "김**") || strings.Contains(body, "010-1234") {
		t.Fatalf("status page: %d\n%s", res.StatusCode, body)
	}
	code := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/request/")
	q, err := e.db.RequestByCode(context.Background(), code)
	if err != nil || q.Due != custodian.DateOf(time.Now()).AddDays(10) || q.Status != "received" || q.Channel != "portal" {
		t.Fatalf("stored: %+v %v", q, err)
	}
	// The API: the same rules, JSON errors per field.
	res, body = c.do("POST", "/api/public/requests", map[string]any{"kind": "deletion", "name": "이", "contact": "x", "from": "2026-11-20T09:00", "to": "2026-11-20T10:00", "place": "정문", "purpose": "삭제 원함"})
	if res.StatusCode != 400 || !strings.Contains(body, `"field": "contact"`) || !strings.Contains(body, `"field": "consent"`) {
		t.Fatalf("API bad input: %d %s", res.StatusCode, body)
	}
	res, body = c.do("POST", "/api/public/requests", map[string]any{"kind": "existence", "name": "이영희", "contact": "lee@example.com", "from": "2026-11-20T09:00:00+09:00",
		"to": "2026-11-20T10:00:00+09:00", "camera": "street-1", "purpose": "존재 확인", "on_behalf": true, "relationship": "모", "consent": true})
	if res.StatusCode != 201 {
		t.Fatalf("API filing: %d %s", res.StatusCode, body)
	}
	var out struct{ Code string }
	json.Unmarshal([]byte(body), &out)
	if res, body := c.do("GET", "/api/public/requests/"+out.Code, nil); res.StatusCode != 200 || !strings.Contains(body, `"status": "received"`) {
		t.Fatalf("API status: %d %s", res.StatusCode, body)
	}
	for _, p := range []string{"/request/AAAA-BBBB-CCCC", "/api/public/requests/AAAA-BBBB-CCCC"} {
		if res, _ := c.do("GET", p, nil); res.StatusCode != 404 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
	if res, _ := c.do("GET", "/request/not-a-code", nil); res.StatusCode != 400 {
		t.Errorf("malformed code: %d", res.StatusCode)
	}
	// Staff in scope see the requests; the request naming street-1 is not seen by a holder
	// of lobby-1 only.
	e.account("lead", custodian.AccountGrant{Role: "operations_lead", Sites: []string{"office"}})
	l := e.directSession("lead")
	res, body = l.do("GET", "/api/requests", nil)
	if res.StatusCode != 200 || strings.Contains(body, out.Code) || !strings.Contains(body, code) {
		t.Errorf("requests in the office lead's scope: %d %s", res.StatusCode, body)
	}
}

// TestRateLimits: the public form and logins are limited per address.
func TestRateLimits(t *testing.T) {
	e := newConsole(t)
	e.s.SetRateLimits(3, 2, 1000)
	c := e.client()
	c.anonCSRF()
	var last int
	for i := 0; i < 4; i++ {
		res, _ := c.form("/login", url.Values{"username": {"x"}, "password": {"y"}})
		last = res.StatusCode
	}
	if last != 429 {
		t.Errorf("4th login in a minute: %d, want 429", last)
	}
	for i := 0; i < 3; i++ {
		res, _ := c.form("/request", url.Values{"kind": {"view"}})
		last = res.StatusCode
	}
	if last != 429 {
		t.Errorf("3rd filing: %d, want 429", last)
	}
}

// TestOpenAPI: every API route is described; exactly the public ones carry the tag
// "public"; the others name their action.
func TestOpenAPI(t *testing.T) {
	e := newConsole(t)
	res, body := e.client().do("GET", "/api/openapi.json", nil)
	if res.StatusCode != 200 {
		t.Fatal(res.StatusCode)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI document: %v", err)
	}
	n := 0
	for _, rt := range e.s.Routes() {
		if !rt.API {
			if strings.HasPrefix(rt.Pattern, "/api/") {
				t.Errorf("%s %s is under /api/ but not in the API table", rt.Method, rt.Pattern)
			}
			continue
		}
		n++
		op := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]
		if op == nil {
			t.Errorf("%s %s is not in the document", rt.Method, rt.Pattern)
			continue
		}
		tags, _ := json.Marshal(op["tags"])
		if public := strings.Contains(string(tags), `"public"`); public != rt.Public {
			t.Errorf("%s %s: tagged public=%v, route public=%v", rt.Method, rt.Pattern, public, rt.Public)
		}
		if rt.Action != "" && op["x-custodian-action"] != string(rt.Action) {
			t.Errorf("%s %s: action %v, want %s", rt.Method, rt.Pattern, op["x-custodian-action"], rt.Action)
		}
	}
	if n < 30 {
		t.Errorf("only %d API operations", n)
	}
	_ = auth.Actions
}

// TestDeputyActsForPrimary: a deputy assigned to a chief can open the registry editor
// only while assigned.
func TestDeputyActsForPrimary(t *testing.T) {
	e := newConsole(t)
	e.account("chief1", custodian.AccountGrant{Role: "chief", All: true})
	e.account("dep", custodian.AccountGrant{Role: "access_holder", Cameras: []string{"street-1"}})
	e.account("root", custodian.AccountGrant{Role: "admin", All: true})
	d := e.directSession("dep")
	admin := e.directSession("root")
	if res, _ := d.do("GET", "/console/policy", nil); res.StatusCode != 403 {
		t.Fatalf("before: %d", res.StatusCode)
	}
	res, body := admin.do("POST", "/api/deputies", map[string]string{"deputy": "dep", "primary": "chief1", "reason": "출장"})
	if res.StatusCode != 201 {
		t.Fatalf("assign: %d %s", res.StatusCode, body)
	}
	if res, _ := d.do("GET", "/console/policy", nil); res.StatusCode != 200 {
		t.Fatalf("while deputy: %d", res.StatusCode)
	}
	var dep struct{ ID int64 }
	json.Unmarshal([]byte(body), &dep)
	if res, body := admin.do("POST", "/api/deputies/"+itoa(dep.ID)+"/end", nil); res.StatusCode != 200 {
		t.Fatalf("end: %d %s", res.StatusCode, body)
	}
	if res, _ := d.do("GET", "/console/policy", nil); res.StatusCode != 403 {
		t.Fatalf("after: %d", res.StatusCode)
	}
	for _, b := range []map[string]string{{"deputy": "dep", "primary": "dep"}, {"deputy": "nobody", "primary": "chief1"}, {"deputy": "dep", "primary": "chief1", "until": "2020-01-01"}} {
		if res, body := admin.do("POST", "/api/deputies", b); res.StatusCode != 400 && res.StatusCode != 404 {
			t.Errorf("assign %v: %d %s", b, res.StatusCode, body)
		}
	}
}
