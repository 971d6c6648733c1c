package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/camsim"
	"custodian/internal/testmedia"
	"custodian/recorder"
	"custodian/sqlite"
)

// TestMain lets a test run this binary as the custodian command (for tests that kill it).
func TestMain(m *testing.M) {
	if os.Getenv("CUSTODIAN_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// startServe runs `custodian serve` as a child process (this test binary) and returns it
// once it listens.
func startServe(t *testing.T, data string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"--data", data, "serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "CUSTODIAN_TEST_MAIN=1", "USER=tester")
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "http://") {
		t.Fatalf("serve did not start: %q %v", line, err)
	}
	return cmd
}

// testCameras serves n simulated cameras of the test footage on loopback until the test
// ends.
func testCameras(t *testing.T, n int) net.Listener {
	t.Helper()
	testmedia.Need(t, "ffmpeg", "ffprobe")
	f, err := camsim.Load(context.Background(), testmedia.Path(t, testmedia.VtestH264))
	if err != nil {
		t.Fatal(err)
	}
	sim, err := camsim.NewServer(f, camsim.Options{Cameras: n})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go sim.Serve(l)
	t.Cleanup(func() { sim.Close() })
	return l
}

// TestServeRecordsAndSurvivesKill: serve records a simulated camera; killed with SIGKILL in
// the middle of a segment it loses at most that segment, the vault verifies, and a restart
// records on. Status, metrics and inspection report it.
func TestServeRecordsAndSurvivesKill(t *testing.T) {
	l := testCameras(t, 2)

	c := newCLI(t)
	c.now = time.Now() // the recorder's clock is the real one
	c.ok("init")
	c.ok("import", "../../examples/minimal.yaml")
	c.ok("cameras", "set-source", "door-1", fmt.Sprintf("rtsp://%s/cam1", l.Addr()), "--group", "entrance")
	c.ok("cameras", "set-source", "door-2", fmt.Sprintf("rtsp://%s/cam2", l.Addr()), "--group", "entrance")

	serve := startServe(t, c.data, "--segment", "2s")
	time.Sleep(7 * time.Second)
	killedAt := time.Now()
	serve.Process.Signal(syscall.SIGKILL)
	serve.Wait()

	segsBefore := segments(t, c.data, "door-1")
	if len(segsBefore) < 2 {
		t.Fatalf("%d segments before the kill, want at least 2", len(segsBefore))
	}
	// At most the segment being written is lost: a 2 s target cut on keyframes every 2 s
	// writes segments of 2-4 s.
	if lost := killedAt.Sub(segsBefore[len(segsBefore)-1].End); lost > 4500*time.Millisecond {
		t.Errorf("%v of footage before the kill is lost", lost)
	}

	// The restart recovers (the unfinished segment's intent is removed) and records on.
	serve = startServe(t, c.data, "--segment", "2s")
	time.Sleep(6 * time.Second)
	c.now = time.Now()
	var st recorder.StatusReport
	if err := json.Unmarshal([]byte(c.ok("cameras", "status", "--json")), &st); err != nil || len(st.Cameras) != 2 {
		t.Fatalf("cameras status: %v %+v", err, st)
	}
	for _, s := range st.Cameras {
		if s.State != recorder.StateRecording || s.Codec != "H264" || s.Width != 768 || s.FrameRate < 8 {
			t.Errorf("status: %+v", s)
		}
	}
	if out := c.ok("cameras", "status"); !strings.Contains(out, "녹화 중") || !strings.Contains(out, "door-1") {
		t.Errorf("cameras status:\n%s", out)
	}
	insp := c.ok("inspect", "--hours", "1", "--json", "--by", "관리책임자")
	var in custodian.Inspection
	if err := json.Unmarshal([]byte(insp), &in); err != nil || len(in.Cameras) != 2 || in.Inspector != "관리책임자" {
		t.Fatalf("inspect: %v\n%s", err, insp)
	}
	for _, ic := range in.Cameras {
		// An hour's coverage of a few seconds is not normal; the newest segment is intact.
		if ic.State != recorder.StateRecording || !ic.Intact || ic.Normal || len(ic.Problems) == 0 {
			t.Errorf("inspection: %+v", ic)
		}
	}
	if list := c.ok("inspect", "list"); !strings.Contains(list, "관리책임자") {
		t.Errorf("inspect list:\n%s", list)
	}
	serve.Process.Signal(syscall.SIGTERM)
	if err := serve.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	after := segments(t, c.data, "door-1")
	if len(after) < len(segsBefore)+2 {
		t.Errorf("%d segments after the restart, %d before", len(after), len(segsBefore))
	}
	// Everything stored verifies, and agrees with the access log.
	if out := c.ok("verify", "--level", "hash"); !strings.Contains(out, "이상 없음") {
		t.Errorf("verify:\n%s", out)
	}
	c.ok("audit", "verify")
	ops, err := os.ReadFile(filepath.Join(c.data, OperationsLogFile))
	if err != nil || !strings.Contains(string(ops), `"camera connected"`) || !strings.Contains(string(ops), `"camera":"door-1"`) {
		t.Errorf("operations log: %v\n%s", err, ops)
	}
}

func segments(t *testing.T, data, camera string) []custodian.Segment {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	segs, err := db.Segments(context.Background(), camera, time.Unix(0, 0), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var ok []custodian.Segment
	for _, s := range segs {
		if s.State == custodian.SegmentOK {
			ok = append(ok, s)
		}
	}
	return ok
}

// TestCamerasStatusAge: 'cameras status' says how old the report is, and warns when it is
// stale (three rewrite intervals) or written in place at a full disk.
func TestCamerasStatusAge(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	write := func(rep recorder.StatusReport) {
		b, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(c.data, filepath.FromSlash(StatusFile))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cams := []recorder.Status{{Camera: "door-1", State: recorder.StateRecording}}
	write(recorder.StatusReport{Updated: c.now.Add(-4 * time.Second), Every: 5, Cameras: cams})
	if out := c.ok("cameras", "status"); !strings.Contains(out, "4s 전") || strings.Contains(out, "주의") {
		t.Errorf("a fresh report:\n%s", out)
	}
	write(recorder.StatusReport{Updated: c.now.Add(-20 * time.Second), Every: 5, Cameras: cams})
	if out := c.ok("cameras", "status"); !strings.Contains(out, "주의: 녹화 상태가 오래되었습니다") || !strings.Contains(out, "20s 전") {
		t.Errorf("a report 20 s old, rewritten every 5 s, is not called stale:\n%s", out)
	}
	write(recorder.StatusReport{Updated: c.now.Add(-2 * time.Second), Every: 5, InPlace: true, Cameras: cams})
	if out := c.ok("cameras", "status"); !strings.Contains(out, "디스크가 가득 찼습니다") {
		t.Errorf("a report written in place at a full disk:\n%s", out)
	}
}

// TestCommandsBesideServe: CLI commands run beside a recording `serve` (as the README
// suggests) must not discard its segments in flight, and a second `serve` on the same data
// directory is refused, naming the PID of the first (issue 11, items 1 and 2).
func TestCommandsBesideServe(t *testing.T) {
	l := testCameras(t, 1)

	c := newCLI(t)
	c.now = time.Now()
	c.ok("init")
	c.ok("import", "../../examples/minimal.yaml")
	c.ok("cameras", "set-source", "door-1", fmt.Sprintf("rtsp://%s/cam1", l.Addr()), "--group", "entrance")
	serve := startServe(t, c.data, "--segment", "2s")
	time.Sleep(3 * time.Second)

	// A second server is refused at once, naming the first.
	second := exec.Command(os.Args[0], "--data", c.data, "serve", "--listen", "127.0.0.1:0", "--segment", "2s")
	second.Env = append(os.Environ(), "CUSTODIAN_TEST_MAIN=1", "USER=tester")
	var secondErr bytes.Buffer
	second.Stderr = &secondErr
	done := make(chan error, 1)
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- second.Wait() }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(secondErr.String(), fmt.Sprintf("PID %d", serve.Process.Pid)) {
			t.Fatalf("a second serve: %v\n%s", err, secondErr.String())
		}
	case <-time.After(20 * time.Second):
		second.Process.Kill()
		t.Fatal("a second serve on the same data directory was not refused")
	}

	// Commands beside the server, again and again while it records.
	from := time.Now().Add(-time.Hour).Format(time.RFC3339)
	for i := 0; i < 4; i++ {
		c.now = time.Now()
		c.ok("footage", "list", "--camera", "door-1")
		c.ok("inspect", "--hours", "1", "--by", "관리책임자")
		c.ok("holds", "add", "--camera", "door-1", "--from", from, "--to", time.Now().Format(time.RFC3339), "--reason", "곁에서 실행")
		c.ok("verify", "--level", "size")
		time.Sleep(time.Second)
	}
	time.Sleep(2 * time.Second)
	serve.Process.Signal(syscall.SIGTERM)
	if err := serve.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	// Nothing was discarded, and the footage is continuous.
	var discards []string
	if err := auditlog.Scan(context.Background(), filepath.Join(c.data, auditDir), auditlog.Filter{ActionPrefix: "segment.discard"}, func(e auditlog.Event) error {
		discards = append(discards, e.Actor+": "+e.Detail)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(discards) > 0 {
		t.Fatalf("segments discarded while serve ran: %v", discards)
	}
	segs := segments(t, c.data, "door-1")
	if len(segs) < 3 {
		t.Fatalf("%d segments", len(segs))
	}
	for i := 1; i < len(segs); i++ {
		if gap := segs[i].Start.Sub(segs[i-1].End); gap > time.Second {
			t.Errorf("a gap of %v before segment %d", gap, i)
		}
	}
	if out := c.ok("verify", "--level", "hash"); !strings.Contains(out, "이상 없음") {
		t.Errorf("verify:\n%s", out)
	}
}
