package h264_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"custodian/codec"
	"custodian/codec/h264"
	"custodian/codec/internal/codectest"
	"custodian/internal/testmedia"
)

// encode encodes three frames of ffmpeg's test pattern with libx264 and returns the stream's
// path and its first SPS.
func encode(t *testing.T, size, rate string, args ...string) (string, []byte) {
	t.Helper()
	testmedia.Need(t, "ffmpeg")
	path := filepath.Join(t.TempDir(), "v.h264")
	cmd := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=" + rate,
		"-frames:v", "3", "-vf", "scale=" + strings.Replace(size, "x", ":", 1),
		"-c:v", "libx264", "-preset", "veryfast"}
	cmd = append(cmd, args...)
	codectest.Run(t, "ffmpeg", append(cmd, "-f", "h264", "-y", path)...)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range codec.SplitAnnexB(b) {
		if h264.NALUType(n) == h264.NALUTypeSPS {
			return path, n
		}
	}
	t.Fatal("no SPS in the encoded stream")
	return "", nil
}

// rate parses ffprobe's "num/den".
func rate(t *testing.T, s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		den = "1"
	}
	n, err1 := strconv.ParseFloat(num, 64)
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || d == 0 {
		t.Fatalf("bad rate %q", s)
	}
	return n / d
}

// TestParseSPSEncoded parses SPS that libx264 writes in several profiles, chroma formats,
// bit depths, sizes (with cropping), scaling matrices and field coding, and checks the
// result against ffprobe's reading of the same stream.
func TestParseSPSEncoded(t *testing.T) {
	profiles := map[string]uint8{"Constrained Baseline": 66, "Baseline": 66, "Main": 77, "High": 100,
		"High 10": 110, "High 4:2:2": 122, "High 4:4:4 Predictive": 244}
	chroma := map[string]uint32{"yuv420p": 1, "yuv420p10le": 1, "yuv422p": 2, "yuv422p10le": 2, "yuv444p": 3}
	depth := map[string]uint8{"yuv420p": 8, "yuv422p": 8, "yuv444p": 8, "yuv420p10le": 10, "yuv422p10le": 10}
	cases := []struct {
		name, size, rate string
		args             []string
	}{
		{"baseline (POC type 2)", "320x240", "25", []string{"-profile:v", "baseline"}},
		{"main, cropped", "322x242", "30000/1001", []string{"-profile:v", "main"}},
		{"high", "640x480", "10", nil},
		{"high, 1080p cropped", "1920x1080", "25", nil},
		{"high 10", "320x240", "50", []string{"-pix_fmt", "yuv420p10le"}},
		{"high 4:2:2, odd height", "320x241", "25", []string{"-pix_fmt", "yuv422p"}},
		{"high 4:2:2 10", "320x240", "25", []string{"-pix_fmt", "yuv422p10le"}},
		{"high 4:4:4, odd size", "321x241", "24", []string{"-pix_fmt", "yuv444p"}},
		{"scaling matrix", "320x240", "25", []string{"-x264-params", "cqm=jvt"}},
		{"scaling matrix 4:4:4", "320x240", "25", []string{"-pix_fmt", "yuv444p", "-x264-params", "cqm=jvt"}},
		{"interlaced", "720x576", "25", []string{"-flags", "+ildct+ilme", "-x264-params", "interlaced=1"}},
		{"interlaced, cropped", "720x484", "30000/1001", []string{"-flags", "+ildct+ilme", "-x264-params", "interlaced=1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, n := encode(t, c.size, c.rate, c.args...)
			s, err := h264.ParseSPS(n)
			if err != nil {
				t.Fatalf("ParseSPS(%x): %v", n, err)
			}
			p := codectest.Probe(t, path)
			want := h264.SPS{
				ProfileIDC: profiles[p.Profile], ConstraintFlags: n[2], LevelIDC: uint8(p.Level),
				ChromaFormatIDC: chroma[p.PixFmt], BitDepthLuma: depth[p.PixFmt], BitDepthChroma: depth[p.PixFmt],
				Width: p.Width, Height: p.Height, FrameRate: s.FrameRate,
			}
			if tr := traced(t, n); *s != tr {
				t.Errorf("ParseSPS = %+v\n   trace %+v", *s, tr)
			}
			if core(*s) != want || want.ProfileIDC == 0 || want.BitDepthLuma == 0 {
				t.Errorf("ParseSPS = %+v\n ffprobe %+v", *s, p)
			}
			w, h, _ := strings.Cut(c.size, "x")
			if fmt.Sprint(s.Width) != w || fmt.Sprint(s.Height) != h {
				t.Errorf("size %dx%d, want %s", s.Width, s.Height, c.size)
			}
			// x264 states the frame rate in the VUI's timing info.
			if fr := rate(t, c.rate); s.FrameRate != fr {
				t.Errorf("frame rate %v, want %v", s.FrameRate, fr)
			}
			checkPrefixes(t, n)
		})
	}
}

