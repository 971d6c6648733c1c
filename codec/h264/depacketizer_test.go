package h264_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pion/rtp"

	"custodian"
	"custodian/codec"
	"custodian/codec/h264"
	"custodian/codec/internal/codectest"
)

var (
	sps = []byte{0x67, 0x42, 0xc0, 0x1e, 0xd9}
	pps = []byte{0x68, 0xce, 0x3c, 0x80}
	sei = []byte{0x06, 0x05, 0x01, 0xaa, 0x80}
	idr = []byte{0x65, 0x88, 0x84, 0x00, 0x33, 0xff}
	non = []byte{0x41, 0x9a, 0x02, 0x03}
)

var pkt = codectest.Packet

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// stapA builds a STAP-A payload.
func stapA(nalus ...[]byte) []byte {
	b := []byte{0x78} // NRI 3, type 24
	for _, n := range nalus {
		b = append(b, byte(len(n)>>8), byte(len(n)))
		b = append(b, n...)
	}
	return b
}

// fuA builds a FU-A payload for a fragment of nalu's body.
func fuA(nalu []byte, start, end bool, part []byte) []byte {
	fu := nalu[0] & 0x1f
	if start {
		fu |= 0x80
	}
	if end {
		fu |= 0x40
	}
	return append([]byte{nalu[0]&0xe0 | 28, fu}, part...)
}

type want struct {
	units [][][]byte
	ts    []uint32
	keys  []bool
	errs  []string // substrings of the errors, in order
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
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{sps, pps, idr}, {non}},
		ts:    []uint32{1000, 4600},
		keys:  []bool{true, false},
		stats: codec.Stats{Packets: 4, Units: 2},
	},
		pkt(10, 1000, false, sps...),
		pkt(11, 1000, false, pps...),
		pkt(12, 1000, true, idr...),
		pkt(13, 4600, true, non...),
	)
}

func TestSTAPA(t *testing.T) {
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{sei, sps, pps, idr}},
		keys:  []bool{true},
		stats: codec.Stats{Packets: 2, Units: 1},
	},
		pkt(1, 0, false, stapA(sei, sps, pps)...),
		pkt(2, 0, true, idr...),
	)
	// A STAP-A holding a whole unit, slice included.
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{sps, pps, idr}},
		stats: codec.Stats{Packets: 1, Units: 1},
	}, pkt(1, 0, true, stapA(sps, pps, idr)...))
}

func TestFUA(t *testing.T) {
	big := cat([]byte{0x65}, bytes.Repeat([]byte{1, 2, 3, 4, 5}, 20))
	body := big[1:]
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{sps, big}},
		keys:  []bool{true},
		stats: codec.Stats{Packets: 5, Units: 1},
	},
		pkt(1, 0, false, sps...),
		pkt(2, 0, false, fuA(big, true, false, body[:10])...),
		pkt(3, 0, false, fuA(big, false, false, body[10:50])...),
		pkt(4, 0, false, fuA(big, false, false, body[50:50])...), // an empty middle fragment
		pkt(5, 0, true, fuA(big, false, true, body[50:])...),
	)
	// Start and end in one fragment (forbidden by RFC 6184, taken as a whole NAL unit).
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{non}},
		stats: codec.Stats{Packets: 1, Units: 1},
	}, pkt(1, 0, true, fuA(non, true, true, non[1:])...))
}

func TestFUAWithoutStart(t *testing.T) {
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{non}},
		ts:    []uint32{200},
		errs:  []string{"without its start"},
		stats: codec.Stats{Packets: 4, Invalid: 1, Units: 1, Dropped: 1},
	},
		pkt(1, 100, false, fuA(idr, false, false, idr[1:3])...),
		pkt(2, 100, true, fuA(idr, false, true, idr[3:])...), // ignored: the unit is dropped already
		pkt(3, 200, false, fuA(non, true, false, non[1:2])...),
		pkt(4, 200, true, fuA(non, false, true, non[2:])...),
	)
}

