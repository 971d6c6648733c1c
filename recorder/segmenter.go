package recorder

import (
	"bytes"
	"context"
	"time"

	"custodian"
	"custodian/cutter"
	"custodian/fmp4"
	"custodian/vault"
)

// Store is where segments go: the vault (an interface so that the segmenter's tests can
// fail a write).
type Store interface {
	Create(ctx context.Context, camera string, start time.Time, class string, ret custodian.Retention) (SegmentWriter, error)
}

// SegmentWriter is one segment being written (vault.SegmentWriter).
type SegmentWriter = cutter.Writer

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

// segmenter turns a camera's frames into keyframe-aligned fragments (one group of pictures
// each, muxed here) and streams them, encrypted, into the store; where a segment is cut,
// and what wall time it covers, is the cutter's (package cutter: the one set of rules that
// the ffmpeg fallback and imports use too; docs/design/recording.md, "Where segments are
// cut"; docs/design/time.md, "Inside a segment").
//
// A fragment is one group of pictures, from a keyframe to the frame before the next. A
// fragment's last frame lasts until the first frame (in presentation order) of the next
// fragment, which is known only once the next fragment's leading pictures (open GOPs) have
// arrived: a fragment is therefore written when the first frame after the next keyframe
// that is presented after that keyframe arrives (or when the next keyframe arrives). A cut
// the cutter decides at a keyframe is therefore carried out when that keyframe's group of
// pictures begins to be written.
type segmenter struct {
	c     *cutter.Cutter
	tl    *cutter.Timeline
	stats *counters

	seq      uint32 // the last fragment's sequence number in the open segment
	frameDur int64  // an estimate of one frame's duration, in ticks

	pending    *fmp4.FragmentBuilder // a complete GOP waiting for the next one's first frame
	cur        *fmp4.FragmentBuilder // the GOP being received
	curKey     int64                 // presentation time of cur's keyframe
	curCuts    bool                  // cur starts a new segment
	curInit    []byte                // the init of cur's keyframe (for the segment it starts)
	curNewInit bool                  // cur's init differs from the open segment's
	lastPTS    int64
	havePTS    bool
}

func newSegmenter(store Store, camera, class string, ret custodian.Retention, target time.Duration, tl *cutter.Timeline, stats *counters, jitter bool) *segmenter {
	c := cutter.New(cutter.Config{
		Create: func(ctx context.Context, start time.Time) (cutter.Writer, error) {
			return store.Create(ctx, camera, start, class, ret)
		},
		Timeline: tl, Target: target, Jitter: jitter,
		Committed: stats.segment,
		Note:      stats.note,
	})
	return &segmenter{c: c, tl: tl, stats: stats,
		pending: &fmp4.FragmentBuilder{}, cur: &fmp4.FragmentBuilder{}, frameDur: tl.Ticks(100 * time.Millisecond)}
}

// active reports whether a segment is open (frames are being kept).
func (s *segmenter) active() bool { return s.c.Active() }

// add takes the next frame (in decode order). init is the init segment for the frame's
// parameters (it changes only at keyframes). A frame before the first keyframe is dropped.
// It reports whether the frame was kept (the worker tees kept frames to the live view).
func (s *segmenter) add(ctx context.Context, f frame, init []byte) (kept bool, err error) {
	if !f.key {
		switch s.c.Decide(cutter.Unit{T: f.pts, Init: init}) {
		case cutter.End:
			// No keyframe for almost the longest a segment may be: end it here and wait.
			if err := s.close(ctx); err != nil {
				return false, err
			}
			fallthrough
		case cutter.Wait:
			s.stats.add(&s.stats.waiting, 1)
			return false, nil
		}
		if s.pending.Len() > 0 && f.pts > s.curKey {
			// The first trailing picture: every leading picture of cur has arrived.
			if err := s.flushPending(ctx); err != nil {
				return false, err
			}
		}
	} else if err := s.keyframe(ctx, f, init); err != nil {
		return false, err
	}
	if f.pts < s.c.Origin() {
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
func (s *segmenter) keyframe(ctx context.Context, f frame, init []byte) error {
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
	s.curCuts, s.curInit, s.curNewInit = false, nil, false
	switch s.c.Decide(cutter.Unit{T: f.pts, Key: true, Init: init}) {
	case cutter.Open:
		return s.open(ctx, f.pts, init)
	case cutter.Cut:
		s.curCuts, s.curInit, s.curNewInit = true, init, !bytes.Equal(init, s.c.Init())
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
	init := s.curInit
	s.curCuts, s.curInit, s.curNewInit = false, nil, false
	if err := s.commit(ctx, first); err != nil {
		return err
	}
	return s.open(ctx, first, init)
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
	if first < s.c.Origin() {
		// Cannot happen (add drops frames before the origin); a fragment that cannot be
		// placed is dropped rather than written with a wrong time.
		s.stats.add(&s.stats.dropped, uint64(fb.Len()))
		return nil
	}
	s.seq++
	n, err := fb.WriteTo(s.c, s.seq, s.c.Origin(), end)
	if err != nil {
		return err
	}
	s.stats.add(&s.stats.bytes, uint64(n))
	return nil
}

// open starts a segment whose decode time 0 is the presentation time origin.
func (s *segmenter) open(ctx context.Context, origin int64, init []byte) error {
	if err := s.c.Open(ctx, origin, init); err != nil {
		return err
	}
	s.seq = 0
	return nil
}

// commit writes nothing more and commits the open segment, which ends at the
// presentation time end.
func (s *segmenter) commit(ctx context.Context, end int64) error {
	_, err := s.c.Commit(ctx, end)
	return err
}

// close writes what is held and commits the open segment (the connection ended, or a
// discontinuity): the last frame keeps the average frame duration.
func (s *segmenter) close(ctx context.Context) error {
	if !s.c.Active() {
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
	if err == nil && !s.curNewInit {
		// cur belongs to this segment unless it needs another init (then it is lost: it
		// is less than one GOP, and a segment of one partial GOP is not worth a file).
		err = s.writeFragment(s.cur, end)
	} else if s.curNewInit {
		end, _ = s.cur.Span()
	}
	s.pending.Reset()
	s.cur.Reset()
	s.curCuts, s.curInit, s.curNewInit = false, nil, false
	s.havePTS = false
	if err != nil {
		s.abort(ctx)
		return err
	}
	return s.commit(ctx, end)
}

// abort drops the open segment (an error writing it).
func (s *segmenter) abort(ctx context.Context) {
	s.c.Abort(ctx)
	s.pending.Reset()
	s.cur.Reset()
	s.havePTS = false
}

var errTooBigGOP = custodian.Errorf(custodian.EINVALID,
	"키프레임 사이의 영상이 너무 큽니다 (32 MiB 초과): 카메라의 키프레임 간격(GOP)을 줄이십시오",
	"too much video between keyframes (over 32 MiB): shorten the camera's keyframe interval (GOP)")
