package h264

import (
	"github.com/pion/rtp"

	"custodian"
	"custodian/codec"
)

// Depacketizer turns RTP packets of an H.264 stream in packetization mode 0 or 1 (RFC 6184
// §6.2, §6.3) into access units: single NAL unit packets, STAP-A and FU-A. The interleaved
// mode's STAP-B, MTAP16, MTAP24 and FU-B are refused as unsupported.
type Depacketizer struct {
	a   *codec.Assembler
	hdr [1]byte
}

// NewDepacketizer returns a depacketizer with the given limits (codec.MaxUnitSize,
// codec.MaxUnitNALUs).
func NewDepacketizer(opts ...codec.Option) *Depacketizer {
	return &Depacketizer{a: codec.NewAssembler(classify, opts...)}
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
			"H.264 RTP 패킷의 페이로드가 비었습니다", "empty H.264 RTP payload"))
		return
	}
	switch typ := NALUType(b); typ {
	case NALUTypeSTAPA:
		d.stapA(b)
	case NALUTypeFUA:
		d.fuA(b)
	case NALUTypeSTAPB, NALUTypeMTAP16, NALUTypeMTAP24, NALUTypeFUB:
		d.a.Invalid(custodian.Errorf(custodian.EINVALID,
			"H.264 RTP 페이로드 %s는 지원하지 않습니다 (인터리브 모드, packetization-mode=2)",
			"unsupported H.264 RTP payload %s (interleaved mode, packetization-mode=2)", typeName(typ)))
	default:
		if !single(typ) {
			d.a.Invalid(errReserved(typ))
			return
		}
		d.a.Add(b)
	}
}

// single tells whether a NAL unit type may be sent as a NAL unit (1–23).
func single(typ uint8) bool { return typ >= 1 && typ <= 23 }

func typeName(typ uint8) string {
	switch typ {
	case NALUTypeSTAPB:
		return "STAP-B"
	case NALUTypeMTAP16:
		return "MTAP16"
	case NALUTypeMTAP24:
		return "MTAP24"
	case NALUTypeFUB:
		return "FU-B"
	}
	return "?"
}

func errReserved(typ uint8) error {
	return custodian.Errorf(custodian.EINVALID,
		"H.264 RTP 페이로드의 NAL 단위 유형 %d는 쓸 수 없습니다",
		"H.264 RTP payload with NAL unit type %d, which is reserved or not allowed there", typ)
}

// stapA adds the NAL units of a STAP-A (RFC 6184 §5.7.1) after checking all of them.
func (d *Depacketizer) stapA(b []byte) {
	rest := b[1:]
	if len(rest) == 0 {
		d.a.Invalid(errSTAPA("패킷이 비었습니다", "is empty"))
		return
	}
	for r := rest; len(r) > 0; {
		if len(r) < 3 {
			d.a.Invalid(errSTAPA("패킷이 잘렸습니다", "is truncated"))
			return
		}
		n := int(r[0])<<8 | int(r[1])
		if n == 0 || n > len(r)-2 {
			d.a.Invalid(errSTAPA("패킷의 NAL 단위 길이가 잘못되었습니다", "has a bad NAL unit size"))
			return
		}
		if typ := NALUType(r[2:]); !single(typ) {
			d.a.Invalid(errReserved(typ))
			return
		}
		r = r[2+n:]
	}
	for r := rest; len(r) > 0; {
		n := int(r[0])<<8 | int(r[1])
		if d.a.Add(r[2:2+n]) != nil {
			return
		}
		r = r[2+n:]
	}
}

func errSTAPA(ko, en string) error {
	return &custodian.Error{Code: custodian.EINVALID, Ko: "H.264 STAP-A " + ko, En: "H.264 STAP-A packet " + en}
}

// fuA adds a fragment of a FU-A (RFC 6184 §5.8). A fragment with both the start and the end
// bit (which the RFC forbids) is taken as a whole NAL unit.
func (d *Depacketizer) fuA(b []byte) {
	if len(b) < 2 {
		d.a.Invalid(custodian.Errorf(custodian.EINVALID,
			"H.264 FU-A 패킷이 잘렸습니다", "truncated H.264 FU-A packet"))
		return
	}
	ind, fu := b[0], b[1]
	start, end := fu&0x80 != 0, fu&0x40 != 0
	if !start {
		d.a.AppendFragment(b[2:], end)
		return
	}
	typ := fu & 0x1f
	if !single(typ) {
		d.a.Invalid(errReserved(typ))
		return
	}
	d.hdr[0] = ind&0xe0 | typ
	if d.a.StartFragment(d.hdr[:], b[2:]) == nil && end {
		d.a.AppendFragment(nil, true)
	}
}
