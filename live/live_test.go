package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"custodian/codec"
	"custodian/codec/h264"
	"custodian/codec/h265"
	"custodian/ffmpeg"
	"custodian/fmp4"
	"custodian/internal/testmedia"
	"custodian/live"
)

// footage is a file's video as the recorder gets it: access units in decode order with
// presentation times at 90 kHz, and the init segment of its parameters.
type footage struct {
	init  []byte
	track fmp4.Track
	units [][][]byte
	pts   []int64
	keys  []bool
}

var (
	footageMu sync.Mutex
	footages  = map[string]*footage{}
)

func load(t testing.TB, name string, hevc bool) *footage {
	t.Helper()
	testmedia.Need(t, "ffmpeg", "ffprobe")
	footageMu.Lock()
	defer footageMu.Unlock()
	if f := footages[name]; f != nil {
		return f
	}
	path := testmedia.Path(t, name)
	rc, err := ffmpeg.Fragmented(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := fmp4.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	in := r.Init()
	rc.Close()
	f := &footage{track: fmp4.Track{Codec: in.Codec, Config: in.Config, Width: in.Width, Height: in.Height, Timescale: 90000}}
	if f.track.Codec == "hev1" {
		f.track.Codec = "hvc1"
	}
	if f.init, err = fmp4.MuxInit(f.track); err != nil {
		t.Fatal(err)
	}
	bsf, format := "h264_mp4toannexb", "h264"
	if hevc {
		bsf, format = "hevc_mp4toannexb", "hevc"
	}
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-c:v", "copy", "-bsf:v", bsf, "-f", format, "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	if hevc {
		f.units = h265.AccessUnits(codec.SplitAnnexB(out))
		for _, u := range f.units {
			f.keys = append(f.keys, h265.Key(u))
		}
	} else {
		f.units = h264.AccessUnits(codec.SplitAnnexB(out))
		for _, u := range f.units {
			f.keys = append(f.keys, h264.Key(u))
		}
	}
	pout, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	for _, l := range strings.Fields(string(pout)) {
		v, err := strconv.ParseFloat(strings.TrimSuffix(l, ","), 64)
		if err != nil {
			t.Fatalf("ffprobe pts %q", l)
		}
		// Far from zero, as extended RTP timestamps are.
		f.pts = append(f.pts, 1<<32+int64(math.Round(v*90000)))
	}
	if len(f.pts) != len(f.units) {
		t.Fatalf("%d packets, %d access units", len(f.pts), len(f.units))
	}
	footages[name] = f
	return f
}

type msg struct {
	kind byte
	data []byte
}

// viewer reads a stream's messages.
type viewer struct {
	cancel context.CancelFunc
	msgs   chan msg
	done   chan error
	pw     *io.PipeWriter
}

func watch(t *testing.T, h *live.Hub, camera string) *viewer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	v := &viewer{cancel: cancel, msgs: make(chan msg, 100000), done: make(chan error, 1), pw: pw}
	go func() {
		v.done <- h.Stream(ctx, pw, func() {}, camera)
		pw.Close()
	}()
	go func() {
		defer close(v.msgs)
		for {
			k, b, err := live.ReadMessage(pr)
			if err != nil {
				return
			}
			v.msgs <- msg{k, b}
		}
	}()
	t.Cleanup(func() { cancel(); pr.Close() })
	return v
}

// until collects messages until fn says stop or 20 s pass.
func (v *viewer) until(t *testing.T, fn func(m msg) bool) []msg {
	t.Helper()
	var out []msg
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-v.msgs:
			if !ok {
				return out
			}
			out = append(out, m)
			if fn(m) {
				return out
			}
		case <-timeout:
			t.Fatalf("no end after %d messages", len(out))
		}
	}
}

func status(t *testing.T, m msg) string {
	t.Helper()
	var s struct{ State, Ko, En string }
	if err := json.Unmarshal(m.data, &s); err != nil || s.Ko == "" || s.En == "" {
		t.Fatalf("status %q: %v", m.data, err)
	}
	return s.State
}

