package track

import "math"

// Mask is one box to mask on a frame.
type Mask struct {
	Box   Box  `json:"box"`   // grown by the margin, clipped to the frame
	Track int  `json:"track"` // the track it masks; 0 for a face detection not tracked
	Kind  Kind `json:"kind"`
	// Predicted: the track was not detected on this frame (the frame is
	// covered by tracking only, for the coverage report).
	Predicted bool `json:"predicted"`
}

// MaskBoxes are the boxes to mask on a frame:
//   - every born track with a box on the frame, grown on each side by
//     Margin plus GrowPerFrame per frame to its nearest detection (at most
//     MaxGrow), clipped to the frame;
//   - except the tracks kept clear (Keep), and a face track whose face lies
//     only inside kept people;
//   - and every face detection on the frame whose centre lies inside a
//     person track that is masked, tracked or not.
//
// A box of another track that overlaps a kept one is masked all the same.
// The masks of a frame are final once the tracker has seen Params.Lag
// frames after it (a track's early frames are masked once it is born, and
// predicted boxes are replaced by interpolation once it is detected again);
// a frame not yet seen has none.
func (t *Tracker) MaskBoxes(frame int) []Mask {
	if !t.started || frame < t.start || frame >= t.next {
		return nil
	}
	on := t.frames[frame-t.start]
	var out []Mask
	var masked []Box // the raw boxes of the people masked
	for _, s := range on {
		fb, _ := s.At(frame)
		if t.kept[s.ID] || (s.Kind == Face && t.faceKept(on, frame, fb.Box)) {
			continue
		}
		if s.Kind == Person {
			masked = append(masked, fb.Box)
		}
		if b := t.grow(fb.Box, undetected(s, frame)); !b.Empty() {
			out = append(out, Mask{Box: b, Track: s.ID, Kind: s.Kind, Predicted: !fb.Detected})
		}
	}
	for _, f := range t.faces[frame] {
		cx, cy := f.Center()
		for _, p := range masked {
			if p.Contains(cx, cy) {
				if b := t.grow(f, 0); !b.Empty() {
					out = append(out, Mask{Box: b, Kind: Face})
				}
				break
			}
		}
	}
	return out
}

// faceKept reports whether a face box lies inside at least one person on the
// frame and every person it lies inside is kept clear.
func (t *Tracker) faceKept(on []*state, frame int, face Box) bool {
	cx, cy := face.Center()
	inside := false
	for _, s := range on {
		if s.Kind != Person {
			continue
		}
		fb, _ := s.At(frame)
		if fb.Box.Contains(cx, cy) {
			if !t.kept[s.ID] {
				return false
			}
			inside = true
		}
	}
	return inside
}

// undetected is how many frames the frame lies from the track's nearest
// detection, before or after it.
func undetected(s *state, frame int) int {
	for d := 0; ; d++ {
		before, after := frame-d, frame+d
		if before < s.First && after > s.Last {
			return d
		}
		if (before >= s.First && s.Boxes[before-s.First].Detected) ||
			(after <= s.Last && s.Boxes[after-s.First].Detected) {
			return d
		}
	}
}

func (t *Tracker) grow(b Box, since int) Box {
	g := t.p.Margin + math.Min(t.p.GrowPerFrame*float64(since), t.p.MaxGrow)
	return b.Grow(g).Clip(t.width, t.height)
}
