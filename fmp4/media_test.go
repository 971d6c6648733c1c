package fmp4_test

// Tests on real footage (internal/testmedia): ffmpeg's fragmented output of the vtest
// recordings is read, cut into clips with Write, and the clips are checked with ffprobe,
// ffmpeg and Chromium.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"custodian"
	"custodian/ffmpeg"
	"custodian/fmp4"
	"custodian/internal/testmedia"
)

// vtestSeconds is the length of the vtest recording.
const vtestSeconds = 79.5

// stream is ffmpeg's fragmented output of an input, as read by Reader, with its bytes.
type stream struct {
	init  *fmp4.Init
	frags []*fmp4.Fragment
	data  []byte
}

var (
	streamsMu sync.Mutex
	streams   = map[string]*stream{}
)

// fragmented runs ffmpeg.Fragmented on path and reads its output with a Reader (once per
// path and test binary).
func fragmented(t testing.TB, path string) *stream {
	t.Helper()
	testmedia.Need(t, "ffmpeg", "ffprobe")
	streamsMu.Lock()
	defer streamsMu.Unlock()
	if s := streams[path]; s != nil {
		return s
	}
	rc, err := ffmpeg.Fragmented(context.Background(), path)
	if err != nil {
		t.Fatalf("Fragmented(%s): %v", path, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	r, err := fmp4.NewReader(io.TeeReader(rc, &buf))
	if err != nil {
		t.Fatalf("NewReader(%s): %v", path, err)
	}
	s := &stream{init: r.Init()}
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next after %d fragments: %v", len(s.frags), err)
		}
		s.frags = append(s.frags, f)
	}
	if err := rc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s.data = buf.Bytes()
	streams[path] = s
	return s
}

// tsFile makes an MPEG-TS file (an old DVR export) from the H.264 footage.
func tsFile(t testing.TB) string {
	t.Helper()
	testmedia.Need(t, "ffmpeg")
	out := filepath.Join(t.TempDir(), "dvr-export.ts")
	run(t, "ffmpeg", "-nostdin", "-v", "error", "-i", testmedia.Path(t, testmedia.VtestH264),
		"-c", "copy", "-f", "mpegts", out)
	return out
}

func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func TestReaderRealFootage(t *testing.T) {
	for _, tc := range []struct {
		name      string
		path      func(t testing.TB) string
		codec     string
		timescale uint32
	}{
		{"h264", func(t testing.TB) string { return testmedia.Path(t, testmedia.VtestH264) }, "avc1", 10240},
		{"h265", func(t testing.TB) string { return testmedia.Path(t, testmedia.VtestH265) }, "hvc1", 10240},
		{"mpegts", tsFile, "avc1", 90000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fragmented(t, tc.path(t))
			in := s.init
			if in.Codec != tc.codec || in.Width != 768 || in.Height != 576 || in.Timescale != tc.timescale || in.TrackID == 0 {
				t.Errorf("init = %s %dx%d timescale %d track %d; want %s 768x576 timescale %d",
					in.Codec, in.Width, in.Height, in.Timescale, in.TrackID, tc.codec, tc.timescale)
			}
			if !bytes.HasPrefix(s.data, in.Raw) || string(in.Raw[4:8]) != "ftyp" {
				t.Errorf("Init.Raw is not the head of the stream")
			}
			// A keyframe every 2 s over 79.5 s: 40 fragments.
			if len(s.frags) != 40 {
				t.Errorf("%d fragments, want 40", len(s.frags))
			}
			var total uint64
			samples := 0
			for i, f := range s.frags {
				if !f.Keyframe {
					t.Errorf("fragment %d does not start on a keyframe", i)
				}
				if i > 0 && f.BaseDecodeTime != s.frags[i-1].End() {
					t.Errorf("fragment %d starts at %d, the one before ends at %d", i, f.BaseDecodeTime, s.frags[i-1].End())
				}
				if f.Sequence != uint32(i+1) {
					t.Errorf("fragment %d has sequence %d", i, f.Sequence)
				}
				if f.Samples == 0 || f.Duration == 0 {
					t.Errorf("fragment %d: %d samples, duration %d", i, f.Samples, f.Duration)
				}
				if !f.Relocatable() {
					t.Errorf("fragment %d has an absolute base_data_offset", i)
				}
				if string(f.Raw[4:8]) != "moof" {
					t.Errorf("fragment %d: Raw begins with %q", i, f.Raw[4:8])
				}
				total += f.Duration
				samples += f.Samples
			}
			secs := float64(total) / float64(in.Timescale)
			if math.Abs(secs-vtestSeconds) > 0.15 {
				t.Errorf("fragments last %.3f s, want %.1f", secs, vtestSeconds)
			}
			if samples != 795 {
				t.Errorf("%d samples, want 795 (79.5 s at 10 fps)", samples)
			}
		})
	}
}

