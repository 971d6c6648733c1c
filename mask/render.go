package mask

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"slices"
	"sync"
	"time"

	"custodian"
	"custodian/opencv"
	"custodian/track"
)

// Render writes a masked copy of the MP4 read from in to out: H.264 (libx264), a
// fragmented MP4 without sound, the same size and frame rate. in is read as a stream (the
// clip of an opening of the footage door, through a pipe); nothing is written to disk.
//
// Every k-th frame (opt.Track.DetectEvery) goes to the person detector, and to the face
// detector when its model is there; the tracker follows them, and a frame is written once
// the tracker has seen Params.Lag frames after it (its masks are then final), so that
// many decoded frames are held in memory. Each mask box is pixelated with blocks of
// opt.Block pixels on a grid fixed to the frame (every block a box touches, so a mask is
// never smaller than its box), or filled with FillColor.
//
// Timing: the video is decoded at a constant frame rate (the stream's), so a gap in the
// footage is filled with its last picture, and written at that rate.
//
// A corrupt model file, bad options or an input that is not an MP4 are EINVALID errors
// before anything is written. When ctx ends, both ffmpeg processes are killed and waited
// for, and ctx's error is returned; what was written to out by then is the caller's to
// discard (an export writes to a .partial file). A kept track that never appears is an
// error (the recipe is not this footage's).
func Render(ctx context.Context, in io.Reader, out io.Writer, opt Options) (*Report, error) {
	opt, err := opt.check()
	if err != nil {
		return nil, err
	}
	for _, p := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(p); err != nil {
			return nil, custodian.Errorf(custodian.EINTERNAL, "%s를 찾을 수 없습니다: scripts/setup.sh를 실행하십시오",
				"%s is not installed: run scripts/setup.sh", p)
		}
	}
	det, err := opencv.Open(opt.ModelDir, opt.Detector)
	if err != nil {
		return nil, err
	}
	defer det.Close()
	rep := &Report{Recipe: recipe(det, opt)}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	head, info, err := probe(ctx, in)
	if err != nil {
		return nil, err
	}
	c := rep.Coverage
	c.Detector, c.Fallback, c.Width, c.Height, c.FPS = det.Report(), det.Fallback(), info.Width, info.Height, info.FPS
	rep.Coverage = c
	tr, err := track.New(opt.Track, info.Width, info.Height)
	if err != nil {
		return nil, err
	}
	r := &renderer{opt: opt, det: det, tr: tr, info: info, rep: rep, pending: slices.Clone(opt.Keep)}
	if opt.Duration > 0 {
		r.total = int(math.Round(opt.Duration.Seconds() * info.FPS))
	}
	if err := r.run(ctx, io.MultiReader(bytes.NewReader(head), in), out); err != nil {
		return nil, err
	}
	rep.Tracks = tr.Tracks()
	rep.Coverage.Tracks = len(rep.Tracks)
	rep.Recipe.Keep = tr.Kept()
	if c := &rep.Coverage; c.Frames > 0 {
		c.MaskedShare = r.maskedPx / (float64(info.Width*info.Height) * float64(c.Frames))
		c.KeptFrames = keptFrames(rep.Tracks, rep.Recipe.Keep)
	}
	if len(r.pending) > 0 {
		return nil, custodian.Errorf(custodian.EINVALID, "남길 추적 %v가 이 영상에 없습니다 (추적 %d개): 다른 영상이나 설정의 레시피입니다",
			"the kept tracks %v are not in this video (%d tracks): the recipe is another video's or settings'", r.pending, len(rep.Tracks))
	}
	return rep, nil
}

// keptFrames counts the frames on which a kept track has a box.
func keptFrames(tracks []track.Track, keep []int) int {
	on := map[int]bool{}
	for _, id := range keep {
		if id >= 1 && id <= len(tracks) {
			for _, b := range tracks[id-1].Boxes {
				on[b.Frame] = true
			}
		}
	}
	return len(on)
}