func TestFUANewStartWhileOpen(t *testing.T) {
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{non}},
		errs:  []string{"interrupted"},
		stats: codec.Stats{Packets: 5, Invalid: 1, Units: 1, Dropped: 1},
	},
		pkt(1, 100, false, fuA(idr, true, false, idr[1:3])...),
		pkt(2, 100, false, fuA(idr, true, false, idr[1:3])...),
		pkt(3, 100, true, fuA(idr, false, true, idr[3:])...),
		pkt(4, 200, false, fuA(non, true, false, non[1:2])...),
		pkt(5, 200, true, fuA(non, false, true, non[2:])...),
	)
	// A single NAL unit packet while a fragmented one is open.
	check(t, h264.NewDepacketizer(), want{
		errs:  []string{"interrupted"},
		stats: codec.Stats{Packets: 2, Invalid: 1, Dropped: 1},
	},
		pkt(1, 100, false, fuA(idr, true, false, idr[1:3])...),
		pkt(2, 100, true, non...),
	)
}

func TestFUAUnfinished(t *testing.T) {
	// The marker bit on a fragment that is not the end; then a new timestamp while a
	// fragmented NAL unit is open.
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{sps}, {non}},
		ts:    []uint32{300, 400},
		errs:  []string{"did not end", "did not end"},
		stats: codec.Stats{Packets: 4, Units: 2, Dropped: 2},
	},
		pkt(1, 100, true, fuA(idr, true, false, idr[1:3])...),
		pkt(2, 200, false, fuA(idr, true, false, idr[1:3])...),
		pkt(3, 300, false, sps...), // completes (and drops) the unit at 200
		pkt(4, 400, true, non...),  // completes the unit at 300 (just an SPS), then its own
	)
}

func TestLostFragment(t *testing.T) {
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{non}, {non}},
		ts:    []uint32{0, 200},
		stats: codec.Stats{Packets: 6, Lost: 1, Units: 2, Dropped: 1},
	},
		pkt(1, 0, true, non...),
		pkt(2, 100, false, fuA(idr, true, false, idr[1:2])...),
		// 3 is lost
		pkt(4, 100, false, fuA(idr, false, false, idr[3:4])...),
		pkt(5, 100, true, fuA(idr, false, true, idr[4:])...),
		pkt(6, 200, false, fuA(non, true, false, non[1:2])...),
		pkt(7, 200, true, fuA(non, false, true, non[2:])...),
	)
}

func TestLostBetweenUnits(t *testing.T) {
	// A gap after a complete unit: the lost packets may have been the first ones of the
	// next unit, so it is dropped too.
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{idr}, {non}},
		ts:    []uint32{0, 200},
		stats: codec.Stats{Packets: 3, Lost: 2, Units: 2, Dropped: 1},
	},
		pkt(1, 0, true, idr...),
		pkt(4, 100, true, non...),
		pkt(5, 200, true, non...),
	)
	// Without marker bits, a gap drops both the unit open and the next.
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{non}},
		ts:    []uint32{200},
		stats: codec.Stats{Packets: 4, Lost: 1, Units: 1, Dropped: 2},
	},
		pkt(1, 0, false, idr...),
		pkt(3, 100, false, non...),
		pkt(4, 200, false, non...),
		pkt(5, 300, false, non...),
	)
}

func TestSequenceWrap(t *testing.T) {
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{sps, pps, idr}, {non}},
		stats: codec.Stats{Packets: 5, Units: 2},
	},
		pkt(65534, 0, false, sps...),
		pkt(65535, 0, false, pps...),
		pkt(0, 0, true, idr...),
		pkt(1, 100, false, fuA(non, true, false, non[1:2])...),
		pkt(2, 100, true, fuA(non, false, true, non[2:])...),
	)
	// A loss across the wrap.
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{idr}, {non}},
		stats: codec.Stats{Packets: 3, Lost: 2, Units: 2, Dropped: 1},
	},
		pkt(65534, 0, true, idr...),
		pkt(1, 100, true, non...),
		pkt(2, 200, true, non...),
	)
}

