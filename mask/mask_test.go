package mask_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"custodian"
	"custodian/internal/testmedia"
	"custodian/mask"
	"custodian/opencv"
	"custodian/track"
)

// clip is the first seconds of vtest (H.264, 10 frames/s) as a fragmented MP4 in memory,
// what the door's reader gives.
func clip(t testing.TB, seconds int) []byte {
	t.Helper()
	testmedia.Need(t, "ffmpeg", "ffprobe")
	src := testmedia.Path(t, testmedia.VtestH264)
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", src, "-t", strconv.Itoa(seconds), "-c", "copy", "-an",
		"-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "pipe:1")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("cutting vtest: %v: %s", err, stderr.String())
	}
	return out.Bytes()
}

// decode decodes an MP4 in memory to BGR frames.
func decode(t testing.TB, mp4 []byte, w, h int) [][]byte {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", "pipe:0", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1")
	cmd.Stdin = bytes.NewReader(mp4)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("decoding: %v: %s", err, stderr.String())
	}
	size := w * h * 3
	if out.Len()%size != 0 {
		t.Fatalf("decoded %d bytes, not whole %d×%d frames", out.Len(), w, h)
	}
	var frames [][]byte
	for b := out.Bytes(); len(b) > 0; b = b[size:] {
		frames = append(frames, b[:size])
	}
	return frames
}

type probed struct {
	codec    string
	w, h     int
	frames   int
	duration float64
	audio    bool
}

func ffprobe(t testing.TB, mp4 []byte) probed {
	t.Helper()
	cmd := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries",
		"stream=codec_type,codec_name,width,height,nb_read_frames:format=duration", "-of", "default=nw=1", "-i", "pipe:0")
	cmd.Stdin = bytes.NewReader(mp4)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var p probed
	for _, l := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(l, "=")
		switch k {
		case "codec_name":
			if p.codec == "" {
				p.codec = v
			}
		case "codec_type":
			p.audio = p.audio || v == "audio"
		case "width":
			p.w, _ = strconv.Atoi(v)
		case "height":
			p.h, _ = strconv.Atoi(v)
		case "nb_read_frames":
			p.frames, _ = strconv.Atoi(v)
		case "duration":
			p.duration, _ = strconv.ParseFloat(v, 64)
		}
	}
	return p
}

// masksOf collects the masks of each frame written.
func masksOf(opt *mask.Options) map[int][]track.Mask {
	m := map[int][]track.Mask{}
	opt.Frame = func(n int, ms []track.Mask) { m[n] = ms }
	return m
}

// TestRenderMasksEveryone renders 10 s of vtest with YOLOX and checks that the output
// plays, and that the same detector run on the masked output finds nobody inside a mask.
// k = 1 (the detectors on every frame) and k = 2 (every other frame, twice real time).
func TestRenderMasksEveryone(t *testing.T) {
	models := testmedia.ModelsDir(t, opencv.YOLOXFile)
	in := clip(t, 10)
	for _, k := range []int{1, 2} {
		t.Run("k"+strconv.Itoa(k), func(t *testing.T) { renderMasksEveryone(t, models, in, k) })
	}
}

