package track

import (
	"math"

	"custodian"
)

// Params are the tracker's settings. They are part of the masking recipe
// written into an export's manifest, hence the JSON names.
type Params struct {
	// MinHits is N: a track is born (confirmed, and masked) once N detection
	// frames have matched it, not necessarily in a row (a miss of at most
	// MaxAge frames does not end a tentative track); a detection seen fewer
	// times is taken as false. Once born, a track is masked from its first
	// detection on.
	MinHits int `json:"min_hits"`
	// MaxAge is M: a born track is kept alive, on predicted boxes, for up to
	// M frames after its last detection, then deleted. It counts frames, not
	// detection frames, and must be at least DetectEvery.
	MaxAge int `json:"max_age"`
	// MinIoU is the least overlap between a track's predicted box and a
	// detection for the two to be associated.
	MinIoU float64 `json:"min_iou"`
	// MinScore is the least detector score a detection must have to count.
	MinScore float64 `json:"min_score"`
	// DetectEvery is k: the detector runs on every k-th frame (1: on every
	// frame); in between the tracker predicts. See Detects.
	DetectEvery int `json:"detect_every"`
	// Margin grows every mask on each side by this share of the box's width
	// (left, right) and height (top, bottom).
	Margin float64 `json:"margin"`
	// GrowPerFrame grows a mask further, on each side, by this share per
	// frame since the track's last detection (the uncertainty of motion),
	// up to MaxGrow.
	GrowPerFrame float64 `json:"grow_per_frame"`
	MaxGrow      float64 `json:"max_grow"`
}

// DefaultParams are the settings used unless a recipe says otherwise.
func DefaultParams() Params {
	return Params{
		MinHits:      3,
		MaxAge:       12,
		MinIoU:       0.3,
		MinScore:     0.3,
		DetectEvery:  1,
		Margin:       0.15,
		GrowPerFrame: 0.02,
		MaxGrow:      0.5,
	}
}

// Detects reports whether the detector runs on the frame (frames counted
// from 0): every DetectEvery-th frame.
func (p Params) Detects(frame int) bool {
	return p.DetectEvery <= 1 || frame%p.DetectEvery == 0
}

// Lag is how many frames after a frame the tracker must have seen before
// that frame's masks are final. A track is born at its MinHits-th detection,
// each at most MaxAge+1 frames after the one before, and its earlier frames
// are masked from then on; the boxes predicted while a track was not
// detected are replaced, when it is detected again (at most MaxAge+1 frames
// after its last detection), by boxes interpolated between the two
// detections.
func (p Params) Lag() int {
	return max((p.MinHits-1)*(p.MaxAge+1), p.MaxAge)
}

// Validate checks every setting and names the first one out of range.
func (p Params) Validate() error {
	bad := func(name string, v any, want string) error {
		return custodian.Errorf(custodian.EINVALID,
			"추적 설정 %s 값 %v이(가) 범위를 벗어났습니다 (%s)",
			"tracking setting %s is %v, out of range (%s)", name, v, want)
	}
	between := func(v, lo, hi float64) bool { return !math.IsNaN(v) && v >= lo && v <= hi }
	switch {
	case p.MinHits < 1 || p.MinHits > 100:
		return bad("min_hits", p.MinHits, "1-100")
	case p.DetectEvery < 1 || p.DetectEvery > 100:
		return bad("detect_every", p.DetectEvery, "1-100")
	case p.MaxAge < p.DetectEvery || p.MaxAge > 10000:
		return bad("max_age", p.MaxAge, "detect_every-10000")
	case !between(p.MinIoU, 0.01, 1):
		return bad("min_iou", p.MinIoU, "0.01-1")
	case !between(p.MinScore, 0, 1):
		return bad("min_score", p.MinScore, "0-1")
	case !between(p.Margin, 0, 2):
		return bad("margin", p.Margin, "0-2")
	case !between(p.GrowPerFrame, 0, 1):
		return bad("grow_per_frame", p.GrowPerFrame, "0-1")
	case !between(p.MaxGrow, 0, 5):
		return bad("max_grow", p.MaxGrow, "0-5")
	}
	return nil
}
