package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"custodian"
	"custodian/camsim"
	"custodian/datadir"
	"custodian/live"
	"custodian/recorder"
)

func init() {
	register(3,
		&command{name: "cameras status", args: "[--json]", ko: "카메라별 녹화 상태 (serve가 기록한 것)", en: "each camera's recording health (as 'serve' reports it)", run: cmdCamerasStatus},
		&command{name: "camsim", args: "--file F [--cameras N] [--listen 127.0.0.1:8554]", ko: "영상 파일로 RTSP 카메라 N대를 흉내 냅니다 (데모·시험·벤치마크)", en: "simulate N RTSP cameras from a video file (demo, tests, benchmarks)", run: cmdCamsim},
	)
}

// StatusFile is where 'serve' writes the recorder's status, in the data directory.
const StatusFile = "run/recorder.json"

// OperationsLogFile is the operations log (JSON lines), in the data directory.
const OperationsLogFile = "logs/operations.log"

// recordOptions are serve's recording flags.
type recordOptions struct {
	on      bool
	segment time.Duration
	timeout time.Duration
	reload  time.Duration
	web     *webFlags // serve's TLS and metrics flags (nil for the demo's defaults)
}

func (a *app) recordFlags(fs *flag.FlagSet) *recordOptions {
	o := &recordOptions{}
	fs.BoolVar(&o.on, "record", true, "등록된 카메라 녹화 여부, --record=false로 끔 (record the enabled cameras)")
	fs.DurationVar(&o.segment, "segment", time.Minute, "세그먼트 목표 길이, 키프레임에서 자름 (target segment length, cut on keyframes)")
	fs.DurationVar(&o.timeout, "camera-timeout", 10*time.Second, "카메라 응답·프레임 대기 한도 (how long to wait for a camera's answer or frame)")
	fs.DurationVar(&o.reload, "camera-reload", 10*time.Second, "등록 정보의 카메라 변경 확인 주기 (how often the registry is read for camera changes)")
	return o
}

func (o *recordOptions) check(a *app) error {
	switch {
	case o.segment < time.Second || o.segment > custodian.MaxSegmentDuration/2:
		return a.usagef("--segment는 1초에서 %v 사이여야 합니다", "--segment must be between 1s and %v", custodian.MaxSegmentDuration/2)
	case o.timeout < time.Second:
		return a.usagef("--camera-timeout은 1초 이상이어야 합니다", "--camera-timeout must be at least 1s")
	case o.reload < time.Second:
		return a.usagef("--camera-reload는 1초 이상이어야 합니다", "--camera-reload must be at least 1s")
	}
	return nil
}

func (a *app) newRecorder(f *footage, o *recordOptions, ops *slog.Logger, hub *live.Hub) *recorder.Recorder {
	return recorder.New(recorder.Options{
		Store: recorder.VaultStore{V: f.v},
		Registry: func(ctx context.Context) (*custodian.Registry, error) {
			r, _, err := f.db.Registry(ctx)
			return r, err
		},
		Secret:     f.v.CameraSecretFor,
		Target:     o.segment,
		Timeout:    o.timeout,
		Reload:     o.reload,
		StatusFile: filepath.Join(a.dataPath, filepath.FromSlash(StatusFile)),
		Log:        ops,
		Live:       hub,
	})
}

// operationsLog returns the operations log: JSON lines in logs/operations.log beside text
// on standard error. Camera connects and disconnects, retention runs and failures go here;
// credentials never do.
func (a *app) operationsLog() (*slog.Logger, func(), error) {
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return nil, nil, err
	}
	path := d.File(OperationsLogFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, err
	}
	h := slog.NewMultiHandler(slog.NewJSONHandler(f, nil), slog.NewTextHandler(a.stderr, nil))
	l := slog.New(h)
	prev := slog.Default()
	slog.SetDefault(l)
	return l, func() { slog.SetDefault(prev); f.Close() }, nil
}

