package recorder

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"custodian"
	"custodian/live"
)

// Options configure a Recorder.
type Options struct {
	// Store receives the segments (VaultStore in production).
	Store Store
	// Registry returns the current registry: the cameras to record.
	Registry func(ctx context.Context) (*custodian.Registry, error)
	// Secret returns a camera's user and password for sending to origin, the
	// custodian.SourceOrigin of its source URL (custodian.ENOTFOUND when none is stored;
	// an error when the password was stored for another origin, which the camera's state
	// then shows): vault.CameraSecretFor.
	Secret func(ctx context.Context, camera, origin string) (user, password string, err error)
	// Target is the segment length to aim for (default 60 s); segments are cut on the
	// first keyframe at or after it.
	Target time.Duration
	// Timeout bounds connecting, every RTSP step and the wait for each frame (default
	// 10 s): a camera that sends nothing decodable for this long is failing.
	Timeout time.Duration
	// Reload is how often the registry is read for changed cameras (default 10 s).
	Reload time.Duration
	// StatusFile, if set, is rewritten (atomically) every StatusEvery with every camera's
	// Status as JSON, for 'custodian cameras status'.
	StatusFile  string
	StatusEvery time.Duration
	// Log is the operations log: connects, disconnects, failures (never credentials).
	Log *slog.Logger
	Now func() time.Time
	// NoJitter makes the first segment of a connection as long as the others (by default
	// it has a random length between Target/2 and Target, to spread the commits of cameras
	// that start together).
	NoJitter bool
	// MinBackoff and MaxBackoff bound the wait before reconnecting (default 1 s, 60 s).
	MinBackoff, MaxBackoff time.Duration
	// Live, if set, receives the recorded frames for the console's live view: a feed per
	// camera connection, which costs nothing while nobody watches.
	Live *live.Hub
}

// Recorder records every enabled camera of the registry around the clock, each in its own
// goroutine, reconnecting on failure; one camera's failure never disturbs the others.
type Recorder struct {
	opt Options

	mu      sync.Mutex
	workers map[string]*worker

	inPlaceLogged bool // the status file is being written in place (Run's goroutine only)
}

// New returns a recorder; Run starts it.
func New(opt Options) *Recorder {
	if opt.Target <= 0 {
		opt.Target = time.Minute
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.Reload <= 0 {
		opt.Reload = 10 * time.Second
	}
	if opt.StatusEvery <= 0 {
		opt.StatusEvery = 5 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = time.Second
	}
	if opt.MaxBackoff < opt.MinBackoff {
		opt.MaxBackoff = max(60*time.Second, opt.MinBackoff)
	}
	return &Recorder{opt: opt, workers: map[string]*worker{}}
}

// camConfig is what a camera's worker runs with; a change restarts the worker.
type camConfig struct {
	camera, group, class string
	ret                  custodian.Retention
	src                  custodian.Source
}

// Run records until ctx ends; it then commits the segments being written and returns.
func (r *Recorder) Run(ctx context.Context) error {
	reload := time.NewTicker(r.opt.Reload)
	defer reload.Stop()
	status := time.NewTicker(r.opt.StatusEvery)
	defer status.Stop()
	defer r.stopAll()
	for {
		if err := r.reconcile(ctx); err != nil && ctx.Err() == nil {
			r.opt.Log.Error("reading the cameras from the registry failed; recording continues as before", "err", err)
		}
		r.writeStatus()
		select {
		case <-ctx.Done():
			return nil
		case <-reload.C:
		case <-status.C:
		}
	}
}

// configs returns the enabled cameras of the registry.
func configs(reg *custodian.Registry) map[string]camConfig {
	x := reg.Index()
	out := map[string]camConfig{}
	cams, groups := x.Cameras()
	for i, c := range cams {
		if !c.Enabled || c.Source == nil {
			continue
		}
		g := x.FootageGroup(c.ID)
		if g == nil {
			continue
		}
		rc := x.RetentionClass(g.RetentionClass)
		if rc == nil {
			continue
		}
		out[c.ID] = camConfig{camera: c.ID, group: groups[i], class: rc.ID, ret: custodian.RetentionOf(rc), src: *c.Source}
	}
	return out
}

// reconcile starts, restarts and stops workers to match the registry.
func (r *Recorder) reconcile(ctx context.Context) error {
	reg, err := r.opt.Registry(ctx)
	if err != nil {
		if custodian.ErrorCode(err) == custodian.ENOTFOUND {
			reg = &custodian.Registry{} // nothing imported yet: nothing to record
		} else {
			return err
		}
	}
	want := configs(reg)
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, w := range r.workers {
		if c, ok := want[id]; !ok || c != w.cfg {
			w.stop()
			delete(r.workers, id)
			if !ok {
				r.opt.Log.Info("camera no longer recorded", "camera", id)
			}
		}
	}
	for id, c := range want {
		if _, ok := r.workers[id]; ok {
			continue
		}
		w := newWorker(r, c)
		wctx, cancel := context.WithCancel(ctx)
		w.cancel = cancel
		r.workers[id] = w
		go w.run(wctx)
	}
	return nil
}

func (r *Recorder) stopAll() {
	r.mu.Lock()
	ws := make([]*worker, 0, len(r.workers))
	for _, w := range r.workers {
		ws = append(ws, w)
	}
	r.mu.Unlock()
	for _, w := range ws {
		w.stop()
	}
	r.writeStatus()
}

// Status returns every recorded camera's status, by camera ID.
func (r *Recorder) Status() []Status {
	r.mu.Lock()
	out := make([]Status, 0, len(r.workers))
	for _, w := range r.workers {
		out = append(out, w.c.snapshot())
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.Camera, b.Camera) })
	return out
}

