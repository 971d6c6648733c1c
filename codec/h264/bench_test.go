package h264_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/pion/rtp"

	"custodian/codec/h264"
)

// stream returns the packets of a synthetic 2 Mbit/s, 10 fps camera stream: a keyframe
// (SPS, PPS, 60 KB IDR) then 19 frames of about 20 KB, at MTU 1400; and its NAL bytes.
func stream(b *testing.B) ([]rtp.Packet, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	pk := &h264.Packetizer{MTU: 1400}
	var pkts []rtp.Packet
	size := 0
	for i := range 20 {
		var u [][]byte
		if i == 0 {
			u = [][]byte{sps, pps, slice(rng, 0x65, 60000)}
		} else {
			u = [][]byte{slice(rng, 0x41, 15000+rng.IntN(10000))}
		}
		for _, n := range u {
			size += len(n)
		}
		for _, raw := range pk.Packetize(u, uint32(i*9000)) {
			var p rtp.Packet
			if err := p.Unmarshal(bytes.Clone(raw)); err != nil {
				b.Fatal(err)
			}
			pkts = append(pkts, p)
		}
	}
	return pkts, size
}

func slice(rng *rand.Rand, hdr byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	b[0] = hdr
	return b
}

// BenchmarkDepacketize measures depacketizing a 2 Mbit/s stream; MB/s counts NAL bytes.
func BenchmarkDepacketize(b *testing.B) {
	pkts, size := stream(b)
	d := h264.NewDepacketizer()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	seq, ts := uint16(0), uint32(0)
	for b.Loop() {
		for i := range pkts {
			p := pkts[i]
			p.SequenceNumber = seq
			p.Timestamp += ts
			seq++
			if _, err := d.Push(&p); err != nil {
				b.Fatal(err)
			}
		}
		ts += 20 * 9000
	}
	if st := d.Stats(); st.Dropped != 0 || st.Units != uint64(20*b.N) {
		b.Fatalf("stats %+v after %d loops", st, b.N)
	}
	b.ReportMetric(float64(len(pkts)*b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkDepacketizeCameras measures 500 depacketizers fed in turn, a unit each, so that
// their buffers do not stay in the CPU caches (as for a recorder of 500 cameras); MB/s
// counts NAL bytes.
func BenchmarkDepacketizeCameras(b *testing.B) {
	pkts, size := stream(b)
	const cameras = 500
	ds := make([]*h264.Depacketizer, cameras)
	for i := range ds {
		ds[i] = h264.NewDepacketizer()
	}
	// The packets of each unit.
	var units [][]rtp.Packet
	for i := 0; i < len(pkts); {
		j := i + 1
		for j < len(pkts) && pkts[j].Timestamp == pkts[i].Timestamp {
			j++
		}
		units = append(units, pkts[i:j])
		i = j
	}
	b.SetBytes(int64(size * cameras))
	b.ReportAllocs()
	seq, ts := uint16(0), uint32(0)
	for b.Loop() {
		for _, u := range units {
			for _, d := range ds {
				for i := range u {
					p := u[i]
					p.SequenceNumber = seq + uint16(i)
					p.Timestamp += ts
					if _, err := d.Push(&p); err != nil {
						b.Fatal(err)
					}
				}
			}
			seq += uint16(len(u))
		}
		ts += 20 * 9000
	}
	if st := ds[0].Stats(); st.Dropped != 0 || st.Units != uint64(20*b.N) {
		b.Fatalf("stats %+v after %d loops", st, b.N)
	}
}

// BenchmarkPacketize measures packetizing the same stream (the camera simulator's side).
func BenchmarkPacketize(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	units := [][][]byte{{sps, pps, slice(rng, 0x65, 60000)}}
	for range 19 {
		units = append(units, [][]byte{slice(rng, 0x41, 20000)})
	}
	size := 0
	for _, u := range units {
		for _, n := range u {
			size += len(n)
		}
	}
	pk := &h264.Packetizer{MTU: 1400}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for i, u := range units {
			pk.Packetize(u, uint32(i))
		}
	}
}