func recipe(det *opencv.Detectors, opt Options) Recipe {
	rc := Recipe{Version: Version, Detector: det.Kind(), Faces: det.Face != nil, Models: []Model{},
		Thresholds: thresholds(opt.Detector), Track: opt.Track, Method: "pixelate", Block: opt.Block,
		Keep: []int{}, Encoder: encoderLine()}
	for _, m := range det.Models {
		rc.Models = append(rc.Models, Model{Name: m.Name, SHA256: m.SHA256, Size: m.Size})
	}
	if opt.Fill {
		rc.Method = "fill"
		rc.Fill = fmt.Sprintf("#%02x%02x%02x", FillColor[2], FillColor[1], FillColor[0])
	}
	return rc
}

// frameBuf is a decoded frame waiting for its masks.
type frameBuf struct {
	n   int
	pix []byte
}

type renderer struct {
	opt     Options
	det     *opencv.Detectors
	tr      *track.Tracker
	info    *videoInfo
	rep     *Report
	pending []int // kept tracks not yet born
	total   int

	maskedPx float64 // pixels masked, all frames

	free  chan *frameBuf
	cells []bool // the blocks to mask on the frame being written
}

// run decodes in, masks, and encodes to out.
func (r *renderer) run(ctx context.Context, in io.Reader, out io.Writer) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, h := r.info.Width, r.info.Height
	decErr, encErr := &tail{}, &tail{}
	dec := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", "pipe", "-format_whitelist", "mov", "-i", "pipe:0",
		"-map", "0:v:0", "-an", "-sn", "-dn", "-fps_mode", "cfr", "-r", r.info.Rate,
		"-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1")
	dec.Stderr = decErr
	dec.WaitDelay = 5 * time.Second
	decIn, err := dec.StdinPipe()
	if err != nil {
		return err
	}
	decOut, err := dec.StdoutPipe()
	if err != nil {
		return err
	}
	enc := exec.CommandContext(ctx, "ffmpeg", append([]string{"-nostdin", "-hide_banner", "-loglevel", "error",
		"-f", "rawvideo", "-pix_fmt", "bgr24", "-s", fmt.Sprintf("%dx%d", w, h), "-framerate", r.info.Rate, "-i", "pipe:0"},
		EncoderArgs()...)...)
	enc.Stderr = encErr
	enc.Stdout = out
	enc.WaitDelay = 5 * time.Second
	encIn, err := enc.StdinPipe()
	if err != nil {
		return err
	}
	if err := dec.Start(); err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "ffmpeg를 시작하지 못했습니다: %v", "cannot start ffmpeg: %v", err)
	}
	if err := enc.Start(); err != nil {
		cancel()
		dec.Wait()
		return custodian.Errorf(custodian.EINTERNAL, "ffmpeg를 시작하지 못했습니다: %v", "cannot start ffmpeg: %v", err)
	}
	// Feeding the decoder. It may stay blocked in a read of in after a failure; the
	// caller ends in (an export closes its pipe when Render returns).
	go func() {
		_, err := io.Copy(decIn, in)
		if err != nil {
			decErr.Write([]byte("reading the input: " + err.Error()))
			cancel()
		}
		decIn.Close()
	}()
	// Writing frames to the encoder, while the next ones are decoded and detected.
	lag := r.opt.Track.Lag()
	r.free = make(chan *frameBuf, lag+4)
	toEnc := make(chan *frameBuf, 2)
	wrote := make(chan error, 1)
	go func() {
		var werr error
		for f := range toEnc {
			if werr == nil {
				if _, werr = encIn.Write(f.pix); werr != nil {
					cancel()
				}
			}
			r.put(f)
		}
		if cerr := encIn.Close(); werr == nil {
			werr = cerr
		}
		wrote <- werr
	}()
	loopErr := r.loop(ctx, decOut, toEnc, lag, w*h*3)
	close(toEnc)
	werr := <-wrote
	if loopErr != nil || werr != nil || ctx.Err() != nil {
		cancel()
	}
	derr := dec.Wait()
	eerr := enc.Wait()
	if loopErr != nil {
		return loopErr
	}
	if derr != nil {
		return failed("decoding", derr, decErr)
	}
	if werr != nil {
		return failed("encoding", werr, encErr)
	}
	if eerr != nil {
		return failed("encoding", eerr, encErr)
	}
	return nil
}