func renderMasksEveryone(t *testing.T, models string, in []byte, k int) {
	src := ffprobe(t, in)
	p := track.DefaultParams()
	p.DetectEvery = k
	opt := mask.Options{ModelDir: models, Track: p}
	masks := masksOf(&opt)
	var progress []mask.Progress
	opt.Progress = func(p mask.Progress) { progress = append(progress, p) }
	var out bytes.Buffer
	rep, err := mask.Render(context.Background(), bytes.NewReader(in), &out, opt)
	if err != nil {
		t.Fatal(err)
	}
	got := ffprobe(t, out.Bytes())
	t.Logf("input %+v, output %+v (%d bytes)", src, got, out.Len())
	if got.codec != "h264" || got.w != 768 || got.h != 576 || got.audio {
		t.Fatalf("output is %+v, want h264 768×576 without audio", got)
	}
	// (The input's container duration is unreliable: a fragmented MP4 with an empty moov.)
	if want := float64(src.frames) / 10; got.frames < src.frames-2 || got.frames > src.frames+2 || got.duration < want-0.3 || got.duration > want+0.3 {
		t.Errorf("output has %d frames over %.2f s, input %d frames at 10 frames/s", got.frames, got.duration, src.frames)
	}
	c := rep.Coverage
	t.Logf("coverage %+v", c)
	t.Logf("recipe %+v", rep.Recipe)
	if c.Frames != got.frames || c.DetectionFrames != (c.Frames+k-1)/k || c.Fallback || !strings.Contains(c.Detector, "yolox-nano sha256=") {
		t.Errorf("coverage %+v does not match the output (%d frames) or the detector", c, got.frames)
	}
	if c.Tracks < 3 || c.FramesMasked < c.Frames*9/10 || c.MaskedShare <= 0.01 || c.MaskedShare > 0.6 {
		t.Errorf("coverage %+v: too few tracks or masks for vtest's crowd", c)
	}
	if len(rep.Recipe.Models) == 0 || rep.Recipe.Models[0].Name != opencv.YOLOXFile || len(rep.Recipe.Models[0].SHA256) != 64 ||
		rep.Recipe.Block != mask.DefaultBlock || rep.Recipe.Method != "pixelate" || rep.Recipe.Track != p {
		t.Errorf("recipe %+v", rep.Recipe)
	}
	if len(progress) != c.Frames || progress[len(progress)-1].Frames != c.Frames {
		t.Errorf("%d progress calls for %d frames", len(progress), c.Frames)
	}
	if len(masks) != c.Frames {
		t.Fatalf("Frame was called for %d frames of %d", len(masks), c.Frames)
	}

	// The detector again, on the masked output: a person found mostly (≥ 50%) inside a
	// mask of that frame would be someone the mask did not hide.
	det, err := opencv.Open(models, opencv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	decoded := decode(t, out.Bytes(), 768, 576)
	inFrames := decode(t, in, 768, 576)
	revealed, outside, before := 0, 0, 0
	var outFrames []int // frames with a person found outside every mask: left visible
	for n, pix := range decoded {
		f, _ := opencv.NewFrame(768, 576, pix)
		boxes, err := det.Person.Detect(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range boxes {
			tb := track.Box{X: float64(b.X), Y: float64(b.Y), W: float64(b.W), H: float64(b.H)}
			in := false
			for _, m := range masks[n] {
				if tb.Covered(m.Box) >= 0.5 {
					in = true
					break
				}
			}
			if in {
				revealed++
				t.Logf("frame %d: %v found inside a mask", n, b)
			} else {
				outside++
				outFrames = append(outFrames, n)
			}
		}
		if n < len(inFrames) {
			f, _ := opencv.NewFrame(768, 576, inFrames[n])
			b, _ := det.Person.Detect(f)
			before += len(b)
		}
	}
	t.Logf("YOLOX on the masked output: %d detections inside masks (goal 0), %d outside any mask; %d on the input", revealed, outside, before)
	if len(outFrames) > 0 {
		t.Logf("frames with a person found outside every mask: %v", outFrames)
	}
	if revealed > len(decoded)/20 {
		t.Errorf("%d people found inside masks in %d frames", revealed, len(decoded))
	}
	// People found outside every mask were left visible: none with k = 1, 1 in 102 frames
	// with k = 2 (k = 3 leaves 38 with the default tracker: docs/design/masking.md).
	if outside > len(decoded)/20 {
		t.Errorf("%d people found outside every mask in %d frames", outside, len(decoded))
	}
	if before < 4*len(inFrames) {
		t.Errorf("the detector found only %d people in the input's %d frames: the check above is empty", before, len(inFrames))
	}
}

func meanDiff(a, b []byte, w int, r track.Box) float64 {
	x0, y0, x1, y1 := int(r.X), int(r.Y), int(r.X+r.W), int(r.Y+r.H)
	sum, n := 0, 0
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			for c := 0; c < 3; c++ {
				i := (y*w+x)*3 + c
				d := int(a[i]) - int(b[i])
				if d < 0 {
					d = -d
				}
				sum += d
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(sum) / float64(n)
}

// TestKeptTrackIsClear keeps one person clear: their box matches the input (up to the
// encoder's loss) where no other mask touches it, while masked boxes do not.
func TestKeptTrackIsClear(t *testing.T) {
	models := testmedia.ModelsDir(t, opencv.YOLOXFile)
	in := clip(t, 4)
	first, err := mask.Render(context.Background(), bytes.NewReader(in), io.Discard, mask.Options{ModelDir: models})
	if err != nil {
		t.Fatal(err)
	}
	// The longest person track.
	keep := 0
	for _, tr := range first.Tracks {
		if tr.Kind == track.Person && (keep == 0 || len(tr.Boxes) > len(first.Tracks[keep-1].Boxes)) {
			keep = tr.ID
		}
	}
	if keep == 0 {
		t.Fatal("no person track")
	}
	kt := first.Tracks[keep-1]
	opt := mask.Options{ModelDir: models, Keep: []int{keep}}
	masks := masksOf(&opt)
	var out bytes.Buffer
	rep, err := mask.Render(context.Background(), bytes.NewReader(in), &out, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Recipe.Keep) != 1 || rep.Recipe.Keep[0] != keep || rep.Coverage.KeptFrames != len(kt.Boxes) {
		t.Errorf("recipe keeps %v (want [%d]), kept frames %d (want %d)", rep.Recipe.Keep, keep, rep.Coverage.KeptFrames, len(kt.Boxes))
	}
	inF, outF := decode(t, in, 768, 576), decode(t, out.Bytes(), 768, 576)
	checked := 0
	var keptDiff, maskedDiff float64
	for _, fb := range kt.Boxes {
		n := fb.Frame
		kb := fb.Box.Clip(768, 576)
		clear := true
		for _, m := range masks[n] {
			if m.Track == keep {
				t.Fatalf("frame %d: the kept track %d is masked", n, keep)
			}
			// Blocks are whole: a mask within a block of the kept box touches it.
			if !m.Box.Grow(16.0 / min(m.Box.W, m.Box.H)).Intersect(kb).Empty() {
				clear = false
			}
		}
		if !clear || kb.W < 8 || kb.H < 8 {
			continue
		}
		checked++
		keptDiff += meanDiff(inF[n], outF[n], 768, kb)
		for _, m := range masks[n] {
			maskedDiff += meanDiff(inF[n], outF[n], 768, m.Box) / float64(len(masks[n]))
		}
	}
	if checked < 3 {
		t.Fatalf("only %d frames where kept track %d is apart from every mask", checked, keep)
	}
	keptDiff /= float64(checked)
	maskedDiff /= float64(checked)
	t.Logf("track %d kept on %d frames checked: mean |Δ| %.2f in its box, %.2f in masked boxes", keep, checked, keptDiff, maskedDiff)
	if keptDiff > 6 || maskedDiff < 2*keptDiff {
		t.Errorf("kept box differs by %.2f from the input, masked boxes by %.2f", keptDiff, maskedDiff)
	}

	// A kept track that is not in the video: the recipe is another's.
	_, err = mask.Render(context.Background(), bytes.NewReader(in), io.Discard, mask.Options{ModelDir: models, Keep: []int{999}})
	if custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), "999") {
		t.Errorf("keeping track 999: %v", err)
	}
}

// ffmpegChildren lists the ffmpeg processes whose parent is this test.
func ffmpegChildren(t *testing.T) []string {
	t.Helper()
	var out []string
	ents, _ := os.ReadDir("/proc")
	me := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.Contains(s[:i], "(ffmpeg") {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == me {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestCancel(t *testing.T) {
	models := testmedia.ModelsDir(t, opencv.YOLOXFile)
	in := clip(t, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := mask.Options{ModelDir: models}
	frames := 0
	opt.Progress = func(p mask.Progress) {
		frames = p.Frames
		if p.Frames == 20 {
			cancel()
		}
	}
	var out bytes.Buffer
	rep, err := mask.Render(ctx, bytes.NewReader(in), &out, opt)
	if !errors.Is(err, context.Canceled) || rep != nil {
		t.Fatalf("cancelled render: %v, %v", rep, err)
	}
	if frames != 20 {
		t.Errorf("%d frames written after the cancel at 20", frames)
	}
	if left := ffmpegChildren(t); len(left) > 0 {
		t.Errorf("ffmpeg processes left: %v", left)
	}
	t.Logf("cancelled after 20 frames: %d bytes had been written", out.Len())
	// Cancelled before it starts: nothing is written.
	out.Reset()
	if _, err := mask.Render(ctx, bytes.NewReader(in), &out, opt); !errors.Is(err, context.Canceled) || out.Len() != 0 {
		t.Errorf("render with an ended context: %v, %d bytes", err, out.Len())
	}
}

func TestBadInput(t *testing.T) {
	models := testmedia.ModelsDir(t, opencv.YOLOXFile)
	in := clip(t, 2)
	// A corrupt model: an error naming the file, nothing written.
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(models, opencv.YOLOXFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, opencv.YOLOXFile), b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	_, err = mask.Render(context.Background(), bytes.NewReader(in), &out, mask.Options{ModelDir: dir})
	if custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), opencv.YOLOXFile) || out.Len() != 0 {
		t.Errorf("corrupt model: %v (%d bytes written)", err, out.Len())
	}
	for name, c := range map[string]struct {
		in  []byte
		opt mask.Options
	}{
		"not an MP4":  {[]byte("this is not a video at all"), mask.Options{ModelDir: models}},
		"empty input": {nil, mask.Options{ModelDir: models}},
		"tiny blocks": {in, mask.Options{ModelDir: models, Block: 2}},
		"bad track":   {in, mask.Options{ModelDir: models, Track: track.Params{MinHits: -1}}},
		"bad keep":    {in, mask.Options{ModelDir: models, Keep: []int{0}}},
		"bad score":   {in, mask.Options{ModelDir: models, Detector: opencv.Options{PersonScore: 2}}},
	} {
		out.Reset()
		_, err := mask.Render(context.Background(), bytes.NewReader(c.in), &out, c.opt)
		if custodian.ErrorCode(err) != custodian.EINVALID || out.Len() != 0 {
			t.Errorf("%s: %v (%d bytes written)", name, err, out.Len())
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestFallback runs without models: HOG + MOG2, and the report says so.
func TestFallback(t *testing.T) {
	in := clip(t, 3)
	opt := mask.Options{ModelDir: t.TempDir(), Fill: true}
	var out bytes.Buffer
	rep, err := mask.Render(context.Background(), bytes.NewReader(in), &out, opt)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Coverage
	t.Logf("fallback: %+v", c)
	if !c.Fallback || !strings.Contains(c.Detector, "hog+mog2") || rep.Recipe.Detector != "hog+mog2" || len(rep.Recipe.Models) != 0 ||
		rep.Recipe.Method != "fill" || rep.Recipe.Fill != "#808080" {
		t.Errorf("fallback report %+v, recipe %+v", c, rep.Recipe)
	}
	if c.FramesMasked == 0 || c.PersonDetections == 0 {
		t.Errorf("the fallback masked nothing: %+v", c)
	}
	if p := ffprobe(t, out.Bytes()); p.codec != "h264" || p.frames != c.Frames {
		t.Errorf("output %+v, %d frames rendered", p, c.Frames)
	}
}

func TestApply(t *testing.T) {
	const w, h = 40, 24
	pix := make([]byte, w*h*3)
	for i := range pix {
		pix[i] = byte(i * 7)
	}
	orig := bytes.Clone(pix)
	n := mask.Apply(pix, w, h, []track.Mask{{Box: track.Box{X: 9, Y: 1, W: 2, H: 2}}}, 8, false, nil)
	// The box spans x 9–10, y 1–2: one block, x 8–15, y 0–7.
	if n != 8*8 {
		t.Errorf("masked %d pixels, want 64", n)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := (y*w + x) * 3
			in := x >= 8 && x < 16 && y < 8
			changed := !bytes.Equal(pix[i:i+3], orig[i:i+3])
			if !in && changed {
				t.Fatalf("pixel %d,%d outside the mask changed", x, y)
			}
			if in {
				j := (0*w + 8) * 3
				if !bytes.Equal(pix[i:i+3], pix[j:j+3]) {
					t.Fatalf("pixel %d,%d differs within its block", x, y)
				}
			}
		}
	}
	// An edge block is cut by the frame; a fill is FillColor.
	n = mask.Apply(pix, w, h, []track.Mask{{Box: track.Box{X: 38, Y: 20, W: 5, H: 9}}}, 16, true, nil)
	if n != 8*8 {
		t.Errorf("edge block: %d pixels, want 64", n)
	}
	i := ((h-1)*w + w - 1) * 3
	if [3]byte(pix[i:i+3]) != mask.FillColor {
		t.Errorf("filled pixel is %v", pix[i:i+3])
	}
}
