package h264_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"custodian/codec"
	"custodian/codec/h264"
	"custodian/codec/internal/codectest"
	"custodian/internal/testmedia"
)

var footage struct {
	once  sync.Once
	units [][][]byte
}

// footageUnits returns the access units of the H.264 test footage.
func footageUnits(t testing.TB) [][][]byte {
	t.Helper()
	footage.once.Do(func() {
		stream := codectest.AnnexB(t, testmedia.VtestH264, false)
		footage.units = h264.AccessUnits(codec.SplitAnnexB(stream))
	})
	if len(footage.units) == 0 {
		t.Fatal("no access units in the footage")
	}
	return footage.units
}

func TestFootageUnits(t *testing.T) {
	units := footageUnits(t)
	probe := codectest.Probe(t, testmedia.Path(t, testmedia.VtestH264))
	if len(units) != probe.Frames() {
		t.Fatalf("%d access units, ffprobe counts %d frames", len(units), probe.Frames())
	}
	keys := 0
	for i, u := range units {
		if !h264.Key(u) {
			continue
		}
		keys++
		sps, pps := h264.ParameterSets(u)
		if len(sps) != 1 || len(pps) != 1 {
			t.Errorf("keyframe %d has %d SPS and %d PPS", i, len(sps), len(pps))
		}
	}
	// A keyframe every 2 s at 10 fps.
	if want := (len(units) + 19) / 20; keys != want || !h264.Key(units[0]) {
		t.Errorf("%d keyframes (first: %v), want %d", keys, h264.Key(units[0]), want)
	}
}

func TestParseSPSFootage(t *testing.T) {
	units := footageUnits(t)
	probe := codectest.Probe(t, testmedia.Path(t, testmedia.VtestH264))
	sps, _ := h264.ParameterSets(units[0])
	if len(sps) == 0 {
		t.Fatal("no SPS in the first unit")
	}
	s, err := h264.ParseSPS(sps[0])
	if err != nil {
		t.Fatal(err)
	}
	profiles := map[string]uint8{"Baseline": 66, "Constrained Baseline": 66, "Main": 77, "High": 100}
	want := h264.SPS{
		ProfileIDC:      profiles[probe.Profile],
		ConstraintFlags: sps[0][2],
		LevelIDC:        uint8(probe.Level),
		ChromaFormatIDC: 1, // yuv420p
		BitDepthLuma:    8,
		BitDepthChroma:  8,
		Width:           probe.Width,
		Height:          probe.Height,
		FrameRate:       10,
	}
	if probe.FrameRate != "10/1" || probe.PixFmt != "yuv420p" {
		t.Fatalf("unexpected footage: %+v", probe)
	}
	if core(*s) != want || s.Width != 768 || s.Height != 576 || s.MBs != 48*36 {
		t.Errorf("ParseSPS = %+v, want %+v", *s, want)
	}
}

// avcC is a parsed AVCDecoderConfigurationRecord.
type avcC struct {
	version, profile, compat, level, lengthSize byte
	sps, pps                                    [][]byte
	ext                                         []byte // chroma_format … numOfSequenceParameterSetExt bytes
}

func parseAvcC(t *testing.T, b []byte) avcC {
	t.Helper()
	fail := func() { t.Fatalf("malformed avcC %x", b) }
	if len(b) < 7 {
		fail()
	}
	c := avcC{version: b[0], profile: b[1], compat: b[2], level: b[3], lengthSize: b[4]&3 + 1}
	if b[4]&0xfc != 0xfc || b[5]&0xe0 != 0xe0 {
		fail()
	}
	read := func(n int, r []byte) ([][]byte, []byte) {
		var out [][]byte
		for range n {
			if len(r) < 2 || int(binary.BigEndian.Uint16(r)) > len(r)-2 {
				fail()
			}
			l := int(binary.BigEndian.Uint16(r))
			out = append(out, r[2:2+l])
			r = r[2+l:]
		}
		return out, r
	}
	var r []byte
	c.sps, r = read(int(b[5]&0x1f), b[6:])
	if len(r) < 1 {
		fail()
	}
	c.pps, r = read(int(r[0]), r[1:])
	c.ext = r
	return c
}

func TestDecoderConfigFootage(t *testing.T) {
	path := testmedia.Path(t, testmedia.VtestH264)
	units := footageUnits(t)
	sps, pps := h264.ParameterSets(units[0])
	cfg, err := h264.DecoderConfig(sps, pps)
	if err != nil {
		t.Fatal(err)
	}
	got := parseAvcC(t, cfg)
	probe := codectest.Probe(t, path)
	if got.version != 1 || got.profile != 100 || probe.Profile != "High" || int(got.level) != probe.Level || got.lengthSize != 4 {
		t.Errorf("avcC %+v; ffprobe says %s level %d", got, probe.Profile, probe.Level)
	}
	if !bytes.Equal(got.ext, []byte{0xfc | 1, 0xf8, 0xf8, 0}) {
		t.Errorf("high profile fields %x, want fdf8f800", got.ext)
	}
	// The file's own avcC, written by ffmpeg's mp4 muxer, field by field and then whole.
	box := codectest.Box(t, path, "avcC")
	if box == nil {
		t.Fatal("no avcC box in the footage")
	}
	file := parseAvcC(t, box)
	if fmt.Sprint(got) != fmt.Sprint(file) {
		t.Errorf("avcC\n got %+v\nfile %+v", got, file)
	}
	if !bytes.Equal(cfg, box) {
		t.Errorf("avcC\n got %x\nfile %x", cfg, box)
	}
}

