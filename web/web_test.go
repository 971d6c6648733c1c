package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/publish"
	"custodian/sqlite"
	"custodian/web"
	"custodian/yaml"
)

func date(s string) custodian.Date { d, _ := custodian.ParseDate(s); return d }

// portal returns a test server over a database holding example 003 with version 1 in
// effect and version 2 announced, on 2026-11-22.
func portal(t *testing.T) (*httptest.Server, *sqlite.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	data, _ := os.ReadFile("../examples/003-moel-customer-centre.yaml")
	r, err := yaml.Load("003", data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveRegistry(ctx, r, "003"); err != nil {
		t.Fatal(err)
	}
	if _, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: date("2026-10-01"), Effective: date("2026-10-08"), Reason: "최초 공고"}); err != nil {
		t.Fatal(err)
	}
	r.Sites[0].CameraGroups[0].Count = 3
	r.Sites[0].StatedTotal = 10
	if _, err := db.SaveRegistry(ctx, r, "003 edited"); err != nil {
		t.Fatal(err)
	}
	if _, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: date("2026-11-20"), Effective: date("2026-11-27"), Reason: "로비 카메라 추가"}); err != nil {
		t.Fatal(err)
	}
	s := web.New(db, db)
	s.Now = func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, custodian.KST) }
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, db
}

func get(t *testing.T, ts *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestPortalPages(t *testing.T) {
	ts, db := portal(t)
	for _, c := range []struct {
		path, ctype string
		status      int
		want        []string
	}{
		{"/", "text/html", 200, []string{"고용노동부고객상담센터", "현재 시행 중인 방침", "개정 예고", "로비 카메라 추가", "/signage/ulsan", "/policy/diff?a=1&amp;b=2"}},
		{"/policy", "text/html", 200, []string{"현재 시행 중인 방침입니다", "제1판 · 공고일 2026년 10월 1일", "| 2대 |", "정재욱"}[:2]},
		{"/policy/2", "text/html", 200, []string{"시행 예정인 방침입니다", "3대"}},
		{"/policy/1?format=md", "text/markdown", 200, []string{"# 고용노동부고객상담센터", "| 울산센터 | 2대 | 1층 로비 천정 |"}},
		{"/policy/current?format=pdf", "application/pdf", 200, []string{"%PDF-"}},
		{"/policy/diff?a=1&b=2", "text/html", 200, []string{`class="del">-| 울산센터 | 2대 | 1층 로비 천정`, `class="add">&#43;| 울산센터 | 3대 | 1층 로비 천정`}},
		{"/policy?lang=en", "text/html", 200, []string{"This version is in effect", "published in Korean"}},
		{"/signage/ulsan", "text/html", 200, []string{"052-702-5100"}},
		{"/signage/ulsan?format=svg", "image/svg+xml", 200, []string{"<svg"}},
		{"/signage/ulsan?format=pdf", "application/pdf", 200, []string{"%PDF-"}},
		{"/signage/anyang", "text/html", 400, []string{"role=\"alert\""}},
		{"/signage/nowhere", "text/html", 404, []string{"nowhere"}},
		{"/signage/ulsan?format=gif", "text/html", 400, []string{"gif"}},
		{"/policy/9", "text/html", 404, []string{"9"}},
		{"/policy/draft", "text/html", 404, []string{"초안"}},
		{"/policy/abc", "text/html", 400, []string{"abc"}},
		{"/policy/1?format=docx", "text/html", 400, []string{"docx"}},
		{"/no/such/page", "text/html", 404, []string{"/no/such/page"}},
		{"/static/site.css", "text/css", 200, []string{".wrap"}},
		{"/static/policy.css", "text/css", 200, []string{".policy"}},
		{"/healthz", "text/plain", 200, []string{"ok"}},
	} {
		res, body := get(t, ts, c.path)
		if res.StatusCode != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), c.ctype) {
			t.Errorf("%s: %d %s, want %d %s", c.path, res.StatusCode, res.Header.Get("Content-Type"), c.status, c.ctype)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: body lacks %q", c.path, w)
			}
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: security headers missing: %v", c.path, res.Header)
		}
	}
	// The Markdown served is the text stored at publication.
	v1, _ := db.PolicyVersion(context.Background(), 1)
	if _, body := get(t, ts, "/policy/1?format=md"); body != v1.Markdown {
		t.Error("the served Markdown differs from the published text")
	}
	// Only GET is served.
	res, err := http.Post(ts.URL+"/policy", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /policy: %d", res.StatusCode)
	}
}

func TestPortalWithoutRegistry(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ts := httptest.NewServer(web.New(db, db))
	defer ts.Close()
	if res, body := get(t, ts, "/"); res.StatusCode != 200 || !strings.Contains(body, "아직 공고된 방침이 없습니다") {
		t.Fatalf("/: %d\n%s", res.StatusCode, body)
	}
	if res, _ := get(t, ts, "/policy"); res.StatusCode != 404 {
		t.Fatalf("/policy: %d", res.StatusCode)
	}
}

func TestListenAndServeStopsWithContext(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- web.New(db, db).ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { ready <- a.String() })
	}()
	addr := <-ready
	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	res.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
