package codec_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pion/rtp"

	"custodian/codec"
)

func p(seq uint16) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 10}, Payload: []byte{byte(seq), byte(seq >> 8)}}
}

// push pushes packets and returns the sequence numbers released by each Push.
func push(t *testing.T, r *codec.Reorder, seqs ...uint16) [][]uint16 {
	t.Helper()
	var out [][]uint16
	for _, s := range seqs {
		var got []uint16
		for _, q := range r.Push(p(s)) {
			if q.Payload[0] != byte(q.SequenceNumber) || q.Payload[1] != byte(q.SequenceNumber>>8) || q.Timestamp != uint32(q.SequenceNumber)*10 {
				t.Fatalf("packet %d with payload %x", q.SequenceNumber, q.Payload)
			}
			got = append(got, q.SequenceNumber)
		}
		out = append(out, got)
	}
	return out
}

func seqs(r []*rtp.Packet) []uint16 {
	var s []uint16
	for _, q := range r {
		s = append(s, q.SequenceNumber)
	}
	return s
}

func checkPush(t *testing.T, r *codec.Reorder, in []uint16, want [][]uint16, stats codec.Stats) {
	t.Helper()
	got := push(t, r, in...)
	for i := range in {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("push %d (%d): released %v, want %v", i, in[i], got[i], want[i])
		}
	}
	if st := r.Stats(); st != stats {
		t.Errorf("stats %+v\n want %+v", st, stats)
	}
}

func TestReorderInOrder(t *testing.T) {
	r := codec.NewReorder(8)
	in := p(7)
	if out := r.Push(in); len(out) != 1 || out[0] != in {
		t.Fatalf("in-order packet not passed through as is: %v", out)
	}
	checkPush(t, r, []uint16{8, 9}, [][]uint16{{8}, {9}}, codec.Stats{Packets: 3})
}

func TestReorderSwap(t *testing.T) {
	checkPush(t, codec.NewReorder(8),
		[]uint16{1, 3, 2, 4, 6, 7, 5},
		[][]uint16{{1}, nil, {2, 3}, {4}, nil, nil, {5, 6, 7}},
		codec.Stats{Packets: 7, Reordered: 2})
}

func TestReorderLoss(t *testing.T) {
	// Window 3: a missing packet is waited for until 3 later ones have come.
	checkPush(t, codec.NewReorder(3),
		[]uint16{1, 3, 4, 5, 6, 2, 8, 12, 13},
		[][]uint16{{1}, nil, nil, nil, {3, 4, 5, 6}, nil, nil, {8}, nil},
		codec.Stats{Packets: 9, Lost: 3, Duplicates: 1}) // 2, 7 and 9; 10 and 11 are still waited for
	// A jump past the window skips everything up to the window before it.
	checkPush(t, codec.NewReorder(3),
		[]uint16{1, 3, 100, 98, 97, 99},
		[][]uint16{{1}, nil, {3}, nil, {97, 98}, {99, 100}},
		codec.Stats{Packets: 6, Lost: 1 + 93, Reordered: 3})
}

func TestReorderWindowZero(t *testing.T) {
	checkPush(t, codec.NewReorder(0),
		[]uint16{1, 3, 2, 4},
		[][]uint16{{1}, {3}, nil, {4}},
		codec.Stats{Packets: 4, Lost: 1, Duplicates: 1})
}

func TestReorderDuplicates(t *testing.T) {
	checkPush(t, codec.NewReorder(8),
		[]uint16{1, 1, 3, 3, 2, 2, 3},
		[][]uint16{{1}, nil, nil, nil, {2, 3}, nil, nil},
		codec.Stats{Packets: 7, Reordered: 1, Duplicates: 4})
}

func TestReorderWrap(t *testing.T) {
	checkPush(t, codec.NewReorder(8),
		[]uint16{65534, 0, 65535, 1, 3, 2},
		[][]uint16{{65534}, nil, {65535, 0}, {1}, nil, {2, 3}},
		codec.Stats{Packets: 6, Reordered: 2})
	checkPush(t, codec.NewReorder(2),
		[]uint16{65533, 0, 1, 2},
		[][]uint16{{65533}, nil, nil, {0, 1, 2}},
		codec.Stats{Packets: 4, Lost: 2})
}

