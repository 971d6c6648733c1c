package h264_test

import (
	"bytes"
	"testing"

	"github.com/pion/rtp"

	"custodian"
	"custodian/codec"
	"custodian/codec/h264"
	"custodian/codec/internal/codectest"
)

// FuzzDepacketize pushes a sequence of RTP packets (each a 2-byte length and its bytes;
// see codectest.FuzzPackets) through a depacketizer with small limits. Nothing may panic,
// units must respect the limits and hold only NAL unit types 1–23, and the counts must add
// up. The seed corpus (testdata/fuzz/FuzzDepacketize) holds packets of the test footage;
// codec/testdata/makeseeds.go writes it.
func FuzzDepacketize(f *testing.F) {
	pk := &h264.Packetizer{MTU: 40, Aggregate: true}
	var seed [][]byte
	for i, u := range [][][]byte{{sps, pps, idr}, {non}, {sei, bytes.Repeat(non, 30)}} {
		for _, p := range pk.Packetize(u, uint32(i*100)) {
			seed = append(seed, bytes.Clone(p))
		}
	}
	f.Add(codectest.FuzzInput(seed))
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxSize, maxNALUs = 1 << 14, 16
		d := h264.NewDepacketizer(codec.MaxUnitSize(maxSize), codec.MaxUnitNALUs(maxNALUs))
		var pkts, units uint64
		codectest.FuzzPackets(data, func(p *rtp.Packet) {
			us, err := d.Push(p)
			pkts++
			units += uint64(len(us))
			if err != nil && custodian.ErrorCode(err) != custodian.EINVALID {
				t.Fatalf("error %v with code %q", err, custodian.ErrorCode(err))
			}
			codectest.CheckUnits(t, us, maxSize, maxNALUs)
			for _, u := range us {
				for _, n := range u.NALUs {
					if typ := h264.NALUType(n); typ < 1 || typ > 23 {
						t.Fatalf("a NAL unit of type %d in a unit", typ)
					}
				}
				if u.Key != h264.Key(u.NALUs) {
					t.Fatalf("Key %v for %x", u.Key, u.NALUs)
				}
			}
		})
		st := d.Stats()
		if st.Packets != pkts || st.Units != units || st.Duplicates+st.Invalid > pkts {
			t.Fatalf("stats %+v after %d packets and %d units", st, pkts, units)
		}
	})
}

// FuzzRoundTrip packetizes NAL units made of the input at an MTU from the input and
// depacketizes them back.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("\x67\x42\xc0\x1e\xd9\x00\x00\x01\x68\xce\x3c\x80\x00\x00\x01\x65\x88\x84"), uint16(40), true)
	f.Fuzz(func(t *testing.T, data []byte, mtu uint16, agg bool) {
		var nalus [][]byte
		for _, n := range codec.SplitAnnexB(append([]byte{0, 0, 1}, data...)) {
			n = bytes.Clone(n)
			n[0] = n[0]&0xe0 | (n[0]&0x1f)%23 + 1 // a type that may be sent on its own
			nalus = append(nalus, n)
		}
		pk := &h264.Packetizer{MTU: int(mtu % 2000), Aggregate: agg, Sequence: 65530}
		d := h264.NewDepacketizer()
		// The unit, then a slice at the next time (a unit without slices is completed by
		// the next timestamp rather than by its marker bit).
		var pkts [][]byte
		for _, b := range pk.Packetize(nalus, 7) {
			pkts = append(pkts, bytes.Clone(b)) // Packetize reuses its buffer
		}
		pkts = append(pkts, pk.Packetize([][]byte{{0x41, 1}}, 8)...)
		units, errs := codectest.Push(t, d, pkts)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if len(nalus) == 0 {
			if len(units) != 1 || units[0].RTPTime != 8 {
				t.Fatalf("units from nothing: %v", units)
			}
			return
		}
		if len(units) != 2 || !equalNALUs(units[0].NALUs, nalus) || units[0].RTPTime != 7 || units[1].RTPTime != 8 {
			t.Fatalf("round trip of %x gave %v", nalus, units)
		}
	})
}

// FuzzParseSPS parses arbitrary SPS. Nothing may panic, and what parses must be sane and
// give a decoder configuration.
func FuzzParseSPS(f *testing.F) {
	f.Add(spsFields{profile: 100, chroma: 1, wMBs: 20, hMapUnits: 15, frameMBsOnly: true}.write().Flag(false).NALU(0x67))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := h264.ParseSPS(data)
		if err != nil {
			if s != nil || custodian.ErrorCode(err) != custodian.EINVALID {
				t.Fatalf("ParseSPS = %+v, %v", s, err)
			}
			return
		}
		if s.Width <= 0 || s.Height <= 0 || s.Width > 16*8192 || s.Height > 16*8192 ||
			s.ChromaFormatIDC > 3 || s.BitDepthLuma < 8 || s.BitDepthLuma > 14 ||
			s.BitDepthChroma < 8 || s.BitDepthChroma > 14 || s.FrameRate < 0 {
			t.Fatalf("ParseSPS = %+v", s)
		}
		if len(data) >= 4 && len(data) <= 0xffff {
			if _, err := h264.DecoderConfig([][]byte{data}, [][]byte{pps}); err != nil {
				t.Fatalf("DecoderConfig: %v", err)
			}
		}
	})
}
