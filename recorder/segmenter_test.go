package recorder

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"custodian"
	"custodian/cutter"
	"custodian/fmp4"
)

// memStore keeps segments in memory, unencrypted: for the segmenter's own tests.
type memStore struct {
	segs    []*memSeg
	failAt  int // Create fails for the failAt-th segment (1-based; 0 never)
	creates int
}

type memSeg struct {
	start, end time.Time
	buf        bytes.Buffer
	committed  bool
	aborted    bool
}

func (m *memStore) Create(ctx context.Context, camera string, start time.Time, class string, ret custodian.Retention) (SegmentWriter, error) {
	m.creates++
	if m.creates == m.failAt {
		return nil, errors.New("disk full")
	}
	s := &memSeg{start: start}
	m.segs = append(m.segs, s)
	return s, nil
}

func (s *memSeg) Write(p []byte) (int, error) { return s.buf.Write(p) }
func (s *memSeg) Commit(ctx context.Context, end time.Time) (*custodian.Segment, error) {
	s.end, s.committed = end, true
	return &custodian.Segment{Start: s.start, End: end}, nil
}
func (s *memSeg) Abort(ctx context.Context) error { s.aborted = true; return nil }

var testTrack = fmp4.Track{Codec: "avc1", Config: []byte{1, 0x64, 0, 0x1f, 0xff, 0xe0, 0}, Width: 768, Height: 576, Timescale: 90000}

