package h265_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"custodian/codec"
	"custodian/codec/h265"
	"custodian/codec/internal/codectest"
	"custodian/internal/testmedia"
)

var footage struct {
	once  sync.Once
	units [][][]byte
}

// footageUnits returns the access units of the H.265 test footage.
func footageUnits(t testing.TB) [][][]byte {
	t.Helper()
	footage.once.Do(func() {
		stream := codectest.AnnexB(t, testmedia.VtestH265, true)
		footage.units = h265.AccessUnits(codec.SplitAnnexB(stream))
	})
	if len(footage.units) == 0 {
		t.Fatal("no access units in the footage")
	}
	return footage.units
}

func TestFootageUnits(t *testing.T) {
	units := footageUnits(t)
	probe := codectest.Probe(t, testmedia.Path(t, testmedia.VtestH265))
	if len(units) != probe.Frames() {
		t.Fatalf("%d access units, ffprobe counts %d frames", len(units), probe.Frames())
	}
	keys := 0
	for i, u := range units {
		if !h265.Key(u) {
			continue
		}
		keys++
		vps, sps, pps := h265.ParameterSets(u)
		if len(vps) != 1 || len(sps) != 1 || len(pps) != 1 {
			t.Errorf("keyframe %d has %d VPS, %d SPS and %d PPS", i, len(vps), len(sps), len(pps))
		}
	}
	if want := (len(units) + 19) / 20; keys != want || !h265.Key(units[0]) {
		t.Errorf("%d keyframes (first: %v), want %d", keys, h265.Key(units[0]), want)
	}
}

func TestParseSPSFootage(t *testing.T) {
	units := footageUnits(t)
	probe := codectest.Probe(t, testmedia.Path(t, testmedia.VtestH265))
	_, sps, _ := h265.ParameterSets(units[0])
	if len(sps) == 0 {
		t.Fatal("no SPS in the first unit")
	}
	s, err := h265.ParseSPS(sps[0])
	if err != nil {
		t.Fatal(err)
	}
	if probe.Profile != "Main" || probe.PixFmt != "yuv420p" || probe.FrameRate != "10/1" {
		t.Fatalf("unexpected footage: %+v", probe)
	}
	want := h265.SPS{
		ProfileIDC:           1,             // Main
		ProfileCompatibility: 0x60000000,    // Main and Main 10
		ConstraintIndicator:  [6]byte{0x90}, // progressive source, frame only
		LevelIDC:             uint8(probe.Level),
		ChromaFormatIDC:      1,
		BitDepthLuma:         8,
		BitDepthChroma:       8,
		Width:                probe.Width,
		Height:               probe.Height,
		FrameRate:            10,
		MaxSubLayers:         1,
		TemporalIDNesting:    true,
	}
	if *s != want || s.Width != 768 || s.Height != 576 || s.LevelIDC != 90 {
		t.Errorf("ParseSPS = %+v\n     want %+v", *s, want)
	}
}

// hvcC is a parsed HEVCDecoderConfigurationRecord: its 22 fixed bytes and its arrays.
type hvcC struct {
	head   []byte
	arrays []hvcCArray
}

type hvcCArray struct {
	complete bool
	typ      uint8
	nalus    [][]byte
}

func parseHvcC(t *testing.T, b []byte) hvcC {
	t.Helper()
	fail := func() { t.Fatalf("malformed hvcC %x", b) }
	if len(b) < 23 {
		fail()
	}
	c := hvcC{head: b[:22]}
	r := b[23:]
	for range int(b[22]) {
		if len(r) < 3 {
			fail()
		}
		a := hvcCArray{complete: r[0]&0x80 != 0, typ: r[0] & 0x3f}
		n := int(binary.BigEndian.Uint16(r[1:]))
		r = r[3:]
		for range n {
			if len(r) < 2 || int(binary.BigEndian.Uint16(r)) > len(r)-2 {
				fail()
			}
			l := int(binary.BigEndian.Uint16(r))
			a.nalus = append(a.nalus, r[2:2+l])
			r = r[2+l:]
		}
		c.arrays = append(c.arrays, a)
	}
	if len(r) != 0 {
		fail()
	}
	return c
}

// array returns the NAL units of the array of a type.
func (c hvcC) array(typ uint8) [][]byte {
	for _, a := range c.arrays {
		if a.typ == typ {
			return a.nalus
		}
	}
	return nil
}

