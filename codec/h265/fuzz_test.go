package h265_test

import (
	"bytes"
	"testing"

	"github.com/pion/rtp"

	"custodian"
	"custodian/codec"
	"custodian/codec/h265"
	"custodian/codec/internal/codectest"
)

// FuzzDepacketize pushes a sequence of RTP packets (each a 2-byte length and its bytes;
// see codectest.FuzzPackets) through depacketizers with small limits, with and without
// DONL fields. Nothing may panic, units must respect the limits and hold only NAL unit
// types 0–47, and the counts must add up. The seed corpus (testdata/fuzz/FuzzDepacketize)
// holds packets of the test footage; codec/testdata/makeseeds.go writes it.
func FuzzDepacketize(f *testing.F) {
	pk := &h265.Packetizer{MTU: 40, Aggregate: true}
	var seed [][]byte
	for i, u := range [][][]byte{{vps, sps, pps, idr}, {trail}, {sei, bytes.Repeat(trail, 30)}} {
		for _, p := range pk.Packetize(u, uint32(i*100)) {
			seed = append(seed, bytes.Clone(p))
		}
	}
	f.Add(codectest.FuzzInput(seed))
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxSize, maxNALUs = 1 << 14, 16
		for _, donl := range []bool{false, true} {
			opts := []codec.Option{codec.MaxUnitSize(maxSize), codec.MaxUnitNALUs(maxNALUs)}
			if donl {
				opts = append(opts, codec.DONL())
			}
			d := h265.NewDepacketizer(opts...)
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
						if len(n) < 2 || h265.NALUType(n) >= 48 {
							t.Fatalf("a NAL unit %x in a unit", n)
						}
					}
					if u.Key != h265.Key(u.NALUs) {
						t.Fatalf("Key %v for %x", u.Key, u.NALUs)
					}
				}
			})
			st := d.Stats()
			if st.Packets != pkts || st.Units != units || st.Duplicates+st.Invalid > pkts {
				t.Fatalf("stats %+v after %d packets and %d units", st, pkts, units)
			}
		}
	})
}

// FuzzRoundTrip packetizes NAL units made of the input at an MTU from the input and
// depacketizes them back.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("\x40\x01\x0c\x01\xff\x00\x00\x01\x42\x01\x01\x01\x60\x00\x00\x01\x26\x01\xaf\x09"), uint16(40), true)
	f.Fuzz(func(t *testing.T, data []byte, mtu uint16, agg bool) {
		var nalus [][]byte
		for _, n := range codec.SplitAnnexB(append([]byte{0, 0, 1}, data...)) {
			if len(n) < 2 {
				continue
			}
			n = bytes.Clone(n)
			n[0] = n[0]&0x81 | (n[0]>>1&0x3f)%48<<1 // a type that may be sent on its own
			n[1] = n[1]&0xf8 | max(n[1]&7, 1)       // TID not 0
			nalus = append(nalus, n)
		}
		pk := &h265.Packetizer{MTU: int(mtu % 2000), Aggregate: agg, Sequence: 65530}
		d := h265.NewDepacketizer()
		// The unit, then a slice at the next time (a unit without slices is completed by
		// the next timestamp rather than by its marker bit).
		var pkts [][]byte
		for _, b := range pk.Packetize(nalus, 7) {
			pkts = append(pkts, bytes.Clone(b)) // Packetize reuses its buffer
		}
		pkts = append(pkts, pk.Packetize([][]byte{{0x02, 1, 2}}, 8)...)
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
	f.Add(spsFields{profile: 1, level: 90, nesting: true, chroma: 1, width: 320, height: 240,
		vui: func(w *codectest.BitWriter) { w.U(8, 0).Flag(false); timing(w) }}.sps())
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := h265.ParseSPS(data)
		if err != nil {
			if s != nil || custodian.ErrorCode(err) != custodian.EINVALID {
				t.Fatalf("ParseSPS = %+v, %v", s, err)
			}
			return
		}
		if s.Width <= 0 || s.Height <= 0 || s.Width > 1<<16 || s.Height > 1<<16 ||
			s.ChromaFormatIDC > 3 || s.BitDepthLuma < 8 || s.BitDepthLuma > 16 ||
			s.BitDepthChroma < 8 || s.BitDepthChroma > 16 || s.FrameRate < 0 ||
			s.MaxSubLayers < 1 || s.MaxSubLayers > 7 {
			t.Fatalf("ParseSPS = %+v", s)
		}
		if len(data) <= 0xffff {
			if _, err := h265.DecoderConfig([][]byte{vps}, [][]byte{data}, [][]byte{pps}); err != nil {
				t.Fatalf("DecoderConfig: %v", err)
			}
		}
	})
}
