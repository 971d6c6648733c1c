package recorder_test

// End-to-end tests: cameras served by camsim (and by GStreamer's RTSP server, a third party)
// are recorded into a real vault; the footage is read back, stitched with vault.Clip, and
// checked with ffprobe and ffmpeg.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"custodian"
	"custodian/camsim"
	"custodian/datadir"
	"custodian/internal/testmedia"
	"custodian/live"
	"custodian/recorder"
	"custodian/sqlite"
	"custodian/vault"
)

type nopAudit struct{}

func (nopAudit) Record(ctx context.Context, e vault.Event) error { return nil }

type env struct {
	t   *testing.T
	ctx context.Context
	db  *sqlite.DB
	v   *vault.Vault
	reg *custodian.Registry
	mu  sync.Mutex
	log *logBuffer
	// tailLoss is footage a source may hold back at the stop beyond the second allowed
	// (ffmpeg keeps a group of pictures until the next keyframe).
	tailLoss time.Duration
}

// logBuffer collects the operations log.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d, err := datadir.Init(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), d.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	v, err := vault.Open(context.Background(), vault.Options{Data: d, Catalog: db, Audit: nopAudit{}, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: context.Background(), db: db, v: v, log: &logBuffer{}}
}

// cameras sets the registry: one group with the given cameras (ID → URL).
func (e *env) cameras(urls map[string]string) {
	var cams []custodian.Camera
	for id, u := range urls {
		cams = append(cams, custodian.Camera{ID: id, Enabled: true, Source: &custodian.Source{URL: u}})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reg = &custodian.Registry{
		RetentionClasses: []custodian.RetentionClass{{ID: "std", RetentionDays: 30}},
		Sites:            []custodian.Site{{ID: "s", CameraGroups: []custodian.CameraGroup{{ID: "g", Count: len(cams), RetentionClass: "std", Cameras: cams}}}},
	}
}

// record runs a recorder for d and returns its last status.
func (e *env) record(d time.Duration, opt recorder.Options) []recorder.Status {
	e.t.Helper()
	opt.Store = recorder.VaultStore{V: e.v}
	opt.Registry = func(ctx context.Context) (*custodian.Registry, error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.reg, nil
	}
	if opt.Secret == nil {
		opt.Secret = e.v.CameraSecretFor
	}
	if opt.Target == 0 {
		opt.Target = 4 * time.Second
	}
	if opt.Timeout == 0 {
		opt.Timeout = 3 * time.Second
	}
	opt.MinBackoff, opt.MaxBackoff = 200*time.Millisecond, time.Second
	opt.Log = slog.New(slog.NewTextHandler(e.log, nil))
	r := recorder.New(opt)
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	time.Sleep(d)
	last := r.Status() // while every camera still runs
	cancel()
	<-done
	return last
}

// noBFrames encodes the first seconds of vtest without B-frames (as CCTV cameras are
// configured): GStreamer's relay (MEDIA.md) re-stamps RTP packets with their arrival time,
// which is right only when decode and presentation order agree (RFC 6184 §5.1 wants
// presentation times).
func noBFrames(t *testing.T, codec string, seconds int) string {
	t.Helper()
	testmedia.Need(t, "ffmpeg")
	out := filepath.Join(t.TempDir(), fmt.Sprintf("nob-%s-%ds.mp4", codec, seconds))
	args := []string{"-nostdin", "-v", "error", "-i", testmedia.Path(t, testmedia.VtestAVI), "-t", strconv.Itoa(seconds), "-an"}
	if codec == "h265" {
		args = append(args, "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-x265-params",
			"keyint=20:min-keyint=20:scenecut=0:open-gop=0:bframes=0:log-level=error")
	} else {
		args = append(args, "-c:v", "libx264", "-preset", "veryfast", "-g", "20", "-sc_threshold", "0", "-bf", "0")
	}
	if b, err := exec.Command("ffmpeg", append(args, out)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, b)
	}
	return out
}

