package h265

import "encoding/binary"

// DefaultMTU is the largest RTP packet a Packetizer makes when its MTU is 0.
const DefaultMTU = 1400

// MinMTU is the smallest MTU a Packetizer uses; a smaller one counts as MinMTU.
const MinMTU = 32

// Packetizer turns access units into RTP packets (RFC 7798, without DONL fields): a NAL
// unit that fits in a packet is sent as a single NAL unit packet, a larger one in
// fragmentation units (FU), and with Aggregate consecutive small NAL units (parameter
// sets, SEI, AUD) share aggregation packets (AP). The marker bit is set on the last
// packet of each unit. NAL units shorter than their 2-byte header are skipped.
type Packetizer struct {
	PayloadType uint8
	SSRC        uint32
	Sequence    uint16 // sequence number of the next packet; incremented per packet
	MTU         int    // largest RTP packet in bytes, 12-byte header included (DefaultMTU when 0)
	Aggregate   bool   // send runs of NAL units that fit in one packet together as AP

	buf  []byte
	ends []int
	pkts [][]byte
}

// Packetize returns the marshalled RTP packets (version 2, 12-byte header) of one access
// unit with RTP timestamp ts. The packets share an internal buffer: they are valid until
// the next call of Packetize (copy them to keep them). A unit without NAL units gives no
// packets.
func (p *Packetizer) Packetize(nalus [][]byte, ts uint32) [][]byte {
	mtu := p.MTU
	if mtu == 0 {
		mtu = DefaultMTU
	}
	room := max(mtu, MinMTU) - 12 // payload bytes per packet
	p.buf = p.buf[:0]
	p.ends = p.ends[:0]
	for i := 0; i < len(nalus); {
		n := nalus[i]
		if len(n) < 2 {
			i++
			continue
		}
		if p.Aggregate {
			if k := p.ap(nalus[i:], room, ts); k > 0 {
				i += k
				continue
			}
		}
		if len(n) <= room {
			p.header(ts)
			p.buf = append(p.buf, n...)
			p.end()
			i++
			continue
		}
		// FU: the payload header is the NAL unit header with type 49; the FU header
		// carries the type.
		h0, h1 := n[0]&0x81|NALUTypeFU<<1, n[1]
		typ := NALUType(n)
		data := n[2:]
		for first := true; len(data) > 0; first = false {
			k := min(len(data), room-3)
			fu := typ
			if first {
				fu |= 0x80
			}
			if k == len(data) {
				fu |= 0x40
			}
			p.header(ts)
			p.buf = append(p.buf, h0, h1, fu)
			p.buf = append(p.buf, data[:k]...)
			p.end()
			data = data[k:]
		}
		i++
	}
	p.pkts = p.pkts[:0]
	start := 0
	for _, e := range p.ends {
		p.pkts = append(p.pkts, p.buf[start:e:e])
		start = e
	}
	if len(p.pkts) > 0 {
		p.pkts[len(p.pkts)-1][1] |= 0x80 // marker
	}
	return p.pkts
}

// ap packs the longest run (of two or more) of the leading NAL units that fits in one
// packet into an AP and returns its length, or 0 when there is no such run. The payload
// header has the F bit of any unit, and the lowest LayerId and TID (RFC 7798 §4.4.2).
func (p *Packetizer) ap(nalus [][]byte, room int, ts uint32) int {
	size, k := 2, 0
	var f, layer, tid byte = 0, 0x3f, 7
	for _, n := range nalus {
		if len(n) < 2 || size+2+len(n) > room || len(n) > 0xffff {
			break
		}
		size += 2 + len(n)
		f |= n[0] & 0x80
		layer = min(layer, n[0]&1<<5|n[1]>>3)
		tid = min(tid, n[1]&7)
		k++
	}
	if k < 2 {
		return 0
	}
	p.header(ts)
	p.buf = append(p.buf, f|NALUTypeAP<<1|layer>>5, layer<<3|tid)
	for _, n := range nalus[:k] {
		p.buf = binary.BigEndian.AppendUint16(p.buf, uint16(len(n)))
		p.buf = append(p.buf, n...)
	}
	p.end()
	return k
}

// header appends an RTP header for the next packet.
func (p *Packetizer) header(ts uint32) {
	p.buf = append(p.buf, 0x80, p.PayloadType&0x7f)
	p.buf = binary.BigEndian.AppendUint16(p.buf, p.Sequence)
	p.buf = binary.BigEndian.AppendUint32(p.buf, ts)
	p.buf = binary.BigEndian.AppendUint32(p.buf, p.SSRC)
	p.Sequence++
}

func (p *Packetizer) end() { p.ends = append(p.ends, len(p.buf)) }