// checkPrefixes parses every prefix of an SPS: none may panic, and those cut before the
// VUI must fail.
func checkPrefixes(t *testing.T, n []byte) {
	t.Helper()
	for i := range len(n) {
		s, err := h264.ParseSPS(n[:i])
		if err == nil && s == nil {
			t.Fatalf("prefix %d: nil, nil", i)
		}
		if i < 6 && err == nil {
			t.Errorf("prefix %d of %x parsed: %+v", i, n, s)
		}
	}
}

// spsBits writes the fields of an SPS up to (not including) the VUI flag.
type spsFields struct {
	profile           uint8
	chroma            uint64 // for high profiles
	separate          bool
	depthL, depthC    uint64
	scaling           []int // indexes of the scaling lists present
	poc               uint64
	wMBs, hMapUnits   uint64
	frameMBsOnly      bool
	crop              []uint64 // left, right, top, bottom
	pocCycle          []int64  // POC type 1 offsets
	log2MaxFrameNumM4 uint64
}

func (f spsFields) write() *codectest.BitWriter {
	w := &codectest.BitWriter{}
	w.U(8, uint64(f.profile)).U(8, 0).U(8, 40).UE(0)
	if f.profile == 100 || f.profile == 244 || f.profile == 44 {
		w.UE(f.chroma)
		if f.chroma == 3 {
			w.Flag(f.separate)
		}
		w.UE(f.depthL).UE(f.depthC).Flag(false)
		w.Flag(f.scaling != nil)
		if f.scaling != nil {
			lists := 8
			if f.chroma == 3 {
				lists = 12
			}
			for i := range lists {
				present := false
				for _, k := range f.scaling {
					present = present || k == i
				}
				w.Flag(present)
				if present {
					size := 16
					if i >= 6 {
						size = 64
					}
					// Some deltas, then one to next_scale 0, which ends the list early.
					last := int64(8)
					for j := range size {
						if j == size/2 {
							w.SE(-last)
							break
						}
						d := int64(j%5 - 1)
						w.SE(d)
						last = (last + d + 256) % 256
					}
				}
			}
		}
	}
	w.UE(f.log2MaxFrameNumM4).UE(f.poc)
	switch f.poc {
	case 0:
		w.UE(2)
	case 1:
		w.Flag(false).SE(-3).SE(5).UE(uint64(len(f.pocCycle)))
		for _, o := range f.pocCycle {
			w.SE(o)
		}
	}
	w.UE(4).Flag(false).UE(f.wMBs - 1).UE(f.hMapUnits - 1).Flag(f.frameMBsOnly)
	if !f.frameMBsOnly {
		w.Flag(true)
	}
	w.Flag(true)
	w.Flag(f.crop != nil)
	for _, c := range f.crop {
		w.UE(c)
	}
	return w
}

