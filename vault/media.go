package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"custodian"
	"custodian/cutter"
	"custodian/fmp4"
)

// DefaultSegmentDuration is the target length of a segment: segments are cut on the first
// keyframe fragment at or after it.
const DefaultSegmentDuration = time.Minute

// ImportOptions configure ImportStream.
type ImportOptions struct {
	Camera    string
	Start     time.Time // the wall-clock time of the stream's first frame
	Class     string    // the camera's retention class
	Retention custodian.Retention
	// Target is the segment length to aim for (DefaultSegmentDuration when zero).
	Target time.Duration
	// Progress, if set, is told how much of the stream has been stored.
	Progress func(stored time.Duration)
}

// fragTime returns the duration of ticks at timescale (Clip's placing of fragments).
func fragTime(ticks uint64, timescale uint32) time.Duration {
	return time.Duration(float64(ticks) / float64(timescale) * float64(time.Second))
}

// ImportStream stores a fragmented MP4 stream (one video track, a fragment starting at every
// keyframe, as package ffmpeg produces) as footage of a camera: cut into segments of about
// opt.Target on keyframe fragments by the one cutter (package cutter, the rules the recorder
// uses), each a standalone fragmented MP4 (the stream's init and its fragments), encrypted
// as it is written. A gap of more than cutter.MaxForward in the stream's decode times ends a
// segment, so that it is a gap on the timeline. The caller is expected to have checked the
// whole stream first (CheckStream, the same rules storing nothing), so that bad input
// changes nothing; a failure while writing (a full disk) leaves the segments committed so
// far and says so.
func (v *Vault) ImportStream(ctx context.Context, r io.Reader, opt ImportOptions) ([]custodian.Segment, error) {
	target := opt.Target
	if target <= 0 {
		target = DefaultSegmentDuration
	}
	if target > custodian.MaxSegmentDuration/2 {
		return nil, custodian.Errorf(custodian.EINVALID, "세그먼트 길이 %v가 너무 깁니다", "segment length %v is too long", target)
	}
	var out []custodian.Segment
	create := func(ctx context.Context, start time.Time) (cutter.Writer, error) {
		w, err := v.Create(ctx, opt.Camera, start, opt.Class, opt.Retention)
		if err != nil {
			return nil, err
		}
		return w, nil
	}
	committed := func(s *custodian.Segment) {
		out = append(out, *s)
		if opt.Progress != nil {
			opt.Progress(s.End.Sub(opt.Start))
		}
	}
	_, err := cutStream(ctx, r, opt.Start, target, create, committed)
	if err != nil {
		if len(out) > 0 {
			return out, fmt.Errorf("%w (세그먼트 %d개는 이미 저장되었습니다; %d segments were stored before the failure)", err, len(out), len(out))
		}
		return nil, err
	}
	return out, nil
}

// cutStream reads a fragmented MP4 stream and cuts it into segments made by create: the
// one loop of ImportStream and CheckStream.
func cutStream(ctx context.Context, r io.Reader, from time.Time, target time.Duration,
	create func(context.Context, time.Time) (cutter.Writer, error), committed func(*custodian.Segment)) (*StreamInfo, error) {
	rd, err := fmp4.NewReader(r)
	if err != nil {
		return nil, err
	}
	init := rd.Init()
	if init.Timescale == 0 {
		return nil, custodian.Errorf(custodian.EINVALID, "트랙의 timescale이 0입니다", "the track's timescale is 0")
	}
	c := cutter.New(cutter.Config{Create: create, Timeline: cutter.NewTimeline(init.Timescale), Target: target, Committed: committed})
	frags := cutter.NewFile(c, init, from)
	info := &StreamInfo{Codec: init.Codec, Width: int(init.Width), Height: int(init.Height), Bytes: int64(len(init.Raw))}
	var base0 int64
	fail := func(err error) (*StreamInfo, error) {
		c.Abort(ctx)
		return nil, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		f, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		if info.Fragments == 0 {
			base0 = int64(f.BaseDecodeTime)
		}
		o, err := frags.Add(ctx, f, time.Time{})
		if err != nil {
			return fail(err)
		}
		if o.Jump != "" {
			info.Gaps++
		}
		info.Fragments++
		info.Bytes += int64(len(f.Raw))
	}
	if info.Fragments == 0 {
		return nil, custodian.Errorf(custodian.EINVALID, "영상 조각이 하나도 없습니다", "the stream has no fragments")
	}
	if err := frags.Close(ctx); err != nil {
		return fail(err)
	}
	info.Duration = c.Timeline().Dur(frags.End() - base0)
	return info, nil
}

