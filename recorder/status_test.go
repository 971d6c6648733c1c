package recorder

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const statusDiskEnv = "CUSTODIAN_RECORDER_FULLDISK_CHILD"

// TestStatusFileFullDisk runs TestStatusFileFullDiskChild in a mount namespace of its own
// on a 1 MiB tmpfs (unshare -rm, no privileges needed), so that the disk really fills up.
func TestStatusFileFullDisk(t *testing.T) {
	if os.Getenv(statusDiskEnv) != "" {
		return
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare (util-linux) is needed for the full-disk test")
	}
	mnt := t.TempDir()
	script := fmt.Sprintf("mount -t tmpfs -o size=1m tmpfs %q && exec %q -test.run=^TestStatusFileFullDiskChild$ -test.count=1 -test.v", mnt, os.Args[0])
	cmd := exec.Command("unshare", "-rm", "--propagation", "private", "sh", "-c", script)
	cmd.Env = append(os.Environ(), statusDiskEnv+"="+mnt)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "STATUS-FULLDISK-OK") {
		t.Fatalf("full-disk child failed: %v\n%s", err, out)
	}
}

// TestStatusFileFullDiskChild: once the disk is full, the status file still follows the
// recorder (rewritten in place, saying so), and no temporary file is left behind.
func TestStatusFileFullDiskChild(t *testing.T) {
	mnt := os.Getenv(statusDiskEnv)
	if mnt == "" {
		return
	}
	path := filepath.Join(mnt, "run", "recorder.json")
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var logged strings.Builder
	r := New(Options{StatusFile: path, Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(&logged, nil))})
	addCams := func(from, to int) {
		for i := from; i < to; i++ {
			id := fmt.Sprintf("cam-%02d", i)
			r.workers[id] = &worker{c: newCounters(id, "g", "rtsp://10.0.0.1/"+id, "rtsp", r.opt.Now)}
		}
	}
	addCams(0, 2)
	r.writeStatus()
	if rep, err := ReadStatus(path); err != nil || len(rep.Cameras) != 2 || rep.InPlace {
		t.Fatalf("first report: %+v %v", rep, err)
	}
	// Fill the disk.
	fill, err := os.Create(filepath.Join(mnt, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		if _, err := fill.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	fill.Close()
	// The recorder moves on: more cameras, counters, time.
	addCams(2, 10)
	r.workers["cam-01"].c.frames.Add(12345)
	now = now.Add(5 * time.Second)
	r.writeStatus()
	rep, err := ReadStatus(path)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Updated.Equal(now) || len(rep.Cameras) != 10 || rep.Cameras[1].Frames != 12345 || !rep.InPlace {
		t.Errorf("at a full disk the status file is stale: updated %v (want %v), %d cameras, in place %v", rep.Updated, now, len(rep.Cameras), rep.InPlace)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a temporary status file was left behind: %v", err)
	}
	if !strings.Contains(logged.String(), "in place") {
		t.Errorf("the operations log does not say the status is written in place:\n%s", logged.String())
	}
	// Space again: the file is replaced whole, and says it is no longer written in place.
	os.Remove(filepath.Join(mnt, "fill"))
	now = now.Add(5 * time.Second)
	r.writeStatus()
	if rep, err := ReadStatus(path); err != nil || rep.InPlace || !rep.Updated.Equal(now) {
		t.Errorf("after space was freed: %+v %v", rep, err)
	}
	fmt.Println("STATUS-FULLDISK-OK")
}

// TestStatusFileNoTempLeft: a failed write leaves no temporary file (here the directory
// cannot take the rename: the status path is a directory).
func TestStatusFileNoTempLeft(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "recorder.json")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	r := New(Options{StatusFile: path, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	r.writeStatus()
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a temporary status file was left behind: %v", err)
	}
}

func TestStatusStale(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	rep := &StatusReport{Updated: t0, Every: 5}
	if rep.Stale(t0.Add(14 * time.Second)) {
		t.Error("a report 14 s old, rewritten every 5 s, is stale")
	}
	if !rep.Stale(t0.Add(16 * time.Second)) {
		t.Error("a report 16 s old, rewritten every 5 s, is not stale")
	}
	old := &StatusReport{Updated: t0} // written by a version that did not say its interval
	if old.Stale(t0.Add(59*time.Second)) || !old.Stale(t0.Add(61*time.Second)) {
		t.Error("a report without an interval is stale after a minute")
	}
}
