package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"custodian"
	"custodian/auditlog"
	"custodian/camsim"
	"custodian/internal/testmedia"
	"custodian/live"
	"custodian/recorder"
)

// record points lobby-1 and street-1 at two simulated cameras playing the test footage
// (H.264 with B-frames) and records them into the console's vault with a recorder whose
// frames also feed the live view: camera → RTSP → recorder → vault and live hub, as in
// 'custodian serve'. It returns when both cameras record.
func (e *consoleEnv) record() (*recorder.Recorder, time.Time) {
	e.t.Helper()
	testmedia.Need(e.t, "ffmpeg", "ffprobe")
	ctx := context.Background()
	f, err := camsim.Load(ctx, testmedia.Path(e.t, testmedia.VtestH264))
	if err != nil {
		e.t.Fatal(err)
	}
	srv, err := camsim.NewServer(f, camsim.Options{Cameras: 2})
	if err != nil {
		e.t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go srv.Serve(l)
	e.t.Cleanup(func() { srv.Close() })
	reg, _, err := e.db.Registry(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range reg.Sites {
		for j := range reg.Sites[i].CameraGroups {
			for k := range reg.Sites[i].CameraGroups[j].Cameras {
				c := &reg.Sites[i].CameraGroups[j].Cameras[k]
				switch c.ID {
				case "lobby-1":
					c.Source = &custodian.Source{URL: "rtsp://" + l.Addr().String() + "/cam1"}
				case "street-1":
					c.Source = &custodian.Source{URL: "rtsp://" + l.Addr().String() + "/cam2"}
				}
			}
		}
	}
	if _, err := e.db.SaveRegistry(ctx, reg, "test"); err != nil {
		e.t.Fatal(err)
	}
	hub := live.NewHub()
	r := recorder.New(recorder.Options{
		Store: recorder.VaultStore{V: e.v},
		Registry: func(ctx context.Context) (*custodian.Registry, error) {
			r, _, err := e.db.Registry(ctx)
			return r, err
		},
		Target: 3 * time.Second, NoJitter: true, Timeout: 5 * time.Second,
		Log:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Live: hub,
	})
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(rctx)
	}()
	e.t.Cleanup(func() {
		cancel()
		<-done
	})
	e.s.Console.Live = hub
	e.s.Console.Status = r.Status
	began := time.Now()
	for deadline := time.Now().Add(30 * time.Second); ; {
		n := 0
		for _, st := range r.Status() {
			if st.State == recorder.StateRecording {
				n++
			}
		}
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the cameras do not record: %+v", r.Status())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return r, began
}

// browser starts Debian's Chromium, headless, through the DevTools protocol.
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is not installed: run scripts/setup.sh", chromium)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "ko-KR"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// shots is where screenshots go: CUSTODIAN_SCREENSHOTS (docs/screenshots to refresh the
// documentation's), else the test's temporary directory.
func shots(t *testing.T) string {
	if d := os.Getenv("CUSTODIAN_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func shot(dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		b, err := chromedp.FullScreenshot(100)(ctx, t)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644)
	})
}

// do runs browser steps, failing the test with what when one fails.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// bget runs one browser action that returns a value.
func bget[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type css = chromedp.CSS

// videoState is what the page's video element reports.
type videoState struct {
	Time   float64 `json:"t"`
	Width  int     `json:"w"`
	State  string  `json:"s"`
	Error  string  `json:"e"`
	Status string  `json:"st"`
}

const videoJS = `(() => { const v = document.querySelector('video'); if (!v) return {e: 'no video'};
  const st = document.querySelector('.live-status, #perror');
  return {t: v.currentTime, w: v.videoWidth, s: v.getAttribute('data-live-state') || '',
    e: v.error ? v.error.code + ' ' + v.error.message : '', st: st ? st.textContent : ''}; })()`

// playing waits until the page's video has played past `past` seconds, returning how
// long that took.
func playing(t *testing.T, ctx context.Context, past float64, what string) (time.Duration, videoState) {
	t.Helper()
	began := time.Now()
	var v videoState
	for time.Since(began) < 60*time.Second {
		v = bget(t, ctx, chromedp.Evaluate[videoState](videoJS))
		if v.Error != "" {
			t.Fatalf("%s: the video failed: %+v", what, v)
		}
		if v.Time > past && v.Width > 0 {
			return time.Since(began), v
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: the video does not play: %+v", what, v)
	return 0, v
}

// firstPurpose selects the first of the registry's purposes in the page's purpose form.
const firstPurpose = `(() => { const s = document.getElementById('purpose');
  const o = [...s.options].find(o => o.value && o.value !== 'other'); s.value = o.value; return o.value; })()`

// TestBrowser drives Chromium through the console and the portal: the public request form
// and its status page; logging in with a password and a TOTP code; live view of a camera
// being recorded (MSE; the video's currentTime advances); playback of what it recorded
// with a purpose; and that viewing in the access log. It saves screenshots of the pages.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is not short")
	}
	e := newConsole(t)
	_, began := e.record()
	e.account("chief", custodian.AccountGrant{Role: "chief", All: true})
	dir := shots(t)
	ctx := browser(t, 1280, 900)
	base := e.ts.URL

	// The portal, anonymous.
	do(t, ctx, "portal",
		chromedp.Navigate(base+"/"), chromedp.WaitVisible(css("main")), shot(dir, "portal"),
		chromedp.Navigate(base+"/policy"), chromedp.WaitVisible(css("main")), shot(dir, "policy"))

	// The request form: submitted empty (past the browser's own checks), every problem is
	// shown beside its field and nothing is filed; filled in, it is received.
	do(t, ctx, "request form",
		chromedp.Navigate(base+"/request"), chromedp.WaitVisible(css("#f-name")), shot(dir, "request-form"),
		chromedp.Submit(css("#f-name")), chromedp.WaitVisible(css(`[aria-invalid="true"]`)), shot(dir, "request-form-errors"))
	invalid := bget(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[aria-invalid="true"]')].map(e => e.name)`))
	for _, want := range []string{"name", "contact", "from", "to", "purpose", "consent"} {
		if !slices.Contains(invalid, want) {
			t.Errorf("the empty form's invalid fields %v lack %s", invalid, want)
		}
	}
	do(t, ctx, "filing",
		chromedp.Click(css(`input[name=kind][value=view]`)),
		chromedp.SetValue(css("#f-name"), "김민수"),
		chromedp.SetValue(css("#f-contact"), "010-1234-5678"),
		chromedp.SetValue(css("#f-from"), "2026-11-20T09:00"),
		chromedp.SetValue(css("#f-to"), "2026-11-20T10:00"),
		chromedp.SetValue(css("#f-place"), "본관 로비"),
		chromedp.SetValue(css("#f-purpose"), "분실물 확인"),
		chromedp.Click(css(`input[name=consent]`)),
		chromedp.Click(css(`main form button.button`)),
		chromedp.WaitVisible(css("code.code")),
		shot(dir, "request-received"))
	code := bget(t, ctx, chromedp.Text(css("code.code")))
	if !regexp.MustCompile(`^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$`).MatchString(code) {
		t.Fatalf("tracking code %q", code)
	}
	do(t, ctx, "status page", chromedp.Navigate(base+"/request/"+code), chromedp.WaitVisible(css("code.code")))
	if text := bget(t, ctx, chromedp.Text(css("main"))); !strings.Contains(text, code) || !strings.Contains(text, "김**") || !strings.Contains(text, "열람") {
		t.Errorf("status page:\n%s", text)
	}

	// Logging in: the password, then the TOTP code.
	do(t, ctx, "login",
		chromedp.Navigate(base+"/login"), chromedp.WaitVisible(css("#username")), shot(dir, "login"),
		chromedp.SendKeys(css("#username"), "chief"), chromedp.SendKeys(css("#password"), testPassword),
		chromedp.Submit(css("#password")), chromedp.WaitVisible(css("#code")), shot(dir, "login-totp"),
		chromedp.SendKeys(css("#code"), e.totp("chief")), chromedp.Submit(css("#code")),
		chromedp.WaitVisible(css("main h1")), shot(dir, "dashboard"))
	if loc := bget(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, "/console") {
		t.Fatalf("after login the browser is at %s, want /console", loc)
	}

	// Live view: a purpose, then the watch page plays the recorder's frames.
	do(t, ctx, "live",
		chromedp.Navigate(base+"/console/live"), chromedp.WaitVisible(css("#purpose")),
		chromedp.Click(css(`input[name=camera][value=lobby-1]`)))
	bget(t, ctx, chromedp.Evaluate[string](firstPurpose))
	do(t, ctx, "live", shot(dir, "live-purpose"), chromedp.Submit(css("#purpose")), chromedp.WaitVisible(css("video")))
	startLive, v := playing(t, ctx, 2, "live view")
	t.Logf("live view: played 2 s after %v (%+v)", startLive.Round(time.Millisecond), v)
	if v.Width != 768 || v.State != "live" {
		t.Errorf("live view: %+v, want 768 wide and state live", v)
	}
	// Near the live edge: the newest frame is at most a few seconds ahead of the play head.
	behind := bget(t, ctx, chromedp.Evaluate[float64](`(() => { const v = document.querySelector('video'); const b = v.buffered; return b.end(b.length-1) - v.currentTime; })()`))
	do(t, ctx, "live", shot(dir, "live"))
	t.Logf("live view: %.2f s behind the newest frame received", behind)
	if behind > 4 {
		t.Errorf("live view plays %.1f s behind the newest frame", behind)
	}

	// Playback of what was recorded, from the second second of recording.
	at := began.Add(2 * time.Second).In(custodian.KST)
	do(t, ctx, "playback",
		chromedp.Navigate(base+"/console/playback/lobby-1"), chromedp.WaitVisible(css("#at")),
		chromedp.SetValue(css("#at"), at.Format("15:04:05")))
	bget(t, ctx, chromedp.Evaluate[string](firstPurpose))
	do(t, ctx, "playback", shot(dir, "playback-purpose"), chromedp.Submit(css("#at")), chromedp.WaitVisible(css("#player")))
	startPlay, v := playing(t, ctx, 1.5, "playback")
	t.Logf("playback: played 1.5 s after %v (%+v)", startPlay.Round(time.Millisecond), v)
	do(t, ctx, "playback", shot(dir, "playback"))
	if wm := bget(t, ctx, chromedp.Text(css(".wm"))); !strings.Contains(wm, "chief") || !strings.Contains(wm, "KST") {
		t.Errorf("watermark %q lacks the viewer and the time", wm)
	}

	// The access log shows both viewings with their purpose.
	do(t, ctx, "access log", chromedp.Navigate(base+"/console/accesslog"), chromedp.WaitVisible(css("table")), shot(dir, "accesslog"))
	if text := bget(t, ctx, chromedp.Text(css("table"))); !strings.Contains(text, "lobby-1") || !strings.Contains(text, "chief") {
		t.Errorf("the access log page lacks the viewing:\n%s", text)
	}
	kinds := map[string]int{}
	windows := 0
	scanLog(t, e, func(ev auditlog.Event) {
		if ev.Actor == "chief" && ev.Camera == "lobby-1" && ev.Result == auditlog.ResultOK && ev.Purpose != "" {
			if strings.Contains(ev.Detail, "window served") {
				windows++ // each playback window the player fetched, logged as served
				return
			}
			kinds[ev.Action]++
		}
	})
	if kinds[auditlog.ActionLive] != 1 || kinds[auditlog.ActionPlayback] != 1 || windows < 1 {
		t.Errorf("access log viewings by chief of lobby-1 with a purpose: %v and %d playback windows served, want one live, one playback opened and its windows", kinds, windows)
	}

	// The other main pages, for the documentation, and two on a phone.
	for _, p := range []struct{ path, name string }{
		{"/console/cameras", "cameras"}, {"/console/playback/lobby-1", "playback-timeline"}, {"/console/registry", "registry"},
		{"/console/users", "users"}, {"/console/requests", "requests"}, {"/console/policy", "policy-publish"},
		{"/console/accesslog/review", "review"},
	} {
		do(t, ctx, p.path, chromedp.Navigate(base+p.path), chromedp.WaitVisible(css("main h1")), shot(dir, p.name))
	}
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(base+"/console"), chromedp.WaitVisible(css("main h1")), shot(dir, "dashboard-phone"),
		chromedp.Navigate(base+"/request"), chromedp.WaitVisible(css("#f-name")), shot(dir, "request-form-phone"))
}
