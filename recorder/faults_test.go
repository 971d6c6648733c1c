package recorder_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/camsim"
	"custodian/internal/testmedia"
	"custodian/recorder"
)

// TestFaultyCameras records four misbehaving cameras beside a good one: each faulty camera
// ends up failing with a reason (or counted jumps), nothing panics, and the good camera's
// footage is whole.
func TestFaultyCameras(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	e := newEnv(t)
	f, err := camsim.Load(context.Background(), shortFile(t, testmedia.VtestH264, 10))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := camsim.NewServer(f, camsim.Options{Cameras: 5, FaultAfter: 2 * time.Second, Faults: map[int]camsim.Fault{
		2: camsim.FaultGarbage, 3: camsim.FaultStall, 4: camsim.FaultLie, 5: camsim.FaultCut,
	}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	u := "rtsp://" + l.Addr().String()
	e.cameras(map[string]string{"good": u + "/cam1", "garbage": u + "/cam2", "stall": u + "/cam3", "lie": u + "/cam4", "cut": u + "/cam5"})
	began := time.Now()
	// Long enough for the stall and garbage cameras to pass the 3 s timeout after the
	// fault and to be retried.
	st := e.record(12*time.Second, recorder.Options{Timeout: 3 * time.Second})
	stop := time.Now()
	by := map[string]recorder.Status{}
	for _, s := range st {
		by[s.Camera] = s
	}
	if s := by["good"]; s.State != recorder.StateRecording || s.Lost != 0 || s.Jumps != 0 {
		t.Errorf("the good camera: %+v", s)
	}
	for _, cam := range []string{"garbage", "stall", "cut"} {
		s := by[cam]
		// Failing now, or reconnected after failing (it fails again 2 s later).
		if s.Gaps == 0 {
			t.Errorf("%s: no interruption counted: %+v", cam, s)
		}
		if s.State == recorder.StateFailing && s.Reason == "" {
			t.Errorf("%s: failing without a reason", cam)
		}
	}
	if s := by["cut"]; s.Reconnect < 2 {
		t.Errorf("cut: %d connections, want a reconnect", s.Reconnect)
	}
	if s := by["lie"]; s.Jumps == 0 {
		t.Errorf("lie: no timestamp jump counted: %+v", s)
	}
	log := e.log.String()
	for _, want := range []string{"camera disconnected", "camera=stall", "camera=garbage"} {
		if !strings.Contains(log, want) {
			t.Errorf("the operations log lacks %q:\n%s", want, log)
		}
	}
	// The good camera's footage is whole.
	e.checkFootage("good", began, stop, 5*time.Second, 10, "h264")
	// The faulty cameras stored what they sent before their faults, and it decodes.
	for _, cam := range []string{"stall", "cut", "garbage"} {
		segs, err := e.v.Find(e.ctx, cam, began.Add(-time.Minute), time.Now().Add(time.Minute))
		if err != nil || len(segs) == 0 {
			t.Errorf("%s: no footage from before the fault: %v", cam, err)
		}
	}
}

// TestWrongPassword: a camera that wants a password not given fails with the reason, and
// the password never appears in the status or the log.
func TestCredentials(t *testing.T) {
	e := newEnv(t)
	_, addr := startCamsim(t, shortFile(t, testmedia.VtestH264, 6), 2, "admin", "right-pässword")
	e.cameras(map[string]string{"ok": "rtsp://" + addr + "/cam1", "bad": "rtsp://" + addr + "/cam2"})
	if err := e.v.SetCameraSecret(e.ctx, "ok", "admin", custodian.SourceOrigin("rtsp://"+addr), "right-pässword"); err != nil {
		t.Fatal(err)
	}
	if err := e.v.SetCameraSecret(e.ctx, "bad", "admin", custodian.SourceOrigin("rtsp://"+addr), "wrong-password"); err != nil {
		t.Fatal(err)
	}
	st := e.record(6*time.Second, recorder.Options{})
	by := map[string]recorder.Status{}
	for _, s := range st {
		by[s.Camera] = s
	}
	if by["ok"].State != recorder.StateRecording {
		t.Errorf("ok: %+v", by["ok"])
	}
	if by["bad"].State != recorder.StateFailing || !strings.Contains(by["bad"].ReasonEn, "401") && !strings.Contains(strings.ToLower(by["bad"].ReasonEn), "auth") {
		t.Errorf("bad: %+v", by["bad"])
	}
	for _, s := range st {
		for _, secret := range []string{"right-pässword", "wrong-password"} {
			if strings.Contains(s.Reason+s.ReasonEn+s.Source, secret) {
				t.Errorf("a password in the status: %+v", s)
			}
		}
	}
	if strings.Contains(e.log.String(), "password") && (strings.Contains(e.log.String(), "right-pässword") || strings.Contains(e.log.String(), "wrong-password")) {
		t.Error("a password in the operations log")
	}
}

// TestAudioNeverRecorded: a camera that offers an audio track is recorded without it (the
// simulator refuses a second SETUP, so setting audio up would fail the recording), and its
// status says, once, that audio was offered (PIPA Art. 25(5)).
func TestAudioNeverRecorded(t *testing.T) {
	e := newEnv(t)
	f, err := camsim.Load(context.Background(), shortFile(t, testmedia.VtestH264, 6))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := camsim.NewServer(f, camsim.Options{Cameras: 1, OfferAudio: true})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	e.cameras(map[string]string{"with-audio": "rtsp://" + l.Addr().String() + "/cam1"})
	st := e.record(5*time.Second, recorder.Options{})
	if len(st) != 1 || st[0].State != recorder.StateRecording || !st[0].AudioOffered || len(st[0].Notes) != 1 || !strings.Contains(st[0].Notes[0], "25(5)") {
		t.Fatalf("status: %+v", st)
	}
}
