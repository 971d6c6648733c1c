// Package opencv finds people and faces in video frames for masking third parties
// (docs/design/masking.md) through Debian's OpenCV 4.6, by a small cgo wrapper of its own
// (detect.cpp; gocv does not build against 4.6). Detectors:
//
//   - YOLOX: YOLOX-nano (COCO, class 0 = person) through cv::dnn, the person detector;
//   - FaceDetector: YuNet 2022mar through cv::FaceDetectorYN, faces as an extra;
//   - Fallback: OpenCV's built-in HOG people detector plus MOG2 motion blobs, used when no
//     model file is there (it needs no file, and says so in its Report).
//
// Open chooses what a model directory holds and computes the SHA-256 of each model file it
// loads (the masking recipe records them). A C++ exception never crosses into Go: the
// wrapper returns its message, which becomes a custodian error naming the file.
//
// Memory: C never keeps a Go pointer. A frame's pixels and a model's bytes are read during
// the call only; boxes come back in malloc'ed memory that Go copies and frees. Each
// detector holds C++ objects until Close; a detector is safe for use by several goroutines
// (calls are serialised), and Detect after Close is an error.
package opencv

// #cgo pkg-config: opencv4
// #cgo CXXFLAGS: -std=c++17 -O2
// #include <stdlib.h>
// #include "detect.h"
import "C"

import (
	"fmt"
	"image"
	"unsafe"

	"custodian"
)

func init() { C.cvc_quiet() }

// Version is the version of the OpenCV library the package was built against.
func Version() string { return C.GoString(C.cvc_version()) }

// Frame is a decoded video frame: packed BGR, 3 bytes a pixel, rows without padding (what
// ffmpeg writes with -f rawvideo -pix_fmt bgr24).
type Frame struct {
	Width, Height int
	Pix           []byte // len = Width*Height*3
}

// NewFrame returns a frame over pix, checking its size.
func NewFrame(width, height int, pix []byte) (Frame, error) {
	f := Frame{Width: width, Height: height, Pix: pix}
	return f, f.check()
}

// maxSide bounds a frame's width and height (8K is 7680).
const maxSide = 16384

func (f Frame) check() error {
	if f.Width <= 0 || f.Height <= 0 || f.Width > maxSide || f.Height > maxSide {
		return custodian.Errorf(custodian.EINVALID, "프레임 크기 %d×%d가 잘못되었습니다 (1–%d)",
			"frame size %d×%d is invalid (1–%d)", f.Width, f.Height, maxSide)
	}
	if want := f.Width * f.Height * 3; len(f.Pix) != want {
		return custodian.Errorf(custodian.EINVALID,
			"%d×%d BGR 프레임은 %d바이트여야 하는데 %d바이트입니다",
			"a %d×%d BGR frame must be %d bytes, not %d", f.Width, f.Height, want, len(f.Pix))
	}
	return nil
}

// ptr is the address of the first pixel, for the duration of one C call.
func (f Frame) ptr() *C.uint8_t { return (*C.uint8_t)(unsafe.Pointer(&f.Pix[0])) }

// Source says which method found a box.
type Source string

// Sources.
const (
	SourceYOLOX  Source = "yolox-nano"
	SourceYuNet  Source = "yunet"
	SourceHOG    Source = "hog"
	SourceMotion Source = "motion"
)

// Box is something found in a frame, in the frame's pixels (X, Y the top-left corner).
// Score is the detector's confidence: objectness × person for YOLOX, YuNet's face score,
// the SVM weight for HOG, and 0 for a motion blob (motion is not a judgement about people).
type Box struct {
	X, Y, W, H float32
	Score      float32
	Source     Source
}

// Rect is the box as integer pixels, grown outwards to whole pixels.
func (b Box) Rect() image.Rectangle {
	x0, y0 := int(b.X), int(b.Y)
	x1, y1 := int(b.X+b.W+0.999), int(b.Y+b.H+0.999)
	return image.Rect(x0, y0, x1, y1)
}

// String is for test messages and logs.
func (b Box) String() string {
	return fmt.Sprintf("%s %.0f,%.0f %.0f×%.0f %.2f", b.Source, b.X, b.Y, b.W, b.H, b.Score)
}

// cText returns a message from the wrapper (a C++ exception's text) and frees it.
func cText(msg *C.char) string {
	if msg == nil {
		return "unknown error"
	}
	defer C.free(unsafe.Pointer(msg))
	return C.GoString(msg)
}

// cError turns a message from the wrapper into an error with a code and frees it.
func cError(code string, msg *C.char, ko, en string, args ...any) error {
	return custodian.Errorf(code, ko+": %s", en+": %s", append(args, cText(msg))...)
}

// boxes copies n boxes from C memory into Go and frees the C memory.
func boxes(p *C.cvc_box, n C.int, src Source) []Box {
	if p == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(p))
	cs := unsafe.Slice(p, int(n))
	out := make([]Box, len(cs))
	for i, c := range cs {
		out[i] = Box{X: float32(c.x), Y: float32(c.y), W: float32(c.w), H: float32(c.h),
			Score: float32(c.score), Source: src}
	}
	return out
}

// closed is the error of a detector used after Close.
func closed(what string) error {
	return custodian.Errorf(custodian.EINTERNAL, "%s 검출기는 이미 닫혔습니다",
		"the %s detector is closed", what)
}