// shortFile is the first seconds of a test file (so that tests see the loop point).
func shortFile(t *testing.T, name string, seconds int) string {
	t.Helper()
	testmedia.Need(t, "ffmpeg", "ffprobe")
	out := filepath.Join(t.TempDir(), fmt.Sprintf("short-%ds.mp4", seconds))
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", testmedia.Path(t, name), "-t", strconv.Itoa(seconds), "-c", "copy", out)
	if name == testmedia.VtestH265 {
		// The H.265 footage has open GOPs: cutting it by time keeps the leading pictures
		// of a CRA whose trailing pictures are cut, a broken end that a loop would show.
		// A closed-GOP encode of the same seconds loops cleanly, as a camera's stream does.
		cmd = exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", testmedia.Path(t, testmedia.VtestAVI), "-t", strconv.Itoa(seconds),
			"-an", "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-x265-params",
			"keyint=20:min-keyint=20:scenecut=0:open-gop=0:log-level=error", out)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, b)
	}
	return out
}

// startCamsim serves n cameras of file on a free loopback port.
func startCamsim(t *testing.T, file string, n int, user, password string) (*camsim.Server, string) {
	t.Helper()
	f, err := camsim.Load(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := camsim.NewServer(f, camsim.Options{Cameras: n, User: user, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return srv, l.Addr().String()
}

// checkFootage checks a camera's recorded footage, recorded from began to stop: segments
// contiguous; recording began within lead of began (connecting, the first keyframe); the
// footage's duration matches the wall time from its first frame to stop within a second;
// and the whole span decodes with ffmpeg into frames at fps.
func (e *env) checkFootage(camera string, began, stop time.Time, lead time.Duration, fps float64, codec string) {
	t := e.t
	t.Helper()
	segs, err := e.v.Find(e.ctx, camera, time.Unix(0, 0), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) < 2 {
		t.Fatalf("%s: %d segments, want at least 2", camera, len(segs))
	}
	var total time.Duration
	for i, s := range segs {
		total += s.End.Sub(s.Start)
		if i > 0 && s.Start.Before(segs[i-1].End) {
			t.Errorf("%s: segment %d overlaps the one before", camera, i)
		}
		if i > 0 && s.Start.Sub(segs[i-1].End) > 0 {
			t.Errorf("%s: a gap of %v before segment %d", camera, s.Start.Sub(segs[i-1].End), i)
		}
	}
	if d := segs[0].Start.Sub(began); d < 0 || d > lead {
		t.Errorf("%s: recording began %v after connecting, want within %v", camera, d, lead)
	}
	if d := stop.Sub(segs[0].Start) - total; d < -time.Second || d > time.Second+e.tailLoss {
		t.Errorf("%s: %v of footage for the %v of wall time from its first frame to the stop", camera, total, stop.Sub(segs[0].Start))
	}
	from, to := segs[0].Start, segs[len(segs)-1].End
	clip := filepath.Join(t.TempDir(), camera+".mp4")
	f, err := os.Create(clip)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.v.Clip(e.ctx, f, camera, from, to); err != nil {
		t.Fatalf("Clip: %v", err)
	}
	f.Close()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
		"stream=codec_name,width,height,nb_read_frames:format=duration", "-of", "json", clip).Output()
	if err != nil {
		t.Fatalf("ffprobe of the recording: %v", err)
	}
	var p struct {
		Streams []struct {
			Codec  string `json:"codec_name"`
			Width  int    `json:"width"`
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) != 1 {
		t.Fatalf("ffprobe: %v %s", err, out)
	}
	dur, _ := strconv.ParseFloat(p.Format.Duration, 64)
	frames, _ := strconv.Atoi(p.Streams[0].Frames)
	if p.Streams[0].Codec != codec || p.Streams[0].Width != 768 {
		t.Errorf("%s: codec %s width %d", camera, p.Streams[0].Codec, p.Streams[0].Width)
	}
	if d := dur - to.Sub(from).Seconds(); d > 0.5 || d < -0.5 {
		t.Errorf("%s: the recording plays %.2fs, the catalog says %.2fs", camera, dur, to.Sub(from).Seconds())
	}
	// Every frame of the span is there: no frame lost at the loop point or a segment cut.
	// (At most the leading pictures of an open GOP at the very start are not decodable.)
	if wantFrames := dur * fps; float64(frames) < wantFrames-3 || float64(frames) > wantFrames+3 {
		t.Errorf("%s: %d frames decoded in %.2fs, want about %.0f", camera, frames, dur, wantFrames)
	}
	if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-enc_time_base", "-1", "-f", "null", "-").CombinedOutput(); err != nil || len(strings.TrimSpace(string(b))) > 0 {
		t.Errorf("%s: ffmpeg does not decode the recording cleanly: %v\n%s", camera, err, b)
	}
}

func TestRecordCamsim(t *testing.T) {
	for _, tc := range []struct{ name, file, codec string }{
		{"h264", testmedia.VtestH264, "h264"},
		{"h265", testmedia.VtestH265, "hevc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			// A 6 s file: the 13 s recording crosses the loop point twice.
			_, addr := startCamsim(t, shortFile(t, tc.file, 6), 2, "", "")
			e.cameras(map[string]string{"cam-a": "rtsp://" + addr + "/cam1", "cam-b": "rtsp://" + addr + "/cam2"})
			began := time.Now()
			st := e.record(13*time.Second, recorder.Options{})
			stop := time.Now()
			for _, s := range st {
				if s.State != recorder.StateRecording || s.Lost != 0 || s.Dropped != 0 || s.Jumps != 0 {
					t.Errorf("status: %+v", s)
				}
			}
			for _, cam := range []string{"cam-a", "cam-b"} {
				// Recording starts at the first keyframe (within 2 s of connecting).
				e.checkFootage(cam, began, stop, 5*time.Second, 10, tc.codec)
			}
			if tc.codec == "h264" {
				// A decrypted segment, as stored, plays in Chromium (Debian's has no H.265).
				segs, err := e.v.Find(e.ctx, "cam-a", time.Unix(0, 0), time.Now().Add(time.Hour))
				if err != nil || len(segs) == 0 {
					t.Fatal(err)
				}
				seg, err := e.v.Open(e.ctx, segs[0])
				if err != nil {
					t.Fatal(err)
				}
				data, err := seg.ReadAll()
				seg.Close()
				if err != nil {
					t.Fatal(err)
				}
				testmedia.ChromiumPlays(t, data, 768)
			}
			if t.Failed() {
				t.Logf("operations log:\n%s", e.log)
			}
		})
	}
}

// TestRecordGStreamer records from a third-party RTSP server: GStreamer's (MEDIA.md).
func TestRecordGStreamer(t *testing.T) {
	for _, tc := range []struct{ name, file, codec string }{
		{"h264", testmedia.VtestH264, "h264"},
		{"h265", testmedia.VtestH265, "hevc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			url := startGStreamer(t, noBFrames(t, tc.name, 6), tc.name)
			e.cameras(map[string]string{"gst": url})
			began := time.Now()
			st := e.record(14*time.Second, recorder.Options{})
			stop := time.Now()
			if len(st) != 1 || st[0].State != recorder.StateRecording {
				t.Fatalf("status: %+v\n%s", st, e.log)
			}
			e.checkFootage("gst", began, stop, 6*time.Second, 10, tc.codec)
		})
	}
}