func TestTimestampChangeWithoutMarker(t *testing.T) {
	d := h264.NewDepacketizer()
	check(t, d, want{
		units: [][][]byte{{sps, pps, idr}},
		ts:    []uint32{0},
		stats: codec.Stats{Packets: 4, Units: 1},
	},
		pkt(1, 0, false, sps...),
		pkt(2, 0, false, pps...),
		pkt(3, 0, false, idr...),
		pkt(4, 3600, false, non...),
	)
	// A packet with a new timestamp and the marker bit completes two units at once; both
	// stay valid until the next Push.
	units, err := d.Push(pkt(5, 7200, true, idr...))
	if err != nil || len(units) != 2 {
		t.Fatalf("%d units, %v", len(units), err)
	}
	if !equalNALUs(units[0].NALUs, [][]byte{non}) || units[0].RTPTime != 3600 || units[0].Key ||
		!equalNALUs(units[1].NALUs, [][]byte{idr}) || units[1].RTPTime != 7200 || !units[1].Key {
		t.Errorf("units %+v", units)
	}
}

func TestDuplicates(t *testing.T) {
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{sps, pps, idr}, {non}},
		stats: codec.Stats{Packets: 7, Duplicates: 3, Units: 2},
	},
		pkt(1, 0, false, sps...),
		pkt(1, 0, false, sps...),
		pkt(2, 0, false, pps...),
		pkt(3, 0, true, idr...),
		pkt(3, 0, true, idr...),   // a duplicate marker packet does not complete anything
		pkt(2, 0, false, pps...),  // late
		pkt(4, 100, true, non...), // in order again
	)
}

func TestSequenceRestart(t *testing.T) {
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{idr}, {non}},
		ts:    []uint32{0, 9100},
		stats: codec.Stats{Packets: 6, Duplicates: 2, Units: 2, Dropped: 2},
	},
		pkt(100, 0, true, idr...),
		pkt(30000, 5, true, non...), // a stray packet far away: dropped
		pkt(101, 100, false, non...),
		pkt(20000, 9000, false, non...), // the camera restarted its sequence…
		pkt(20001, 9000, true, non...),  // …which the next packet confirms: the unit at 100
		// and the unit at 9000 (whose first packet was taken for a stray one) are dropped
		pkt(20002, 9100, true, non...),
	)
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		name    string
		payload []byte
		err     string
	}{
		{"FU-A header cut", []byte{0x7c}, "truncated H.264 FU-A"},
		{"STAP-A empty", []byte{0x78}, "STAP-A packet is empty"},
		{"STAP-A size cut", []byte{0x78, 0x00}, "STAP-A packet is truncated"},
		{"STAP-A size too large", cat([]byte{0x78, 0x00, 0x09}, sps), "bad NAL unit size"},
		{"STAP-A size zero", []byte{0x78, 0x00, 0x00, 0x67}, "bad NAL unit size"},
		{"STAP-A trailing byte", cat(stapA(sps, pps), []byte{0}), "truncated"},
		{"STAP-A nested", stapA(stapA(sps)), "type 24"},
		{"STAP-A reserved type", stapA([]byte{0x1e, 1}), "type 30"},
		{"FU-A of a FU-A", []byte{0x7c, 0x9c, 1}, "type 28"},
		{"FU-A of type 0", []byte{0x7c, 0x80, 1}, "type 0"},
		{"STAP-B", []byte{0x79, 0, 0, 0, 1, 0x65}, "STAP-B"},
		{"MTAP16", []byte{0x7a, 0, 0}, "MTAP16"},
		{"MTAP24", []byte{0x7b, 0, 0}, "MTAP24"},
		{"FU-B", []byte{0x7d, 0x85, 0, 0}, "FU-B"},
		{"type 0", []byte{0x00, 1}, "type 0"},
		{"type 30", []byte{0x1e, 1}, "type 30"},
		{"type 31", []byte{0x1f}, "type 31"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The malformed packet drops its unit; the next unit is fine.
			check(t, h264.NewDepacketizer(), want{
				units: [][][]byte{{non}},
				ts:    []uint32{100},
				errs:  []string{c.err},
				stats: codec.Stats{Packets: 3, Invalid: 1, Units: 1, Dropped: 1},
			},
				pkt(1, 0, false, sps...),
				pkt(2, 0, true, c.payload...),
				pkt(3, 100, true, non...),
			)
		})
	}
}

