// Package track turns per-frame detections into tracks of people and faces
// (SORT: a constant-velocity Kalman filter per track, association by IoU with
// an optimal assignment) and says which boxes to mask on each frame.
//
// It is pure Go and knows nothing of video: the detector (package opencv)
// gives it boxes, the renderer asks it for masks. docs/design/masking.md,
// section "Tracking", explains the rules.
package track

import "math"

// Box is an axis-aligned rectangle in pixels: X, Y its top-left corner, W, H
// its width and height.
type Box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Area is W×H, 0 for an empty box.
func (b Box) Area() float64 {
	if b.Empty() {
		return 0
	}
	return b.W * b.H
}

// Empty reports whether the box has no area.
func (b Box) Empty() bool { return !(b.W > 0 && b.H > 0) }

// Center is the centre point of the box.
func (b Box) Center() (x, y float64) { return b.X + b.W/2, b.Y + b.H/2 }

// Intersect is the overlap of two boxes (empty if they do not overlap).
func (b Box) Intersect(o Box) Box {
	x0, y0 := math.Max(b.X, o.X), math.Max(b.Y, o.Y)
	x1, y1 := math.Min(b.X+b.W, o.X+o.W), math.Min(b.Y+b.H, o.Y+o.H)
	if x1 <= x0 || y1 <= y0 {
		return Box{}
	}
	return Box{x0, y0, x1 - x0, y1 - y0}
}

// IoU is the intersection over union of two boxes, in [0, 1].
func (b Box) IoU(o Box) float64 {
	in := b.Intersect(o).Area()
	if in == 0 {
		return 0
	}
	return in / (b.Area() + o.Area() - in)
}

// Covered is the share of b's area that o covers, in [0, 1].
func (b Box) Covered(o Box) float64 {
	a := b.Area()
	if a == 0 {
		return 0
	}
	return b.Intersect(o).Area() / a
}

// Contains reports whether the point (x, y) lies inside the box.
func (b Box) Contains(x, y float64) bool {
	return x >= b.X && x <= b.X+b.W && y >= b.Y && y <= b.Y+b.H
}

// Grow enlarges the box by f×W on the left and on the right and by f×H at the
// top and at the bottom.
func (b Box) Grow(f float64) Box {
	dx, dy := b.W*f, b.H*f
	return Box{b.X - dx, b.Y - dy, b.W + 2*dx, b.H + 2*dy}
}

// Clip cuts the box to the frame [0, w]×[0, h].
func (b Box) Clip(w, h float64) Box {
	return b.Intersect(Box{0, 0, w, h})
}

func (b Box) finite() bool {
	for _, v := range [...]float64{b.X, b.Y, b.W, b.H} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
