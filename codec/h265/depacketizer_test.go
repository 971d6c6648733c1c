package h265_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pion/rtp"

	"custodian"
	"custodian/codec"
	"custodian/codec/h265"
	"custodian/codec/internal/codectest"
)

var (
	vps   = []byte{0x40, 0x01, 0x0c, 0x01, 0xff}
	sps   = []byte{0x42, 0x01, 0x01, 0x01, 0x60}
	pps   = []byte{0x44, 0x01, 0xc1, 0x72}
	sei   = []byte{0x4e, 0x01, 0x05, 0x01, 0x80}
	idr   = []byte{0x26, 0x01, 0xaf, 0x09, 0x40, 0x33} // IDR_W_RADL
	cra   = []byte{0x2a, 0x01, 0xaf, 0x01}             // CRA
	trail = []byte{0x02, 0x01, 0xd0, 0x09, 0x7e}       // TRAIL_R
)

var pkt = codectest.Packet

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// ap builds an aggregation packet payload (without DONL).
func ap(nalus ...[]byte) []byte {
	b := []byte{48 << 1, 0x01}
	for _, n := range nalus {
		b = append(b, byte(len(n)>>8), byte(len(n)))
		b = append(b, n...)
	}
	return b
}

// fu builds a fragmentation unit payload for a fragment of nalu's body.
func fu(nalu []byte, start, end bool, part []byte) []byte {
	h := h265.NALUType(nalu)
	if start {
		h |= 0x80
	}
	if end {
		h |= 0x40
	}
	return append([]byte{nalu[0]&0x81 | 49<<1, nalu[1], h}, part...)
}

type want struct {
	units [][][]byte
	ts    []uint32
	keys  []bool
	errs  []string
	stats codec.Stats
}

func check(t *testing.T, d codec.Depacketizer, w want, pkts ...*rtp.Packet) {
	t.Helper()
	units, errs := codectest.PushPackets(d, pkts...)
	if len(units) != len(w.units) {
		t.Fatalf("%d units, want %d: %v", len(units), len(w.units), units)
	}
	for i, u := range units {
		if !equalNALUs(u.NALUs, w.units[i]) {
			t.Errorf("unit %d: %x, want %x", i, u.NALUs, w.units[i])
		}
		if w.ts != nil && u.RTPTime != w.ts[i] {
			t.Errorf("unit %d: RTP time %d, want %d", i, u.RTPTime, w.ts[i])
		}
		if w.keys != nil && u.Key != w.keys[i] {
			t.Errorf("unit %d: key %v, want %v", i, u.Key, w.keys[i])
		}
	}
	if len(errs) != len(w.errs) {
		t.Errorf("errors %v, want %d", errs, len(w.errs))
	}
	for i := range min(len(errs), len(w.errs)) {
		if !strings.Contains(errs[i].Error(), w.errs[i]) || custodian.ErrorCode(errs[i]) != custodian.EINVALID {
			t.Errorf("error %d: %v, want one with %q", i, errs[i], w.errs[i])
		}
	}
	if got := d.Stats(); got != w.stats {
		t.Errorf("stats %+v\n      want %+v", got, w.stats)
	}
}

func TestSingleNALUnits(t *testing.T) {
	check(t, h265.NewDepacketizer(), want{
		units: [][][]byte{{vps, sps, pps, idr}, {trail}, {cra}},
		ts:    []uint32{1000, 4600, 8200},
		keys:  []bool{true, false, true},
		stats: codec.Stats{Packets: 6, Units: 3},
	},
		pkt(10, 1000, false, vps...),
		pkt(11, 1000, false, sps...),
		pkt(12, 1000, false, pps...),
		pkt(13, 1000, true, idr...),
		pkt(14, 4600, true, trail...),
		pkt(15, 8200, true, cra...),
	)
}

func TestAP(t *testing.T) {
	check(t, h265.NewDepacketizer(), want{
		units: [][][]byte{{vps, sps, pps, sei, idr}, {trail}},
		keys:  []bool{true, false},
		stats: codec.Stats{Packets: 3, Units: 2},
	},
		pkt(1, 0, false, ap(vps, sps, pps, sei)...),
		pkt(2, 0, true, idr...),
		pkt(3, 1, true, ap(trail)...), // one NAL unit (RFC 7798 wants two; harmless)
	)
}

func TestFU(t *testing.T) {
	big := cat([]byte{0x26, 0x01}, bytes.Repeat([]byte{1, 2, 3, 4, 5}, 20))
	body := big[2:]
	check(t, h265.NewDepacketizer(), want{
		units: [][][]byte{{sps, big}, {trail}},
		keys:  []bool{true, false},
		stats: codec.Stats{Packets: 6, Units: 2},
	},
		pkt(1, 0, false, sps...),
		pkt(2, 0, false, fu(big, true, false, body[:10])...),
		pkt(3, 0, false, fu(big, false, false, body[10:50])...),
		pkt(4, 0, false, fu(big, false, false, nil)...),
		pkt(5, 0, true, fu(big, false, true, body[50:])...),
		pkt(6, 1, true, fu(trail, true, true, trail[2:])...), // start and end at once
	)
}

