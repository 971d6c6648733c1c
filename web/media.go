package web

import (
	"context"
	"io"
	"net/http"
	"slices"
	"time"

	"custodian"
	"custodian/auth"
)

// PlaybackWindow is the most footage one playback response carries; the player asks for
// the next window as it reaches the end.
const PlaybackWindow = 10 * time.Minute

// recheck ends ctx when the caller's session ends, its account is disabled or its grant
// for the action on camera goes (checked every few seconds): a long live stream stops at
// once when a person is transferred or retires.
func (s *Server) recheck(ctx context.Context, c *call, action auth.Action, camera string, every time.Duration) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		tk := time.NewTicker(every)
		defer tk.Stop()
		store := s.Console.Accounts.Store
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			now := s.Now()
			sess, err := store.Session(ctx, c.sess.ID)
			if err != nil || !sess.Ended.IsZero() || !now.Before(sess.Created.Add(SessionMax)) {
				return
			}
			acct, err := store.Account(ctx, c.acct.ID)
			if err != nil || !acct.Active() {
				return
			}
			grants, err := s.Console.Accounts.EffectiveGrants(ctx, acct, now)
			if err != nil {
				return
			}
			tg, err := s.cameraTarget(ctx, camera)
			if err != nil || !auth.Can(grants, action, tg, now) {
				return
			}
		}
	}()
	return ctx
}

// StreamRecheck is how often a running live stream re-checks its viewer's rights.
var StreamRecheck = 2 * time.Second

func (s *Server) mediaLive(w http.ResponseWriter, r *http.Request, c *call) {
	camera := r.PathValue("camera")
	tk, err := s.ticketFor(c, r.PathValue("ticket"), "live")
	if err == nil && !slices.Contains(tk.Cameras, camera) {
		err = custodian.Errorf(custodian.ENOTFOUND, "이 열람에 카메라 %s는 없습니다", "camera %s is not part of this viewing", camera)
	}
	if err == nil && s.Console.Live == nil {
		err = custodian.Errorf(custodian.ENOTFOUND, "이 서버에서는 녹화기가 실행 중이 아니어서 실시간 영상이 없습니다", "the recorder is not running on this server, so there is no live view")
	}
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	ctx := s.recheck(r.Context(), c, auth.FootageLive, camera, StreamRecheck)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	// A live stream outlasts the server's write timeout; each write instead has
	// LiveWriteTimeout, and the end of the viewing (rights withdrawn) interrupts a
	// blocked one.
	stop := context.AfterFunc(ctx, func() { rc.SetWriteDeadline(time.Now()) })
	defer stop()
	s.Console.Live.Stream(ctx, deadlineWriter{w, rc}, func() { rc.Flush() }, camera)
}

// LiveWriteTimeout bounds one write of a live stream: a viewer that reads nothing for
// this long is disconnected.
var LiveWriteTimeout = 30 * time.Second

type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	d.rc.SetWriteDeadline(time.Now().Add(LiveWriteTimeout))
	return d.w.Write(p)
}

func (s *Server) mediaPlayback(w http.ResponseWriter, r *http.Request, c *call) {
	camera := r.PathValue("camera")
	tk, err := s.ticketFor(c, r.PathValue("ticket"), "playback")
	if err == nil && !slices.Contains(tk.Cameras, camera) {
		err = custodian.Errorf(custodian.ENOTFOUND, "이 열람에 카메라 %s는 없습니다", "camera %s is not part of this viewing", camera)
	}
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	from := tk.From
	if q := r.URL.Query().Get("from"); q != "" {
		if from, err = time.Parse(time.RFC3339, q); err != nil {
			s.failFor(w, r, c, custodian.Errorf(custodian.EINVALID, "from=%q는 RFC 3339 시각이 아닙니다", "from=%q is not an RFC 3339 time", q))
			return
		}
	}
	if from.Before(tk.From) || !from.Before(tk.To) {
		s.failFor(w, r, c, custodian.Errorf(custodian.EINVALID, "from=%s는 이 열람의 범위(%s ~ %s) 밖입니다", "from=%s is outside this viewing (%s to %s)",
			from.In(custodian.KST).Format(time.DateTime), tk.From.In(custodian.KST).Format(time.DateTime), tk.To.In(custodian.KST).Format(time.DateTime)))
		return
	}
	// The window asked for: from, to ?to= (or PlaybackWindow), never past PlaybackWindow or
	// the opening's end. Only that window is served, and each one is logged as what it is:
	// the playback of that camera over that window, under the opening's purpose.
	to := minTime(from.Add(PlaybackWindow), tk.To)
	if q := r.URL.Query().Get("to"); q != "" {
		t, err := time.Parse(time.RFC3339, q)
		if err != nil || !t.After(from) {
			s.failFor(w, r, c, custodian.Errorf(custodian.EINVALID, "to=%q는 from 뒤의 RFC 3339 시각이어야 합니다", "to=%q must be an RFC 3339 time after from", q))
			return
		}
		to = minTime(to, t)
	}
	a := c.access(custodian.UsePlayback, []string{camera}, from, to, tk.Purpose, "view:"+tk.ID[:12], "window served (from the keyframe at or before its start)")
	if tk.Use != "" {
		a.Use, a.Request = tk.Use, tk.Request
	}
	o, err := s.door().Open(r.Context(), a)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	segs, err := o.Reader.Segments(r.Context(), camera, from, to)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	if len(segs) == 0 {
		s.failFor(w, r, c, custodian.Errorf(custodian.ENOTFOUND, "%s부터 10분 안에 영상이 없습니다", "there is no footage in the 10 minutes from %s", from.In(custodian.KST).Format(time.DateTime)))
		return
	}
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Cache-Control", "no-store")
	// Shown in the page's player, not offered as a file (saving footage is footage.export).
	w.Header().Set("Content-Disposition", "inline")
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Now().Add(5 * time.Minute))
	if _, err := o.Reader.Clip(r.Context(), &startWriter{w: w, rc: rc}, camera, from, to); err != nil {
		s.Logger.Warn("playback", "camera", camera, "err", err)
	}
}

// startWriter sends the response's headers with its first bytes.
type startWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	n  int64
}

func (sw *startWriter) Write(p []byte) (int, error) {
	n, err := sw.w.Write(p)
	sw.n += int64(n)
	return n, err
}
