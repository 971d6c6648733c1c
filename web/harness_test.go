package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/accounts"
	"custodian/auditlog"
	"custodian/auth"
	"custodian/datadir"
	"custodian/publish"
	"custodian/sqlite"
	"custodian/vault"
	"custodian/web"
	"custodian/yaml"
)

// testPassword meets the password rule.
const testPassword = "Test-Password-2026"

// consoleEnv is a console over example 002 (a district office with a police agreement)
// with two recorded cameras: lobby-1 at the office and street-1 on the streets.
type consoleEnv struct {
	t      *testing.T
	ts     *httptest.Server
	s      *web.Server
	db     *sqlite.DB
	m      *accounts.Manager
	v      *vault.Vault
	log    *auditlog.Log
	logDir string
	now    time.Time
	// secrets of the accounts made by account(), by username.
	secrets map[string]string
}

type vaultAudit struct {
	log *auditlog.Log
}

func (x vaultAudit) Record(ctx context.Context, e vault.Event) error {
	_, err := x.log.Append(ctx, auditlog.Event{Actor: "system:test", Action: e.Action, Camera: e.Camera, From: e.From, To: e.To, Object: e.Object, Purpose: e.Purpose, Result: e.Result, Detail: e.Detail})
	return err
}

func newConsole(t *testing.T) *consoleEnv {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	d, err := datadir.Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, d.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	data, err := os.ReadFile("../examples/002-district-office.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := yaml.Load("002", data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range reg.Sites {
		for j := range reg.Sites[i].CameraGroups {
			g := &reg.Sites[i].CameraGroups[j]
			switch g.ID {
			case "office-entrances":
				g.Cameras = []custodian.Camera{{ID: "lobby-1", Location: "본관 로비", Enabled: true, Source: &custodian.Source{URL: "rtsp://127.0.0.1:1/lobby"}}}
			case "crime-prevention":
				g.Cameras = []custodian.Camera{{ID: "street-1", Location: "예시로 1", Enabled: true, Source: &custodian.Source{URL: "rtsp://127.0.0.1:1/street"}}}
			}
		}
	}
	if _, err := db.SaveRegistry(ctx, reg, "002"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 14, 0, 0, 0, custodian.KST)
	if _, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: date("2026-10-01"), Effective: date("2026-10-08"), Reason: "최초 공고"}); err != nil {
		t.Fatal(err)
	}
	sk, err := d.SigningKey()
	if err != nil {
		t.Fatal(err)
	}
	logDir := d.File("accesslog")
	log, err := auditlog.Open(logDir, sk, auditlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	v, err := vault.Open(ctx, vault.Options{Data: d, Catalog: db, Audit: vaultAudit{log}, Actor: "test", Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	key, err := accounts.SealingKey(sk.Seed())
	if err != nil {
		t.Fatal(err)
	}
	e := &consoleEnv{t: t, db: db, v: v, log: log, logDir: logDir, now: now, secrets: map[string]string{}}
	e.m = &accounts.Manager{Store: db, Registry: db, Log: log, Key: key, Now: func() time.Time { return time.Now() }}
	s := web.New(db, db)
	s.Now = time.Now
	s.Console = &web.Console{Accounts: e.m, Requests: db, Vault: v, Log: log, LogDir: logDir}
	s.Console.Provisions = db
	s.SetRateLimits(1000, 1000, 1000)
	e.s = s
	e.ts = httptest.NewServer(s)
	t.Cleanup(e.ts.Close)
	return e
}

// account creates an account with one grant (and an OTP), returning it.
func (e *consoleEnv) account(username string, g custodian.AccountGrant) *custodian.Account {
	e.t.Helper()
	var grants []custodian.AccountGrant
	if g.Role != "" {
		grants = append(grants, g)
	}
	a, secret, err := e.m.Create(context.Background(), accounts.NewAccount{Username: username, Name: "이름 " + username, Password: testPassword, TOTP: true, Grants: grants}, "test", "test")
	if err != nil {
		e.t.Fatalf("account %s: %v", username, err)
	}
	e.secrets[username] = secret
	return a
}

// client is a browser: a cookie jar that does not follow redirects, with the CSRF token
// it was given.
type client struct {
	e    *consoleEnv
	hc   *http.Client
	csrf string
	lang string
}

func (e *consoleEnv) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// anonCSRF fetches a page to get the anonymous CSRF cookie.
func (c *client) anonCSRF() {
	c.e.t.Helper()
	res, err := c.hc.Get(c.e.ts.URL + "/login")
	if err != nil {
		c.e.t.Fatal(err)
	}
	res.Body.Close()
	u, _ := url.Parse(c.e.ts.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "custodian_csrf" {
			c.csrf = ck.Value
		}
	}
}

// totp returns the current code for username, waiting for the next time step if the
// current one was used already (codes are accepted once).
func (e *consoleEnv) totp(username string) string {
	e.t.Helper()
	a, err := e.db.AccountByUsername(context.Background(), username)
	if err != nil {
		e.t.Fatal(err)
	}
	for auth.TOTPStepAt(time.Now()) <= a.TOTPStep {
		time.Sleep(200 * time.Millisecond)
	}
	code, err := auth.TOTPCode(e.secrets[username], time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return code
}

// login logs in through the API.
func (c *client) login(username string) {
	c.e.t.Helper()
	res, body := c.do("POST", "/api/session", map[string]string{"username": username, "password": testPassword, "totp": c.e.totp(username)})
	if res.StatusCode != 200 {
		c.e.t.Fatalf("login %s: %d %s", username, res.StatusCode, body)
	}
	var out struct{ CSRF string }
	json.Unmarshal([]byte(body), &out)
	c.csrf = out.CSRF
}

// do sends a request: a map or struct body as JSON, url.Values as a form, []byte as is.
func (c *client) do(method, path string, body any) (*http.Response, string) {
	c.e.t.Helper()
	var r io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		r, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case []byte:
		r, ctype = bytes.NewReader(b), "application/yaml"
	case string:
		r, ctype = strings.NewReader(b), "application/json"
	default:
		j, _ := json.Marshal(b)
		r, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, c.e.ts.URL+path, r)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.csrf != "" && method != "GET" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res, string(b)
}

// form posts a form with the client's CSRF token.
func (c *client) form(path string, v url.Values) (*http.Response, string) {
	if v == nil {
		v = url.Values{}
	}
	v.Set("csrf", c.csrf)
	req, _ := http.NewRequest("POST", c.e.ts.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

type accessEvent = auditlog.Event

// scanLog calls fn with every record of the access log.
func scanLog(t *testing.T, e *consoleEnv, fn func(auditlog.Event)) {
	t.Helper()
	if err := auditlog.Scan(context.Background(), e.logDir, auditlog.Filter{}, func(ev auditlog.Event) error { fn(ev); return nil }); err != nil {
		t.Fatal(err)
	}
}

// directSession makes a complete session for username straight in the store (as a login
// would) and returns a client holding it.
func (e *consoleEnv) directSession(username string) *client {
	e.t.Helper()
	ctx := context.Background()
	a, err := e.db.AccountByUsername(ctx, username)
	if err != nil {
		e.t.Fatal(err)
	}
	tok := strings.Repeat("t", 10) + fmt.Sprint(time.Now().UnixNano())
	h := sha256.Sum256([]byte(tok))
	now := time.Now()
	s := &custodian.Session{ID: hex.EncodeToString(h[:]), Account: a.ID, Created: now, Seen: now, Expires: now.Add(web.SessionIdle), SecondFactor: true, CSRF: "csrf-" + tok}
	if err := e.db.CreateSession(ctx, s); err != nil {
		e.t.Fatal(err)
	}
	c := e.client()
	u, _ := url.Parse(e.ts.URL)
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "custodian_session", Value: tok, Path: "/"}})
	c.csrf = s.CSRF
	return c
}

func itoa(n int64) string { return fmt.Sprint(n) }

func yamlOf(r *custodian.Registry) ([]byte, error) { return yaml.Encode(r) }