func TestParseMatchesReader(t *testing.T) {
	for _, name := range []string{testmedia.VtestH264, testmedia.VtestH265} {
		t.Run(name, func(t *testing.T) {
			s := fragmented(t, testmedia.Path(t, name))
			in, frags, err := fmp4.Parse(s.data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in, s.init) {
				t.Errorf("Parse init = %s %d bytes, Reader init = %s %d bytes", in.Codec, len(in.Raw), s.init.Codec, len(s.init.Raw))
			}
			if len(frags) != len(s.frags) {
				t.Fatalf("Parse: %d fragments, Reader: %d", len(frags), len(s.frags))
			}
			for i := range frags {
				if !reflect.DeepEqual(frags[i], s.frags[i]) {
					a, b := *frags[i], *s.frags[i]
					a.Raw, b.Raw = nil, nil
					t.Errorf("fragment %d: Parse %+v (%d bytes), Reader %+v (%d bytes)", i, a, len(frags[i].Raw), b, len(s.frags[i].Raw))
				}
			}
			// Parse returns slices of its input.
			if len(frags) > 0 && &frags[0].Raw[0] != &s.data[len(in.Raw)] {
				t.Errorf("Parse copied the first fragment")
			}
		})
	}
}

// probeJSON is what the tests read from ffprobe.
type probeJSON struct {
	Streams []struct {
		CodecName string `json:"codec_name"`
		CodecType string `json:"codec_type"`
		Width     int    `json:"width"`
		StartTime string `json:"start_time"`
	} `json:"streams"`
	Format struct {
		Duration  string `json:"duration"`
		StartTime string `json:"start_time"`
	} `json:"format"`
}

// probe runs ffprobe on path; it must succeed.
func probe(t *testing.T, path string) (codec string, duration, start float64) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
		"-show_format", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v %s", path, err, out)
	}
	var p probeJSON
	if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) != 1 {
		t.Fatalf("ffprobe %s: %v, %d streams\n%s", path, err, len(p.Streams), out)
	}
	duration, _ = strconv.ParseFloat(p.Format.Duration, 64)
	start, err = strconv.ParseFloat(p.Streams[0].StartTime, 64)
	if err != nil {
		t.Fatalf("ffprobe: start_time %q", p.Streams[0].StartTime)
	}
	return p.Streams[0].CodecName, duration, start
}

// decode runs ffmpeg's decoder over the whole file: it must say nothing at -v error.
func decode(t *testing.T, path string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("ffmpeg cannot decode %s cleanly: %v\n%s", path, err, out)
	}
}

// writeClip writes frags with Write, rebased to the first, into a file in a temp dir.
func writeClip(t *testing.T, s *stream, frags []*fmp4.Fragment) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clip.mp4")
	var buf bytes.Buffer
	if err := fmp4.Write(&buf, s.init, frags, frags[0].BaseDecodeTime); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWriteClip(t *testing.T) {
	for _, tc := range []struct{ file, codec string }{
		{testmedia.VtestH264, "h264"},
		{testmedia.VtestH265, "hevc"},
	} {
		t.Run(tc.codec, func(t *testing.T) {
			s := fragmented(t, testmedia.Path(t, tc.file))
			before := bytes.Clone(s.data)
			sel := s.frags[10:21]
			path := writeClip(t, s, sel)
			if !bytes.Equal(before, s.data) {
				t.Fatal("Write modified its input")
			}

			want := float64(sel[len(sel)-1].End()-sel[0].BaseDecodeTime) / float64(s.init.Timescale)
			codec, duration, start := probe(t, path)
			if codec != tc.codec {
				t.Errorf("ffprobe: codec %s, want %s", codec, tc.codec)
			}
			if math.Abs(duration-want) > 0.2 {
				t.Errorf("ffprobe: duration %.3f s, want %.3f ± 0.2", duration, want)
			}
			if math.Abs(start) > 0.001 {
				t.Errorf("ffprobe: start_time %.3f s, want 0", start)
			}
			decode(t, path)

			// The clip reads back: sequence numbers 1..N, decode times from 0, the same
			// samples.
			data, _ := os.ReadFile(path)
			in, frags, err := fmp4.Parse(data)
			if err != nil {
				t.Fatalf("Parse of the clip: %v", err)
			}
			if in.Codec != s.init.Codec || in.Timescale != s.init.Timescale {
				t.Errorf("clip init %s/%d, want %s/%d", in.Codec, in.Timescale, s.init.Codec, s.init.Timescale)
			}
			if len(frags) != len(sel) {
				t.Fatalf("clip has %d fragments, want %d", len(frags), len(sel))
			}
			for i, f := range frags {
				if f.Sequence != uint32(i+1) {
					t.Errorf("clip fragment %d: sequence %d, want %d", i, f.Sequence, i+1)
				}
				if f.BaseDecodeTime != sel[i].BaseDecodeTime-sel[0].BaseDecodeTime {
					t.Errorf("clip fragment %d: decode time %d, want %d", i, f.BaseDecodeTime, sel[i].BaseDecodeTime-sel[0].BaseDecodeTime)
				}
				if f.Duration != sel[i].Duration || f.Samples != sel[i].Samples || !f.Keyframe || len(f.Raw) != len(sel[i].Raw) {
					t.Errorf("clip fragment %d differs from its source", i)
				}
			}
		})
	}
}

