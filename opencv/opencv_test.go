package opencv_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"custodian"
	"custodian/internal/testmedia"
	"custodian/opencv"
)

// The SHA-256 of the model files (../shared/models/README.md).
const (
	yoloxSHA256 = "e8af074932d4ed7e232278e3055cefcdea3edf178874a3694ae292649fb464dd"
	yunetSHA256 = "50ef07f702a31741ca46a4c0d947773b64143b9362780237bf0d427d6c79bab7"
)

// vtest returns 20 frames spread over the whole of vtest (every 40th of its 795).
func vtest(t testing.TB) []opencv.Frame {
	t.Helper()
	return frames(t, 40, 20)
}

func frames(t testing.TB, every, max int) []opencv.Frame {
	t.Helper()
	w, h, raw := testmedia.BGRFrames(t, testmedia.VtestH264, every, max)
	out := make([]opencv.Frame, len(raw))
	for i, b := range raw {
		f, err := opencv.NewFrame(w, h, b)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = f
	}
	return out
}

// inside checks that every box lies in the frame and is not empty.
func inside(t *testing.T, f opencv.Frame, boxes []opencv.Box) {
	t.Helper()
	for _, b := range boxes {
		if b.W <= 0 || b.H <= 0 || b.X < 0 || b.Y < 0 || b.X+b.W > float32(f.Width)+0.01 || b.Y+b.H > float32(f.Height)+0.01 {
			t.Errorf("box %v is outside the %d×%d frame or empty", b, f.Width, f.Height)
		}
	}
}

