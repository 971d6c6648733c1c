// Package cutter decides where footage is cut into segments and what wall time each
// segment covers: one set of rules for the three ways footage reaches the vault — the
// RTSP recorder (frames, recorder/segmenter.go), the ffmpeg fallback (fragments,
// recorder/ffmpeg.go) and imported files (fragments, vault.ImportStream). The rules are
// listed in docs/design/recording.md, "Where segments are cut".
//
// A Cutter holds the segment being written and its place on a Timeline; the caller gives
// it units (a frame, or a whole fragment) and does what Decide says. Fragments does the
// whole job for a stream of fragments.
package cutter

import (
	"bytes"
	"context"
	"math/rand/v2"
	"time"

	"custodian"
)

// DefaultTarget is the segment length aimed for when none is given.
const DefaultTarget = time.Minute

// MaxGap is how long a segment may go without a keyframe: a unit that is not a keyframe
// and starts this long after the segment's first does not go into it (the segment ends
// before it, leaving a minute for its last frame, well inside
// custodian.MaxSegmentDuration, which the vault enforces at commit).
const MaxGap = custodian.MaxSegmentDuration - time.Minute

// Writer is one segment being written (vault.SegmentWriter).
type Writer interface {
	Write(p []byte) (int, error)
	Commit(ctx context.Context, end time.Time) (*custodian.Segment, error)
	Abort(ctx context.Context) error
}

// Config configures a Cutter.
type Config struct {
	// Create starts a segment of the camera at start (the vault's Create).
	Create func(ctx context.Context, start time.Time) (Writer, error)
	// Timeline places media times in wall time; it must be anchored before Open.
	Timeline *Timeline
	// Target is the length to aim for: a segment is cut on the first keyframe at or after
	// it (DefaultTarget when zero).
	Target time.Duration
	// Jitter gives the first segment a random length in [Target/2, Target], so that
	// cameras started together do not all commit at the same moment every Target.
	Jitter bool
	// Committed, if set, is told of every committed segment.
	Committed func(*custodian.Segment)
	// Note, if set, is told of events worth a line in a camera's status ("drift").
	Note func(kind, text string)
}

// Cutter cuts one stream of one camera into segments. It is not safe for concurrent use.
type Cutter struct {
	cfg Config
	tl  *Timeline

	w         Writer
	origin    int64     // media time of the segment's first frame (decode time 0)
	start     time.Time // its wall time
	init      []byte    // the segment's init (ftyp+moov)
	media     int64     // bytes written after the init
	segTarget time.Duration
	lastEnd   time.Time // end of the last committed segment (no overlap with it)
}

// New returns a cutter.
func New(cfg Config) *Cutter {
	if cfg.Target <= 0 {
		cfg.Target = DefaultTarget
	}
	return &Cutter{cfg: cfg, tl: cfg.Timeline}
}

// Timeline returns the cutter's timeline.
func (c *Cutter) Timeline() *Timeline { return c.tl }

// Active reports whether a segment is open; Origin returns its first media time.
func (c *Cutter) Active() bool  { return c.w != nil }
func (c *Cutter) Origin() int64 { return c.origin }

// Init returns the open segment's init segment.
func (c *Cutter) Init() []byte { return c.init }

// Unit is what Decide decides about: a frame, or a whole fragment.
type Unit struct {
	T    int64  // media time of its start (a frame's presentation time; a fragment's decode time)
	End  int64  // media time of its end when known (a fragment); 0 for a frame
	Key  bool   // it starts with a keyframe
	Init []byte // the init segment of its parameters (ftyp+moov)
}

// Action is what to do with a unit.
type Action int

const (
	// Keep: the unit goes into the open segment.
	Keep Action = iota
	// Open: no segment is open and the unit is a keyframe: open one at it.
	Open
	// Cut: a keyframe that starts the next segment (the target is reached, its
	// parameters differ from the segment's, or the segment would pass MaxGap): commit the
	// open segment where the unit starts and open the next one.
	Cut
	// End: not a keyframe, and the open segment has had no keyframe for MaxGap: commit it
	// before the unit; the unit is dropped (counted as waiting for a keyframe).
	End
	// Wait: not a keyframe, and no segment is open: dropped (waiting for a keyframe).
	Wait
	// TooLong: a unit that alone is longer than MaxGap cannot be stored in a segment.
	TooLong
)