func TestWriteGap(t *testing.T) {
	for _, tc := range []struct{ file, codec string }{
		{testmedia.VtestH264, "h264"},
		{testmedia.VtestH265, "hevc"},
	} {
		t.Run(tc.codec, func(t *testing.T) { testWriteGap(t, tc.file, tc.codec) })
	}
}

func testWriteGap(t *testing.T, file, wantCodec string) {
	s := fragmented(t, testmedia.Path(t, file))
	// 10, 11, 12, then 16 .. 20: a hole of 6 s.
	sel := append(append([]*fmp4.Fragment{}, s.frags[10:13]...), s.frags[16:21]...)
	path := writeClip(t, s, sel)
	codec, duration, start := probe(t, path)
	want := float64(sel[len(sel)-1].End()-sel[0].BaseDecodeTime) / float64(s.init.Timescale)
	if codec != wantCodec || math.Abs(duration-want) > 0.2 || math.Abs(start) > 0.001 {
		t.Errorf("ffprobe: %s, duration %.3f (want %.3f), start %.3f", codec, duration, want, start)
	}
	decode(t, path)
	data, _ := os.ReadFile(path)
	_, frags, err := fmp4.Parse(data)
	if err != nil || len(frags) != len(sel) {
		t.Fatalf("Parse of the clip: %d fragments, %v", len(frags), err)
	}
	if gap := frags[3].BaseDecodeTime - frags[2].End(); gap != s.frags[16].BaseDecodeTime-s.frags[13].BaseDecodeTime {
		t.Errorf("the gap is %d ticks, want %d", gap, s.frags[16].BaseDecodeTime-s.frags[13].BaseDecodeTime)
	}
}

// TestClipWriter stitches fragments whose decode times restart, as those of two segments
// do, giving each the time it has in the clip (as the vault does).
func TestClipWriter(t *testing.T) {
	s := fragmented(t, testmedia.Path(t, testmedia.VtestH264))
	// "Segment 2" (fragments 30..32) first, then "segment 1" (fragments 10..12) 4 s
	// later: source decode times go backwards, clip decode times do not.
	sel := []*fmp4.Fragment{s.frags[30], s.frags[31], s.frags[32], s.frags[10], s.frags[11], s.frags[12]}
	bases := make([]uint64, len(sel))
	var end uint64
	for i, f := range sel {
		if i == 3 {
			end += 4 * uint64(s.init.Timescale)
		}
		bases[i] = end
		end += f.Duration
	}
	var buf bytes.Buffer
	cw, err := fmp4.NewClipWriter(&buf, s.init, sel[0].PresentationOffset, end)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range sel {
		if err := cw.Write(f, bases[i]); err != nil {
			t.Fatalf("Write %d: %v", i, err)
		}
	}
	// Overlapping, and past the span.
	if err := cw.Write(s.frags[13], bases[5]); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("overlapping Write = %v", err)
	}
	if err := cw.Write(s.frags[13], end); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("Write past the span = %v", err)
	}
	path := filepath.Join(t.TempDir(), "clip.mp4")
	os.WriteFile(path, buf.Bytes(), 0o600)
	codec, duration, start := probe(t, path)
	want := float64(end) / float64(s.init.Timescale)
	if codec != "h264" || math.Abs(duration-want) > 0.2 || math.Abs(start) > 0.001 {
		t.Errorf("ffprobe: %s, duration %.3f (want %.3f), start %.3f", codec, duration, want, start)
	}
	decode(t, path)
	_, frags, err := fmp4.Parse(buf.Bytes())
	if err != nil || len(frags) != len(sel) {
		t.Fatalf("Parse: %d fragments, %v", len(frags), err)
	}
	for i, f := range frags {
		if f.Sequence != uint32(i+1) || f.BaseDecodeTime != bases[i] || f.Duration != sel[i].Duration {
			t.Errorf("fragment %d: sequence %d, decode time %d (want %d)", i, f.Sequence, f.BaseDecodeTime, bases[i])
		}
	}
}