func TestFUErrors(t *testing.T) {
	check(t, h265.NewDepacketizer(), want{
		units: [][][]byte{{trail}},
		ts:    []uint32{300},
		errs:  []string{"without its start", "interrupted"},
		stats: codec.Stats{Packets: 7, Invalid: 2, Units: 1, Dropped: 2},
	},
		pkt(1, 100, false, fu(idr, false, false, idr[2:3])...),
		pkt(2, 100, true, fu(idr, false, true, idr[3:])...),
		pkt(3, 200, false, fu(idr, true, false, idr[2:3])...),
		pkt(4, 200, false, fu(idr, true, false, idr[2:3])...),
		pkt(5, 200, true, fu(idr, false, true, idr[3:])...),
		pkt(6, 300, false, fu(trail, true, false, trail[2:3])...),
		pkt(7, 300, true, fu(trail, false, true, trail[3:])...),
	)
}

func TestLostFragment(t *testing.T) {
	check(t, h265.NewDepacketizer(), want{
		units: [][][]byte{{trail}, {trail}},
		ts:    []uint32{0, 200},
		stats: codec.Stats{Packets: 5, Lost: 1, Units: 2, Dropped: 1},
	},
		pkt(65534, 0, true, trail...),
		pkt(65535, 100, false, fu(idr, true, false, idr[2:3])...),
		// 0 is lost
		pkt(1, 100, true, fu(idr, false, true, idr[4:])...),
		pkt(2, 200, false, fu(trail, true, false, trail[2:3])...),
		pkt(3, 200, true, fu(trail, false, true, trail[3:])...),
	)
}

func TestTimestampChangeAndDuplicates(t *testing.T) {
	check(t, h265.NewDepacketizer(), want{
		units: [][][]byte{{vps, sps, pps, idr}, {trail}},
		ts:    []uint32{0, 3600},
		stats: codec.Stats{Packets: 7, Duplicates: 2, Units: 2},
	},
		pkt(65535, 0, false, ap(vps, sps, pps)...),
		pkt(65535, 0, false, ap(vps, sps, pps)...),
		pkt(0, 0, false, idr...),
		pkt(1, 3600, false, trail...),
		pkt(0, 0, false, idr...),
		pkt(2, 7200, false, fu(trail, true, false, trail[2:3])...),
		pkt(3, 7200, false, fu(trail, false, false, trail[3:])...),
	)
}

func TestDONL(t *testing.T) {
	// With sprop-max-don-diff > 0 every single NAL unit packet, AP and first FU carries a
	// DONL (and every further AP unit a DOND).
	apDONL := []byte{48 << 1, 0x01, 0x00, 0x07}
	apDONL = append(apDONL, 0, byte(len(vps)))
	apDONL = append(apDONL, vps...)
	apDONL = append(apDONL, 0x01, 0, byte(len(sps))) // DOND
	apDONL = append(apDONL, sps...)
	single := cat(pps[:2], []byte{0x00, 0x09}, pps[2:])
	fuStart := cat(fu(idr, true, false, nil), []byte{0x00, 0x0a}, idr[2:4])
	check(t, h265.NewDepacketizer(codec.DONL()), want{
		units: [][][]byte{{vps, sps, pps, idr}},
		stats: codec.Stats{Packets: 4, Units: 1},
	},
		pkt(1, 0, false, apDONL...),
		pkt(2, 0, false, single...),
		pkt(3, 0, false, fuStart...),
		pkt(4, 0, true, fu(idr, false, true, idr[4:])...),
	)
	check(t, h265.NewDepacketizer(codec.DONL()), want{
		errs:  []string{"truncated H.265 single NAL unit packet", "truncated H.265 FU packet", "truncated H.265 AP packet", "truncated H.265 AP packet"},
		stats: codec.Stats{Packets: 4, Invalid: 4, Dropped: 1},
	},
		pkt(1, 0, false, pps[:3]...),
		pkt(2, 0, false, fu(idr, true, false, []byte{0})...),
		pkt(3, 0, false, 48<<1, 1, 0),
		pkt(4, 0, true, cat([]byte{48 << 1, 1, 0, 0, 0, 2, 0x40, 1}, []byte{1, 0})...),
	)
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		name    string
		payload []byte
		err     string
	}{
		{"one byte", []byte{0x26}, "truncated H.265 RTP payload header"},
		{"TID 0", []byte{0x26, 0x00, 1}, "TID 0"},
		{"FU header cut", []byte{49 << 1, 1}, "truncated H.265 FU"},
		{"FU of an AP", []byte{49 << 1, 1, 0x80 | 48, 1}, "type 48"},
		{"AP empty", []byte{48 << 1, 1}, "empty H.265 AP"},
		{"AP size cut", []byte{48 << 1, 1, 0}, "truncated H.265 AP"},
		{"AP size too large", cat([]byte{48 << 1, 1, 0, 9}, sps), "bad NAL unit size 9"},
		{"AP size 1", []byte{48 << 1, 1, 0, 1, 0x40}, "bad NAL unit size 1"},
		{"AP nested", ap(ap(sps, pps)), "type 48"},
		{"AP with a FU", ap(fu(idr, true, false, idr[2:])), "type 49"},
		{"PACI", []byte{50 << 1, 1, 0, 0}, "PACI"},
		{"type 51", []byte{51 << 1, 1, 0}, "type 51"},
		{"type 63", []byte{0x7e, 1, 0}, "type 63"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check(t, h265.NewDepacketizer(), want{
				units: [][][]byte{{trail}},
				ts:    []uint32{100},
				errs:  []string{c.err},
				stats: codec.Stats{Packets: 3, Invalid: 1, Units: 1, Dropped: 1},
			},
				pkt(1, 0, false, sps...),
				pkt(2, 0, true, c.payload...),
				pkt(3, 100, true, trail...),
			)
		})
	}
}