func (a Action) String() string {
	return [...]string{"keep", "open", "cut", "end", "wait", "too-long"}[a]
}

// Decide applies the rules (docs/design/recording.md, "Where segments are cut") to the
// next unit, in decode order. It changes nothing: the caller does what it says.
func (c *Cutter) Decide(u Unit) Action {
	if u.End > 0 && c.tl.Dur(u.End-u.T) > MaxGap {
		return TooLong
	}
	if c.w == nil {
		if u.Key {
			return Open
		}
		return Wait
	}
	over := c.tl.Dur(u.T-c.origin) >= MaxGap || (u.End > 0 && c.tl.Dur(u.End-c.origin) > MaxGap)
	switch {
	case !u.Key && over:
		return End
	case !u.Key:
		return Keep
	case !bytes.Equal(u.Init, c.init), over, c.tl.Dur(u.T-c.origin) >= c.segTarget:
		return Cut
	}
	return Keep
}

// Open starts a segment whose first frame is at media time origin, with init.
// Its wall time is the timeline's, re-anchored on arrivals first if the source's clock
// has drifted (docs/design/time.md, "Drift"), and never before the end of the segment
// committed before it (where the run continues, it starts exactly there).
func (c *Cutter) Open(ctx context.Context, origin int64, init []byte) error {
	if c.w != nil {
		return custodian.Errorf(custodian.EINTERNAL, "세그먼트가 이미 열려 있습니다", "a segment is already open")
	}
	start := c.tl.Wall(origin)
	if off, drifted := c.tl.Drifted(); drifted {
		c.tl.Anchor(origin, start.Add(off))
		start = c.tl.Wall(origin)
		if c.cfg.Note != nil {
			c.cfg.Note("drift", "the camera's clock drifted "+off.Round(time.Millisecond).String()+": re-anchored")
		}
	}
	if !c.lastEnd.IsZero() && (start.Before(c.lastEnd) || start.Sub(c.lastEnd) < time.Millisecond) {
		start = c.lastEnd
	}
	w, err := c.cfg.Create(ctx, start)
	if err != nil {
		return err
	}
	if _, err := w.Write(init); err != nil {
		w.Abort(context.WithoutCancel(ctx))
		return err
	}
	c.segTarget = c.cfg.Target
	if c.lastEnd.IsZero() && c.cfg.Jitter {
		c.segTarget = c.cfg.Target/2 + time.Duration(rand.Int64N(int64(c.cfg.Target/2)+1))
	}
	c.w, c.origin, c.start, c.init, c.media = w, origin, start, init, 0
	return nil
}

// Write writes media (fragments) to the open segment.
func (c *Cutter) Write(p []byte) (int, error) {
	if c.w == nil {
		return 0, custodian.Errorf(custodian.EINTERNAL, "열린 세그먼트가 없습니다", "no segment is open")
	}
	n, err := c.w.Write(p)
	c.media += int64(n)
	return n, err
}

// Commit commits the open segment, which ends at media time end (start + end − origin in
// wall time). A segment with nothing after its init is aborted, not committed (it returns
// nil, nil): an empty segment is never stored.
func (c *Cutter) Commit(ctx context.Context, end int64) (*custodian.Segment, error) {
	w := c.w
	if w == nil {
		return nil, nil
	}
	c.w = nil
	ctx = context.WithoutCancel(ctx) // what was written is kept, whatever stops the stream
	if c.media == 0 || end <= c.origin {
		return nil, w.Abort(ctx)
	}
	seg, err := w.Commit(ctx, c.start.Add(c.tl.Dur(end-c.origin)))
	if err != nil {
		return nil, err
	}
	c.lastEnd = seg.End
	if c.cfg.Committed != nil {
		c.cfg.Committed(seg)
	}
	return seg, nil
}

// Abort drops the open segment (an error writing it).
func (c *Cutter) Abort(ctx context.Context) {
	if c.w != nil {
		c.w.Abort(context.WithoutCancel(ctx))
		c.w = nil
	}
}