func TestReorderRestart(t *testing.T) {
	// A packet far away is dropped unless the next one follows it: then the sequence
	// restarted, and what was waiting is released first.
	checkPush(t, codec.NewReorder(8),
		[]uint16{100, 102, 40000, 103, 30000, 30001, 30002},
		[][]uint16{{100}, nil, nil, nil, nil, {102, 103, 30001}, {30002}},
		codec.Stats{Packets: 7, Lost: 1, Duplicates: 2})
}

func TestReorderFlushAndCopies(t *testing.T) {
	r := codec.NewReorder(8)
	r.Push(p(1))
	q := p(3)
	r.Push(q)
	q.Payload[0] = 0xee // the caller reuses its buffer
	r.Push(p(5))
	if got := seqs(r.Flush()); !slices.Equal(got, []uint16{3, 5}) {
		t.Errorf("Flush released %v", got)
	}
	if st := r.Stats(); st.Lost != 2 {
		t.Errorf("stats %+v", st)
	}
	if got := seqs(r.Flush()); got != nil {
		t.Errorf("second Flush released %v", got)
	}
	// The copy kept is not the caller's packet.
	r = codec.NewReorder(8)
	r.Push(p(1))
	q = p(3)
	r.Push(q)
	q.Payload[0] = 0xee
	out := r.Push(p(2))
	if len(out) != 2 || out[1] == q || out[1].Payload[0] != 3 {
		t.Errorf("kept packet %+v", out)
	}
}

// TestReorderRandom shuffles a long sequence locally, drops and duplicates packets, and
// checks that what comes out is in order, complete but for the dropped ones, and counted.
func TestReorderRandom(t *testing.T) {
	for _, window := range []int{2, 4, 32} {
		rng := rand.New(rand.NewPCG(uint64(window), 7))
		const n = 20000
		start := uint16(65000)
		var in []uint16
		for i := range n {
			in = append(in, start+uint16(i))
			if rng.IntN(100) == 0 {
				in = append(in, start+uint16(i)) // a duplicate
			}
		}
		// Shuffle blocks of the window's size: no packet comes after a packet more than
		// window-1 later, so none is skipped (but the first block, since the first packet
		// sets where the sequence starts). Then drop some.
		for i := window; i < len(in); i += window {
			b := in[i:min(i+window, len(in))]
			rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
		}
		dropped := map[uint16]bool{}
		for _, s := range in {
			if s != start && s != start+n-1 && rng.IntN(50) == 0 {
				dropped[s] = true
			}
		}
		in = slices.DeleteFunc(in, func(s uint16) bool { return dropped[s] })
		r := codec.NewReorder(window)
		var out []uint16
		for _, s := range in {
			out = append(out, seqs(r.Push(p(s)))...)
		}
		out = append(out, seqs(r.Flush())...)
		var want []uint16
		for i := range n {
			if s := start + uint16(i); !dropped[s] {
				want = append(want, s)
			}
		}
		if !slices.Equal(out, want) {
			t.Fatalf("window %d: %d packets out, want %d", window, len(out), len(want))
		}
		st := r.Stats()
		if st.Lost != uint64(len(dropped)) || st.Packets != uint64(len(in)) || st.Duplicates != uint64(len(in)-len(want)) {
			t.Errorf("window %d: stats %+v, dropped %d", window, st, len(dropped))
		}
		if st.Reordered == 0 {
			t.Errorf("window %d: nothing reordered", window)
		}
	}
}

func TestReorderNoAllocations(t *testing.T) {
	r := codec.NewReorder(16)
	pkts := make([]*rtp.Packet, 64)
	for i := range pkts {
		pkts[i] = p(uint16(i))
	}
	r.Push(p(0))
	seq := uint16(1)
	run := func() {
		// Pairs swapped: every other packet is kept and copied.
		for i := 0; i < len(pkts); i += 2 {
			a, b := pkts[i], pkts[i+1]
			a.SequenceNumber, b.SequenceNumber = seq+1, seq
			a.Payload[0], a.Payload[1] = byte(seq+1), byte((seq+1)>>8)
			b.Payload[0], b.Payload[1] = byte(seq), byte(seq>>8)
			a.Timestamp, b.Timestamp = uint32(seq+1)*10, uint32(seq)*10
			r.Push(a)
			if got := r.Push(b); len(got) != 2 {
				t.Fatalf("released %v", seqs(got))
			}
			seq += 2
		}
	}
	run()
	if a := testing.AllocsPerRun(10, run); a != 0 {
		t.Errorf("%v allocations", a)
	}
}
