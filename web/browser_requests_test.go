package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"custodian"
	"custodian/auditlog"
)

// loginBrowser logs username in through the login pages (password, then the TOTP code).
func loginBrowser(t *testing.T, ctx context.Context, e *consoleEnv, username string) {
	t.Helper()
	do(t, ctx, "login "+username,
		chromedp.Navigate(e.ts.URL+"/login"), chromedp.WaitVisible(css("#username")),
		chromedp.SendKeys(css("#username"), username), chromedp.SendKeys(css("#password"), testPassword),
		chromedp.Submit(css("#password")), chromedp.WaitVisible(css("#code")),
		chromedp.SendKeys(css("#code"), e.totp(username)), chromedp.Submit(css("#code")),
		// The console's own page (its log-out form), not the code page still showing.
		chromedp.WaitVisible(css(`form[action="/logout"]`)), chromedp.WaitVisible(css("main h1")))
}

// TestBrowserRequest drives a viewing request through the browser, as the requester and as
// the officer: the portal form, the request in the console's list, the identity check, the
// decision (a refusal without a ground shown as an error), the copy made with its progress,
// the requester's status page with the notice and the download link, and closing. It saves
// screenshots of each page (docs/screenshots with CUSTODIAN_SCREENSHOTS).
func TestBrowserRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is not short")
	}
	e := newConsole(t)
	e.withCopies()
	e.footageOf("street-1", time.Date(2026, 11, 22, 10, 0, 0, 0, custodian.KST))
	e.account("chief", custodian.AccountGrant{Role: "chief", All: true})
	dir := shots(t)
	ctx := browser(t, 1280, 900)
	base := e.ts.URL

	// The requester files on the portal.
	do(t, ctx, "filing",
		chromedp.Navigate(base+"/request"), chromedp.WaitVisible(css("#f-name")),
		chromedp.Click(css(`input[name=kind][value=view]`)),
		chromedp.SetValue(css("#f-name"), "김민수"),
		chromedp.SetValue(css("#f-contact"), "010-1234-5678"),
		chromedp.SetValue(css("#f-from"), "2026-11-22T10:00"),
		chromedp.SetValue(css("#f-to"), "2026-11-22T10:01"),
		chromedp.SetValue(css("#f-camera"), "street-1"),
		chromedp.SetValue(css("#f-purpose"), "제 차량 파손 장면 확인"),
		chromedp.Click(css(`input[name=consent]`)),
		chromedp.Click(css(`main form button.button`)),
		chromedp.WaitVisible(css("code.code")))
	code := bget(t, ctx, chromedp.Text(css("code.code")))
	if !regexp.MustCompile(`^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$`).MatchString(code) {
		t.Fatalf("tracking code %q", code)
	}

	// The officer: the list, the request, the identity check.
	loginBrowser(t, ctx, e, "chief")
	do(t, ctx, "requests list",
		chromedp.Navigate(base+"/console/requests"), chromedp.WaitVisible(css("table")), shot(dir, "requests-list"),
		chromedp.Click(css(`a[href^="/console/requests/"] code`)), chromedp.WaitVisible(css("#method")), shot(dir, "request-page"))
	if text := bget(t, ctx, chromedp.Text(css("main"))); !strings.Contains(text, code) || !strings.Contains(text, "street-1") || !strings.Contains(text, "#1") {
		t.Fatalf("the request page lacks the code, the camera or its hold:\n%s", text)
	}
	do(t, ctx, "identity",
		chromedp.SetValue(css("#method"), "in_person"), chromedp.SetValue(css("#inote"), "주민등록증"),
		chromedp.Submit(css("#inote")), chromedp.WaitVisible(css(`input[name=decision][value=refuse]`)))

	// A refusal without a ground is refused, with the reason on the page; then allowed.
	do(t, ctx, "refusal without a ground",
		chromedp.Click(css(`input[name=decision][value=refuse]`)), chromedp.Submit(css("#dnote")),
		chromedp.WaitVisible(css(`p.error`)), shot(dir, "request-refusal-error"))
	if msg := bget(t, ctx, chromedp.Text(css("p.error"))); !strings.Contains(msg, "사유") {
		t.Errorf("refusal without a ground: %q", msg)
	}
	do(t, ctx, "decision",
		chromedp.Click(css(`input[name=decision][value=allow]`)), chromedp.SetValue(css("#dnote"), "다른 사람은 가려서 제공합니다."),
		chromedp.Submit(css("#dnote")), chromedp.WaitVisible(css("#cfee")), shot(dir, "request-decided"))

	// The copy: made in the background, its progress on the page, then its link.
	bget(t, ctx, chromedp.Evaluate[bool](`document.querySelector('#cfee').closest('details').open = true`))
	do(t, ctx, "copy", chromedp.SetValue(css("#cfee"), "0"), chromedp.Submit(css("#cfee")), chromedp.WaitVisible(css("#copy")))
	deadline := time.Now().Add(60 * time.Second)
	for {
		do(t, ctx, "copy progress", chromedp.Navigate(base+bget(t, ctx, chromedp.Evaluate[string](`location.pathname`))), chromedp.WaitVisible(css("main h1")))
		text := bget(t, ctx, chromedp.Text(css("main")))
		if strings.Contains(text, "/d/") {
			break
		}
		if strings.Contains(text, "사본을 만들지 못했습니다") || time.Now().After(deadline) {
			t.Fatalf("the copy was not made:\n%s", text)
		}
		time.Sleep(200 * time.Millisecond)
	}
	do(t, ctx, "copy made", shot(dir, "request-copy"))

	// The requester's status page: the notice and the download link.
	do(t, ctx, "status page", chromedp.Navigate(base+"/request/"+code), chromedp.WaitVisible(css("code.code")), shot(dir, "request-status-download"))
	text := bget(t, ctx, chromedp.Text(css("main")))
	if !strings.Contains(text, "결정 통지서") || !strings.Contains(text, "내려받기") || strings.Contains(text, "김민수") {
		t.Errorf("status page:\n%s", text)
	}
	href := bget(t, ctx, chromedp.Evaluate[string](`document.querySelector('a[download]').getAttribute('href')`))
	if !strings.HasPrefix(href, "/d/") {
		t.Fatalf("download link %q", href)
	}

	// Closing (the officer's session is still open in this browser).
	do(t, ctx, "close", chromedp.Navigate(base+"/console/requests?all=1"), chromedp.WaitVisible(css("table")),
		chromedp.Click(css(`a[href^="/console/requests/"] code`)), chromedp.WaitVisible(css(`form[action$="/close"] button`)),
		chromedp.Click(css(`form[action$="/close"] button`)), chromedp.WaitVisible(css(`p.status`)), shot(dir, "request-closed"))
	if text := bget(t, ctx, chromedp.Text(css("main"))); !strings.Contains(text, "종결") {
		t.Errorf("after closing:\n%s", text)
	}
	n := 0
	scanLog(t, e, func(ev auditlog.Event) {
		if ev.Action == "footage.export" && strings.Contains(ev.Detail, "request=") {
			n++
		}
	})
	if n != 1 {
		t.Errorf("%d exports for the request in the access log, want 1", n)
	}
}