// StreamInfo describes a checked stream.
type StreamInfo struct {
	Codec     string        `json:"codec"`
	Width     int           `json:"width"`
	Height    int           `json:"height"`
	Duration  time.Duration `json:"duration"` // from the first fragment's start to the last one's end, gaps included
	Fragments int           `json:"fragments"`
	Bytes     int64         `json:"bytes"`
	Segments  int           `json:"segments"` // at DefaultSegmentDuration
	Gaps      int           `json:"gaps"`     // gaps of more than cutter.MaxForward in its decode times
}

// CheckStream reads a whole fragmented MP4 stream without storing anything and reports what
// ImportStream would store (with segments of DefaultSegmentDuration), or the first problem:
// it runs the same cutter over segments that are counted and dropped.
func CheckStream(r io.Reader) (*StreamInfo, error) {
	segs := 0
	create := func(ctx context.Context, start time.Time) (cutter.Writer, error) {
		return &countWriter{start: start}, nil
	}
	info, err := cutStream(context.Background(), r, time.Unix(0, 0), DefaultSegmentDuration, create, func(*custodian.Segment) { segs++ })
	if err != nil {
		return nil, err
	}
	info.Segments = segs
	return info, nil
}

// countWriter is a segment that is not stored (CheckStream).
type countWriter struct{ start time.Time }

func (w *countWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *countWriter) Commit(ctx context.Context, end time.Time) (*custodian.Segment, error) {
	return &custodian.Segment{Start: w.start, End: end}, nil
}
func (w *countWriter) Abort(ctx context.Context) error { return nil }

// ClipInfo describes a written clip.
type ClipInfo struct {
	From      time.Time `json:"from"` // the first fragment's start (a keyframe at or before the asked start)
	To        time.Time `json:"to"`
	Segments  int       `json:"segments"`
	Fragments int       `json:"fragments"`
	Bytes     int64     `json:"bytes"`
	Codec     string    `json:"codec"`
}

