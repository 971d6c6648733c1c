package h264

import "encoding/binary"

// DefaultMTU is the largest RTP packet a Packetizer makes when its MTU is 0.
const DefaultMTU = 1400

// MinMTU is the smallest MTU a Packetizer uses; a smaller one counts as MinMTU.
const MinMTU = 32

// Packetizer turns access units into RTP packets (RFC 6184, packetization mode 1): a NAL
// unit that fits in a packet is sent as a single NAL unit packet, a larger one in FU-A
// fragments, and with Aggregate consecutive small NAL units (parameter sets, SEI, AUD)
// share STAP-A packets. The marker bit is set on the last packet of each unit.
type Packetizer struct {
	PayloadType uint8
	SSRC        uint32
	Sequence    uint16 // sequence number of the next packet; incremented per packet
	MTU         int    // largest RTP packet in bytes, 12-byte header included (DefaultMTU when 0)
	Aggregate   bool   // send runs of NAL units that fit in one packet together as STAP-A

	buf  []byte
	ends []int
	pkts [][]byte
}

// Packetize returns the marshalled RTP packets (version 2, 12-byte header) of one access
// unit with RTP timestamp ts. The packets share an internal buffer: they are valid until
// the next call of Packetize (copy them to keep them). Empty NAL units are skipped; a unit
// with none gives no packets.
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
		if len(n) == 0 {
			i++
			continue
		}
		if p.Aggregate {
			if k := p.stapA(nalus[i:], room, ts); k > 0 {
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
		// FU-A: the NAL unit header becomes the FU indicator and header.
		ind := n[0]&0xe0 | NALUTypeFUA
		typ := n[0] & 0x1f
		data := n[1:]
		for first := true; len(data) > 0; first = false {
			k := min(len(data), room-2)
			fu := typ
			if first {
				fu |= 0x80
			}
			if k == len(data) {
				fu |= 0x40
			}
			p.header(ts)
			p.buf = append(p.buf, ind, fu)
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

// stapA packs the longest run (of two or more) of the leading NAL units that fits in one
// packet into a STAP-A and returns its length, or 0 when there is no such run.
func (p *Packetizer) stapA(nalus [][]byte, room int, ts uint32) int {
	size, k := 1, 0
	var f, nri byte
	for _, n := range nalus {
		if len(n) == 0 || size+2+len(n) > room || len(n) > 0xffff {
			break
		}
		size += 2 + len(n)
		f |= n[0] & 0x80
		nri = byteMax(nri, n[0]&0x60)
		k++
	}
	if k < 2 {
		return 0
	}
	p.header(ts)
	p.buf = append(p.buf, f|nri|NALUTypeSTAPA)
	for _, n := range nalus[:k] {
		p.buf = binary.BigEndian.AppendUint16(p.buf, uint16(len(n)))
		p.buf = append(p.buf, n...)
	}
	p.end()
	return k
}

func byteMax(a, b byte) byte {
	if a > b {
		return a
	}
	return b
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
