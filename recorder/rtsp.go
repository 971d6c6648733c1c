package recorder

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"custodian"
	"custodian/codec"
	"custodian/cutter"
	"custodian/live"
	"custodian/rtsp"
)

// credentials returns the camera's stored user and password ("" when none). The password
// is given only for the origin (scheme://host:port) it was stored for: a source moved to
// another host gets an error saying so, never the password.
func (w *worker) credentials(ctx context.Context) (string, string, error) {
	if w.r.opt.Secret == nil {
		return w.cfg.src.User, "", nil
	}
	user, password, err := w.r.opt.Secret(ctx, w.cfg.camera, custodian.SourceOrigin(w.cfg.src.URL))
	if custodian.ErrorCode(err) == custodian.ENOTFOUND {
		return w.cfg.src.User, "", nil
	}
	if err != nil {
		return "", "", err
	}
	if w.cfg.src.User != "" {
		user = w.cfg.src.User
	}
	return user, password, nil
}

// recordRTSP records one RTSP connection until it fails or ctx ends; the segment being
// written is committed either way.
func (w *worker) recordRTSP(ctx context.Context, log *slog.Logger) (err error) {
	user, password, err := w.credentials(ctx)
	if err != nil {
		return err
	}
	timeout := w.r.opt.Timeout
	cl, err := rtsp.Dial(ctx, w.cfg.src.URL, rtsp.ClientConfig{User: user, Password: password, Timeout: timeout,
		Transport: w.cfg.src.Transport, AllowBasic: w.cfg.src.AllowBasicAuth})
	if err != nil {
		return err
	}
	// Ending ctx tears the session down and closes the connection, which ends the read
	// loop below.
	stopClose := context.AfterFunc(ctx, func() { cl.Stop() })
	defer stopClose()
	defer cl.Close()

	desc, err := cl.Describe(ctx)
	if err != nil {
		return err
	}
	var video *rtsp.Media
	var offered []string
	audio := false
	for i, m := range desc.Medias {
		offered = append(offered, m.Type+"/"+m.Codec)
		switch {
		case m.Type == "audio":
			audio = true
		case m.Type == "video" && video == nil && (m.Codec == "H264" || m.Codec == "H265"):
			video = &desc.Medias[i]
		}
	}
	if audio {
		// Never set up (PIPA Art. 25(5)); said once in the status.
		w.c.setFormat("", 0, 0, true)
		w.c.note("audio", "카메라가 음성 트랙을 제공하지만 녹음하지 않습니다 (개인정보 보호법 제25조제5항) / the camera offers an audio track; it is never recorded (PIPA Art. 25(5))")
	}
	if video == nil {
		return custodian.Errorf(custodian.EINVALID,
			"H.264나 H.265 영상 트랙이 없습니다 (제공: %s): 다른 코덱이라면 ffmpeg 출처(transcode)를 쓰십시오",
			"no H.264 or H.265 video track (offered: %s): for another codec use an ffmpeg source with transcode",
			strings.Join(offered, ", "))
	}
	p, err := newParams(video.Codec, video.FMTP)
	if err != nil {
		return err
	}
	ch, err := cl.Setup(ctx, *video)
	if err != nil {
		return err
	}
	if _, err := cl.Play(ctx); err != nil {
		return err
	}
	w.c.add(&w.c.conns, 1)
	log.Info("camera connected", "codec", video.Codec)

	s := &rtpSession{w: w, p: p, pt: video.PayloadType, dep: p.newDepacketizer(), tl: cutter.NewTimeline(video.ClockRate), timeout: timeout}
	s.seg = newSegmenter(w.r.opt.Store, w.cfg.camera, w.cfg.class, w.cfg.ret, w.r.opt.Target, s.tl, w.c, !w.r.opt.NoJitter)
	if hub := w.r.opt.Live; hub != nil {
		// The live view is a tee of the frames kept for the segments.
		s.feed = hub.Open(w.cfg.camera)
		defer s.feed.Close() // after the segment is closed (deferred below)
	}
	defer func() {
		if cerr := s.seg.close(context.WithoutCancel(ctx)); cerr != nil && err == nil && ctx.Err() == nil {
			err = cerr
		}
		s.account()
	}()
	connected := time.Now()
	s.lastFrame = connected
	for {
		chn, data, err := cl.ReadPacket()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		switch chn {
		case ch:
			if err := s.packet(ctx, data); err != nil {
				return err
			}
		case ch + 1:
			s.rtcp(data, time.Now())
		}
		// The clock is read once per frame (in packet), and here every 64 packets for the
		// watchdog: a camera sending packets that never make a frame.
		if s.sinceCheck++; s.sinceCheck >= 64 {
			s.sinceCheck = 0
			if time.Since(s.lastFrame) > timeout {
				st := s.dep.Stats()
				return custodian.Errorf(custodian.EUNAVAILABLE,
					"%v 동안 재생할 수 있는 프레임이 없습니다 (RTP 패킷 %d개, 잘못된 패킷 %d개)",
					"no decodable frame for %v (%d RTP packets, %d invalid)", timeout, st.Packets, st.Invalid)
			}
		}
	}
}

