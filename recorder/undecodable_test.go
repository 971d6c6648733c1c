package recorder_test

import (
	"context"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"custodian/camsim"
	"custodian/fmp4"
	"custodian/recorder"
)

// TestCorruptFramesAreAGap: a camera whose pictures are garbage for a while (well-formed
// packets, NAL unit headers intact, slices random: camsim's FaultCorrupt) between good
// footage. The garbage is not stored: every stored picture is one the camera sent intact;
// the corrupt period is a gap between segments; the dropped frames are counted; and the
// camera records again after it. It needs no ffmpeg (camsim.Synthetic).
func TestCorruptFramesAreAGap(t *testing.T) {
	e := newEnv(t)
	f := camsim.Synthetic(64, 48, 10, 10, 50) // 5 s loop, a keyframe every second
	const corruptFor = 3 * time.Second
	srv, err := camsim.NewServer(f, camsim.Options{Cameras: 1, FaultAfter: 3 * time.Second, FaultFor: corruptFor,
		Faults: map[int]camsim.Fault{1: camsim.FaultCorrupt}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	e.cameras(map[string]string{"corrupt": "rtsp://" + l.Addr().String() + "/cam1"})
	st := e.record(10*time.Second, recorder.Options{Target: 2 * time.Second, NoJitter: true, Timeout: 5 * time.Second})
	if len(st) != 1 {
		t.Fatalf("status: %+v", st)
	}
	s := st[0]
	corrupted := srv.Corrupted.Load()
	if corrupted == 0 {
		t.Fatal("camsim sent no corrupt frame")
	}
	// Every corrupt frame is dropped, and so are the good inter frames after the corrupt
	// period up to the next keyframe.
	if s.Undecodable < corrupted || s.Dropped < s.Undecodable {
		t.Errorf("%d corrupt frames sent; status counts %d undecodable, %d dropped", corrupted, s.Undecodable, s.Dropped)
	}
	if s.State != recorder.StateRecording || s.Gaps == 0 || s.Reconnect != 1 {
		t.Errorf("after the corrupt period: %+v", s)
	}

	// The corrupt period is a gap between segments.
	segs, err := e.v.Find(e.ctx, "corrupt", time.Unix(0, 0), time.Now().Add(time.Hour))
	if err != nil || len(segs) < 2 {
		t.Fatalf("%d segments: %v", len(segs), err)
	}
	var gaps []time.Duration
	for i := 1; i < len(segs); i++ {
		if g := segs[i].Start.Sub(segs[i-1].End); g > 0 {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) != 1 || gaps[0] < corruptFor-200*time.Millisecond || gaps[0] > corruptFor+1500*time.Millisecond {
		t.Errorf("gaps between segments %v; want one of about %v (the corrupt period, up to the next keyframe)", gaps, corruptFor)
	}

	// Every stored picture is one the camera sent intact.
	good := map[string]bool{}
	for _, u := range f.Units() {
		for _, n := range u {
			good[string(n)] = true
		}
	}
	pictures := 0
	for _, seg := range segs {
		r, err := e.v.Open(context.Background(), seg)
		if err != nil {
			t.Fatal(err)
		}
		data, err := r.ReadAll()
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		_, frags, err := fmp4.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, fr := range frags {
			for _, n := range mdatNALUs(t, fr.Raw) {
				if !good[string(n)] {
					t.Fatalf("segment %s stores a NAL unit (type %d, %d bytes) the camera did not send intact", seg.ID, n[0]&0x1f, len(n))
				}
				if n[0]&0x1f == 1 || n[0]&0x1f == 5 {
					pictures++
				}
			}
		}
	}
	if pictures == 0 {
		t.Fatal("no picture stored")
	}
}

// mdatNALUs returns the NAL units of a fragment's mdat (4-byte lengths).
func mdatNALUs(t *testing.T, raw []byte) [][]byte {
	t.Helper()
	for len(raw) >= 8 {
		size := int(binary.BigEndian.Uint32(raw))
		if size < 8 || size > len(raw) {
			t.Fatalf("bad box size %d", size)
		}
		if string(raw[4:8]) == "mdat" {
			var out [][]byte
			b := raw[8:size]
			for len(b) >= 4 {
				n := int(binary.BigEndian.Uint32(b))
				if n == 0 || 4+n > len(b) {
					t.Fatalf("bad NAL unit length %d", n)
				}
				out = append(out, b[4:4+n])
				b = b[4+n:]
			}
			return out
		}
		raw = raw[size:]
	}
	t.Fatal("no mdat")
	return nil
}
