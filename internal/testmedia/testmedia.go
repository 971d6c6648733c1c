// Package testmedia finds the test footage that scripts/setup.sh prepares in .cache/media:
// vtest.avi from Debian's opencv-doc (a real fixed surveillance camera, 768x576, 10 fps,
// 79.5 s) and its H.264 and H.265 transcodes with a keyframe every 2 s. Tests call Path;
// when the footage is missing the test fails (never skips) and says how to make it.
package testmedia

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Files prepared by scripts/setup.sh.
const (
	VtestAVI  = "vtest.avi"
	VtestH264 = "vtest-h264.mp4"
	VtestH265 = "vtest-h265.mp4"
	// VtestH264At2M is the H.264 transcode at a constant 2 Mbit/s (with filler data): the
	// camera of the recording benchmarks.
	VtestH264At2M = "vtest-h264-2m.mp4"
)

// Dir returns the media directory: $CUSTODIAN_TEST_MEDIA, else .cache/media at the module
// root (found by walking up from the working directory to go.mod).
func Dir() string {
	if d := os.Getenv("CUSTODIAN_TEST_MEDIA"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, ".cache", "media")
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Path returns the path of a media file, failing the test if it is missing.
func Path(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Dir(), name)
	if st, err := os.Stat(p); err != nil || st.Size() == 0 {
		t.Fatalf("test footage %s is missing: run scripts/setup.sh", p)
	}
	return p
}

// Need fails the test unless the named programs (ffmpeg, ffprobe ...) are on PATH.
func Need(t testing.TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s is not installed: run scripts/setup.sh", p)
		}
	}
}
