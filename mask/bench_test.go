package mask_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"custodian/internal/testmedia"
	"custodian/mask"
	"custodian/opencv"
	"custodian/track"
)

// BenchmarkRender renders 20 s of vtest (768×576, 10 frames/s, 200 frames) masked, and
// the floor in the same run: ffmpeg decoding and re-encoding the same clip with the same
// libx264 settings, without masking. Reported: frames/s and the real-time factor
// (seconds of video a second).
//
//	go test -run X -bench Render -benchtime 2x ./mask/
func BenchmarkRender(b *testing.B) {
	models := testmedia.ModelsDir(b, opencv.YOLOXFile)
	in := clip(b, 20)
	const fps = 10.0
	report := func(b *testing.B, frames int) {
		s := b.Elapsed().Seconds() / float64(b.N)
		b.ReportMetric(float64(frames)/s, "frames/s")
		b.ReportMetric(float64(frames)/fps/s, "x-realtime")
	}
	b.Run("floor", func(b *testing.B) {
		frames := 0
		for i := 0; i < b.N; i++ {
			args := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-i", "pipe:0"}, mask.EncoderArgs()...)
			cmd := exec.Command("ffmpeg", args...)
			cmd.Stdin = bytes.NewReader(in)
			var out bytes.Buffer
			cmd.Stdout = &out
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				frames = ffprobe(b, out.Bytes()).frames
			}
		}
		report(b, frames)
	})
	// Persons only: a model directory without the face model.
	noFaces := b.TempDir()
	if err := os.Symlink(filepath.Join(models, opencv.YOLOXFile), filepath.Join(noFaces, opencv.YOLOXFile)); err != nil {
		b.Fatal(err)
	}
	b.Run("masked-k1-nofaces", func(b *testing.B) {
		frames := 0
		for i := 0; i < b.N; i++ {
			rep, err := mask.Render(context.Background(), bytes.NewReader(in), io.Discard, mask.Options{ModelDir: noFaces})
			if err != nil {
				b.Fatal(err)
			}
			frames = rep.Coverage.Frames
		}
		report(b, frames)
	})
	for _, k := range []int{1, 2, 3} {
		b.Run("masked-k"+string(rune('0'+k)), func(b *testing.B) {
			p := track.DefaultParams()
			p.DetectEvery = k
			frames := 0
			for i := 0; i < b.N; i++ {
				rep, err := mask.Render(context.Background(), bytes.NewReader(in), io.Discard, mask.Options{ModelDir: models, Track: p})
				if err != nil {
					b.Fatal(err)
				}
				frames = rep.Coverage.Frames
			}
			report(b, frames)
		})
	}
}