// Clip writes one fragmented MP4 of camera's footage in [from, to) to w without re-encoding:
// the fragments (each starting on a keyframe) that overlap the range, from every segment,
// on one timeline that starts at zero; gaps in the footage stay gaps. Every segment read is
// authenticated chunk by chunk and checked against its recorded SHA-256, and one is held
// in memory at a time while the clip is written. The clip ends before a segment whose video format differs
// from the first's.
//
// Only the first and the last segment are read before the first byte is written: they give
// the clip's start (a keyframe at or before from) and its length. The others are read
// once, as they are written (the last one again), so the time to the first byte does not grow with the
// length of the range (docs/BENCHMARKS.md, "The console"). When every segment ends within
// the range (a playback up to now, an export of whole segments), the length comes from the
// catalog and the first segment is streamed only up to its first picture in the range
// before writing begins (clipStreaming).
func (v *Vault) Clip(ctx context.Context, w io.Writer, camera string, from, to time.Time) (*ClipInfo, error) {
	if !to.After(from) {
		return nil, custodian.Errorf(custodian.EINVALID, "끝(%s)이 시작(%s)보다 뒤여야 합니다", "the end (%s) must be after the start (%s)", to, from)
	}
	segs, err := v.cat.Segments(ctx, camera, from, to)
	if err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "카메라 %s의 %s ~ %s 영상이 없습니다", "no footage of camera %s in %s – %s", camera,
			from.In(custodian.KST).Format(time.DateTime), to.In(custodian.KST).Format(time.DateTime))
	}
	// When the window reaches past the end of its last segment (a playback of footage up to
	// now, an export of whole segments), the clip's length is known from the catalog, and
	// the first segment is streamed: its first picture goes out before the rest of it is
	// read (clipStreaming).
	if last := segs[len(segs)-1]; !last.End.After(to) {
		return v.clipStreaming(ctx, w, camera, segs, from, to)
	}
	type parsed struct {
		in    *fmp4.Init
		frags []*fmp4.Fragment
		at    []time.Time // each fragment's start in wall time
	}
	// urgent: a read before the first byte is written (the first and last segments), which
	// goes before the reads of clips already playing (reading, read.go).
	read := func(s custodian.Segment, urgent bool) (*parsed, error) {
		seg, err := v.Open(ctx, s)
		if err != nil {
			return nil, err
		}
		data, err := seg.readAll(urgent, false) // every chunk authenticated (readAll)
		seg.Close()
		if err != nil {
			return nil, err
		}
		in, frags, err := fmp4.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("segment %s: %w", s.ID, err)
		}
		p := &parsed{in: in, frags: frags}
		if len(frags) > 0 {
			base := frags[0].BaseDecodeTime
			for _, f := range frags {
				p.at = append(p.at, s.Start.Add(fragTime(f.BaseDecodeTime-base, in.Timescale)))
			}
		}
		return p, nil
	}
	end := func(p *parsed, k int) time.Time {
		return p.at[k].Add(fragTime(p.frags[k].Duration, p.in.Timescale))
	}
	overlaps := func(p *parsed, k int) bool { return end(p, k).After(from) && p.at[k].Before(to) }

	// Pass 1a: the first segment with a keyframe fragment in the range gives the start.
	var (
		first              *parsed
		firstSeg, firstKey int
		start              time.Time
	)
	for i, s := range segs {
		p, err := read(s, true)
		if err != nil {
			return nil, err
		}
		if first != nil && !sameFormat(first.in, p.in) {
			break
		}
		for k := range p.frags {
			if p.frags[k].Keyframe && overlaps(p, k) {
				first, firstSeg, firstKey, start = p, i, k, p.at[k]
				break
			}
		}
		if first != nil {
			break
		}
	}
	if first == nil {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "카메라 %s의 그 구간에 재생할 수 있는 영상이 없습니다", "no playable footage of camera %s in that period", camera)
	}
	ts := first.in.Timescale
	place := func(at time.Time) uint64 { return uint64(math.Round(at.Sub(start).Seconds() * float64(ts))) }

	// Pass 1b: the last segment of the same format gives the clip's length. A segment that
	// ends within the range ends the clip where the catalog says it ends (its wall end is
	// its start plus its media's length, as the cutter committed it), so only its init is
	// read — a chunk, not the whole segment — to learn its format; one that reaches past the
	// range is read whole, to find the fragment in which the range ends.
	lastSeg, last := firstSeg, first
	var span uint64
	spanKnown := false
	for j := len(segs) - 1; j > firstSeg; j-- {
		if !segs[j].End.After(to) {
			in, err := v.initOf(ctx, segs[j])
			if err != nil {
				return nil, err
			}
			if sameFormat(first.in, in) && segs[j].End.After(start) {
				lastSeg, last = j, nil
				span, spanKnown = place(segs[j].End), true
				break
			}
			continue
		}
		p, err := read(segs[j], true)
		if err != nil {
			return nil, err
		}
		if sameFormat(first.in, p.in) && len(p.frags) > 0 && overlaps(p, 0) {
			lastSeg, last = j, p
			break
		}
	}
	if !spanKnown {
		for k := range last.frags {
			if overlaps(last, k) && !last.at[k].Before(start) {
				span = place(last.at[k]) + last.frags[k].Duration
			}
		}
	}
	// Rounding each fragment's place to the timescale may move the last one by a tick;
	// the span allows a tenth of a second for it (it is the edit list's length).
	span += uint64(ts / 10)
	if lastSeg != firstSeg {
		last = nil // read again when its turn comes: one segment in memory at a time
	}

	// Pass 2: write, one segment at a time, from the first keyframe to the end of the range.
	cw, err := fmp4.NewClipWriter(w, first.in, first.frags[firstKey].PresentationOffset, span)
	if err != nil {
		return nil, err
	}
	info := &ClipInfo{From: start, Codec: first.in.Codec}
	var prevEnd uint64
	for i := firstSeg; i <= lastSeg; i++ {
		p := first
		if i != firstSeg {
			first.frags, first.at = nil, nil // written: let it go
			if p, err = read(segs[i], false); err != nil {
				return nil, err
			}
			if !sameFormat(first.in, p.in) {
				return info, nil // the camera's stream changed; the clip ends here
			}
		}
		info.Segments++
		for k, f := range p.frags {
			if (i == firstSeg && k < firstKey) || !overlaps(p, k) {
				continue
			}
			b := place(p.at[k])
			if info.Fragments > 0 && b < prevEnd {
				b = prevEnd // rounding must not make fragments overlap
			}
			if b+f.Duration > span {
				return info, nil
			}
			if err := cw.Write(f, b); err != nil {
				return nil, err
			}
			prevEnd = b + f.Duration
			info.Fragments++
			info.Bytes += int64(len(f.Raw))
			info.To = end(p, k)
		}
	}
	return info, nil
}

