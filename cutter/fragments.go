package cutter

import (
	"context"
	"time"

	"custodian"
	"custodian/fmp4"
)

// Fragments cuts a stream of whole fragments — a fragmented MP4 with a fragment at every
// keyframe, as ffmpeg writes it — into segments: each fragment is stored as it is (its
// moof+mdat) in the segment Decide gives it. A live stream (the ffmpeg fallback) is placed
// in wall time by the fragments' arrivals; a file (an import) by the start it is stated to
// have, its media times giving the rest.
type Fragments struct {
	c    *Cutter
	init *fmp4.Init
	live bool
	from time.Time // a file's stated start

	n           int       // fragments seen
	prevEnd     int64     // decode time just after the last fragment
	prevArrival time.Time // the last fragment's arrival (a live stream)
	// Waiting counts the samples dropped waiting for a keyframe (a live stream only: a
	// file with such fragments is refused).
	Waiting int
}

// NewLive returns a Fragments for a live stream whose init is init: a run is anchored on
// the arrival of its first keyframe fragment, less the fragment's duration (a fragment
// arrives once it is complete), and a jump in its times (Timeline.FragmentJumpReason)
// ends the segment and anchors a new run on the next keyframe fragment.
func NewLive(c *Cutter, init *fmp4.Init) *Fragments {
	return &Fragments{c: c, init: init, live: true}
}

// NewFile returns a Fragments for a file whose first frame was filmed at from. A file is
// refused, at the fragment, when it does not start with a keyframe, its decode times go
// back, or a fragment cannot be stored (no keyframe for MaxGap); a gap of more than
// MaxForward in its decode times ends the segment, so that it is a gap on the timeline.
func NewFile(c *Cutter, init *fmp4.Init, from time.Time) *Fragments {
	return &Fragments{c: c, init: init, from: from}
}

// Outcome says what happened to a fragment.
type Outcome struct {
	Action Action
	// Jump, if not "", is the discontinuity before the fragment, which ended the open
	// segment.
	Jump string
}

// Stored reports whether the fragment went into a segment.
func (o Outcome) Stored() bool { return o.Action == Keep || o.Action == Open || o.Action == Cut }

// Add takes the next fragment, which arrived at arrival (zero for a file).
func (s *Fragments) Add(ctx context.Context, f *fmp4.Fragment, arrival time.Time) (Outcome, error) {
	var out Outcome
	c, tl := s.c, s.c.tl
	i := s.n
	s.n++
	if !f.Relocatable() {
		return out, custodian.Errorf(custodian.EINVALID,
			"조각 %d이(가) 절대 데이터 위치(base_data_offset)를 써서 옮길 수 없습니다",
			"fragment %d uses an absolute base_data_offset and cannot be moved into a segment", i)
	}
	start, end := int64(f.BaseDecodeTime), int64(f.End())
	if start < 0 || end < start {
		return out, custodian.Errorf(custodian.EINVALID, "조각 %d의 디코드 시각이 너무 큽니다", "fragment %d's decode time is too large", i)
	}
	if i > 0 {
		if !s.live && start < s.prevEnd {
			return out, custodian.Errorf(custodian.EINVALID, "조각 %d의 디코드 시각이 앞 조각과 겹칩니다", "fragment %d overlaps the one before it", i)
		}
		if r := tl.FragmentJumpReason(s.prevEnd, start, end, arrival); r != "" {
			out.Jump = r
			if _, err := c.Commit(ctx, s.prevEnd); err != nil {
				return out, err
			}
			if s.live {
				tl.Unanchor()
			}
		}
	}
	prevArrival := s.prevArrival
	s.prevArrival = arrival
	if !tl.Anchored() {
		switch {
		case !s.live:
			tl.Anchor(start, s.from)
		case s.live && !prevArrival.IsZero() && tl.Dur(end-start) > arrival.Sub(prevArrival)+MaxAhead:
			// Longer than the time since the fragment before arrived: a frame in it is
			// stretched over a jump (ffmpeg gives the last frame before a jump in its
			// input times the jump's length). It cannot be placed; the next keyframe
			// fragment anchors the run.
			s.prevEnd = end
			s.Waiting += f.Samples
			out.Action = Wait
			return out, nil
		case f.Keyframe:
			tl.Anchor(start, arrival.Add(-tl.Dur(end-start)))
		}
	}
	if s.live && tl.Anchored() {
		tl.Observe(end, arrival)
	}
	out.Action = c.Decide(Unit{T: start, End: end, Key: f.Keyframe, Init: s.init.Raw})
	switch out.Action {
	case End:
		if _, err := c.Commit(ctx, s.prevEnd); err != nil {
			return out, err
		}
		fallthrough
	case Wait, TooLong:
		s.prevEnd = end
		if !s.live {
			return out, s.refuse(i, f, out.Action)
		}
		s.Waiting += f.Samples
		return out, nil
	case Cut:
		if _, err := c.Commit(ctx, s.prevEnd); err != nil {
			return out, err
		}
		fallthrough
	case Open:
		if err := c.Open(ctx, start, s.init.Raw); err != nil {
			return out, err
		}
	}
	s.prevEnd = end
	if _, err := c.Write(f.Raw); err != nil {
		c.Abort(ctx)
		return out, err
	}
	return out, nil
}

// refuse says why a file's fragment cannot be stored.
func (s *Fragments) refuse(i int, f *fmp4.Fragment, a Action) error {
	switch {
	case a == TooLong:
		return custodian.Errorf(custodian.EINVALID,
			"조각 %d은(는) %v 길이로, 세그먼트 하나(최대 %v)에 담을 수 없습니다",
			"fragment %d is %v long and cannot fit in a segment (at most %v)", i, s.c.tl.Dur(int64(f.Duration)), MaxGap)
	case i == 0:
		return custodian.Errorf(custodian.EINVALID, "영상이 키프레임으로 시작하지 않습니다", "the video does not start with a keyframe")
	case a == Wait:
		return custodian.Errorf(custodian.EINVALID,
			"조각 %d은(는) 디코드 시각의 틈 뒤에 키프레임 없이 시작합니다",
			"fragment %d follows a gap in the decode times and does not start with a keyframe", i)
	default:
		return custodian.Errorf(custodian.EINVALID,
			"조각 %d 앞에 %v 넘게 키프레임이 없습니다", "fragment %d comes after more than %v without a keyframe", i, MaxGap)
	}
}

// Close commits the open segment, which ends where the last fragment ended.
func (s *Fragments) Close(ctx context.Context) error {
	_, err := s.c.Commit(ctx, s.prevEnd)
	return err
}

// End returns the decode time just after the last fragment.
func (s *Fragments) End() int64 { return s.prevEnd }
