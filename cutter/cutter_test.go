package cutter_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"custodian"
	"custodian/cutter"
	"custodian/fmp4"
)

// memSeg is a segment kept in memory.
type memSeg struct {
	start, end time.Time
	buf        bytes.Buffer
	committed  bool
	aborted    bool
}

func (s *memSeg) Write(p []byte) (int, error) { return s.buf.Write(p) }
func (s *memSeg) Commit(ctx context.Context, end time.Time) (*custodian.Segment, error) {
	s.end, s.committed = end, true
	return &custodian.Segment{Start: s.start, End: end}, nil
}
func (s *memSeg) Abort(ctx context.Context) error { s.aborted = true; return nil }

type memStore struct{ segs []*memSeg }

func (m *memStore) create(ctx context.Context, start time.Time) (cutter.Writer, error) {
	s := &memSeg{start: start}
	m.segs = append(m.segs, s)
	return s, nil
}

var track = fmp4.Track{Codec: "avc1", Config: []byte{1, 0x64, 0, 0x1f, 0xff, 0xe0, 0}, Width: 768, Height: 576, Timescale: 90000}

const sec = 90000 // ticks

func muxInit(t *testing.T, tr fmp4.Track) []byte {
	t.Helper()
	b, err := fmp4.MuxInit(tr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecide(t *testing.T) {
	init := muxInit(t, track)
	other := track
	other.Width = 1920
	init2 := muxInit(t, other)
	st := &memStore{}
	tl := cutter.NewTimeline(90000)
	tl.Anchor(0, time.Now())
	c := cutter.New(cutter.Config{Create: st.create, Timeline: tl, Target: 10 * time.Second})
	for _, tc := range []struct {
		u    cutter.Unit
		want cutter.Action
	}{
		{cutter.Unit{T: 0, Init: init}, cutter.Wait},
		{cutter.Unit{T: 0, Key: true, Init: init}, cutter.Open},
		{cutter.Unit{T: 0, End: 15 * 60 * sec, Key: true, Init: init}, cutter.TooLong},
	} {
		if got := c.Decide(tc.u); got != tc.want {
			t.Errorf("no segment open, %+v: %v, want %v", tc.u, got, tc.want)
		}
	}
	if err := c.Open(context.Background(), 0, init); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		u    cutter.Unit
		want cutter.Action
	}{
		{cutter.Unit{T: 5 * sec, Init: init}, cutter.Keep},
		{cutter.Unit{T: 5 * sec, Key: true, Init: init}, cutter.Keep},
		{cutter.Unit{T: 10 * sec, Key: true, Init: init}, cutter.Cut}, // the target
		{cutter.Unit{T: 5 * sec, Key: true, Init: init2}, cutter.Cut}, // new parameters
		{cutter.Unit{T: 20 * sec, Init: init}, cutter.Keep},           // no keyframe: kept, up to MaxGap
		{cutter.Unit{T: 14 * 60 * sec, Init: init}, cutter.End},       // MaxGap without a keyframe
		{cutter.Unit{T: 60 * sec, End: 14*60*sec + 1, Init: init}, cutter.End},
		{cutter.Unit{T: 14 * 60 * sec, Key: true, Init: init}, cutter.Cut},
	} {
		if got := c.Decide(tc.u); got != tc.want {
			t.Errorf("segment open at 0, %+v: %v, want %v", tc.u, got, tc.want)
		}
	}
}

// TestCommitEmptyAborts: a segment with nothing after its init is not stored.
func TestCommitEmptyAborts(t *testing.T) {
	st := &memStore{}
	tl := cutter.NewTimeline(90000)
	tl.Anchor(0, time.Now())
	c := cutter.New(cutter.Config{Create: st.create, Timeline: tl})
	if err := c.Open(context.Background(), 0, muxInit(t, track)); err != nil {
		t.Fatal(err)
	}
	seg, err := c.Commit(context.Background(), 9000)
	if err != nil || seg != nil {
		t.Fatalf("Commit of an empty segment: %v, %v", seg, err)
	}
	if len(st.segs) != 1 || st.segs[0].committed || !st.segs[0].aborted {
		t.Fatalf("the empty segment was not aborted: %+v", st.segs)
	}
}

// fragment returns a parsed fragment of n frames at 10 fps from the decode time at (ticks),
// a keyframe first when key, lasting dur ticks in all (its last frame takes the rest).
func fragment(t *testing.T, seq uint32, at int64, n int, dur int64, key bool) *fmp4.Fragment {
	t.Helper()
	var fb fmp4.FragmentBuilder
	for i := 0; i < n; i++ {
		fb.Add([][]byte{{0x65, byte(i)}}, at+int64(i)*9000, key && i == 0)
	}
	var b bytes.Buffer
	init := muxInit(t, track)
	b.Write(init)
	if _, err := fb.WriteTo(&b, seq, 0, at+dur); err != nil {
		t.Fatal(err)
	}
	_, frags, err := fmp4.Parse(b.Bytes())
	if err != nil || len(frags) != 1 {
		t.Fatalf("%v, %d fragments", err, len(frags))
	}
	return frags[0]
}

func liveInit(t *testing.T) *fmp4.Init {
	in, _, err := fmp4.Parse(muxInit(t, track))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestLiveJumpAhead: a live stream (the ffmpeg fallback) whose times jump ahead of
// arrivals — a camera or relay that restarted its clock; ffmpeg stretches the last frame
// before the jump over it — is cut at the jump and re-anchored on arrival: no footage is
// dated in the future, and the segments do not overlap.
func TestLiveJumpAhead(t *testing.T) {
	st := &memStore{}
	c := cutter.New(cutter.Config{Create: st.create, Timeline: cutter.NewTimeline(90000), Target: time.Minute})
	s := cutter.NewLive(c, liveInit(t))
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, custodian.KST)
	ctx := context.Background()
	var last time.Time
	add := func(f *fmp4.Fragment, arrival time.Time) cutter.Outcome {
		t.Helper()
		o, err := s.Add(ctx, f, arrival)
		if err != nil {
			t.Fatal(err)
		}
		last = arrival
		return o
	}
	// Five 2-second fragments arriving as they are completed.
	for i := range 5 {
		if o := add(fragment(t, uint32(i+1), int64(i)*2*sec, 20, 2*sec, true), t0.Add(time.Duration(i+1)*2*time.Second)); !o.Stored() || o.Jump != "" {
			t.Fatalf("fragment %d: %+v", i, o)
		}
	}
	// The sixth: its last frame lasts 60 s, but it arrives 2 s after the fifth.
	if o := add(fragment(t, 6, 10*sec, 20, 62*sec, true), t0.Add(12*time.Second)); o.Jump == "" {
		t.Fatalf("a fragment 60 s ahead of its arrival is not a jump: %+v", o)
	}
	// Then the stream goes on from the new times.
	for i := range 3 {
		add(fragment(t, uint32(7+i), 72*sec+int64(i)*2*sec, 20, 2*sec, true), t0.Add(time.Duration(14+2*i)*time.Second))
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(st.segs) != 2 {
		t.Fatalf("%d segments, want 2 (cut at the jump)", len(st.segs))
	}
	for i, seg := range st.segs {
		if seg.end.After(last.Add(time.Second)) {
			t.Errorf("segment %d ends at %v, after the last arrival %v: footage dated in the future", i, seg.end, last)
		}
		if i > 0 && seg.start.Before(st.segs[i-1].end) {
			t.Errorf("segment %d starts at %v, before the one before ends (%v)", i, seg.start, st.segs[i-1].end)
		}
	}
	if got := st.segs[0].end.Sub(t0); got != 10*time.Second {
		t.Errorf("the first segment ends at +%v, want +10s (before the jump)", got)
	}
}

// TestLiveWaitsForKeyframe: fragments before the first keyframe fragment are dropped and
// counted, and the first segment starts at that keyframe.
func TestLiveWaitsForKeyframe(t *testing.T) {
	st := &memStore{}
	c := cutter.New(cutter.Config{Create: st.create, Timeline: cutter.NewTimeline(90000)})
	s := cutter.NewLive(c, liveInit(t))
	t0 := time.Now()
	ctx := context.Background()
	if o, err := s.Add(ctx, fragment(t, 1, 0, 20, 2*sec, false), t0); err != nil || o.Action != cutter.Wait {
		t.Fatalf("%+v %v", o, err)
	}
	if o, err := s.Add(ctx, fragment(t, 2, 2*sec, 20, 2*sec, true), t0.Add(2*time.Second)); err != nil || o.Action != cutter.Open {
		t.Fatalf("%+v %v", o, err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Waiting != 20 || len(st.segs) != 1 || !st.segs[0].start.Equal(t0) {
		t.Fatalf("waiting %d, %d segments, start %v (want %v)", s.Waiting, len(st.segs), st.segs[0].start, t0)
	}
}

// TestFileRefuses: a file is refused, at the fragment, when it cannot be stored as it is.
func TestFileRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frags func() []*fmp4.Fragment
	}{
		{"no keyframe first", func() []*fmp4.Fragment { return []*fmp4.Fragment{fragment(t, 1, 0, 20, 2*sec, false)} }},
		{"overlap", func() []*fmp4.Fragment {
			return []*fmp4.Fragment{fragment(t, 1, 0, 20, 2*sec, true), fragment(t, 2, sec, 20, 2*sec, true)}
		}},
		{"a fragment longer than a segment", func() []*fmp4.Fragment {
			return []*fmp4.Fragment{fragment(t, 1, 0, 20, 15*60*sec, true)}
		}},
	} {
		st := &memStore{}
		c := cutter.New(cutter.Config{Create: st.create, Timeline: cutter.NewTimeline(90000)})
		s := cutter.NewFile(c, liveInit(t), time.Now())
		var err error
		for _, f := range tc.frags() {
			if _, err = s.Add(context.Background(), f, time.Time{}); err != nil {
				break
			}
		}
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}
}
