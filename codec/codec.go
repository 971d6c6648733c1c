package codec

import (
	"bytes"

	"github.com/pion/rtp"

	"custodian"
)

// AccessUnit is one coded picture: its NAL units without start codes or length prefixes.
type AccessUnit struct {
	// NALUs may alias the depacketizer's buffers: they are valid until the next Push.
	// Copy what must be kept longer.
	NALUs   [][]byte
	RTPTime uint32 // RTP timestamp of its packets
	Key     bool   // contains an IDR slice (H.264 type 5) / an IRAP picture (H.265 types 16–23)
	// Damaged is always false for units returned by Push: a unit with lost packets is
	// dropped (and counted in Stats.Dropped), not returned.
	Damaged bool
}

// Size returns the total length of the unit's NAL units.
func (u *AccessUnit) Size() int {
	n := 0
	for _, b := range u.NALUs {
		n += len(b)
	}
	return n
}

// Stats count what a depacketizer (and reorder buffer) saw.
type Stats struct {
	Packets    uint64 // RTP packets pushed
	Lost       uint64 // packets missing by sequence number (gaps)
	Reordered  uint64 // packets that arrived out of order and were put back in order (Reorder only)
	Duplicates uint64 // packets seen twice, or arriving after their place had passed (dropped)
	Invalid    uint64 // malformed or unsupported packets (dropped)
	Units      uint64 // access units returned
	Dropped    uint64 // access units discarded because a packet of theirs was lost or they were invalid / too large
}

// Depacketizer turns the RTP packets of one stream into access units.
type Depacketizer interface {
	// Push takes the next packet in sequence order and returns the access units that it
	// completes: a packet with the marker bit completes its own unit, and a packet with a
	// new timestamp completes the previous one (so one Push may return two units). The
	// units and their NAL units are valid until the next Push.
	//
	// A non-nil error describes a malformed or unsupported packet, or a unit that was too
	// large; the packet was counted and dropped (with the unit it belonged to) and the
	// depacketizer goes on with later packets. Units returned together with an error are
	// good and should be used. Lost packets are not errors: they are counted in Stats.
	Push(p *rtp.Packet) ([]AccessUnit, error)
	// Stats returns the counts so far.
	Stats() Stats
}

// Default limits of a depacketizer.
const (
	DefaultMaxUnitSize  = 8 << 20 // bytes of NAL units in one access unit
	DefaultMaxUnitNALUs = 1024    // NAL units in one access unit
)

// Options configure a depacketizer. Set them with the Option functions.
type Options struct {
	MaxUnitSize  int  // largest access unit in bytes (DefaultMaxUnitSize when 0 or less)
	MaxUnitNALUs int  // most NAL units in one access unit (DefaultMaxUnitNALUs when 0 or less)
	DONL         bool // H.265 only: payloads carry DONL/DOND fields (sprop-max-don-diff > 0)
}

// Option sets one of the Options.
type Option func(*Options)

// MaxUnitSize sets the largest access unit, in bytes, that a depacketizer assembles;
// larger units are dropped with an error.
func MaxUnitSize(n int) Option { return func(o *Options) { o.MaxUnitSize = n } }

// MaxUnitNALUs sets the most NAL units that one access unit may have; units with more are
// dropped with an error.
func MaxUnitNALUs(n int) Option { return func(o *Options) { o.MaxUnitNALUs = n } }

// DONL tells an H.265 depacketizer that payloads carry the decoding order number fields
// of RFC 7798 §4.4 (sprop-max-don-diff greater than 0). The fields are skipped: NAL units
// are kept in transmission order, which is the decoding order only when the sender does
// not interleave. The H.264 depacketizer ignores it.
func DONL() Option { return func(o *Options) { o.DONL = true } }

// MakeOptions applies opts over the defaults.
func MakeOptions(opts ...Option) Options {
	var o Options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	if o.MaxUnitSize <= 0 {
		o.MaxUnitSize = DefaultMaxUnitSize
	}
	if o.MaxUnitNALUs <= 0 {
		o.MaxUnitNALUs = DefaultMaxUnitNALUs
	}
	return o
}

// SplitAnnexB returns the NAL units of an Annex B byte stream (ITU-T H.264 / H.265 Annex
// B): the bytes between start codes (00 00 01, or 00 00 00 01), without the trailing zero
// bytes that may follow a NAL unit. Bytes before the first start code are ignored, as are
// empty NAL units. The returned slices alias b.
func SplitAnnexB(b []byte) [][]byte {
	var out [][]byte
	start := -1 // first byte of the current NAL unit
	for i := 0; ; {
		j := bytes.Index(b[i:], startCode)
		if j < 0 {
			break
		}
		j += i
		if start >= 0 {
			out = appendNALU(out, b[start:j])
		}
		start = j + 3
		i = start
	}
	if start >= 0 {
		out = appendNALU(out, b[start:])
	}
	return out
}

var startCode = []byte{0, 0, 1}

func appendNALU(out [][]byte, n []byte) [][]byte {
	n = bytes.TrimRight(n, "\x00")
	if len(n) > 0 {
		out = append(out, n)
	}
	return out
}

// SplitLengthPrefixed returns the NAL units of an MP4 sample (ISO/IEC 14496-15): each
// preceded by its length in size bytes (1, 2 or 4; 4 with lengthSizeMinusOne 3). The
// returned slices alias b.
func SplitLengthPrefixed(b []byte, size int) ([][]byte, error) {
	if size != 1 && size != 2 && size != 4 {
		return nil, custodian.Errorf(custodian.EINVALID,
			"NAL 단위 길이 필드는 1, 2, 4바이트여야 합니다 (%d)",
			"a NAL unit length field has 1, 2 or 4 bytes, not %d", size)
	}
	var out [][]byte
	for len(b) > 0 {
		if len(b) < size {
			return nil, custodian.Errorf(custodian.EINVALID,
				"NAL 단위 길이 필드가 잘렸습니다", "truncated NAL unit length field")
		}
		n := 0
		for _, c := range b[:size] {
			n = n<<8 | int(c)
		}
		b = b[size:]
		if n > len(b) {
			return nil, custodian.Errorf(custodian.EINVALID,
				"NAL 단위 길이 %d가 남은 %d바이트보다 깁니다",
				"NAL unit length %d exceeds the %d bytes left", n, len(b))
		}
		if n > 0 {
			out = append(out, b[:n:n])
		}
		b = b[n:]
	}
	return out, nil
}

// NALClass tells of a NAL unit whether it is a slice (VCL), whether it is the first slice
// of a picture, and whether it can only come before a picture's first slice (AUD,
// parameter sets, prefix SEI …) and so starts a new access unit after a picture.
type NALClass func(nalu []byte) (vcl, first, prefix bool)

// AccessUnits groups NAL units in decode order (an Annex B stream split by SplitAnnexB)
// into access units (H.264 §7.4.1.2.3, H.265 §7.4.2.4.4): a prefix NAL unit after a
// picture's slices, or a slice that begins a new picture, starts the next unit. The units
// alias nalus. h264.AccessUnits and h265.AccessUnits supply the classes.
func AccessUnits(nalus [][]byte, class NALClass) [][][]byte {
	var units [][][]byte
	var cur [][]byte
	seenVCL := false
	for _, n := range nalus {
		vcl, first, prefix := class(n)
		if seenVCL && (prefix || first) {
			units = append(units, cur)
			cur, seenVCL = nil, false
		}
		cur = append(cur, n)
		seenVCL = seenVCL || vcl
	}
	if len(cur) > 0 {
		units = append(units, cur)
	}
	return units
}