func TestEmptyPayload(t *testing.T) {
	// An empty payload is counted as invalid but carries nothing, so its unit is kept.
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{sps, idr}},
		errs:  []string{"empty"},
		stats: codec.Stats{Packets: 3, Invalid: 1, Units: 1},
	},
		pkt(1, 0, false, sps...),
		pkt(2, 0, false),
		pkt(3, 0, true, idr...),
	)
	// A unit of empty payloads only gives nothing.
	check(t, h264.NewDepacketizer(), want{
		errs:  []string{"empty"},
		stats: codec.Stats{Packets: 1, Invalid: 1},
	}, pkt(1, 0, true))
}

func TestOversize(t *testing.T) {
	big := cat([]byte{0x65}, make([]byte, 99))
	check(t, h264.NewDepacketizer(codec.MaxUnitSize(150)), want{
		units: [][][]byte{{sps, idr}, {big}},
		errs:  []string{"larger than 150 bytes", "larger than 150 bytes"},
		stats: codec.Stats{Packets: 10, Units: 2, Dropped: 2},
	},
		pkt(1, 0, false, sps...),
		pkt(2, 0, false, big...),
		pkt(3, 0, false, big...), // over the limit: dropped with an error
		pkt(4, 0, true, big...),  // no second error for the same unit
		pkt(5, 100, false, sps...),
		pkt(6, 100, true, idr...),
		pkt(7, 200, false, fuA(big, true, false, big[1:60])...),
		pkt(8, 200, true, fuA(big, false, true, big[60:])...),
		pkt(9, 300, false, fuA(big, true, false, cat(big[1:], big[1:]))...),
		pkt(10, 300, true, fuA(big, false, true, big[1:])...),
	)
	check(t, h264.NewDepacketizer(codec.MaxUnitNALUs(3)), want{
		units: [][][]byte{{sps, pps, idr}},
		errs:  []string{"more than 3 NAL units"},
		stats: codec.Stats{Packets: 3, Units: 1, Dropped: 1},
	},
		pkt(1, 0, true, stapA(sei, sps, pps, idr)...),
		pkt(2, 100, false, stapA(sps, pps)...),
		pkt(3, 100, true, idr...),
	)
}

// TestUnitsValidUntilNextPush checks that the bytes of returned units are not overwritten
// while the caller holds them, across many units of varying sizes.
func TestUnitsValidUntilNextPush(t *testing.T) {
	d := h264.NewDepacketizer()
	pk := &h264.Packetizer{MTU: 200}
	var prev []codec.AccessUnit
	var prevCopy []codectest.Unit
	var p rtp.Packet
	for i := range 200 {
		n := cat([]byte{0x41}, bytes.Repeat([]byte{byte(i)}, 1+i*37%900))
		for _, b := range pk.Packetize([][]byte{sps, n}, uint32(i)) {
			// Before pushing, the units of the previous push are intact.
			for k, u := range prev {
				if !equalNALUs(u.NALUs, prevCopy[k].NALUs) {
					t.Fatalf("unit %d changed before the next Push", i)
				}
			}
			if err := p.Unmarshal(b); err != nil {
				t.Fatal(err)
			}
			units, err := d.Push(&p)
			if err != nil {
				t.Fatal(err)
			}
			prev, prevCopy = units, nil
			for _, u := range units {
				prevCopy = append(prevCopy, codectest.Clone(u))
				if !equalNALUs(u.NALUs, [][]byte{sps, n}) {
					t.Fatalf("unit %d differs", i)
				}
			}
		}
	}
}

