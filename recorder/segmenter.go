package recorder

import (
	"bytes"
	"context"
	"math/rand/v2"
	"time"

	"custodian"
	"custodian/fmp4"
	"custodian/vault"
)

// Store is where segments go: the vault (an interface so that the segmenter's tests can
// fail a write).
type Store interface {
	Create(ctx context.Context, camera string, start time.Time, class string, ret custodian.Retention) (SegmentWriter, error)
}

// SegmentWriter is one segment being written (vault.SegmentWriter).
type SegmentWriter interface {
	Write(p []byte) (int, error)
	Commit(ctx context.Context, end time.Time) (*custodian.Segment, error)
	Abort(ctx context.Context) error
}

// VaultStore stores segments in a vault.
type VaultStore struct{ V *vault.Vault }

func (s VaultStore) Create(ctx context.Context, camera string, start time.Time, class string, ret custodian.Retention) (SegmentWriter, error) {
	return s.V.Create(ctx, camera, start, class, ret)
}

// Limits of one segment's buffers.
const (
	// maxGOPBytes bounds the frames held for one fragment (a group of pictures): a camera
	// whose keyframes are further apart than this loses the segment's tail rather than
	// the recorder's memory.
	maxGOPBytes = 32 << 20
)

// frame is one access unit placed in time.
type frame struct {
	nalus   [][]byte
	pts     int64 // extended RTP timestamp (track timescale)
	key     bool
	arrival time.Time
}

// segmenter cuts a camera's frames into keyframe-aligned fragments and segments and
// streams them, encrypted, into the store (docs/design/time.md, "Inside a segment").
//
// A fragment is one group of pictures, from a keyframe to the frame before the next. A
// fragment's last frame lasts until the first frame (in presentation order) of the next
// fragment, which is known only once the next fragment's leading pictures (open GOPs) have
// arrived: a fragment is therefore written when the first frame after the next keyframe
// that is presented after that keyframe arrives (or when the next keyframe arrives).
type segmenter struct {
	store  Store
	camera string
	class  string
	ret    custodian.Retention
	target time.Duration
	// jitter randomises the first segment's length (segTarget: the current one's).
	jitter    bool
	segTarget time.Duration
	tl        *timeline
	stats     *counters

	init  []byte // the init segment of the current track
	track fmp4.Track

	// The segment being written.
	w        SegmentWriter
	origin   int64     // presentation time that is decode time 0
	start    time.Time // wall time of origin
	seq      uint32
	lastEnd  time.Time // end of the last committed segment (no overlap with it)
	frameDur int64     // an estimate of one frame's duration, in ticks

	pending    *fmp4.FragmentBuilder // a complete GOP waiting for the next one's first frame
	cur        *fmp4.FragmentBuilder // the GOP being received
	curKey     int64                 // presentation time of cur's keyframe
	curCuts    bool                  // cur starts a new segment
	curNewInit []byte                // cur starts a new segment with this init (parameters changed)
	curTrack   fmp4.Track
	lastPTS    int64
	havePTS    bool
}

func newSegmenter(store Store, camera, class string, ret custodian.Retention, target time.Duration, tl *timeline, stats *counters) *segmenter {
	return &segmenter{store: store, camera: camera, class: class, ret: ret, target: target, segTarget: target, tl: tl, stats: stats,
		pending: &fmp4.FragmentBuilder{}, cur: &fmp4.FragmentBuilder{}, frameDur: tl.ticks(100 * time.Millisecond)}
}

// active reports whether a segment is open (frames are being kept).
func (s *segmenter) active() bool { return s.w != nil }