func TestParseSPSHandmade(t *testing.T) {
	timing := func(w *codectest.BitWriter) *codectest.BitWriter {
		return w.Flag(true).U(32, 1001).U(32, 60000).Flag(true)
	}
	cases := []struct {
		name string
		f    spsFields
		vui  func(w *codectest.BitWriter) *codectest.BitWriter
		want h264.SPS
	}{
		{"POC type 1, interlaced 4:2:0 cropped, no VUI", spsFields{profile: 77, poc: 1, pocCycle: []int64{-1, 2, 300},
			wMBs: 45, hMapUnits: 18, crop: []uint64{1, 2, 3, 4}},
			nil, h264.SPS{ProfileIDC: 77, LevelIDC: 40, ChromaFormatIDC: 1, BitDepthLuma: 8, BitDepthChroma: 8,
				Width: 720 - 2*3, Height: 576 - 4*7}},
		{"monochrome cropped, every VUI field", spsFields{profile: 100, chroma: 0, depthL: 2, depthC: 2, poc: 2,
			wMBs: 20, hMapUnits: 15, frameMBsOnly: true, crop: []uint64{1, 1, 1, 1}},
			func(w *codectest.BitWriter) *codectest.BitWriter {
				w.Flag(true).U(8, 255).U(16, 4).U(16, 3) // Extended_SAR
				w.Flag(true).Flag(true)                  // overscan
				w.Flag(true).U(3, 5).Flag(false).Flag(true).U(8, 1).U(8, 1).U(8, 1)
				w.Flag(true).UE(1).UE(1) // chroma location
				return timing(w)
			},
			h264.SPS{ProfileIDC: 100, LevelIDC: 40, ChromaFormatIDC: 0, BitDepthLuma: 10, BitDepthChroma: 10,
				Width: 318, Height: 238, FrameRate: 30000.0 / 1001}},
		{"4:4:4 with 12 scaling lists", spsFields{profile: 244, chroma: 3, scaling: []int{0, 5, 6, 9, 11}, poc: 0,
			wMBs: 8, hMapUnits: 8, frameMBsOnly: true, crop: []uint64{0, 3, 0, 5}},
			func(w *codectest.BitWriter) *codectest.BitWriter {
				return timing(w.Flag(true).U(8, 1).Flag(false).Flag(false).Flag(false))
			},
			h264.SPS{ProfileIDC: 244, LevelIDC: 40, ChromaFormatIDC: 3, BitDepthLuma: 8, BitDepthChroma: 8,
				Width: 125, Height: 123, FrameRate: 30000.0 / 1001}},
		{"separate colour planes", spsFields{profile: 244, chroma: 3, separate: true, poc: 2,
			wMBs: 8, hMapUnits: 4, crop: []uint64{0, 3, 0, 5}},
			func(w *codectest.BitWriter) *codectest.BitWriter { return w.U(5, 0) }, // no timing info
			h264.SPS{ProfileIDC: 244, LevelIDC: 40, ChromaFormatIDC: 3, BitDepthLuma: 8, BitDepthChroma: 8,
				Width: 125, Height: 128 - 10}},
		{"4:2:2 cropped", spsFields{profile: 100, chroma: 2, poc: 2, wMBs: 8, hMapUnits: 8, frameMBsOnly: true,
			crop: []uint64{1, 1, 1, 1}},
			func(w *codectest.BitWriter) *codectest.BitWriter { return w.U(4, 0) }, // VUI cut short
			h264.SPS{ProfileIDC: 100, LevelIDC: 40, ChromaFormatIDC: 2, BitDepthLuma: 8, BitDepthChroma: 8,
				Width: 124, Height: 126}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := c.f.write()
			w.Flag(c.vui != nil)
			if c.vui != nil {
				c.vui(w)
			}
			n := w.NALU(0x67)
			s, err := h264.ParseSPS(n)
			if err != nil {
				t.Fatalf("ParseSPS(%x): %v", n, err)
			}
			if core(*s) != c.want {
				t.Errorf("ParseSPS = %+v\n     want %+v", *s, c.want)
			}
			if c.name != "4:2:2 cropped" { // whose VUI is cut short on purpose
				if tr := traced(t, n); *s != tr {
					t.Errorf("ParseSPS = %+v\n   trace %+v", *s, tr)
				}
			}
			checkPrefixes(t, n)
		})
	}
}

