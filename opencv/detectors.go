package opencv

// #include <stdlib.h>
// #include "detect.h"
import "C"

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"custodian"
)

// Options are the detectors' thresholds; a zero field takes its default (Defaults).
type Options struct {
	// PersonScore is YOLOX's minimum objectness × person score (default 0.3).
	PersonScore float32
	// PersonNMS is the IoU above which YOLOX's overlapping boxes are merged (default 0.45).
	PersonNMS float32
	// FaceScore and FaceNMS are YuNet's (defaults 0.6 and 0.3).
	FaceScore, FaceNMS float32
	// HOGScale is the HOG detector's pyramid step (default 1.05: slower, finds more);
	// HOGHit its SVM threshold (default 0); HOGUpscale enlarges the frame first so that
	// people smaller than its 64×128 window are found (default 1: not enlarged).
	HOGScale, HOGHit, HOGUpscale float64
	// MotionMinArea is the smallest motion blob kept, in pixels (default 300); MotionHistory
	// and MotionVar are MOG2's history (frames, default 200) and variance threshold
	// (default 16); MotionDilate joins a person's parts (pixels, default 4).
	MotionMinArea float64
	MotionHistory int
	MotionVar     float64
	MotionDilate  int
}

// Defaults are the thresholds a zero Options takes.
var Defaults = Options{PersonScore: 0.3, PersonNMS: 0.45, FaceScore: 0.6, FaceNMS: 0.3,
	HOGScale: 1.05, HOGHit: 0, HOGUpscale: 1, MotionMinArea: 300, MotionHistory: 200,
	MotionVar: 16, MotionDilate: 4}

// withDefaults fills zero fields and checks the others.
func (o Options) withDefaults() (Options, error) {
	d := Defaults
	f32 := func(v *float32, def float32, name string) error {
		if *v == 0 {
			*v = def
		}
		if !(*v > 0 && *v <= 1) {
			return custodian.Errorf(custodian.EINVALID, "검출 설정 %s=%v는 0보다 크고 1 이하여야 합니다",
				"detector option %s=%v must be above 0 and at most 1", name, *v)
		}
		return nil
	}
	for _, c := range []struct {
		v    *float32
		def  float32
		name string
	}{{&o.PersonScore, d.PersonScore, "PersonScore"}, {&o.PersonNMS, d.PersonNMS, "PersonNMS"},
		{&o.FaceScore, d.FaceScore, "FaceScore"}, {&o.FaceNMS, d.FaceNMS, "FaceNMS"}} {
		if err := f32(c.v, c.def, c.name); err != nil {
			return o, err
		}
	}
	if o.HOGScale == 0 {
		o.HOGScale = d.HOGScale
	}
	if o.HOGUpscale == 0 {
		o.HOGUpscale = d.HOGUpscale
	}
	if o.MotionMinArea == 0 {
		o.MotionMinArea = d.MotionMinArea
	}
	if o.MotionHistory == 0 {
		o.MotionHistory = d.MotionHistory
	}
	if o.MotionVar == 0 {
		o.MotionVar = d.MotionVar
	}
	if o.MotionDilate == 0 {
		o.MotionDilate = d.MotionDilate
	}
	bad := func(name string, v any, rule, ruleKo string) error {
		return custodian.Errorf(custodian.EINVALID, "검출 설정 %s=%v: %s", "detector option %s=%v: %s",
			name, v, ruleKo+" / "+rule)
	}
	switch {
	case !(o.HOGScale > 1 && o.HOGScale <= 2):
		return o, bad("HOGScale", o.HOGScale, "must be above 1 and at most 2", "1보다 크고 2 이하여야 합니다")
	case !(o.HOGUpscale >= 1 && o.HOGUpscale <= 4):
		return o, bad("HOGUpscale", o.HOGUpscale, "must be 1 to 4", "1–4여야 합니다")
	case !(o.HOGHit >= -10 && o.HOGHit <= 10):
		return o, bad("HOGHit", o.HOGHit, "must be -10 to 10", "-10–10이어야 합니다")
	case !(o.MotionMinArea > 0):
		return o, bad("MotionMinArea", o.MotionMinArea, "must be positive", "양수여야 합니다")
	case o.MotionHistory < 1 || o.MotionHistory > 100000:
		return o, bad("MotionHistory", o.MotionHistory, "must be 1 to 100000", "1–100000이어야 합니다")
	case !(o.MotionVar > 0 && o.MotionVar <= 1000):
		return o, bad("MotionVar", o.MotionVar, "must be above 0 and at most 1000", "0보다 크고 1000 이하여야 합니다")
	case o.MotionDilate < 0 || o.MotionDilate > 64:
		return o, bad("MotionDilate", o.MotionDilate, "must be 0 to 64", "0–64여야 합니다")
	}
	return o, nil
}