func cmdCamerasStatus(a *app, ctx context.Context, args []string) error {
	fs := a.flags("cameras status")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return err
	}
	rep, err := recorder.ReadStatus(d.File(StatusFile))
	if errors.Is(err, os.ErrNotExist) {
		return custodian.Errorf(custodian.ENOTFOUND, "녹화 상태가 없습니다: 'custodian serve'가 실행된 적이 없습니다", "no recorder status: 'custodian serve' has not run")
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(rep)
	}
	now := a.now()
	age, at := rep.Age(now).Round(time.Second), rep.Updated.In(custodian.KST).Format("2006-01-02 15:04:05")
	switch {
	case rep.Stale(now):
		fmt.Fprintf(a.stdout, "%s\n", a.msg(
			fmt.Sprintf("주의: 녹화 상태가 오래되었습니다 (마지막 보고 %s, %s 전): 녹화기가 실행 중이 아니거나 상태를 쓰지 못합니다 (운영 로그를 보십시오)", at, age),
			fmt.Sprintf("warning: the recorder status is stale (last report %s, %s ago): the recorder is not running or cannot write it (see the operations log)", at, age)))
	case rep.InPlace:
		fmt.Fprintf(a.stdout, "%s\n", a.msg(
			fmt.Sprintf("주의: 디스크가 가득 찼습니다: 상태를 제자리에 덮어쓰고 있습니다 (보고 %s, %s 전)", at, age),
			fmt.Sprintf("warning: the disk is full: the status is being written in place (report %s, %s ago)", at, age)))
	default:
		fmt.Fprintf(a.stdout, "%s\n", a.msg(fmt.Sprintf("보고 %s (%s 전)", at, age), fmt.Sprintf("report of %s (%s ago)", at, age)))
	}
	t := &textTable{header: []string{a.msg("카메라", "CAMERA"), a.msg("상태", "STATE"), a.msg("코덱", "CODEC"), "FPS", "KBIT/S",
		a.msg("마지막 프레임", "LAST FRAME"), a.msg("손실", "LOST"), a.msg("끊김", "GAPS"), a.msg("세그먼트", "SEGMENTS"), a.msg("사유", "REASON")}}
	recording := 0
	for _, s := range rep.Cameras {
		last := "-"
		if !s.LastFrame.IsZero() {
			last = s.LastFrame.In(custodian.KST).Format("15:04:05")
		}
		codec := s.Codec
		if s.Width > 0 {
			codec += fmt.Sprintf(" %dx%d", s.Width, s.Height)
		}
		reason := s.Reason
		if a.lang == "en" {
			reason = s.ReasonEn
		}
		t.add(s.Camera, a.stateText(s.State), codec, fmt.Sprintf("%.1f", s.FrameRate), fmt.Sprintf("%.0f", s.Bitrate/1000), last,
			strconv.FormatUint(s.Lost, 10), strconv.FormatUint(s.Gaps, 10), strconv.FormatUint(s.Segments, 10), reason)
		if s.State == recorder.StateRecording {
			recording++
		}
	}
	t.write(a.stdout)
	fmt.Fprintf(a.stdout, "%s\n", a.msg(fmt.Sprintf("카메라 %d대 중 %d대 녹화 중", len(rep.Cameras), recording),
		fmt.Sprintf("%d of %d cameras recording", recording, len(rep.Cameras))))
	return nil
}

func (a *app) stateText(s string) string {
	switch s {
	case recorder.StateRecording:
		return a.msg("녹화 중", "recording")
	case recorder.StateConnecting:
		return a.msg("연결 중", "connecting")
	case recorder.StateFailing:
		return a.msg("장애", "failing")
	case recorder.StateStopped:
		return a.msg("중지", "stopped")
	}
	return s
}

// DefaultCamsimListen is where camsim listens unless told otherwise: loopback only.
const DefaultCamsimListen = "127.0.0.1:8554"

