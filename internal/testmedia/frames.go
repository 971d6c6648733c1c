package testmedia

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ModelsDir returns the directory of the detector models: $CUSTODIAN_TEST_MODELS, else
// .cache/models at the module root (scripts/setup.sh copies ../shared/models there). The
// test fails (never skips) unless the named files are in it.
func ModelsDir(t testing.TB, files ...string) string {
	t.Helper()
	dir := os.Getenv("CUSTODIAN_TEST_MODELS")
	if dir == "" {
		dir = filepath.Join(filepath.Dir(Dir()), "models")
	}
	for _, f := range files {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Fatalf("detector model %s is missing: run scripts/setup.sh with ../shared/models present (it copies the models into %s)",
				filepath.Join(dir, f), dir)
		}
	}
	return dir
}

// BGRFrames decodes frames of a test media file with ffmpeg through a pipe, as packed
// BGR (-pix_fmt bgr24): frames 0, every, 2·every … up to max of them (max 0: all). It
// returns the frame size and the frames.
func BGRFrames(t testing.TB, name string, every, max int) (width, height int, frames [][]byte) {
	t.Helper()
	Need(t, "ffmpeg", "ffprobe")
	path := Path(t, name)
	if every < 1 {
		every = 1
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=width,height", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	wh := strings.Split(strings.TrimSpace(string(out)), ",")
	if len(wh) < 2 {
		t.Fatalf("ffprobe %s: no size in %q", path, out)
	}
	width, _ = strconv.Atoi(wh[0])
	height, _ = strconv.Atoi(wh[1])
	if width <= 0 || height <= 0 {
		t.Fatalf("ffprobe %s: bad size %q", path, out)
	}
	args := []string{"-nostdin", "-v", "error", "-i", path, "-an",
		"-vf", fmt.Sprintf(`select=not(mod(n\,%d))`, every), "-fps_mode", "passthrough"}
	if max > 0 {
		args = append(args, "-frames:v", strconv.Itoa(max))
	}
	args = append(args, "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1")
	cmd := exec.Command("ffmpeg", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	size := width * height * 3
	for {
		f := make([]byte, size)
		if _, err := io.ReadFull(pipe, f); err != nil {
			if err != io.EOF {
				t.Errorf("reading frames of %s: %v", path, err)
			}
			break
		}
		frames = append(frames, f)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("ffmpeg decoding %s: %v: %s", path, err, stderr.String())
	}
	if len(frames) == 0 {
		t.Fatalf("ffmpeg decoded no frames of %s", path)
	}
	return width, height, frames
}
