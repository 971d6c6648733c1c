package h265

import (
	"github.com/pion/rtp"

	"custodian"
	"custodian/codec"
)

// Depacketizer turns RTP packets of an H.265 stream (RFC 7798) into access units: single
// NAL unit packets, aggregation packets (AP) and fragmentation units (FU). PACI packets are
// refused as unsupported. By default the payloads carry no DONL/DOND fields
// (sprop-max-don-diff 0); with the codec.DONL option they are expected and skipped.
type Depacketizer struct {
	a    *codec.Assembler
	donl bool
	hdr  [2]byte
}

// NewDepacketizer returns a depacketizer with the given options (codec.MaxUnitSize,
// codec.MaxUnitNALUs, codec.DONL).
func NewDepacketizer(opts ...codec.Option) *Depacketizer {
	a := codec.NewAssembler(classify, opts...)
	return &Depacketizer{a: a, donl: a.Options().DONL}
}

// Stats returns the counts so far.
func (d *Depacketizer) Stats() codec.Stats { return d.a.Stats() }

// Push takes the next packet in sequence order; see codec.Depacketizer.
func (d *Depacketizer) Push(p *rtp.Packet) ([]codec.AccessUnit, error) {
	if d.a.Begin(p) {
		d.payload(p.Payload)
	}
	return d.a.End(p.Marker)
}

func (d *Depacketizer) payload(b []byte) {
	if len(b) == 0 {
		d.a.Ignore(custodian.Errorf(custodian.EINVALID,
			"H.265 RTP 패킷의 페이로드가 비었습니다", "empty H.265 RTP payload"))
		return
	}
	if len(b) < 2 {
		d.a.Invalid(errTruncated("RTP 페이로드 헤더", "RTP payload header"))
		return
	}
	if b[1]&7 == 0 {
		d.a.Invalid(custodian.Errorf(custodian.EINVALID,
			"H.265 RTP 페이로드 헤더의 TID가 0입니다", "H.265 RTP payload header with TID 0"))
		return
	}
	switch typ := NALUType(b); {
	case typ == NALUTypeAP:
		d.ap(b)
	case typ == NALUTypeFU:
		d.fu(b)
	case typ == NALUTypePACI:
		d.a.Invalid(custodian.Errorf(custodian.EINVALID,
			"H.265 RTP 페이로드 PACI는 지원하지 않습니다", "unsupported H.265 RTP payload PACI"))
	case typ > NALUTypePACI:
		d.a.Invalid(errReserved(typ))
	case d.donl:
		if len(b) < 4 {
			d.a.Invalid(errTruncated("단일 NAL 단위 패킷", "single NAL unit packet"))
			return
		}
		// The NAL unit is the payload header and what follows the DONL field.
		d.hdr = [2]byte{b[0], b[1]}
		if d.a.StartFragment(d.hdr[:], b[4:]) == nil {
			d.a.AppendFragment(nil, true)
		}
	default:
		d.a.Add(b)
	}
}

func errReserved(typ uint8) error {
	return custodian.Errorf(custodian.EINVALID,
		"H.265 RTP 페이로드의 NAL 단위 유형 %d는 쓸 수 없습니다",
		"H.265 RTP payload with NAL unit type %d, which is reserved or not allowed there", typ)
}

func errTruncated(ko, en string) error {
	return &custodian.Error{Code: custodian.EINVALID, Ko: "H.265 " + ko + "가 잘렸습니다", En: "truncated H.265 " + en}
}

// ap adds the NAL units of an aggregation packet (RFC 7798 §4.4.2) after checking all of
// them.
func (d *Depacketizer) ap(b []byte) {
	rest := b[2:]
	if d.donl {
		if len(rest) < 2 {
			d.a.Invalid(errTruncated("AP 패킷", "AP packet"))
			return
		}
		rest = rest[2:] // DONL of the first NAL unit
	}
	if len(rest) == 0 {
		d.a.Invalid(custodian.Errorf(custodian.EINVALID, "H.265 AP 패킷이 비었습니다", "empty H.265 AP packet"))
		return
	}
	for r, first := rest, true; len(r) > 0; first = false {
		if d.donl && !first {
			r = r[1:] // DOND
		}
		if len(r) < 2 {
			d.a.Invalid(errTruncated("AP 패킷", "AP packet"))
			return
		}
		n := int(r[0])<<8 | int(r[1])
		if n < 2 || n > len(r)-2 {
			d.a.Invalid(custodian.Errorf(custodian.EINVALID,
				"H.265 AP 패킷의 NAL 단위 길이 %d가 잘못되었습니다", "H.265 AP packet with a bad NAL unit size %d", n))
			return
		}
		if typ := NALUType(r[2:]); typ >= NALUTypeAP {
			d.a.Invalid(errReserved(typ))
			return
		}
		r = r[2+n:]
	}
	// RFC 7798 wants two or more NAL units in an AP; one is harmless and is taken.
	for r, first := rest, true; len(r) > 0; first = false {
		if d.donl && !first {
			r = r[1:]
		}
		n := int(r[0])<<8 | int(r[1])
		if d.a.Add(r[2:2+n]) != nil {
			return
		}
		r = r[2+n:]
	}
}

// fu adds a fragment of a fragmentation unit (RFC 7798 §4.4.3). A fragment with both the
// start and the end bit (which the RFC forbids) is taken as a whole NAL unit.
func (d *Depacketizer) fu(b []byte) {
	if len(b) < 3 {
		d.a.Invalid(errTruncated("FU 패킷", "FU packet"))
		return
	}
	fu := b[2]
	start, end := fu&0x80 != 0, fu&0x40 != 0
	data := b[3:]
	if !start {
		d.a.AppendFragment(data, end)
		return
	}
	if d.donl {
		if len(data) < 2 {
			d.a.Invalid(errTruncated("FU 패킷", "FU packet"))
			return
		}
		data = data[2:]
	}
	typ := fu & 0x3f
	if typ >= NALUTypeAP {
		d.a.Invalid(errReserved(typ))
		return
	}
	d.hdr = [2]byte{b[0]&0x81 | typ<<1, b[1]}
	if d.a.StartFragment(d.hdr[:], data) == nil && end {
		d.a.AppendFragment(nil, true)
	}
}
