package codec

import (
	"github.com/pion/rtp"

	"custodian"
)

// Sequence number tolerances (RFC 3550 Appendix A.1): a packet more than maxDropout ahead
// of the expected one, or more than maxMisorder behind it, is taken as a restarted
// sequence if the next packet follows it, and dropped otherwise.
const (
	maxDropout  = 3000
	maxMisorder = 100
)

// Assembler is the codec-independent half of a depacketizer for NAL-unit based payload
// formats (RFC 6184, RFC 7798): it follows sequence numbers and timestamps, collects the
// NAL units of an access unit into reused buffers, bounds their size and number, drops
// units that lost packets, and keeps the Stats. Packages h264 and h265 parse their payload
// formats and feed the NAL units in:
//
//	func (d *Depacketizer) Push(p *rtp.Packet) ([]codec.AccessUnit, error) {
//		if d.a.Begin(p) {
//			... d.a.Add(nalu), d.a.StartFragment(hdr, data), d.a.AppendFragment(data, end), d.a.Invalid(err)
//		}
//		return d.a.End(p.Marker)
//	}
//
// The zero Assembler is not usable: make one with NewAssembler.
type Assembler struct {
	opts     Options
	classify func(nalu []byte) (vcl, key bool)

	// Sequence numbers.
	seqStarted bool
	seq        uint16 // last accepted
	probing    bool   // a packet far from seq was seen; probe is the one after it
	probe      uint16

	// The packet being pushed.
	accepted bool  // Begin accepted it (End then honours its marker)
	err      error // the first error of this Push

	// The unit being assembled.
	open    bool // a packet of it has been seen; ts is valid
	ts      uint32
	damaged bool // it will be dropped: its data is no longer kept
	isKey   bool
	hasVCL  bool   // it has a slice
	frag    bool   // a fragmented NAL unit is open: its bytes so far are buf[last end:]
	buf     []byte // its NAL units back to back
	ends    []int  // the end offset in buf of each complete NAL unit

	// Double buffering: units returned by a Push keep their bytes until the next Push.
	spareBuf  []byte
	spareEnds []int
	nalus     [2][][]byte
	outArr    [2]AccessUnit
	out       []AccessUnit

	stats Stats
}

// NewAssembler returns an Assembler. classify tells of a complete NAL unit (or of the
// header of a fragmented one) whether it is a slice (VCL), and whether it makes its
// access unit a key unit.
func NewAssembler(classify func(nalu []byte) (vcl, key bool), opts ...Option) *Assembler {
	return &Assembler{opts: MakeOptions(opts...), classify: classify}
}

// Options returns the options the Assembler was made with.
func (a *Assembler) Options() Options { return a.opts }

// Stats returns the counts so far.
func (a *Assembler) Stats() Stats { return a.stats }

// Begin starts pushing p: it counts the packet, checks its sequence number (a gap drops the
// unit being assembled and the unit p belongs to) and its timestamp (a new one completes
// the unit being assembled). It returns false when p is a duplicate, late or stray packet
// that must be ignored; End must be called in any case.
func (a *Assembler) Begin(p *rtp.Packet) bool {
	a.out = a.outArr[:0]
	a.err = nil
	a.accepted = false
	a.stats.Packets++
	lost, restart, ok := a.sequence(p.SequenceNumber)
	if !ok {
		a.stats.Duplicates++
		return false
	}
	a.accepted = true
	a.stats.Lost += lost
	gap := lost > 0 || restart
	if gap && a.open {
		a.damage()
	}
	if a.open && p.Timestamp != a.ts {
		a.finish()
	}
	if !a.open {
		a.open = true
		a.ts = p.Timestamp
	}
	if gap {
		// The missing packets may have been the first ones of p's unit.
		a.damage()
	}
	return true
}

// sequence classifies a sequence number against the last accepted one: it returns the
// number of packets missing before it, whether the sequence restarted, and false when the
// packet is to be ignored.
func (a *Assembler) sequence(seq uint16) (lost uint64, restart, ok bool) {
	if !a.seqStarted {
		a.seqStarted = true
		a.seq = seq
		return 0, false, true
	}
	d := int16(seq - a.seq - 1) // 0 for the next packet
	switch {
	case d >= 0 && d <= maxDropout:
		a.seq = seq
		a.probing = false
		return uint64(d), false, true
	case d < 0 && d >= -maxMisorder:
		return 0, false, false // a duplicate or a late packet
	case a.probing && seq == a.probe:
		a.seq = seq
		a.probing = false
		return 0, true, true
	}
	a.probing = true
	a.probe = seq + 1
	return 0, false, false
}

// End finishes the Push begun by Begin: a marker bit (of an accepted packet) completes the
// unit. It returns the units completed by the packet (valid until the next Push) and the
// first error recorded while pushing it.
//
// Some cameras set the marker bit on the packets of their parameter sets, before the
// slices that have the same timestamp: a marker bit completes a unit only once it has a
// slice; a unit of parameter sets, SEI and the like is completed by the next timestamp.
func (a *Assembler) End(marker bool) ([]AccessUnit, error) {
	if a.accepted && marker && (a.hasVCL || a.damaged || a.frag) {
		a.finish()
	}
	a.accepted = false
	return a.out[:len(a.out):len(a.out)], a.err
}

// fail records err as the error of this Push, unless one is recorded already.
func (a *Assembler) fail(err error) error {
	if a.err == nil {
		a.err = err
	}
	return err
}