// startGStreamer runs recorder/testdata/gst-rtsp-camera.py and returns its URL.
func startGStreamer(t *testing.T, file, codec string) string {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", `import gi; gi.require_version("GstRtspServer", "1.0")`).Run(); err != nil {
		t.Fatalf("GStreamer's RTSP server for Python is missing: run scripts/setup.sh (%v)", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(python, "testdata/gst-rtsp-camera.py", file, strconv.Itoa(port), codec)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		t.Fatalf("the GStreamer server did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	return strings.TrimSpace(strings.TrimPrefix(line, "ready "))
}

// TestRecordFFmpegSource: the fallback; ffmpeg reads the camera (here RTSP from camsim,
// and an MJPEG file that must be transcoded) and its fragments are segmented and
// encrypted like recorded ones.
func TestRecordFFmpegSource(t *testing.T) {
	e := newEnv(t)
	_, addr := startCamsim(t, shortFile(t, testmedia.VtestH264, 6), 1, "", "")
	mjpeg := filepath.Join(t.TempDir(), "mjpeg.avi")
	if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", testmedia.Path(t, testmedia.VtestAVI), "-t", "20", "-an",
		"-c:v", "mjpeg", "-q:v", "5", mjpeg).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, b)
	}
	e.mu.Lock()
	e.reg = &custodian.Registry{
		RetentionClasses: []custodian.RetentionClass{{ID: "std", RetentionDays: 30}},
		Sites: []custodian.Site{{ID: "s", CameraGroups: []custodian.CameraGroup{{ID: "g", Count: 2, RetentionClass: "std", Cameras: []custodian.Camera{
			{ID: "via-ffmpeg", Enabled: true, Source: &custodian.Source{Kind: custodian.SourceFFmpeg, URL: "rtsp://" + addr + "/cam1"}},
			// An ffmpeg source is a network stream (never a local file): the MJPEG file
			// comes over HTTP at the pace it plays.
			{ID: "mjpeg", Enabled: true, Source: &custodian.Source{Kind: custodian.SourceFFmpeg, URL: servePaced(t, mjpeg, 20*time.Second), Transcode: true}},
		}}}}},
	}
	e.mu.Unlock()
	// A live viewer of the transcoded camera gets ffmpeg's fragments as they come.
	hub := live.NewHub()
	vctx, stopView := context.WithCancel(context.Background())
	defer stopView()
	pr, pw := io.Pipe()
	go func() {
		hub.Stream(vctx, pw, func() {}, "mjpeg")
		pw.Close()
	}()
	var viewed bytes.Buffer
	var inits, frags int
	read := make(chan struct{})
	go func() {
		defer close(read)
		for {
			kind, b, err := live.ReadMessage(pr)
			if err != nil {
				return
			}
			switch kind {
			case live.KindInit:
				if inits++; inits == 1 {
					viewed.Write(b[1+int(b[0]):])
				}
			case live.KindFragment:
				if inits == 1 {
					frags++
					viewed.Write(b)
				}
			}
		}
	}()
	began := time.Now()
	st := e.record(16*time.Second, recorder.Options{Live: hub})
	stop := time.Now()
	stopView()
	<-read
	for _, s := range st {
		if s.State != recorder.StateRecording || s.Kind != custodian.SourceFFmpeg {
			t.Errorf("status: %+v\n%s", s, e.log)
		}
	}
	if inits != 1 || frags < 3 {
		t.Errorf("live view of an ffmpeg source: %d inits, %d fragments; want 1 and one per keyframe", inits, frags)
	} else {
		clip := filepath.Join(t.TempDir(), "live.mp4")
		os.WriteFile(clip, viewed.Bytes(), 0o600)
		if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", clip, "-f", "null", "-").CombinedOutput(); err != nil || len(bytes.TrimSpace(b)) > 0 {
			t.Errorf("the live view does not decode: %v %s", err, b)
		}
	}
	// ffmpeg needs a moment to start and probe: allow 4 s.
	e.tailLoss = 2 * time.Second // a keyframe interval
	e.checkFootage("via-ffmpeg", began, stop, 10*time.Second, 10, "h264")
	e.checkFootage("mjpeg", began, stop, 10*time.Second, 10, "h264")
}

// TestRecordOpenGOP records the H.265 footage as it is, with open GOPs (CRA pictures whose
// leading pictures follow them in decode order), cut into short segments: every segment
// boundary falls on such a CRA, and no frame is lost at any of them.
func TestRecordOpenGOP(t *testing.T) {
	e := newEnv(t)
	_, addr := startCamsim(t, testmedia.Path(t, testmedia.VtestH265), 1, "", "")
	e.cameras(map[string]string{"open-gop": "rtsp://" + addr + "/cam1"})
	began := time.Now()
	st := e.record(11*time.Second, recorder.Options{Target: 2 * time.Second, NoJitter: true})
	stop := time.Now()
	if len(st) != 1 || st[0].State != recorder.StateRecording || st[0].Dropped != 0 {
		t.Fatalf("status: %+v", st)
	}
	e.checkFootage("open-gop", began, stop, 5*time.Second, 10, "hevc")
}