func TestParseSPSErrors(t *testing.T) {
	base := spsFields{profile: 100, chroma: 1, poc: 0, wMBs: 20, hMapUnits: 15, frameMBsOnly: true}
	cases := []struct {
		name string
		n    []byte
		err  string
	}{
		{"empty", nil, "not an SPS"},
		{"a PPS", []byte{0x68, 1, 2, 3}, "not an SPS"},
		{"header only", []byte{0x67}, "truncated"},
		{"chroma_format_idc 4", func() []byte { f := base; f.chroma = 4; return f.write().Flag(false).NALU(0x67) }(), "chroma_format_idc"},
		{"bit depth 15", func() []byte { f := base; f.depthL = 7; return f.write().Flag(false).NALU(0x67) }(), "bit_depth_luma"},
		{"POC type 3", func() []byte { f := base; f.poc = 3; return f.write().Flag(false).NALU(0x67) }(), "pic_order_cnt_type"},
		{"log2_max_frame_num 17", func() []byte { f := base; f.log2MaxFrameNumM4 = 13; return f.write().Flag(false).NALU(0x67) }(), "log2_max_frame_num"},
		{"crop everything", func() []byte {
			f := base
			f.crop = []uint64{100, 60, 0, 0}
			return f.write().Flag(false).NALU(0x67)
		}(), "cropping"},
		{"huge", func() []byte { f := base; f.wMBs = 1 << 20; return f.write().Flag(false).NALU(0x67) }(), "too large"},
		{"long exp-Golomb", []byte{0x67, 100, 0, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0xff}, "exp-Golomb"},
		{"POC cycle too long", func() []byte {
			f := base
			f.poc = 1
			f.pocCycle = make([]int64, 256)
			return f.write().Flag(false).NALU(0x67)
		}(), "num_ref_frames_in_pic_order_cnt_cycle"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := h264.ParseSPS(c.n)
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseSPS(%x) = %+v, %v; want an error with %q", c.n, s, err, c.err)
			}
		})
	}
}

// TestDecoderConfigEncoded compares DecoderConfig with the avcC that ffmpeg's mp4 muxer
// writes for libx264 streams of several profiles.
func TestDecoderConfigEncoded(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"baseline", []string{"-profile:v", "baseline"}},
		{"main", []string{"-profile:v", "main"}},
		{"high", nil},
		{"high 10", []string{"-pix_fmt", "yuv420p10le"}},
		{"high 4:2:2", []string{"-pix_fmt", "yuv422p"}},
		{"high 4:4:4", []string{"-pix_fmt", "yuv444p"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testmedia.Need(t, "ffmpeg")
			path := filepath.Join(t.TempDir(), "v.mp4")
			args := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10",
				"-frames:v", "2", "-c:v", "libx264", "-preset", "veryfast"}
			args = append(args, c.args...)
			codectest.Run(t, "ffmpeg", append(args, "-y", path)...)
			box := codectest.Box(t, path, "avcC")
			if box == nil {
				t.Fatal("no avcC")
			}
			file := parseAvcC(t, box)
			cfg, err := h264.DecoderConfig(file.sps, file.pps)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cfg, box) {
				t.Errorf("DecoderConfig\n got %x\nfile %x", cfg, box)
			}
		})
	}
}

func TestDecoderConfigErrors(t *testing.T) {
	good := spsFields{profile: 100, chroma: 1, wMBs: 20, hMapUnits: 15, frameMBsOnly: true}.write().Flag(false).NALU(0x67)
	cases := []struct {
		name     string
		sps, pps [][]byte
		err      string
	}{
		{"no SPS", nil, [][]byte{pps}, "at least one"},
		{"no PPS", [][]byte{good}, nil, "at least one"},
		{"a PPS for an SPS", [][]byte{pps}, [][]byte{pps}, "bad SPS"},
		{"an SPS for a PPS", [][]byte{good}, [][]byte{good}, "bad PPS"},
		{"short SPS", [][]byte{good[:3]}, [][]byte{pps}, "bad SPS"},
		{"bad SPS", [][]byte{good[:5]}, [][]byte{pps}, "truncated"},
		{"32 SPS", slices.Repeat([][]byte{good}, 32), [][]byte{pps}, "more than 31"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := h264.DecoderConfig(c.sps, c.pps)
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("DecoderConfig: %v, want an error with %q", err, c.err)
			}
		})
	}
	// Two of each, and a profile without the extra fields.
	base := spsFields{profile: 77, wMBs: 20, hMapUnits: 15, frameMBsOnly: true}.write().Flag(false).NALU(0x67)
	cfg, err := h264.DecoderConfig([][]byte{base, base}, [][]byte{pps, pps})
	if err != nil {
		t.Fatal(err)
	}
	want := cat([]byte{1, 77, 0, 40, 0xff, 0xe2}, []byte{0, byte(len(base))}, base, []byte{0, byte(len(base))}, base,
		[]byte{2, 0, 4}, pps, []byte{0, 4}, pps)
	if !bytes.Equal(cfg, want) {
		t.Errorf("DecoderConfig\n got %x\nwant %x", cfg, want)
	}
}