// Model is a model file a detector loaded.
type Model struct {
	Name   string // the file's name, e.g. "yolox_nano_coco80.onnx"
	Path   string
	Size   int64
	SHA256 string // hex, of the bytes loaded
}

// maxModel bounds a model file read into memory.
const maxModel = 256 << 20

// readModel reads a model file and hashes it.
func readModel(path string) ([]byte, Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, Model{}, custodian.Errorf(custodian.ENOTFOUND, "모델 파일 %s를 읽을 수 없습니다: %w",
			"cannot read the model file %s: %w", path, err)
	}
	if !st.Mode().IsRegular() || st.Size() > maxModel {
		return nil, Model{}, custodian.Errorf(custodian.EINVALID,
			"모델 파일 %s는 %d바이트 이하의 일반 파일이어야 합니다",
			"the model file %s must be a regular file of at most %d bytes", path, maxModel)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, Model{}, custodian.Errorf(custodian.EINVALID, "모델 파일 %s를 읽을 수 없습니다: %w",
			"cannot read the model file %s: %w", path, err)
	}
	sum := sha256.Sum256(b)
	return b, Model{Name: filepath.Base(path), Path: path, Size: int64(len(b)),
		SHA256: hex.EncodeToString(sum[:])}, nil
}

// PersonDetector finds people in frames. Kind names the method ("yolox-nano",
// "hog+mog2"); Report says which detector ran, with its model's hash or why it fell back.
type PersonDetector interface {
	Detect(Frame) ([]Box, error)
	Kind() string
	Report() string
	Close() error
}

// YOLOXInput is the side of YOLOX-nano's square input.
const YOLOXInput = 416

// personClass is COCO's person.
const personClass = 0

// YOLOX is the YOLOX-nano person detector.
type YOLOX struct {
	mu    sync.Mutex
	h     unsafe.Pointer // C++ YOLOX; nil after Close
	opts  Options
	model Model
}

// NewYOLOX loads YOLOX-nano from an ONNX file. The bytes hashed are the bytes loaded.
func NewYOLOX(path string, opts Options) (*YOLOX, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	b, m, err := readModel(path)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, custodian.Errorf(custodian.EINVALID, "모델 파일 %s가 비어 있습니다",
			"the model file %s is empty", path)
	}
	var h unsafe.Pointer
	var msg *C.char
	if C.cvc_yolox_new((*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b)), &h, &msg) != 0 {
		return nil, cError(custodian.EINVALID, msg,
			"모델 파일 %s를 YOLOX 네트워크로 읽지 못했습니다 (손상되었거나 다른 형식)",
			"cannot load the model file %s as the YOLOX network (corrupt or another format)", path)
	}
	y := &YOLOX{h: h, opts: opts, model: m}
	// A network that loads but does not give YOLOX's output is refused now, not per frame.
	if _, msg := y.run(Frame{Width: 160, Height: 120, Pix: make([]byte, 160*120*3)}); msg != "" {
		y.Close()
		return nil, custodian.Errorf(custodian.EINVALID,
			"모델 파일 %s는 YOLOX-nano(416×416, 1×3549×85)가 아닙니다: %s",
			"the model file %s is not YOLOX-nano (416×416, 1×3549×85): %s", path, msg)
	}
	return y, nil
}

// Detect finds people in a frame: letterboxed to 416×416, decoded, objectness × person
// above PersonScore, overlapping boxes merged (PersonNMS).
func (y *YOLOX) Detect(f Frame) ([]Box, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.h == nil {
		return nil, closed("YOLOX")
	}
	b, msg := y.run(f)
	if msg != "" {
		return nil, custodian.Errorf(custodian.EINTERNAL, "YOLOX 검출 실패 (%s): %s",
			"YOLOX detection failed (%s): %s", y.model.Name, msg)
	}
	return b, nil
}