func (r *renderer) get(size int) *frameBuf {
	select {
	case f := <-r.free:
		return f
	default:
		return &frameBuf{pix: make([]byte, size)}
	}
}

func (r *renderer) put(f *frameBuf) {
	select {
	case r.free <- f:
	default:
	}
}

// loop reads frames, detects and tracks, and sends each frame with its masks applied
// once Lag frames after it have been seen.
func (r *renderer) loop(ctx context.Context, dec io.Reader, toEnc chan<- *frameBuf, lag, size int) error {
	var held []*frameBuf
	written := 0
	emit := func(f *frameBuf) error {
		if err := r.mask(f); err != nil {
			return err
		}
		select {
		case toEnc <- f:
		case <-ctx.Done():
			return ctx.Err()
		}
		written++
		if r.opt.Progress != nil {
			r.opt.Progress(Progress{Frames: written, Total: max(r.total, written)})
		}
		return nil
	}
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := r.get(size)
		f.n = n
		if _, err := io.ReadFull(dec, f.pix); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				// A partial frame: the decoder failed (its error is reported by Wait).
				break
			}
			return err
		}
		if err := r.step(f); err != nil {
			return err
		}
		held = append(held, f)
		for len(held) > lag {
			if err := emit(held[0]); err != nil {
				return err
			}
			held = held[1:]
		}
	}
	for _, f := range held {
		if err := emit(f); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// step runs the detectors on a detection frame and advances the tracker.
func (r *renderer) step(f *frameBuf) error {
	c := &r.rep.Coverage
	if !r.opt.Track.Detects(f.n) {
		return r.tr.Predict(f.n)
	}
	frame, err := opencv.NewFrame(r.info.Width, r.info.Height, f.pix)
	if err != nil {
		return err
	}
	// The two detectors run side by side (each reads the frame only).
	var faces []opencv.Box
	var faceErr error
	var wg sync.WaitGroup
	if r.det.Face != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			faces, faceErr = r.det.Face.Detect(frame)
		}()
	}
	people, err := r.det.Person.Detect(frame)
	wg.Wait()
	if err != nil {
		return err
	}
	if faceErr != nil {
		return faceErr
	}
	c.DetectionFrames++
	if len(people)+len(faces) > 0 {
		c.FramesWithDetections++
	}
	c.PersonDetections += len(people)
	c.FaceDetections += len(faces)
	dets := make([]track.Detection, 0, len(people)+len(faces))
	add := func(bs []opencv.Box, kind track.Kind) {
		for _, b := range bs {
			d := track.Detection{Box: track.Box{X: float64(b.X), Y: float64(b.Y), W: float64(b.W), H: float64(b.H)},
				Score: float64(b.Score), Kind: kind}
			if !(d.Box.W > 0 && d.Box.H > 0) || math.IsNaN(d.Score) {
				continue
			}
			// The fallback's boxes are thresholded by the detector itself (HOG's SVM
			// weight, the motion blob's area; a blob's score is 0): all are masked.
			if r.det.Fallback() && kind == track.Person {
				d.Score = max(d.Score, r.opt.Track.MinScore)
			}
			dets = append(dets, d)
		}
	}
	add(people, track.Person)
	add(faces, track.Face)
	return r.tr.Update(f.n, dets)
}

// mask applies the frame's final masks to its pixels.
func (r *renderer) mask(f *frameBuf) error {
	for i := 0; i < len(r.pending); {
		if r.tr.Keep(r.pending[i]) == nil {
			r.pending = slices.Delete(r.pending, i, i+1)
			continue
		}
		i++
	}
	masks := r.tr.MaskBoxes(f.n)
	if r.opt.Frame != nil {
		r.opt.Frame(f.n, slices.Clone(masks))
	}
	c := &r.rep.Coverage
	c.Frames++
	if len(masks) == 0 {
		return nil
	}
	c.FramesMasked++
	c.Masks += len(masks)
	only := false
	for _, m := range masks {
		if m.Predicted {
			c.TrackingOnlyMasks++
			only = true
		}
	}
	if only {
		c.FramesTrackingOnly++
	}
	r.maskedPx += float64(Apply(f.pix, r.info.Width, r.info.Height, masks, r.opt.Block, r.opt.Fill, &r.cells))
	return nil
}
