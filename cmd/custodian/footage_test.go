package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"custodian/internal/testmedia"
	"custodian/sqlite"
)

// probe returns ffprobe's codec name and duration of a file, and checks that ffmpeg decodes
// it without an error.
func probe(t *testing.T, path string) (string, float64) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p struct {
		Streams []struct {
			Codec string `json:"codec_name"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) != 1 {
		t.Fatalf("ffprobe output %s: %v", out, err)
	}
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	if msg, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil || len(strings.TrimSpace(string(msg))) > 0 {
		t.Fatalf("ffmpeg decoding %s: %v %s", path, err, msg)
	}
	return p.Streams[0].Codec, d
}

func TestFootageEndToEnd(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	h264 := testmedia.Path(t, testmedia.VtestH264)
	h265 := testmedia.Path(t, testmedia.VtestH265)
	c := newCLI(t) // 2026-11-22 10:00 KST
	c.ok("init")
	c.ok("import", example003)
	dir := t.TempDir()

	out := c.ok("ingest-file", "--camera", "ulsan-parking", "--start", "2026-11-22T09:00:00+09:00", h264)
	if !strings.Contains(out, "세그먼트 2개") || !strings.Contains(out, "avc1") {
		t.Fatalf("ingest: %s", out)
	}
	c.ok("ingest-file", "--camera", "ulsan-lobby-1f", "--start", "2026-11-22 09:00", h265)
	if st := c.ok("--lang", "en", "footage", "status"); !strings.Contains(st, "ulsan-parking") || !strings.Contains(st, "RETENTION CLASS") || !strings.Contains(st, "ulsan ") {
		t.Fatalf("footage status:\n%s", st)
	}

	// Bad input changes nothing.
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("이것은 영상이 아닙니다\n"), 0o644)
	for _, bad := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"ingest-file", "--camera", "ulsan-parking", "--start", "2026-11-22T09:00:30+09:00", h264}, 1, "already has footage"},
		{[]string{"ingest-file", "--camera", "ulsan-parking", "--start", "2026-11-21T09:00:00+09:00", text}, 1, text},
		{[]string{"ingest-file", "--camera", "nowhere", "--start", "2026-11-21T09:00:00+09:00", h264}, 1, "nowhere"},
		{[]string{"ingest-file", "--camera", "ulsan-parking", "--start", "yesterday", h264}, 2, "not a time"},
		{[]string{"ingest-file", "--camera", "ulsan-parking", "--start", "2026-10-01T09:00:00+09:00", h264}, 1, "retention period ended"},
		{[]string{"clip", "--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:01", "-o", filepath.Join(dir, "x.mp4")}, 2, "--purpose"},
		{[]string{"clip", "--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 08:00", "--purpose", "other", "--purpose-text", "확인 목적", "-o", filepath.Join(dir, "x.mp4")}, 2, "--to"},
		{[]string{"clip", "--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:01", "--purpose", "sightseeing", "-o", filepath.Join(dir, "x.mp4")}, 1, "not in the registry"},
		{[]string{"clip", "--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:01", "--purpose", "other", "-o", filepath.Join(dir, "x.mp4")}, 1, "at least 4 characters"},
		{[]string{"clip", "--camera", "ulsan-parking", "--from", "2026-11-22 11:00", "--to", "2026-11-22 12:00", "--purpose", "other", "--purpose-text", "확인 목적", "-o", filepath.Join(dir, "x.mp4")}, 1, "no footage"},
	} {
		code, _, errs := c.run(append([]string{"--lang", "en"}, bad.args...)...)
		if code != bad.code || !strings.Contains(errs, bad.msg) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", bad.args, code, bad.code, bad.msg, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.mp4")); !os.IsNotExist(err) {
		t.Error("a refused clip left a file")
	}
	var listing struct {
		Segments []struct{ ID string } `json:"segments"`
	}
	json.Unmarshal([]byte(c.ok("footage", "list", "--camera", "ulsan-parking", "--from", "2026-11-22", "--json")), &listing)
	if len(listing.Segments) != 2 {
		t.Fatalf("segments after the bad imports: %d", len(listing.Segments))
	}

	// A clip across both segments, and the whole recording.
	clip := filepath.Join(dir, "clip.mp4")
	c.ok("clip", "--camera", "ulsan-parking", "--from", "2026-11-22 09:00:10", "--to", "2026-11-22 09:01:10", "--purpose", "other", "--purpose-text", "차량 파손 확인", "-o", clip)
	if codec, d := probe(t, clip); codec != "h264" || d < 59.5 || d > 62.5 {
		t.Fatalf("clip: %s %.2f s", codec, d)
	}
	whole := filepath.Join(dir, "whole.mp4")
	c.ok("clip", "--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:05", "--purpose", "other", "--purpose-text", "전체 확인", "-o", whole)
	if codec, d := probe(t, whole); codec != "h264" || d < 79.0 || d > 80.0 {
		t.Fatalf("whole clip: %s %.2f s (the recording is 79.5 s)", codec, d)
	}
	// From the middle of a segment to past the end: the first segment is streamed up to
	// the keyframe at 30 s (vault.clipStreaming), the length is the catalog's.
	tail := filepath.Join(dir, "tail.mp4")
	c.ok("clip", "--camera", "ulsan-parking", "--from", "2026-11-22 09:00:30", "--to", "2026-11-22 09:05", "--purpose", "other", "--purpose-text", "끝부분 확인", "-o", tail)
	if codec, d := probe(t, tail); codec != "h264" || d < 49.0 || d > 50.0 {
		t.Fatalf("tail clip: %s %.2f s (79.5 s recorded, from 30 s)", codec, d)
	}
	hevc := filepath.Join(dir, "hevc.mp4")
	c.ok("clip", "--camera", "ulsan-lobby-1f", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:05", "--purpose", "other", "--purpose-text", "로비 확인", "-o", hevc)
	if codec, d := probe(t, hevc); codec != "hevc" || d < 79.0 || d > 80.0 {
		t.Fatalf("hevc clip: %s %.2f s", codec, d)
	}
	// Every export is in the access log with its purpose, and the log verifies.
	if log := c.ok("audit", "log", "--action", "footage.export"); !strings.Contains(log, "차량 파손 확인") || !strings.Contains(log, "로비 확인") {
		t.Fatalf("exports not logged:\n%s", log)
	}
	c.ok("audit", "verify")
	c.ok("verify", "--level", "hash")
	// One record per opening, written before anything was read (the door): the attempt
	// that found no footage too. The refused ones (bad purpose, bad period) opened nothing.
	var events []map[string]any
	json.Unmarshal([]byte(c.ok("audit", "log", "--action", "footage.export", "--json")), &events)
	if len(events) != 5 || events[0]["object"] != "x.mp4" || !strings.Contains(fmt.Sprint(events[0]["detail"]), "opening=") || events[1]["object"] != "clip.mp4" {
		t.Fatalf("export records: %v", events)
	}

	// Holds and retention.
	c.ok("holds", "add", "--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:00:30", "--reason", "수사기관 요청 제2026-1호")
	if l := c.ok("holds", "list"); !strings.Contains(l, "수사기관 요청") {
		t.Fatalf("holds list: %s", l)
	}
	c.ok("keys", "rotate")
	c.ok("verify", "--level", "hash")
	c.now = c.now.Add(40 * 24 * time.Hour)
	if dry := c.ok("retention", "run", "--dry-run"); !strings.Contains(dry, "dry-run") {
		t.Fatalf("dry run: %s", dry)
	}
	c.ok("retention", "run")
	if rec := c.ok("retention", "record"); !strings.Contains(rec, "ulsan-lobby-1f") || !strings.Contains(rec, "ulsan-parking") {
		t.Fatalf("destruction record: %s", rec)
	}
	// The held segment survives; the rest is gone.
	held := filepath.Join(dir, "held.mp4")
	c.ok("clip", "--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:05", "--purpose", "other", "--purpose-text", "보존 영상 확인", "-o", held)
	if _, d := probe(t, held); d < 59 || d > 61 {
		t.Fatalf("held footage: %.2f s, want the first segment (about 60 s)", d)
	}
	if code, _, _ := c.run("clip", "--camera", "ulsan-lobby-1f", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:05", "--purpose", "other", "--purpose-text", "확인 목적", "-o", filepath.Join(dir, "y.mp4")); code != 1 {
		t.Fatal("destroyed footage was clipped")
	}
	c.ok("holds", "release", "1")
	c.ok("verify")
	c.ok("audit", "verify")
}

// TestVerifyFindsTampering changes footage and the catalog behind Custodian's back.
func TestVerifyFindsTampering(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	h264 := testmedia.Path(t, testmedia.VtestH264)
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	c.ok("ingest-file", "--camera", "ulsan-parking", "--start", "2026-11-22T09:00:00+09:00", h264)
	files, _ := filepath.Glob(filepath.Join(c.data, "vault", "ulsan-parking", "*", "*.seg"))
	if len(files) != 2 {
		t.Fatalf("files: %v", files)
	}
	// A flipped byte.
	orig, _ := os.ReadFile(files[0])
	b := append([]byte(nil), orig...)
	b[len(b)/2] ^= 0x40
	os.WriteFile(files[0], b, 0o600)
	code, out, errs := c.run("--lang", "en", "verify")
	if code != 1 || !strings.Contains(out, "failed authentication") || !strings.Contains(out, filepath.Base(files[0])) {
		t.Fatalf("flipped byte: %d\n%s%s", code, out, errs)
	}
	os.WriteFile(files[0], orig, 0o600)
	c.ok("verify")
	// A segment removed, file and row, as someone with the database might.
	db, err := sqlite.Open(t.Context(), filepath.Join(c.data, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSuffix(filepath.Base(files[1]), ".seg")
	if _, err := db.SQL().Exec(`DELETE FROM segments WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.Remove(files[1])
	code, out, errs = c.run("--lang", "en", "verify")
	if code != 1 || !strings.Contains(out, "gone from the catalog without being destroyed") {
		t.Fatalf("removed segment: %d\n%s%s", code, out, errs)
	}
}

// A damaged MP4 (its moov says 79.5 s, its mdat is cut) decodes to a fraction of that: it is
// refused, changing nothing, unless --partial, which imports what can be read and says how
// much that is.
func TestIngestDamagedFileRefusedUnlessPartial(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	h264 := testmedia.Path(t, testmedia.VtestH264)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-i", h264, "-c", "copy", "-movflags", "+faststart", whole).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	data, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.mp4")
	if err := os.WriteFile(cut, data[:len(data)/4], 0o600); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	code, out, errs := c.run("--lang", "en", "ingest-file", "--camera", "ulsan-parking", "--start", "2026-11-22T09:00:00+09:00", cut)
	if code != 1 || !strings.Contains(errs, "damaged or cut") || !strings.Contains(errs, "of the 79.5 s the file states") || !strings.Contains(errs, "--partial") {
		t.Fatalf("damaged file: exit %d\n%s%s", code, out, errs)
	}
	var list struct{ Segments []json.RawMessage }
	if err := json.Unmarshal([]byte(c.ok("footage", "list", "--camera", "ulsan-parking", "--json")), &list); err != nil || len(list.Segments) != 0 {
		t.Fatalf("a refused import stored %d segments (%v)", len(list.Segments), err)
	}
	code, out, errs = c.run("--lang", "en", "ingest-file", "--partial", "--camera", "ulsan-parking", "--start", "2026-11-22T09:00:00+09:00", cut)
	if code != 0 || !strings.Contains(errs, "warning: the file is damaged or cut") || !strings.Contains(out, "of the 79.5 s the file states") {
		t.Fatalf("--partial: exit %d\n%s%s", code, out, errs)
	}
	// A whole file says how long it is, and needs no --partial.
	out = c.ok("--lang", "en", "ingest-file", "--camera", "ulsan-lobby-1f", "--start", "2026-11-22T09:00:00+09:00", whole)
	if !strings.Contains(out, "79.5 s of the 79.5 s the file states (100%)") && !strings.Contains(out, "of the 79.5 s the file states (99%)") {
		t.Fatalf("whole file: %s", out)
	}
	// An exported clip is footage: readable by its owner only, whatever the umask.
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	clip := filepath.Join(dir, "clip.mp4")
	c.ok("clip", "--camera", "ulsan-lobby-1f", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:00:20", "--purpose", "other", "--purpose-text", "가져온 영상 확인", "-o", clip)
	if st, err := os.Stat(clip); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("clip mode: %v %v, want 0600", st.Mode(), err)
	}
}
