package ffmpeg_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/ffmpeg"
	"custodian/fmp4"
	"custodian/internal/testmedia"
)

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func TestCheck(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	if err := ffmpeg.Check(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	err := ffmpeg.Check()
	var ce *custodian.Error
	if !errors.As(err, &ce) || !strings.Contains(ce.En, "run scripts/setup.sh") || !strings.Contains(ce.Ko, "scripts/setup.sh") {
		t.Errorf("Check without ffmpeg = %v", err)
	}
	if _, err := ffmpeg.Probe(context.Background(), testmedia.Path(t, testmedia.VtestH264)); err == nil {
		t.Error("Probe without ffprobe succeeded")
	}
}

func TestProbe(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	ts := filepath.Join(dir, "dvr.ts")
	run(t, "ffmpeg", "-nostdin", "-v", "error", "-i", testmedia.Path(t, testmedia.VtestH265), "-c", "copy", "-f", "mpegts", ts)
	// A name as DVR exports have them: Korean, spaces, '?', '#', a leading '-'.
	odd := filepath.Join(dir, "-정문 카메라 #1 (2024-05-01 ?).ts")
	if err := os.Symlink(ts, odd); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, format, codec, profile string
	}{
		{testmedia.Path(t, testmedia.VtestH264), "mov,mp4,m4a,3gp,3g2,mj2", "h264", "High"},
		{testmedia.Path(t, testmedia.VtestH265), "mov,mp4,m4a,3gp,3g2,mj2", "hevc", "Main"},
		{ts, "mpegts", "hevc", "Main"},
		{odd, "mpegts", "hevc", "Main"},
	} {
		info, err := ffmpeg.Probe(context.Background(), tc.path)
		if err != nil {
			t.Fatalf("Probe(%s): %v", tc.path, err)
		}
		v := info.Video
		if info.Format != tc.format || v == nil || v.Codec != tc.codec || v.Width != 768 || v.Height != 576 ||
			v.Profile != tc.profile || math.Abs(v.FrameRate-10) > 0.01 || info.HasAudio || info.Streams != 1 ||
			math.Abs(info.Duration.Seconds()-79.5) > 0.2 {
			t.Errorf("Probe(%s) = %+v, video %+v", filepath.Base(tc.path), info, v)
		}
	}
}

func TestProbeErrors(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("영상이 아닙니다.\nThis is not a video.\n"), 0o600)
	garbage := filepath.Join(dir, "export.mp4")
	os.WriteFile(garbage, bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 4096), 0o600)
	for _, tc := range []struct {
		name, path, code, want string
	}{
		{"missing", filepath.Join(dir, "no-such.mp4"), custodian.ENOTFOUND, "no such file"},
		{"text", text, custodian.EINVALID, "cannot read"},
		{"garbage", garbage, custodian.EINVALID, "cannot read"},
		{"directory", dir, custodian.EINVALID, "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := ffmpeg.Probe(context.Background(), tc.path)
			var ce *custodian.Error
			if !errors.As(err, &ce) || ce.Code != tc.code || !strings.Contains(ce.En, tc.want) || ce.Ko == "" {
				t.Fatalf("Probe = %+v, %v; want %s %q", info, err, tc.code, tc.want)
			}
			if _, err := ffmpeg.Fragmented(context.Background(), tc.path); custodian.ErrorCode(err) != tc.code {
				t.Errorf("Fragmented = %v, want %s", err, tc.code)
			}
		})
	}
}

// readAll reads a Fragmented stream with fmp4.NewReader.
func readAll(t *testing.T, rc io.ReadCloser) (*fmp4.Init, []*fmp4.Fragment) {
	t.Helper()
	r, err := fmp4.NewReader(rc)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var frags []*fmp4.Fragment
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		frags = append(frags, f)
	}
	if err := rc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return r.Init(), frags
}

