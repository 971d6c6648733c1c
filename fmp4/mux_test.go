package fmp4_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"custodian"
	"custodian/codec"
	"custodian/codec/h264"
	"custodian/codec/h265"
	"custodian/fmp4"
	"custodian/internal/testmedia"
)

// annexB returns the access units of a file's video as NAL units (from ffmpeg's Annex B
// output) and which are keyframes. Test-only: the recorder gets access units from RTP.
func annexB(t testing.TB, path string, hevc bool) (units [][][]byte, keys []bool) {
	t.Helper()
	bsf, format := "h264_mp4toannexb", "h264"
	if hevc {
		bsf, format = "hevc_mp4toannexb", "hevc"
	}
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-c:v", "copy",
		"-bsf:v", bsf, "-f", format, "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg annexb: %v", err)
	}
	if hevc {
		units = h265.AccessUnits(codec.SplitAnnexB(out))
		for _, u := range units {
			keys = append(keys, h265.Key(u))
		}
		return units, keys
	}
	units = h264.AccessUnits(codec.SplitAnnexB(out))
	for _, u := range units {
		keys = append(keys, h264.Key(u))
	}
	return units, keys
}

// configBox returns the payload of the first box of type typ found in raw (an init segment).
func configBox(t testing.TB, raw []byte, typ string) []byte {
	t.Helper()
	i := bytes.Index(raw, []byte(typ))
	if i < 4 {
		t.Fatalf("no %s box in the init segment", typ)
	}
	size := binary.BigEndian.Uint32(raw[i-4:])
	return raw[i+4 : i-4+int(size)]
}

// muxFile muxes the footage in path into a fragmented MP4 with MuxInit and
// FragmentBuilder, a fragment per keyframe, 10 fps at 90 kHz.
func muxFile(t *testing.T, path string, hevc bool) ([]byte, int, int) {
	t.Helper()
	s := fragmented(t, path)
	codec, box := "avc1", "avcC"
	if hevc {
		codec, box = "hvc1", "hvcC"
	}
	init, err := fmp4.MuxInit(fmp4.Track{Codec: codec, Config: configBox(t, s.init.Raw, box),
		Width: s.init.Width, Height: s.init.Height, Timescale: 90000})
	if err != nil {
		t.Fatal(err)
	}
	units, keys := annexB(t, path, hevc)
	// Presentation times in decode order (the footage has B-frames), at 90 kHz.
	pout, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
		"packet=pts_time", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe packets: %v", err)
	}
	var pts []int64
	for _, l := range strings.Fields(string(pout)) {
		v, err := strconv.ParseFloat(strings.TrimSuffix(l, ","), 64)
		if err != nil {
			t.Fatalf("ffprobe pts %q", l)
		}
		pts = append(pts, int64(math.Round(v*90000)))
	}
	if len(pts) != len(units) {
		t.Fatalf("%d packets, %d access units", len(pts), len(units))
	}
	// Fragments start at keyframes. A fragment's last frame lasts until the first frame (in
	// presentation order) of the next fragment, which is not the keyframe when the GOP is
	// open (H.265 CRA with leading pictures).
	var frags [][]int
	for i := range units {
		if keys[i] || len(frags) == 0 {
			frags = append(frags, nil)
		}
		frags[len(frags)-1] = append(frags[len(frags)-1], i)
	}
	var out bytes.Buffer
	out.Write(init)
	var fb fmp4.FragmentBuilder
	for k, fr := range frags {
		fb.Reset()
		for _, i := range fr {
			fb.Add(units[i], pts[i], keys[i])
		}
		_, end := fb.Span()
		end += 9000
		if k+1 < len(frags) {
			end = math.MaxInt64
			for _, i := range frags[k+1] {
				end = min(end, pts[i])
			}
		}
		if _, err := fb.WriteTo(&out, uint32(k+1), pts[0], end); err != nil {
			t.Fatal(err)
		}
	}
	nkeys := len(frags)
	return out.Bytes(), len(units), nkeys
}

func TestMuxRealFootage(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	for _, tc := range []struct {
		file, codec string
		hevc        bool
	}{
		{testmedia.VtestH264, "h264", false},
		{testmedia.VtestH265, "hevc", true},
	} {
		t.Run(tc.codec, func(t *testing.T) {
			path := testmedia.Path(t, tc.file)
			data, frames, nkeys := muxFile(t, path, tc.hevc)
			if frames != 795 {
				t.Fatalf("%d access units in the footage, want 795", frames)
			}
			// Our own reader accepts it: one fragment per keyframe, every sample counted.
			in, frags, err := fmp4.Parse(data)
			if err != nil {
				t.Fatalf("Parse of the muxed file: %v", err)
			}
			if in.Timescale != 90000 || in.Width != 768 || in.Height != 576 || in.TrackID != fmp4.MuxTrackID {
				t.Errorf("init: %+v", in)
			}
			samples := 0
			for i, f := range frags {
				samples += f.Samples
				if !f.Keyframe {
					t.Errorf("fragment %d does not start on a keyframe", i)
				}
				if i > 0 && f.BaseDecodeTime != frags[i-1].End() {
					t.Errorf("fragment %d starts at %d, the one before ends at %d", i, f.BaseDecodeTime, frags[i-1].End())
				}
			}
			if samples != frames || len(frags) != nkeys {
				t.Errorf("%d samples in %d fragments, want %d in %d", samples, len(frags), frames, nkeys)
			}
			file := filepath.Join(t.TempDir(), "muxed.mp4")
			if err := os.WriteFile(file, data, 0o600); err != nil {
				t.Fatal(err)
			}
			codec, duration, _ := probe(t, file)
			if codec != tc.codec || duration < 79.4 || duration > 79.6 {
				t.Errorf("ffprobe: codec %s, duration %.3f; want %s, 79.5", codec, duration, tc.codec)
			}
			out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
				"-show_entries", "stream=nb_read_frames,width,height", "-of", "csv=p=0", file).Output()
			if err != nil {
				t.Fatalf("ffprobe -count_frames: %v", err)
			}
			if got := strings.TrimSpace(string(out)); got != "768,576,"+strconv.Itoa(frames) {
				t.Errorf("ffprobe width,height,frames = %s, want 768,576,%d", got, frames)
			}
			decode(t, file)
			if !tc.hevc {
				chromiumPlays(t, data)
			}
		})
	}
}