// run runs the network on a checked frame (y.mu held or y not yet shared); the message
// is the wrapper's on failure.
func (y *YOLOX) run(f Frame) ([]Box, string) {
	var p *C.cvc_box
	var n C.int
	var msg *C.char
	if C.cvc_yolox_detect(y.h, f.ptr(), C.int(f.Width), C.int(f.Height), C.int(YOLOXInput),
		C.float(y.opts.PersonScore), C.float(y.opts.PersonNMS), C.int(personClass),
		&p, &n, &msg) != 0 {
		return nil, cText(msg)
	}
	return boxes(p, n, SourceYOLOX), ""
}

// Kind is "yolox-nano".
func (y *YOLOX) Kind() string { return string(SourceYOLOX) }

// Model is the file loaded and its hash.
func (y *YOLOX) Model() Model { return y.model }

// Report names the detector, its model's hash and thresholds.
func (y *YOLOX) Report() string {
	return fmt.Sprintf("yolox-nano sha256=%s (%s, %d×%d, score %.2f, nms %.2f)", y.model.SHA256,
		y.model.Name, YOLOXInput, YOLOXInput, y.opts.PersonScore, y.opts.PersonNMS)
}

// Close frees the network; it is safe to call more than once.
func (y *YOLOX) Close() error {
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.h != nil {
		C.cvc_yolox_free(y.h)
		y.h = nil
	}
	return nil
}

// FaceDetector is YuNet (2022mar) through cv::FaceDetectorYN.
type FaceDetector struct {
	mu    sync.Mutex
	h     unsafe.Pointer
	opts  Options
	model Model
}

// NewFaceDetector loads YuNet from an ONNX file. OpenCV 4.6 loads it by path only, so the
// file is hashed before and after loading and must not have changed in between.
func NewFaceDetector(path string, opts Options) (*FaceDetector, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	_, m, err := readModel(path)
	if err != nil {
		return nil, err
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var h unsafe.Pointer
	var msg *C.char
	if C.cvc_yunet_new(cpath, &h, &msg) != 0 {
		return nil, cError(custodian.EINVALID, msg,
			"모델 파일 %s를 YuNet 얼굴 검출기로 읽지 못했습니다 (손상되었거나 다른 형식)",
			"cannot load the model file %s as the YuNet face detector (corrupt or another format)", path)
	}
	d := &FaceDetector{h: h, opts: opts, model: m}
	if _, again, err := readModel(path); err != nil || again.SHA256 != m.SHA256 {
		d.Close()
		return nil, custodian.Errorf(custodian.ECONFLICT, "모델 파일 %s가 읽는 동안 바뀌었습니다",
			"the model file %s changed while it was loaded", path)
	}
	if _, msg := d.run(Frame{Width: 160, Height: 120, Pix: make([]byte, 160*120*3)}); msg != "" {
		d.Close()
		return nil, custodian.Errorf(custodian.EINVALID,
			"모델 파일 %s는 YuNet 2022mar 얼굴 검출기가 아닙니다: %s",
			"the model file %s is not the YuNet 2022mar face detector: %s", path, msg)
	}
	return d, nil
}

// Detect finds faces in a frame.
func (d *FaceDetector) Detect(f Frame) ([]Box, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.h == nil {
		return nil, closed("YuNet")
	}
	b, msg := d.run(f)
	if msg != "" {
		return nil, custodian.Errorf(custodian.EINTERNAL, "YuNet 얼굴 검출 실패 (%s): %s",
			"YuNet face detection failed (%s): %s", d.model.Name, msg)
	}
	return b, nil
}

// run runs the detector on a checked frame (d.mu held or d not yet shared).
func (d *FaceDetector) run(f Frame) ([]Box, string) {
	var p *C.cvc_box
	var n C.int
	var msg *C.char
	if C.cvc_yunet_detect(d.h, f.ptr(), C.int(f.Width), C.int(f.Height),
		C.float(d.opts.FaceScore), C.float(d.opts.FaceNMS), &p, &n, &msg) != 0 {
		return nil, cText(msg)
	}
	return boxes(p, n, SourceYuNet), ""
}

// Model is the file loaded and its hash.
func (d *FaceDetector) Model() Model { return d.model }

// Report names the detector, its model's hash and thresholds.
func (d *FaceDetector) Report() string {
	return fmt.Sprintf("yunet-2022mar sha256=%s (%s, score %.2f, nms %.2f)", d.model.SHA256,
		d.model.Name, d.opts.FaceScore, d.opts.FaceNMS)
}

// Close frees the detector; it is safe to call more than once.
func (d *FaceDetector) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.h != nil {
		C.cvc_yunet_free(d.h)
		d.h = nil
	}
	return nil
}