func TestSpropParameterSets(t *testing.T) {
	sps, pps, err := h264.SpropParameterSets(" Z0LAHtk=, aM48gA==,BgUBqoA=")
	if err != nil || !equalNALUs(sps, [][]byte{{0x67, 0x42, 0xc0, 0x1e, 0xd9}}) || !equalNALUs(pps, [][]byte{{0x68, 0xce, 0x3c, 0x80}}) {
		t.Errorf("SpropParameterSets = %x, %x, %v", sps, pps, err)
	}
	for _, bad := range []string{"Z0LAHtk=,***", "Z0LAHtk=,aM48g=A="} {
		if _, _, err := h264.SpropParameterSets(bad); err == nil {
			t.Errorf("SpropParameterSets(%q) succeeded", bad)
		}
	}
	if sps, pps, err := h264.SpropParameterSets(""); err != nil || sps != nil || pps != nil {
		t.Errorf("SpropParameterSets(\"\") = %x, %x, %v", sps, pps, err)
	}
}

// traced returns what ParseSPS should find in an SPS, worked out from the syntax elements
// that ffmpeg's trace_headers reads from it: an independent parser.
func traced(t *testing.T, n []byte) h264.SPS {
	t.Helper()
	f := codectest.Trace(t, "h264", n)
	get := func(name string, def int64) int64 {
		if v, ok := f[name]; ok {
			return v
		}
		return def
	}
	if _, ok := f["pic_width_in_mbs_minus1"]; !ok {
		t.Fatalf("ffmpeg did not read the SPS %x: %v", n, f)
	}
	s := h264.SPS{
		ProfileIDC:      uint8(get("profile_idc", -1)),
		LevelIDC:        uint8(get("level_idc", -1)),
		ChromaFormatIDC: uint32(get("chroma_format_idc", 1)),
		BitDepthLuma:    uint8(get("bit_depth_luma_minus8", 0) + 8),
		BitDepthChroma:  uint8(get("bit_depth_chroma_minus8", 0) + 8),
	}
	for i := range 6 {
		s.ConstraintFlags |= uint8(get(fmt.Sprintf("constraint_set%d_flag", i), 0)) << (7 - i)
	}
	s.ConstraintFlags |= uint8(get("reserved_zero_2bits", 0))
	frameMBsOnly := get("frame_mbs_only_flag", 1)
	cropX, cropY := int64(1), 2-frameMBsOnly
	if get("separate_colour_plane_flag", 0) == 0 {
		switch s.ChromaFormatIDC {
		case 1:
			cropX, cropY = 2, 2*cropY
		case 2:
			cropX = 2
		}
	}
	s.Width = int(16*(get("pic_width_in_mbs_minus1", 0)+1) -
		cropX*(get("frame_crop_left_offset", 0)+get("frame_crop_right_offset", 0)))
	s.Height = int(16*(2-frameMBsOnly)*(get("pic_height_in_map_units_minus1", 0)+1) -
		cropY*(get("frame_crop_top_offset", 0)+get("frame_crop_bottom_offset", 0)))
	if tick, scale := get("num_units_in_tick", 0), get("time_scale", 0); tick > 0 && scale > 0 {
		s.FrameRate = float64(scale) / float64(2*tick)
	}
	// What the slice checker needs (check.go).
	s.Log2MaxFrameNum = uint8(get("log2_max_frame_num_minus4", 0) + 4)
	s.SeparateColourPlane = get("separate_colour_plane_flag", 0) == 1
	s.MBs = int((get("pic_width_in_mbs_minus1", 0) + 1) * (2 - frameMBsOnly) * (get("pic_height_in_map_units_minus1", 0) + 1))
	s.FrameNumGaps = get("gaps_in_frame_num_value_allowed_flag", 0) == 1
	return s
}

// core is an SPS without the fields only the slice checker uses, which ffprobe does not
// state (the trace checks them).
func core(s h264.SPS) h264.SPS {
	s.Log2MaxFrameNum, s.SeparateColourPlane, s.MBs, s.FrameNumGaps = 0, false, 0, false
	return s
}