func TestWriteRefusesDisorder(t *testing.T) {
	s := fragmented(t, testmedia.Path(t, testmedia.VtestH264))
	for name, tc := range map[string]struct {
		frags []*fmp4.Fragment
		shift uint64
	}{
		"reversed":         {[]*fmp4.Fragment{s.frags[3], s.frags[2]}, 0},
		"duplicate":        {[]*fmp4.Fragment{s.frags[3], s.frags[3]}, 0},
		"shift past start": {[]*fmp4.Fragment{s.frags[3]}, s.frags[4].BaseDecodeTime},
		"nil fragment":     {[]*fmp4.Fragment{nil}, 0},
	} {
		err := fmp4.Write(io.Discard, s.init, tc.frags, tc.shift)
		if custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("%s: Write = %v, want EINVALID", name, err)
		}
	}
	if err := fmp4.Write(io.Discard, nil, nil, 0); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("Write(nil init) = %v", err)
	}
}

// TestChromiumPlays serves a clip to headless Chromium and checks that it plays past 1 s
// at the right size.
func TestChromiumPlays(t *testing.T) {
	s := fragmented(t, testmedia.Path(t, testmedia.VtestH264))
	var clip bytes.Buffer
	if err := fmp4.Write(&clip, s.init, s.frags[10:21], s.frags[10].BaseDecodeTime); err != nil {
		t.Fatal(err)
	}
	chromiumPlays(t, clip.Bytes())
}

// chromiumPlays checks that the MP4 file clip plays in headless Chromium.
func chromiumPlays(t *testing.T, clip []byte) { testmedia.ChromiumPlays(t, clip, 768) }

// TestAudioRefused feeds NewReader a fragmented MP4 that kept an audio track: it must be
// refused with PIPA Art. 25(5), whichever track comes first.
func TestAudioRefused(t *testing.T) {
	testmedia.Need(t, "ffmpeg")
	dir := t.TempDir()
	two := filepath.Join(dir, "with-audio.mp4")
	run(t, "ffmpeg", "-nostdin", "-v", "error", "-i", testmedia.Path(t, testmedia.VtestH264),
		"-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-map", "0:v", "-map", "1:a",
		"-c:v", "copy", "-c:a", "aac", "-t", "6", two)
	for _, order := range [][]string{{"-map", "0:v", "-map", "0:a"}, {"-map", "0:a", "-map", "0:v"}} {
		t.Run(order[1], func(t *testing.T) {
			args := append([]string{"-nostdin", "-v", "error", "-i", two}, order...)
			args = append(args, "-c", "copy", "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "pipe:1")
			cmd := exec.Command("ffmpeg", args...)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			defer out.Close()
			r, err := fmp4.NewReader(out)
			if err == nil {
				t.Fatalf("NewReader accepted a file with audio: %s", r.Init().Codec)
			}
			var ce *custodian.Error
			if !errors.As(err, &ce) || ce.Code != custodian.EINVALID ||
				!strings.Contains(ce.En, "audio is never recorded") || !strings.Contains(ce.En, "PIPA Art. 25(5)") ||
				!strings.Contains(ce.Ko, "제25조제5항") || !strings.Contains(ce.Ko, "음성") {
				t.Errorf("NewReader = %v; want EINVALID saying audio is never recorded (PIPA Art. 25(5))", err)
			}
		})
	}
}

// benchData is the vtest H.264 footage as ffmpeg's fragmented stream.
func benchData(b *testing.B) []byte {
	return fragmented(b, testmedia.Path(b, testmedia.VtestH264)).data
}

func BenchmarkParse(b *testing.B) {
	data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := fmp4.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReader reads the same stream through an io.Reader (each fragment is copied into
// a buffer of its own).
func BenchmarkReader(b *testing.B) {
	data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := fmp4.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCopyDiscard is the baseline: io.Copy of the same bytes to io.Discard. The
// reader is wrapped so that io.Copy cannot hand the whole slice to io.Discard in one call
// (bytes.Reader's WriteTo), which would copy nothing; io.Discard then reads every byte
// through its buffer, as a consumer of the ffmpeg pipe would.
func BenchmarkCopyDiscard(b *testing.B) {
	data := benchData(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := io.Copy(io.Discard, struct{ io.Reader }{bytes.NewReader(data)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCopyMemory is a second baseline: copying the bytes into another buffer, what
// Reader does with every fragment.
func BenchmarkCopyMemory(b *testing.B) {
	data := benchData(b)
	dst := make([]byte, len(data))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		copy(dst, data)
	}
}

func BenchmarkWrite(b *testing.B) {
	s := fragmented(b, testmedia.Path(b, testmedia.VtestH264))
	n := 0
	for _, f := range s.frags {
		n += len(f.Raw)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		if err := fmp4.Write(io.Discard, s.init, s.frags, 0); err != nil {
			b.Fatal(err)
		}
	}
}