// Fallback is the person detector that needs no model file: OpenCV's HOG default people
// detector plus MOG2 motion blobs. Motion learns the background from the frames it is
// given, so Detect must be given a camera's frames in order (one Fallback per stream); a
// motion blob that a HOG box already covers for the most part is left out.
type Fallback struct {
	mu     sync.Mutex
	hog    unsafe.Pointer
	mog    unsafe.Pointer
	opts   Options
	reason string
}

// NewFallback makes the HOG + MOG2 detector; reason says why it is used (its Report).
func NewFallback(opts Options, reason string) (*Fallback, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	fb := &Fallback{opts: opts, reason: reason}
	var msg *C.char
	if C.cvc_hog_new(&fb.hog, &msg) != 0 {
		return nil, cError(custodian.EINTERNAL, msg, "HOG 사람 검출기를 만들지 못했습니다", "cannot make the HOG people detector")
	}
	if C.cvc_mog2_new(C.int(opts.MotionHistory), C.double(opts.MotionVar), &fb.mog, &msg) != 0 {
		fb.Close()
		return nil, cError(custodian.EINTERNAL, msg, "MOG2 움직임 검출기를 만들지 못했습니다", "cannot make the MOG2 motion detector")
	}
	return fb, nil
}

// Detect finds people by HOG and moving blobs by MOG2 in the next frame of the stream.
func (fb *Fallback) Detect(f Frame) ([]Box, error) {
	people, err := fb.HOG(f)
	if err != nil {
		return nil, err
	}
	motion, err := fb.Motion(f)
	if err != nil {
		return nil, err
	}
	out := people
	for _, m := range motion {
		if !coveredBy(m, people, 0.7) {
			out = append(out, m)
		}
	}
	return out, nil
}

// HOG runs the HOG people detector alone on a frame (no state).
func (fb *Fallback) HOG(f Frame) ([]Box, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if fb.hog == nil {
		return nil, closed("HOG")
	}
	var p *C.cvc_box
	var n C.int
	var msg *C.char
	if C.cvc_hog_detect(fb.hog, f.ptr(), C.int(f.Width), C.int(f.Height), C.double(fb.opts.HOGScale),
		C.double(fb.opts.HOGHit), C.double(fb.opts.HOGUpscale), &p, &n, &msg) != 0 {
		return nil, cError(custodian.EINTERNAL, msg, "HOG 사람 검출 실패", "HOG people detection failed")
	}
	return boxes(p, n, SourceHOG), nil
}

// Motion feeds the next frame of the stream to MOG2 and returns its moving blobs.
func (fb *Fallback) Motion(f Frame) ([]Box, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if fb.mog == nil {
		return nil, closed("MOG2")
	}
	var p *C.cvc_box
	var n C.int
	var msg *C.char
	if C.cvc_mog2_apply(fb.mog, f.ptr(), C.int(f.Width), C.int(f.Height), C.double(fb.opts.MotionMinArea),
		C.int(fb.opts.MotionDilate), &p, &n, &msg) != 0 {
		return nil, cError(custodian.EINTERNAL, msg, "MOG2 움직임 검출 실패", "MOG2 motion detection failed")
	}
	return boxes(p, n, SourceMotion), nil
}

// Kind is "hog+mog2".
func (fb *Fallback) Kind() string { return "hog+mog2" }

// Report says that the fallback ran and why.
func (fb *Fallback) Report() string {
	return fmt.Sprintf("hog+mog2 (%s; hog scale %.2f, motion min area %.0f)", fb.reason,
		fb.opts.HOGScale, fb.opts.MotionMinArea)
}

// Close frees both detectors; it is safe to call more than once.
func (fb *Fallback) Close() error {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if fb.hog != nil {
		C.cvc_hog_free(fb.hog)
		fb.hog = nil
	}
	if fb.mog != nil {
		C.cvc_mog2_free(fb.mog)
		fb.mog = nil
	}
	return nil
}

// coveredBy reports whether at least share of b's area lies inside one of boxes.
func coveredBy(b Box, boxes []Box, share float32) bool {
	area := b.W * b.H
	if area <= 0 {
		return true
	}
	for _, o := range boxes {
		iw := min(b.X+b.W, o.X+o.W) - max(b.X, o.X)
		ih := min(b.Y+b.H, o.Y+o.H) - max(b.Y, o.Y)
		if iw > 0 && ih > 0 && iw*ih >= share*area {
			return true
		}
	}
	return false
}