// TestFragmentedTags checks the sample entry of H.265 in every container it may come in:
// hvc1 from an hvc1 MP4, from an hev1 MP4 and from MPEG-TS; and that audio is left out.
func TestFragmentedTags(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	h265 := testmedia.Path(t, testmedia.VtestH265)
	hev1 := filepath.Join(dir, "hev1.mp4")
	run(t, "ffmpeg", "-nostdin", "-v", "error", "-i", h265, "-t", "10", "-c", "copy", "-tag:v", "hev1", hev1)
	ts := filepath.Join(dir, "-정문 h265 #1 ?.ts")
	run(t, "ffmpeg", "-nostdin", "-v", "error", "-i", h265, "-t", "10", "-c", "copy", "-f", "mpegts", ts)
	mkv := filepath.Join(dir, "h264.mkv")
	run(t, "ffmpeg", "-nostdin", "-v", "error", "-i", testmedia.Path(t, testmedia.VtestH264), "-t", "10", "-c", "copy", mkv)
	withAudio := filepath.Join(dir, "with-audio.mp4")
	run(t, "ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono",
		"-i", testmedia.Path(t, testmedia.VtestH264), "-map", "0:a", "-map", "1:v", "-c:v", "copy", "-c:a", "aac", "-t", "10", withAudio)
	for _, tc := range []struct {
		path, codec string
		secs        float64
	}{
		{h265, "hvc1", 79.5}, {hev1, "hvc1", 10}, {ts, "hvc1", 10}, {mkv, "avc1", 10}, {withAudio, "avc1", 10},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			info, err := ffmpeg.Probe(context.Background(), tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if tc.path == withAudio && (!info.HasAudio || info.Streams != 2 || info.Video == nil || info.Video.Index != 1) {
				t.Errorf("Probe(with audio) = %+v", info)
			}
			rc, err := ffmpeg.Fragmented(context.Background(), tc.path)
			if err != nil {
				t.Fatal(err)
			}
			in, frags := readAll(t, rc)
			if in.Codec != tc.codec || in.Width != 768 || len(frags) == 0 {
				t.Errorf("init %s %dx%d, %d fragments; want %s", in.Codec, in.Width, in.Height, len(frags), tc.codec)
			}
			var total uint64
			for i, f := range frags {
				if !f.Keyframe || (i > 0 && f.BaseDecodeTime != frags[i-1].End()) {
					t.Errorf("fragment %d: keyframe %v, starts at %d", i, f.Keyframe, f.BaseDecodeTime)
				}
				total += f.Duration
			}
			if secs := float64(total) / float64(in.Timescale); math.Abs(secs-tc.secs) > 0.25 {
				t.Errorf("%.3f s of video, want %.1f", secs, tc.secs)
			}
		})
	}
}

func TestFragmentedNoVideo(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	audio := filepath.Join(t.TempDir(), "audio-only.m4a")
	run(t, "ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "2", "-c:a", "aac", audio)
	info, err := ffmpeg.Probe(context.Background(), audio)
	if err != nil || info.Video != nil || !info.HasAudio {
		t.Fatalf("Probe = %+v, %v", info, err)
	}
	rc, err := ffmpeg.Fragmented(context.Background(), audio)
	var ce *custodian.Error
	if rc != nil || !errors.As(err, &ce) || ce.Code != custodian.EINVALID || !strings.Contains(ce.En, "no video stream") || !strings.Contains(ce.Ko, "영상") {
		t.Fatalf("Fragmented(audio only) = %v, %v", rc, err)
	}
}

func TestFragmentedUnsupportedCodec(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	mjpeg := filepath.Join(t.TempDir(), "mjpeg.avi")
	run(t, "ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5", "-t", "1", "-c:v", "mjpeg", mjpeg)
	_, err := ffmpeg.Fragmented(context.Background(), mjpeg)
	if custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), "mjpeg") {
		t.Fatalf("Fragmented(mjpeg) = %v", err)
	}
}

func TestFragmentedCancel(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := ffmpeg.Fragmented(ctx, testmedia.Path(t, testmedia.VtestH264))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1000)
	if _, err := io.ReadFull(rc, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	start := time.Now()
	_, err = io.Copy(io.Discard, rc)
	if err == nil {
		// ffmpeg may have finished writing into the pipe before it was killed.
		t.Log("ffmpeg finished before the cancel")
	} else if !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v", err)
	}
	rc.Close()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestFragmentedCloseEarly(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	rc, err := ffmpeg.Fragmented(context.Background(), testmedia.Path(t, testmedia.VtestH264))
	if err != nil {
		t.Fatal(err)
	}
	r, err := fmp4.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("Close before the end = %v, want nil", err)
	}
}