func TestMuxInitRefuses(t *testing.T) {
	good := fmp4.Track{Codec: "avc1", Config: []byte{1, 2, 3}, Width: 16, Height: 16, Timescale: 90000}
	for name, mod := range map[string]func(*fmp4.Track){
		"codec":     func(t *fmp4.Track) { t.Codec = "mp4a" },
		"config":    func(t *fmp4.Track) { t.Config = nil },
		"width":     func(t *fmp4.Track) { t.Width = 0 },
		"timescale": func(t *fmp4.Track) { t.Timescale = 0 },
	} {
		tr := good
		mod(&tr)
		if _, err := fmp4.MuxInit(tr); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
	if _, err := fmp4.MuxInit(good); err != nil {
		t.Fatal(err)
	}
	// An empty builder writes nothing.
	var fb fmp4.FragmentBuilder
	var buf bytes.Buffer
	if n, err := fb.WriteTo(&buf, 1, 0, 1); n != 0 || err != nil || buf.Len() != 0 {
		t.Errorf("empty WriteTo: %d %v", n, err)
	}
}

// TestMIMECodec checks the RFC 6381 strings against known records, and the init segments
// that MuxInit writes and Parse reads back carry their configuration.
func TestMIMECodec(t *testing.T) {
	for _, tc := range []struct {
		codec string
		cfg   []byte
		want  string
	}{
		{"avc1", []byte{1, 0x64, 0x00, 0x28, 0xff}, "avc1.640028"},
		{"avc3", []byte{1, 0x42, 0xc0, 0x1e, 0xff}, "avc3.42c01e"},
		// Main profile (1), compatible with 1 and 2, level 3.1 (93), progressive source.
		{"hvc1", []byte{1, 0x01, 0x60, 0, 0, 0, 0xb0, 0, 0, 0, 0, 0, 93, 0xf0}, "hvc1.1.6.L93.B0"},
		// Main 10 (2), high tier, level 5.1 (153), two constraint bytes.
		{"hev1", []byte{1, 0x22, 0x20, 0, 0, 0, 0x90, 0x01, 0, 0, 0, 0, 153, 0xf0}, "hev1.2.4.H153.90.1"},
	} {
		got, err := fmp4.MIMECodec(tc.codec, tc.cfg)
		if err != nil || got != tc.want {
			t.Errorf("MIMECodec(%s, % x) = %q, %v; want %q", tc.codec, tc.cfg, got, err, tc.want)
		}
		init, err := fmp4.MuxInit(fmp4.Track{Codec: tc.codec, Config: tc.cfg, Width: 64, Height: 48, Timescale: 90000})
		if err != nil {
			t.Fatal(err)
		}
		in, _, err := fmp4.Parse(init)
		if err != nil || !bytes.Equal(in.Config, tc.cfg) {
			t.Errorf("%s: Parse gives config % x (%v), want % x", tc.codec, in.Config, err, tc.cfg)
		}
	}
	for _, bad := range []struct {
		codec string
		cfg   []byte
	}{{"avc1", []byte{1, 2}}, {"hvc1", make([]byte, 12)}, {"mp4v", make([]byte, 20)}} {
		if _, err := fmp4.MIMECodec(bad.codec, bad.cfg); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("MIMECodec(%s, %d bytes) = %v, want EINVALID", bad.codec, len(bad.cfg), err)
		}
	}
}

// TestAppendFrame: a one-frame fragment with an explicit decode time and a negative
// composition offset reads back as written.
func TestAppendFrame(t *testing.T) {
	init, err := fmp4.MuxInit(fmp4.Track{Codec: "avc1", Config: []byte{1, 0x64, 0, 0x28, 0xff, 0xe0, 0}, Width: 64, Height: 48, Timescale: 90000})
	if err != nil {
		t.Fatal(err)
	}
	data := append([]byte{}, init...)
	data = fmp4.AppendFrame(data, 1, 0, 9000, 0, true, [][]byte{{0x65, 1, 2, 3}})
	data = fmp4.AppendFrame(data, 2, 9000, 9000, -9000, false, [][]byte{{0x41, 9}, {0x06, 7, 7}})
	_, frs, err := fmp4.Parse(data)
	if err != nil || len(frs) != 2 {
		t.Fatalf("Parse: %v (%d fragments)", err, len(frs))
	}
	if f := frs[0]; !f.Keyframe || f.BaseDecodeTime != 0 || f.Duration != 9000 || f.Samples != 1 || f.Sequence != 1 {
		t.Errorf("fragment 1: %+v", f)
	}
	if f := frs[1]; f.Keyframe || f.BaseDecodeTime != 9000 || f.Duration != 9000 || f.PresentationOffset != -9000 || f.Sequence != 2 {
		t.Errorf("fragment 2: %+v", f)
	}
	// The sample data is the NAL units with 4-byte lengths.
	if !bytes.HasSuffix(data, []byte{0, 0, 0, 2, 0x41, 9, 0, 0, 0, 3, 0x06, 7, 7}) {
		t.Errorf("the last sample's data is wrong: % x", data[len(data)-16:])
	}
}