// Redact returns a source URL without user information, for logs and status.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	if u.User != nil {
		u.User = nil
	}
	return u.String()
}

// worker records one camera.
type worker struct {
	r      *Recorder
	cfg    camConfig
	c      *counters
	cancel context.CancelFunc
	done   chan struct{}
}

func newWorker(r *Recorder, cfg camConfig) *worker {
	return &worker{r: r, cfg: cfg, done: make(chan struct{}),
		c: newCounters(cfg.camera, cfg.group, Redact(cfg.src.URL), cfg.src.SourceKind(), r.opt.Now)}
}

// stop ends the worker and waits for its segment to be committed.
func (w *worker) stop() {
	w.cancel()
	<-w.done
}

// run connects, records, and reconnects with exponential backoff and jitter until ctx
// ends or the worker is stopped.
func (w *worker) run(ctx context.Context) {
	defer close(w.done)
	log := w.r.opt.Log.With("camera", w.cfg.camera, "source", Redact(w.cfg.src.URL))
	backoff := w.r.opt.MinBackoff
	for ctx.Err() == nil {
		w.c.setState(StateConnecting, nil)
		began := time.Now()
		var err error
		switch w.cfg.src.SourceKind() {
		case custodian.SourceFFmpeg:
			err = w.recordFFmpeg(ctx, log)
		default:
			err = w.recordRTSP(ctx, log)
		}
		if ctx.Err() != nil {
			break
		}
		if err == nil {
			err = custodian.Errorf(custodian.EUNAVAILABLE, "카메라가 스트림을 끝냈습니다", "the camera ended the stream")
		}
		reason := asError(err)
		w.c.setState(StateFailing, reason)
		w.c.add(&w.c.gaps, 1)
		log.Warn("camera disconnected", "err", reason.En, "retry_in", backoff.String())
		if time.Since(began) > 30*time.Second {
			backoff = w.r.opt.MinBackoff // it worked for a while: start over
		}
		// Full jitter in [backoff/2, backoff), so that cameras that failed together do
		// not reconnect together.
		wait := backoff/2 + time.Duration(rand.Int64N(int64(backoff/2)+1))
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		backoff = min(backoff*2, w.r.opt.MaxBackoff)
	}
	w.c.setState(StateStopped, nil)
}

// asError turns any error into a *custodian.Error for a status reason.
func asError(err error) *custodian.Error {
	var ce *custodian.Error
	if errors.As(err, &ce) {
		return ce
	}
	return custodian.Errorf(custodian.EINTERNAL, "%w", "%w", err)
}
