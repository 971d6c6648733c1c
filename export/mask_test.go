package export_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/export"
	"custodian/internal/testmedia"
	"custodian/mask"
	"custodian/opencv"
)

// TestMaskedExport: an export with masking holds the masked MP4 (H.264), verifies, and
// its manifest carries each camera's recipe and coverage; the unmasked export of the same
// period differs.
func TestMaskedExport(t *testing.T) {
	e := newEnv(t)
	testmedia.Need(t, "ffprobe")
	models := testmedia.ModelsDir(t, opencv.YOLOXFile)
	s := e.spec("EXP-masked-0001")
	s.Cameras, s.From, s.To = []string{"cam-a"}, start.Add(10*time.Second), start.Add(16*time.Second)
	s.Mask = &mask.Options{ModelDir: models}
	var progress []export.Progress
	out := filepath.Join(e.out, "masked")
	res, err := e.build(s, out, export.Options{Progress: func(p export.Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	v := mustVerify(t, out)
	if !v.OK() || !v.SignatureOK || v.Files != 2 {
		t.Fatalf("verification %+v", v)
	}
	var mm export.MaskingManifest
	if err := json.Unmarshal(v.Manifest.Masking, &mm); err != nil {
		t.Fatalf("masking %s: %v", v.Manifest.Masking, err)
	}
	file := export.FileName("cam-a", s.From)
	if len(mm.Cameras) != 1 {
		t.Fatalf("masking %s", v.Manifest.Masking)
	}
	mc := mm.Cameras[0]
	t.Logf("masking: %+v", mc)
	if mc.Camera != "cam-a" || mc.File != file || mc.Recipe.Detector != "yolox-nano" || len(mc.Recipe.Models) == 0 ||
		len(mc.Recipe.Models[0].SHA256) != 64 || mc.Recipe.Method != "pixelate" || mc.Coverage.Frames < 50 ||
		mc.Coverage.FramesMasked == 0 || mc.Coverage.MaskedShare <= 0 || mc.Coverage.Fallback {
		t.Errorf("masked camera %+v", mc)
	}
	if res.Manifest.Cameras[0].Codec != "avc1" {
		t.Errorf("codec %q", res.Manifest.Cameras[0].Codec)
	}
	last := progress[len(progress)-1]
	if last.Frames != mc.Coverage.Frames || last.Bytes == 0 {
		t.Errorf("last progress %+v", last)
	}
	p, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", filepath.Join(out, file)).Output()
	if err != nil || strings.TrimSpace(string(p)) != "h264,768,576" {
		t.Errorf("ffprobe of the masked MP4: %q %v", p, err)
	}
	// The original of the same period is another file.
	s2 := s
	s2.ID, s2.Mask = "EXP-plain-0001", nil
	plain, err := e.build(s2, filepath.Join(e.out, "plain"), export.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if string(plain.Manifest.Masking) != "null" || plain.Manifest.Files[0].SHA256 == res.Manifest.Files[0].SHA256 {
		t.Errorf("the plain export: masking %s, MP4 %s (masked %s)", plain.Manifest.Masking, plain.Manifest.Files[0].SHA256, res.Manifest.Files[0].SHA256)
	}
	// Tracks kept clear are per camera.
	s3 := e.spec("EXP-masked-0003")
	s3.Mask = &mask.Options{ModelDir: models, Keep: []int{1}}
	if _, err := e.build(s3, filepath.Join(e.out, "m3"), export.Options{}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("kept tracks for two cameras: %v", err)
	}
	s3.Mask, s3.MaskKeep = nil, map[string][]int{"cam-a": {1}}
	if _, err := e.build(s3, filepath.Join(e.out, "m3"), export.Options{}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("kept tracks without masking: %v", err)
	}
}

// TestMaskedExportCancelled: a masked export cancelled mid-render returns ctx's error and
// leaves nothing.
func TestMaskedExportCancelled(t *testing.T) {
	e := newEnv(t)
	models := testmedia.ModelsDir(t, opencv.YOLOXFile)
	s := e.spec("EXP-masked-cancel")
	s.Cameras, s.To = []string{"cam-a"}, s.From.Add(20*time.Second)
	s.Mask = &mask.Options{ModelDir: models}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := filepath.Join(e.out, "cancelled")
	_, err := export.Build(ctx, s, e.open(s), e.key, out, export.Options{Progress: func(p export.Progress) {
		if p.Frames == 15 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled masked export: %v", err)
	}
	for _, p := range []string{out, out + ".partial"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is left: %v", p, err)
		}
	}
}