// initOf reads a segment's init only (its first chunk or two), every byte read
// authenticated.
func (v *Vault) initOf(ctx context.Context, s custodian.Segment) (*fmp4.Init, error) {
	seg, err := v.Open(ctx, s)
	if err != nil {
		return nil, err
	}
	defer seg.Close()
	r, err := fmp4.NewReader(io.NewSectionReader(seg, 0, seg.Size()))
	if err != nil {
		return nil, fmt.Errorf("segment %s: %w", s.ID, err)
	}
	return r.Init(), nil
}

func sameFormat(a, b *fmp4.Init) bool {
	return a.Codec == b.Codec && a.Width == b.Width && a.Height == b.Height && a.Timescale == b.Timescale
}

// clipStreaming is Clip for a window that every segment of segs ends within. The first
// segment is read as a stream up to the first keyframe that overlaps [from, to) — admitted
// as urgent (reading) — which gives the clip's start; the clip's length comes from the
// catalog's end of the last segment of the same format (its init alone is read for the
// format); the moov and that first fragment are written at once, then the rest of the first
// segment as it is read, then the other segments whole, one at a time.
func (v *Vault) clipStreaming(ctx context.Context, w io.Writer, camera string, segs []custodian.Segment, from, to time.Time) (*ClipInfo, error) {
	// A segment's fragments as a stream, each with its start in wall time.
	type stream struct {
		s    custodian.Segment
		seg  *Segment
		r    *fmp4.Reader
		base uint64
		n    int
	}
	open := func(s custodian.Segment) (*stream, error) {
		seg, err := v.Open(ctx, s)
		if err != nil {
			return nil, err
		}
		r, err := fmp4.NewReader(io.NewSectionReader(seg, 0, seg.Size()))
		if err != nil {
			seg.Close()
			return nil, fmt.Errorf("segment %s: %w", s.ID, err)
		}
		return &stream{s: s, seg: seg, r: r}, nil
	}
	next := func(st *stream) (*fmp4.Fragment, time.Time, error) {
		f, err := st.r.Next()
		if err != nil {
			if err != io.EOF {
				err = fmt.Errorf("segment %s: %w", st.s.ID, err)
			}
			return nil, time.Time{}, err
		}
		if st.n == 0 {
			st.base = f.BaseDecodeTime
		}
		st.n++
		return f, st.s.Start.Add(fragTime(f.BaseDecodeTime-st.base, st.r.Init().Timescale)), nil
	}
	overlaps := func(at time.Time, f *fmp4.Fragment, ts uint32) bool {
		return at.Add(fragTime(f.Duration, ts)).After(from) && at.Before(to)
	}

	// 1. The start: the first keyframe fragment in the range, read as a stream.
	var (
		cur      *stream
		firstSeg int
		first    *fmp4.Fragment
		start    time.Time
	)
	reading.enter(true)
	for i := 0; i < len(segs) && first == nil; i++ {
		st, err := open(segs[i])
		if err != nil {
			reading.leave()
			return nil, err
		}
		for {
			f, at, err := next(st)
			if err == io.EOF {
				break
			}
			if err != nil {
				st.seg.Close()
				reading.leave()
				return nil, err
			}
			if f.Keyframe && overlaps(at, f, st.r.Init().Timescale) {
				cur, firstSeg, first, start = st, i, f, at
				break
			}
		}
		if first == nil {
			st.seg.Close()
		}
	}
	reading.leave()
	if first == nil {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "카메라 %s의 그 구간에 재생할 수 있는 영상이 없습니다", "no playable footage of camera %s in that period", camera)
	}
	defer func() { cur.seg.Close() }()
	in := cur.r.Init()
	ts := in.Timescale
	place := func(at time.Time) uint64 { return uint64(math.Round(at.Sub(start).Seconds() * float64(ts))) }

	// 2. The length: the last segment of the same format ends the clip where the catalog
	// says it ends.
	lastSeg := firstSeg
	for j := len(segs) - 1; j > firstSeg; j-- {
		jin, err := v.initOf(ctx, segs[j])
		if err != nil {
			return nil, err
		}
		if sameFormat(in, jin) && segs[j].End.After(start) {
			lastSeg = j
			break
		}
	}
	// Rounding each fragment's place to the timescale may move the last one by a tick;
	// the span allows a tenth of a second for it (it is the edit list's length).
	span := place(segs[lastSeg].End) + uint64(ts/10)

	// 3. Write: the first fragment at once, then the rest as it is read.
	cw, err := fmp4.NewClipWriter(w, in, first.PresentationOffset, span)
	if err != nil {
		return nil, err
	}
	info := &ClipInfo{From: start, Codec: in.Codec}
	var prevEnd uint64
	// emit writes f, which starts at at; false when the clip is complete.
	emit := func(f *fmp4.Fragment, at time.Time) (bool, error) {
		if !overlaps(at, f, ts) {
			return true, nil
		}
		b := place(at)
		if info.Fragments > 0 && b < prevEnd {
			b = prevEnd // rounding must not make fragments overlap
		}
		if b+f.Duration > span {
			return false, nil
		}
		if err := cw.Write(f, b); err != nil {
			return false, err
		}
		prevEnd = b + f.Duration
		info.Fragments++
		info.Bytes += int64(len(f.Raw))
		info.To = at.Add(fragTime(f.Duration, ts))
		return true, nil
	}
	info.Segments++
	if more, err := emit(first, start); err != nil || !more {
		return info, err
	}
	// The rest of the first segment: an ordinary read now that the first picture is out,
	// into memory as a whole read would be, so that no slot of the gate is held while a
	// slow viewer takes what is written.
	type placed struct {
		f  *fmp4.Fragment
		at time.Time
	}
	var rest []placed
	reading.enter(false)
	for {
		f, at, err := next(cur)
		if err == io.EOF {
			break
		}
		if err != nil {
			reading.leave()
			return nil, err
		}
		rest = append(rest, placed{f, at})
	}
	reading.leave()
	for _, p := range rest {
		if more, err := emit(p.f, p.at); err != nil || !more {
			return info, err
		}
	}
	rest = nil
	for i := firstSeg + 1; i <= lastSeg; i++ {
		seg, err := v.Open(ctx, segs[i])
		if err != nil {
			return nil, err
		}
		// A reused buffer: the segment's fragments are written (emit copies them out)
		// before the next segment is read into it.
		data, err := seg.readAllInto(segBuf(seg.Size()), false, false) // every chunk authenticated (readAll)
		seg.Close()
		if err != nil {
			return nil, err
		}
		more, err := func() (bool, error) {
			defer freeSegBuf(data)
			pin, frags, err := fmp4.Parse(data)
			if err != nil {
				return false, fmt.Errorf("segment %s: %w", segs[i].ID, err)
			}
			if !sameFormat(in, pin) {
				return false, nil // the camera's stream changed; the clip ends here
			}
			info.Segments++
			if len(frags) == 0 {
				return true, nil
			}
			base := frags[0].BaseDecodeTime
			for _, f := range frags {
				if more, err := emit(f, segs[i].Start.Add(fragTime(f.BaseDecodeTime-base, ts))); err != nil || !more {
					return false, err
				}
			}
			return true, nil
		}()
		if err != nil || !more {
			return info, err
		}
	}
	return info, nil
}