func open(t *testing.T) *opencv.Detectors {
	t.Helper()
	dir := testmedia.ModelsDir(t, opencv.YOLOXFile, opencv.YuNetFile)
	d, err := opencv.Open(dir, opencv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestYOLOXFindsPeople(t *testing.T) {
	d := open(t)
	if d.Kind() != "yolox-nano" || d.Fallback() {
		t.Fatalf("Kind = %q, fallback %v; want yolox-nano", d.Kind(), d.Fallback())
	}
	if r := d.Report(); !strings.Contains(r, "yolox-nano sha256="+yoloxSHA256) ||
		!strings.Contains(r, "yunet-2022mar sha256="+yunetSHA256) {
		t.Errorf("Report = %q; want both models with their SHA-256", r)
	}
	if len(d.Models) != 2 || d.Models[0].SHA256 != yoloxSHA256 || d.Models[1].SHA256 != yunetSHA256 {
		t.Errorf("Models = %+v", d.Models)
	}
	fs := vtest(t)
	total, empty := 0, 0
	for i, f := range fs {
		boxes, err := d.Person.Detect(f)
		if err != nil {
			t.Fatal(err)
		}
		inside(t, f, boxes)
		for _, b := range boxes {
			if b.Source != opencv.SourceYOLOX || b.Score < 0.3 || b.Score > 1 {
				t.Errorf("frame %d: box %v: want yolox-nano with a score 0.3–1", i, b)
			}
			// People standing or walking: taller than wide, not the whole frame.
			if b.H < b.W*0.8 || b.H > float32(f.Height)*0.6 {
				t.Errorf("frame %d: box %v is not a person's shape", i, b)
			}
		}
		if len(boxes) == 0 {
			empty++
		}
		total += len(boxes)
		t.Logf("frame %d: %d people %v", i*40, len(boxes), boxes)
	}
	mean := float64(total) / float64(len(fs))
	t.Logf("YOLOX: %d people in %d frames (mean %.1f)", total, len(fs), mean)
	if mean < 4 || empty > 0 {
		t.Errorf("YOLOX found a mean of %.1f people a frame over %d frames, %d frames with none; want at least 4 and none empty",
			mean, len(fs), empty)
	}
}

func TestYuNetRuns(t *testing.T) {
	d := open(t)
	if d.Face == nil {
		t.Fatal("no face detector")
	}
	total := 0
	for _, f := range vtest(t) {
		faces, err := d.Face.Detect(f)
		if err != nil {
			t.Fatal(err)
		}
		inside(t, f, faces)
		for _, b := range faces {
			if b.Source != opencv.SourceYuNet || b.Score < 0.6 {
				t.Errorf("face %v: want yunet with a score of at least 0.6", b)
			}
		}
		total += len(faces)
	}
	t.Logf("YuNet: %d faces in 20 frames", total)
	// Measured: 29 faces in these 20 frames (faces in wide CCTV are small and often turned
	// away); a detector that runs but finds nothing fails.
	if total < 5 {
		t.Errorf("YuNet found %d faces in 20 frames of vtest; want at least 5", total)
	}
}

func TestHOGFallbackFindsPeople(t *testing.T) {
	fb, err := opencv.NewFallback(opencv.Options{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	total := 0
	for _, f := range vtest(t) {
		boxes, err := fb.HOG(f)
		if err != nil {
			t.Fatal(err)
		}
		inside(t, f, boxes)
		total += len(boxes)
	}
	t.Logf("HOG: %d people in 20 frames", total)
	// Measured: 64 (scale step 1.05).
	if total < 20 {
		t.Errorf("HOG found %d people in 20 frames of vtest; want at least 20", total)
	}
}

func TestMotionFindsMovingPeople(t *testing.T) {
	fb, err := opencv.NewFallback(opencv.Options{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	fs := frames(t, 1, 80)
	moving, after := 0, 0
	for i, f := range fs {
		blobs, err := fb.Motion(f)
		if err != nil {
			t.Fatal(err)
		}
		inside(t, f, blobs)
		for _, b := range blobs {
			if b.Source != opencv.SourceMotion || b.W*b.H < 300 {
				t.Errorf("frame %d: blob %v: want motion of at least 300 pixels", i, b)
			}
		}
		if i >= 10 { // MOG2 learns the background first
			after++
			if len(blobs) > 0 {
				moving++
			}
		}
	}
	t.Logf("motion: blobs in %d of %d frames", moving, after)
	// People walk through vtest all the time.
	if moving < after*9/10 {
		t.Errorf("motion blobs in %d of %d frames; want at least 90%%", moving, after)
	}
	// Detect joins HOG's people and the motion blobs they do not cover.
	fb2, err := opencv.NewFallback(opencv.Options{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer fb2.Close()
	sources := map[opencv.Source]int{}
	for _, f := range fs[:30] {
		boxes, err := fb2.Detect(f)
		if err != nil {
			t.Fatal(err)
		}
		inside(t, f, boxes)
		for _, b := range boxes {
			sources[b.Source]++
		}
	}
	if sources[opencv.SourceHOG] == 0 || sources[opencv.SourceMotion] == 0 || len(sources) != 2 {
		t.Errorf("the fallback's boxes by source: %v; want hog and motion", sources)
	}
}

// TestYOLOXAgreesWithHOG checks YOLOX's boxes against an independent method: people that
// HOG finds must mostly have a YOLOX box centred inside them (a wrong letterbox scale or
// grid decode would put YOLOX's boxes elsewhere).
func TestYOLOXAgreesWithHOG(t *testing.T) {
	d := open(t)
	fb, err := opencv.NewFallback(opencv.Options{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	hogs, agree := 0, 0
	for _, f := range vtest(t)[:10] {
		people, err := d.Person.Detect(f)
		if err != nil {
			t.Fatal(err)
		}
		hog, err := fb.HOG(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hog {
			hogs++
			for _, p := range people {
				cx, cy := p.X+p.W/2, p.Y+p.H/2
				if cx >= h.X && cx <= h.X+h.W && cy >= h.Y && cy <= h.Y+h.H {
					agree++
					break
				}
			}
		}
	}
	t.Logf("%d of %d HOG people hold a YOLOX box's centre", agree, hogs)
	if hogs < 10 || agree < hogs*6/10 {
		t.Errorf("%d of %d HOG people hold a YOLOX box's centre; want at least 10 HOG people and 60%%", agree, hogs)
	}
}

// corrupt writes a model directory holding a broken copy of one model file.
func corrupt(t *testing.T, name string, broken func([]byte) []byte) (dir, path string) {
	t.Helper()
	src := testmedia.ModelsDir(t, opencv.YOLOXFile, opencv.YuNetFile)
	dir = t.TempDir()
	for _, f := range []string{opencv.YOLOXFile, opencv.YuNetFile} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == name {
			b = broken(b)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, filepath.Join(dir, name)
}

func TestCorruptModel(t *testing.T) {
	truncated := func(b []byte) []byte { return b[:len(b)/2] }
	garbage := func(b []byte) []byte {
		for i := range b {
			b[i] = byte(i * 7)
		}
		return b
	}
	empty := func([]byte) []byte { return nil }
	for _, c := range []struct {
		name   string
		file   string
		broken func([]byte) []byte
	}{
		{"yolox truncated", opencv.YOLOXFile, truncated},
		{"yolox garbage", opencv.YOLOXFile, garbage},
		{"yolox empty", opencv.YOLOXFile, empty},
		{"yolox is yunet", opencv.YOLOXFile, func([]byte) []byte {
			b, err := os.ReadFile(filepath.Join(testmedia.ModelsDir(t, opencv.YuNetFile), opencv.YuNetFile))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{"yunet truncated", opencv.YuNetFile, truncated},
		{"yunet garbage", opencv.YuNetFile, garbage},
		{"yunet is yolox", opencv.YuNetFile, func([]byte) []byte {
			b, err := os.ReadFile(filepath.Join(testmedia.ModelsDir(t, opencv.YOLOXFile), opencv.YOLOXFile))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, path := corrupt(t, c.file, c.broken)
			d, err := opencv.Open(dir, opencv.Options{})
			if err == nil {
				d.Close()
				t.Fatalf("Open with a broken %s: no error (report %q)", c.file, d.Report())
			}
			var e *custodian.Error
			if !errors.As(err, &e) || e.Code != custodian.EINVALID {
				t.Fatalf("error %v: want a custodian error with code %s", err, custodian.EINVALID)
			}
			if !strings.Contains(e.En, path) || !strings.Contains(e.Ko, path) {
				t.Errorf("error %q does not name the file %s", err, path)
			}
			t.Logf("%s", e.En)
		})
	}
}

func TestMissingModels(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	emptyDir := t.TempDir()
	faceOnly := t.TempDir()
	src := testmedia.ModelsDir(t, opencv.YuNetFile)
	b, err := os.ReadFile(filepath.Join(src, opencv.YuNetFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(faceOnly, opencv.YuNetFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir, report string
		face        bool
	}{
		{missing, "persons: hog+mog2 (no model directory " + missing + ";", false},
		{"", "persons: hog+mog2 (no model directory configured;", false},
		{emptyDir, "persons: hog+mog2 (no model file yolox_nano_coco80.onnx in " + emptyDir + ";", false},
		{faceOnly, "persons: hog+mog2 (no model file yolox_nano_coco80.onnx in " + faceOnly + ";", true},
	} {
		d, err := opencv.Open(c.dir, opencv.Options{})
		if err != nil {
			t.Fatalf("Open(%q): %v; want the fallback", c.dir, err)
		}
		r := d.Report()
		if d.Kind() != "hog+mog2" || !d.Fallback() || !strings.HasPrefix(r, c.report) {
			t.Errorf("Open(%q): kind %q, report %q; want hog+mog2 and a report starting %q", c.dir, d.Kind(), r, c.report)
		}
		if (d.Face != nil) != c.face || (c.face && !strings.Contains(r, "faces: yunet-2022mar sha256="+yunetSHA256)) ||
			(!c.face && !strings.Contains(r, "faces: none (no model")) {
			t.Errorf("Open(%q): face detector %v, report %q", c.dir, d.Face != nil, r)
		}
		d.Close()
	}
	// A file where the directory should be is an error, not a fallback.
	file := filepath.Join(emptyDir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := opencv.Open(file, opencv.Options{}); err == nil || custodian.ErrorCode(err) != custodian.EINVALID ||
		!strings.Contains(err.Error(), file) {
		if d != nil {
			d.Close()
		}
		t.Errorf("Open(a file): %v; want an invalid error naming it", err)
	}
}

func TestBadInput(t *testing.T) {
	d := open(t)
	for _, f := range []opencv.Frame{
		{Width: 10, Height: 10, Pix: make([]byte, 299)},
		{Width: 0, Height: 10},
		{Width: -4, Height: 10, Pix: make([]byte, 120)},
		{Width: 100000, Height: 1, Pix: make([]byte, 300000)},
	} {
		if _, err := d.Person.Detect(f); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("Detect(%d×%d, %d bytes): %v; want invalid", f.Width, f.Height, len(f.Pix), err)
		}
		if _, err := d.Face.Detect(f); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("face Detect(%d×%d, %d bytes): %v; want invalid", f.Width, f.Height, len(f.Pix), err)
		}
	}
	if _, err := opencv.NewFrame(4, 4, make([]byte, 47)); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("NewFrame: %v; want invalid", err)
	}
	for _, o := range []opencv.Options{{PersonScore: 1.5}, {PersonNMS: -1}, {FaceScore: 2}, {HOGScale: 0.9},
		{HOGUpscale: 9}, {MotionMinArea: -1}, {MotionHistory: -3}, {MotionVar: 5000}, {MotionDilate: 100}} {
		if _, err := opencv.Open(t.TempDir(), o); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("Open with %+v: %v; want invalid", o, err)
		}
	}
	// A tiny frame (smaller than the networks' strides) is not a crash.
	tiny := opencv.Frame{Width: 3, Height: 2, Pix: make([]byte, 18)}
	if _, err := d.Person.Detect(tiny); err != nil {
		t.Errorf("YOLOX on a 3×2 frame: %v", err)
	}
}

func TestClose(t *testing.T) {
	d := open(t)
	f := vtest(t)[0]
	fb, err := opencv.NewFallback(opencv.Options{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, det := range []interface {
		Detect(opencv.Frame) ([]opencv.Box, error)
		Close() error
	}{d.Person, d.Face, fb} {
		if _, err := det.Detect(f); err != nil {
			t.Fatal(err)
		}
		det.Close()
		det.Close()
		if _, err := det.Detect(f); err == nil {
			t.Errorf("%T: Detect after Close: no error", det)
		}
	}
}

// TestConcurrent runs one detector from several goroutines (under -race): calls are
// serialised and give the same boxes as alone.
func TestConcurrent(t *testing.T) {
	d := open(t)
	fs := vtest(t)[:4]
	want := make([]int, len(fs))
	for i, f := range fs {
		b, err := d.Person.Detect(f)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = len(b)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, f := range fs {
				b, err := d.Person.Detect(f)
				if err != nil {
					t.Error(err)
					return
				}
				if len(b) != want[i] {
					t.Errorf("frame %d: %d people, %d alone", i, len(b), want[i])
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkYOLOX(b *testing.B) {
	dir := testmedia.ModelsDir(b, opencv.YOLOXFile)
	y, err := opencv.NewYOLOX(filepath.Join(dir, opencv.YOLOXFile), opencv.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer y.Close()
	bench(b, y.Detect)
}

func BenchmarkYuNet(b *testing.B) {
	dir := testmedia.ModelsDir(b, opencv.YuNetFile)
	y, err := opencv.NewFaceDetector(filepath.Join(dir, opencv.YuNetFile), opencv.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer y.Close()
	bench(b, y.Detect)
}

func BenchmarkHOG(b *testing.B) {
	fb, err := opencv.NewFallback(opencv.Options{}, "benchmark")
	if err != nil {
		b.Fatal(err)
	}
	defer fb.Close()
	bench(b, fb.HOG)
}

func BenchmarkMOG2(b *testing.B) {
	fb, err := opencv.NewFallback(opencv.Options{}, "benchmark")
	if err != nil {
		b.Fatal(err)
	}
	defer fb.Close()
	bench(b, fb.Motion)
}

func BenchmarkHOGMOG2(b *testing.B) {
	fb, err := opencv.NewFallback(opencv.Options{}, "benchmark")
	if err != nil {
		b.Fatal(err)
	}
	defer fb.Close()
	bench(b, fb.Detect)
}

// bench runs a detector over consecutive vtest frames and reports frames/s.
func bench(b *testing.B, detect func(opencv.Frame) ([]opencv.Box, error)) {
	fs := frames(b, 1, 100)
	boxes := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := detect(fs[i%len(fs)])
		if err != nil {
			b.Fatal(err)
		}
		boxes += len(got)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(boxes)/float64(b.N), "boxes/frame")
}
