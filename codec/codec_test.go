package codec_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/pion/rtp"

	"custodian"
	"custodian/codec"
)

func TestSplitAnnexB(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"\x65\x01\x02", nil}, // no start code
		{"\x00\x00\x01", nil},
		{"\x00\x00\x00\x01\x67\x01\x00\x00\x01\x68\x02\x00\x00\x00\x01\x65\x03\x04", []string{"\x67\x01", "\x68\x02", "\x65\x03\x04"}},
		{"garbage\x00\x00\x01\x67\x01\x00\x00\x00\x00\x00\x01\x68\x00\x00\x03\x00\x00", []string{"\x67\x01", "\x68\x00\x00\x03"}},
		{"\x00\x00\x01\x00\x00\x00\x01\x09\xf0\x00\x00\x01", []string{"\x09\xf0"}}, // empty NAL units skipped
	}
	for _, c := range cases {
		got := codec.SplitAnnexB([]byte(c.in))
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("SplitAnnexB(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSplitLengthPrefixed(t *testing.T) {
	sample := []byte{0, 0, 0, 2, 0x67, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0x65, 2, 3}
	got, err := codec.SplitLengthPrefixed(sample, 4)
	if err != nil || fmt.Sprintf("%x", got) != "[6701 650203]" {
		t.Errorf("SplitLengthPrefixed = %x, %v", got, err)
	}
	// The returned slices cannot grow into the next NAL unit.
	if cap(got[0]) != 2 {
		t.Errorf("cap %d", cap(got[0]))
	}
	got, err = codec.SplitLengthPrefixed([]byte{0, 1, 9, 0, 2, 8, 7}, 2)
	if err != nil || fmt.Sprintf("%x", got) != "[09 0807]" {
		t.Errorf("SplitLengthPrefixed = %x, %v", got, err)
	}
	got, err = codec.SplitLengthPrefixed([]byte{1, 9, 2, 8, 7}, 1)
	if err != nil || fmt.Sprintf("%x", got) != "[09 0807]" {
		t.Errorf("SplitLengthPrefixed = %x, %v", got, err)
	}
	for _, c := range []struct {
		b    []byte
		size int
	}{
		{[]byte{0, 0, 0, 5, 1, 2}, 4},
		{[]byte{0, 0, 0, 1, 1, 0, 0}, 4},
		{[]byte{0, 1, 9}, 3},
		{[]byte{0xff, 0xff, 0xff, 0xff, 1}, 4},
	} {
		if got, err := codec.SplitLengthPrefixed(c.b, c.size); err == nil || custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("SplitLengthPrefixed(%x, %d) = %x, %v", c.b, c.size, got, err)
		}
	}
}

func TestOptions(t *testing.T) {
	o := codec.MakeOptions()
	if o.MaxUnitSize != codec.DefaultMaxUnitSize || o.MaxUnitNALUs != codec.DefaultMaxUnitNALUs || o.DONL {
		t.Errorf("defaults %+v", o)
	}
	o = codec.MakeOptions(codec.MaxUnitSize(10), codec.MaxUnitNALUs(-1), codec.DONL(), nil)
	if o.MaxUnitSize != 10 || o.MaxUnitNALUs != codec.DefaultMaxUnitNALUs || !o.DONL {
		t.Errorf("options %+v", o)
	}
	u := codec.AccessUnit{NALUs: [][]byte{{1, 2}, {3}}}
	if u.Size() != 3 {
		t.Errorf("Size %d", u.Size())
	}
}

// FuzzReorder pushes packets with sequence numbers from the input (two bytes each) through
// a reorder buffer whose window is the first byte. What comes out must be in order (but
// where the sequence restarts: then the packet just pushed comes last, after what was
// waiting), every packet pushed must come out or be counted as a duplicate, and the
// buffer must hold no more than its window.
func FuzzReorder(f *testing.F) {
	f.Add([]byte{4, 0, 1, 0, 3, 0, 2, 0, 9, 0, 4, 0xff, 0xff, 0, 0})
	f.Add([]byte("000\xff\xff\x00\x00")) // restarted sequences (found by the fuzzer)
	f.Add([]byte("0\x00d\xff\xff\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		window := int(data[0])
		r := codec.NewReorder(window)
		var last uint16
		started := false
		in, out := 0, 0
		check := func(pkts []*rtp.Packet, pushed int) {
			for i, p := range pkts {
				s := p.SequenceNumber
				restart := i == len(pkts)-1 && int(s) == pushed
				if started && int16(s-last) <= 0 && !restart {
					t.Fatalf("%d after %d", s, last)
				}
				if !bytes.Equal(p.Payload, binary.BigEndian.AppendUint16(nil, s)) {
					t.Fatalf("packet %d with payload %x", s, p.Payload)
				}
				started, last = true, s
				out++
			}
		}
		for b := data[1:]; len(b) >= 2; b = b[2:] {
			s := binary.BigEndian.Uint16(b)
			check(r.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: s}, Payload: bytes.Clone(b[:2])}), int(s))
			in++
			if held := in - out - int(r.Stats().Duplicates); held > window {
				t.Fatalf("%d packets held, window %d", held, window)
			}
		}
		check(r.Flush(), -1)
		st := r.Stats()
		if uint64(out)+st.Duplicates != uint64(in) || st.Packets != uint64(in) {
			t.Fatalf("%d in, %d out, stats %+v", in, out, st)
		}
	})
}
