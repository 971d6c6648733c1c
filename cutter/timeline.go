package cutter

import (
	"time"
)

// Limits of the time model (docs/design/time.md).
const (
	// MaxForward is the largest media-time step between two frames (or from the end of one
	// fragment to the start of the next) that is not a jump.
	MaxForward = 10 * time.Second
	// MaxBackward is how far a frame's timestamp may lie before the previous frame's
	// (B-frames are presented before frames decoded earlier) without being a jump.
	// Fragments have no such allowance: each starts where the one before ended.
	MaxBackward = time.Second
	// MaxAhead is how far the media clock may run ahead of arrivals before the timestamps
	// are taken to be lies (a stall makes arrivals late, never early).
	MaxAhead = 2 * time.Second
	// MaxDrift is how far the camera's clock may drift from the server's before the next
	// segment is re-anchored on its arrival time.
	MaxDrift = time.Second
)

// Timeline places a stream's media times in wall time (docs/design/time.md): it maps a
// camera's 32-bit RTP timestamps to extended (unwrapped) timestamps, anchors a run of
// footage on an arrival (a live source) or a stated start (a file), detects
// discontinuities and drift. It is the one place where footage gets its wall time: the
// RTSP recorder, the ffmpeg fallback and file imports all use it, through a Cutter.
// It is not safe for concurrent use.
type Timeline struct {
	rate int64 // ticks per second (the RTP clock rate; an MP4 track's timescale)

	started bool
	prevTS  uint32
	ext     int64 // extended timestamp of the previous frame

	anchored   bool
	anchorExt  int64
	anchorWall time.Time // with a monotonic reading: arrival of the anchor frame
	// minOffset is the smallest arrival − wall(ext) seen since the last re-anchor check.
	minOffset time.Duration
	haveMin   bool
}

// NewTimeline returns a timeline of rate ticks per second (90 kHz when 0).
func NewTimeline(rate uint32) *Timeline {
	if rate == 0 {
		rate = 90000
	}
	return &Timeline{rate: int64(rate)}
}

// Ticks converts a duration to clock ticks.
func (t *Timeline) Ticks(d time.Duration) int64 {
	s, ns := int64(d)/int64(time.Second), int64(d)%int64(time.Second)
	return s*t.rate + ns*t.rate/int64(time.Second)
}

// Dur converts clock ticks to a duration, without overflow for any run shorter than
// centuries (ticks × 10⁹ overflows int64 after 28 hours at 90 kHz).
func (t *Timeline) Dur(ticks int64) time.Duration {
	s, r := ticks/t.rate, ticks%t.rate
	return time.Duration(s)*time.Second + time.Duration(r*int64(time.Second)/t.rate)
}

// Extend returns the extended timestamp of ts: the previous one plus the signed 32-bit
// difference, so that the 13-hour wrap of a 90 kHz clock is invisible.
func (t *Timeline) Extend(ts uint32) int64 {
	if !t.started {
		t.started = true
		t.prevTS = ts
		t.ext = int64(ts)
		return t.ext
	}
	t.ext += int64(int32(ts - t.prevTS))
	t.prevTS = ts
	return t.ext
}

// Last returns the extended timestamp of the last frame given to Extend.
func (t *Timeline) Last() int64 { return t.ext }

// JumpReason tells whether a frame at ext arriving at arrival breaks the run after the
// frame at prevExt: "" when it does not, else what happened (for the camera's status).
func (t *Timeline) JumpReason(prevExt, ext int64, arrival time.Time) string {
	if !t.anchored {
		return ""
	}
	dm := t.Dur(ext - prevExt)
	switch {
	case dm > MaxForward:
		return "timestamps jumped forward by " + dm.Round(time.Millisecond).String()
	case dm < -MaxBackward:
		return "timestamps went back by " + (-dm).Round(time.Millisecond).String()
	}
	return t.ahead(ext, arrival)
}

// FragmentJumpReason is JumpReason for a whole fragment [start, end) after one that ended
// at prevEnd: a fragment must start where the one before ended (within MaxForward after
// it, never before), and its end must not lie ahead of its arrival (a live source's
// fragment arrives once it is complete; arrival is zero for a file).
func (t *Timeline) FragmentJumpReason(prevEnd, start, end int64, arrival time.Time) string {
	if !t.anchored {
		return ""
	}
	dm := t.Dur(start - prevEnd)
	switch {
	case dm > MaxForward:
		return "timestamps jumped forward by " + dm.Round(time.Millisecond).String()
	case start < prevEnd:
		return "timestamps went back by " + (-dm).Round(time.Millisecond).String()
	}
	return t.ahead(end, arrival)
}

// ahead reports media time that runs ahead of arrivals (nothing for a zero arrival).
func (t *Timeline) ahead(ext int64, arrival time.Time) string {
	if arrival.IsZero() {
		return ""
	}
	if ahead := t.Wall(ext).Sub(arrival); ahead > MaxAhead {
		return "timestamps run " + ahead.Round(time.Millisecond).String() + " ahead of arrival"
	}
	return ""
}

// Anchor starts a run at the frame ext that arrived at arrival (or, for a file, that is
// stated to have been filmed then).
func (t *Timeline) Anchor(ext int64, arrival time.Time) {
	t.anchored = true
	t.anchorExt = ext
	t.anchorWall = arrival
	t.haveMin = false
}

// Anchored reports whether a run is anchored; Unanchor ends it (a discontinuity: the next
// keyframe anchors a new one).
func (t *Timeline) Anchored() bool { return t.anchored }
func (t *Timeline) Unanchor()      { t.anchored = false }

// Wall returns the wall time of the frame at ext in the current run.
func (t *Timeline) Wall(ext int64) time.Time {
	return t.anchorWall.Add(t.Dur(ext - t.anchorExt))
}

// Observe notes a frame's arrival, for drift estimation.
func (t *Timeline) Observe(ext int64, arrival time.Time) {
	off := arrival.Sub(t.Wall(ext))
	if !t.haveMin || off < t.minOffset {
		t.minOffset, t.haveMin = off, true
	}
}

// Drifted reports whether, over the frames observed since the last call, the media clock
// has drifted from arrivals by more than MaxDrift (in either direction); it resets the
// observation window.
func (t *Timeline) Drifted() (time.Duration, bool) {
	off, have := t.minOffset, t.haveMin
	t.haveMin = false
	if !have {
		return 0, false
	}
	return off, off > MaxDrift || off < -MaxDrift
}
