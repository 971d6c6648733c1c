package recorder

import (
	"time"
)

// Limits of the time model (docs/design/time.md).
const (
	// maxForward is the largest media-time step between two frames that is not a jump.
	maxForward = 10 * time.Second
	// maxBackward is how far a frame's timestamp may lie before the previous frame's
	// (B-frames are presented before frames decoded earlier) without being a jump.
	maxBackward = time.Second
	// maxAhead is how far the media clock may run ahead of arrivals before the timestamps
	// are taken to be lies (a stall makes arrivals late, never early).
	maxAhead = 2 * time.Second
	// maxDrift is how far the camera's clock may drift from the server's before the next
	// segment is re-anchored on its arrival time.
	maxDrift = time.Second
)

// timeline maps a camera's RTP timestamps to extended (unwrapped) timestamps and to wall
// time, and detects discontinuities. It is not safe for concurrent use.
type timeline struct {
	rate int64 // RTP clock rate, ticks per second

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

func newTimeline(rate uint32) *timeline {
	if rate == 0 {
		rate = 90000
	}
	return &timeline{rate: int64(rate)}
}

// ticks converts a duration to clock ticks, and back.
func (t *timeline) ticks(d time.Duration) int64 { return int64(d) * t.rate / int64(time.Second) }
func (t *timeline) dur(ticks int64) time.Duration {
	return time.Duration(ticks * int64(time.Second) / t.rate)
}

// extend returns the extended timestamp of ts: the previous one plus the signed 32-bit
// difference, so that the 13-hour wrap of a 90 kHz clock is invisible.
func (t *timeline) extend(ts uint32) int64 {
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

// jumpReason tells whether a frame at ext arriving at arrival breaks the run: "" when it
// does not, else what happened (for the camera's status).
func (t *timeline) jumpReason(prevExt, ext int64, arrival time.Time) string {
	if !t.anchored {
		return ""
	}
	dm := t.dur(ext - prevExt)
	switch {
	case dm > maxForward:
		return "timestamps jumped forward by " + dm.Round(time.Millisecond).String()
	case dm < -maxBackward:
		return "timestamps went back by " + (-dm).Round(time.Millisecond).String()
	}
	if ahead := t.wall(ext).Sub(arrival); ahead > maxAhead {
		return "timestamps run " + ahead.Round(time.Millisecond).String() + " ahead of arrival"
	}
	return ""
}

// anchor starts a run at the frame ext that arrived at arrival.
func (t *timeline) anchor(ext int64, arrival time.Time) {
	t.anchored = true
	t.anchorExt = ext
	t.anchorWall = arrival
	t.haveMin = false
}

// wall returns the wall time of the frame at ext in the current run.
func (t *timeline) wall(ext int64) time.Time {
	return t.anchorWall.Add(t.dur(ext - t.anchorExt))
}

// observe notes a frame's arrival, for drift estimation.
func (t *timeline) observe(ext int64, arrival time.Time) {
	off := arrival.Sub(t.wall(ext))
	if !t.haveMin || off < t.minOffset {
		t.minOffset, t.haveMin = off, true
	}
}

// drifted reports whether, over the frames observed since the last call, the media clock
// has drifted from arrivals by more than maxDrift (in either direction); it resets the
// observation window.
func (t *timeline) drifted() (time.Duration, bool) {
	off, have := t.minOffset, t.haveMin
	t.haveMin = false
	if !have {
		return 0, false
	}
	return off, off > maxDrift || off < -maxDrift
}
