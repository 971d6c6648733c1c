package h265_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"custodian/codec"
	"custodian/codec/h265"
	"custodian/codec/internal/bits"
	"custodian/codec/internal/codectest"
	"custodian/internal/testmedia"
)

// encode encodes three frames of ffmpeg's test pattern with libx265 and returns the
// stream's path and its first VPS, SPS and PPS.
func encode(t *testing.T, size, rate string, params string, args ...string) (path string, vps, sps, pps []byte) {
	t.Helper()
	testmedia.Need(t, "ffmpeg")
	path = filepath.Join(t.TempDir(), "v.hevc")
	cmd := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=" + rate,
		"-frames:v", "3", "-vf", "scale=" + strings.Replace(size, "x", ":", 1),
		"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error" + params}
	cmd = append(cmd, args...)
	codectest.Run(t, "ffmpeg", append(cmd, "-f", "hevc", "-y", path)...)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, s, p := h265.ParameterSets(codec.SplitAnnexB(b))
	if len(v) == 0 || len(s) == 0 || len(p) == 0 {
		t.Fatal("no parameter sets in the encoded stream")
	}
	return path, v[0], s[0], p[0]
}

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

// scalingListFile writes a custom scaling list in the HM format that x265 reads.
func scalingListFile(t *testing.T) string {
	var b strings.Builder
	for _, s := range []struct {
		name string
		n    int
	}{{"4X4", 16}, {"8X8", 64}, {"16X16", 64}, {"32X32", 64}} {
		for _, mode := range []string{"INTRA", "INTER"} {
			comps := []string{"LUMA", "CHROMAU", "CHROMAV"}
			if s.name == "32X32" {
				comps = comps[:1]
			}
			for _, c := range comps {
				fmt.Fprintf(&b, "%s%s_%s =\n", mode, s.name, c)
				for i := range s.n {
					fmt.Fprintf(&b, "%d,", 16+i*7%40)
					if i%8 == 7 {
						b.WriteString("\n")
					}
				}
				if s.name == "16X16" || s.name == "32X32" {
					fmt.Fprintf(&b, "%s%s_%s_DC =\n20\n", mode, s.name, c)
				}
			}
		}
	}
	path := filepath.Join(t.TempDir(), "scaling.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestParseSPSEncoded parses SPS that libx265 writes in several profiles, chroma formats,
// bit depths, sizes (with conformance windows), sub-layers and scaling lists, and checks
// them against ffprobe and against ffmpeg's own parse of the SPS (trace_headers).
func TestParseSPSEncoded(t *testing.T) {
	profiles := map[string]uint8{"Main": 1, "Main 10": 2, "Main Still Picture": 3, "Rext": 4}
	chroma := map[string]uint32{"gray": 0, "yuv420p": 1, "yuv420p10le": 1, "yuv422p10le": 2, "yuv444p": 3, "yuv444p12le": 3}
	depth := map[string]uint8{"gray": 8, "yuv420p": 8, "yuv420p10le": 10, "yuv422p10le": 10, "yuv444p": 8, "yuv444p12le": 12}
	cases := []struct {
		name, size, rate, params string
		args                     []string
	}{
		{"main", "320x240", "25", "", nil},
		{"main, conformance window", "322x242", "30000/1001", "", nil},
		{"main 10", "640x360", "50", "", []string{"-pix_fmt", "yuv420p10le"}},
		{"4:2:2 10", "320x240", "25", "", []string{"-pix_fmt", "yuv422p10le"}},
		{"4:4:4, odd size", "321x241", "24", "", []string{"-pix_fmt", "yuv444p"}},
		{"4:4:4 12", "320x240", "10", "", []string{"-pix_fmt", "yuv444p12le"}},
		{"monochrome", "320x240", "10", "", []string{"-pix_fmt", "gray"}},
		{"two temporal sub-layers", "320x240", "25", ":temporal-layers=1:bframes=4:b-pyramid=1", nil},
		{"default scaling lists", "320x240", "25", ":scaling-list=default", nil},
		{"custom scaling lists", "320x240", "25", ":scaling-list=" + scalingListFile(t), nil},
		{"high tier", "1920x1080", "25", ":high-tier=1:level-idc=51", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, vps, sps, pps := encode(t, c.size, c.rate, c.params, c.args...)
			s, err := h265.ParseSPS(sps)
			if err != nil {
				t.Fatalf("ParseSPS(%x): %v", sps, err)
			}
			p := codectest.Probe(t, path)
			w, h, _ := strings.Cut(c.size, "x")
			if prof, ok := profiles[p.Profile]; !ok || s.ProfileIDC != prof || int(s.LevelIDC) != p.Level ||
				s.ChromaFormatIDC != chroma[p.PixFmt] || s.BitDepthLuma != depth[p.PixFmt] ||
				s.BitDepthChroma != depth[p.PixFmt] || s.Width != p.Width || s.Height != p.Height ||
				fmt.Sprint(s.Width) != w || fmt.Sprint(s.Height) != h || s.FrameRate != rate(t, c.rate) {
				t.Errorf("ParseSPS = %+v\n ffprobe %+v", *s, p)
			}
			if tr := traced(t, vps, sps); *s != tr {
				t.Errorf("ParseSPS = %+v\n   trace %+v", *s, tr)
			}
			checkPrefixes(t, sps)
			// DecoderConfig against the hvcC of ffmpeg's mp4 muxer for the same stream.
			mp4 := filepath.Join(t.TempDir(), "v.mp4")
			codectest.Run(t, "ffmpeg", "-v", "error", "-i", path, "-c", "copy", "-tag:v", "hvc1", "-y", mp4)
			file := parseHvcC(t, codectest.Box(t, mp4, "hvcC"))
			cfg, err := h265.DecoderConfig([][]byte{vps}, [][]byte{sps}, [][]byte{pps})
			if err != nil {
				t.Fatal(err)
			}
			got := parseHvcC(t, cfg)
			if !bytes.Equal(got.head, file.head) {
				t.Errorf("hvcC head\n got %x\nfile %x", got.head, file.head)
			}
			for _, typ := range []uint8{h265.NALUTypeVPS, h265.NALUTypeSPS, h265.NALUTypePPS} {
				if !equalNALUs(got.array(typ), file.array(typ)) {
					t.Errorf("array of type %d differs from the file's", typ)
				}
			}
		})
	}
}

// checkPrefixes parses every prefix of an SPS: none may panic, and those cut before the
// bit depths must fail.
func checkPrefixes(t *testing.T, n []byte) {
	t.Helper()
	for i := range len(n) {
		s, err := h265.ParseSPS(n[:i])
		if err == nil && s == nil {
			t.Fatalf("prefix %d: nil, nil", i)
		}
		if i < 17 && err == nil {
			t.Errorf("prefix %d of %x parsed: %+v", i, n, s)
		}
	}
}

// traced returns what ParseSPS should find in an SPS, worked out from the syntax elements
// that ffmpeg's trace_headers reads from it (after a VPS): an independent parser. The
// constraint flags are taken from the SPS itself (ffmpeg names its 43 bits by profile).
func traced(t *testing.T, vps, sps []byte) h265.SPS {
	t.Helper()
	f := codectest.Trace(t, "hevc", vps, sps)
	get := func(name string, def int64) int64 {
		if v, ok := f[name]; ok {
			return v
		}
		return def
	}
	if _, ok := f["pic_width_in_luma_samples"]; !ok {
		t.Fatalf("ffmpeg did not read the SPS %x: %v", sps, f)
	}
	s := h265.SPS{
		ProfileSpace:        uint8(get("general_profile_space", -1)),
		TierFlag:            uint8(get("general_tier_flag", -1)),
		ProfileIDC:          uint8(get("general_profile_idc", -1)),
		LevelIDC:            uint8(get("general_level_idc", -1)),
		ChromaFormatIDC:     uint32(get("chroma_format_idc", -1)),
		BitDepthLuma:        uint8(get("bit_depth_luma_minus8", -100) + 8),
		BitDepthChroma:      uint8(get("bit_depth_chroma_minus8", -100) + 8),
		MaxSubLayers:        int(get("sps_max_sub_layers_minus1", -100) + 1),
		TemporalIDNesting:   get("sps_temporal_id_nesting_flag", 0) == 1,
		SeparateColourPlane: get("separate_colour_plane_flag", 0) == 1,
	}
	copy(s.ConstraintIndicator[:], bits.RBSP(sps)[8:14]) // after the NAL header, a byte and the compatibility flags
	for j := range 32 {
		s.ProfileCompatibility |= uint32(get(fmt.Sprintf("general_profile_compatibility_flag[%d]", j), 0)) << (31 - j)
	}
	subW, subH := int64(1), int64(1)
	if !s.SeparateColourPlane {
		switch s.ChromaFormatIDC {
		case 1:
			subW, subH = 2, 2
		case 2:
			subW = 2
		}
	}
	s.Width = int(get("pic_width_in_luma_samples", 0) - subW*(get("conf_win_left_offset", 0)+get("conf_win_right_offset", 0)))
	s.Height = int(get("pic_height_in_luma_samples", 0) - subH*(get("conf_win_top_offset", 0)+get("conf_win_bottom_offset", 0)))
	if tick, scale := get("vui_num_units_in_tick", 0), get("vui_time_scale", 0); tick > 0 && scale > 0 {
		s.FrameRate = float64(scale) / float64(tick)
	}
	return s
}

// rpsSet is a short-term reference picture set to write: explicit (neg, pos: the
// delta_poc_sX_minus1 values) or predicted (inter: abs_delta_rps_minus1 with its sign, and
// per picture of the reference set and itself, used and use_delta).
type rpsSet struct {
	neg, pos     []uint64
	inter        bool
	sign         bool
	absDeltaM1   uint64
	used, useDel []bool
}

// spsFields are the fields of a hand-made SPS.
type spsFields struct {
	subLayersM1    int
	nesting        bool
	tier, profile  uint64
	level          uint64
	subProfile     []bool // sub_layer_profile_present_flag per sub-layer
	subLevel       []bool
	chroma         uint64
	separate       bool
	width, height  uint64
	win            []uint64
	depthL, depthC uint64
	log2PocLsbM4   uint64
	scaling        bool
	pcm            bool
	rps            []rpsSet
	longTerm       []uint64
	vui            func(w *codectest.BitWriter)
}

func (f spsFields) ptl(w *codectest.BitWriter) {
	w.U(2, 0).U(1, f.tier).U(5, f.profile).U(32, 1<<(31-f.profile)).U(48, 0x900000000000).U(8, f.level)
	for i := range f.subLayersM1 {
		w.Flag(f.subProfile[i]).Flag(f.subLevel[i])
	}
	if f.subLayersM1 > 0 {
		for i := f.subLayersM1; i < 8; i++ {
			w.U(2, 0)
		}
	}
	for i := range f.subLayersM1 {
		if f.subProfile[i] {
			w.U(2, 0).U(1, f.tier).U(5, f.profile).U(32, 1<<(31-f.profile)).U(48, 0x900000000000)
		}
		if f.subLevel[i] {
			w.U(8, f.level)
		}
	}
}

// vps returns a VPS that goes with the SPS (for ffmpeg).
func (f spsFields) vps() []byte {
	w := &codectest.BitWriter{}
	w.U(4, 0).U(1, 1).U(1, 1).U(6, 0).U(3, uint64(f.subLayersM1)).Flag(f.nesting).U(16, 0xffff)
	f.ptl(w)
	w.Flag(true)
	for range f.subLayersM1 + 1 {
		w.UE(4).UE(0).UE(0)
	}
	w.U(6, 0).UE(0).Flag(false).Flag(false)
	return w.NALU(0x40, 0x01)
}

func (f spsFields) sps() []byte {
	w := &codectest.BitWriter{}
	w.U(4, 0).U(3, uint64(f.subLayersM1)).Flag(f.nesting)
	f.ptl(w)
	w.UE(0).UE(f.chroma)
	if f.chroma == 3 {
		w.Flag(f.separate)
	}
	w.UE(f.width).UE(f.height).Flag(f.win != nil)
	for _, v := range f.win {
		w.UE(v)
	}
	w.UE(f.depthL).UE(f.depthC).UE(f.log2PocLsbM4)
	w.Flag(true)
	for range f.subLayersM1 + 1 {
		w.UE(4).UE(0).UE(0)
	}
	w.UE(0).UE(1).UE(0).UE(2).UE(1).UE(1) // 8..16 coding blocks, 4..16 transform blocks
	w.Flag(f.scaling)
	if f.scaling {
		w.Flag(true)
		for sizeID := range 4 {
			step := 1
			if sizeID == 3 {
				step = 3
			}
			for m := 0; m < 6; m += step {
				if m%2 == 1 || sizeID == 3 && m == 3 {
					w.Flag(false).UE(1) // predicted from the matrix before
					continue
				}
				w.Flag(true)
				if sizeID > 1 {
					w.SE(int64(m) - 2)
				}
				for i := range min(64, 1<<(4+2*sizeID)) {
					w.SE(int64(i%3) - 1)
				}
			}
		}
	}
	w.Flag(true).Flag(true).Flag(f.pcm)
	if f.pcm {
		w.U(4, 7).U(4, 7).UE(0).UE(1).Flag(true)
	}
	w.UE(uint64(len(f.rps)))
	for i, s := range f.rps {
		if i > 0 {
			w.Flag(s.inter)
		}
		if s.inter {
			w.Flag(s.sign).UE(s.absDeltaM1)
			for j := range s.used {
				w.Flag(s.used[j])
				if !s.used[j] {
					w.Flag(s.useDel[j])
				}
			}
			continue
		}
		w.UE(uint64(len(s.neg))).UE(uint64(len(s.pos)))
		for _, d := range s.neg {
			w.UE(d).Flag(true)
		}
		for _, d := range s.pos {
			w.UE(d).Flag(false)
		}
	}
	w.Flag(f.longTerm != nil)
	if f.longTerm != nil {
		w.UE(uint64(len(f.longTerm)))
		for _, lsb := range f.longTerm {
			w.U(int(f.log2PocLsbM4)+4, lsb).Flag(true)
		}
	}
	w.Flag(true).Flag(true).Flag(f.vui != nil)
	if f.vui != nil {
		f.vui(w)
	}
	w.Flag(false) // sps_extension_present_flag
	return w.NALU(0x42, 0x01)
}

func timing(w *codectest.BitWriter) {
	w.Flag(true).U(32, 1001).U(32, 30000).Flag(false).Flag(false) // timing, no POC proportionality, no HRD
	w.Flag(false)                                                 // bitstream_restriction_flag
}

func TestParseSPSHandmade(t *testing.T) {
	fullVUI := func(w *codectest.BitWriter) {
		w.Flag(true).U(8, 255).U(16, 4).U(16, 3)                   // EXTENDED_SAR
		w.Flag(true).Flag(true)                                    // overscan
		w.Flag(true).U(3, 5).Flag(true).Flag(true).U(24, 0x010101) // video signal type
		w.Flag(true).UE(1).UE(1)                                   // chroma location
		w.Flag(false).Flag(false).Flag(false)                      // neutral chroma, field_seq, frame field info
		w.Flag(true).UE(1).UE(2).UE(3).UE(4)                       // default display window
		timing(w)
	}
	// Set 0: POCs -1, -3 (used) and +2; set 1, predicted from set 0 by -1: -1, -2, -4; set 2,
	// predicted from set 1 by +2: -2, +1, +2 (and 0, flagged use_delta, which the
	// derivation of H.265 §7.4.8 leaves out); set 3, predicted from set 2 by -3: -3, -5,
	// -2, -1.
	rps := []rpsSet{
		{neg: []uint64{0, 1}, pos: []uint64{1}},
		{inter: true, sign: true, absDeltaM1: 0, used: []bool{true, false, false, true}, useDel: []bool{false, true, false, false}},
		{inter: true, sign: false, absDeltaM1: 1, used: []bool{true, false, true, true}, useDel: []bool{false, true, false, false}},
		{inter: true, sign: true, absDeltaM1: 2, used: []bool{true, true, true, true}, useDel: []bool{false, false, false, false}},
	}
	cases := []struct {
		name string
		f    spsFields
		want h265.SPS
	}{
		{"sub-layers with profiles and levels, conformance window, RPS, long-term, full VUI", spsFields{
			subLayersM1: 3, tier: 1, profile: 2, level: 123,
			subProfile: []bool{true, false, true}, subLevel: []bool{false, true, true},
			chroma: 1, width: 1920, height: 1088, win: []uint64{0, 0, 0, 4}, depthL: 2, depthC: 2,
			log2PocLsbM4: 4, rps: rps, longTerm: []uint64{5, 200}, vui: fullVUI},
			h265.SPS{TierFlag: 1, ProfileIDC: 2, ProfileCompatibility: 1 << 29, ConstraintIndicator: [6]byte{0x90},
				LevelIDC: 123, ChromaFormatIDC: 1, BitDepthLuma: 10, BitDepthChroma: 10, Width: 1920, Height: 1080,
				FrameRate: 30000.0 / 1001, MaxSubLayers: 4}},
		{"4:2:2 with scaling lists and PCM", spsFields{profile: 4, level: 93, nesting: true, chroma: 2,
			width: 648, height: 480, win: []uint64{2, 2, 3, 3}, scaling: true, pcm: true, rps: rps[:2],
			vui: func(w *codectest.BitWriter) { w.U(7, 0).Flag(false); timing(w) }},
			h265.SPS{ProfileIDC: 4, ProfileCompatibility: 1 << 27, ConstraintIndicator: [6]byte{0x90}, LevelIDC: 93,
				ChromaFormatIDC: 2, BitDepthLuma: 8, BitDepthChroma: 8, Width: 640, Height: 474,
				FrameRate: 30000.0 / 1001, MaxSubLayers: 1, TemporalIDNesting: true}},
		{"4:4:4 separate planes, no VUI", spsFields{profile: 4, level: 60, nesting: true, chroma: 3, separate: true,
			width: 64, height: 64, win: []uint64{1, 2, 3, 4}, depthL: 4, depthC: 4},
			h265.SPS{ProfileIDC: 4, ProfileCompatibility: 1 << 27, ConstraintIndicator: [6]byte{0x90}, LevelIDC: 60,
				ChromaFormatIDC: 3, BitDepthLuma: 12, BitDepthChroma: 12, Width: 61, Height: 57, MaxSubLayers: 1,
				TemporalIDNesting: true, SeparateColourPlane: true}},
		{"monochrome, VUI without timing", spsFields{profile: 4, level: 60, nesting: true, chroma: 0, width: 64, height: 48,
			win: []uint64{1, 1, 1, 1}, vui: func(w *codectest.BitWriter) { w.U(8, 0).Flag(false) }},
			h265.SPS{ProfileIDC: 4, ProfileCompatibility: 1 << 27, ConstraintIndicator: [6]byte{0x90}, LevelIDC: 60,
				ChromaFormatIDC: 0, BitDepthLuma: 8, BitDepthChroma: 8, Width: 62, Height: 46, MaxSubLayers: 1,
				TemporalIDNesting: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := c.f.sps()
			s, err := h265.ParseSPS(n)
			if err != nil {
				t.Fatalf("ParseSPS(%x): %v", n, err)
			}
			if *s != c.want {
				t.Errorf("ParseSPS = %+v\n     want %+v", *s, c.want)
			}
			if tr := traced(t, c.f.vps(), n); *s != tr {
				t.Errorf("ParseSPS = %+v\n   trace %+v", *s, tr)
			}
			checkPrefixes(t, n)
			if _, err := h265.DecoderConfig([][]byte{c.f.vps()}, [][]byte{n}, [][]byte{pps}); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestParseSPSErrors(t *testing.T) {
	base := spsFields{profile: 1, level: 90, nesting: true, chroma: 1, width: 320, height: 240}
	with := func(change func(f *spsFields)) []byte {
		f := base
		change(&f)
		return f.sps()
	}
	cases := []struct {
		name string
		n    []byte
		err  string
	}{
		{"empty", nil, "not an SPS"},
		{"a PPS", pps, "not an SPS"},
		{"header only", []byte{0x42, 0x01}, "truncated"},
		{"sub-layers 8", func() []byte { n := base.sps(); n[2] |= 0x0e; return n }(), "sps_max_sub_layers_minus1"},
		{"chroma_format_idc 4", with(func(f *spsFields) { f.chroma = 4 }), "chroma_format_idc"},
		{"width 0", with(func(f *spsFields) { f.width = 0 }), "bad picture size"},
		{"width 2^17", with(func(f *spsFields) { f.width = 1 << 17 }), "bad picture size"},
		{"bit depth 17", with(func(f *spsFields) { f.depthL = 9 }), "bit_depth_luma"},
		{"log2_max_pic_order_cnt_lsb 17", with(func(f *spsFields) { f.log2PocLsbM4 = 13 }), "log2_max_pic_order_cnt_lsb"},
		{"window too wide", with(func(f *spsFields) { f.win = []uint64{80, 80, 0, 0} }), "conformance window"},
		{"long exp-Golomb", []byte{0x42, 0x01, 0x01, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 90,
			0, 0, 0, 0, 0, 0, 0, 0, 0xff}, "exp-Golomb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := h265.ParseSPS(c.n)
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseSPS(%x) = %+v, %v; want an error with %q", c.n, s, err, c.err)
			}
		})
	}
	// Malformed fields after the bit depths only lose the frame rate.
	for _, f := range []spsFields{
		{profile: 1, level: 90, chroma: 1, width: 320, height: 240, rps: []rpsSet{{neg: make([]uint64, 17)}}},
		{profile: 1, level: 90, chroma: 1, width: 320, height: 240, longTerm: make([]uint64, 33)},
	} {
		f.vui = func(w *codectest.BitWriter) { w.U(8, 0).Flag(false); timing(w) }
		s, err := h265.ParseSPS(f.sps())
		if err != nil || s.Width != 320 || s.FrameRate != 0 {
			t.Errorf("ParseSPS = %+v, %v", s, err)
		}
	}
}

func TestDecoderConfigErrors(t *testing.T) {
	goodSPS := spsFields{profile: 1, level: 90, chroma: 1, width: 320, height: 240}.sps()
	cases := []struct {
		name          string
		vps, sps, pps [][]byte
		err           string
	}{
		{"no VPS", nil, [][]byte{goodSPS}, [][]byte{pps}, "at least one"},
		{"no SPS", [][]byte{vps}, nil, [][]byte{pps}, "at least one"},
		{"no PPS", [][]byte{vps}, [][]byte{goodSPS}, nil, "at least one"},
		{"a PPS for a VPS", [][]byte{pps}, [][]byte{goodSPS}, [][]byte{pps}, "bad VPS"},
		{"a VPS for an SPS", [][]byte{vps}, [][]byte{vps}, [][]byte{pps}, "bad SPS"},
		{"a short PPS", [][]byte{vps}, [][]byte{goodSPS}, [][]byte{pps[:2]}, "bad PPS"},
		{"bad SPS", [][]byte{vps}, [][]byte{goodSPS[:8]}, [][]byte{pps}, "truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := h265.DecoderConfig(c.vps, c.sps, c.pps)
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("DecoderConfig: %v, want an error with %q", err, c.err)
			}
		})
	}
}

func TestSpropParameterSets(t *testing.T) {
	v, s, p, err := h265.SpropParameterSets("QAEMAf8=", " QgEBAWA=,RAHBcg==", "RAHBcg")
	if err != nil || !equalNALUs(v, [][]byte{vps}) || !equalNALUs(s, [][]byte{sps}) || !equalNALUs(p, [][]byte{pps, pps}) {
		t.Errorf("SpropParameterSets = %x, %x, %x, %v", v, s, p, err)
	}
	for _, bad := range [][3]string{{"QAEMAf8=", "***", ""}, {"QA==", "", ""}} {
		if _, _, _, err := h265.SpropParameterSets(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("SpropParameterSets(%q) succeeded", bad)
		}
	}
}