func cmdCamsim(a *app, ctx context.Context, args []string) error {
	fs := a.flags("camsim")
	file := fs.String("file", "", "H.264/H.265 영상 파일 (video file)")
	n := fs.Int("cameras", 1, "카메라 수 (number of cameras)")
	listen := fs.String("listen", DefaultCamsimListen, "대기 주소 (listen address)")
	user := fs.String("user", "", "요구할 사용자 (require this user)")
	pwFile := fs.String("password-file", "", "요구할 비밀번호 파일 (require the password in this file)")
	faults := map[int]camsim.Fault{}
	fs.Func("fault", "카메라 N이 3초 뒤부터 오작동: N=garbage|stall|lie|cut|corrupt, 여러 번 가능 (camera N misbehaves after 3 s; repeatable)", func(v string) error {
		num, kind, ok := strings.Cut(v, "=")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 1 {
			return fmt.Errorf("want N=garbage|stall|lie|cut|corrupt, got %q", v)
		}
		f, err := camsim.ParseFault(kind)
		if err != nil {
			return err
		}
		faults[n] = f
		return nil
	})
	statsEvery := fs.Duration("stats-every", 0, "이 주기로 보낸 패킷·프레임 수를 출력 (print the packets and frames sent this often)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *file == "" {
		return a.usagef("--file이 필요합니다", "--file is required")
	}
	if *n < 1 || *n > 10000 {
		return a.usagef("--cameras는 1에서 10000 사이여야 합니다", "--cameras must be between 1 and 10000")
	}
	var password string
	if *pwFile != "" {
		var err error
		if password, err = readPassword(*pwFile); err != nil {
			return custodian.Errorf(custodian.EINVALID, "--password-file: %w", "--password-file: %w", err)
		}
	}
	srv, l, err := startCamsim(ctx, *file, *n, *listen, *user, password, a.stderr, faults)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("영상 %s: %s %dx%d, %v, %.0f kbit/s, 프레임 %d개", filepath.Base(*file), srv.Footage().Codec, srv.Footage().Width, srv.Footage().Height,
			srv.Footage().Duration().Round(100*time.Millisecond), srv.Footage().Bitrate()/1000, srv.Footage().Frames()),
		fmt.Sprintf("footage %s: %s %dx%d, %v, %.0f kbit/s, %d frames", filepath.Base(*file), srv.Footage().Codec, srv.Footage().Width, srv.Footage().Height,
			srv.Footage().Duration().Round(100*time.Millisecond), srv.Footage().Bitrate()/1000, srv.Footage().Frames())))
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("카메라 %d대: rtsp://%s/cam1 … cam%d (Ctrl-C로 종료)", *n, l.Addr(), *n),
		fmt.Sprintf("%d cameras: rtsp://%s/cam1 … cam%d (Ctrl-C to stop)", *n, l.Addr(), *n)))
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if *statsEvery > 0 {
		go func() {
			t := time.NewTicker(*statsEvery)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					fmt.Fprintf(a.stdout, "stats packets=%d frames=%d late=%d\n", srv.Sent.Load(), srv.Frames.Load(), srv.Late.Load())
				}
			}
		}()
	}
	err = srv.Serve(l)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// startCamsim loads the footage and listens; Serve is the caller's.
func startCamsim(ctx context.Context, file string, n int, listen, user, password string, logw io.Writer, faults map[int]camsim.Fault) (*camsim.Server, net.Listener, error) {
	footage, err := camsim.Load(ctx, file)
	if err != nil {
		return nil, nil, err
	}
	srv, err := camsim.NewServer(footage, camsim.Options{Cameras: n, User: user, Password: password, Spread: true, Faults: faults,
		Logf: func(format string, args ...any) { fmt.Fprintf(logw, "camsim: "+format+"\n", args...) }})
	if err != nil {
		return nil, nil, err
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, nil, custodian.Errorf(custodian.EINVALID, "%s에서 대기할 수 없습니다: %w", "cannot listen on %s: %w", listen, err)
	}
	return srv, l, nil
}