func waitWatched(t *testing.T, f *live.Feed) {
	t.Helper()
	for i := 0; !f.Watched(); i++ {
		if i > 2000 {
			t.Fatal("the viewer never subscribed")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestStreamDecodes sends real footage (with B-frames) through a feed and checks what a
// viewer receives: an init with the right codec, then per-frame fragments with strictly
// increasing decode times, that ffmpeg decodes without an error and Chromium plays.
func TestStreamDecodes(t *testing.T) {
	for _, tc := range []struct {
		file, codec, mime string
		hevc              bool
	}{
		{testmedia.VtestH264, "h264", "avc1.", false},
		{testmedia.VtestH265, "hevc", "hvc1.", true},
	} {
		t.Run(tc.codec, func(t *testing.T) {
			f := load(t, tc.file, tc.hevc)
			h := live.NewHub()
			h.Queue = 10000
			v := watch(t, h, "cam")
			first := v.until(t, func(m msg) bool { return true })
			if first[0].kind != live.KindStatus || status(t, first[0]) != "waiting" {
				t.Fatalf("first message %c %q, want the waiting status", first[0].kind, first[0].data)
			}
			feed := h.Open("cam")
			waitWatched(t, feed)
			for i := range f.units {
				feed.Frame(f.init, f.track, f.units[i], f.pts[i], f.keys[i])
			}
			feed.Close()
			msgs := v.until(t, func(m msg) bool { return m.kind == live.KindStatus && status(t, m) == "waiting" })
			var file bytes.Buffer
			var codecs []string
			frames := 0
			var last uint64
			for i, m := range msgs {
				switch m.kind {
				case live.KindInit:
					n := int(m.data[0])
					codecs = append(codecs, string(m.data[1:1+n]))
					if file.Len() == 0 {
						file.Write(m.data[1+n:])
					}
				case live.KindFragment:
					in, frs, err := fmp4.Parse(append(append([]byte{}, f.init...), m.data...))
					if err != nil || len(frs) != 1 || frs[0].Samples != 1 {
						t.Fatalf("message %d: %v (%d fragments)", i, err, len(frs))
					}
					_ = in
					if frames == 0 && !frs[0].Keyframe {
						t.Fatalf("the first fragment is not a keyframe")
					}
					if frames > 0 && frs[0].BaseDecodeTime <= last {
						t.Fatalf("fragment %d: decode time %d after %d", frames, frs[0].BaseDecodeTime, last)
					}
					last = frs[0].BaseDecodeTime
					file.Write(m.data)
					frames++
				}
			}
			// The footage has B-frames: the reorder depth is learned in the first group
			// of pictures (whose frames after the first misplaced one are not sent), and
			// every frame from the second keyframe on arrives.
			second := 0
			for i := 1; i < len(f.keys); i++ {
				if f.keys[i] {
					second = i
					break
				}
			}
			if len(codecs) != 1 || !strings.HasPrefix(codecs[0], tc.mime) {
				t.Errorf("codecs %q, want one %s...", codecs, tc.mime)
			}
			if frames < len(f.units)-second || frames > len(f.units) {
				t.Errorf("%d frames sent, want between %d and %d", frames, len(f.units)-second, len(f.units))
			}
			t.Logf("%d of %d frames, codec %s, %d bytes", frames, len(f.units), codecs, file.Len())
			path := filepath.Join(t.TempDir(), "live.mp4")
			if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("ffmpeg decoding the live stream: %v\n%s", err, out)
			}
			cnt, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
				"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).Output()
			if err != nil || strings.TrimSpace(string(cnt)) != strconv.Itoa(frames) {
				t.Errorf("ffprobe counts %q frames (%v), want %d", cnt, err, frames)
			}
			if !tc.hevc {
				testmedia.ChromiumPlays(t, file.Bytes(), 768)
			}
		})
	}
}

// TestSlowViewer: a viewer that stops reading loses frames up to a keyframe, and only it;
// the feed never blocks.
func TestSlowViewer(t *testing.T) {
	f := load(t, testmedia.VtestH264, false)
	h := live.NewHub()
	h.Queue = 8
	feed := h.Open("cam")
	fast := watch(t, h, "cam")
	fast.until(t, func(msg) bool { return true }) // the status
	// The slow viewer's reader is stalled: its Stream blocks on the pipe.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	go h.Stream(ctx, pw, func() {}, "cam")
	defer pr.Close()
	for h.Stats().Viewers < 2 {
		time.Sleep(time.Millisecond)
	}
	sent := 0
	for i := range 200 {
		feed.Frame(f.init, f.track, f.units[i], f.pts[i], f.keys[i])
		// The fast viewer keeps up (it reads as fast as frames come).
		for range 2 {
			select {
			case <-fast.msgs:
			case <-time.After(5 * time.Millisecond):
			}
		}
		sent++
	}
	st := h.Stats()
	if st.Dropped == 0 || st.Viewers != 2 || st.Feeds != 1 {
		t.Errorf("stats %+v: want dropped messages, 2 viewers, 1 feed", st)
	}
	// The slow viewer now reads: after its queue, it resumes on a keyframe.
	cancelRead := make(chan struct{})
	var got []msg
	go func() {
		defer close(cancelRead)
		for {
			k, b, err := live.ReadMessage(pr)
			if err != nil {
				return
			}
			got = append(got, msg{k, b})
		}
	}()
	for i := 200; i < 300; i++ {
		feed.Frame(f.init, f.track, f.units[i], f.pts[i], f.keys[i])
	}
	time.Sleep(200 * time.Millisecond)
	pr.Close()
	<-cancelRead
	// After the queued messages, the first fragment after the gap is a keyframe.
	seqs := []uint32{}
	resumed := false
	for i, m := range got {
		if m.kind != live.KindFragment {
			continue
		}
		_, frs, err := fmp4.Parse(append(append([]byte{}, f.init...), m.data...))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if n := len(seqs); n > 0 && frs[0].Sequence != seqs[n-1]+1 {
			if !frs[0].Keyframe {
				t.Fatalf("after a gap (%d → %d) the stream resumes on a frame that is not a keyframe", seqs[n-1], frs[0].Sequence)
			}
			resumed = true
		}
		seqs = append(seqs, frs[0].Sequence)
	}
	if !resumed {
		t.Errorf("the slow viewer lost no frame (%d fragments)", len(seqs))
	}
}

// TestNobodyWatching: a feed without viewers copies and allocates nothing.
func TestNobodyWatching(t *testing.T) {
	f := load(t, testmedia.VtestH264, false)
	h := live.NewHub()
	feed := h.Open("cam")
	i := 0
	allocs := testing.AllocsPerRun(500, func() {
		feed.Frame(f.init, f.track, f.units[i%len(f.units)], f.pts[i%len(f.units)], f.keys[i%len(f.units)])
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame with nobody watching, want 0", allocs)
	}
}

// TestReconnect: a viewer outlives the camera's connections; each new connection brings
// a new init (a new timeline).
func TestReconnect(t *testing.T) {
	f := load(t, testmedia.VtestH264, false)
	h := live.NewHub()
	h.Queue = 10000
	v := watch(t, h, "cam")
	v.until(t, func(msg) bool { return true })
	for round := range 2 {
		feed := h.Open("cam")
		waitWatched(t, feed)
		for i := range 100 {
			feed.Frame(f.init, f.track, f.units[i], f.pts[i], f.keys[i])
		}
		feed.Close()
		msgs := v.until(t, func(m msg) bool { return m.kind == live.KindStatus && status(t, m) == "waiting" })
		inits, frags := 0, 0
		for _, m := range msgs {
			switch m.kind {
			case live.KindInit:
				inits++
			case live.KindFragment:
				frags++
			}
		}
		if inits != 1 || frags < 40 {
			t.Errorf("round %d: %d inits, %d fragments; want 1 init and the frames", round, inits, frags)
		}
	}
	// A viewer that leaves is forgotten.
	v.cancel()
	if err := <-v.done; err != nil {
		t.Errorf("Stream = %v after its context ended, want nil", err)
	}
	for i := 0; h.Stats().Viewers != 0; i++ {
		if i > 1000 {
			t.Fatal("the viewer was not removed")
		}
		time.Sleep(time.Millisecond)
	}
}
