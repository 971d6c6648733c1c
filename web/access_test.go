package web_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/accounts"
	"custodian/auth"
	"custodian/web"
)

// noTOTPAccount creates an account without a second factor (only roles that see no footage
// may log in so).
func (e *consoleEnv) noTOTPAccount(username string, g custodian.AccountGrant) *custodian.Account {
	e.t.Helper()
	a, _, err := e.m.Create(context.Background(), accounts.NewAccount{Username: username, Name: "이름 " + username, Password: testPassword,
		Grants: []custodian.AccountGrant{g}}, "test", "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// loginNoTOTP logs in through the API with a password only.
func (c *client) loginNoTOTP(username string) {
	c.e.t.Helper()
	res, body := c.do("POST", "/api/session", map[string]string{"username": username, "password": testPassword})
	if res.StatusCode != 200 {
		c.e.t.Fatalf("login %s: %d %s", username, res.StatusCode, body)
	}
	var out struct{ CSRF string }
	json.Unmarshal([]byte(body), &out)
	c.csrf = out.CSRF
}

// TestSecondFactorOnEveryRequest (issue 11, item 7): an account without an OTP whose
// grants grow to reach footage after it logged in — an admin granting chief, an auditor
// made a chief's deputy — is sent to enrol before its next request, and watches footage
// only once it has.
func TestSecondFactorOnEveryRequest(t *testing.T) {
	e := newConsole(t)
	ctx := context.Background()
	e.account("chief", custodian.AccountGrant{Role: "chief", All: true})
	for _, how := range []string{"grant", "deputy"} {
		t.Run(how, func(t *testing.T) {
			name := "aud-" + how
			a := e.noTOTPAccount(name, custodian.AccountGrant{Role: "auditor", All: true})
			c := e.client()
			c.loginNoTOTP(name)
			if res, body := c.do("GET", "/api/accesslog", nil); res.StatusCode != 200 {
				t.Fatalf("the auditor's own work: %d %s", res.StatusCode, body)
			}
			switch how {
			case "grant":
				if _, err := e.m.Grant(ctx, a, custodian.AccountGrant{Role: "chief", All: true}, "root", "test"); err != nil {
					t.Fatal(err)
				}
			case "deputy":
				chief, _ := e.db.AccountByUsername(ctx, "chief")
				if _, err := e.m.AssignDeputy(ctx, a, chief, time.Time{}, "출장", "root", "test"); err != nil {
					t.Fatal(err)
				}
			}
			// Footage, and everything else, now waits for the second factor.
			res, body := c.do("GET", "/api/cameras/street-1/timeline", nil)
			var out struct {
				Error struct {
					Code   string
					Fields map[string]string
				}
			}
			json.Unmarshal([]byte(body), &out)
			if res.StatusCode != 401 || out.Error.Fields["second_factor"] != "enroll" || out.Error.Fields["location"] != "/account/totp" {
				t.Fatalf("footage through the API without a second factor: %d %s", res.StatusCode, body)
			}
			if res, _ := c.do("POST", "/api/cameras/street-1/playback", map[string]string{"day": "2026-11-22", "purpose": "crime"}); res.StatusCode != 401 {
				t.Fatalf("opening playback without a second factor: %d", res.StatusCode)
			}
			if res, _ := c.do("GET", "/console/playback", nil); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/account/totp?next=") {
				t.Fatalf("the playback page without a second factor: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			if res, _ := c.do("GET", "/api/accesslog", nil); res.StatusCode != 401 {
				t.Fatalf("the rest of the console without a second factor: %d", res.StatusCode)
			}
			// Enrolment (and with it the second factor of this session) opens it.
			_, page := c.do("GET", "/account/totp", nil)
			secret := strings.ReplaceAll(between(page, `<p class="secret"><code>`, `</code>`), " ", "")
			if secret == "" {
				t.Fatalf("no secret on the enrolment page:\n%s", page)
			}
			code, _ := auth.TOTPCode(secret, time.Now())
			if res, body := c.form("/account/totp", url.Values{"code": {code}}); res.StatusCode != 303 {
				t.Fatalf("enrol: %d %s", res.StatusCode, body)
			}
			if res, body := c.do("GET", "/api/cameras/street-1/timeline", nil); res.StatusCode != 200 {
				t.Fatalf("footage after enrolling: %d %s", res.StatusCode, body)
			}
		})
	}
	// An account with an OTP that logged in with a password only (a session left half-way)
	// is told to verify, not to enrol.
	c := e.client()
	c.anonCSRF()
	if res, _ := c.form("/login", url.Values{"username": {"chief"}, "password": {testPassword}}); res.StatusCode != 303 {
		t.Fatalf("password step: %d", res.StatusCode)
	}
	res, body := c.do("GET", "/api/cameras", nil)
	if res.StatusCode != 401 || !strings.Contains(body, `"second_factor": "verify"`) {
		t.Fatalf("a session before its OTP: %d %s", res.StatusCode, body)
	}
}

// TestTrustedProxy: X-Forwarded-For is believed only from a trusted proxy, and then
// names the address that rate limits, throttling and the access log use.
func TestTrustedProxy(t *testing.T) {
	e := newConsole(t)
	for _, bad := range []string{"10.0.0.0/33", "not-an-address", "10.0.0.1,,x"} {
		if err := e.s.SetTrustedProxies(bad); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("trusted proxies %q: %v", bad, err)
		}
	}
	e.noTOTPAccount("aud", custodian.AccountGrant{Role: "auditor", All: true})
	loginFrom := func(xff string) {
		c := e.client()
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/session", strings.NewReader(`{"username":"aud","password":"wrong-password-1"}`))
		req.Header.Set("Content-Type", "application/json")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		res, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	loginFrom("198.51.100.1") // not trusted: the peer's address is logged
	if err := e.s.SetTrustedProxies("127.0.0.1/32, ::1"); err != nil {
		t.Fatal(err)
	}
	loginFrom("203.0.113.50, 198.51.100.2") // the proxy's hop: the last untrusted address
	loginFrom("")                           // no header: the proxy itself
	var sources []string
	scanLog(t, e, func(ev accessEvent) {
		if ev.Action == accounts.ActionLoginFailed {
			sources = append(sources, ev.Source)
		}
	})
	want := []string{"127.0.0.1", "198.51.100.2", "127.0.0.1"}
	if strings.Join(sources, " ") != strings.Join(want, " ") {
		t.Errorf("logged sources %v, want %v", sources, want)
	}
	// Rate limits count per forwarded address.
	e.s.SetRateLimits(2, 1000, 1000)
	status := func(xff string) int {
		c := e.client()
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/session", strings.NewReader(`{"username":"x","password":"y"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", xff)
		res, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	status("192.0.2.1")
	status("192.0.2.1")
	if st := status("192.0.2.1"); st != 429 {
		t.Errorf("third login from one forwarded address: %d, want 429", st)
	}
	if st := status("192.0.2.2"); st == 429 {
		t.Error("another forwarded address was limited with the first")
	}
}

// TestRegistryAPIScope: a user scoped to one site gets that site's part of the registry
// and no camera sources; the administrator (cameras.manage) gets the sources.
func TestRegistryAPIScope(t *testing.T) {
	e := newConsole(t)
	e.account("lead", custodian.AccountGrant{Role: "operations_lead", Sites: []string{"office"}})
	e.noTOTPAccount("root", custodian.AccountGrant{Role: "admin", All: true})
	e.noTOTPAccount("aud", custodian.AccountGrant{Role: "auditor", All: true})
	get := func(c *client) *custodian.Registry {
		t.Helper()
		res, body := c.do("GET", "/api/registry", nil)
		if res.StatusCode != 200 {
			t.Fatalf("registry: %d %s", res.StatusCode, body)
		}
		var out struct{ Registry custodian.Registry }
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		return &out.Registry
	}
	sources := func(reg *custodian.Registry) (n int) {
		for _, s := range reg.Sites {
			for _, g := range s.CameraGroups {
				for _, c := range g.Cameras {
					if c.Source != nil {
						n++
					}
				}
			}
		}
		return n
	}
	lead := e.client()
	lead.login("lead")
	reg := get(lead)
	var ids []string
	for _, s := range reg.Sites {
		ids = append(ids, s.ID)
	}
	// The office and the control centre below it; not the streets.
	if strings.Join(ids, ",") != "office,cctv-centre" || sources(reg) != 0 {
		t.Errorf("a lead of the office sees sites %v and %d camera sources", ids, sources(reg))
	}
	for _, p := range reg.People {
		ok := len(p.Sites) == 0
		for _, s := range p.Sites {
			ok = ok || s == "office" || s == "cctv-centre"
		}
		if !ok {
			t.Errorf("a lead of the office sees person %s of sites %v", p.ID, p.Sites)
		}
	}
	for _, ag := range reg.Agreements {
		t.Errorf("a lead of the office sees agreement %s (of the streets' cameras)", ag.ID)
	}
	// The console's registry page shows the same part (it showed all of it).
	if res, body := lead.do("GET", "/console/registry", nil); res.StatusCode != 200 || !strings.Contains(body, "office-entrances") ||
		strings.Contains(body, "crime-prevention") || strings.Contains(body, "예시구 관내") || strings.Contains(body, "rtsp://") {
		t.Errorf("the registry page for a lead of the office: %d, shows crime-prevention: %v, the streets: %v, a source: %v", res.StatusCode,
			strings.Contains(body, "crime-prevention"), strings.Contains(body, "예시구 관내"), strings.Contains(body, "rtsp://"))
	}
	aud := e.client()
	aud.loginNoTOTP("aud")
	if reg := get(aud); len(reg.Sites) < 2 || sources(reg) != 0 {
		t.Errorf("the auditor (organisation-wide, no cameras.manage): %d sites, %d sources", len(reg.Sites), sources(reg))
	}
	root := e.client()
	root.loginNoTOTP("root")
	if reg := get(root); sources(reg) != 2 {
		t.Errorf("the administrator sees %d camera sources, want 2", sources(reg))
	}
}

// TestNoStore: console pages and API answers are not kept by browsers or proxies.
func TestNoStore(t *testing.T) {
	e := newConsole(t)
	e.noTOTPAccount("aud", custodian.AccountGrant{Role: "auditor", All: true})
	c := e.client()
	c.loginNoTOTP("aud")
	for _, p := range []string{"/login", "/console", "/account", "/console/accesslog", "/api/me", "/api/registry", "/request", "/no/such/page"} {
		if res, _ := c.do("GET", p, nil); res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d Cache-Control %q", p, res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
	if res, _ := c.do("GET", "/static/site.css", nil); res.Header.Get("Cache-Control") == "no-store" {
		t.Error("static files are not cached")
	}
}

// TestTLSSuites: TLS 1.2 offers only ECDHE with AEAD ciphers; a client that offers only
// CBC suites is refused.
func TestTLSSuites(t *testing.T) {
	cert, key, err := web.SelfSigned(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := web.LoadTLS(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range cfg.CipherSuites {
		name := tls.CipherSuiteName(id)
		if strings.Contains(name, "CBC") || !strings.HasPrefix(name, "TLS_ECDHE_") || !(strings.Contains(name, "GCM") || strings.Contains(name, "CHACHA20")) {
			t.Errorf("suite %s offered", name)
		}
	}
	e := newConsole(t)
	e.s.TLS = cfg
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := make(chan string, 1)
	go e.s.ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { addr <- a.String() })
	a := <-addr
	dial := func(suites []uint16, max uint16) error {
		conn, err := tls.Dial("tcp", a, &tls.Config{InsecureSkipVerify: true, CipherSuites: suites, MaxVersion: max})
		if err == nil {
			conn.Close()
		}
		return err
	}
	if err := dial([]uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}, tls.VersionTLS12); err == nil {
		t.Error("a TLS 1.2 client with only CBC suites was served")
	}
	if err := dial([]uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, tls.VersionTLS12); err != nil {
		t.Errorf("TLS 1.2 with AES-GCM: %v", err)
	}
	if err := dial(nil, tls.VersionTLS13); err != nil {
		t.Errorf("TLS 1.3: %v", err)
	}
}