// TestRoundTripFootage packetizes every access unit of the footage at several MTUs and
// depacketizes the packets back, byte for byte.
func TestRoundTripFootage(t *testing.T) {
	units := footageUnits(t)
	for _, mtu := range []int{100, 576, 1400, 9000} {
		for _, agg := range []bool{false, true} {
			t.Run(fmt.Sprintf("mtu%d-stap%v", mtu, agg), func(t *testing.T) {
				roundTrip(t, units, mtu, agg)
			})
		}
	}
}

func roundTrip(t *testing.T, units [][][]byte, mtu int, agg bool) {
	pk := &h264.Packetizer{PayloadType: 96, SSRC: 0x1234, Sequence: 65000, MTU: mtu, Aggregate: agg}
	d := h264.NewDepacketizer()
	types := map[uint8]int{}
	seq := pk.Sequence
	var p rtp.Packet
	total := 0
	for i, u := range units {
		ts := uint32(i * 9000)
		pkts := pk.Packetize(u, ts)
		for j, b := range pkts {
			if len(b) > mtu {
				t.Fatalf("unit %d: a packet of %d bytes > MTU %d", i, len(b), mtu)
			}
			if err := p.Unmarshal(b); err != nil {
				t.Fatal(err)
			}
			if p.Version != 2 || p.PayloadType != 96 || p.SSRC != 0x1234 || p.Timestamp != ts ||
				p.SequenceNumber != seq || p.Marker != (j == len(pkts)-1) {
				t.Fatalf("unit %d packet %d: header %v", i, j, p.Header)
			}
			seq++
			types[h264.NALUType(p.Payload)]++
			got, err := d.Push(&p)
			if err != nil {
				t.Fatalf("unit %d packet %d: %v", i, j, err)
			}
			if j < len(pkts)-1 && len(got) != 0 {
				t.Fatalf("unit %d: a unit before its last packet", i)
			}
			if j == len(pkts)-1 {
				if len(got) != 1 {
					t.Fatalf("unit %d: %d units after its last packet", i, len(got))
				}
				if got[0].RTPTime != ts || got[0].Key != h264.Key(u) || !equalNALUs(got[0].NALUs, u) {
					t.Fatalf("unit %d differs after the round trip", i)
				}
				total++
			}
		}
	}
	if total != len(units) {
		t.Fatalf("%d units back, want %d", total, len(units))
	}
	st := d.Stats()
	if st.Units != uint64(len(units)) || st.Lost+st.Invalid+st.Dropped+st.Duplicates != 0 {
		t.Errorf("stats %+v", st)
	}
	if mtu < 1400 && types[h264.NALUTypeFUA] == 0 {
		t.Errorf("no FU-A at MTU %d", mtu)
	}
	if agg != (types[h264.NALUTypeSTAPA] > 0) {
		t.Errorf("%d STAP-A packets with Aggregate %v", types[h264.NALUTypeSTAPA], agg)
	}
	t.Logf("packet types %v", types)
}

func equalNALUs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestPionInterop checks both directions against an independent implementation: pion's
// H.264 payloader and depacketizer (github.com/pion/rtp/codecs).
func TestPionInterop(t *testing.T) {
	units := footageUnits(t)[:60]
	// Our packets, pion's depacketizer.
	pk := &h264.Packetizer{PayloadType: 96, MTU: 1200, Aggregate: true}
	var p rtp.Packet
	for i, u := range units {
		var dep codecs.H264Packet
		var annexB []byte
		for _, b := range pk.Packetize(u, uint32(i)) {
			if err := p.Unmarshal(b); err != nil {
				t.Fatal(err)
			}
			out, err := dep.Unmarshal(p.Payload)
			if err != nil {
				t.Fatalf("unit %d: pion: %v", i, err)
			}
			annexB = append(annexB, out...)
		}
		if !equalNALUs(codec.SplitAnnexB(annexB), u) {
			t.Fatalf("unit %d: pion depacketizes it differently", i)
		}
	}
	// Pion's packets (it aggregates SPS and PPS into a STAP-A), our depacketizer.
	var pay codecs.H264Payloader
	d := h264.NewDepacketizer()
	seq := uint16(65530)
	for i, u := range units {
		var annexB []byte
		for _, n := range u {
			annexB = append(annexB, 0, 0, 0, 1)
			annexB = append(annexB, n...)
		}
		payloads := pay.Payload(1000, annexB)
		var got []codec.AccessUnit
		for j, pl := range payloads {
			units, err := d.Push(codectest.Packet(seq, uint32(i*3600), j == len(payloads)-1, pl...))
			seq++
			if err != nil {
				t.Fatalf("unit %d: %v", i, err)
			}
			got = append(got, units...)
		}
		if len(got) != 1 || !equalNALUs(got[0].NALUs, u) {
			t.Fatalf("unit %d: %d units, differing from the source", i, len(got))
		}
	}
}

func TestSpropParameterSetsFootage(t *testing.T) {
	units := footageUnits(t)
	sps, pps := h264.ParameterSets(units[0])
	// As a camera announces them in its SDP (padded and unpadded base64 both occur).
	value := b64(sps[0]) + "," + strings.TrimRight(b64(pps[0]), "=")
	gs, gp, err := h264.SpropParameterSets(value)
	if err != nil {
		t.Fatal(err)
	}
	if !equalNALUs(gs, sps) || !equalNALUs(gp, pps) {
		t.Errorf("SpropParameterSets(%q) = %x, %x", value, gs, gp)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