// TestNoAllocations checks that depacketizing in the steady state allocates nothing.
func TestNoAllocations(t *testing.T) {
	pk := &h264.Packetizer{MTU: 1400}
	frame := cat([]byte{0x41}, bytes.Repeat([]byte{7}, 30000))
	var pkts []rtp.Packet
	for i := range 4 {
		for _, b := range pk.Packetize([][]byte{sps, pps, frame}, uint32(i*3600)) {
			var p rtp.Packet
			if err := p.Unmarshal(bytes.Clone(b)); err != nil {
				t.Fatal(err)
			}
			pkts = append(pkts, p)
		}
	}
	d := h264.NewDepacketizer()
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
	// Some cameras set the marker bit on the packets of their parameter sets: a unit is
	// completed by a marker bit only once it has a slice.
	check(t, h264.NewDepacketizer(), want{
		units: [][][]byte{{sps, pps, idr}, {non}, {sei}, {non}},
		ts:    []uint32{0, 100, 200, 300},
		keys:  []bool{true, false, false, false},
		stats: codec.Stats{Packets: 6, Units: 4},
	},
		pkt(1, 0, true, sps...),
		pkt(2, 0, true, pps...),
		pkt(3, 0, true, idr...),
		pkt(4, 100, true, non...),
		pkt(5, 200, true, sei...), // no slice follows at 200: completed by the next timestamp
		pkt(6, 300, true, non...),
	)
}

// TestReorderFootage sends the footage's packets out of order, with duplicates, through
// a codec.Reorder into a depacketizer: every unit comes out whole.
func TestReorderFootage(t *testing.T) {
	units := footageUnits(t)[:200]
	pk := &h264.Packetizer{MTU: 1400, Sequence: 60000}
	var pkts []*rtp.Packet
	for i, u := range units {
		for _, b := range pk.Packetize(u, uint32(i*9000)) {
			p := new(rtp.Packet)
			if err := p.Unmarshal(bytes.Clone(b)); err != nil {
				t.Fatal(err)
			}
			pkts = append(pkts, p)
		}
	}
	// Swap neighbours and repeat some packets, deterministically.
	var sent []*rtp.Packet
	for i := 0; i < len(pkts); i++ {
		if i%7 == 3 && i+2 < len(pkts) {
			sent = append(sent, pkts[i+2], pkts[i], pkts[i+1])
			i += 2
			continue
		}
		sent = append(sent, pkts[i])
		if i%11 == 5 {
			sent = append(sent, pkts[i])
		}
	}
	r := codec.NewReorder(8)
	d := h264.NewDepacketizer()
	var got []codectest.Unit
	for _, p := range sent {
		for _, q := range r.Push(p) {
			us, err := d.Push(q)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range us {
				got = append(got, codectest.Clone(u))
			}
		}
	}
	if len(got) != len(units) {
		t.Fatalf("%d units, want %d", len(got), len(units))
	}
	for i, u := range got {
		if !equalNALUs(u.NALUs, units[i]) || u.RTPTime != uint32(i*9000) {
			t.Fatalf("unit %d differs", i)
		}
	}
	rs, ds := r.Stats(), d.Stats()
	if rs.Reordered == 0 || rs.Duplicates == 0 || rs.Lost != 0 || ds.Lost+ds.Duplicates+ds.Dropped+ds.Invalid != 0 {
		t.Errorf("reorder %+v, depacketizer %+v", rs, ds)
	}
}
