package track

import (
	"slices"

	"custodian"
)

// Kind is what a detection or a track is of.
type Kind string

const (
	Person Kind = "person"
	Face   Kind = "face"
)

// Detection is one box the detector found on a frame.
type Detection struct {
	Box   Box     `json:"box"`
	Score float64 `json:"score"`
	Kind  Kind    `json:"kind"`
}

// FrameBox is a track's box on one frame: detected there, or only predicted
// (the detector did not run, or missed the person).
type FrameBox struct {
	Frame    int  `json:"frame"`
	Box      Box  `json:"box"`
	Detected bool `json:"detected"`
}

// Track is one person (or face) followed over consecutive frames.
type Track struct {
	ID    int        `json:"id"` // 1, 2, … in the order tracks are born
	Kind  Kind       `json:"kind"`
	First int        `json:"first"` // first and last frame with a box
	Last  int        `json:"last"`
	Hits  int        `json:"hits"`  // detection frames that matched it
	Boxes []FrameBox `json:"boxes"` // one per frame, First to Last
}

// At is the track's box on a frame.
func (t *Track) At(frame int) (FrameBox, bool) {
	if frame < t.First || frame > t.Last {
		return FrameBox{}, false
	}
	return t.Boxes[frame-t.First], true
}

// state is a track being followed. A track is tentative until MinHits
// detections have matched it; only born tracks have an ID. Tentative or
// born, a track not detected for more than MaxAge frames is dropped.
type state struct {
	Track
	kf        kalman
	lastHit   int // the frame of its last detection
	confirmed bool
}

// Tracker follows people and faces through a video, one frame at a time:
// Update with the detections of a frame where the detector ran, Predict on a
// frame where it did not. Frames come in order, one after another. It is
// not safe for concurrent use.
type Tracker struct {
	p             Params
	width, height float64

	start, next int // the first frame, and the frame expected next
	started     bool

	live   []*state      // tentative and born tracks still followed
	tracks []*state      // born tracks, by ID-1
	frames [][]*state    // born tracks with a box on each frame, by frame-start
	faces  map[int][]Box // face detections, by frame
	kept   map[int]bool  // tracks kept clear
	weight []float64     // reused association matrix
}

// New is a tracker for frames of width×height pixels.
func New(p Params, width, height int) (*Tracker, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if width <= 0 || height <= 0 || width > 1<<15 || height > 1<<15 {
		return nil, custodian.Errorf(custodian.EINVALID,
			"프레임 크기 %d×%d이(가) 올바르지 않습니다", "frame size %d×%d is not valid", width, height)
	}
	return &Tracker{p: p, width: float64(width), height: float64(height),
		faces: map[int][]Box{}, kept: map[int]bool{}}, nil
}

// Params are the tracker's settings.
func (t *Tracker) Params() Params { return t.p }

func (t *Tracker) checkFrame(frame int) error {
	if frame < 0 {
		return custodian.Errorf(custodian.EINVALID,
			"프레임 번호 %d은(는) 음수일 수 없습니다", "frame %d: a frame number cannot be negative", frame)
	}
	if t.started && frame != t.next {
		return custodian.Errorf(custodian.EINVALID,
			"프레임 %d 다음에는 프레임 %d이(가) 와야 하는데 %d이(가) 왔습니다",
			"frame %[3]d came where frame %[2]d was expected (after frame %[1]d)", t.next-1, t.next, frame)
	}
	return nil
}

func (t *Tracker) advance(frame int) {
	if !t.started {
		t.started, t.start = true, frame
	}
	t.next = frame + 1
	t.frames = append(t.frames, nil)
}

// Update takes the detections of a frame where the detector ran (none is a
// valid answer: nobody seen). Detections below MinScore are ignored. A bad
// detection (empty or non-finite box, unknown kind) is refused and nothing
// changes.
func (t *Tracker) Update(frame int, dets []Detection) error {
	if err := t.checkFrame(frame); err != nil {
		return err
	}
	for i, d := range dets {
		if d.Kind != Person && d.Kind != Face {
			return custodian.Errorf(custodian.EINVALID,
				"프레임 %d 검출 %d: 종류 %q은(는) person 또는 face여야 합니다",
				"frame %d detection %d: kind %q must be person or face", frame, i, d.Kind)
		}
		if !d.Box.finite() || d.Box.Empty() {
			return custodian.Errorf(custodian.EINVALID,
				"프레임 %d 검출 %d: 상자 %v이(가) 비어 있거나 올바르지 않습니다",
				"frame %d detection %d: box %v is empty or not finite", frame, i, d.Box)
		}
	}
	t.advance(frame)
	for _, s := range t.live {
		s.kf.predict()
	}
	matched := make([]bool, len(t.live))
	used := make([]bool, len(dets))
	for _, kind := range [...]Kind{Person, Face} {
		t.associate(frame, kind, dets, matched, used)
	}
	keep := t.live[:0]
	for i, s := range t.live {
		switch {
		case matched[i]:
		case frame-s.lastHit > t.p.MaxAge:
			continue // lost (or, if never born, a false detection)
		default:
			t.record(s, frame, s.kf.box(), false)
		}
		keep = append(keep, s)
	}
	clear(t.live[len(keep):])
	t.live = keep
	for i, d := range dets {
		if used[i] || d.Score < t.p.MinScore {
			continue
		}
		s := &state{kf: newKalman(d.Box), lastHit: frame}
		s.Kind, s.First, s.Hits = d.Kind, frame, 1
		t.record(s, frame, d.Box, true)
		t.live = append(t.live, s)
		t.confirm(s)
	}
	for _, d := range dets {
		if d.Kind == Face && d.Score >= t.p.MinScore {
			t.faces[frame] = append(t.faces[frame], d.Box)
		}
	}
	return nil
}

