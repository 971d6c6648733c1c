package recorder_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"custodian"
	"custodian/internal/testmedia"
	"custodian/recorder"
)

// ffmpegChildren returns the command lines (NUL-separated, as /proc has them) of this
// process's ffmpeg children.
func ffmpegChildren(t *testing.T) [][]byte {
	me := strconv.Itoa(os.Getpid())
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var out [][]byte
	for _, d := range dirs {
		stat, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.Contains(s[:i], "(ffmpeg") {
			continue
		}
		if f := strings.Fields(s[i+1:]); len(f) < 2 || f[1] != me {
			continue
		}
		if cmd, err := os.ReadFile(filepath.Join(d, "cmdline")); err == nil && len(cmd) > 0 {
			out = append(out, cmd)
		}
	}
	return out
}

// TestFFmpegCredentialsOffCommandLine: an ffmpeg source that needs a password records,
// and the password (and the user) never appear on ffmpeg's command line, which every local
// user can read in /proc/PID/cmdline and ps (issue 11, item 8).
func TestFFmpegCredentialsOffCommandLine(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skip("no /proc")
	}
	const password = "ffm-Secret-77"
	e := newEnv(t)
	_, addr := startCamsim(t, shortFile(t, testmedia.VtestH264, 6), 1, "admin", password)
	url := "rtsp://" + addr + "/cam1"
	e.mu.Lock()
	e.reg = &custodian.Registry{
		RetentionClasses: []custodian.RetentionClass{{ID: "std", RetentionDays: 30}},
		Sites: []custodian.Site{{ID: "s", CameraGroups: []custodian.CameraGroup{{ID: "g", Count: 1, RetentionClass: "std", Cameras: []custodian.Camera{
			{ID: "locked", Enabled: true, Source: &custodian.Source{Kind: custodian.SourceFFmpeg, URL: url, User: "admin", AllowBasicAuth: true}},
		}}}}},
	}
	e.mu.Unlock()
	if err := e.v.SetCameraSecret(e.ctx, "locked", "admin", custodian.SourceOrigin(url), password); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen [][]byte
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			cmds := ffmpegChildren(t)
			mu.Lock()
			seen = append(seen, cmds...)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	// Long enough for a slow ffmpeg start (and a reconnect) on a loaded machine: what
	// matters is that it recorded with the password, not how fast.
	st := e.record(12*time.Second, recorder.Options{})
	close(stop)
	<-done
	if len(st) != 1 || (st[0].State != recorder.StateRecording && st[0].Segments == 0) {
		t.Fatalf("status: %+v\n%s", st, e.log)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("no ffmpeg child was seen")
	}
	for _, cmd := range seen {
		if bytes.Contains(cmd, []byte(password)) || bytes.Contains(cmd, []byte("admin")) || bytes.Contains(cmd, []byte(addr)) {
			t.Fatalf("ffmpeg's command line holds the camera's URL or credentials: %q", bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}))
		}
	}
	if strings.Contains(e.log.String(), password) {
		t.Error("the password is in the operations log")
	}
}

// TestRefusedSources: the recorder checks a source again before it connects (the registry
// may have been written around the rules) and does not send a stored password to a host
// other than the one it was stored for; each camera's state says why (issue 11, item 8).
func TestRefusedSources(t *testing.T) {
	testmedia.Need(t, "ffmpeg")
	e := newEnv(t)
	_, addr := startCamsim(t, shortFile(t, testmedia.VtestH264, 6), 1, "admin", "moved-pw")
	file := shortFile(t, testmedia.VtestH264, 2)
	e.mu.Lock()
	e.reg = &custodian.Registry{
		RetentionClasses: []custodian.RetentionClass{{ID: "std", RetentionDays: 30}},
		Sites: []custodian.Site{{ID: "s", CameraGroups: []custodian.CameraGroup{{ID: "g", Count: 4, RetentionClass: "std", Cameras: []custodian.Camera{
			{ID: "file", Enabled: true, Source: &custodian.Source{Kind: custodian.SourceFFmpeg, URL: file}},
			{ID: "pipe", Enabled: true, Source: &custodian.Source{Kind: custodian.SourceFFmpeg, URL: "pipe:0"}},
			{ID: "metadata", Enabled: true, Source: &custodian.Source{Kind: custodian.SourceFFmpeg, URL: "http://169.254.169.254/latest/meta-data/"}},
			{ID: "moved", Enabled: true, Source: &custodian.Source{URL: "rtsp://" + addr + "/cam1", User: "admin"}},
		}}}}},
	}
	e.mu.Unlock()
	// The password was stored for the camera's old host.
	if err := e.v.SetCameraSecret(e.ctx, "moved", "admin", "rtsp://10.0.0.7:554", "moved-pw"); err != nil {
		t.Fatal(err)
	}
	st := e.record(3*time.Second, recorder.Options{})
	by := map[string]recorder.Status{}
	for _, s := range st {
		by[s.Camera] = s
	}
	for cam, want := range map[string]string{"file": "network address", "pipe": "network address", "metadata": "link-local", "moved": "is not sent"} {
		s := by[cam]
		if s.State == recorder.StateRecording || !strings.Contains(s.ReasonEn, want) {
			t.Errorf("%s: %s %q, want a failure naming %q", cam, s.State, s.ReasonEn, want)
		}
		if strings.Contains(s.Reason+s.ReasonEn, "moved-pw") {
			t.Errorf("%s: the password in the status", cam)
		}
	}
}

// servePaced serves a file over HTTP on 127.0.0.1 at the rate that delivers it in d, as a
// camera's stream would arrive.
func servePaced(t *testing.T, path string, d time.Duration) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/x-msvideo")
		rate := float64(len(data)) / d.Seconds()
		start := time.Now()
		sent := 0
		for sent < len(data) {
			due := min(len(data), int(time.Since(start).Seconds()*rate)+64<<10)
			if due > sent {
				if _, err := w.Write(data[sent:due]); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				sent = due
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/" + filepath.Base(path)
}