func testInit(t testing.TB) []byte {
	b, err := fmp4.MuxInit(testTrack)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// feed gives the segmenter n frames at 10 fps from t0: a keyframe every gop frames, with
// B-frames (decode order I P B B ..., presentation I B B P) when bframes.
func feed(t *testing.T, s *segmenter, init []byte, t0 time.Time, n, gop int, bframes bool) {
	t.Helper()
	const dur = 9000
	for i := 0; i < n; i++ {
		pts := int64(i) * dur
		if bframes && i%gop != 0 {
			// Within a GOP, swap each pair after the keyframe: decode order 0 2 1 4 3 ...
			k := i % gop
			if k%2 == 1 && i+1 < n && (i+1)%gop != 0 {
				pts = int64(i+1) * dur
			} else if k%2 == 0 {
				pts = int64(i-1) * dur
			}
		}
		arrival := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		if !s.tl.Anchored() {
			s.tl.Anchor(pts, arrival)
		}
		f := frame{nalus: [][]byte{{0x65, byte(i)}}, pts: pts, key: i%gop == 0, arrival: arrival}
		if _, err := s.add(context.Background(), f, init); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
}

func TestSegmenterCutsOnKeyframesAtTarget(t *testing.T) {
	for _, bframes := range []bool{false, true} {
		st := &memStore{}
		c := newCounters("cam", "g", "", "rtsp", time.Now)
		tl := cutter.NewTimeline(90000)
		s := newSegmenter(st, "cam", "c", custodian.Retention{Days: 30}, 5*time.Second, tl, c, false)
		t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, custodian.KST)
		init := testInit(t)
		// 25 s at 10 fps, a keyframe every 2 s: segments cut at 6 s, 12 s, 18 s, 24 s.
		feed(t, s, init, t0, 250, 20, bframes)
		if err := s.close(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantStarts := []time.Duration{0, 6 * time.Second, 12 * time.Second, 18 * time.Second, 24 * time.Second}
		if len(st.segs) != len(wantStarts) {
			t.Fatalf("bframes=%v: %d segments, want %d", bframes, len(st.segs), len(wantStarts))
		}
		frames := 0
		for i, seg := range st.segs {
			if !seg.committed {
				t.Fatalf("segment %d not committed", i)
			}
			if got := seg.start.Sub(t0); got != wantStarts[i] {
				t.Errorf("segment %d starts at %v, want %v", i, got, wantStarts[i])
			}
			if i > 0 && !seg.start.Equal(st.segs[i-1].end) {
				t.Errorf("segment %d starts at %v, the one before ends at %v", i, seg.start, st.segs[i-1].end)
			}
			in, frags, err := fmp4.Parse(seg.buf.Bytes())
			if err != nil {
				t.Fatalf("segment %d does not parse: %v", i, err)
			}
			var ticks uint64
			for j, f := range frags {
				frames += f.Samples
				if !f.Keyframe {
					t.Errorf("segment %d fragment %d does not start with a keyframe", i, j)
				}
				if j == 0 && f.BaseDecodeTime != 0 {
					t.Errorf("segment %d starts at decode time %d", i, f.BaseDecodeTime)
				}
				ticks += f.Duration
			}
			got := time.Duration(ticks) * time.Second / time.Duration(in.Timescale)
			if got != seg.end.Sub(seg.start) {
				t.Errorf("segment %d: media duration %v, catalog span %v", i, got, seg.end.Sub(seg.start))
			}
		}
		if frames != 250 {
			t.Errorf("bframes=%v: %d frames stored, want 250", bframes, frames)
		}
		if end := st.segs[len(st.segs)-1].end.Sub(t0); end != 25*time.Second {
			t.Errorf("the last segment ends at %v, want 25s", end)
		}
	}
}

func TestSegmenterDropsFramesBeforeKeyframe(t *testing.T) {
	st := &memStore{}
	c := newCounters("cam", "g", "", "rtsp", time.Now)
	tl := cutter.NewTimeline(90000)
	s := newSegmenter(st, "cam", "c", custodian.Retention{Days: 30}, time.Minute, tl, c, false)
	init := testInit(t)
	t0 := time.Now()
	tl.Anchor(0, t0)
	for i := 0; i < 5; i++ {
		if _, err := s.add(context.Background(), frame{nalus: [][]byte{{1}}, pts: int64(i) * 9000, arrival: t0}, init); err != nil {
			t.Fatal(err)
		}
	}
	if len(st.segs) != 0 || c.waiting.Load() != 5 {
		t.Fatalf("%d segments, %d waiting", len(st.segs), c.waiting.Load())
	}
}

func TestSegmenterNewInitStartsNewSegment(t *testing.T) {
	st := &memStore{}
	c := newCounters("cam", "g", "", "rtsp", time.Now)
	tl := cutter.NewTimeline(90000)
	s := newSegmenter(st, "cam", "c", custodian.Retention{Days: 30}, time.Minute, tl, c, false)
	init := testInit(t)
	other := testTrack
	other.Width = 1920
	init2, _ := fmp4.MuxInit(other)
	t0 := time.Now()
	tl.Anchor(0, t0)
	for i := 0; i < 40; i++ {
		in := init
		if i >= 20 {
			in = init2
		}
		if _, err := s.add(context.Background(), frame{nalus: [][]byte{{1}}, pts: int64(i) * 9000, key: i%10 == 0, arrival: t0}, in); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(st.segs) != 2 {
		t.Fatalf("%d segments, want 2 (the resolution changed)", len(st.segs))
	}
	in, _, err := fmp4.Parse(st.segs[1].buf.Bytes())
	if err != nil || in.Width != 1920 {
		t.Fatalf("second segment: %v %+v", err, in)
	}
}

func TestSegmenterStoreFailure(t *testing.T) {
	st := &memStore{failAt: 2}
	c := newCounters("cam", "g", "", "rtsp", time.Now)
	tl := cutter.NewTimeline(90000)
	s := newSegmenter(st, "cam", "c", custodian.Retention{Days: 30}, 2*time.Second, tl, c, false)
	init := testInit(t)
	t0 := time.Now()
	tl.Anchor(0, t0)
	var err error
	for i := 0; i < 60 && err == nil; i++ {
		_, err = s.add(context.Background(), frame{nalus: [][]byte{{1}}, pts: int64(i) * 9000, key: i%10 == 0, arrival: t0}, init)
	}
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("err = %v, want the store's", err)
	}
	if len(st.segs) != 1 || !st.segs[0].committed {
		t.Fatalf("the first segment should be committed before the failure")
	}
}

// TestSegmenterOpenGOPAtStart: a stream that starts on a CRA whose leading pictures follow
// it in decode order loses those pictures only, not the group of pictures.
func TestSegmenterOpenGOPAtStart(t *testing.T) {
	st := &memStore{}
	c := newCounters("cam", "g", "", "rtsp", time.Now)
	tl := cutter.NewTimeline(90000)
	s := newSegmenter(st, "cam", "c", custodian.Retention{Days: 30}, time.Minute, tl, c, false)
	init := testInit(t)
	t0 := time.Now()
	// Decode order: CRA at 4, leading pictures 1 2 3, then trailing 5 … 13, and a second
	// open GOP: CRA at 18, leading 14 … 17, trailing 19 … 21.
	order := []int64{4, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 18, 14, 15, 16, 17, 19, 20, 21}
	tl.Anchor(4*9000, t0)
	for _, p := range order {
		f := frame{nalus: [][]byte{{1}}, pts: p * 9000, key: p == 4 || p == 18, arrival: t0}
		if _, err := s.add(context.Background(), f, init); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(st.segs) != 1 {
		t.Fatalf("%d segments", len(st.segs))
	}
	_, frags, err := fmp4.Parse(st.segs[0].buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range frags {
		n += f.Samples
	}
	// All but the first CRA's three leading pictures; the second GOP's are kept.
	if n != len(order)-3 || c.dropped.Load() != 3 {
		t.Errorf("%d frames stored, %d dropped; want %d and 3", n, c.dropped.Load(), len(order)-3)
	}
}