// associate matches the live tracks of a kind to that kind's detections,
// maximising the total IoU over the pairs at or above MinIoU.
func (t *Tracker) associate(frame int, kind Kind, dets []Detection, matched, used []bool) {
	var rows, cols []int
	for i, s := range t.live {
		if s.Kind == kind {
			rows = append(rows, i)
		}
	}
	for j, d := range dets {
		if d.Kind == kind && d.Score >= t.p.MinScore {
			cols = append(cols, j)
		}
	}
	if len(rows) == 0 || len(cols) == 0 {
		return
	}
	pred := make([]Box, len(rows))
	for a, i := range rows {
		pred[a] = t.live[i].kf.box()
	}
	n := len(rows) * len(cols)
	if cap(t.weight) < n {
		t.weight = make([]float64, n)
	}
	cost := t.weight[:n]
	for a := range rows {
		for b, j := range cols {
			iou := pred[a].IoU(dets[j].Box)
			if iou < t.p.MinIoU {
				iou = 0 // below the threshold a pair is worth nothing
			}
			cost[a*len(cols)+b] = -iou
		}
	}
	for a, b := range assign(cost, len(rows), len(cols)) {
		if b < 0 || cost[a*len(cols)+b] == 0 {
			continue
		}
		i, j := rows[a], cols[b]
		s, d := t.live[i], dets[j]
		matched[i], used[j] = true, true
		s.kf.update(d.Box)
		s.Hits++
		s.interpolate(frame, d.Box)
		s.lastHit = frame
		t.record(s, frame, d.Box, true)
		t.confirm(s)
	}
}

// confirm gives a tentative track with enough hits its ID, and its frames so
// far to the masks.
func (t *Tracker) confirm(s *state) {
	if s.confirmed || s.Hits < t.p.MinHits {
		return
	}
	s.confirmed = true
	t.tracks = append(t.tracks, s)
	s.ID = len(t.tracks)
	for f := s.First; f <= s.Last; f++ {
		t.frames[f-t.start] = append(t.frames[f-t.start], s)
	}
}

// interpolate replaces the predicted boxes since the track's last detection
// with boxes moved in a straight line from that detection to the new one on
// frame: the prediction guessed the motion, two detections know it.
func (s *state) interpolate(frame int, b Box) {
	gap := frame - s.lastHit
	if gap <= 1 {
		return
	}
	a := s.Boxes[s.lastHit-s.First].Box
	lerp := func(x, y, f float64) float64 { return x + (y-x)*f }
	for g := s.lastHit + 1; g < frame; g++ {
		f := float64(g-s.lastHit) / float64(gap)
		s.Boxes[g-s.First].Box = Box{lerp(a.X, b.X, f), lerp(a.Y, b.Y, f), lerp(a.W, b.W, f), lerp(a.H, b.H, f)}
	}
}

func (t *Tracker) record(s *state, frame int, b Box, detected bool) {
	s.Boxes = append(s.Boxes, FrameBox{Frame: frame, Box: b, Detected: detected})
	s.Last = frame
	if s.confirmed {
		t.frames[frame-t.start] = append(t.frames[frame-t.start], s)
	}
}

// Predict advances a frame where the detector did not run: every live track
// moves on its predicted box. A track not detected for more than MaxAge
// frames is deleted.
func (t *Tracker) Predict(frame int) error {
	if err := t.checkFrame(frame); err != nil {
		return err
	}
	t.advance(frame)
	keep := t.live[:0]
	for _, s := range t.live {
		s.kf.predict()
		if frame-s.lastHit > t.p.MaxAge {
			continue
		}
		t.record(s, frame, s.kf.box(), false)
		keep = append(keep, s)
	}
	clear(t.live[len(keep):])
	t.live = keep
	return nil
}

// Tracks are the born tracks so far, in ID order (copies).
func (t *Tracker) Tracks() []Track {
	out := make([]Track, len(t.tracks))
	for i, s := range t.tracks {
		out[i] = s.Track
		out[i].Boxes = slices.Clone(s.Boxes)
	}
	return out
}

// Keep keeps a born track clear of masks (the requester, chosen by them or
// the operator).
func (t *Tracker) Keep(id int) error {
	if id < 1 || id > len(t.tracks) {
		return custodian.Errorf(custodian.ENOTFOUND,
			"추적 %d이(가) 없습니다", "there is no track %d", id)
	}
	t.kept[id] = true
	return nil
}

// Kept are the IDs of the tracks kept clear, in order (for the recipe).
func (t *Tracker) Kept() []int {
	out := make([]int, 0, len(t.kept))
	for id := range t.kept {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