func TestEmptyPayloadAndOversize(t *testing.T) {
	check(t, h265.NewDepacketizer(), want{
		units: [][][]byte{{sps, idr}},
		errs:  []string{"empty"},
		stats: codec.Stats{Packets: 3, Invalid: 1, Units: 1},
	},
		pkt(1, 0, false, sps...),
		pkt(2, 0, false),
		pkt(3, 0, true, idr...),
	)
	big := cat([]byte{0x26, 0x01}, make([]byte, 98))
	check(t, h265.NewDepacketizer(codec.MaxUnitSize(150), codec.MaxUnitNALUs(4)), want{
		units: [][][]byte{{big}, {vps, sps, pps, idr}},
		errs:  []string{"larger than 150 bytes", "more than 4 NAL units"},
		stats: codec.Stats{Packets: 6, Units: 2, Dropped: 2},
	},
		pkt(1, 0, false, fu(big, true, false, big[2:50])...),
		pkt(2, 0, true, fu(big, false, true, big[50:])...),
		pkt(3, 100, false, fu(big, true, false, big[2:])...),
		pkt(4, 100, true, fu(big, false, true, big[2:])...),
		pkt(5, 200, true, ap(vps, sps, pps, idr)...),
		pkt(6, 300, true, ap(vps, sps, pps, sei, idr)...),
	)
}

func TestNoAllocations(t *testing.T) {
	pk := &h265.Packetizer{MTU: 1400}
	frame := cat([]byte{0x02, 0x01}, bytes.Repeat([]byte{7}, 30000))
	var pkts []rtp.Packet
	for i := range 4 {
		for _, b := range pk.Packetize([][]byte{vps, sps, pps, frame}, uint32(i*3600)) {
			var p rtp.Packet
			if err := p.Unmarshal(bytes.Clone(b)); err != nil {
				t.Fatal(err)
			}
			pkts = append(pkts, p)
		}
	}
	d := h265.NewDepacketizer()
	seq, ts := uint16(0), uint32(0)
	push := func() {
		for i := range pkts {
			p := pkts[i]
			p.SequenceNumber = seq
			p.Timestamp += ts
			seq++
			if _, err := d.Push(&p); err != nil {
				t.Fatal(err)
			}
		}
		ts += 4 * 3600
	}
	push()
	if a := testing.AllocsPerRun(20, push); a != 0 {
		t.Errorf("%v allocations per %d packets", a, len(pkts))
	}
	if st := d.Stats(); st.Units != 22*4 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestMarkerOnParameterSets(t *testing.T) {
	check(t, h265.NewDepacketizer(), want{
		units: [][][]byte{{vps, sps, pps, cra}, {sei}, {trail}},
		ts:    []uint32{0, 100, 200},
		keys:  []bool{true, false, false},
		stats: codec.Stats{Packets: 5, Units: 3},
	},
		pkt(1, 0, true, ap(vps, sps)...),
		pkt(2, 0, true, pps...),
		pkt(3, 0, true, cra...),
		pkt(4, 100, true, sei...),
		pkt(5, 200, true, trail...),
	)
}

func TestHeaderBits(t *testing.T) {
	// The F bit, a nuh_layer_id of 33 (its top bit in the first byte) and a TID of 2 survive
	// fragmentation and aggregation.
	odd := cat([]byte{0x80 | 19<<1 | 1, 0x0a}, bytes.Repeat([]byte{9}, 50))
	odd2 := []byte{0x80 | 39<<1 | 1, 0x0a, 5}
	for _, mtu := range []int{40, 1400} {
		pk := &h265.Packetizer{MTU: mtu, Aggregate: true}
		units, errs := codectest.Push(t, h265.NewDepacketizer(), pk.Packetize([][]byte{odd2, odd2, odd}, 5))
		if len(errs) > 0 || len(units) != 1 || !equalNALUs(units[0].NALUs, [][]byte{odd2, odd2, odd}) || !units[0].Key {
			t.Errorf("MTU %d: %v %v", mtu, units, errs)
		}
	}
}