// add takes the next frame (in decode order). init is the init segment for the frame's
// parameters (it changes only at keyframes); a keyframe whose init differs from the
// current one starts a new segment. A frame before the first keyframe is dropped. It
// reports whether the frame was kept (the worker tees kept frames to the live view).
func (s *segmenter) add(ctx context.Context, f frame, init []byte, track fmp4.Track) (kept bool, err error) {
	if !f.key && s.w != nil && s.tl.dur(f.pts-s.origin) >= custodian.MaxSegmentDuration-time.Minute {
		// No keyframe for almost the longest a segment may be: end it here and wait.
		if err := s.close(ctx); err != nil {
			return false, err
		}
	}
	if !f.key && s.w == nil {
		s.stats.add(&s.stats.waiting, 1)
		return false, nil
	}
	if f.key {
		if err := s.keyframe(ctx, f, init, track); err != nil {
			return false, err
		}
	} else if s.pending.Len() > 0 && f.pts > s.curKey {
		// The first trailing picture: every leading picture of cur has arrived.
		if err := s.flushPending(ctx); err != nil {
			return false, err
		}
	}
	if f.pts < s.origin {
		// A leading picture of the keyframe that opened this segment (an H.265 CRA's
		// RASL frames, presented before it): it refers to footage before the segment and
		// cannot be decoded; it is dropped, not its whole group of pictures.
		s.stats.add(&s.stats.dropped, 1)
		return false, nil
	}
	if s.cur.Size() > maxGOPBytes {
		s.stats.add(&s.stats.dropped, 1)
		return false, errTooBigGOP
	}
	s.cur.Add(f.nalus, f.pts, f.key)
	s.lastPTS, s.havePTS = f.pts, true
	return true, nil
}

// keyframe starts a new fragment (and perhaps a new segment) at f.
func (s *segmenter) keyframe(ctx context.Context, f frame, init []byte, track fmp4.Track) error {
	if s.pending.Len() > 0 {
		if err := s.flushPending(ctx); err != nil {
			return err
		}
	}
	if s.cur.Len() > 0 {
		s.pending, s.cur = s.cur, s.pending
		s.cur.Reset()
	}
	s.curKey = f.pts
	s.curNewInit = nil
	s.curCuts = false
	switch {
	case s.w == nil:
		return s.open(ctx, f.pts, init, track)
	case !bytes.Equal(init, s.init):
		s.curCuts, s.curNewInit, s.curTrack = true, init, track
	case s.tl.dur(f.pts-s.origin) >= s.segTarget:
		s.curCuts = true
	}
	return nil
}

// flushPending writes the pending fragment, its end being cur's first presentation time,
// and then, if cur starts a new segment, commits the segment and opens the next.
func (s *segmenter) flushPending(ctx context.Context) error {
	first, _ := s.cur.Span()
	if err := s.writeFragment(s.pending, first); err != nil {
		return err
	}
	s.pending.Reset()
	if !s.curCuts {
		return nil
	}
	init, track := s.init, s.track
	if s.curNewInit != nil {
		init, track = s.curNewInit, s.curTrack
	}
	s.curCuts, s.curNewInit = false, nil
	if err := s.commit(ctx, first); err != nil {
		return err
	}
	return s.open(ctx, first, init, track)
}

func (s *segmenter) writeFragment(fb *fmp4.FragmentBuilder, end int64) error {
	if fb.Len() == 0 {
		return nil
	}
	first, last := fb.Span()
	if n := int64(fb.Len()); n > 1 && last > first {
		// The frame interval, from a whole group of pictures (B-frames make the step
		// between consecutive frames in decode order uneven; the span is not).
		s.frameDur = (last - first) / (n - 1)
	}
	if end <= last {
		end = last + max(s.frameDur, 1)
	}
	if first < s.origin {
		// Cannot happen (add drops frames before the origin); a fragment that cannot be
		// placed is dropped rather than written with a wrong time.
		s.stats.add(&s.stats.dropped, uint64(fb.Len()))
		return nil
	}
	s.seq++
	n, err := fb.WriteTo(s.w, s.seq, s.origin, end)
	if err != nil {
		return err
	}
	s.stats.add(&s.stats.bytes, uint64(n))
	return nil
}