// Invalid counts the packet as malformed or unsupported and drops the unit it belongs to.
// It returns err.
func (a *Assembler) Invalid(err error) error {
	a.stats.Invalid++
	a.damage()
	return a.fail(err)
}

// Ignore counts the packet as malformed but keeps its unit: for packets that carry no part
// of a NAL unit (an empty payload). It returns err.
func (a *Assembler) Ignore(err error) error {
	a.stats.Invalid++
	return a.fail(err)
}

// damage marks the unit being assembled for dropping and frees its data.
func (a *Assembler) damage() {
	a.damaged = true
	a.frag = false
	a.buf = a.buf[:0]
	a.ends = a.ends[:0]
}

// finish ends the unit being assembled: it is returned if complete and good, or dropped.
func (a *Assembler) finish() {
	if !a.open {
		return
	}
	switch {
	case a.damaged:
		a.stats.Dropped++
	case a.frag:
		a.stats.Dropped++
		a.fail(custodian.Errorf(custodian.EINVALID,
			"끝나지 않은 조각 NAL 단위가 있는 접근 단위를 버렸습니다 (RTP 시각 %d)",
			"dropped the access unit at RTP time %d: a fragmented NAL unit did not end", a.ts))
	case len(a.ends) > 0:
		a.emit()
	}
	a.open, a.damaged, a.isKey, a.hasVCL, a.frag = false, false, false, false, false
	a.buf = a.buf[:0]
	a.ends = a.ends[:0]
}

// emit appends the unit being assembled to the output and swaps buffers.
func (a *Assembler) emit() {
	k := len(a.out)
	var nalus [][]byte
	if k < len(a.nalus) {
		nalus = a.nalus[k][:0]
	}
	start := 0
	for _, e := range a.ends {
		nalus = append(nalus, a.buf[start:e:e])
		start = e
	}
	if k < len(a.nalus) {
		a.nalus[k] = nalus
	}
	a.out = append(a.out, AccessUnit{NALUs: nalus, RTPTime: a.ts, Key: a.isKey})
	a.stats.Units++
	a.buf, a.spareBuf = a.spareBuf[:0], a.buf
	a.ends, a.spareEnds = a.spareEnds[:0], a.ends
}

// room checks that n more bytes (and a new NAL unit when nalu) fit in the unit; if not, it
// drops the unit with an error.
func (a *Assembler) room(n int, nalu bool) error {
	if nalu && len(a.ends) >= a.opts.MaxUnitNALUs {
		a.damage()
		return a.fail(custodian.Errorf(custodian.EINVALID,
			"접근 단위의 NAL 단위가 %d개를 넘어 버렸습니다 (RTP 시각 %d)",
			"dropped the access unit at RTP time %[2]d: more than %[1]d NAL units",
			a.opts.MaxUnitNALUs, a.ts))
	}
	if n > a.opts.MaxUnitSize-len(a.buf) {
		a.damage()
		return a.fail(custodian.Errorf(custodian.EINVALID,
			"접근 단위가 %d바이트를 넘어 버렸습니다 (RTP 시각 %d)",
			"dropped the access unit at RTP time %[2]d: larger than %[1]d bytes",
			a.opts.MaxUnitSize, a.ts))
	}
	return nil
}

// Add adds a complete NAL unit (at least one byte; the caller checks its header).
func (a *Assembler) Add(nalu []byte) error {
	if a.damaged {
		return nil
	}
	if a.frag {
		// A complete NAL unit while a fragmented one is open: the fragments' end is missing.
		return a.Invalid(errUnfinishedFragment())
	}
	if err := a.room(len(nalu), true); err != nil {
		return err
	}
	a.buf = append(a.buf, nalu...)
	a.ends = append(a.ends, len(a.buf))
	a.note(nalu)
	return nil
}

// StartFragment opens a fragmented NAL unit with its reconstructed header and first data.
func (a *Assembler) StartFragment(header, data []byte) error {
	if a.damaged {
		return nil
	}
	if a.frag {
		return a.Invalid(errUnfinishedFragment())
	}
	if err := a.room(len(header)+len(data), true); err != nil {
		return err
	}
	a.buf = append(a.buf, header...)
	a.buf = append(a.buf, data...)
	a.frag = true
	a.note(header)
	return nil
}

// note classifies a NAL unit added to the unit.
func (a *Assembler) note(nalu []byte) {
	vcl, key := a.classify(nalu)
	a.hasVCL = a.hasVCL || vcl
	a.isKey = a.isKey || key
}

// AppendFragment adds data to the open fragmented NAL unit, and closes it when end.
func (a *Assembler) AppendFragment(data []byte, end bool) error {
	if a.damaged {
		return nil // the start was lost or dropped
	}
	if !a.frag {
		return a.Invalid(custodian.Errorf(custodian.EINVALID,
			"시작 조각 없이 이어지는 조각 NAL 단위를 받았습니다",
			"a fragment of a NAL unit without its start fragment"))
	}
	if err := a.room(len(data), false); err != nil {
		return err
	}
	a.buf = append(a.buf, data...)
	if end {
		a.frag = false
		a.ends = append(a.ends, len(a.buf))
	}
	return nil
}

func errUnfinishedFragment() error {
	return custodian.Errorf(custodian.EINVALID,
		"조각 NAL 단위가 끝 조각 없이 끊겼습니다",
		"a fragmented NAL unit was interrupted before its end fragment")
}
