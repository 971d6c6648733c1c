package recorder

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"sync/atomic"
	"time"

	"custodian"
	"custodian/cutter"
	"custodian/ffmpeg"
	"custodian/fmp4"
	"custodian/live"
)

// recordFFmpeg records a source through an ffmpeg process (docs/design/recording.md,
// "Fallback"): ffmpeg copies (or, with transcode, encodes) the video into a fragmented MP4
// on a pipe, with a fragment per keyframe; the fragments are cut into segments on
// keyframes at the target duration and encrypted into the vault as they arrive. Nothing
// is written to disk in the clear.
//
// Where segments are cut, and their wall time, is the one cutter's (cutter.NewLive, the
// rules and the timeline of the RTSP path): the arrival of a run's first keyframe
// fragment, less its duration, anchors the stream's decode times; a jump in them ends the
// segment and anchors a new run on the next keyframe (docs/design/time.md).
func (w *worker) recordFFmpeg(ctx context.Context, log *slog.Logger) (err error) {
	input := w.cfg.src.URL
	if err := checkFFmpegSource(ctx, input); err != nil {
		return err
	}
	user, password, err := w.credentials(ctx)
	if err != nil {
		return err
	}
	if user != "" {
		// ffmpeg takes credentials only in the URL, which ffmpeg.Live keeps off its
		// command line (a script on a pipe): never logged.
		if u, perr := url.Parse(input); perr == nil && u.Scheme != "" && u.Scheme != "file" {
			if password != "" {
				u.User = url.UserPassword(user, password)
			} else {
				u.User = url.User(user)
			}
			input = u.String()
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timeout := w.r.opt.Timeout
	realtime := isFile(input) // a file is played in real time, looping is the caller's
	out, err := ffmpeg.Live(ctx, input, w.cfg.src.Transport, timeout, realtime, w.cfg.src.Transcode)
	if err != nil {
		return err
	}
	defer out.Close()
	// A watchdog: no bytes from ffmpeg for the timeout kills it.
	cr := &countingReader{r: out}
	go func() {
		t := time.NewTicker(timeout / 4)
		defer t.Stop()
		last := int64(0)
		idle := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if n := cr.n.Load(); n != last {
					last, idle = n, time.Now()
				} else if time.Since(idle) > timeout {
					cr.stalled.Store(true)
					cancel()
					return
				}
			}
		}
	}()
	rd, err := fmp4.NewReader(cr)
	if err != nil {
		if cr.stalled.Load() {
			return errStalled(timeout)
		}
		return err
	}
	in := rd.Init()
	var feed *live.Feed
	if hub := w.r.opt.Live; hub != nil {
		feed = hub.Open(w.cfg.camera)
		defer feed.Close()
	}
	w.c.add(&w.c.conns, 1)
	w.c.setFormat(in.Codec, int(in.Width), int(in.Height), false)
	log.Info("camera connected", "via", "ffmpeg", "codec", in.Codec)
	if in.Timescale == 0 {
		return custodian.Errorf(custodian.EINVALID, "ffmpeg가 보낸 트랙의 timescale이 0입니다", "ffmpeg's track has a timescale of 0")
	}
	// The one cutter (package cutter): the rules and the timeline the RTSP path uses.
	c := cutter.New(cutter.Config{
		Create: func(ctx context.Context, start time.Time) (cutter.Writer, error) {
			return w.r.opt.Store.Create(ctx, w.cfg.camera, start, w.cfg.class, w.cfg.ret)
		},
		Timeline: cutter.NewTimeline(in.Timescale), Target: w.r.opt.Target, Jitter: !w.r.opt.NoJitter,
		Committed: w.c.segment, Note: w.c.note,
	})
	frags := cutter.NewLive(c, in)
	waiting := 0
	defer func() {
		w.c.add(&w.c.waiting, uint64(frags.Waiting-waiting))
		if cerr := frags.Close(ctx); cerr != nil && err == nil {
			err = cerr
		}
	}()
	for {
		f, err := rd.Next()
		if ctx.Err() != nil {
			if cr.stalled.Load() {
				return errStalled(timeout)
			}
			return nil
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		arrival := time.Now()
		o, err := frags.Add(ctx, f, arrival)
		if err != nil {
			return err
		}
		w.c.add(&w.c.waiting, uint64(frags.Waiting-waiting))
		waiting = frags.Waiting
		if o.Jump != "" {
			w.c.add(&w.c.jumps, 1)
			w.c.add(&w.c.gaps, 1)
			w.c.note("jump", "타임스탬프 불연속 / timestamp discontinuity: "+o.Jump)
			if feed != nil {
				feed.Discontinuity()
			}
		}
		if !o.Stored() {
			continue
		}
		if o.Action != cutter.Keep {
			w.c.setState(StateRecording, nil)
		}
		if feed != nil {
			feed.Fragment(in, f)
		}
		w.c.add(&w.c.bytes, uint64(len(f.Raw)))
		w.c.add(&w.c.frames, uint64(f.Samples))
		w.c.videoBytes.Add(uint64(len(f.Raw)))
		w.c.mu.Lock()
		w.c.st.LastFrame = arrival
		w.c.mu.Unlock()
	}
}

// checkFFmpegSource checks an ffmpeg source again before ffmpeg is started (the registry
// checks it when saved): a network URL of custodian.FFmpegSchemes whose host is not a
// link-local or metadata address, nor a name that resolves to one.
func checkFFmpegSource(ctx context.Context, raw string) error {
	if e, ok := custodian.CheckSourceURL(custodian.SourceFFmpeg, raw); !ok {
		return e
	}
	u, err := url.Parse(raw)
	if err != nil {
		return custodian.Errorf(custodian.EINVALID, "URL을 읽을 수 없습니다", "the URL cannot be parsed")
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return nil // an address: checked above
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return custodian.Errorf(custodian.EUNAVAILABLE, "호스트 %s를 찾을 수 없습니다: %w", "cannot resolve the host %s: %w", host, err)
	}
	for _, a := range addrs {
		if e := custodian.CheckSourceIP(a); e != nil {
			return custodian.Errorf(custodian.EINVALID, "호스트 %s(%s): %s", "the host %s (%s): %s", host, a, e.En)
		}
	}
	return nil
}

func errStalled(d time.Duration) error {
	return custodian.Errorf(custodian.EUNAVAILABLE, "ffmpeg가 %v 동안 영상을 보내지 않았습니다", "ffmpeg sent no video for %v", d)
}

func isFile(input string) bool {
	u, err := url.Parse(input)
	return err != nil || u.Scheme == "" || u.Scheme == "file"
}

type countingReader struct {
	r       io.Reader
	n       atomic.Int64
	stalled atomic.Bool
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}