// open starts a segment whose decode time 0 is the presentation time origin.
func (s *segmenter) open(ctx context.Context, origin int64, init []byte, track fmp4.Track) error {
	start := s.tl.wall(origin)
	if off, drifted := s.tl.drifted(); drifted {
		// Re-anchor on the arrival of this frame (docs/design/time.md, "Drift").
		s.tl.anchor(origin, s.tl.wall(origin).Add(off))
		start = s.tl.wall(origin)
		s.stats.note("drift", "the camera's clock drifted "+off.Round(time.Millisecond).String()+": re-anchored")
	}
	if !s.lastEnd.IsZero() && (start.Before(s.lastEnd) || start.Sub(s.lastEnd) < time.Millisecond) {
		// Never overlap the segment before; and where the run continues, start exactly
		// where it ended (the two times differ only by rounding).
		start = s.lastEnd
	}
	w, err := s.store.Create(ctx, s.camera, start, s.class, s.ret)
	if err != nil {
		return err
	}
	s.segTarget = s.target
	if s.lastEnd.IsZero() && s.jitter {
		// The first segment of a connection has a random length in [target/2, target]:
		// cameras started together (a restart of the recorder, a switch's power cycle)
		// then do not all commit at the same moment, a minute later, every minute.
		s.segTarget = s.target/2 + time.Duration(rand.Int64N(int64(s.target/2)+1))
	}
	if _, err := w.Write(init); err != nil {
		w.Abort(ctx)
		return err
	}
	s.w, s.origin, s.start, s.seq = w, origin, start, 0
	s.init, s.track = init, track
	return nil
}

// commit writes nothing more and commits the open segment, which ends at the
// presentation time end.
func (s *segmenter) commit(ctx context.Context, end int64) error {
	w := s.w
	s.w = nil
	endWall := s.start.Add(s.tl.dur(end - s.origin))
	seg, err := w.Commit(context.WithoutCancel(ctx), endWall)
	if err != nil {
		return err
	}
	s.lastEnd = seg.End
	s.stats.segment(seg)
	return nil
}

// close writes what is held and commits the open segment (the connection ended, or a
// discontinuity): the last frame keeps the average frame duration.
func (s *segmenter) close(ctx context.Context) error {
	if s.w == nil {
		s.pending.Reset()
		s.cur.Reset()
		return nil
	}
	if n := int64(s.cur.Len()); n > 1 {
		first, last := s.cur.Span()
		s.frameDur = max((last-first)/(n-1), 1)
	}
	_, lastCur := s.cur.Span()
	end := s.lastPTS + s.frameDur
	if s.cur.Len() > 0 {
		end = max(end, lastCur+s.frameDur)
	}
	var err error
	if s.pending.Len() > 0 {
		next := end
		if s.cur.Len() > 0 {
			next, _ = s.cur.Span()
		}
		err = s.writeFragment(s.pending, next)
	}
	if err == nil && s.curNewInit == nil {
		// cur belongs to this segment unless it needs another init (then it is lost: it
		// is less than one GOP, and a segment of one partial GOP is not worth a file).
		err = s.writeFragment(s.cur, end)
	} else if s.curNewInit != nil {
		end, _ = s.cur.Span()
	}
	s.pending.Reset()
	s.cur.Reset()
	s.curCuts, s.curNewInit = false, nil
	s.havePTS = false
	if err != nil {
		s.abort(ctx)
		return err
	}
	return s.commit(ctx, end)
}

// abort drops the open segment (an error writing it).
func (s *segmenter) abort(ctx context.Context) {
	if s.w != nil {
		s.w.Abort(context.WithoutCancel(ctx))
		s.w = nil
	}
	s.pending.Reset()
	s.cur.Reset()
	s.havePTS = false
}

var errTooBigGOP = custodian.Errorf(custodian.EINVALID,
	"키프레임 사이의 영상이 너무 큽니다 (32 MiB 초과): 카메라의 키프레임 간격(GOP)을 줄이십시오",
	"too much video between keyframes (over 32 MiB): shorten the camera's keyframe interval (GOP)")