func TestDecoderConfigFootage(t *testing.T) {
	path := testmedia.Path(t, testmedia.VtestH265)
	units := footageUnits(t)
	vps, sps, pps := h265.ParameterSets(units[0])
	cfg, err := h265.DecoderConfig(vps, sps, pps)
	if err != nil {
		t.Fatal(err)
	}
	got := parseHvcC(t, cfg)
	probe := codectest.Probe(t, path)
	// configurationVersion, Main, level, lengthSizeMinusOne.
	if got.head[0] != 1 || got.head[1] != 1 || int(got.head[12]) != probe.Level || got.head[21]&3 != 3 {
		t.Errorf("hvcC head %x; ffprobe says %s level %d", got.head, probe.Profile, probe.Level)
	}
	if len(got.arrays) != 3 {
		t.Fatalf("%d arrays", len(got.arrays))
	}
	for i, typ := range []uint8{h265.NALUTypeVPS, h265.NALUTypeSPS, h265.NALUTypePPS} {
		if a := got.arrays[i]; a.typ != typ || !a.complete || len(a.nalus) != 1 {
			t.Errorf("array %d: %+v", i, a)
		}
	}
	// The file's own hvcC, written by ffmpeg's mp4 muxer: the same fixed fields (its
	// min_spatial_segmentation_idc and parallelismType are 0 too) and parameter sets; it
	// has an array of SEI besides.
	box := codectest.Box(t, path, "hvcC")
	if box == nil {
		t.Fatal("no hvcC box in the footage")
	}
	file := parseHvcC(t, box)
	if !bytes.Equal(got.head, file.head) {
		t.Errorf("hvcC head\n got %x\nfile %x", got.head, file.head)
	}
	for _, typ := range []uint8{h265.NALUTypeVPS, h265.NALUTypeSPS, h265.NALUTypePPS} {
		if !equalNALUs(got.array(typ), file.array(typ)) {
			t.Errorf("array of type %d differs from the file's", typ)
		}
	}
}

func TestRoundTripFootage(t *testing.T) {
	units := footageUnits(t)
	for _, mtu := range []int{100, 576, 1400, 9000} {
		for _, agg := range []bool{false, true} {
			t.Run(fmt.Sprintf("mtu%d-ap%v", mtu, agg), func(t *testing.T) {
				roundTrip(t, units, mtu, agg)
			})
		}
	}
}

func roundTrip(t *testing.T, units [][][]byte, mtu int, agg bool) {
	pk := &h265.Packetizer{PayloadType: 96, SSRC: 0x1234, Sequence: 65000, MTU: mtu, Aggregate: agg}
	d := h265.NewDepacketizer()
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
			types[h265.NALUType(p.Payload)]++
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
				if got[0].RTPTime != ts || got[0].Key != h265.Key(u) || !equalNALUs(got[0].NALUs, u) {
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
	if mtu < 1400 && types[h265.NALUTypeFU] == 0 {
		t.Errorf("no FU at MTU %d", mtu)
	}
	if agg != (types[h265.NALUTypeAP] > 0) {
		t.Errorf("%d AP packets with Aggregate %v", types[h265.NALUTypeAP], agg)
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
// H.265 depacketizer and payloader (github.com/pion/rtp/codecs).
func TestPionInterop(t *testing.T) {
	units := footageUnits(t)[:60]
	pk := &h265.Packetizer{PayloadType: 96, MTU: 1200, Aggregate: true}
	var p rtp.Packet
	for i, u := range units {
		var dep codecs.H265Depacketizer
		var got [][]byte
		for _, b := range pk.Packetize(u, uint32(i)) {
			if err := p.Unmarshal(b); err != nil {
				t.Fatal(err)
			}
			out, err := dep.Unmarshal(p.Payload)
			if err != nil {
				t.Fatalf("unit %d: pion: %v", i, err)
			}
			got = append(got, codec.SplitAnnexB(out)...)
		}
		if !equalNALUs(got, u) {
			t.Fatalf("unit %d: pion depacketizes it differently", i)
		}
	}
	// Pion's packets (without aggregation, which moves parameter sets), our depacketizer.
	pay := codecs.H265Payloader{SkipAggregation: true}
	d := h265.NewDepacketizer()
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
	vps, sps, pps := h265.ParameterSets(units[0])
	b64 := base64.StdEncoding.EncodeToString
	gv, gs, gp, err := h265.SpropParameterSets(b64(vps[0]), base64.RawStdEncoding.EncodeToString(sps[0]), b64(pps[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !equalNALUs(gv, vps) || !equalNALUs(gs, sps) || !equalNALUs(gp, pps) {
		t.Errorf("SpropParameterSets = %x, %x, %x", gv, gs, gp)
	}
}
