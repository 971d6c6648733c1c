package testmedia

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// ChromiumPlays loads the MP4 file clip in a <video> element of headless Chromium (Debian's,
// which scripts/setup.sh installs) and checks that it plays past one second at the given
// width: the browser test of footage that Custodian writes.
func ChromiumPlays(t testing.TB, clip []byte, width int) {
	t.Helper()
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is not installed: run scripts/setup.sh", chromium)
	}
	const page = `<!doctype html>
<html><body>
<video id="v" muted autoplay playsinline preload="auto" src="/clip.mp4"></video>
<pre id="out">waiting</pre>
<script>
const v = document.getElementById("v"), out = document.getElementById("out");
let done = false;
v.addEventListener("timeupdate", () => {
  if (!done && v.currentTime > 1) {
    done = true;
    out.textContent = "played currentTime=" + v.currentTime + " videoWidth=" + v.videoWidth;
  }
});
v.addEventListener("error", () => {
  out.textContent = "error " + (v.error ? v.error.code + " " + v.error.message : "");
});
v.play().catch(e => { if (!done) out.textContent = "play() failed: " + e; });
</script>
</body></html>`
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	})
	mux.HandleFunc("/clip.mp4", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeContent(w, r, "clip.mp4", time.Time{}, bytes.NewReader(clip))
	})
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=15000", "--dump-dom", srv.URL+"/")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, tailOf(stderr.String(), 2000))
	}
	m := regexp.MustCompile(`played currentTime=([0-9.]+) videoWidth=([0-9]+)`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the clip did not play in Chromium; the page says:\n%s\nstderr:\n%s", tailOf(string(dom), 2000), tailOf(stderr.String(), 2000))
	}
	t.Logf("Chromium: %s", m[0])
	ct, _ := strconv.ParseFloat(string(m[1]), 64)
	if ct <= 1 || string(m[2]) != strconv.Itoa(width) {
		t.Errorf("Chromium: currentTime %s, videoWidth %s; want > 1 and %d", m[1], m[2], width)
	}
}

func tailOf(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