// rtpSession is the state of one connection's video.
type rtpSession struct {
	w          *worker
	p          params
	pt         uint8 // the video's RTP payload type
	dep        codec.Depacketizer
	tl         *cutter.Timeline
	seg        *segmenter
	timeout    time.Duration
	pkt        rtp.Packet
	lastFrame  time.Time
	accounted  codec.Stats
	recording  bool
	sinceCheck int
	feed       *live.Feed // the live view's feed (nil: none)
	broken     bool       // a frame was undecodable: inter frames are dropped until a good keyframe
}

// account adds the depacketizer's counts to the camera's.
func (s *rtpSession) account() {
	st := s.dep.Stats()
	c := s.w.c
	c.add(&c.packets, st.Packets-s.accounted.Packets)
	c.add(&c.lost, st.Lost-s.accounted.Lost)
	c.add(&c.dropped, st.Dropped-s.accounted.Dropped)
	s.accounted = st
}

func (s *rtpSession) packet(ctx context.Context, data []byte) error {
	if err := s.pkt.Unmarshal(data); err != nil {
		return nil // counted by nothing else: a malformed RTP header is skipped
	}
	if s.pkt.PayloadType != s.pt {
		return nil // not the video's payload type (a camera multiplexing something else)
	}
	lost := s.dep.Stats().Lost
	units, perr := s.dep.Push(&s.pkt) // malformed payloads are counted by the depacketizer
	if s.dep.Stats().Lost != lost {
		s.p.resync() // a lost picture: the next one's frame_num may skip
	}
	var arrival time.Time
	if len(units) > 0 {
		arrival = time.Now() // the arrival of a frame is that of its last packet
	}
	for _, au := range units {
		if err := s.frame(ctx, au, arrival); err != nil {
			return err
		}
	}
	if perr != nil {
		// A malformed packet (after the units it completed): its unit was dropped, and
		// the frames that refer to it cannot be decoded.
		if err := s.undecodable(ctx, perr, 1); err != nil {
			return err
		}
	}
	if s.dep.Stats().Packets-s.accounted.Packets >= 256 {
		s.account()
	}
	return nil
}

func (s *rtpSession) frame(ctx context.Context, au codec.AccessUnit, arrival time.Time) error {
	prev := s.tl.Last()
	ext := s.tl.Extend(au.RTPTime)
	if reason := s.gate(au.NALUs, au.Key); reason != nil {
		return s.undecodable(ctx, reason, 1)
	}
	s.p.observe(au.NALUs)
	if reason := s.tl.JumpReason(prev, ext, arrival); reason != "" {
		s.w.c.add(&s.w.c.jumps, 1)
		s.w.c.add(&s.w.c.gaps, 1)
		s.w.c.note("jump", "타임스탬프 불연속 / timestamp discontinuity: "+reason)
		if err := s.seg.close(ctx); err != nil {
			return err
		}
		if s.feed != nil {
			s.feed.Discontinuity()
		}
		s.tl.Unanchor()
	}
	if !s.tl.Anchored() {
		if !au.Key {
			s.w.c.add(&s.w.c.waiting, 1)
			return nil
		}
		s.tl.Anchor(ext, arrival)
	}
	s.tl.Observe(ext, arrival)
	init, track, err := s.p.init()
	if err != nil {
		return err
	}
	if init == nil {
		// No parameter sets yet (neither in the SDP nor in band).
		s.w.c.add(&s.w.c.waiting, 1)
		return nil
	}
	size := 0
	for _, n := range au.NALUs {
		size += len(n)
	}
	kept, err := s.seg.add(ctx, frame{nalus: au.NALUs, pts: ext, key: au.Key, arrival: arrival}, init)
	if err != nil {
		return err
	}
	if kept && s.feed != nil {
		s.feed.Frame(init, track, au.NALUs, ext, au.Key)
	}
	if s.seg.active() {
		s.lastFrame = arrival
		s.w.c.frame(arrival, size)
		if !s.recording {
			s.recording = true
			s.w.c.setFormat(s.p.codecName(), int(track.Width), int(track.Height), false)
			s.w.c.setState(StateRecording, nil)
		}
	}
	return nil
}

// rtcp reads sender reports: the camera's clock against the server's (status only;
// footage time is the server's, docs/design/time.md).
func (s *rtpSession) rtcp(data []byte, arrival time.Time) {
	pkts, err := rtcp.Unmarshal(data)
	if err != nil {
		return
	}
	for _, p := range pkts {
		sr, ok := p.(*rtcp.SenderReport)
		if !ok {
			continue
		}
		secs := int64(sr.NTPTime>>32) - 2208988800 // NTP epoch 1900 → Unix
		frac := int64(sr.NTPTime&0xffffffff) * int64(time.Second) >> 32
		camera := time.Unix(secs, frac)
		s.w.c.setClockOffset(camera.Sub(arrival))
	}
}
